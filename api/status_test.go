package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// The requester status page (/{lang}/o/{org}/status): receipt number plus
// an emailed code; never reveals whether a number exists.

var stCodeRe = regexp.MustCompile(`(?m)^\s+(\d{6})\s*$`)

// stMails delivers queued mail and returns the status codes sent to email,
// newest first.
func (f *inFixture) stMails(t *testing.T, email string) []string {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	var out []string
	for _, m := range f.env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") != "status_code" {
			continue
		}
		if !slices.Contains(m.To, email) {
			t.Fatalf("status code mailed to someone else")
		}
		if c := stCodeRe.FindStringSubmatch(m.Text); c != nil {
			out = append(out, c[1])
		}
	}
	return out
}

// stAsk posts a receipt number on the form and follows to the code page.
func (f *inFixture) stAsk(t *testing.T, b *inBrowser, lang, receipt string) htmlPage {
	t.Helper()
	if p := b.get(f.path(lang, "/status")); p.status != http.StatusOK || htmlByID(p.doc, "receipt") == nil {
		t.Fatalf("status form: %d", p.status)
	}
	p := b.post(f.path(lang, "/status"), url.Values{"receipt": {receipt}})
	if p.status != http.StatusSeeOther || p.location() != f.path(lang, "/status/code") {
		t.Fatalf("ask %s: %d %q", receipt, p.status, p.location())
	}
	return b.get(p.location())
}

func TestStatusSamePageOnlyKnownMails(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	email := "maija@example.test"
	receipt, _ := f.fileAndConfirm(t, f.browser(t, "10.1.0.1"), "fi", inMinimal("fi", email, "access"))
	f.stMails(t, email) // none yet

	other := f.env.Org("toinen", "Toinen kunta", "Annan kommun", "fi")
	unknown := f.stAsk(t, f.browser(t, "10.1.0.2"), "fi", "RD-2026-999999")
	if n := len(f.stMails(t, email)); n != 0 {
		t.Fatalf("unknown receipt mailed %d codes", n)
	}
	// Another organisation's status page does not find the receipt.
	ob := f.browser(t, "10.1.0.4")
	op := ob.post("/fi/o/"+other.Slug+"/status", url.Values{"receipt": {receipt}, "_csrf": {ob.get("/fi/o/" + other.Slug + "/status").csrf(t)}})
	if op.status != http.StatusSeeOther {
		t.Fatalf("other org: %d", op.status)
	}
	if n := len(f.stMails(t, email)); n != 0 {
		t.Fatalf("other organisation's page mailed %d codes", n)
	}
	known := f.stAsk(t, f.browser(t, "10.1.0.3"), "fi", strings.ToLower(receipt))
	if n := len(f.stMails(t, email)); n != 1 {
		t.Fatalf("known receipt mailed %d codes, want 1", n)
	}
	norm := func(p htmlPage, r string) string {
		return strings.ReplaceAll(htmlTextSpaced(inMust(t, p, "main")), r, "RECEIPT")
	}
	if unknown.status != known.status || norm(unknown, "RD-2026-999999") != norm(known, receipt) {
		t.Fatalf("pages differ:\n%s\n%s", norm(unknown, "RD-2026-999999"), norm(known, receipt))
	}
	if strings.Contains(known.body, "maija") || strings.Contains(known.body, "m***") {
		t.Fatal("code page reveals the address")
	}
}

func TestStatusWrongCodesLock(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	email := "maija@example.test"
	receipt, _ := f.fileAndConfirm(t, f.browser(t, "10.2.0.1"), "sv", inMinimal("sv", email, "access"))
	b := f.browser(t, "10.2.0.2")
	f.stAsk(t, b, "sv", receipt)
	code := f.stMails(t, email)[0]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= workflow.MaxStatusAttempts; i++ {
		p := b.post(f.path("sv", "/status/code"), url.Values{"code": {wrong}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("try %d: %d", i, p.status)
		}
		s := inSummary(t, p)
		if i < workflow.MaxStatusAttempts && s["#code"] == "" || i == workflow.MaxStatusAttempts && s["#again"] == "" {
			t.Fatalf("try %d summary %v", i, s)
		}
		if htmlAttr(inMust(t, p, "code"), "aria-invalid") != "true" {
			t.Fatal("code field not marked invalid")
		}
	}
	p := b.post(f.path("sv", "/status/code"), url.Values{"code": {code}})
	if p.status != http.StatusUnprocessableEntity || inSummary(t, p)["#again"] == "" || b.cookie("rd_status") != "" {
		t.Fatalf("right code after lock: %d", p.status)
	}
	if v := b.get(f.path("sv", "/status/view")); v.status != http.StatusSeeOther {
		t.Fatalf("view without code: %d", v.status)
	}
	// A new code works.
	f.stAsk(t, b, "sv", receipt)
	p = b.post(f.path("sv", "/status/code"), url.Values{"code": {f.stMails(t, email)[0]}})
	if p.status != http.StatusSeeOther || p.location() != f.path("sv", "/status/view") {
		t.Fatalf("new code: %d %q", p.status, p.location())
	}
}

func TestStatusRightCodeShowsState(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			f := newInFixture(t)
			email := "maija." + lang + "@example.test"
			form := inMinimal(lang, email, "access")
			form.Set("hetu", "131052-308T")
			form.Set("phone", "0401234567")
			receipt, _ := f.fileAndConfirm(t, f.browser(t, "10.3.0.1"), lang, form)
			b := f.browser(t, "10.3.0.2")
			f.stAsk(t, b, lang, receipt)
			p := b.post(f.path(lang, "/status/code"), url.Values{"code": {f.stMails(t, email)[0]}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("code: %d", p.status)
			}
			// The view lasts 30 minutes.
			if !slices.ContainsFunc(p.resp.Cookies(), func(c *http.Cookie) bool { return c.Name == "rd_status" && c.MaxAge == 1800 && c.HttpOnly }) {
				t.Fatal("no 30-minute status cookie")
			}
			view := b.get(p.location())
			if view.status != http.StatusOK {
				t.Fatalf("view: %d", view.status)
			}
			cs := f.caseByReceipt(t, receipt)
			due := workflow.DueOf(cs, workflow.CalendarFor(f.org), f.env.Clock.Now())
			want := map[string]string{
				"receipt": receipt,
				"state":   f.env.Catalog.T(lang, "state."+cs.State),
				"due":     workflow.FormatDate(due.LegalDue, lang),
				"next":    f.env.Catalog.T(lang, "status.next."+cs.State),
			}
			for id, w := range want {
				if got := htmlTextSpaced(inMust(t, view, id)); got != w {
					t.Fatalf("#%s = %q, want %q", id, got, w)
				}
			}
			// No personal data: not even what the requester gave.
			for _, pd := range []string{"Maija", "Meikäläinen", "maija", "131052", "308T", "0401234567", "rehtori@", "kirjasto@", "katu@"} {
				if strings.Contains(view.body, pd) {
					t.Fatalf("status page shows %q", pd)
				}
			}
			if htmlByID(view.doc, "extended") != nil {
				t.Fatal("extension shown for a case not extended")
			}
			// Extended (DL-5): the new date and its reason.
			q := store.New(f.env.Pool) // the reason is sealed at rest (issue 16 item 4)
			ext, err := q.CaseByID(f.env.Ctx, cs.OrgID, cs.ID)
			if err != nil {
				t.Fatal(err)
			}
			extDue := ext.LegalDue.AddDate(0, 0, 60)
			ext.ExtendedDue, ext.ExtensionReason = &extDue, "Laaja pyyntö"
			if err := q.UpdateCase(f.env.Ctx, ext); err != nil {
				t.Fatal(err)
			}
			view = b.get(f.path(lang, "/status/view"))
			if htmlByID(view.doc, "extended") == nil || htmlTextSpaced(inMust(t, view, "extension-reason")) != "Laaja pyyntö" {
				t.Fatal("extension not shown")
			}
			var viewed int
			if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action = 'status_viewed'`, cs.ID).Scan(&viewed); err != nil || viewed != 2 {
				t.Fatalf("status_viewed audits = %d %v", viewed, err)
			}
		})
	}
}

func TestStatusFormErrorsAndRateLimit(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.4.0.1")
	b.get(f.path("en", "/status"))
	p := b.post(f.path("en", "/status"), url.Values{"receipt": {"nonsense"}})
	if p.status != http.StatusUnprocessableEntity || inSummary(t, p)["#receipt"] == "" ||
		htmlAttr(inMust(t, p, "receipt"), "aria-invalid") != "true" || htmlAttr(inMust(t, p, "receipt"), "value") != "nonsense" {
		t.Fatalf("bad receipt: %d", p.status)
	}
	for i := 0; i < 10; i++ {
		f.stAsk(t, b, "en", "RD-2026-99999"+string(rune('0'+i)))
	}
	b.get(f.path("en", "/status"))
	if p := b.post(f.path("en", "/status"), url.Values{"receipt": {"RD-2026-888888"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("11th request: %d", p.status)
	}
}

// Issue 16, item 5: the status cookie's expiry is inside its signature: a
// copied rd_status stops working after 30 minutes whatever the browser
// keeps, and moving its time breaks the signature.
func TestStatusCookieExpiryIsSigned(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	email := "kopio@example.test"
	receipt, _ := f.fileAndConfirm(t, f.browser(t, "10.5.0.1"), "fi", inMinimal("fi", email, "access"))
	b := f.browser(t, "10.5.0.2")
	f.stAsk(t, b, "fi", receipt)
	if p := b.post(f.path("fi", "/status/code"), url.Values{"code": {f.stMails(t, email)[0]}}); p.status != http.StatusSeeOther {
		t.Fatalf("code: %d", p.status)
	}
	copied := b.cookie("rd_status")
	if v := b.get(f.path("fi", "/status/view")); v.status != http.StatusOK {
		t.Fatalf("view: %d", v.status)
	}
	// A forged later expiry: refused.
	parts := strings.Split(copied, ".")
	if len(parts) != 3 {
		t.Fatalf("cookie %q: want value.expiry.mac", copied)
	}
	forged := f.browser(t, "10.5.0.3")
	forged.jar.SetCookies(inBase, []*http.Cookie{{Name: "rd_status", Value: parts[0] + "." + parts[1] + "0." + parts[2], Path: "/"}})
	if v := forged.get(f.path("fi", "/status/view")); v.status != http.StatusSeeOther {
		t.Fatalf("cookie with a moved expiry: %d", v.status)
	}
	// The copy, replayed after 30 minutes: refused.
	f.env.Clock.Advance(30*time.Minute + time.Second)
	thief := f.browser(t, "10.5.0.4")
	thief.jar.SetCookies(inBase, []*http.Cookie{{Name: "rd_status", Value: copied, Path: "/"}})
	if v := thief.get(f.path("fi", "/status/view")); v.status != http.StatusSeeOther {
		t.Fatalf("copied cookie after 30 minutes: %d", v.status)
	}
}

// Issue 16, item 5: asking a code for a known number and for an unknown
// one take the same time: at least the floor (STATUS_SEND_FLOOR), so the
// extra writes of a known number do not show.
func TestStatusSendTimingFloor(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	email := "aika@example.test"
	receipt, _ := f.fileAndConfirm(t, f.browser(t, "10.6.0.1"), "fi", inMinimal("fi", email, "access"))
	floor := f.env.Config.StatusSendFloor
	if floor < 100*time.Millisecond {
		t.Fatalf("floor %s: the default should be well above a known number's extra work", floor)
	}
	for i, r := range []string{receipt, "RD-2026-999999"} {
		b := f.browser(t, "10.6.1."+strconv.Itoa(i))
		b.get(f.path("fi", "/status"))
		start := time.Now()
		p := b.post(f.path("fi", "/status"), url.Values{"receipt": {r}})
		took := time.Since(start)
		if p.status != http.StatusSeeOther || took < floor {
			t.Errorf("%s: %d after %s, want 303 after at least %s", r, p.status, took, floor)
		}
	}
}
