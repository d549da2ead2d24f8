package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/internal/secret"
)

// Issue 22: the key file holds the ring (current first); a file of one
// bare key, as written before rotation existed, still reads.
func TestKeyFileRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, secret.KeyFileName)
	if err := os.WriteFile(path, []byte(keyA+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cur, old, err := secret.ReadKeyFile(path)
	if err != nil || cur != keyA || len(old) != 0 {
		t.Fatalf("bare key file: %q %v %v", cur, old, err)
	}
	fresh, err := secret.NewKeyEntry("k20261206")
	if err != nil || !strings.HasPrefix(fresh, "k20261206-") {
		t.Fatalf("new entry %q %v", fresh, err)
	}
	if err := secret.WriteKeyFile(path, fresh, []string{keyA}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	cur, old, err = secret.ReadKeyFile(path)
	if err != nil || cur != fresh || len(old) != 1 || old[0] != keyA {
		t.Fatalf("read back: %q %v %v", cur, old, err)
	}
	if err := secret.WriteKeyFile(path, "not a key", nil); err == nil {
		t.Fatal("a bad key was written")
	}
	if c2, _, _ := secret.ReadKeyFile(path); c2 != fresh {
		t.Fatal("a refused write changed the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
}

// Issue 22: a retired key kept as a "verify" entry verifies the audit
// links and checkpoints it signed and opens nothing.
func TestVerifyOnlyEntry(t *testing.T) {
	t.Parallel()
	old, _ := secret.NewRing("k1:"+keyA, nil)
	id, sum := old.AuditMAC([]byte("event"))
	cid, sig := old.SignCheckpoint([]byte("cp"))
	dk, _ := secret.NewDataKey()
	wid, wrapped, _ := old.WrapDataKey(7, dk)
	sealed, _ := old.Encrypt([]byte("131052-308T"))

	full, _ := secret.NewRing("k2:"+keyB, []string{"k1:" + keyA})
	entries, err := full.VerifyEntries("k1")
	if err != nil || len(entries) != 2 { // by name and by fingerprint
		t.Fatalf("verify entries %v %v", entries, err)
	}
	if strings.Contains(strings.Join(entries, " "), keyA) {
		t.Fatal("a verify entry holds the master key")
	}
	retired, err := secret.NewRing("k2:"+keyB, entries)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := retired.AuditMACWith(id, []byte("event")); err != nil || string(got) != string(sum) {
		t.Fatalf("old audit link after retirement: %v", err)
	}
	if ok, err := retired.VerifyCheckpoint(cid, []byte("cp"), sig); !ok || err != nil {
		t.Fatalf("old checkpoint after retirement: %v %v", ok, err)
	}
	if _, err := retired.UnwrapDataKey(7, wid, wrapped); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("a verify-only key unwrapped a case key: %v", err)
	}
	if _, err := retired.Decrypt(sealed); err == nil {
		t.Fatal("a verify-only key decrypted")
	}
	if retired.Has("k1") || !retired.Has("k2") {
		t.Fatal("Has: a verify-only key counts as able to open")
	}
	if _, err := secret.NewRing("k2:"+keyB, []string{"verify k1 zz"}); err == nil {
		t.Fatal("a malformed verify entry accepted")
	}
}

// Issue 22: Decrypt (no key id in its format) opens under any ring key;
// Learn gives a running ring another key for opening, not for sealing.
func TestDecryptAcrossRingAndLearn(t *testing.T) {
	t.Parallel()
	old, _ := secret.NewRing("k1:"+keyA, nil)
	newer, _ := secret.NewRing("k2:"+keyB, []string{"k1:" + keyA})
	sealedOld, _ := old.Encrypt([]byte("old"))
	sealedNew, _ := newer.Encrypt([]byte("new"))
	if p, err := newer.Decrypt(sealedOld); err != nil || string(p) != "old" {
		t.Fatalf("old value under the new ring: %q %v", p, err)
	}
	if newer.DecryptedByCurrent(sealedOld) || !newer.DecryptedByCurrent(sealedNew) {
		t.Fatal("DecryptedByCurrent")
	}
	if _, err := old.Decrypt(sealedNew); err == nil {
		t.Fatal("the old ring opened the new key's value before learning it")
	}
	joined := old.Joined(old) // a copy, as the store keeps one
	old.Learn(newer)
	if p, err := old.Decrypt(sealedNew); err != nil || string(p) != "new" {
		t.Fatalf("after Learn: %q %v", p, err)
	}
	if old.ID() != "k1" {
		t.Fatalf("Learn changed the current key to %q", old.ID())
	}
	if _, err := joined.Decrypt(sealedNew); err == nil {
		t.Fatal("a separate copy learnt too (it must be taught itself)")
	}
	if n := len(newer.IndexesFor("email", "a@b")); n != 2 {
		t.Fatalf("indexes under a ring of two: %d", n)
	}
}
