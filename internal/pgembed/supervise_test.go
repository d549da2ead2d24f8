package pgembed

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func postmasterPid(t *testing.T, c *Cluster) int {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmd.Process.Pid
}

// Issue 22: kill -9 of the postmaster under a supervised cluster: it comes
// back on the same socket, a pool made before the crash works again, and
// the data committed before the crash is there.
func TestSuperviseRestartsKilledPostmaster(t *testing.T) {
	ctx := context.Background()
	c := start(t, filepath.Join(testDir(t), "data"))
	restarted := make(chan time.Duration, 4)
	c.Supervise(SuperviseOptions{MinBackoff: 20 * time.Millisecond, OnRestart: func(d time.Duration) { restarted <- d }})
	pool, err := pgxpool.New(ctx, c.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		old := postmasterPid(t, c)
		t0 := time.Now()
		if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-restarted:
			t.Logf("round %d: supervisor restarted the server in %s", round, d.Round(time.Millisecond))
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: not restarted within 30s", round)
		}
		// The pool made before the crash reaches the new server.
		var n int
		var qerr error
		for time.Since(t0) < 10*time.Second {
			if qerr = pool.QueryRow(ctx, "SELECT count(*) FROM kept").Scan(&n); qerr == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if qerr != nil || n != 1 {
			t.Fatalf("round %d: query after restart: n=%d err=%v", round, n, qerr)
		}
		t.Logf("round %d: first successful query %s after kill -9", round, time.Since(t0).Round(time.Millisecond))
		if postmasterPid(t, c) == old {
			t.Fatal("same postmaster pid after restart")
		}
		if err := c.Healthy(); err != nil {
			t.Fatalf("Healthy after a restart: %v", err)
		}
	}
	if c.Restarts() != 2 {
		t.Fatalf("Restarts = %d, want 2", c.Restarts())
	}
	// Stop is final: the supervisor does not bring it back.
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, _, _, ok := liveServer(c.DataDir()); ok {
		t.Fatal("server running again after Stop")
	}
}

// Issue 22: when the server cannot come back, Healthy fails after the
// bounded number of attempts (and /healthz with it).
func TestSuperviseGivesUpHealthy(t *testing.T) {
	c := start(t, filepath.Join(testDir(t), "data"))
	c.Supervise(SuperviseOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, MaxFailures: 3})
	// Without pg_control the server refuses to start.
	ctl := filepath.Join(c.DataDir(), "global", "pg_control")
	if err := os.Rename(ctl, ctl+".away"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(postmasterPid(t, c), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for c.Healthy() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !errors.Is(c.Healthy(), ErrDown) {
		t.Fatalf("Healthy = %v, want ErrDown", c.Healthy())
	}
	// While it is down its socket lock names a dead postmaster, so another
	// process's sweep of stale socket directories may remove the directory
	// (it did, in a full test run): the restart recreates it.
	if err := os.RemoveAll(c.SocketDir()); err != nil {
		t.Fatal(err)
	}
	// Repaired, it comes back and Healthy clears.
	if err := os.Rename(ctl+".away", ctl); err != nil {
		t.Fatal(err)
	}
	for c.Healthy() != nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Healthy(); err != nil {
		t.Fatalf("Healthy after repair: %v", err)
	}
	exec1(t, c.DSN("postgres"), "SELECT 1")
}

// Issue 22: a command run beside a server (Attach) never stops a server it
// did not start, even one whose parent is not a rightsdesk (pg_ctl restart
// leaves the postmaster a child of init; here it is a child of the test
// process itself, which ownedServer does not count as an owner either).
func TestAttachNeverStopsAServerItDidNotStart(t *testing.T) {
	dataDir := filepath.Join(testDir(t), "data")
	first := start(t, dataDir)
	if _, _, _, ok := ownedServer(first.DataDir()); ok {
		t.Fatal("test premise: the server must not count as owned by another process")
	}
	c, err := Start(context.Background(), Options{DataDir: dataDir, Logger: testLogger(t), Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	if !c.attached || c.DSN("x") != first.DSN("x") {
		t.Fatalf("not attached to the running server: %s vs %s", c.DSN("x"), first.DSN("x"))
	}
	if err := c.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.Done():
		t.Fatal("the attached command stopped the server")
	case <-time.After(300 * time.Millisecond):
	}
	exec1(t, first.DSN("postgres"), "SELECT 1")
}

// Issue 22: when someone else starts a server on the data directory after
// ours exited (an operator's `pg_ctl restart` that won the race), the
// supervisor uses it and never stops it; when it goes away, ours returns.
func TestSuperviseAdoptsAServerItDidNotStart(t *testing.T) {
	ctx := context.Background()
	c := start(t, filepath.Join(testDir(t), "data"))
	restarted := make(chan time.Duration, 4)
	c.Supervise(SuperviseOptions{MinBackoff: 1500 * time.Millisecond, OnRestart: func(d time.Duration) { restarted <- d }})
	if err := syscall.Kill(postmasterPid(t, c), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	// The foreign server: same options, its own session, not our child's
	// supervisor's (as pg_ctl would start it).
	foreign := exec.Command(filepath.Join(c.binDir, "postgres"), "-D", c.DataDir(), "-k", c.SocketDir(),
		"-p", strconv.Itoa(c.Port()), "-c", "listen_addresses=", "-c", "fsync=off")
	foreign.Dir = c.DataDir()
	foreign.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: c.cred}
	if err := foreign.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = foreign.Process.Kill(); _ = foreign.Wait() }()
	waitQuery := func(what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			conn, err := pgx.Connect(ctx, c.DSN("postgres"))
			if err == nil {
				conn.Close(ctx)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitQuery("foreign server")
	time.Sleep(2 * time.Second) // past the supervisor's back-off: it has looked
	if _, _, _, ok := liveServer(c.DataDir()); !ok || foreign.ProcessState != nil {
		t.Fatal("the supervisor stopped a server it did not start")
	}
	select {
	case <-restarted:
		t.Fatal("supervisor started its own server beside the foreign one")
	default:
	}
	if err := c.Healthy(); err != nil {
		t.Fatalf("Healthy while using the foreign server: %v", err)
	}
	// The foreign server goes away: ours comes back.
	_ = foreign.Process.Signal(syscall.SIGINT)
	_ = foreign.Wait()
	select {
	case d := <-restarted:
		t.Logf("restarted %s after the foreign server was gone", d.Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatal("not restarted after the foreign server exited")
	}
	waitQuery("own server again")
}
