package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// D-25 / issue 16 item 4: once a case's key is destroyed its page says the
// data was purged (410, in the reader's language), never a 500; the
// dashboard and the other cases keep working.
func TestPurgedCasePage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	other := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	if err := f.env.Workflow.DestroyCaseKey(f.env.Ctx, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/cases/" + sub.Receipt)
	if p.status != http.StatusGone || !strings.Contains(p.body, "has been purged") {
		t.Fatalf("purged case page = %d: %.300s", p.status, p.body)
	}
	if p := cl.get("/staff/cases/" + other.Receipt); p.status != http.StatusOK {
		t.Fatalf("another case after a purge = %d", p.status)
	}
	if p := cl.get("/staff/"); p.status != http.StatusOK {
		t.Fatalf("dashboard after a purge = %d", p.status)
	}
}
