package demo

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"rightsdesk/workflow"
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

// TestEventJSONCanonical: every kind of value a demo event holds is
// written byte for byte as json.Marshal writes the data read back (the
// audit links cover those bytes), and as it writes the map the loader
// would otherwise build, for times in UTC and in Helsinki, keys given in
// any order, over the whole mix of values.
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
		if r.IntN(5) == 0 {
			rights = nil // an emailed request's, before triage
		}
		onBehalf, docReq, all := r.IntN(2) == 0, r.IntN(2) == 0, r.IntN(2) == 0
		due := received.AddDate(0, 1, 0).Format("2006-01-02")
		regs := r.IntN(4)
		check(objJSON(&arena, flag("all_registers", all), str("channel", channel), flag("document_request", docReq), str("lang", lang),
			str("legal_due", due), flag("on_behalf", onBehalf), when("received_at", received), num("registers", regs), list("rights", rights)),
			map[string]any{"channel": channel, "rights": rights, "all_registers": all, "registers": regs, "lang": lang,
				"received_at": received, "legal_due": due, "on_behalf": onBehalf, "document_request": docReq})
		m := workflow.IdentityMethods[r.IntN(len(workflow.IdentityMethods))]
		check(objJSON(&arena, str("to", "in_progress"), str("method", m), str("from", "awaiting_identity")),
			map[string]any{"from": "awaiting_identity", "method": m, "to": "in_progress"})
		n, task := 1+r.IntN(3), r.Int64N(1<<40)
		check(objJSON(&arena, num("tasks", n), num("controller_elsewhere", 0)), map[string]any{"tasks": n, "controller_elsewhere": 0})
		check(objJSON(&arena, str("answer", "no_data"), flag("art19_none", onBehalf), num("task", task), str("register", "Kirjasto"),
			str("ground", "")), map[string]any{"answer": "no_data", "art19_none": onBehalf, "task": task, "register": "Kirjasto", "ground": ""})
		check(objJSON(&arena, str("extended_due", due), num("reason_ref", task)), map[string]any{"extended_due": due, "reason_ref": task})
	}
	check(objJSON(&arena), map[string]any{})
	// Values outside the demo's words (a register's published name) are
	// still escaped as encoding/json does.
	check(objJSON(&arena, str("register", `a<b>&"c"\ä`)), map[string]any{"register": `a<b>&"c"\ä`})
}
