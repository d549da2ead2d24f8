package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// limitedAt checks a 429: Retry-After is the seconds until retry, and the
// page says the time (to the minute, rounded up) in lang, beside the
// page's own message (by id) when one is named.
func limitedAt(t *testing.T, cat *i18n.Catalog, what string, p htmlPage, now, retry time.Time, lang, msgID, msg string) {
	t.Helper()
	want := strconv.Itoa(int(retry.Sub(now).Seconds()))
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != want {
		t.Fatalf("%s: %d, Retry-After %q, want 429 and %s", what, p.status, p.header.Get("Retry-After"), want)
	}
	at := retry.Truncate(time.Minute)
	if !at.Equal(retry) {
		at = at.Add(time.Minute)
	}
	if got, w := htmlTextSpaced(inMust(t, p, "retry-at")), cat.T(lang, "error.retry_at", workflow.FormatDateTime(at, lang)); got != w {
		t.Errorf("%s: #retry-at = %q, want %q", what, got, w)
	}
	if msgID != "" {
		if got := htmlTextSpaced(inMust(t, p, msgID)); got != msg {
			t.Errorf("%s: #%s = %q, want %q", what, msgID, got, msg)
		}
	}
}

// Every 429 of the resident's pages other than the form (which has its
// own test) carries Retry-After and says when to try again: asking for a
// status code and entering it, entering and resending the form's code.
// The windows start before the refusal, so Retry-After counts from the
// window's start, not from the refused try.
func TestRetryAfterResidentPages(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	cat, clock, lang := f.env.Catalog, f.env.Clock, "sv"

	t.Run("status code requests per address", func(t *testing.T) {
		b := f.browser(t, "10.30.0.1")
		start := clock.Now()
		f.stAsk(t, b, lang, "RD-2026-700000")
		clock.Advance(7 * time.Minute)
		for i := 1; i < 10; i++ {
			f.stAsk(t, b, lang, "RD-2026-70000"+strconv.Itoa(i))
		}
		b.get(f.path(lang, "/status"))
		p := b.post(f.path(lang, "/status"), url.Values{"receipt": {"RD-2026-700010"}})
		limitedAt(t, cat, "11th status code request", p, clock.Now(), start.Add(time.Hour), lang, "receipt-error", cat.T(lang, "status.err.ratelimit"))
	})

	t.Run("status code tries per address", func(t *testing.T) {
		b := f.browser(t, "10.30.0.2")
		f.stAsk(t, b, lang, "RD-2026-710000")
		start := clock.Now()
		for i := 0; i < 30; i++ {
			if p := b.post(f.path(lang, "/status/code"), url.Values{"code": {"000000"}}); p.status != http.StatusUnprocessableEntity {
				t.Fatalf("try %d: %d", i+1, p.status)
			}
			if i == 0 {
				clock.Advance(2 * time.Minute)
			}
		}
		p := b.post(f.path(lang, "/status/code"), url.Values{"code": {"000000"}})
		limitedAt(t, cat, "31st status code try", p, clock.Now(), start.Add(15*time.Minute), lang, "code-error", cat.T(lang, "status.err.code_ratelimit"))
	})

	t.Run("form code tries and resends per address", func(t *testing.T) {
		b := f.browser(t, "10.30.0.3")
		if p := f.submit(b, lang, inMinimal(lang, "raja@example.test", "access")); p.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", p.status)
		}
		b.get(f.path(lang, "/confirm"))
		start := clock.Now()
		for i := 0; i < 30; i++ {
			if p := b.post(f.path(lang, "/confirm"), url.Values{"code": {"000000"}}); p.status != http.StatusUnprocessableEntity {
				t.Fatalf("try %d: %d", i+1, p.status)
			}
			if i == 0 {
				clock.Advance(3 * time.Minute)
			}
		}
		p := b.post(f.path(lang, "/confirm"), url.Values{"code": {"000000"}})
		limitedAt(t, cat, "31st form code try", p, clock.Now(), start.Add(15*time.Minute), lang, "code-error", cat.T(lang, "intake.err.code_ratelimit"))
		p = b.post(f.path(lang, "/confirm/resend"), url.Values{})
		limitedAt(t, cat, "resend after 31 tries", p, clock.Now(), start.Add(15*time.Minute), lang, "code-error", cat.T(lang, "intake.err.code_ratelimit"))
	})
}

// The answer's download page (issue 18): code mails per link, and code
// tries per address.
func TestRetryAfterAnswerPage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat, clock, lang := f.env.Catalog, f.env.Clock, "fi"
	sub := f.answerReady(t, lang)
	if p := f.login(t, f.dpo).post("/staff/cases/"+sub.Receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d", p.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind())
	lm := answerLinkRe.FindStringSubmatch(f.caughtMail(t, "answer_link", scRequest.Email).Text)
	if lm == nil {
		t.Fatal("no answer link")
	}
	page := lm[1]
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	res.csrf = res.get(page).csrf(t)

	start := clock.Now()
	for i := 0; i < 5; i++ {
		if p := res.post(page+"/code", nil); p.status != http.StatusSeeOther {
			t.Fatalf("code mail %d: %d", i+1, p.status)
		}
		if i == 0 {
			clock.Advance(5 * time.Minute)
		}
	}
	p := res.post(page+"/code", nil)
	limitedAt(t, cat, "6th code mail of a link", p, clock.Now(), start.Add(time.Hour), lang, "", "")

	start = clock.Now()
	for i := 0; i < 30; i++ {
		if p := res.post(page+"/verify", url.Values{"code": {"000000"}}); p.status != http.StatusUnprocessableEntity {
			t.Fatalf("try %d: %d", i+1, p.status)
		}
		if i == 0 {
			clock.Advance(4 * time.Minute)
		}
	}
	p = res.post(page+"/verify", url.Values{"code": {"000000"}})
	limitedAt(t, cat, "31st answer code try", p, clock.Now(), start.Add(15*time.Minute), lang, "code-error", cat.T(lang, "status.err.code_ratelimit"))
}

// The owner's task link: code mails per task (a sliding hour over the
// audit trail: a code may go again when the oldest of the hour's codes
// leaves it), code mails per address, code tries per address.
func TestRetryAfterTaskPage(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "e", nil)
	cat, clock, lang := tc.env.Catalog, tc.env.Clock, "fi"
	b := newOwnerBrowser(t, tc.env, tc.ts)
	b.get(tc.link)
	start := clock.Now()
	for i := 0; i < workflow.TaskCodesPerHour; i++ {
		if p := b.post(tc.link+"/code", url.Values{}, true); p.status != http.StatusSeeOther {
			t.Fatalf("code mail %d: %d", i+1, p.status)
		}
		if i == 0 {
			clock.Advance(10 * time.Minute)
		}
	}
	p := b.post(tc.link+"/code", url.Values{}, true)
	limitedAt(t, cat, "a task's 6th code mail in an hour", p, clock.Now(), start.Add(time.Hour), lang, "", "")
	if ids := checkErrorSummary(t, p.doc); len(ids) != 1 || ids[0] != "code" ||
		!strings.Contains(htmlTextSpaced(inMust(t, p, "error-summary")), cat.T(lang, "task.err.code_rate")) {
		t.Errorf("error summary %q: %q", ids, htmlTextSpaced(inMust(t, p, "error-summary")))
	}
	// Refused tries count for the address too: 20 an hour.
	for i := workflow.TaskCodesPerHour + 1; i < 20; i++ {
		if p := b.post(tc.link+"/code", url.Values{}, true); p.status != http.StatusTooManyRequests {
			t.Fatalf("code mail %d: %d", i+1, p.status)
		}
	}
	clock.Advance(time.Minute)
	p = b.post(tc.link+"/code", url.Values{}, true)
	limitedAt(t, cat, "21st code mail from an address", p, clock.Now(), start.Add(time.Hour), lang, "error-message", cat.T(lang, "error.ratelimit"))

	start = clock.Now()
	b.get(tc.link)
	for i := 0; i < 30; i++ {
		if p := b.post(tc.link+"/verify", url.Values{"code": {"000000"}}, true); p.status == http.StatusTooManyRequests || p.status == http.StatusSeeOther {
			t.Fatalf("try %d: %d", i+1, p.status)
		}
		if i == 0 {
			clock.Advance(90 * time.Second)
		}
	}
	p = b.post(tc.link+"/verify", url.Values{"code": {"000000"}}, true)
	limitedAt(t, cat, "31st task code try", p, clock.Now(), start.Add(10*time.Minute), lang, "error-message", cat.T(lang, "error.ratelimit"))
}
