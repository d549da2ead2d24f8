package demo

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// canonical is what verification links over: the stored JSON read back
// into a map and marshalled again.
func canonical(t *testing.T, raw []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEventJSONCanonical: every kind of demo event data the loader writes
// is byte for byte what json.Marshal gives for the data read back (the
// audit links cover those bytes), and what json.Marshal gave for the
// maps the loader built before (same stored JSON), for times in UTC and
// in Helsinki, over the whole mix of values.
func TestEventJSONCanonical(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var arena []byte
	check := func(got []byte, data map[string]any) {
		t.Helper()
		want, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) || !bytes.Equal(canonical(t, got), got) {
			t.Fatalf("demo JSON %s\nwant        %s\nread back   %s", got, want, canonical(t, got))
		}
	}
	for i := range 3000 {
		loc := time.UTC
		if i%2 == 1 {
			loc = hel
		}
		received := time.Date(2023, 1, 1, 0, 0, 0, 0, loc).Add(time.Duration(r.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		channel, lang := channels[r.IntN(len(channels))], []string{"fi", "sv", "en"}[r.IntN(3)]
		rights := []string{rightsMix[r.IntN(len(rightsMix))]}
		if r.IntN(3) == 0 {
			rights = append(rights, rightsMix[r.IntN(len(rightsMix))])
		}
		onBehalf, docReq := r.IntN(2) == 0, r.IntN(2) == 0
		due := received.AddDate(0, 1, 0).Format("2006-01-02")
		check(receivedJSON(&arena, channel, rights, lang, received, due, onBehalf, docReq),
			map[string]any{"channel": channel, "rights": rights, "all_registers": true, "registers": 0, "lang": lang,
				"received_at": received, "legal_due": due, "on_behalf": onBehalf, "document_request": docReq})
		m := methods[r.IntN(len(methods))]
		check(stringJSON(&arena, "method", m), map[string]any{"method": m})
		n := 1 + r.IntN(3)
		check(intJSON(&arena, "tasks", n), map[string]any{"tasks": n})
		check(stringJSON(&arena, "extended_due", due), map[string]any{"extended_due": due})
		st := doneStates[r.IntN(len(doneStates))]
		check(stringJSON(&arena, "state", st), map[string]any{"state": st})
	}
	// Values outside the demo's words are still escaped as encoding/json does.
	check(stringJSON(&arena, "state", `a<b>&"c"\ä`), map[string]any{"state": `a<b>&"c"\ä`})
}
