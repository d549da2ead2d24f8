package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// clearStale deals with what a server that did not shut down cleanly left in
// data directory dir, so that a new server can start there:
//
//   - a server still running on dir (its pid in postmaster.pid is alive and is
//     a postgres process working in dir) is shut down;
//   - backends that outlived a killed postmaster are waited for (and killed if
//     they linger), as the new server must not share the directory with them;
//   - a postmaster.pid that remains (its pid is dead, or now belongs to an
//     unrelated process) is removed, with the server's SysV shared memory
//     segment named in it when nothing is attached to it.
//
// With stopLive false (a restart by the supervisor) a live server is never
// stopped: ErrInUse is returned instead.
func clearStale(ctx context.Context, dir string, log *slog.Logger, stopLive bool) error {
	pidFile := filepath.Join(dir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return reapOrphans(ctx, dir, log)
	}
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid < 0 {
		pid = -pid // a single-user backend writes its pid negated
	}
	if pid > 0 && processAlive(pid) && isServerFor(pid, dir) {
		if !stopLive {
			return fmt.Errorf("%w: PostgreSQL (pid %d) was started on %s by someone else", ErrInUse, pid, dir)
		}
		log.Warn("pgembed: a PostgreSQL server from an earlier run is still running on the data directory; shutting it down",
			"data_dir", dir, "pid", pid)
		if left := terminate(ctx, []int{pid}, 30*time.Second); len(left) > 0 {
			return fmt.Errorf("pgembed: could not stop the PostgreSQL server (pid %d) still running on %s", pid, dir)
		}
	}
	if err := reapOrphans(ctx, dir, log); err != nil {
		return err
	}
	if _, err := os.Stat(pidFile); err != nil {
		return nil // removed by the server on its shutdown
	}
	removeSharedMemory(lines)
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgembed: remove stale lock file: %w", err)
	}
	log.Info("pgembed: removed stale postmaster.pid (its server is gone)", "data_dir", dir, "pid", pid)
	return nil
}

// reapOrphans waits for postgres processes still working in dir, which
// outlived their postmaster, to exit, and kills them if they linger.
func reapOrphans(ctx context.Context, dir string, log *slog.Logger) error {
	pids := serverProcesses(dir)
	if len(pids) == 0 {
		return nil
	}
	log.Warn("pgembed: waiting for processes of an earlier PostgreSQL server on the data directory to exit",
		"data_dir", dir, "pids", pids)
	pids = waitGone(ctx, pids, 5*time.Second)
	if len(pids) == 0 {
		return nil
	}
	if left := terminate(ctx, pids, 0); len(left) > 0 {
		return fmt.Errorf("pgembed: processes %v of an earlier PostgreSQL server still run on %s; stop them first", left, dir)
	}
	return nil
}

// terminate asks pids to exit (SIGINT: a postmaster's fast shutdown), then,
// after grace, escalates to SIGQUIT and SIGKILL. It returns the pids still
// alive at the end.
func terminate(ctx context.Context, pids []int, grace time.Duration) []int {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		for _, pid := range pids {
			_ = syscall.Kill(pid, sig)
		}
		wait := 5 * time.Second
		if sig == syscall.SIGINT {
			wait = grace
		}
		if pids = waitGone(ctx, pids, wait); len(pids) == 0 {
			return nil
		}
	}
	return pids
}

// waitGone polls until pids have exited or d has passed, and returns those
// still alive.
func waitGone(ctx context.Context, pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var alive []int
		for _, pid := range pids {
			if processAlive(pid) {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return alive
		}
		pids = alive
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid is a live (not zombie) process.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
		if s := b[i+2]; s == 'Z' || s == 'X' {
			return false
		}
	}
	return true
}

// isServerFor reports whether pid is a postgres process working in dir.
func isServerFor(pid int, dir string) bool {
	proc := "/proc/" + strconv.Itoa(pid)
	name := ""
	if exe, err := os.Readlink(proc + "/exe"); err == nil {
		name = filepath.Base(strings.TrimSuffix(exe, " (deleted)"))
	} else if comm, err := os.ReadFile(proc + "/comm"); err == nil {
		name = strings.TrimSpace(string(comm))
	}
	if name != "postgres" && name != "postmaster" {
		return false
	}
	// The postmaster and its children chdir to the data directory.
	if cwd, err := os.Readlink(proc + "/cwd"); err == nil {
		return cwd == dir
	}
	cmdline, err := os.ReadFile(proc + "/cmdline")
	if err != nil {
		return false
	}
	args := strings.Split(string(cmdline), "\x00")
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-D" && filepath.Clean(args[i+1]) == dir {
			return true
		}
	}
	return false
}

// serverProcesses lists the postgres processes working in dir.
func serverProcesses(dir string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if processAlive(pid) && isServerFor(pid, dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// removeSharedMemory removes the SysV shared memory segment named on line 7
// of a stale postmaster.pid ("key shmid"), if it is still there and unused.
// (Left to itself, the next server would do this, but only with the old
// postmaster.pid in place.)
func removeSharedMemory(pidFileLines []string) {
	if len(pidFileLines) < 7 {
		return
	}
	f := strings.Fields(pidFileLines[6])
	if len(f) != 2 {
		return
	}
	key, err1 := strconv.ParseInt(f[0], 10, 64)
	id, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return
	}
	var desc unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &desc); err != nil {
		return
	}
	if int64(desc.Perm.Key) == int64(int32(key)) && desc.Nattch == 0 {
		_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	}
}

// ownedServer reports a server running on dir whose postmaster's parent is
// another live process (not init, not us): a running rightsdesk. It returns
// the postmaster's pid, port and socket directory from postmaster.pid.
func ownedServer(dir string) (pid, port int, socketDir string, ok bool) {
	pid, port, socketDir, ok = liveServer(dir)
	if !ok {
		return 0, 0, "", false
	}
	ppid := parentOf(pid)
	if ppid <= 1 || ppid == os.Getpid() || !processAlive(ppid) {
		return 0, 0, "", false
	}
	return pid, port, socketDir, true
}

// parentOf reads a process's parent pid from /proc.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

// liveServer reports a server running on dir, whoever started it, with its
// pid, port and socket directory from postmaster.pid.
func liveServer(dir string) (pid, port int, socketDir string, ok bool) {
	data, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, 0, "", false
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 5 {
		return 0, 0, "", false
	}
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	socketDir = strings.TrimSpace(lines[4])
	if pid <= 0 || port <= 0 || socketDir == "" || !processAlive(pid) || !isServerFor(pid, dir) {
		return 0, 0, "", false
	}
	return pid, port, socketDir, true
}
