package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// rightsdesk keys status | rotate | retire with the keyring in a key file
// (SECRET_KEY_FILE), issue 22: rotate adds a key to the file, moves every
// case key under it with progress lines, and a second run with nothing
// left under the old key would add another key (so the test stops here);
// retire keeps only the old key's audit keys; audit verify passes before
// and after; the cases open under the file's ring without the old key.
func TestKeysRotateCommand(t *testing.T) {
	t.Parallel()
	pool, base := accountsDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "keyring")
	if err := os.WriteFile(file, []byte(testSecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		switch k {
		case "SECRET_KEY":
			return ""
		case "SECRET_KEY_FILE":
			return file
		}
		return base(k)
	}
	oldRing, err := secret.NewRing(testSecretKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	oldID := oldRing.ID()
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "30", "--seed", "3"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "checkpoint"); code != 0 {
		t.Fatalf("checkpoint: %q %q", stdout, stderr)
	}
	code, stdout, stderr := runWithInput(t, getenv, "", "keys", "status")
	if code != 0 || !strings.Contains(stdout, "current key: "+oldID) || !strings.Contains(stdout, "case keys under "+oldID+": 30") ||
		!strings.Contains(stdout, "everything is under the current key") {
		t.Fatalf("status before: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "keys", "retire", "--key", oldID); code != 1 || !strings.Contains(stderr, "current key") {
		t.Fatalf("retiring the current key: %d %q", code, stderr)
	}

	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "rotate", "--batch", "7")
	newID := regexp.MustCompile(`added key (k\d{8}-[0-9a-f]{4}) to`).FindStringSubmatch(stdout)
	if code != 0 || newID == nil || !strings.Contains(stdout, "BACK UP the key file") ||
		!strings.Contains(stdout, "case keys: 30/30 (") || !strings.Contains(stdout, "everything is under key "+newID[1]) {
		t.Fatalf("rotate: %d %q %q", code, stdout, stderr)
	}
	current, old, err := secret.ReadKeyFile(file)
	if err != nil || !strings.HasPrefix(current, newID[1]+":") || len(old) != 1 || old[0] != testSecretKey {
		t.Fatalf("key file after rotate: %q %v %v", current, old, err)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode after rotate: %v %v", st.Mode(), err)
	}
	var underOld int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM case_keys WHERE key_id = $1`, oldID).Scan(&underOld); err != nil || underOld != 0 {
		t.Fatalf("case keys under the old key after rotate: %d %v", underOld, err)
	}
	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "status")
	if code != 0 || !strings.Contains(stdout, "current key: "+newID[1]) || !strings.Contains(stdout, "old key: "+oldID) ||
		!strings.Contains(stdout, "case keys under "+newID[1]+": 30") {
		t.Fatalf("status after: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify"); code != 0 || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify after rotate: %d %q %q", code, stdout, stderr)
	}
	var rotations int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'keys.rotate' AND case_id IS NULL
		AND key_id = $1 AND data->>'key' = $1 AND (data->>'case_keys')::int = 30`, newID[1]).Scan(&rotations); err != nil || rotations != 2 {
		t.Fatalf("rotation audit events (one per organisation): %d %v", rotations, err)
	}

	// A server not yet restarted writes a case under the old key: status
	// shows it, retire refuses, rotate finishes it without adding a key.
	var espooID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'espoo'`).Scan(&espooID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := store.New(pool).WithKeys(oldRing).InsertCase(ctx, store.Case{OrgID: espooID, Receipt: "RD-2026-999001",
		Rights: []string{"access"}, Details: "kirjoitettu vanhalla avaimella", Delivery: "electronic", Lang: "fi", Channel: "paper",
		State: "received", ReceivedAt: now, RawEnd: now, LegalDue: now, SafeTarget: now, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "status")
	if code != 0 || !strings.Contains(stdout, "not yet under the current key: case keys: 1") || !strings.Contains(stdout, "keys rotate --finish") {
		t.Fatalf("status with a straggler: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "keys", "retire", "--key", oldID); code != 1 || !strings.Contains(stderr, "still under an older key") {
		t.Fatalf("retire with a straggler: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "rotate")
	if code != 0 || !strings.Contains(stdout, "finishing the rotation to key "+newID[1]) || strings.Contains(stdout, "added key") ||
		!strings.Contains(stdout, "case keys: 1/1") || !strings.Contains(stdout, "the rotation is finished") ||
		strings.Contains(stdout, "Restart every serve") {
		t.Fatalf("rotate with a straggler: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "rotate", "--finish")
	if code != 0 || !strings.Contains(stdout, "nothing to finish") {
		t.Fatalf("rotate --finish with nothing to do: %d %q %q", code, stdout, stderr)
	}
	if c, o, err := secret.ReadKeyFile(file); err != nil || c != current || len(o) != 1 {
		t.Fatalf("the key file changed without a new rotation: %v", err)
	}

	code, stdout, stderr = runWithInput(t, getenv, "", "keys", "retire", "--key", oldID)
	if code != 0 || !strings.Contains(stdout, "retired key "+oldID) {
		t.Fatalf("retire: %d %q %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(file)
	if err != nil || strings.Contains(string(raw), testSecretKey) || !strings.Contains(string(raw), "verify "+oldID+" ") {
		t.Fatalf("key file after retire still holds the old key or lacks its audit keys:\n%s", raw)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify"); code != 0 || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify after retire: %d %q %q", code, stdout, stderr)
	}
	// Every case opens under the file's ring, which lacks the old key.
	cur, rest, err := secret.ReadKeyFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secret.NewRing(cur, rest)
	if err != nil || ring.Has(oldID) {
		t.Fatalf("ring after retire: %v", err)
	}
	q := store.New(pool).WithKeys(ring)
	var orgID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'espoo'`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT id FROM cases WHERE org_id = $1`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 31 {
		t.Fatalf("%d cases", len(ids))
	}
	for _, id := range ids {
		c, err := q.CaseByID(ctx, orgID, id)
		if err != nil || c.Purged {
			t.Fatalf("case %d after retire: %v", id, err)
		}
		r, err := q.RequesterOf(ctx, orgID, id)
		if errors.Is(err, store.ErrNotFound) && c.Receipt == "RD-2026-999001" {
			continue // the paper case written under the old key has no requester
		}
		if err != nil {
			t.Fatalf("requester of case %d after retire: %v", id, err)
		}
		if r.Email != "" {
			p, err := q.EmailSearch(r.Email)
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM requesters WHERE case_id = $1 AND email_index = ANY($2)
				AND email_index_key = $3`, id, p.Email, newID[1]).Scan(&n); err != nil || n != 1 {
				t.Fatalf("email index of case %d after rotation: %d %v", id, n, err)
			}
		}
	}
	if code, _, stderr := runWithInput(t, getenv, "", "keys", "retire", "--key", oldID); code != 1 || !strings.Contains(stderr, "no old key") {
		t.Fatalf("retiring twice: %d %q", code, stderr)
	}
}

// A running server learns a key that 'keys rotate' wrote to the key file
// (issue 22): it opens what is sealed under the new key and goes on
// sealing under the key it started with.
func TestKeyFileWatchLearnsNewKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "keyring")
	if err := os.WriteFile(file, []byte(testSecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	running, err := secret.NewRing(testSecretKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &keyWatch{path: file}
	log := testenv.Quiet()
	if read, err := w.learn(running, log); err != nil || !read {
		t.Fatalf("first look: %v %v", read, err)
	}
	if read, err := w.learn(running, log); err != nil || read {
		t.Fatalf("an unchanged file was read again: %v %v", read, err)
	}
	entry, err := secret.NewKeyEntry("k20261206")
	if err != nil {
		t.Fatal(err)
	}
	if err := secret.WriteKeyFile(file, entry, []string{testSecretKey}); err != nil {
		t.Fatal(err)
	}
	rotated, _ := secret.NewRing(entry, []string{testSecretKey})
	dk, _ := secret.NewDataKey()
	kid, wrapped, _ := rotated.WrapDataKey(1, dk)
	if _, err := running.UnwrapDataKey(1, kid, wrapped); err == nil {
		t.Fatal("the running ring opened the new key's data before learning it")
	}
	if read, err := w.learn(running, log); err != nil || !read {
		t.Fatalf("changed file: %v %v", read, err)
	}
	if _, err := running.UnwrapDataKey(1, kid, wrapped); err != nil {
		t.Fatalf("after learning: %v", err)
	}
	if id, _, _ := running.WrapDataKey(2, dk); id != running.ID() || id == kid {
		t.Fatalf("the running ring now seals under %q", id)
	}
}

// rightsdesk user totp-off --email E: an operator turns off a second
// factor without a code (a lost device); the account's sessions end and
// the act is in the organisation's audit chain with the CLI as actor.
func TestUserTOTPOff(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()
	const pw = "correct horse battery"
	if code, _, stderr := runWithInput(t, getenv, pw+"\n", "user", "add", "--email", "m@espoo.example", "--org", "espoo", "--role", "dpo"); code != 0 {
		t.Fatalf("user add: %s", stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "user", "totp-off", "--email", "m@espoo.example"); code != 1 ||
		!strings.Contains(stderr, "no second factor") {
		t.Fatalf("totp-off without a second factor: %d %q", code, stderr)
	}
	var userID int64
	if err := pool.QueryRow(ctx, `UPDATE staff_users SET totp_secret = '\x0102'::bytea, totp_key_id = 'k1', totp_enabled_at = now()
		WHERE email = 'm@espoo.example' RETURNING id`).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO staff_sessions (id_hash, user_id, csrf_token) VALUES ('\x01'::bytea, $1, 'c')`, userID); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runWithInput(t, getenv, "", "user", "totp-off", "--email", "M@Espoo.example")
	if code != 0 || !strings.Contains(stdout, "turned off the second factor of m@espoo.example") {
		t.Fatalf("totp-off: %d %q %q", code, stdout, stderr)
	}
	var secretLeft, enabled bool
	var live int
	if err := pool.QueryRow(ctx, `SELECT totp_secret IS NOT NULL, totp_enabled_at IS NOT NULL,
		(SELECT count(*) FROM staff_sessions WHERE user_id = $1 AND revoked_at IS NULL) FROM staff_users WHERE id = $1`, userID).
		Scan(&secretLeft, &enabled, &live); err != nil || secretLeft || enabled || live != 0 {
		t.Fatalf("after totp-off: secret %v enabled %v live sessions %d %v", secretLeft, enabled, live, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events e JOIN organisations o ON o.id = e.org_id
		WHERE o.slug = 'espoo' AND e.action = 'staff.totp_disable' AND e.actor = 'cli' AND (e.data->>'user_id')::bigint = $1`, userID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit events of totp-off: %d %v", n, err)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify"); code != 0 || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "user", "totp-off", "--email", "nobody@espoo.example"); code != 1 ||
		!strings.Contains(stderr, "no such account") || strings.Contains(stderr, "nobody@") {
		t.Fatalf("unknown account: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "user", "totp-off"); code != 1 || !strings.Contains(stderr, "--email") {
		t.Fatalf("no email: %d %q", code, stderr)
	}
}
