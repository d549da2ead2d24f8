package pgembed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// testDir returns a fresh directory that the postgres user can traverse
// (t.TempDir's parent is 0700, which as root would trigger relocation).
func testDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pgembedtest")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(logWriter{t}, nil))
}

// start starts a test cluster in dataDir, stopped at the end of the test.
func start(t *testing.T, dataDir string) *Cluster {
	t.Helper()
	t0 := time.Now()
	c, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Start took %s", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return c
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec1(t *testing.T, dsn, sql string) {
	t.Helper()
	conn := connect(t, dsn)
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
	conn.Close(context.Background())
}

func countRows(t *testing.T, dsn, table string) int {
	t.Helper()
	conn := connect(t, dsn)
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStartStopReusesData(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(testDir(t), "data")
	c := start(t, dataDir)
	if c.DataDir() != dataDir {
		t.Errorf("DataDir() = %q, want %q", c.DataDir(), dataDir)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(c.SocketDir(), ".s.PGSQL."+strconv.Itoa(c.Port()))); err != nil {
		t.Fatalf("socket: %v", err)
	}
	if c.Version() == "" {
		t.Error("no version")
	}

	// ConnString is for pgxpool, with pool_max_conns.
	pool, err := pgxpool.New(ctx, c.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	if got := pool.Config().MaxConns; got != 20 {
		t.Errorf("MaxConns = %d, want 20", got)
	}
	var listen, fsync string
	if err := pool.QueryRow(ctx, "SELECT current_setting('listen_addresses'), current_setting('fsync')").Scan(&listen, &fsync); err != nil {
		t.Fatal(err)
	}
	if listen != "" || fsync != "off" {
		t.Errorf("listen_addresses=%q fsync=%q, want '' and off", listen, fsync)
	}
	pool.Close()

	for range 2 {
		if err := c.EnsureDatabase(ctx, "app db"); err != nil {
			t.Fatal(err)
		}
	}
	exec1(t, c.DSN("app db"), "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)")

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}
	if _, err := os.Stat(c.SocketDir()); !os.IsNotExist(err) {
		t.Errorf("socket dir left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); !os.IsNotExist(err) {
		t.Errorf("postmaster.pid left after Stop: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}

	c2 := start(t, dataDir)
	if n := countRows(t, c2.DSN("app db"), "kept"); n != 2 {
		t.Errorf("rows after restart = %d, want 2", n)
	}
}

// TestHelperProcess is not a real test: TestOwnerKilled runs it in a child
// process, which starts a cluster, reports, and waits to be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PGEMBED_HELPER_DATADIR")
	if dir == "" {
		return
	}
	c, err := Start(context.Background(), Options{DataDir: dir})
	if err != nil {
		fmt.Println("ERROR", strings.ReplaceAll(err.Error(), "\n", " | "))
		os.Exit(1)
	}
	fmt.Printf("READY %d %s\n%s\n", c.cmd.Process.Pid, c.SocketDir(), c.DSN("postgres"))
	select {}
}

func TestOwnerKilled(t *testing.T) {
	dataDir := filepath.Join(testDir(t), "data")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "PGEMBED_HELPER_DATADIR="+dataDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	var pgPid int
	var dsn, sockDir string
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "READY "); ok {
			pid, dir, _ := strings.Cut(rest, " ")
			pgPid, _ = strconv.Atoi(pid)
			sockDir = dir
			sc.Scan()
			dsn = sc.Text()
			break
		}
		if strings.HasPrefix(line, "ERROR") {
			t.Fatal(line)
		}
	}
	if pgPid == 0 {
		t.Fatalf("helper did not report a running cluster (%v)", sc.Err())
	}
	exec1(t, dsn, "CREATE TABLE survivor (id int); INSERT INTO survivor VALUES (1)")

	// kill -9 the owner: the postmaster must die with it (Pdeathsig).
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	t0 := time.Now()
	if left := waitGone(context.Background(), []int{pgPid}, 10*time.Second); len(left) > 0 {
		t.Fatalf("postmaster %d survived its owner's kill -9", pgPid)
	}
	t.Logf("postmaster gone %s after the owner was killed", time.Since(t0).Round(time.Millisecond))
	if _, err := os.Stat(filepath.Join(dataDir, "postmaster.pid")); err != nil {
		t.Errorf("expected a stale postmaster.pid after kill -9: %v", err)
	}

	c := start(t, dataDir)
	if n := countRows(t, c.DSN("postgres"), "survivor"); n != 1 {
		t.Errorf("rows = %d, want 1", n)
	}
	if _, err := os.Stat(sockDir); !os.IsNotExist(err) {
		t.Errorf("socket directory %s of the killed server not swept: %v", sockDir, err)
	}
}

func TestStalePidFile(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(testDir(t), "data")
	c := start(t, dataDir)
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A pid that is surely dead: a child that has been reaped.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPid := dead.Process.Pid

	for _, tc := range []struct{ name, content string }{
		{"dead pid", fmt.Sprintf("%d\n%s\n1700000000\n5432\n/tmp\n\n  5432001    123456\nready\n", deadPid, dataDir)},
		{"pid of an unrelated live process", fmt.Sprintf("1\n%s\n", dataDir)},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pidFile := filepath.Join(dataDir, "postmaster.pid")
			if err := os.WriteFile(pidFile, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			c := start(t, dataDir)
			if err := c.Stop(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStartTakesOverRunningServer(t *testing.T) {
	dataDir := filepath.Join(testDir(t), "data")
	first := start(t, dataDir)
	second := start(t, dataDir)
	select {
	case <-first.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("first server still running after a second Start on its data directory")
	}
	if err := first.Stop(context.Background()); err != nil {
		t.Errorf("Stop of the replaced cluster: %v", err)
	}
	exec1(t, second.DSN("postgres"), "SELECT 1")
}

func TestDataDirUnreachableByPostgresIsRelocated(t *testing.T) {
	parent, err := os.MkdirTemp("", "pgembed0700") // mode 0700, like /root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(parent) })
	dataDir := filepath.Join(parent, "pgdata")
	if os.Geteuid() != 0 {
		// Not root: the server runs as us, who can enter our own 0700
		// directory, so the cluster stays where it was asked to be.
		c, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Stop(context.Background())
		if c.DataDir() != dataDir {
			t.Fatalf("DataDir() = %q, want %q (no relocation without root)", c.DataDir(), dataDir)
		}
		return
	}

	c, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = os.RemoveAll(c.DataDir())
		_ = os.Remove(RelocationRoot) // only if empty
	})
	defer c.Stop(context.Background())
	if !strings.HasPrefix(c.DataDir(), RelocationRoot+"/pgdata-") {
		t.Fatalf("DataDir() = %q, want it under %s", c.DataDir(), RelocationRoot)
	}
	if st, err := os.Stat(parent); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("parent directory mode changed: %v %v", st.Mode(), err)
	}
	if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
		t.Errorf("original DataDir should not be created: %v", err)
	}
	exec1(t, c.DSN("postgres"), "CREATE TABLE moved (id int)")
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The same DataDir maps to the same place again.
	c2, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop(context.Background())
	if c2.DataDir() != c.DataDir() {
		t.Errorf("second start in %q, first in %q", c2.DataDir(), c.DataDir())
	}
	countRows(t, c2.DSN("postgres"), "moved")
}

func TestLongDataDirPath(t *testing.T) {
	dir := testDir(t)
	for len(dir) <= 130 {
		dir = filepath.Join(dir, "a-rather-long-directory-name")
	}
	dataDir := filepath.Join(dir, "data")
	c := start(t, dataDir)
	if c.DataDir() != dataDir {
		t.Errorf("DataDir() = %q, want %q", c.DataDir(), dataDir)
	}
	exec1(t, c.DSN("postgres"), "SELECT 1")
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv("PATH", "")
	_, err := Start(context.Background(), Options{
		DataDir: filepath.Join(testDir(t), "data"),
		BinDirs: []string{t.TempDir()},
	})
	if !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("err = %v, want ErrNoBinaries", err)
	}
	want := "PostgreSQL server binaries not found (initdb, postgres). Install them: apt-get install -y postgresql (Debian/Ubuntu), or set DATABASE_URL to an existing server."
	if err.Error() != want {
		t.Errorf("message = %q", err.Error())
	}
}

func TestBinariesMatchingTheDataDirArePreferred(t *testing.T) {
	t.Setenv("PATH", "")
	root := t.TempDir()
	var dirs []string
	for _, v := range []string{"17.2", "14.9"} {
		dir := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			script := "#!/bin/sh\necho 'postgres (PostgreSQL) " + v + "'\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		dirs = append(dirs, dir)
	}
	found := findBinaries(append(dirs, filepath.Join(root, "none")))
	if len(found) != 2 {
		t.Fatalf("found %v", found)
	}
	for want, wantDir := range map[string]string{"14": dirs[1], "17": dirs[0], "": dirs[0], "12": dirs[0]} {
		dir, _, err := pickBinaries(found, want)
		if err != nil || dir != wantDir {
			t.Errorf("pickBinaries(%q) = %s, %v; want %s", want, dir, err, wantDir)
		}
	}
}

func TestVersionMismatch(t *testing.T) {
	dataDir := filepath.Join(testDir(t), "data")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "PG_VERSION"), []byte("9.6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err == nil {
		t.Fatal("started on a data directory of another version")
	}
	want := fmt.Sprintf("data directory %s was created by PostgreSQL 9.6 but these binaries are ", dataDir)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "use PostgreSQL 9.6 binaries, or move "+dataDir+" away to start fresh (its data would need pg_upgrade)") {
		t.Errorf("err = %v", err)
	}
}

func TestNonEmptyNonDataDirRefused(t *testing.T) {
	dataDir := testDir(t)
	if err := os.WriteFile(filepath.Join(dataDir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t)})
	if err == nil || !strings.Contains(err.Error(), "neither empty nor a PostgreSQL data directory") {
		t.Fatalf("err = %v", err)
	}
	if st, _ := os.Stat(dataDir); st.Mode().Perm() != 0o755 {
		t.Errorf("mode changed to %v", st.Mode().Perm())
	}
}

func TestStartFailureShowsServerLog(t *testing.T) {
	dataDir := filepath.Join(testDir(t), "data")
	_, err := Start(context.Background(), Options{
		DataDir:   dataDir,
		Logger:    testLogger(t),
		ExtraConf: map[string]string{"no_such_setting": "1"},
	})
	if err == nil {
		t.Fatal("started with a bogus setting")
	}
	if !strings.Contains(err.Error(), "no_such_setting") || !strings.Contains(err.Error(), "postgres.log") {
		t.Errorf("error lacks the server log: %v", err)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{
		"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n": "15",
		"postgres (PostgreSQL) 17.2\n":                           "17",
		"postgres (PostgreSQL) 18beta1\n":                        "18",
		"postgres (PostgreSQL) 9.6.24\n":                         "9.6",
	} {
		if got, err := parseVersion(in); err != nil || got != want {
			t.Errorf("parseVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSocketDirIsShort(t *testing.T) {
	t.Setenv("TMPDIR", "/tmp/"+strings.Repeat("x", 110))
	if err := os.MkdirAll(os.Getenv("TMPDIR"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll("/tmp/" + strings.Repeat("x", 110)) })
	dir, err := makeSocketDir(65535, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if n := len(dir + "/.s.PGSQL.65535"); n > maxSocketPath {
		t.Errorf("socket path %d bytes", n)
	}
}
