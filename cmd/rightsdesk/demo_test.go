package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// rightsdesk demo --org SLUG --cases N (issue 21): adds sealed cases with
// a progress line on stderr; the audit trail verifies afterwards; an
// unknown organisation, a missing count or, beside several organisations,
// a missing --org is refused.
func TestDemoCommand(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	code, stdout, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "300", "--years", "2", "--seed", "5")
	if code != 0 || !strings.Contains(stdout, "added 300 demo cases to espoo") || !strings.Contains(stderr, "demo: 300/300 cases (100%)") ||
		!strings.Contains(stderr, "demo: statistics refreshed in ") {
		t.Fatalf("demo: %d %q %q", code, stdout, stderr)
	}
	var n int
	var oldest string
	if err := pool.QueryRow(context.Background(), `SELECT count(*), min(received_at)::date::text FROM cases c JOIN organisations o ON o.id = c.org_id
		WHERE o.slug = 'espoo' AND received_at > now() - interval '2 years 1 day'`).Scan(&n, &oldest); err != nil || n != 300 {
		t.Fatalf("cases within --years 2: %d %v", n, err)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify", "--org", "espoo"); code != 0 ||
		!strings.Contains(stdout, "verified 300 chains") || !strings.Contains(stdout, "audit trail intact") ||
		!strings.Contains(stderr, "audit: 300/300 chains verified (100%)") {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}
	// The statistics count every demo case at once, also those of a second
	// run whose dates lie before the organisation's last refresh.
	// Without --years the cases are spread over the organisation's
	// retention (D-28): the server's purge has none of them to take.
	if code, stdout, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "100", "--seed", "6"); code != 0 {
		t.Fatalf("second demo: %d %q %q", code, stdout, stderr)
	} else if strings.Contains(stderr, "retention purge") || !strings.Contains(stderr, "demo: cases received over the last 2 years, espoo's retention") {
		t.Errorf("the default spread within a 2-year retention: %q", stderr)
	}
	if due, err := store.New(pool).CasesDueForPurge(context.Background(), time.Now(), 1_000_000); err != nil || len(due) != 0 {
		t.Fatalf("after the demo the retention purge would take %d cases (%v)", len(due), err)
	}
	var counted, source int
	if err := pool.QueryRow(context.Background(), `SELECT
			(SELECT coalesce(sum(received), 0) FROM stats_monthly s JOIN organisations o ON o.id = s.org_id WHERE o.slug = 'espoo' AND dimension = 'all'),
			(SELECT count(*) FROM stats_source s JOIN organisations o ON o.id = s.org_id WHERE o.slug = 'espoo')`).Scan(&counted, &source); err != nil {
		t.Fatal(err)
	}
	if source < 350 || counted != source {
		t.Fatalf("statistics after two demo runs count %d requests; the cases give %d", counted, source)
	}
	// Beside this test's own connections, auto keeps the indexes and says
	// why; --indexes rebuild drops and rebuilds them (issue 21).
	if !strings.Contains(stderr, "demo: indexes kept: ") || !strings.Contains(stderr, "other client connection(s)") {
		t.Fatalf("first demo beside other clients: %q", stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "20", "--years", "3", "--indexes", "rebuild"); code != 0 ||
		!strings.Contains(stderr, "indexes rebuilt after the load (--indexes rebuild)") || !strings.Contains(stderr, "demo: rebuilt ") ||
		!strings.Contains(stderr, "espoo keeps closed requests 2 years; the server's retention purge") { // --years 3 asked for (D-28)
		t.Fatalf("demo --indexes rebuild: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "5", "--indexes", "sometimes"); code != 1 || !strings.Contains(stderr, "--indexes") {
		t.Fatalf("--indexes sometimes: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "nowhere", "--cases", "5"); code != 1 || !strings.Contains(stderr, "nowhere") {
		t.Fatalf("unknown org: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo", "--cases", "5", "--years", "-1"); code != 1 || !strings.Contains(stderr, "--years") {
		t.Fatalf("--years -1: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "espoo"); code != 1 || !strings.Contains(stderr, "--cases N") {
		t.Fatalf("no count: %d %q", code, stderr)
	}
	// The issue's `rightsdesk demo --cases N` with two organisations: the
	// answer names them, and nothing is added.
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--cases", "5"); code != 1 ||
		!strings.Contains(stderr, "--org: which organisation? (known: espoo, vantaa)") {
		t.Fatalf("no --org beside two organisations: %d %q", code, stderr)
	}
}

// A new user who runs the demo before the server has ever started (no
// organisation at all) is told how to get one, not only that it is
// missing.
func TestDemoOnAnEmptyInstallationSaysWhatToDo(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "SECRET_KEY":
			return testSecretKey
		case "LOG_LEVEL":
			return "error"
		}
		return ""
	}
	code, _, stderr := runWithInput(t, getenv, "", "demo", "--org", "jakobstad", "--cases", "5")
	if code != 1 || !strings.Contains(stderr, `no organisation "jakobstad": there are none yet`) || !strings.Contains(stderr, "make run") ||
		strings.Contains(stderr, "nothing imported") {
		t.Fatalf("demo on an empty installation: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "demo", "--cases", "5"); code != 1 ||
		!strings.Contains(stderr, "--org: which organisation? there are none yet") {
		t.Fatalf("demo without --org on an empty installation: %d %q", code, stderr)
	}
	// With one organisation, --org may be left out (the issue's own
	// `rightsdesk demo --cases N`).
	if code, _, stderr := runWithInput(t, getenv, "", "org", "add", "--slug", "pietarsaari", "--name-fi", "Pietarsaari",
		"--name-sv", "Jakobstad", "--primary", "sv"); code != 0 {
		t.Fatalf("org add: %d %q", code, stderr)
	}
	code, stdout, stderr := runWithInput(t, getenv, "", "demo", "--cases", "5", "--seed", "3")
	if code != 0 || !strings.Contains(stderr, "demo: --org left out: adding to pietarsaari, the only organisation") ||
		!strings.Contains(stdout, "added 5 demo cases to pietarsaari") {
		t.Fatalf("demo without --org beside one organisation: %d %q %q", code, stdout, stderr)
	}
}
