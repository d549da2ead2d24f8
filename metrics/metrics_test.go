package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/metrics"
	"rightsdesk/workflow"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body.String())
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// value returns the sample of the exact series line "name{labels}", or
// fails naming what the scrape had.
func value(t *testing.T, body, series string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no series %s in:\n%s", series, grep(body, "rightsdesk_"))
	}
	return m[1]
}

func grep(body, prefix string) string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func exec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var seq int

// addCase inserts a case directly: this test is about counting, not intake.
func addCase(t *testing.T, pool *pgxpool.Pool, org int64, state string, confirmed bool, due, extended string) {
	t.Helper()
	seq++
	var ext any
	if extended != "" {
		ext = extended
	}
	var conf any
	if confirmed {
		conf = time.Now()
	}
	exec(t, pool, `INSERT INTO cases (org_id, receipt, rights, lang, channel, state, received_at, confirmed_at,
		raw_end, legal_due, safe_target, extended_due, closed_at)
		VALUES ($1, 'RD-T-' || $2::int, '{access}', 'fi', 'web', $3, now(), $4, $5, $5, $5, $6,
		CASE WHEN $3 = 'closed' THEN now() END)`, org, seq, state, conf, due, ext)
}

// Issue 22: open cases by urgency band and organisation, counted as the
// dashboard counts them (open states, confirmed; effective due date D-13),
// with the outbox, River jobs and the audit trail, read at scrape time and
// cached for CacheTTL.
func TestDatabaseGauges(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	var espoo, vantaa int64
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (slug, name_fi, name_sv) VALUES ('espoo', 'Espoo', 'Esbo') RETURNING id`).Scan(&espoo); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (slug, name_fi, name_sv) VALUES ('vantaa', 'Vantaa', 'Vanda') RETURNING id`).Scan(&vantaa); err != nil {
		t.Fatal(err)
	}
	// Today is 2026-03-03 in Helsinki.
	clk := &clock{t: time.Date(2026, 3, 3, 10, 0, 0, 0, workflow.Helsinki())}
	addCase(t, pool, espoo, "in_progress", true, "2026-03-02", "")        // overdue
	addCase(t, pool, espoo, "received", true, "2026-02-20", "")           // overdue
	addCase(t, pool, espoo, "paused", true, "2026-03-01", "2026-04-30")   // extended: later
	addCase(t, pool, espoo, "answer_ready", true, "2026-03-10", "")       // week (today + 7)
	addCase(t, pool, espoo, "in_progress", true, "2026-03-11", "")        // later
	addCase(t, pool, espoo, "closed", true, "2026-01-01", "")             // closed: not counted
	addCase(t, pool, espoo, "awaiting_identity", false, "2026-01-01", "") // unconfirmed web: not a case yet (D-8)
	exec(t, pool, `INSERT INTO outbox (org_id, kind, to_addr, lang, subject, text_body, html_body, message_id, state, created_at, first_failed_at)
		VALUES ($1, 'k', 'a@b.test', 'fi', 's', 't', 'h', 'm1', 'pending', $2, $2),
		       ($1, 'k', 'a@b.test', 'fi', 's', 't', 'h', 'm2', 'pending', $3, NULL),
		       ($1, 'k', 'a@b.test', 'fi', 's', 't', 'h', 'm3', 'failed', $3, NULL),
		       ($1, 'k', 'a@b.test', 'fi', 's', 't', 'h', 'm4', 'sent', $4, NULL)`,
		espoo, clk.Now().Add(-10*time.Minute), clk.Now().Add(-time.Minute), clk.Now().Add(-time.Hour))
	exec(t, pool, `INSERT INTO river_job (kind, args, state, max_attempts, queue, priority, scheduled_at)
		VALUES ('deliver_mail', '{}', 'available', 25, 'default', 1, now()),
		       ('deliver_mail', '{}', 'available', 25, 'default', 1, now()),
		       ('deliver_mail', '{}', 'retryable', 25, 'default', 1, now())`)
	exec(t, pool, `INSERT INTO audit_heads (org_id, case_id, seq, hash, broken_seq, broken_reason) VALUES ($1, 1, 3, '\x00', 2, 'hash'), ($1, 2, 3, '\x00', 0, '')`, espoo)
	exec(t, pool, `INSERT INTO heartbeats (name, last_run_at) VALUES ('heartbeat', $1)`, clk.Now().Add(-time.Minute))

	m := metrics.New(metrics.Options{Pool: pool, Now: clk.Now, CacheTTL: time.Minute, Version: "test",
		Restarts: func() int64 { return 2 }, DataDir: t.TempDir()})
	body := scrape(t, m)
	for series, want := range map[string]string{
		`rightsdesk_open_cases{band="overdue",org="espoo"}`:                   "2",
		`rightsdesk_open_cases{band="week",org="espoo"}`:                      "1",
		`rightsdesk_open_cases{band="later",org="espoo"}`:                     "2",
		`rightsdesk_open_cases{band="overdue",org="vantaa"}`:                  "0",
		`rightsdesk_outbox_pending`:                                           "2",
		`rightsdesk_outbox_retrying`:                                          "1",
		`rightsdesk_outbox_oldest_pending_age_seconds`:                        "600",
		`rightsdesk_outbox_failed`:                                            "1",
		`rightsdesk_river_jobs{kind="deliver_mail",state="available"}`:        "2",
		`rightsdesk_river_jobs{kind="deliver_mail",state="retryable"}`:        "1",
		`rightsdesk_audit_chains_broken`:                                      "1",
		`rightsdesk_audit_last_checkpoint_timestamp_seconds`:                  "0",
		`rightsdesk_periodic_job_last_run_timestamp_seconds{job="heartbeat"}`: strconv.FormatFloat(float64(clk.Now().Add(-time.Minute).Unix()), 'g', -1, 64),
		`rightsdesk_database_up`:                                              "1",
		`rightsdesk_embedded_postgres_restarts_total`:                         "2",
		`rightsdesk_build_info{version="test"}`:                               "1",
		`rightsdesk_login_failures_total{reason="credentials"}`:               "0",
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if v := value(t, body, "rightsdesk_data_dir_free_bytes"); v == "-1" || v == "0" {
		t.Errorf("free bytes of DATA_DIR: %s", v)
	}

	// Within CacheTTL a scrape reuses the last read; after it, it reads anew.
	addCase(t, pool, vantaa, "received", true, "2026-03-01", "")
	clk.Add(30 * time.Second)
	if got := value(t, scrape(t, m), `rightsdesk_open_cases{band="overdue",org="vantaa"}`); got != "0" {
		t.Errorf("cached scrape: vantaa overdue %s, want 0", got)
	}
	clk.Add(31 * time.Second)
	if got := value(t, scrape(t, m), `rightsdesk_open_cases{band="overdue",org="vantaa"}`); got != "1" {
		t.Errorf("fresh scrape: vantaa overdue %s, want 1", got)
	}

	// The database gone: database_up says so, the rest of the page still serves.
	pool.Close()
	clk.Add(time.Minute)
	body = scrape(t, m)
	if got := value(t, body, "rightsdesk_database_up"); got != "0" {
		t.Errorf("database_up with a closed pool: %s", got)
	}
	if strings.Contains(body, "rightsdesk_open_cases{") {
		t.Error("stale open-case gauges served while the database is unreachable")
	}
}

// D-18: requests are counted by route pattern; unknown methods cannot add
// series; sign-in failures by reason.
func TestHTTPAndLoginCounters(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Pool: pgtest.NewPool(t)})
	m.ObserveHTTP("GET", "/:lang/t/:token", 200, 30*time.Millisecond)
	m.ObserveHTTP("GET", "/:lang/t/:token", 200, 2*time.Second)
	m.ObserveHTTP("BREW", "(unmatched)", 405, time.Millisecond)
	m.LoginFailed("credentials")
	m.LoginFailed("credentials")
	m.LoginFailed("limited")
	var nilM *metrics.Metrics
	nilM.ObserveHTTP("GET", "/", 200, time.Millisecond) // off: no panic
	nilM.LoginFailed("credentials")
	body := scrape(t, m)
	for series, want := range map[string]string{
		`rightsdesk_http_requests_total{method="GET",route="/:lang/t/:token",status="200"}`:               "2",
		`rightsdesk_http_requests_total{method="other",route="(unmatched)",status="405"}`:                 "1",
		`rightsdesk_http_request_duration_seconds_bucket{method="GET",route="/:lang/t/:token",le="0.05"}`: "1",
		`rightsdesk_http_request_duration_seconds_count{method="GET",route="/:lang/t/:token"}`:            "2",
		`rightsdesk_login_failures_total{reason="credentials"}`:                                           "2",
		`rightsdesk_login_failures_total{reason="limited"}`:                                               "1",
	} {
		if got := value(t, body, series); got != want {
			t.Errorf("%s = %s, want %s", series, got, want)
		}
	}
	if strings.Contains(body, "BREW") {
		t.Error("an invented method became a label")
	}
	if strings.Contains(body, "go_goroutines") == false || !strings.Contains(body, "rightsdesk_process_resident_memory_bytes") {
		t.Error("runtime and process collectors missing")
	}
}
