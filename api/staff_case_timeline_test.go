package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// timelineLines returns the detail lines of the case's timeline.
func timelineLines(t *testing.T, cl *scClient, receipt string) (all string, lines []string) {
	t.Helper()
	p := cl.get("/staff/cases/" + receipt)
	tl := scByID(p.doc, "timeline")
	if tl == nil {
		t.Fatal("no timeline on the case page")
	}
	for _, li := range scElems(tl, "li", func(n *html.Node) bool { return n.Parent != nil && scHasClass(n.Parent, "sc-tl-details") }) {
		lines = append(lines, strings.TrimSpace(scText(li)))
	}
	return scText(tl), lines
}

// DL-8, issue 15: a pause resumed on its own day has no paused due date;
// the timeline showed "0000-00-00" for it in fi and sv. A pause of three
// days shows the moved due date as a date people write, in a sentence.
func TestTimelinePausedDueAfterResume(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	act := func(receipt, action, form string) {
		t.Helper()
		v, _ := url.ParseQuery(form)
		if p := cl.post("/staff/cases/"+receipt+"/actions/"+action, v); p.status != http.StatusSeeOther {
			t.Fatalf("%s = %d", action, p.status)
		}
	}
	same := f.inState(workflow.StateInProgress)
	act(same.Receipt, "pause", "reason=waiting")
	act(same.Receipt, "resume", "")

	later := f.inState(workflow.StateInProgress)
	act(later.Receipt, "pause", "reason=waiting")
	f.env.Clock.Advance(3 * 24 * time.Hour)
	cl = f.login(t, f.dpo) // the session of three days ago has ended
	act(later.Receipt, "resume", "")

	want := map[string][2]string{
		"fi": {"Keskeytys kesti 0 päivää.", "Keskeytys kesti 3 päivää."},
		"sv": {"Ärendet vilade i 0 dagar.", "Ärendet vilade i 3 dagar."},
		"en": {"The pause lasted 0 days.", "The pause lasted 3 days."},
	}
	paused := map[string]string{"fi": "Keskeytysten mukainen määräpäivä on ", "sv": "Sista dagen med vilotiden medräknad är ", "en": "With the pauses counted, the due date is "}
	for _, lang := range []string{"fi", "sv", "en"} {
		cl.get("/staff/lang/" + lang)
		all, lines := timelineLines(t, cl, same.Receipt)
		if strings.Contains(all, "0000") {
			t.Errorf("%s: timeline shows a zero date: %q", lang, all)
		}
		if strings.Contains(all, paused[lang]) {
			t.Errorf("%s: a same-day resume shows a paused due date: %v", lang, lines)
		}
		if !slices.Contains(lines, want[lang][0]) {
			t.Errorf("%s: timeline lacks %q: %v", lang, want[lang][0], lines)
		}
		_, lines = timelineLines(t, cl, later.Receipt)
		if !slices.Contains(lines, want[lang][1]) {
			t.Errorf("%s: timeline lacks %q: %v", lang, want[lang][1], lines)
		}
		found := false
		for _, l := range lines {
			if d, ok := strings.CutPrefix(l, paused[lang]); ok {
				found = true
				if strings.Contains(d, "-") || !strings.HasSuffix(d, "2026.") {
					t.Errorf("%s: paused due date written as %q", lang, d)
				}
			}
		}
		if !found {
			t.Errorf("%s: a three-day pause shows no paused due date: %v", lang, lines)
		}
	}
	// The resume of the same day records no paused due date at all.
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action = 'resume' AND data ? 'paused_due'`, same.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("same-day resume recorded a paused due date (%d events)", n)
	}
}

// Issue 15: the timeline read like a form dump ("Oli vastuuhenkilö:
// kyllä", "Keskeytyspäivät: 0"). Flags, counts and dates read as sentences
// in fi, sv and en; no detail is a bare "label: yes".
func TestTimelineReadsAsSentences(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	c := f.inState(workflow.StateInProgress)
	for _, s := range []struct{ action, form string }{{"pause", "reason=waiting"}, {"resume", ""}, {"extend", "reason=many registers"}} {
		v, _ := url.ParseQuery(s.form)
		if p := cl.post("/staff/cases/"+c.Receipt+"/actions/"+s.action, v); p.status != http.StatusSeeOther {
			t.Fatalf("%s = %d", s.action, p.status)
		}
	}
	want := map[string][]string{
		"fi": {"Pyyntö koskee kaikkia rekistereitä.", "Tila muuttui: Käsittelyssä → Keskeytetty.", "Määräaikaa jatkettiin 2.6.2026 asti."},
		"sv": {"Begäran gäller alla register.", "Tidsfristen förlängdes till 2.6.2026."},
		"en": {"The request covers all registers.", "State changed: In progress → Paused.", "The deadline was extended to 2 June 2026."},
	}
	yes := map[string]string{"fi": "kyllä", "sv": "ja", "en": "yes"}
	for lang, sentences := range want {
		cl.get("/staff/lang/" + lang)
		_, lines := timelineLines(t, cl, c.Receipt)
		for _, s := range sentences {
			if !slices.Contains(lines, s) {
				t.Errorf("%s: timeline lacks the sentence %q: %q", lang, s, lines)
			}
		}
		for _, l := range lines {
			if strings.HasSuffix(strings.ToLower(l), ": "+yes[lang]) {
				t.Errorf("%s: machine-like detail %q", lang, l)
			}
		}
	}
}

// A timeline entry whose event lacks a value its sentence names (the
// older demo's {"state": "closed"}; a change of state without its "to")
// reads sensibly in every language, never as a Go formatting error
// ("Status ändrades: closed → %!s(MISSING)").
func TestTimelineMissingValuesReadSensibly(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.inState(workflow.StateWithdrawn)
	q := store.New(f.env.Pool)
	for _, data := range []map[string]any{{"state": "closed"}, {"from": "withdrawn"}, {"duplicate_of": ""}} {
		if err := q.AppendAudit(f.env.Ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, CaseID: c.ID, Actor: "staff:1",
			Action: "close", Data: data, At: f.env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	cl := f.login(t, f.dpo)
	want := map[string][]string{
		"en": {"State: Closed", "State changed: Withdrawn → not recorded."},
		"fi": {"Tila: Suljettu", "Tila muuttui: Peruttu → ei kirjattu."},
		"sv": {"Status: Avslutad", "Status ändrades: Återkallad → inte registrerat."},
	}
	for lang, lines := range want {
		cl.get("/staff/lang/" + lang)
		all, got := timelineLines(t, cl, c.Receipt)
		if strings.Contains(all, "%!") {
			t.Errorf("%s: a formatting error in the timeline: %q", lang, all)
		}
		for _, l := range lines {
			if !slices.Contains(got, l) {
				t.Errorf("%s: the timeline lacks %q: %q", lang, l, got)
			}
		}
	}
}
