package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// postmasterPid reads the pid of the server running on dataDir/pg.
func postmasterPid(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		t.Fatalf("postmaster.pid: %q", first)
	}
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func status(url string) (int, string, http.Header) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error(), nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// Issue 22: kill -9 of the embedded postmaster under a running serve: the
// server restarts it by itself, requests meanwhile get 503 with
// Retry-After (never 500), /healthz stays 200, and a request after the
// recovery succeeds.
func TestServeRecoversFromKilledPostmaster(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	p := start(t, nil, "--data-dir", dir)
	base := "http://" + p.addr
	old := postmasterPid(t, dir)
	t0 := time.Now()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	codes := map[int]int{}
	var recovered time.Duration
	for time.Since(t0) < 60*time.Second {
		code, body, h := status(base + "/fi/")
		codes[code]++
		if code == http.StatusInternalServerError {
			t.Fatalf("500 during the outage:\n%s", body)
		}
		if code == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
		if code == http.StatusOK && time.Since(t0) > 50*time.Millisecond {
			if rc, _, _ := status(base + "/readyz"); rc == http.StatusOK {
				recovered = time.Since(t0)
				break
			}
		}
		if hc, _, _ := status(base + "/healthz"); hc != http.StatusOK {
			t.Fatalf("healthz %d during a restart that succeeds", hc)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if recovered == 0 {
		t.Fatalf("not recovered within 60s; answers %v\n%s", codes, p.output())
	}
	if pid := postmasterPid(t, dir); pid == old || !alive(pid) {
		t.Fatalf("postmaster not replaced: old %d new %d", old, pid)
	}
	for i := 0; !strings.Contains(p.output(), "pgembed: PostgreSQL restarted"); i++ {
		if i == 100 {
			t.Fatalf("restart not logged:\n%s", p.output())
		}
		time.Sleep(50 * time.Millisecond) // logged just after the server accepts connections
	}
	for _, l := range strings.Split(p.output(), "\n") {
		if strings.Contains(l, "pgembed: ") && !strings.Contains(l, "initialized new cluster") {
			t.Log(l)
		}
	}
	t.Logf("recovered %s after kill -9 (answers while recovering: %v)", recovered.Round(time.Millisecond), codes)
	// A request after recovery that writes: the welcome page and an
	// integration token created beside the server.
	if !strings.Contains(get(t, base+"/fi/"), "Tee tietosuojapyyntö") {
		t.Fatal("home page after recovery")
	}
	out, err := exec.Command(binary(t), "token", "add", "--org", "kokkola", "--name", "after-restart", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("token add after recovery: %v\n%s", err, out)
	}
	p.stop(t, syscall.SIGTERM)
}

// Issue 22: after an operator's `pg_ctl restart` of the embedded cluster,
// a command run beside the server (token add) never stops the cluster it
// did not start, and serve keeps working.
func TestCommandBesideServeNeverStopsRestartedCluster(t *testing.T) {
	t.Parallel()
	pgCtl, err := exec.LookPath("pg_ctl")
	if err != nil {
		t.Fatalf("pg_ctl not installed (scripts/deps.sh installs postgresql): %v", err)
	}
	dir := dataDir(t)
	p := start(t, nil, "--data-dir", dir)
	base := "http://" + p.addr
	pgDir := filepath.Join(dir, "pg")
	t.Cleanup(func() {
		// A server pg_ctl started outlives serve by design: stop it here.
		if b, err := os.ReadFile(filepath.Join(pgDir, "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if pid, _ := strconv.Atoi(strings.TrimSpace(first)); pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGQUIT)
			}
		}
	})
	ctl := exec.Command(pgCtl, "-D", pgDir, "-w", "-m", "fast", "-l", filepath.Join(pgDir, "pgctl.log"), "restart")
	if os.Geteuid() == 0 {
		ctl = exec.Command("runuser", "-u", "postgres", "--", pgCtl, "-D", pgDir, "-w", "-m", "fast", "-l", filepath.Join(pgDir, "pgctl.log"), "restart")
	}
	out, err := ctl.CombinedOutput()
	// pg_ctl and serve's supervisor race to start the server: either wins,
	// and pg_ctl reports failure when the supervisor was first.
	t.Logf("pg_ctl restart: %v\n%s", err, out)
	t0 := time.Now()
	for {
		if rc, _, _ := status(base + "/readyz"); rc == http.StatusOK {
			break
		}
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("serve not ready after pg_ctl restart:\n%s", p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	pid := postmasterPid(t, dir)
	out, err = exec.Command(binary(t), "token", "add", "--org", "kokkola", "--name", "beside", "--data-dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("token add beside serve: %v\n%s", err, out)
	}
	time.Sleep(200 * time.Millisecond)
	if !alive(pid) || postmasterPid(t, dir) != pid {
		t.Fatalf("token add stopped the cluster (pid %d)", pid)
	}
	if rc, body, _ := status(base + "/readyz"); rc != http.StatusOK {
		t.Fatalf("serve lost its database to token add: %d %s", rc, body)
	}
	if rc, _, _ := status(base + "/fi/"); rc != http.StatusOK {
		t.Fatalf("home page after token add: %d", rc)
	}
	p.stop(t, syscall.SIGTERM)
}
