package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"rightsdesk/api"
	"rightsdesk/internal/testenv"
	"rightsdesk/metrics"
)

func metricsServer(t *testing.T, env *testenv.Env, token string) *api.Server {
	t.Helper()
	cfg := env.Config
	cfg.MetricsToken = token
	s, err := api.New(api.Deps{Config: cfg, Pool: env.Pool, Logger: env.Logger, Catalog: env.Catalog, Keys: env.Keys,
		Workflow: env.Workflow, Catcher: env.Catcher, Now: env.Clock.Now,
		Metrics: metrics.New(metrics.Options{Pool: env.Pool, Now: env.Clock.Now})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func do(h http.Handler, method, path, auth string) (int, string) {
	req := httptest.NewRequest(method, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// Issue 22, D-18: /metrics on the main server answers only the bearer of
// METRICS_TOKEN, and counts requests by route pattern: a task link's
// token never becomes a label.
func TestMetricsOnMainServerBehindToken_D18(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const token = "0123456789abcdef0123"
	h := metricsServer(t, env, token).Handler()

	do(h, http.MethodGet, "/fi/t/SECRETtaskTOKEN42", "")
	do(h, http.MethodGet, "/healthz", "")
	for _, auth := range []string{"", "Bearer wrong-token-wrong-token", "Basic " + token, token} {
		if code, _ := do(h, http.MethodGet, "/metrics", auth); code != http.StatusUnauthorized {
			t.Errorf("/metrics with Authorization %q: %d, want 401", auth, code)
		}
	}
	code, body := do(h, http.MethodGet, "/metrics", "Bearer "+token)
	if code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d %s", code, body)
	}
	if strings.Contains(body, "SECRETtaskTOKEN42") {
		t.Fatal("a task token leaked into the metrics")
	}
	for _, want := range []string{
		`rightsdesk_http_requests_total{method="GET",route="/:lang/t/:token",status=`,
		`rightsdesk_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`rightsdesk_http_requests_total{method="GET",route="/metrics",status="401"} 4`,
		`rightsdesk_database_up 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// Without METRICS_TOKEN the main server has no /metrics at all.
	plain := env.Server().Handler()
	if code, _ := do(plain, http.MethodGet, "/metrics", "Bearer "+token); code == http.StatusOK {
		t.Fatal("/metrics served on the main server without METRICS_TOKEN")
	}
}

// Issue 22: a wrong password counts as a sign-in failure; the typed
// address never appears.
func TestMetricsCountLoginFailures(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const token = "0123456789abcdef0123"
	s := metricsServer(t, env, token)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	b := &stBrowser{t: t, base: ts.URL, c: testenv.Client()}
	if p := b.login("nobody@espoo.example", "not the password", ""); p.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", p.status)
	}
	_, body := do(s.Handler(), http.MethodGet, "/metrics", "Bearer "+token)
	if !strings.Contains(body, `rightsdesk_login_failures_total{reason="credentials"} 1`) {
		t.Errorf("login failure not counted:\n%s", body)
	}
	if strings.Contains(body, "nobody@") {
		t.Error("the typed address leaked into the metrics")
	}
}
