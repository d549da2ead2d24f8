package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rightsdesk/workflow"
)

// signIn signs the organisation's demo DPO in from the sign-in page and
// lands on the dashboard.
func (b *tab) signIn(slug string) {
	b.t.Helper()
	b.open("/staff/login")
	b.typeIn("#email", "dpo@"+slug+".example")
	b.typeIn("#password", b.s.dpo[slug])
	b.click(`form button[type="submit"]`)
	b.step("dashboard", "@staffcase.dashboard.title")
}

// Journey (issue 21, legal.md §6 BR): the DPO records a breach on a
// Saturday, sees the 72-hour clock in elapsed hours across the night the
// clocks go back (Art 33(1)), is reminded by mail a day before the limit,
// records the notification to the Ombudsman, cannot close the breach before
// its Art 33(5) record is complete, closes it and downloads its PDF.
func TestBreachClockAcrossDST(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	hel := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, workflow.Helsinki()) }
	s.env.Clock.Set(hel(24, 12, 30))
	b := newTab(t, s, "fi", false)
	b.signIn("esimerkki")

	b.click(`a[href="/staff/breaches"]`)
	b.step("breach log", "@breach.list.title")
	b.click("#new-breach")
	b.step("new breach", "@breach.form.create")

	// BR: a record without its name or time of awareness is refused,
	// field by field, and nothing is stored.
	b.run(chromedp.SetValue(chromedp.CSS("#f-aware_at"), ""))
	b.click(`#breach-form button[type="submit"]`)
	b.step("errors", "@breach.form.errors", "@breach.error.title", "@breach.error.aware_at")

	b.typeIn("#f-title", "Kadonnut muistitikku")
	b.run(chromedp.SetValue(chromedp.CSS("#f-aware_at"), "2026-10-24T12:00"))
	b.typeIn("#f-nature", "Oppilaslistat sisältänyt salaamaton muistitikku katosi koulun käytävällä.")
	b.click(`#breach-form button[type="submit"]`)
	b.step("recorded", "@breach.flash.created", b.tr("breach.clock.left", 71, 30))
	// The limit in Helsinki time: 72 hours after Sat 12:00 EEST is Tue
	// 11:00 EET, an hour earlier on the clock than it started; the clock
	// crossing the change, the times carry their UTC offset.
	if got, want := evalAs[string](b, `document.getElementById('deadline').innerText`),
		b.tr("breach.clock.deadline", workflow.FormatDateTime(hel(27, 11, 0), "fi")+" (UTC+2)"); got != want {
		b.fail("deadline %q, want %q", got, want)
	}
	breachURL := b.url()

	// Sunday noon by the wall clock, 25 hours later: 47 hours are left,
	// not 48 (the night was an hour longer).
	s.env.Clock.Set(hel(25, 12, 0))
	b.signIn("esimerkki")
	b.open(breachURL)
	b.step("a day later", b.tr("breach.clock.left", 47, 0))

	// 24 hours before the limit the DPO gets a reminder.
	s.env.Clock.Set(hel(26, 11, 5))
	s.env.WorkAll("breach_reminder")
	m := s.mailTo("dpo@esimerkki.example", "breach_reminder")
	if !strings.Contains(m.Text, workflow.FormatDateTime(hel(27, 11, 0), "fi")) {
		b.fail("the reminder does not give the limit:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "muistitikku") {
		b.fail("the reminder mail carries the breach's description")
	}

	// Closing needs the Art 33(5) record: facts, consequences, measures,
	// the risk and the decision.
	b.signIn("esimerkki")
	b.open(breachURL)
	b.click(`#close-form button[type="submit"]`)
	b.step("not closable yet", "@breach.close.errors", "@breach.error.close.consequences", "@breach.error.close.measures", "@breach.error.close.risk")

	b.typeIn("#f-consequences", "Oppilaiden nimet ja luokat voivat tulla sivullisten tietoon.")
	b.typeIn("#f-measures", "Tikku etsitty; huoltajille tiedotettu; salaamattomien tikkujen käyttö kielletty.")
	b.run(chromedp.SetValue(chromedp.CSS("#f-risk"), workflow.RiskSome),
		chromedp.SetValue(chromedp.CSS("#f-decision"), "notify"))
	b.typeIn("#f-decision_reason", "Riski oppilaille; ilmoitetaan tietosuojavaltuutetulle.")
	b.click(`#breach-form button[type="submit"]`)
	b.step("assessed", "@breach.flash.saved")

	b.run(chromedp.SetValue(chromedp.CSS("#f-notified_at"), "2026-10-26T10:40"))
	b.typeIn("#f-reference", "TSV/1234/2026")
	b.click(`#notify-form button[type="submit"]`)
	b.step("notified", "@breach.flash.notified", b.tr("breach.clock.decided_notified", workflow.FormatDateTime(hel(26, 10, 40), "fi")+" (UTC+2)"))

	b.click(`#close-form button[type="submit"]`)
	b.step("closed", "@breach.flash.closed")
	if evalAs[int](b, `document.querySelectorAll('#closed-note').length`) != 1 {
		b.fail("the closed breach has no closed note")
	}
	// A decided breach no longer asks to notify (found in a walkthrough).
	if got, ask := evalAs[string](b, `document.getElementById('deadline').innerText`),
		b.tr("breach.clock.deadline", ""); strings.HasPrefix(got, strings.TrimSuffix(ask, ".")) {
		b.fail("the closed breach still reads %q", got)
	}

	// The PDF for the Ombudsman's form (read, not clicked: a download
	// loads no page).
	type pdf struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Magic  string `json:"magic"`
	}
	got := evalAs[pdf](b, `fetch(document.getElementById('breach-pdf').href).then(async r =>
		({status: r.status, type: r.headers.get('content-type') || '', magic: new TextDecoder().decode((await r.arrayBuffer()).slice(0, 5))}))`)
	if got.Status != 200 || got.Type != "application/pdf" || got.Magic != "%PDF-" {
		b.fail("breach PDF: %+v", got)
	}

	// The organisation's audit log names the breach's events in words.
	b.open("/staff/orgs/esimerkki/audit")
	b.step("audit log", "@orgaudit.action.breach_closed", "@orgaudit.action.breach_notified", "@orgaudit.action.breach_reminded")

	// BR: a time in the doubled autumn hour is asked, not guessed: the
	// form keeps it and offers summer or standard time.
	b.open("/staff/breaches/new")
	b.typeIn("#f-title", "Väärin lähetetty sähköposti")
	b.run(chromedp.SetValue(chromedp.CSS("#f-aware_at"), "2026-10-25T03:30"))
	b.click(`#breach-form button[type="submit"]`)
	b.step("doubled hour asked", "@breach.error.ambiguous_hour", "@breach.offset.legend")
	b.run(chromedp.Click(chromedp.CSS(`#o-aware_at input[value="+02:00"]`)))
	b.click(`#breach-form button[type="submit"]`)
	b.step("doubled hour chosen", "@breach.flash.created", "(UTC+2)")
	if got, want := evalAs[string](b, `document.getElementById('deadline').innerText`),
		b.tr("breach.clock.deadline", workflow.FormatDateTime(time.Date(2026, 10, 28, 1, 30, 0, 0, time.UTC), "fi")+" (UTC+2)"); got != want {
		b.fail("deadline %q, want %q", got, want)
	}
}
