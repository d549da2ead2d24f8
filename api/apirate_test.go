package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rightsdesk/api"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// An API token may make API_RATE requests a second in bursts of twice
// that; past it the API answers 429 with Retry-After and a localized
// message, and the bucket refills with time. Each token has its own: one
// integration's loop does not stop another organisation's.
func TestAPIRate(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Config.APIRate = 2
	org, other := env.Org("espoo", "Espoo", "Esbo", "fi"), env.Org("vantaa", "Vantaa", "Vanda", "fi")
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now}
	token, err := auth.AddAPIToken(env.Ctx, org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	otherToken, err := auth.AddAPIToken(env.Ctx, other.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	h := env.Server().Handler()
	get := func(token string) (int, http.Header, map[string]any) {
		t.Helper()
		return apiGet(t, h, token)
	}
	for i := range 4 { // the burst: twice the rate
		if code, _, _ := get(token); code != http.StatusNotFound {
			t.Fatalf("request %d of the burst = %d, want 404 (unknown request)", i+1, code)
		}
	}
	code, hdr, out := get(token)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "1" || out["error"] != "error.ratelimit" {
		t.Fatalf("past the burst: %d, Retry-After %q, %v", code, hdr.Get("Retry-After"), out)
	}
	if msg, _ := out["message"].(string); !strings.HasPrefix(msg, env.Catalog.T("sv", "error.ratelimit")) || !strings.Contains(msg, "kl. 10.01") {
		t.Errorf("message %q, want the Swedish one with when to try again", msg)
	}
	if code, _, _ := get(otherToken); code != http.StatusNotFound {
		t.Errorf("another organisation's token = %d, want its own bucket", code)
	}
	// A second refills two requests.
	env.Clock.Advance(time.Second)
	for i := range 2 {
		if code, _, _ := get(token); code != http.StatusNotFound {
			t.Fatalf("request %d after a second = %d", i+1, code)
		}
	}
	if code, _, _ := get(token); code != http.StatusTooManyRequests {
		t.Errorf("third request after a second = %d, want 429", code)
	}
}

// apiGet asks h for an unknown request with token, in Swedish: 404 when
// the token is let through.
func apiGet(t *testing.T, h http.Handler, token string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/requests/RD-2026-999999", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "sv")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return rec.Code, rec.Header(), out
}

// D-24: two instances on one database spend one token's budget together
// (each used to have its own bucket, and two instances allowed twice the
// rate). An instance takes a lease of a tenth of a second's requests from
// the database at once and hands them out from memory.
func TestAPIRateSharedByInstances_D24(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Config.APIRate = 2
	org := env.Org("espoo", "Espoo", "Esbo", "fi")
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now}
	token, err := auth.AddAPIToken(env.Ctx, org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	instance := func() http.Handler {
		s, err := api.New(api.Deps{Config: env.Config, Pool: env.Pool, Logger: env.Logger, Catalog: env.Catalog,
			Keys: env.Keys, Workflow: env.Workflow, Catcher: env.Catcher, Now: env.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s.Handler()
	}
	one, two := instance(), instance()
	for i, h := range []http.Handler{one, two, one, two} { // the burst, shared
		if code, _, _ := apiGet(t, h, token); code != http.StatusNotFound {
			t.Fatalf("request %d of the burst = %d, want 404 (unknown request)", i+1, code)
		}
	}
	for name, h := range map[string]http.Handler{"one": one, "two": two} {
		if code, hdr, _ := apiGet(t, h, token); code != http.StatusTooManyRequests || hdr.Get("Retry-After") != "1" {
			t.Errorf("instance %s past the shared burst: %d, Retry-After %q; want 429", name, code, hdr.Get("Retry-After"))
		}
	}
	env.Clock.Advance(time.Second) // two more, for both instances together
	if code, _, _ := apiGet(t, two, token); code != http.StatusNotFound {
		t.Fatalf("after a second, instance two: %d", code)
	}
	if code, _, _ := apiGet(t, one, token); code != http.StatusNotFound {
		t.Fatalf("after a second, instance one: %d", code)
	}
	if code, _, _ := apiGet(t, two, token); code != http.StatusTooManyRequests {
		t.Fatalf("third request after a second: %d, want 429", code)
	}

	// A lease: at 30 a second an instance takes 3 requests at once, so
	// the bucket's row changes on the first request and the fourth.
	env.Config.APIRate = 30
	busy, err := auth.AddAPIToken(env.Ctx, org.ID, "e-service", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	h := instance()
	level := func() float64 {
		t.Helper()
		var l float64
		if err := env.Pool.QueryRow(env.Ctx, `SELECT r.level FROM api_rate r JOIN api_tokens t ON t.id = r.token_id WHERE t.name = 'e-service'`).Scan(&l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	for i, want := range []float64{57, 57, 57, 54} {
		if code, _, _ := apiGet(t, h, busy); code != http.StatusNotFound {
			t.Fatalf("busy token's request %d = %d", i+1, code)
		}
		if got := level(); got != want {
			t.Fatalf("after request %d the bucket holds %v, want %v (of a burst of 60, leases of 3)", i+1, got, want)
		}
	}
}
