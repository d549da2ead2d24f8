package api_test

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// remediesLiterals are words of the Art 12(4) remedies a reader of each
// language must find, typed here rather than read from the catalogue so a
// wrong key or an empty text fails: the Ombudsman's office, the
// administrative court of the appeal instructions and their heading.
var remediesLiterals = map[string][]string{
	"fi": {"Tietosuojavaltuutetun toimisto", "PL 800, 00531 Helsinki", "tuomioistuimessa", "Valitusosoitus", "oikaisuvaatimuksen", "hallinto-oikeudelta", "Espoon kaupunki"},
	"sv": {"Dataombudsmannens byrå", "PB 800, 00531 Helsingfors", "vid domstol", "Besvärsanvisning", "omprövningsyrkande", "förvaltningsdomstolen", "Esbo stad"},
	"en": {"Office of the Data Protection Ombudsman", "P.O. Box 800, 00531 Helsinki", "before a court", "Appeal instructions", "request for review", "administrative court", "Espoon kaupunki"},
}

// defaultAppeal is the default appeal text in lang naming where org's
// requests for review go (DL-6).
func defaultAppeal(f *scFx, lang string, org store.Org) string {
	return f.env.Catalog.T(lang, "letter.appeal.default", strings.Join(workflow.AppealTo(org, lang), ", "))
}

// assertRemedies checks that both parts of a delivered mail carry the
// remedies in lang: the letters' texts whole, and the literal words.
func assertRemedies(t *testing.T, f *scFx, lang string, m mail.Caught) {
	t.Helper()
	cat := f.env.Catalog
	want := append([]string{cat.T(lang, "letter.complaint.text"), cat.T(lang, "letter.court.text"),
		defaultAppeal(f, lang, f.org)}, strings.Split(cat.T(lang, "letter.authority"), "\n")...)
	want = append(want, remediesLiterals[lang]...)
	htmlText := html.UnescapeString(m.HTML)
	for _, w := range want {
		if !strings.Contains(m.Text, w) {
			t.Errorf("%s mail (%s) text lacks %q:\n%s", m.Headers.Get("X-Rightsdesk-Kind"), lang, w, m.Text)
		}
		if !strings.Contains(htmlText, w) {
			t.Errorf("%s mail (%s) HTML lacks %q", m.Headers.Get("X-Rightsdesk-Kind"), lang, w)
		}
	}
}

// mailOfCase delivers the queued mail and returns the one of kind to the
// requester whose subject names receipt.
func mailOfCase(t *testing.T, f *scFx, kind, receipt string) mail.Caught {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, scRequest.Email) && m.Headers.Get("X-Rightsdesk-Kind") == kind && strings.Contains(m.Subject, receipt) {
			return m
		}
	}
	t.Fatalf("no %s mail of %s", kind, receipt)
	return mail.Caught{}
}

// residentStatus opens the status page of receipt as its requester does:
// the number, the emailed code, the view.
func residentStatus(t *testing.T, f *scFx, lang, receipt string) htmlPage {
	t.Helper()
	base := "/" + lang + "/o/espoo/status"
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	p := res.get(base)
	res.csrf = p.csrf(t)
	if p := res.post(base, url.Values{"receipt": {receipt}}); p.status != http.StatusSeeOther {
		t.Fatalf("status form = %d", p.status)
	}
	code := stCodeRe.FindStringSubmatch(mailOfCase(t, f, "status_code", "").Text)
	if code == nil {
		t.Fatal("no status code in the mail")
	}
	cp := res.get(base + "/code")
	res.csrf = cp.csrf(t)
	if p := res.post(base+"/code", url.Values{"code": {code[1]}}); p.status != http.StatusSeeOther {
		t.Fatalf("status code = %d", p.status)
	}
	v := res.get(base + "/view")
	if v.status != http.StatusOK {
		t.Fatalf("status view = %d", v.status)
	}
	return v
}

// DL-6, Art 12(4): a refusal, of the whole request or of some registers,
// tells the requester of the complaint to the Data Protection Ombudsman,
// the court and the appeal instructions in the mail itself (not only in
// the PDF behind a link), in the request's language, and the status page
// says the same in plain words. An answer that refuses nothing carries
// no remedies.
func TestRefusalMailsCarryRemedies_DL6(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			f := newSCFx(t)
			ctx, cat := f.env.Ctx, f.env.Catalog
			inLang := func(r *workflow.Request) { r.Lang = lang }
			received := f.env.Clock.Now().Add(-24 * time.Hour)

			// The whole request refused (Art 12(5)).
			whole := f.paper(f.org, received, "in_person", inLang)
			if err := f.env.Workflow.Refuse(ctx, f.org, whole.CaseID, workflow.StaffActor(f.dpoUserID), "art12_5_excessive",
				"Sama pyyntö kolmannen kerran tänä vuonna."); err != nil {
				t.Fatal(err)
			}
			assertRemedies(t, f, lang, mailOfCase(t, f, "refused", whole.Receipt))
			v := residentStatus(t, f, lang, whole.Receipt)
			if got := htmlTextSpaced(scByID(v.doc, "remedies-intro")); got != cat.T(lang, "status.remedies.whole") {
				t.Errorf("whole refusal: #remedies-intro = %q", got)
			}
			if got := htmlTextSpaced(scByID(v.doc, "appeal")); got != defaultAppeal(f, lang, f.org) {
				t.Errorf("whole refusal: #appeal = %q", got)
			}
			if got := htmlTextSpaced(scByID(v.doc, "ombudsman")); !strings.Contains(got, remediesLiterals[lang][0]) {
				t.Errorf("whole refusal: #ombudsman = %q", got)
			}

			// Access refused for one register, given for the other: the
			// answer's link mail carries the remedies.
			part := f.paper(f.org, received, "in_person", inLang)
			owned, _ := f.task(f.org, part.CaseID, false)
			queue, _ := f.task(f.org, part.CaseID, true)
			if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
				Answer: "extract", ExtractText: "Päivä\tTapahtuma\n7.1.2025\tMaksupäätös\n"}); err != nil {
				t.Fatal(err)
			}
			if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{
				Answer: "refused", Ground: "dpa_34", Comment: "Tietosuojalain 34 § 1 momentin 2 kohta."}); err != nil {
				t.Fatal(err)
			}
			// Answered in full: no remedies anywhere.
			full := f.answerReady(t, lang)
			dpo := f.login(t, f.dpo)
			for _, r := range []string{part.Receipt, full.Receipt} {
				if p := dpo.post("/staff/cases/"+r+"/letters/send", nil); p.status != http.StatusSeeOther {
					t.Fatalf("send %s = %d", r, p.status)
				}
			}
			if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 2 {
				t.Fatalf("%d render jobs, want 2", n)
			}
			assertRemedies(t, f, lang, mailOfCase(t, f, "answer_link", part.Receipt))
			fm := mailOfCase(t, f, "answer_link", full.Receipt)
			for _, w := range remediesLiterals[lang][:4] {
				if strings.Contains(fm.Text, w) || strings.Contains(html.UnescapeString(fm.HTML), w) {
					t.Errorf("an answer that refuses nothing carries %q", w)
				}
			}
			v = residentStatus(t, f, lang, part.Receipt)
			if got := htmlTextSpaced(scByID(v.doc, "remedies-intro")); got != cat.T(lang, "status.remedies.part") {
				t.Errorf("partial refusal: #remedies-intro = %q", got)
			}
			if got := htmlTextSpaced(scByID(v.doc, "complaint")); got != cat.T(lang, "letter.complaint.text") {
				t.Errorf("partial refusal: #complaint = %q", got)
			}
			if v := residentStatus(t, f, lang, full.Receipt); scByID(v.doc, "remedies") != nil {
				t.Error("the status of an answer that refuses nothing shows remedies")
			}
		})
	}
}

// DL-6: an organisation whose lawyer wrote its own appeal instructions
// (not every controller is a municipality under the Local Government
// Act) sets them per language in its settings; every refusal then carries
// them, in the request's language, instead of the default text: the mail
// and the status page. A language left empty keeps its own default, never
// another language's text. Too long a text is refused with the field's
// message, and nothing is saved.
func TestOrgAppealInstructionsInRefusals_DL6(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, cat := f.env.Ctx, f.env.Catalog
	dpo := f.login(t, f.dpo)
	path := "/staff/orgs/" + f.org.Slug + "/settings"
	dpo.csrf = dpo.get(path).csrf(t)

	long := strings.Repeat("ö", workflow.MaxAppealChars+1) // runes, not bytes
	if p := dpo.postSettings(path, settingsForm(f.org, map[string]string{"appeal-sv": long}), "", nil); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("too long = %d", p.status)
	} else if got := fieldError(p.doc, "appeal-sv"); got != cat.T("en", "orgs.error.appeal-sv") {
		t.Errorf("appeal-sv error %q", got)
	}
	if o, _ := store.New(f.env.Pool).OrgBySlug(ctx, f.org.Slug); o.AppealSV != "" {
		t.Error("a refused form saved the appeal text")
	}

	fi := "Tähän päätökseen saa hakea muutosta valittamalla Helsingin hallinto-oikeuteen 30 päivän kuluessa.\n\nValitus toimitetaan hallinto-oikeudelle osoitteeseen Radanrakentajantie 5, 00520 Helsinki."
	sv := "Ändring i detta beslut får sökas genom besvär hos Helsingfors förvaltningsdomstol inom 30 dagar."
	form := settingsForm(f.org, map[string]string{"appeal-fi": "  " + strings.ReplaceAll(fi, "\n", "\r\n") + "\r\n\r\n\r\n", "appeal-sv": sv})
	if p := dpo.postSettings(path, form, "", nil); p.status != http.StatusSeeOther {
		t.Fatalf("save = %d: %v", p.status, p.summary())
	}
	o, err := store.New(f.env.Pool).OrgBySlug(ctx, f.org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if o.AppealFI != fi || o.AppealSV != sv || o.AppealEN != "" {
		t.Fatalf("saved fi %q sv %q en %q", o.AppealFI, o.AppealSV, o.AppealEN)
	}
	if got := inputValue(t, dpo.get(path).doc, "appeal-fi"); got != fi {
		t.Errorf("the settings page shows %q", got)
	}

	received := f.env.Clock.Now().Add(-24 * time.Hour)
	for lang, want := range map[string]string{"fi": fi, "sv": sv, "en": defaultAppeal(f, "en", o)} {
		c := f.paper(o, received, "in_person", func(r *workflow.Request) { r.Lang = lang })
		if err := f.env.Workflow.Refuse(ctx, o, c.CaseID, workflow.StaffActor(f.dpoUserID), "art12_5_excessive", "Kolmas sama pyyntö."); err != nil {
			t.Fatal(err)
		}
		m := mailOfCase(t, f, "refused", c.Receipt)
		for _, part := range []string{m.Text, html.UnescapeString(m.HTML)} {
			for _, para := range strings.Split(want, "\n\n") {
				if !strings.Contains(part, para) {
					t.Errorf("%s refusal mail lacks the organisation's appeal text %q", lang, para)
				}
			}
			if lang != "en" && strings.Contains(part, defaultAppeal(f, lang, o)) {
				t.Errorf("%s refusal mail still prints the default appeal text", lang)
			}
		}
		v := residentStatus(t, f, lang, c.Receipt)
		if got, want := htmlTextSpaced(scByID(v.doc, "appeal")), strings.Join(strings.Fields(want), " "); got != want {
			t.Errorf("%s status page #appeal = %q, want %q", lang, got, want)
		}
		// The refusal letter prints the same text.
		d := dpo.get("/staff/cases/" + c.Receipt + "/letters/refusal.pdf")
		if d.status != http.StatusOK {
			t.Fatalf("%s refusal letter = %d", lang, d.status)
		}
		// Without the page furniture: the appeal text may go over a page
		// break (with the signature, TestSignatureNotAloneOnLastPage).
		if text, want := pdfBodyWords(t, []byte(d.body)), strings.Join(strings.Fields(want), " "); !strings.Contains(text, want) {
			t.Errorf("%s refusal letter lacks the appeal text %q:\n%s", lang, want, text)
		}
	}
}
