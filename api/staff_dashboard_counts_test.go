package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// The dashboard's counters read as counts in each language: sv "2
// Försenade", "1 Försenad" (the label was the band's name, "65
// Försenad", found in a walkthrough).
func TestDashboardCountsReadAsCounts(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	f.paper(f.org, scHelsinki(2026, 1, 20, 9), "", nil) // due 20.2.: overdue
	f.paper(f.org, scHelsinki(2026, 1, 22, 9), "", nil) // due 23.2.: overdue
	f.paper(f.org, scHelsinki(2026, 2, 20, 9), "", nil) // due 20.3.: later
	cl := f.login(t, f.dpo)
	for lang, want := range map[string]map[string]string{
		"sv": {"overdue": "2 Försenade", "later": "1 Senare"},
		"fi": {"overdue": "2 Myöhässä", "later": "1 Myöhemmin"},
		"en": {"overdue": "2 Overdue", "later": "1 Later"},
	} {
		if r := cl.get("/staff/lang/" + lang); r.status != http.StatusSeeOther {
			t.Fatalf("language switch = %d", r.status)
		}
		p := cl.get("/staff/")
		for band, w := range want {
			if got := scText(scByID(p.doc, "count-"+band)); got != w {
				t.Errorf("%s: counter %s reads %q, want %q", lang, band, got, w)
			}
		}
	}
	// One overdue request reads in the singular.
	cl.get("/staff/lang/sv")
	f.env.Clock.Set(scHelsinki(2026, 2, 21, 10)) // only the first is overdue
	if got := scText(scByID(cl.get("/staff/").doc, "count-overdue")); got != "1 Försenad" {
		t.Errorf("sv: one overdue request reads %q, want %q", got, "1 Försenad")
	}
}

// An emailed request waiting to be recorded is marked overdue in its box
// once its due date has passed (DL-3 runs from its arrival): 45 of them
// looked alike, a month-old one as one from today (walkthrough).
func TestTriageBoxMarksOverdue(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	receipt := f.emailed(f.org)
	cl := f.login(t, f.dpo)
	if box := scText(scByID(cl.get("/staff/").doc, "needs-triage")); !strings.Contains(box, receipt) || strings.Contains(box, "Overdue") {
		t.Fatalf("a new emailed request's box = %q", box)
	}
	f.env.Clock.Advance(40 * 24 * time.Hour)
	cl = f.login(t, f.dpo)
	if box := scText(scByID(cl.get("/staff/").doc, "needs-triage")); !strings.Contains(box, receipt) || !strings.Contains(box, "Overdue") {
		t.Errorf("a 40-day-old emailed request's box = %q, want it marked overdue", box)
	}
}
