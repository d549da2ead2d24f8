package store_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// ChainNewEventsJSON (the demo's bulk linker, issue 21) must give the very
// links ChainNewEvents gives for the same events, and chains that
// VerifyAuditChain accepts; a changed byte of data must break the link.
func TestChainNewEventsJSONMatchesChainNewEvents(t *testing.T) {
	keys, err := secret.New([]byte("chain json test key of 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 10, 26, 3, 30, 0, 123456789, hel) // sub-microsecond part, DST day, not UTC
	mk := func() []store.AuditEvent {
		return []store.AuditEvent{
			{OrgID: 7, CaseID: 11, Actor: "demo", Action: "received", At: at,
				Data: map[string]any{"channel": "web", "rights": []string{"access", "erasure"}, "registers": 0,
					"received_at": at, "on_behalf": false, "legal_due": "2025-11-26"}},
			{OrgID: 7, CaseID: 11, Actor: "demo", Action: "tasks_created", At: at.Add(time.Hour), Data: map[string]any{"tasks": 3}},
			{OrgID: 7, CaseID: 11, Actor: "demo", Action: "answered", At: at.Add(48 * time.Hour), Data: map[string]any{"state": "answered"}},
			{OrgID: 7, CaseID: 12, Actor: "demo", Action: "received", At: at, Data: nil},
			{OrgID: 8, CaseID: 12, Actor: "demo", Action: "received", At: at, Data: map[string]any{"x": "<&>"}},
		}
	}
	want := mk()
	raws, err := store.ChainNewEvents(keys, want)
	if err != nil {
		t.Fatal(err)
	}
	got := mk()
	if err := store.ChainNewEventsJSON(keys, got, raws); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i].Seq != want[i].Seq || !bytes.Equal(got[i].PrevHash, want[i].PrevHash) || got[i].KeyID != want[i].KeyID ||
			!bytes.Equal(got[i].Hash, want[i].Hash) || !got[i].At.Equal(want[i].At) {
			t.Fatalf("event %d: got seq %d key %q hash %x, want seq %d key %q hash %x", i,
				got[i].Seq, got[i].KeyID, got[i].Hash, want[i].Seq, want[i].KeyID, want[i].Hash)
		}
	}
	// As verification reads them back: data from the stored JSON.
	chain := got[:3]
	for i := range chain {
		chain[i].Data = nil
		if err := json.Unmarshal(raws[i], &chain[i].Data); err != nil {
			t.Fatal(err)
		}
	}
	if brk := store.VerifyAuditChain(keys, chain); brk != nil {
		t.Fatalf("chain does not verify: %+v", brk)
	}
	// Not canonical (a space): the link no longer matches what verification computes.
	bad := mk()[:1]
	if err := store.ChainNewEventsJSON(keys, bad, [][]byte{append([]byte(" "), raws[0]...)}); err != nil {
		t.Fatal(err)
	}
	bad[0].Data = chain[0].Data
	if brk := store.VerifyAuditChain(keys, bad); brk == nil {
		t.Fatal("a link over other bytes verified")
	}
	if err := store.ChainNewEventsJSON(keys, mk(), raws[:2]); err == nil {
		t.Fatal("fewer data than events accepted")
	}
}
