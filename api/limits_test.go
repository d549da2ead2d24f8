package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/api"
)

// rateLimitRows counts the rows of the public pages' limit table.
func rateLimitRows(t *testing.T, f *inFixture) int {
	t.Helper()
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 22, D-24: two servers on one database share the form's limits. The
// per-email limit (5 a day) is reached with 3 submissions on A and 2 on B;
// the 6th, on B, is refused with 429 and a Retry-After that counts from
// the first submission on A. The periodic sweep deletes ended windows, and
// once the day has passed the address may submit again. The table holds
// no address and no email.
func TestRateLimitsHoldAcrossInstances(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	env := f.env
	srvB, err := api.New(api.Deps{
		Config: env.Config, Pool: env.Pool, Logger: env.Logger, Catalog: env.Catalog, Keys: env.Keys,
		Workflow: env.Workflow, Catcher: env.Catcher, Now: env.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	onB := func(ip string) *inBrowser {
		jar, _ := cookiejar.New(nil)
		return &inBrowser{t: t, h: srvB.Handler(), jar: jar, ip: ip}
	}
	const email = "jaettu.raja@example.test"
	start := env.Clock.Now()
	for i := range 3 {
		if p := f.submit(f.browser(t, "10.20.0."+strconv.Itoa(i+1)), "fi", inMinimal("fi", email, "access")); p.status != http.StatusSeeOther {
			t.Fatalf("submission %d on A: %d", i+1, p.status)
		}
	}
	env.Clock.Advance(30 * time.Minute)
	for i := range 2 {
		if p := f.submit(onB("10.20.1."+strconv.Itoa(i+1)), "fi", inMinimal("fi", email, "access")); p.status != http.StatusSeeOther {
			t.Fatalf("submission %d on B: %d", i+4, p.status)
		}
	}
	p := f.submit(onB("10.20.1.9"), "fi", inMinimal("fi", email, "access"))
	want := strconv.Itoa(int(start.Add(24 * time.Hour).Sub(env.Clock.Now()).Seconds()))
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != want || htmlByID(p.doc, "not-stored") == nil {
		t.Fatalf("6th submission (on B after 3 on A and 2 on B): %d, Retry-After %q (want %s)", p.status, p.header.Get("Retry-After"), want)
	}
	if n := f.cases(t); n != 5 {
		t.Fatalf("%d cases stored, want 5", n)
	}
	// A is refused too: one count, whichever server asks.
	if p := f.submit(f.browser(t, "10.20.0.9"), "fi", inMinimal("fi", email, "access")); p.status != http.StatusTooManyRequests {
		t.Fatalf("7th submission, on A: %d", p.status)
	}

	// Personal data never in clear: every row is a keyed hash, a window and
	// a count.
	rows, err := env.Pool.Query(env.Ctx, `SELECT r::text FROM rate_limits r`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{"10.20.", "jaettu", "example.test"} {
			if strings.Contains(text, clear) {
				t.Fatalf("rate_limits row %q holds %q", text, clear)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	// 7 address windows (an hour each) and the email's (a day).
	if n := rateLimitRows(t, f); n != 8 {
		t.Fatalf("%d rate_limits rows, want 8", n)
	}
	env.Clock.Set(start.Add(90 * time.Minute)) // every address window has ended
	if err := env.Workflow.Sweep(env.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := rateLimitRows(t, f); n != 1 {
		t.Fatalf("after the sweep: %d rows, want the email's window only", n)
	}
	if p := f.submit(onB("10.20.1.10"), "fi", inMinimal("fi", email, "access")); p.status != http.StatusTooManyRequests {
		t.Fatalf("the email's window outlived the sweep: %d", p.status)
	}
	env.Clock.Set(start.Add(24 * time.Hour))
	if err := env.Workflow.Sweep(env.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := rateLimitRows(t, f); n != 0 {
		t.Fatalf("after the day: %d rows, want 0", n)
	}
	if p := f.submit(onB("10.20.1.11"), "fi", inMinimal("fi", email, "access")); p.status != http.StatusSeeOther {
		t.Fatalf("a day after the first submission: %d", p.status)
	}
}

// Issue 22: the JSON API's intake (POST /api/v1/requests with a token) is
// not rate-limited (the token names the integration that answers for its
// traffic), so moving the limits into the database adds no round trip to
// it: it writes nothing to rate_limits.
func TestV1RequestsAreNotRateLimited(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	for i := range 7 { // more than the form's 5 per email a day
		body := `{"rights":["access"],"name":"Maija Meikäläinen","email":"api.raja@example.test","lang":"fi"}`
		if code, _, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body); code != http.StatusCreated {
			t.Fatalf("API request %d: %d %s", i+1, code, raw)
		}
	}
	if n := rateLimitRows(t, f.inFixture); n != 0 {
		t.Fatalf("the API intake touched rate_limits: %d rows", n)
	}
}
