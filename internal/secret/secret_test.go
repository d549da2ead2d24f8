package secret

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestEncryptRoundTripAndBlindIndex(t *testing.T) {
	t.Parallel()
	k, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := k.Encrypt([]byte("131052-308T"))
	b, _ := k.Encrypt([]byte("131052-308T"))
	if bytes.Equal(a, b) || bytes.Contains(a, []byte("131052")) {
		t.Fatal("ID-4: ciphertext must be randomised and not contain the value")
	}
	p, err := k.Decrypt(a)
	if err != nil || string(p) != "131052-308T" {
		t.Fatalf("decrypt: %q %v", p, err)
	}
	a[len(a)-1] ^= 1
	if _, err := k.Decrypt(a); err == nil {
		t.Fatal("tampered ciphertext decrypted")
	}
	if !bytes.Equal(k.BlindIndex("x"), k.BlindIndex("x")) || bytes.Equal(k.BlindIndex("x"), k.BlindIndex("y")) {
		t.Fatal("blind index must be deterministic and distinguishing")
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	if bytes.Equal(k.BlindIndex("x"), other.BlindIndex("x")) {
		t.Fatal("blind index must depend on the key")
	}
	if !k.Verify(k.Sign("a", "b"), "a", "b") || k.Verify(k.Sign("a", "b"), "ab", "") {
		t.Fatal("sign/verify")
	}
}

// D-17: the key is generated once, mode 0600, and reused.
func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, created, err := LoadOrCreate(dir)
	if err != nil || !created || len(k1) != 32 {
		t.Fatalf("%v %v %d", err, created, len(k1))
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", st.Mode(), err)
	}
	k2, created, err := LoadOrCreate(dir)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatal("key not reused")
	}
	if _, err := ParseKey("short"); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestCodeAndToken(t *testing.T) {
	t.Parallel()
	c := Code(6)
	a, b := Token(), Token()
	if len(c) != 6 || a == b || len(a) != 43 || len(Hash("x")) != 32 {
		t.Fatalf("code %q", c)
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			t.Fatalf("code %q", c)
		}
	}
}
