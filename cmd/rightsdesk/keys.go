package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"rightsdesk/internal/config"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Key rotation (issue 22, D-26). The keyring lives in SECRET_KEY (+
// OLD_SECRET_KEYS), or in a key file: SECRET_KEY_FILE, or DATA_DIR's
// secret.key in the embedded default. With a key file, 'keys rotate' adds
// the new key to the file itself and running servers learn it within
// keyWatchEvery, so they read what the rotation re-encrypts while it runs.

const keysUsage = "usage: rightsdesk keys rotate [--batch N] [--finish] | status | retire --key ID"

// keyWatchEvery is how often serve and worker look at the key file.
const keyWatchEvery = 5 * time.Second

// keyFile is the key file's path, or "" when the ring is in SECRET_KEY.
func keyFile(cfg config.Config) string {
	switch {
	case cfg.SecretKey != "":
		return ""
	case cfg.SecretKeyFile != "":
		return cfg.SecretKeyFile
	}
	return filepath.Join(cfg.DataDir, secret.KeyFileName)
}

// readRing reads the ring's entries: SECRET_KEY, else the key file (the
// embedded default creates DATA_DIR's on first start, D-17; a named
// SECRET_KEY_FILE must exist: a server never invents a production key).
// held says whether the database already holds data written under a key;
// then a missing DATA_DIR key file is an error, not a first start: a new
// key would leave that data unreadable and the audit trail unverifiable
// (a restored data directory whose key was not put back).
func readRing(cfg config.Config, log *slog.Logger, held func() (bool, error)) (current string, old []string, err error) {
	if cfg.SecretKey != "" {
		return cfg.SecretKey, nil, nil
	}
	if cfg.SecretKeyFile != "" {
		current, old, err = secret.ReadKeyFile(cfg.SecretKeyFile)
		if err != nil {
			return "", nil, fmt.Errorf("SECRET_KEY_FILE: %w", err)
		}
		return current, old, nil
	}
	path := filepath.Join(cfg.DataDir, secret.KeyFileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && held != nil {
		has, err := held()
		if err != nil {
			return "", nil, fmt.Errorf("checking for data under an earlier key: %w", err)
		}
		if has {
			return "", nil, fmt.Errorf("%s is missing, but the database holds data sealed under a secret key: "+
				"put that key file back (after a restore: the one backed up beside the archive) or set SECRET_KEY; "+
				"a new key would leave the data unreadable, so none was generated", path)
		}
	}
	current, old, created, err := secret.LoadOrCreateRing(cfg.DataDir)
	if err != nil {
		return "", nil, err
	}
	if created {
		log.Info("generated a secret key (D-17)", "file", path)
	}
	return current, old, nil
}

// keyWatch remembers the key file's last seen state.
type keyWatch struct {
	path    string
	modTime time.Time
	size    int64
}

// learn re-reads the key file when it changed and teaches the running
// ring (and the store's) its keys for reading; the current key stays the
// one the process started with until it restarts. It reports whether it
// read the file.
func (w *keyWatch) learn(keys *secret.Keys, log *slog.Logger) (bool, error) {
	st, err := os.Stat(w.path)
	if err != nil {
		return false, err
	}
	if st.ModTime().Equal(w.modTime) && st.Size() == w.size {
		return false, nil
	}
	current, old, err := secret.ReadKeyFile(w.path)
	if err != nil {
		return false, err
	}
	ring, err := secret.NewRing(current, old)
	if err != nil {
		return false, err
	}
	w.modTime, w.size = st.ModTime(), st.Size()
	before := len(keys.RingIDs())
	keys.Learn(ring)
	store.LearnKeys(ring)
	if n := len(keys.RingIDs()); n != before {
		log.Info("learnt keys from the key file; new data stays under the current key until a restart",
			"file", w.path, "current", keys.ID(), "ring", keys.RingIDs())
	}
	return true, nil
}

// watchKeyFile starts the key file watch of serve and worker.
func (a *app) watchKeyFile() {
	path := keyFile(a.cfg)
	if path == "" {
		return
	}
	w := &keyWatch{path: path}
	if st, err := os.Stat(path); err == nil {
		w.modTime, w.size = st.ModTime(), st.Size()
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(keyWatchEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, err := w.learn(a.keys, a.log); err != nil {
					a.log.Error("reading the key file", "file", path, "err", err)
				}
			}
		}
	}()
	a.closers = append(a.closers, func() { close(done); <-stopped })
}

func runKeys(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	verb, rest := args[0], args[1:]
	var batch int
	var finish bool
	var retire string
	switch verb {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(env.Stdout, keysUsage)
		return nil
	case "rotate", "status", "retire":
	default:
		return fmt.Errorf("unknown verb %q (%s)", verb, keysUsage)
	}
	cfg, _, err := parseConfig(env, "keys "+verb, rest, func(fs *flag.FlagSet) {
		switch verb {
		case "rotate":
			fs.IntVar(&batch, "batch", 500, "rows per transaction")
			fs.BoolVar(&finish, "finish", false, "only move what is still under older keys; never add a key (the run after restarting the servers)")
		case "retire":
			fs.StringVar(&retire, "key", "", "the id of the old key to retire (keys status lists them)")
		}
	})
	if err != nil {
		return err
	}
	cfg.Seed = false
	a, err := setup(ctx, cfg, env, false, false)
	if err != nil {
		return err
	}
	defer a.close()
	switch verb {
	case "status":
		return keysStatus(ctx, env.Stdout, a)
	case "retire":
		return keysRetire(ctx, env.Stdout, a, retire)
	}
	return keysRotate(ctx, env.Stdout, a, batch, finish)
}

func keysStatus(ctx context.Context, w io.Writer, a *app) error {
	if f := keyFile(a.cfg); f != "" {
		fmt.Fprintf(w, "key file: %s\n", f)
	} else {
		fmt.Fprintln(w, "keys from SECRET_KEY and OLD_SECRET_KEYS")
	}
	fmt.Fprintf(w, "current key: %s\n", a.keys.ID())
	for _, id := range a.keys.RingIDs()[1:] {
		fmt.Fprintf(w, "old key: %s\n", id)
	}
	byKey, err := store.CaseKeysByKey(ctx, a.pool)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(byKey))
	for id := range byKey {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "case keys under %s: %d\n", id, byKey[id])
	}
	pending, total, err := store.KeysPending(ctx, a.pool, a.keys)
	if err != nil {
		return err
	}
	if total == 0 {
		fmt.Fprintf(w, "everything is under the current key %s\n", a.keys.ID())
		return nil
	}
	printPending(w, pending)
	fmt.Fprintln(w, "run 'rightsdesk keys rotate --finish' to move them under the current key")
	return nil
}

func printPending(w io.Writer, pending map[string]int) {
	names := make([]string, 0, len(pending))
	for n := range pending {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "not yet under the current key: %s: %d\n", n, pending[n])
	}
}

// keysRotate adds a key and moves everything under it; if a rotation was
// interrupted (or servers wrote under the old key meanwhile), it finishes
// that one instead of adding another key.
func keysRotate(ctx context.Context, w io.Writer, a *app, batch int, finish bool) error {
	ring := a.keys
	pending, total, err := store.KeysPending(ctx, a.pool, ring)
	if err != nil {
		return err
	}
	path := keyFile(a.cfg)
	switch {
	case total > 0:
		fmt.Fprintf(w, "finishing the rotation to key %s: %d items are still under older keys (no new key added)\n", ring.ID(), total)
		printPending(w, pending)
	case finish:
		fmt.Fprintf(w, "everything is under the current key %s; nothing to finish\n", ring.ID())
		return nil
	case path == "":
		return errors.New("everything is under SECRET_KEY's key already. To rotate with keys in the environment: " +
			"set SECRET_KEY to a new key (openssl rand -hex 32, optionally ID:KEY), add the old one to OLD_SECRET_KEYS, " +
			"restart, and run 'rightsdesk keys rotate'; or keep the keyring in a key file (SECRET_KEY_FILE), " +
			"where 'keys rotate' adds the key itself (docs/operations.md, Keys)")
	default:
		current, old, err := secret.ReadKeyFile(path)
		if err != nil {
			return err
		}
		entry, err := secret.NewKeyEntry("k" + time.Now().UTC().Format("20060102"))
		if err != nil {
			return err
		}
		newOld := append([]string{current}, old...)
		if ring, err = secret.NewRing(entry, append(slices.Clone(newOld), a.cfg.OldSecretKeys...)); err != nil {
			return err
		}
		if err := secret.WriteKeyFile(path, entry, newOld); err != nil {
			return fmt.Errorf("writing the key file: %w", err)
		}
		fmt.Fprintf(w, "added key %s to %s as the current key; the old keys stay in it.\n", ring.ID(), path)
		fmt.Fprintln(w, "BACK UP the key file now, before anything is written under the new key (docs/operations.md, Keys).")
		a.log.Info("key rotation: new key", "key", ring.ID(), "file", path)
	}
	last := time.Time{}
	rep, err := store.RotateKeys(ctx, a.pool, ring, store.RotateOptions{Batch: batch, Progress: func(p store.RotateProgress) {
		if p.Done == p.Total || time.Since(last) >= time.Second {
			last = time.Now()
			fmt.Fprintf(w, "%s: %d/%d (%.0f/s)\n", p.Phase, p.Done, p.Total, p.Rate())
		}
	}})
	if err != nil {
		return fmt.Errorf("%w (run 'rightsdesk keys rotate' again: it goes on where this stopped)", err)
	}
	moved := 0
	for _, n := range rep.Moved {
		moved += n
	}
	fmt.Fprintf(w, "moved %d items under key %s\n", moved, ring.ID())
	if moved > 0 {
		if err := auditRotation(ctx, a, ring, rep); err != nil {
			return fmt.Errorf("recording the rotation in the audit trail: %w", err)
		}
	}
	if rep.Remaining > 0 {
		fmt.Fprintf(w, "%d items were written under an older key while this ran (a server not yet restarted): "+
			"restart every serve and worker, then run 'rightsdesk keys rotate --finish'\n", rep.Remaining)
		return nil
	}
	if total > 0 {
		// This run finished an earlier rotation: no key was added, so
		// there is no restart to ask for again (the servers that wrote
		// under the old key were restarted, or this run says so above).
		fmt.Fprintf(w, "everything is under key %s: the rotation is finished. "+
			"'rightsdesk keys retire --key OLD' keeps only the old key's audit keys\n", ring.ID())
		return nil
	}
	fmt.Fprintf(w, "everything is under key %s. Restart every serve and worker so they write under it too; "+
		"then run 'rightsdesk keys rotate --finish' (it moves what they wrote meanwhile) and "+
		"'rightsdesk keys retire --key OLD' to keep only the old key's audit keys\n", ring.ID())
	return nil
}

// auditRotation records the rotation in every organisation's own chain:
// key ids and counts only (D-25), under the new key.
func auditRotation(ctx context.Context, a *app, ring *secret.Keys, rep store.RotateReport) error {
	q := store.New(a.pool)
	orgs, err := q.Orgs(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{"key": ring.ID(), "case_keys": rep.Moved["case keys"], "remaining": rep.Remaining}
	for _, o := range orgs {
		if err := q.AppendAudit(ctx, ring, store.AuditEvent{OrgID: o.ID, Actor: string(workflow.ActorCLI), Action: "keys.rotate", Data: data, At: time.Now()}); err != nil {
			return err
		}
	}
	return nil
}

// keysRetire replaces an old key by its audit keys ("verify" entries):
// the audit trail it signed stays verifiable, and it opens nothing any
// more. It refuses while anything is still under an older key.
func keysRetire(ctx context.Context, w io.Writer, a *app, id string) error {
	if id == "" {
		return errors.New("--key ID is required (rightsdesk keys status lists the old keys)")
	}
	if id == a.keys.ID() {
		return fmt.Errorf("%s is the current key", id)
	}
	if !a.keys.Has(id) {
		return fmt.Errorf("no old key %q in the keyring (rightsdesk keys status lists them)", id)
	}
	pending, total, err := store.KeysPending(ctx, a.pool, a.keys)
	if err != nil {
		return err
	}
	if total > 0 {
		printPending(w, pending)
		return errors.New("data is still under an older key: run 'rightsdesk keys rotate --finish' first (after restarting the servers)")
	}
	verify, err := a.keys.VerifyEntries(id)
	if err != nil {
		return err
	}
	path := keyFile(a.cfg)
	if path == "" {
		fmt.Fprintf(w, "keys are in the environment: in OLD_SECRET_KEYS, replace the key %s by these entries, then restart:\n", id)
		for _, v := range verify {
			fmt.Fprintln(w, v)
		}
		return nil
	}
	current, old, err := secret.ReadKeyFile(path)
	if err != nil {
		return err
	}
	var kept []string
	found := false
	for _, o := range old {
		if oid, master, err := secret.ParseKeyEntry(o); err == nil && !secret.IsVerifyEntry(o) && (oid == id || secret.Fingerprint(master) == id) {
			found = true
			continue
		}
		kept = append(kept, o)
	}
	if !found {
		return fmt.Errorf("the key %s is not in %s (in OLD_SECRET_KEYS? remove it there)", id, path)
	}
	for _, v := range verify {
		if !slices.Contains(kept, v) {
			kept = append(kept, v)
		}
	}
	if err := secret.WriteKeyFile(path, current, kept); err != nil {
		return err
	}
	fmt.Fprintf(w, "retired key %s: %s keeps only its audit keys (the audit trail stays verifiable). "+
		"Back up the key file again; older backups of it still hold the retired key.\n", id, path)
	return nil
}
