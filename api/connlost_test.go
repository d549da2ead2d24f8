package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/api"
	"rightsdesk/internal/testenv"
)

// Issue 22 (store: mapErr on every query): when the connection a page's
// query runs on dies (its backend terminated, as in a database restart),
// the page answers the localized "try again" 503 with Retry-After, not a
// 500. The catalogue page is the representative: a resident reaches it
// first, and its queries go through the store alone.
func TestQueryConnectionDiesAnswers503(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	env.Register(org.ID, "Kirjaston asiakasrekisteri", "a", "")
	cfg, err := pgxpool.ParseConfig(env.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	// One connection, never pinged on acquire: the page's query is what
	// meets the dead connection.
	cfg.MaxConns, cfg.MinConns = 1, 0
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(env.Ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv, err := api.New(api.Deps{Config: env.Config, Pool: pool, Logger: env.Logger, Catalog: env.Catalog, Keys: env.Keys,
		Workflow: env.Workflow, Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sv/o/espoo/", nil))
		return rec
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Fatalf("catalogue before: %d", rec.Code)
	}
	c, err := pool.Acquire(env.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	pid := c.Conn().PgConn().PID()
	c.Release()
	if _, err := env.Pool.Exec(env.Ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend %d still there", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rec := get()
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("catalogue on a dead connection: %d, want 503:\n%.500s", rec.Code, rec.Body.String())
	}
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}
	body := rec.Body.String()
	if !strings.Contains(body, env.Catalog.T("sv", "error.unavailable")) && !strings.Contains(body, env.Catalog.T("sv", "error.unavailable_unknown")) {
		t.Errorf("the 503 page does not say to try again in Swedish:\n%.800s", body)
	}
	// The pool makes a new connection: the next request is served.
	if rec := get(); rec.Code != http.StatusOK {
		t.Errorf("catalogue after: %d", rec.Code)
	}
}
