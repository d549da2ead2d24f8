package api_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The breach log pages (legal.md §6, BR; issue 21).

func breachForm(mod func(url.Values)) url.Values {
	v := url.Values{
		"org": {"espoo"}, "title": {"Lost laptop"}, "aware_at": {"2026-10-24T12:00"}, "occurred_at": {"2026-10-24T08:00"},
		"nature": {"An unencrypted laptop was stolen from a car."}, "subject_categories": {"Pupils of one school"},
		"subject_count": {"240"}, "record_categories": {"Names and class lists"}, "record_count": {"1200"},
		"consequences": {"Names of pupils may become known."}, "measures": {"Accounts locked; police notified."},
		"contact": {"Dana Dpo, dpo@espoo.test"}, "risk": {"risk"}, "decision": {"notify"}, "decision_reason": {"Risk to pupils."},
	}
	if mod != nil {
		mod(v)
	}
	return v
}

// createBreach records a breach through the form and returns its id.
func createBreach(t *testing.T, c *scClient, form url.Values) int64 {
	t.Helper()
	p := c.post("/staff/breaches/new", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/staff/breaches/") {
		t.Fatalf("create = %d %q %v", p.status, p.location(), p.summary())
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(p.location(), "/staff/breaches/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// BR: the page shows the 72-hour limit in Helsinki time and the hours
// left in elapsed hours, across the autumn DST change; the list puts the
// running clocks first.
func TestBreachPagesClockAndList(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 12, 30, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(nil))
	// A day later by the wall clock, 25 hours have passed.
	f.env.Clock.Set(time.Date(2026, 10, 25, 12, 0, 0, 0, workflow.Helsinki()))
	dpo = f.login(t, f.dpo) // the session idled out while the clock ran
	p := dpo.get("/staff/breaches/" + strconv.FormatInt(id, 10))
	if p.status != http.StatusOK {
		t.Fatalf("page = %d", p.status)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "deadline")); !strings.Contains(got, "27 October 2026, 11:00") {
		t.Errorf("deadline %q", got)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "time-left")); got != "47 h 0 min left" {
		t.Errorf("time left %q, want 47 h (elapsed, not wall clock)", got)
	}
	// A second breach, already notified, and a third aware earlier: the
	// running ones come first, the earliest limit first.
	notified := createBreach(t, dpo, breachForm(func(v url.Values) {
		v.Set("title", "Notified one")
		v.Set("aware_at", "2026-10-23T09:00")
		v.Set("occurred_at", "")
	}))
	if p := dpo.post("/staff/breaches/"+strconv.FormatInt(notified, 10)+"/notification", url.Values{"notified_at": {"2026-10-24T10:00"}, "reference": {"TSV/5"}}); p.status != http.StatusSeeOther {
		t.Fatalf("notify = %d %v", p.status, p.summary())
	}
	earlier := createBreach(t, dpo, breachForm(func(v url.Values) {
		v.Set("title", "Earlier one")
		v.Set("aware_at", "2026-10-24T06:00")
		v.Set("occurred_at", "")
	}))
	list := dpo.get("/staff/breaches")
	var order []string
	for _, tr := range htmlElems(list.doc, func(n *html.Node) bool { return htmlIs(n, "tr") && htmlHasAttr(n, "data-breach") }) {
		order = append(order, htmlAttr(tr, "data-breach"))
	}
	want := []string{strconv.FormatInt(earlier, 10), strconv.FormatInt(id, 10), strconv.FormatInt(notified, 10)}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Errorf("list order %v, want %v", order, want)
	}
	// Finnish: the date as terms.md writes it.
	if p := dpo.get("/staff/lang/fi"); p.status != http.StatusSeeOther {
		t.Fatal(p.status)
	}
	fi := dpo.get("/staff/breaches/" + strconv.FormatInt(id, 10))
	if got := htmlTextSpaced(htmlByID(fi.doc, "deadline")); !strings.Contains(got, "27.10.2026 klo 11.00") {
		t.Errorf("fi deadline %q", got)
	}
}

// Isolation: another organisation's DPO gets 404 for every breach URL;
// a viewer reads but cannot act.
func TestBreachPagesIsolationAndRoles(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 12, 30, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(nil))
	base := "/staff/breaches/" + strconv.FormatInt(id, 10)

	other := f.login(t, f.dpo2)
	for _, path := range []string{base, base + "/breach.pdf", "/staff/breaches?org=espoo", "/staff/breaches/new?org=espoo"} {
		if p := other.get(path); p.status != http.StatusNotFound {
			t.Errorf("other org's DPO GET %s = %d, want 404", path, p.status)
		}
	}
	for _, path := range []string{base, base + "/notification", base + "/persons", base + "/close"} {
		if p := other.post(path, breachForm(nil)); p.status != http.StatusNotFound {
			t.Errorf("other org's DPO POST %s = %d, want 404", path, p.status)
		}
	}
	if p := other.post("/staff/breaches/new", breachForm(nil)); p.status != http.StatusNotFound {
		t.Errorf("other org's DPO creating for espoo = %d", p.status)
	}
	if p := other.get("/staff/breaches"); p.status != http.StatusOK || htmlByID(p.doc, "org-espoo") != nil || strings.Contains(p.body, "Lost laptop") {
		t.Errorf("other org's list shows espoo (%d)", p.status)
	}

	viewer := f.login(t, f.viewer)
	if p := viewer.get(base); p.status != http.StatusOK || htmlByID(p.doc, "readonly") == nil {
		t.Errorf("viewer page = %d, readonly note missing", p.status)
	}
	for _, path := range []string{base, base + "/notification", base + "/close"} {
		if p := viewer.post(path, breachForm(nil)); p.status != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", path, p.status)
		}
	}
	if p := viewer.get("/staff/breaches/new"); p.status != http.StatusForbidden {
		t.Errorf("viewer new form = %d", p.status)
	}
	b, err := store.New(f.env.Pool).BreachInOrgs(context.Background(), []int64{f.org.ID}, id)
	if err != nil || b.State != "open" || b.OmbudsmanNotifiedAt != nil || b.Title != "Lost laptop" {
		t.Errorf("breach changed by others: %+v %v", b, err)
	}
}

// Art 33(5): closing a breach not notified is refused while its record
// is incomplete, with localized errors linked to the fields.
func TestBreachPageCloseRefused(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 12, 30, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, url.Values{"org": {"espoo"}, "title": {"Misdirected email"}, "aware_at": {"2026-10-24T12:00"}})
	base := "/staff/breaches/" + strconv.FormatInt(id, 10)
	p := dpo.post(base+"/close", nil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("close of an incomplete record = %d", p.status)
	}
	got := strings.Join(p.summary(), "\n")
	for _, want := range []string{"#f-nature: Describe what happened", "#f-consequences: Describe the likely consequences",
		"#f-measures: Describe the measures taken", "#f-risk: Assess the risk", "#f-decision: Record the decision", "#f-decision_reason: Give the reasoning"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if htmlByID(p.doc, "f-nature") == nil {
		t.Error("the summary links to a missing field")
	}
	b, _ := store.New(f.env.Pool).BreachInOrgs(context.Background(), []int64{f.org.ID}, id)
	if b.State != "open" {
		t.Fatalf("closed: %+v", b)
	}
	// Complete it (not to be notified) and close.
	form := breachForm(func(v url.Values) {
		v.Set("risk", "none")
		v.Set("decision", "not_notify")
		v.Set("decision_reason", "Sent to a colleague.")
	})
	if p := dpo.post(base, form); p.status != http.StatusSeeOther {
		t.Fatalf("save = %d %v", p.status, p.summary())
	}
	if p := dpo.post(base+"/close", nil); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d %v", p.status, p.summary())
	}
	if p := dpo.get(base); htmlByID(p.doc, "closed-note") == nil || htmlByID(p.doc, "close-form") != nil {
		t.Error("closed page still offers closing")
	}
}

// The PDF for the Ombudsman's form passes qpdf --check and its text holds
// the breach's fields, in the DPO's language.
func TestBreachPDF(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"qpdf", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing: run scripts/deps.sh test (poppler-utils, qpdf)", tool)
		}
	}
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 12, 30, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(nil))
	f.env.Clock.Set(time.Date(2026, 10, 27, 12, 0, 0, 0, workflow.Helsinki()))
	dpo = f.login(t, f.dpo)
	base := "/staff/breaches/" + strconv.FormatInt(id, 10)
	if p := dpo.post(base+"/notification", url.Values{"notified_at": {"2026-10-27T11:30"}, "reference": {"TSV/123/2026"},
		"delay_reason": {"The theft was reported late by the school."}}); p.status != http.StatusSeeOther {
		t.Fatalf("late notify = %d %v", p.status, p.summary())
	}
	check := func(lang string, want []string) {
		t.Helper()
		if p := dpo.get("/staff/lang/" + lang); p.status != http.StatusSeeOther {
			t.Fatal(p.status)
		}
		p := dpo.get(base + "/breach.pdf")
		if p.status != http.StatusOK || p.header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("%s pdf = %d %s", lang, p.status, p.header.Get("Content-Type"))
		}
		file := filepath.Join(t.TempDir(), "breach.pdf")
		if err := os.WriteFile(file, []byte(p.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("qpdf", "--check", file).CombinedOutput(); err != nil {
			t.Fatalf("qpdf --check (%s): %v\n%s", lang, err, out)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s pdf lacks %q:\n%s", lang, w, text)
			}
		}
	}
	common := []string{"Lost laptop", "An unencrypted laptop was stolen from a car.", "Pupils of one school", "240",
		"Names and class lists", "1200", "Names of pupils may become known.", "Accounts locked; police notified.",
		"Dana Dpo, dpo@espoo.test", "TSV/123/2026", "The theft was reported late by the school.", "Risk to pupils.", "Espoon kaupunki"}
	check("en", append([]string{"Personal data breach: notification to the Data Protection Ombudsman", "27 October 2026, 11:00",
		"24 October 2026, 12:00", "27 October 2026, 11:30", "1. Controller", "7. Informing the data subjects"}, common...))
	check("fi", append([]string{"Henkilötietojen tietoturvaloukkaus: ilmoitus tietosuojavaltuutetulle", "27.10.2026 klo 11.00",
		"24.10.2026 klo 12.00", "1. Rekisterinpitäjä", "Todennäköiset seuraukset"}, common...))
	check("sv", append([]string{"Personuppgiftsincident: anmälan till dataombudsmannen", "27.10.2026 kl. 11.00",
		"Sannolika konsekvenser"}, common[:12]...))
}

// BR: a time in the hour skipped when daylight saving begins (29 March
// 2026, 03:00-04:00 never showed on a clock) is refused beside its field
// with why, the form kept; it was saved an hour later unseen (found in a
// walkthrough).
func TestBreachTimeInSkippedHourRefused(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 4, 2, 12, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	form := breachForm(func(v url.Values) {
		v.Set("aware_at", "2026-03-29T03:30")
		v.Set("occurred_at", "")
	})
	p := dpo.post("/staff/breaches/new", form)
	want := f.env.Catalog.T("en", "breach.error.skipped_hour")
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, want) {
		t.Fatalf("skipped hour = %d, want 422 with %q: %v", p.status, want, p.summary())
	}
	if !strings.Contains(p.body, "Lost laptop") {
		t.Error("the typed title was lost")
	}
}
