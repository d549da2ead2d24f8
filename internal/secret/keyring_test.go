package secret_test

import (
	"strings"
	"testing"

	"rightsdesk/internal/secret"
)

var (
	keyA = strings.Repeat("a1", 32)
	keyB = strings.Repeat("b2", 32)
)

// D-26: a key id is stored beside what a key protects; an unnamed key's
// id is its fingerprint, so naming it later still finds it.
func TestKeyIDs(t *testing.T) {
	t.Parallel()
	unnamed, err := secret.NewRing(keyA, nil)
	if err != nil {
		t.Fatal(err)
	}
	named, err := secret.NewRing("2026a:"+keyA, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(unnamed.ID(), "fp-") || named.ID() != "2026a" {
		t.Fatalf("ids %q %q", unnamed.ID(), named.ID())
	}
	if strings.Contains(unnamed.ID(), keyA[:8]) {
		t.Fatal("the fingerprint shows the key")
	}
	single, _ := secret.New(mustKey(t, keyA))
	if single.ID() != unnamed.ID() {
		t.Fatalf("New and NewRing disagree on an unnamed key's id: %q %q", single.ID(), unnamed.ID())
	}
	id, sum := unnamed.AuditMAC([]byte("event"))
	again, err := named.AuditMACWith(id, []byte("event"))
	if err != nil || string(again) != string(sum) {
		t.Fatalf("the named key does not verify what it signed unnamed: %v", err)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	old, _ := secret.NewRing("k1:"+keyA, nil)
	id, sum := old.AuditMAC([]byte("event"))
	cid, sig := old.SignCheckpoint([]byte("cp"))

	rotated, err := secret.NewRing("k2:"+keyB, []string{"k1:" + keyA})
	if err != nil {
		t.Fatal(err)
	}
	if nid, _ := rotated.AuditMAC(nil); nid != "k2" {
		t.Fatalf("new links under %q, want the current key k2", nid)
	}
	if got, err := rotated.AuditMACWith(id, []byte("event")); err != nil || string(got) != string(sum) {
		t.Fatalf("old link under the rotated ring: %v", err)
	}
	if ok, err := rotated.VerifyCheckpoint(cid, []byte("cp"), sig); !ok || err != nil {
		t.Fatalf("old checkpoint: %v %v", ok, err)
	}
	if ok, _ := rotated.VerifyCheckpoint(cid, []byte("cp2"), sig); ok {
		t.Fatal("a changed checkpoint verifies")
	}
	dropped, _ := secret.NewRing("k2:"+keyB, nil)
	if _, err := dropped.AuditMACWith(id, []byte("event")); err != secret.ErrUnknownKey {
		t.Fatalf("without the old key: %v", err)
	}
	// Purposes are separate: the audit key is not the signing key.
	if _, s := rotated.SignCheckpoint([]byte("x")); string(s) == string(mustMAC(t, rotated, "x")) {
		t.Fatal("checkpoint and audit keys are the same")
	}
}

func TestParseKeyEntry(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "short", "bad id!:" + keyA, ":" + keyA, strings.Repeat("x", 33) + ":" + keyA, "k1:nothex"} {
		if _, _, err := secret.ParseKeyEntry(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := secret.NewRing("k1:"+keyA, []string{"k1:" + keyB}); err == nil {
		t.Error("one id for two keys accepted")
	}
	if _, err := secret.NewRing(keyA, []string{"", " "}); err != nil {
		t.Errorf("empty old keys: %v", err)
	}
}

func mustKey(t *testing.T, h string) []byte {
	t.Helper()
	k, err := secret.ParseKey(h)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustMAC(t *testing.T, k *secret.Keys, msg string) []byte {
	t.Helper()
	_, s := k.AuditMAC([]byte(msg))
	return s
}
