package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func ringOf(t *testing.T, current string, old ...string) *Keys {
	t.Helper()
	k, err := NewRing(current, old)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	hexA = strings.Repeat("a1", 32)
	hexB = strings.Repeat("b2", 32)
)

// Issue 16 item 4: a case's data is sealed with its own key, bound to the
// case and the column: copied to another case or column it does not open.
func TestCaseKeySealBindsCaseAndColumn(t *testing.T) {
	ring := ringOf(t, "k1:"+hexA)
	raw, err := NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	id, wrapped, err := ring.WrapDataKey(7, raw)
	if err != nil || id != "k1" {
		t.Fatalf("wrap: %q %v", id, err)
	}
	if bytes.Contains(wrapped, raw) {
		t.Fatal("the wrapped key holds the key in clear")
	}
	k7, err := ring.UnwrapDataKey(7, id, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k7.Seal("requesters.email", []byte("canary@example.test"))
	if err != nil {
		t.Fatal(err)
	}
	if sealed[0] != EnvCase || bytes.Contains(sealed, []byte("canary")) {
		t.Fatalf("envelope %x", sealed[:1])
	}
	if pt, err := k7.Open("requesters.email", sealed); err != nil || string(pt) != "canary@example.test" {
		t.Fatalf("open: %q %v", pt, err)
	}
	if _, err := k7.Open("requesters.name", sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another column opened it: %v", err)
	}
	// The same data key under another case's id (a row copied across
	// cases, with its key) still refuses.
	k8, _ := NewCaseKey(8, raw)
	if _, err := k8.Open("requesters.email", sealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another case opened it: %v", err)
	}
	// A wrapped key copied to another case's row does not unwrap.
	if _, err := ring.UnwrapDataKey(8, id, wrapped); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrapped key unwrapped for another case: %v", err)
	}
	// Empty stays empty (no envelope); legacy opens as it is.
	if e, _ := k7.Seal("x", nil); len(e) != 0 {
		t.Fatal("empty sealed to bytes")
	}
	if pt, err := k7.Open("x", Legacy([]byte("old"))); err != nil || string(pt) != "old" {
		t.Fatalf("legacy: %q %v", pt, err)
	}
}

// D-26: a ring with a new current key still unwraps and opens what the
// old key protected; a ring without the old key does not.
func TestRotatedRingOpensOldKeyData(t *testing.T) {
	old := ringOf(t, "k1:"+hexA)
	raw, _ := NewDataKey()
	id, wrapped, _ := old.WrapDataKey(1, raw)
	ringSealed, err := old.SealRing("outbox.text_body", []byte("staff mail"))
	if err != nil {
		t.Fatal(err)
	}
	if v, kid, err := EnvelopeInfo(ringSealed); v != EnvRing || kid != "k1" || err != nil {
		t.Fatalf("envelope info: %d %q %v", v, kid, err)
	}
	rotated := ringOf(t, "k2:"+hexB, "k1:"+hexA)
	if _, err := rotated.UnwrapDataKey(1, id, wrapped); err != nil {
		t.Fatalf("rotated ring: %v", err)
	}
	if pt, err := rotated.OpenRing("outbox.text_body", ringSealed); err != nil || string(pt) != "staff mail" {
		t.Fatalf("rotated ring open: %q %v", pt, err)
	}
	if nid, _, _ := rotated.WrapDataKey(1, raw); nid != "k2" {
		t.Fatalf("new keys wrap under the current key, got %q", nid)
	}
	onlyNew := ringOf(t, "k2:"+hexB)
	if _, err := onlyNew.UnwrapDataKey(1, id, wrapped); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("without the old key: %v", err)
	}
	if _, err := onlyNew.OpenRing("outbox.text_body", ringSealed); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("without the old key: %v", err)
	}
	if _, err := rotated.OpenRing("outbox.subject", ringSealed); !errors.Is(err, ErrOpen) {
		t.Fatalf("another purpose opened a ring envelope: %v", err)
	}
}

// Blind indexes: keyed (another key gives another index), purpose
// separated, and a look-up covers every key of the ring.
func TestBlindIndexesAcrossRing(t *testing.T) {
	a := ringOf(t, "k1:"+hexA)
	b := ringOf(t, "k2:"+hexB, "k1:"+hexA)
	ida, ia := a.IndexFor("email", "x@example.test")
	idb, ib := b.IndexFor("email", "x@example.test")
	if ida != "k1" || idb != "k2" || bytes.Equal(ia, ib) {
		t.Fatal("index not keyed by the current key")
	}
	all := b.IndexesFor("email", "x@example.test")
	found := false
	for _, ix := range all {
		found = found || bytes.Equal(ix, ia)
	}
	if !found || len(all) != 2 {
		t.Fatalf("look-up indexes %d, old found %v", len(all), found)
	}
	if _, h := a.IndexFor("hetu", "131052-308T"); !bytes.Equal(h, a.BlindIndex("hetu\x00131052-308T")) {
		t.Fatal("the henkilötunnus index changed form: existing rows would not be found")
	}
	if _, e := a.IndexFor("email", "131052-308T"); bytes.Equal(e, a.BlindIndex("hetu\x00131052-308T")) {
		t.Fatal("purposes share an index")
	}
}
