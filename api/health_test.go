package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/riverqueue/river"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/migrations"
)

func getJSON(t *testing.T, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: not JSON: %q", path, rec.Body.String())
	}
	return rec.Code, body
}

// Issue 3: /healthz says the process is up; /readyz says the database
// answers, its migrations are current, and when the heartbeat job last ran.
func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	h := env.Server().Handler()
	if code, body := getJSON(t, h, "/healthz"); code != 200 || body["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, body)
	}
	code, body := getJSON(t, h, "/readyz")
	if code != 200 || body["database"] != "ok" || body["migrations"] != "ok" {
		t.Fatalf("readyz: %d %v", code, body)
	}
	if _, ok := body["last_sweep"]; ok {
		t.Fatal("no heartbeat has run yet, but readyz reports one")
	}
	// The periodic heartbeat job, run through its worker, shows up.
	// Scheduled on the test clock, never the real one: no test may depend
	// on today's date.
	if _, err := env.River.Insert(context.Background(), jobargs.Heartbeat{}, &river.InsertOpts{ScheduledAt: env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if n := env.WorkAll("heartbeat"); n != 1 {
		t.Fatalf("heartbeat jobs worked: %d", n)
	}
	if _, body := getJSON(t, h, "/readyz"); body["last_sweep"] == nil {
		t.Fatalf("readyz after heartbeat: %v", body)
	}
	// A pending migration makes the instance not ready.
	if err := migrations.Down(context.Background(), env.Pool, 1); err != nil {
		t.Fatal(err)
	}
	if code, body := getJSON(t, h, "/readyz"); code != http.StatusServiceUnavailable || body["migrations"] != "pending" {
		t.Fatalf("readyz with a pending migration: %d %v", code, body)
	}
	// Unreachable database.
	env.Pool.Close()
	if code, body := getJSON(t, h, "/readyz"); code != http.StatusServiceUnavailable || body["database"] != "unreachable" {
		t.Fatalf("readyz without database: %d %v", code, body)
	}
}
