package secret

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The key file (DATA_DIR/secret.key in the embedded default, D-17) holds
// the keyring, one entry a line (issue 22):
//
//	ID:KEY or KEY                     the current key (the first entry)
//	ID:KEY or KEY                     older keys: they open and verify
//	verify ID AUDITKEY CHECKPOINTKEY  a retired key's audit keys only
//
// Lines starting with '#' are comments. A file of one bare key (what
// rightsdesk wrote before rotation existed) is a ring of one key.

// KeyFileName is the key file's name in DATA_DIR.
const KeyFileName = "secret.key"

// IsVerifyEntry tells a "verify ID AUDIT CHECKPOINT" entry from a key.
func IsVerifyEntry(s string) bool {
	f := strings.Fields(s)
	return len(f) > 0 && f[0] == "verify"
}

// parseVerifyEntry reads a retired key's audit keys: they verify audit
// links and checkpoints signed before its retirement and open nothing.
func parseVerifyEntry(s string) (*Keys, error) {
	f := strings.Fields(s)
	if len(f) != 4 || f[0] != "verify" || !keyIDPattern.MatchString(f[1]) {
		return nil, errors.New("a verify entry is: verify ID AUDITKEY CHECKPOINTKEY (64 hex characters each)")
	}
	audit, err := hex.DecodeString(f[2])
	if err != nil || len(audit) != 32 {
		return nil, errors.New("verify entry: the audit key must be 64 hex characters")
	}
	cp, err := hex.DecodeString(f[3])
	if err != nil || len(cp) != 32 {
		return nil, errors.New("verify entry: the checkpoint key must be 64 hex characters")
	}
	return &Keys{id: f[1], audit: audit, checkpoint: cp, verifyOnly: true}, nil
}

// VerifyEntries are the "verify" entries that keep the audit keys of the
// ring key id: one under its id and, if it differs, one under its
// fingerprint (events written while the key was unnamed carry that).
func (k *Keys) VerifyEntries(id string) ([]string, error) {
	o := k.ring.get(id)
	if o == nil {
		return nil, ErrUnknownKey
	}
	ids := []string{o.id}
	if o.master != nil {
		if fp := Fingerprint(o.master); fp != o.id {
			ids = append(ids, fp)
		}
	}
	var out []string
	for _, i := range ids {
		out = append(out, fmt.Sprintf("verify %s %x %x", i, o.audit, o.checkpoint))
	}
	return out, nil
}

// ReadKeyFile reads a key file: the current key's entry and the others.
func ReadKeyFile(path string) (current string, old []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if current == "" {
			if IsVerifyEntry(line) {
				return "", nil, fmt.Errorf("%s: the first entry must be a key, not a verify entry", path)
			}
			current = line
			continue
		}
		old = append(old, line)
	}
	if err := sc.Err(); err != nil {
		return "", nil, err
	}
	if current == "" {
		return "", nil, fmt.Errorf("%s: no key in the file", path)
	}
	if _, err := NewRing(current, old); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	return current, old, nil
}

// WriteKeyFile replaces the key file atomically (a temporary file, fsync,
// rename, mode 0600): a crash leaves the old file or the new one, never
// half of one.
func WriteKeyFile(path, current string, old []string) error {
	if _, err := NewRing(current, old); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# rightsdesk keyring: the first key is the current one; the others open and verify\n")
	b.WriteString("# what they protected. Back this file up (docs/operations.md, Keys).\n")
	b.WriteString(current + "\n")
	for _, o := range old {
		b.WriteString(o + "\n")
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret.key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// NewKeyEntry draws a new random key, named "kYYYYMMDD-XXXX" style by the
// caller's prefix: "ID:HEX".
func NewKeyEntry(idPrefix string) (string, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", err
	}
	suffix := make([]byte, 2)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	id := idPrefix + "-" + hex.EncodeToString(suffix)
	if !keyIDPattern.MatchString(id) {
		return "", fmt.Errorf("key id %q: 1-32 letters, digits, '.', '_' or '-'", id)
	}
	return id + ":" + hex.EncodeToString(k), nil
}
