package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
