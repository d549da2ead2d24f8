package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/api"
	"rightsdesk/internal/testenv"
)

// Issue 22: while the database cannot be reached, pages answer a
// localized 503 with Retry-After (never a 500), the API says nothing was
// stored, and /healthz fails only when the health hook says the database
// cannot come back.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	// A real pool on a socket where no server listens: what a request sees
	// while the embedded server restarts.
	dead, err := pgxpool.New(context.Background(), "host=/nonexistent-rdsock port=1 user=postgres dbname=x sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	var healthErr error
	srv, err := api.New(api.Deps{
		Config: env.Config, Pool: dead, Logger: env.Logger, Catalog: env.Catalog, Keys: env.Keys,
		Workflow: env.Workflow, Now: env.Clock.Now, Health: func() error { return healthErr },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	for lang, want := range map[string]string{
		"fi": env.Catalog.T("fi", "error.unavailable"),
		"sv": env.Catalog.T("sv", "error.unavailable"),
		"en": env.Catalog.T("en", "error.unavailable"),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+lang+"/", nil))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("%s: %d Retry-After %q", lang, rec.Code, rec.Header().Get("Retry-After"))
		}
		if strings.HasPrefix(want, "error.") || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%s: page lacks %q:\n%s", lang, want, rec.Body.String())
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer rdt_"+strings.Repeat("a", 40))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]string
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || body["error"] != "error.unavailable" || body["outcome"] != "not_stored" || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("API during outage: %d %v", rec.Code, body)
	}
	if code, _ := getJSON(t, h, "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz during a restart that may still succeed: %d", code)
	}
	healthErr = errors.New("down for good")
	if code, b := getJSON(t, h, "/healthz"); code != http.StatusServiceUnavailable || b["status"] != "down" {
		t.Fatalf("healthz when the database cannot come back: %d %v", code, b)
	}
}
