package api_test

import (
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

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Findings of a walkthrough of the breach log (legal.md §6, BR).

// BR: a closed breach decided not to be notified, or a notified one, no
// longer asks to "Notify the Data Protection Ombudsman by ..."; the page
// says what was decided and when the limit ended.
func TestBreachPageSaysWhatWasDecided(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 13, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(func(v url.Values) {
		v.Set("risk", "none")
		v.Set("decision", "not_notify")
		v.Set("decision_reason", "The disk was encrypted.")
	}))
	base := "/staff/breaches/" + strconv.FormatInt(id, 10)
	if p := dpo.post(base+"/close", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d %v", p.status, p.summary())
	}
	f.env.Clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, workflow.Helsinki()))
	dpo = f.login(t, f.dpo)
	p := dpo.get(base)
	ask := "Notify the Data Protection Ombudsman by"
	if strings.Contains(p.body, ask) {
		t.Errorf("the closed breach decided not to be notified still asks %q", ask)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "decided")); !strings.Contains(got, "Decided not to notify the Data Protection Ombudsman.") ||
		!strings.Contains(got, "The disk was encrypted.") {
		t.Errorf("decision %q", got)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "deadline")); got != "The 72-hour limit ended on 27 October 2026, 11:00 (UTC+2)." {
		t.Errorf("deadline %q", got)
	}
	if htmlByID(p.doc, "closed-at") == nil {
		t.Error("the clock does not say the breach was closed")
	}

	// A notified one says when; the list still shows the running clocks.
	n := createBreach(t, dpo, breachForm(func(v url.Values) { v.Set("aware_at", "2026-11-01T09:00"); v.Set("occurred_at", "") }))
	if p := dpo.post("/staff/breaches/"+strconv.FormatInt(n, 10)+"/notification", url.Values{"notified_at": {"2026-11-02T08:00"}}); p.status != http.StatusSeeOther {
		t.Fatalf("notify = %d %v", p.status, p.summary())
	}
	p = dpo.get("/staff/breaches/" + strconv.FormatInt(n, 10))
	if strings.Contains(p.body, ask) {
		t.Errorf("the notified breach still asks %q", ask)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "deadline")); got != "The 72-hour limit ends on 4 November 2026, 09:00." {
		t.Errorf("notified deadline %q (no offset: no change of summer time in its 72 hours)", got)
	}
	if got := htmlTextSpaced(htmlByID(p.doc, "decided")); got != "The Data Protection Ombudsman was notified 2 November 2026, 08:00." {
		t.Errorf("notified %q", got)
	}
}

// BR: 25 Oct 2026 03:30 happened twice in Helsinki (the clocks went back
// at 04:00 EEST). A time in that hour is not taken as the first unasked:
// the form keeps what was typed and asks which one is meant; the answer
// decides the 72-hour limit, and a breach whose clock crosses the change
// shows each time with its UTC offset. The spring gap stays refused.
func TestBreachAmbiguousAutumnHourAsked(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 26, 9, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	form := breachForm(func(v url.Values) {
		v.Set("aware_at", "2026-10-25T03:30")
		v.Set("occurred_at", "")
	})
	p := dpo.post("/staff/breaches/new", form)
	want := f.env.Catalog.T("en", "breach.error.ambiguous_hour")
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, want) {
		t.Fatalf("ambiguous hour = %d, want 422 with %q: %v", p.status, want, p.summary())
	}
	if v := htmlAttr(htmlByID(p.doc, "f-aware_at"), "value"); v != "2026-10-25T03:30" {
		t.Errorf("the typed time became %q", v)
	}
	choice := htmlByID(p.doc, "o-aware_at")
	radios := htmlFindAll(choice, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "type") == "radio" })
	if len(radios) != 2 || htmlAttr(radios[0], "value") != "+03:00" || htmlAttr(radios[1], "value") != "+02:00" ||
		!strings.Contains(htmlTextSpaced(choice), "UTC+3") || !strings.Contains(htmlTextSpaced(choice), "UTC+2") {
		t.Fatalf("the choice reads %q (%d radios)", htmlTextSpaced(choice), len(radios))
	}
	if strings.Contains(dpo.get("/staff/breaches/new").body, `name="aware_at_offset"`) {
		t.Error("the choice is offered for a time that is not ambiguous")
	}
	for _, c := range []struct {
		offset, utc, deadline, aware string
	}{
		{"+02:00", "2026-10-25T01:30:00Z", "28 October 2026, 03:30 (UTC+2)", "25 October 2026, 03:30 (UTC+2)"},
		{"+03:00", "2026-10-25T00:30:00Z", "28 October 2026, 02:30 (UTC+2)", "25 October 2026, 03:30 (UTC+3)"},
	} {
		form.Set("aware_at_offset", c.offset)
		id := createBreach(t, dpo, form)
		b, err := q(f).BreachByID(f.env.Ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.AwareAt.UTC().Format(time.RFC3339); got != c.utc {
			t.Errorf("%s: aware at %s, want %s", c.offset, got, c.utc)
		}
		page := dpo.get("/staff/breaches/" + strconv.FormatInt(id, 10))
		if got := htmlTextSpaced(htmlByID(page.doc, "deadline")); !strings.Contains(got, c.deadline) {
			t.Errorf("%s: deadline %q, want %q", c.offset, got, c.deadline)
		}
		if got := htmlTextSpaced(htmlByID(page.doc, "aware")); !strings.Contains(got, c.aware) {
			t.Errorf("%s: aware %q, want %q", c.offset, got, c.aware)
		}
		// The edit form offers the choice with the stored one chosen, and
		// saving it unchanged keeps the instant.
		var checked string
		for _, r := range htmlFindAll(htmlByID(page.doc, "o-aware_at"), func(n *html.Node) bool { return htmlIs(n, "input") }) {
			if htmlHasAttr(r, "checked") {
				checked = htmlAttr(r, "value")
			}
		}
		if checked != c.offset {
			t.Errorf("%s: the edit form has %q chosen", c.offset, checked)
		}
		edit := url.Values{}
		for k, v := range form {
			edit[k] = v
		}
		edit.Set("title", "Renamed")
		if p := dpo.post("/staff/breaches/"+strconv.FormatInt(id, 10), edit); p.status != http.StatusSeeOther {
			t.Fatalf("%s: edit = %d %v", c.offset, p.status, p.summary())
		}
		if b, _ := q(f).BreachByID(f.env.Ctx, id); b.AwareAt.UTC().Format(time.RFC3339) != c.utc {
			t.Errorf("%s: saving moved the time to %s", c.offset, b.AwareAt.UTC())
		}
	}
	// A limit that falls in the doubled hour carries its offset too.
	id := createBreach(t, dpo, breachForm(func(v url.Values) { v.Set("aware_at", "2026-10-22T03:30"); v.Set("occurred_at", "") }))
	if got := htmlTextSpaced(htmlByID(dpo.get("/staff/breaches/"+strconv.FormatInt(id, 10)).doc, "deadline")); !strings.Contains(got, "25 October 2026, 03:30 (UTC+3)") {
		t.Errorf("a limit in the doubled hour reads %q", got)
	}
	// Outside the doubled hour no offset is shown.
	id = createBreach(t, dpo, breachForm(func(v url.Values) { v.Set("aware_at", "2026-10-26T08:00"); v.Set("occurred_at", "") }))
	if got := htmlTextSpaced(htmlByID(dpo.get("/staff/breaches/"+strconv.FormatInt(id, 10)).doc, "deadline")); strings.Contains(got, "UTC") {
		t.Errorf("deadline %q shows an offset", got)
	}
}

// BR: long past the limit the clock reads days and hours ("40 d 22 h"),
// not "982 h 37 min"; below 48 h, exact hours and minutes.
func TestBreachClockDaysPastLimit(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(func(v url.Values) { v.Set("aware_at", "2026-11-01T09:00"); v.Set("occurred_at", "") }))
	deadline := time.Date(2026, 11, 4, 9, 0, 0, 0, workflow.Helsinki())
	for _, c := range []struct {
		after time.Duration
		lang  string
		want  string
	}{
		{47*time.Hour + 5*time.Minute, "en", "47 h 5 min past the limit"},
		{982*time.Hour + 37*time.Minute, "en", "40 d 22 h past the limit"},
		{982*time.Hour + 37*time.Minute, "fi", "40 vrk 22 h yli ilmoitusajan"},
		{982*time.Hour + 37*time.Minute, "sv", "40 dygn 22 h efter anmälningsfristen"},
	} {
		f.env.Clock.Set(deadline.Add(c.after))
		dpo = f.login(t, f.dpo)
		if p := dpo.get("/staff/lang/" + c.lang); p.status != http.StatusSeeOther {
			t.Fatal(p.status)
		}
		if got := htmlTextSpaced(htmlByID(dpo.get("/staff/breaches/"+strconv.FormatInt(id, 10)).doc, "time-left")); got != c.want {
			t.Errorf("%v past (%s): %q, want %q", c.after, c.lang, got, c.want)
		}
		list := htmlTextSpaced(htmlByID(dpo.get("/staff/breaches").doc, "main"))
		if !strings.Contains(list, c.want) {
			t.Errorf("%v past (%s): the list lacks %q", c.after, c.lang, c.want)
		}
	}
}

// The breach PDF takes ?lang= as the statistics report does: the
// Ombudsman's form may be filled in Finnish by a DPO who reads English or
// Swedish; another value is a 400.
func TestBreachPDFLangParam(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext missing: run scripts/deps.sh test (poppler-utils)")
	}
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 13, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo) // English
	id := createBreach(t, dpo, breachForm(nil))
	base := "/staff/breaches/" + strconv.FormatInt(id, 10) + "/breach.pdf"
	for lang, want := range map[string]string{
		"fi": "Henkilötietojen tietoturvaloukkaus: ilmoitus tietosuojavaltuutetulle",
		"sv": "Personuppgiftsincident: anmälan till dataombudsmannen",
		"":   "Personal data breach: notification to the Data Protection Ombudsman",
	} {
		path := base
		if lang != "" {
			path += "?lang=" + lang
		}
		p := dpo.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s = %d", path, p.status)
		}
		file := filepath.Join(t.TempDir(), "b.pdf")
		if err := os.WriteFile(file, []byte(p.body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.Join(strings.Fields(string(out)), " "); !strings.Contains(text, want) {
			t.Errorf("lang=%q: the PDF lacks %q", lang, want)
		}
	}
	if p := dpo.get(base + "?lang=de"); p.status != http.StatusBadRequest {
		t.Errorf("lang=de = %d, want 400", p.status)
	}
}

// The reminder mails read naturally in fi and sv: no "nro 1 72 tunnin"
// (numbers run together), and the 72-hour limit by its own word (fi
// "ilmoitusaika", sv "anmälningsfrist"), not the word of a request's
// one-month deadline (terms.md: määräaika, tidsfrist).
func TestBreachReminderMailWording(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	for _, l := range []string{"fi", "sv"} {
		if _, err := f.auth.AddUser(f.env.Ctx, workflow.NewStaff{Email: "dpo-" + l + "@espoo.test", Name: "Dpo " + l, Lang: l, OrgID: f.org.ID,
			Role: workflow.RoleDPO, Password: scPassword}, workflow.ActorCLI); err != nil {
			t.Fatal(err)
		}
	}
	f.env.Clock.Set(time.Date(2026, 11, 2, 9, 0, 0, 0, workflow.Helsinki()))
	org, err := q(f).OrgByID(f.env.Ctx, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.env.Workflow.CreateBreach(f.env.Ctx, org, f.dpoUserID, workflow.BreachInput{Title: "USB", AwareAt: "2026-11-01T09:00"})
	if err != nil {
		t.Fatal(err)
	}
	due := workflow.BreachDeadline(b.AwareAt)
	for _, stage := range []int{24, 0} {
		f.env.Clock.Set(due.Add(-time.Duration(stage) * time.Hour))
		if out, err := f.env.Workflow.SendBreachReminder(f.env.Ctx, jobargs.BreachReminder{BreachID: b.ID, HoursBefore: stage, Due: due.Unix()}); err != nil || out != workflow.OutcomeSent {
			t.Fatalf("stage %d: %v %v", stage, out, err)
		}
	}
	f.env.WorkAll()
	texts := map[string]string{}
	for _, m := range f.env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == "breach_reminder" {
			texts[m.To[0]] += m.Subject + "\n" + m.Text + "\n"
		}
	}
	for to, bad := range map[string][]string{
		"dpo-fi@espoo.test": {"nro 1 72", "määräaika", "tietoturvaloukkauksiin"},
		"dpo-sv@espoo.test": {"nr 1 72", "tidsfrist", "bland personuppgiftsincidenterna"},
	} {
		text := texts[to]
		if text == "" {
			t.Fatalf("no reminder to %s", to)
		}
		for _, w := range bad {
			if strings.Contains(strings.ToLower(text), w) {
				t.Errorf("%s reads %q:\n%s", to, w, text)
			}
		}
	}
	for to, want := range map[string][]string{
		"dpo-fi@espoo.test": {"ilmoitusaika", "Aikaa on jäljellä 24 h 0 min.", "Kirjaa ilmoitus tai päätös loukkauksen sivulle:"},
		"dpo-sv@espoo.test": {"anmälningsfrist", "Det återstår 24 h 0 min.", "på incidentens sida:"},
	} {
		for _, w := range want {
			if !strings.Contains(texts[to], w) {
				t.Errorf("%s lacks %q:\n%s", to, w, texts[to])
			}
		}
	}
}
