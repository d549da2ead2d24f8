package main

import (
	"bufio"
	"context"
	"net/url"

	"github.com/jackc/pgx/v5"
	"regexp"

	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds rightsdesk once per test run: the lifecycle tests run the
// real program as a user would.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rdbin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "rightsdesk")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// servingRe finds the address serve chose in its log: tests listen on port 0
// so no port is closed and reused by someone else in between.
// Text logs (embedded default) and JSON logs (DATABASE_URL) both.
var servingRe = regexp.MustCompile(`(?:msg=serving addr=|"msg":"serving","addr":")([^\s"]+)`)

type proc struct {
	cmd  *exec.Cmd
	out  *strings.Builder
	mu   *sync.Mutex
	done chan error
	addr string
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs `rightsdesk serve` and waits until /readyz answers 200.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := launch(t, env, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	deadline := time.Now().Add(3 * time.Minute) // initdb and the seed import take a minute on a loaded 2-core machine
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("serve exited early: %v\n%s", err, p.output())
		default:
		}
		if p.addr == "" {
			if m := servingRe.FindStringSubmatch(p.output()); m != nil {
				p.addr = m[1]
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serve did not become ready:\n%s", p.output())
	return nil
}

// launch runs the binary with args (a subcommand and its flags), its
// output collected, killed at the end of the test if still running.
func launch(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	p := &proc{cmd: cmd, out: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if sig == syscall.SIGTERM && err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, p.output())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop on %v", sig)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return string(b)
}

func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rdserve")
	if err != nil {
		t.Fatal(err)
	}
	// postgres (we run initdb as that user when root) must traverse it.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Issue 3: the embedded default starts, stops cleanly, restarts on the
// same data, and survives a kill -9.
func TestServeEmbeddedLifecycle(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	p := start(t, nil, "--data-dir", dir)
	out := p.output()
	if !strings.Contains(out, "rightsdesk is running at http://") || !strings.Contains(out, "/staff/login") ||
		!strings.Contains(out, "Resident form (en)") {
		t.Fatalf("welcome text missing:\n%s", out)
	}
	// Issue 19, D-29: at first start nobody is a platform administrator,
	// and the welcome says how to make one.
	const adminHint = "rightsdesk user platform-admin --email dpo@"
	if !strings.Contains(out, adminHint) {
		t.Errorf("no platform administrator hint at first start:\n%s", out)
	}
	demoEmail := regexp.MustCompile(`(?m)^\s+\S+\s+(\S+@\S+)\s`).FindStringSubmatch(out)
	if demoEmail == nil {
		t.Fatalf("no demo account in the welcome:\n%s", out)
	}
	if !strings.Contains(get(t, "http://"+p.addr+"/fi/"), "Tee tietosuojapyyntö") {
		t.Fatal("home page")
	}
	// A command beside the running server shares its database instead of
	// stopping it; a second server on the same data refuses to start.
	out2, err := exec.Command(binary(t), "migrate", "status", "--data-dir", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out2), "applied") {
		t.Fatalf("migrate status beside serve: %v\n%s", err, out2)
	}
	if !strings.Contains(get(t, "http://"+p.addr+"/readyz"), `"database":"ok"`) {
		t.Fatal("serve lost its database to a command run beside it")
	}
	out2, err = exec.Command(binary(t), "serve", "--data-dir", dir, "--listen", "127.0.0.1:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out2), "in use") {
		t.Fatalf("second serve on the same data: %v\n%s", err, out2)
	}
	key1, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatalf("D-17: no generated key: %v", err)
	}
	p.stop(t, syscall.SIGTERM)

	if out, err := exec.Command(binary(t), "user", "platform-admin", "--email", demoEmail[1], "--data-dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("user platform-admin: %v\n%s", err, out)
	}

	// Second start reuses the cluster and the key; a platform
	// administrator exists now, so no hint.
	p = start(t, nil, "--data-dir", dir)
	if strings.Contains(p.output(), adminHint) {
		t.Errorf("platform administrator hint although one exists:\n%s", p.output())
	}
	key2, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	if string(key1) != string(key2) {
		t.Fatal("secret key regenerated on restart")
	}
	if strings.Contains(p.output(), "initialized new cluster") {
		t.Fatal("cluster re-initialised on restart")
	}
	// kill -9 leaves a stale postmaster.pid; the next start still works.
	p.stop(t, syscall.SIGKILL)
	p = start(t, nil, "--data-dir", dir)
	if !strings.Contains(get(t, "http://"+p.addr+"/readyz"), `"migrations":"ok"`) {
		t.Fatal("readyz after kill -9")
	}
	p.stop(t, syscall.SIGTERM)
}

// DATABASE_URL pointing at another server is honoured: no embedded
// cluster is created.
func TestServeHonoursDatabaseURL(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	dsn := pgtest.ConnString(t)
	key := strings.Repeat("ab", 32)
	// Without SMTP_URL it refuses to start (issue 16, item 1): no silent
	// catcher holding every organisation's mail.
	code, _, errOut := run(t, func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "SECRET_KEY":
			return key
		}
		return ""
	}, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "SMTP_URL") {
		t.Fatalf("serve with DATABASE_URL and no SMTP_URL: %d %q", code, errOut)
	}
	p := start(t, []string{"DATABASE_URL=" + dsn, "SECRET_KEY=" + key, "SMTP_URL=catcher"}, "--data-dir", dir)
	body := get(t, "http://"+p.addr+"/readyz")
	if !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("readyz: %s", body)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg")); !os.IsNotExist(err) {
		t.Fatalf("embedded cluster created despite DATABASE_URL: %v", err)
	}
	p.stop(t, syscall.SIGTERM)
	// Issue 16: DATABASE_URL alone keeps working as the owner, with one
	// warning that the role could change the audit trail.
	if n := strings.Count(p.output(), "owns the schema"); n != 1 {
		t.Errorf("owner warning %d times, want 1:\n%s", n, p.output())
	}
	// Without SECRET_KEY it refuses to start (D-17).
	code, _, errOut = run(t, func(k string) string {
		if k == "DATABASE_URL" {
			return dsn
		}
		return ""
	}, "serve", "--listen", "127.0.0.1:0")
	if code == 0 || !strings.Contains(errOut, "SECRET_KEY") {
		t.Fatalf("serve without key: %d %q", code, errOut)
	}

}

// Issue 16: with MIGRATE_DATABASE_URL the migrations run as the owner and
// the server as DATABASE_URL's role, which gets its grants at start and
// cannot change the audit trail; no owner warning.
func TestServeMigrateDatabaseURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := dataDir(t)
	ownerDSN := pgtest.ConnString(t)
	owner, err := pgx.Connect(ctx, ownerDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	role := fmt.Sprintf("rd_ext_%d", time.Now().UnixNano())
	if _, err := owner.Exec(ctx, `CREATE ROLE `+role+` LOGIN PASSWORD 'pw-not-secret'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), ownerDSN)
		if err == nil {
			_, _ = c.Exec(context.Background(), `DROP OWNED BY `+role)
			_, _ = c.Exec(context.Background(), `DROP ROLE `+role)
			c.Close(context.Background())
		}
	})
	appDSN := withUser(t, ownerDSN, role, "pw-not-secret")
	key := strings.Repeat("cd", 32)
	p := start(t, []string{"DATABASE_URL=" + appDSN, "MIGRATE_DATABASE_URL=" + ownerDSN, "SECRET_KEY=" + key, "SMTP_URL=catcher"}, "--data-dir", dir)
	if body := get(t, "http://"+p.addr+"/readyz"); !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("readyz: %s", body)
	}
	var conns int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND usename = $1`, role).Scan(&conns); err != nil || conns == 0 {
		t.Fatalf("server connections as %s: %d %v", role, conns, err)
	}
	p.stop(t, syscall.SIGTERM)
	if strings.Contains(p.output(), "owns the schema") {
		t.Errorf("owner warning with MIGRATE_DATABASE_URL:\n%s", p.output())
	}
	app, err := pgx.Connect(ctx, appDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close(ctx)
	var orgs int
	if err := app.QueryRow(ctx, `SELECT count(*) FROM organisations`).Scan(&orgs); err != nil {
		t.Fatalf("the app role cannot read: %v", err)
	}
	for _, q := range []string{`DELETE FROM audit_events`, `TRUNCATE audit_events`, `ALTER TABLE audit_events DISABLE TRIGGER ALL`} {
		if _, err := app.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "denied") && !strings.Contains(err.Error(), "owner") {
			t.Errorf("%s as the app role: %v", q, err)
		}
	}
	// MIGRATE_DATABASE_URL without DATABASE_URL is refused.
	code, _, errOut := run(t, func(k string) string {
		if k == "MIGRATE_DATABASE_URL" {
			return ownerDSN
		}
		return ""
	}, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "MIGRATE_DATABASE_URL") {
		t.Fatalf("MIGRATE_DATABASE_URL alone: %d %q", code, errOut)
	}
}

// withUser returns dsn connecting as user with password.
func withUser(t *testing.T, dsn, user, password string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, password)
		return u.String()
	}
	return dsn + " user=" + user + " password=" + password // keyword/value: the last one wins
}
