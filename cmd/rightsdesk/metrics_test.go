package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
)

var metricsAddrRe = regexp.MustCompile(`(?:msg=metrics addr=|"msg":"metrics","addr":")([^\s"]+)`)

func metricsAddr(t *testing.T, p *proc) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := metricsAddrRe.FindStringSubmatch(p.output()); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no metrics address in the log:\n%s", p.output())
	return ""
}

func statusOf(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Issue 22: the embedded default logs text and serves /metrics on
// METRICS_LISTEN only (not on the main server), with the embedded
// cluster's restarts and DATA_DIR's free space.
func TestServeMetricsListenEmbedded(t *testing.T) {
	t.Parallel()
	p := start(t, []string{"METRICS_LISTEN=127.0.0.1:0"}, "--data-dir", dataDir(t))
	body := get(t, "http://"+metricsAddr(t, p)+"/metrics")
	for _, want := range []string{"rightsdesk_embedded_postgres_restarts_total 0", "rightsdesk_data_dir_free_bytes ",
		`rightsdesk_open_cases{band="overdue",org="`, "rightsdesk_database_up 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+"/metrics", nil)
	if code := statusOf(t, req); code == http.StatusOK {
		t.Error("/metrics also served on the main server without METRICS_TOKEN")
	}
	if !strings.Contains(p.output(), "level=INFO msg=serving") {
		t.Errorf("embedded default should log text:\n%s", p.output())
	}
	p.stop(t, syscall.SIGTERM)
}

// Issue 22: with DATABASE_URL logs are JSON lines by default, the access
// log names route patterns only (D-18), and METRICS_TOKEN serves /metrics
// on the main server to its bearer.
func TestServeJSONLogsAndMetricsToken(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789"
	p := start(t, []string{"DATABASE_URL=" + pgtest.ConnString(t), "SECRET_KEY=" + strings.Repeat("cd", 32),
		"SMTP_URL=catcher", "METRICS_TOKEN=" + token}, "--data-dir", dataDir(t))
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+"/fi/o/espoo/status?r=RD-2026-000123", nil)
	statusOf(t, req) // no such organisation without the seed: the route still matched
	req, _ = http.NewRequest(http.MethodGet, "http://"+p.addr+"/metrics", nil)
	if code := statusOf(t, req); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", code)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if code := statusOf(t, req); code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", code)
	}
	p.stop(t, syscall.SIGTERM)
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(p.output()), "\n") {
		if !strings.HasPrefix(l, "{") {
			continue // the welcome text on stdout
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", l)
		}
		lines++
	}
	out := p.output()
	if lines < 3 || !strings.Contains(out, `"msg":"http"`) || !strings.Contains(out, `"route":"/:lang/o/:org/status"`) {
		t.Fatalf("JSON access log missing:\n%s", out)
	}
	if strings.Contains(out, "RD-2026-000123") || strings.Contains(out, "level=INFO") {
		t.Fatalf("a query string or a text line in the JSON log:\n%s", out)
	}
}
