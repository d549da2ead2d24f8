package pgembed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries is returned by Start when initdb and postgres cannot
// be found. Its message says how to get them.
//
//lint:ignore ST1005 a complete sentence shown to the user as is
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found (initdb, postgres). Install them: apt-get install -y postgresql (Debian/Ubuntu), or set DATABASE_URL to an existing server.")

// RelocationRoot is where, when running as root, a cluster is kept whose
// DataDir the postgres user cannot reach.
const RelocationRoot = "/var/lib/rightsdesk"

const (
	defaultStartTimeout = 60 * time.Second
	defaultStopTimeout  = 60 * time.Second
	// maxSocketPath is the longest Unix socket path PostgreSQL accepts
	// (sizeof(sockaddr_un.sun_path) - 1).
	maxSocketPath = 107
	logName       = "postgres.log"
	maxLogSize    = 10 << 20
)

// Options configures Start.
type Options struct {
	// DataDir is the data directory of the cluster. It is created if missing.
	// Required.
	DataDir string
	// Logger receives what Start and Stop do. Nil means slog.Default().
	Logger *slog.Logger
	// Fsync must be true for real use. False (tests) runs initdb --no-sync and
	// the server with fsync=off: fast, but not crash safe.
	Fsync bool
	// Port is the port number, which names the socket file. 0 picks a free one.
	Port int
	// ExtraConf holds additional server settings, passed as -c key=value;
	// they override the defaults set by Start.
	ExtraConf map[string]string
	// BinDirs, when non-nil, replaces the directories searched after PATH
	// (by default /usr/lib/postgresql/*/bin, highest version first).
	BinDirs []string
	// StartTimeout bounds how long Start waits for the server to accept
	// connections (crash recovery included). 0 means 60s.
	StartTimeout time.Duration
	// Attach: when a server on DataDir is owned by another live process
	// (a running `rightsdesk serve`), connect to it instead of failing, and
	// leave it running on Stop. For commands run beside the server.
	Attach bool
}

// ErrInUse: another live process runs a server on the data directory.
var ErrInUse = errors.New("the data directory is in use by another running rightsdesk")

// Cluster is a running PostgreSQL server started by Start.
type Cluster struct {
	log       *slog.Logger
	binDir    string
	version   string
	dataDir   string
	socketDir string
	port      int
	user      string
	cred      *syscall.Credential

	// attached: the server belongs to another process (Options.Attach).
	attached bool

	// opts are the options of Start, reused by restarts (Supervise).
	opts Options

	mu      sync.Mutex // guards cmd, done and waitErr, which a restart replaces
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current postmaster has exited
	waitErr error         // set before done is closed

	stopping atomic.Bool // set by Stop: the supervisor must not restart
	stopOnce sync.Once
	stopErr  error

	sup supervisor
}

// Start initializes (if needed) and starts the cluster in opts.DataDir and
// waits until it accepts connections.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pgembed: Options.DataDir is required")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	binDirs := findBinaries(opts.BinDirs)
	if len(binDirs) == 0 {
		return nil, ErrNoBinaries
	}
	c := &Cluster{log: log, user: "postgres", opts: opts, done: make(chan struct{})}

	var owner *pgUser
	var err error
	if os.Geteuid() == 0 {
		owner, err = lookupPostgresUser()
		if err != nil {
			return nil, err
		}
		c.cred = owner.credential()
	}
	c.dataDir, err = resolveDataDir(opts.DataDir, owner, log)
	if err != nil {
		return nil, err
	}
	// An existing cluster needs binaries of its own major version: take
	// them if installed, else the first found (checkVersion then explains).
	dataVersion := ""
	if b, err := os.ReadFile(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		dataVersion = strings.TrimSpace(string(b))
	}
	c.binDir, c.version, err = pickBinaries(binDirs, dataVersion)
	if err != nil {
		return nil, err
	}

	fresh, err := prepareDataDir(c.dataDir, owner)
	if err != nil {
		return nil, err
	}
	if fresh {
		if err := c.initdb(ctx, opts.Fsync); err != nil {
			return nil, err
		}
	} else {
		if err := c.checkVersion(); err != nil {
			return nil, err
		}
		if pid, port, sock, ok := ownedServer(c.dataDir); ok || opts.Attach {
			if !ok {
				// Attach never stops a server it did not start (issue 22):
				// one started by `pg_ctl restart` has init as its parent,
				// yet a rightsdesk serve may be using it.
				if pid, port, sock, ok = liveServer(c.dataDir); !ok {
					goto stale
				}
			} else if !opts.Attach {
				return nil, fmt.Errorf("%w: PostgreSQL (pid %d) on %s belongs to a running process; stop it first, or use another DATA_DIR", ErrInUse, pid, c.dataDir)
			}
			log.Info("pgembed: attached to the server of a running process", "data_dir", c.dataDir, "pid", pid)
			c.attached, c.port, c.socketDir = true, port, sock
			return c, nil
		}
	stale:
		if err := clearStale(ctx, c.dataDir, log, true); err != nil {
			return nil, err
		}
	}

	c.port = opts.Port
	if c.port == 0 {
		c.port = freePort()
	}
	c.socketDir, err = makeSocketDir(c.port, owner)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	if err := c.run(ctx, opts, timeout); err != nil {
		_ = os.RemoveAll(c.socketDir)
		return nil, err
	}
	return c, nil
}

// ConnString returns a keyword/value connection string for the "postgres"
// database, with pool_max_conns=20 for pgxpool.ParseConfig / pgxpool.New.
// (pgx.Connect does not accept pool_* settings: use DSN for it.)
func (c *Cluster) ConnString() string {
	return c.DSN("postgres") + " pool_max_conns=20"
}

// DSN returns a keyword/value connection string for database dbname, usable
// by both pgx.Connect and pgxpool.New.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		quoteValue(c.socketDir), c.port, quoteValue(c.user), quoteValue(dbname))
}

// DataDir is where the data is: Options.DataDir, or its relocation under
// RelocationRoot.
func (c *Cluster) DataDir() string { return c.dataDir }

// SocketDir is the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// Port is the server's port number (the socket is SocketDir()/.s.PGSQL.<Port>).
func (c *Cluster) Port() int { return c.port }

// BinDir is the directory of the server binaries in use; the matching
// pg_dump and pg_restore sit beside them in a Debian install.
func (c *Cluster) BinDir() string { return c.binDir }

// Version is the PostgreSQL major version of the binaries and the data
// directory, e.g. "15".
func (c *Cluster) Version() string { return c.version }

// Done is closed when the server process has exited, whether by Stop or not.
// After a restart by Supervise it is the channel of the new server.
func (c *Cluster) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.done
}

// EnsureDatabase creates database name if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgembed: connect: %w", err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("pgembed: look up database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database: created concurrently
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgembed: create database %q: %w", name, err)
	}
	c.log.Info("pgembed: created database", "database", name)
	return nil
}

// Stop shuts the server down (fast shutdown: SIGINT) and waits for it to
// exit. If it has not exited when ctx is done (or after 60s when ctx has no
// deadline), it is sent SIGQUIT and then SIGKILL. Stop may be called more than
// once; it also removes the socket directory.
func (c *Cluster) Stop(ctx context.Context) error {
	if c.attached {
		return nil // not ours to stop
	}
	c.stopping.Store(true)
	c.stopOnce.Do(func() {
		c.sup.wait()
		c.stopErr = c.stop(ctx)
		_ = os.RemoveAll(c.socketDir)
	})
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	c.mu.Lock()
	cmd, done, waitErr := c.cmd, c.done, c.waitErr
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil // adopted a server started by someone else: not ours to stop
	}
	select {
	case <-done:
		c.log.Warn("pgembed: server had already exited", "data_dir", c.dataDir, "exit", waitErr)
		return nil
	default:
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultStopTimeout)
		defer cancel()
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-done:
		c.log.Info("pgembed: server stopped", "data_dir", c.dataDir, "took", time.Since(start).Round(time.Millisecond))
		return nil
	case <-ctx.Done():
	}
	c.log.Warn("pgembed: fast shutdown timed out; sending SIGQUIT", "data_dir", c.dataDir)
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
	return fmt.Errorf("pgembed: server in %s did not shut down in time (%w); it was terminated", c.dataDir, ctx.Err())
}

// run starts the postmaster and waits until it accepts connections.
func (c *Cluster) run(ctx context.Context, opts Options, timeout time.Duration) error {
	logPath := filepath.Join(c.dataDir, logName)
	rotateLog(logPath)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pgembed: open server log: %w", err)
	}
	defer logFile.Close() // the child has its own copy
	logStart, _ := logFile.Seek(0, io.SeekEnd)

	args := []string{"-D", c.dataDir, "-k", c.socketDir, "-p", strconv.Itoa(c.port), "-c", "listen_addresses="}
	if !opts.Fsync {
		args = append(args, "-c", "fsync=off")
	}
	keys := make([]string, 0, len(opts.ExtraConf))
	for k := range opts.ExtraConf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+opts.ExtraConf[k])
	}

	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = c.dataDir
	cmd.Env = serverEnv()
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// The kernel kills the server when the thread that started it dies:
		// that thread is kept for the server's lifetime (see below), so this
		// fires when the owning process dies, even by SIGKILL.
		Pdeathsig: syscall.SIGKILL,
		// Own process group: a terminal's Ctrl-C reaches the owner only, which
		// then stops the server in order.
		Setpgid:    true,
		Credential: c.cred,
	}
	done := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.done, c.waitErr = cmd, done, nil
	c.mu.Unlock()

	started := make(chan error, 1)
	go func() {
		// Pdeathsig follows the OS thread that forked the child, not the
		// process: hold this thread until the child has exited. The thread
		// is deliberately never unlocked, so it exits with this goroutine.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			close(done)
			return
		}
		started <- nil
		werr := cmd.Wait()
		c.mu.Lock()
		c.waitErr = werr
		c.mu.Unlock()
		close(done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgembed: start postgres: %w", err)
	}

	t0 := time.Now()
	if err := c.waitReady(ctx, done, timeout); err != nil {
		select {
		case <-done:
		default:
			_ = cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		return fmt.Errorf("pgembed: PostgreSQL in %s did not start: %w\n--- %s (last lines) ---\n%s",
			c.dataDir, err, logPath, logTail(logPath, logStart, 30))
	}
	c.log.Info("pgembed: PostgreSQL running", "version", c.version, "data_dir", c.dataDir,
		"socket_dir", c.socketDir, "port", c.port, "pid", cmd.Process.Pid, "fsync", opts.Fsync,
		"ready_in", time.Since(t0).Round(time.Millisecond))
	return nil
}

func (c *Cluster) waitReady(ctx context.Context, done <-chan struct{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(c.DSN("postgres"))
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 5 * time.Second
	var lastErr error
	for {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		lastErr = err
		select {
		case <-done:
			c.mu.Lock()
			werr := c.waitErr
			c.mu.Unlock()
			return fmt.Errorf("server exited: %v", werr)
		case <-ctx.Done():
			return fmt.Errorf("not accepting connections after %s: %v", timeout, lastErr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (c *Cluster) initdb(ctx context.Context, fsync bool) error {
	args := []string{"-D", c.dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"}
	if !fsync {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "initdb"), args...)
	// Interrupted, initdb removes what it created; killed, it cannot.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	// A working directory the postgres user can reach: initdb fails when it
	// cannot stat its own working directory.
	cmd.Dir = "/"
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgembed: initdb %s: %w\n%s", c.dataDir, err, strings.TrimSpace(out.String()))
	}
	c.log.Info("pgembed: initialized new cluster", "data_dir", c.dataDir, "version", c.version,
		"took", time.Since(t0).Round(time.Millisecond))
	return nil
}

func (c *Cluster) checkVersion() error {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if have := strings.TrimSpace(string(b)); have != c.version {
		return fmt.Errorf("pgembed: data directory %s was created by PostgreSQL %s but these binaries are %s: use PostgreSQL %s binaries, or move %s away to start fresh (its data would need pg_upgrade)",
			c.dataDir, have, c.version, have, c.dataDir)
	}
	return nil
}

// serverEnv is the environment for initdb and postgres: the caller's, without
// libpq variables that could change what they do, with messages in English.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// findBinaries returns the directories holding both initdb and postgres, in
// order of preference: the one on PATH, then binDirs (by default
// /usr/lib/postgresql/*/bin, highest version first).
func findBinaries(binDirs []string) []string {
	var found []string
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if isExecutable(filepath.Join(dir, "postgres")) {
			found = append(found, dir)
		}
	}
	dirs := binDirs
	if dirs == nil {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
		sort.SliceStable(matches, func(i, j int) bool {
			return versionKey(matches[i]) > versionKey(matches[j])
		})
		dirs = matches
	}
	for _, dir := range dirs {
		if isExecutable(filepath.Join(dir, "initdb")) && isExecutable(filepath.Join(dir, "postgres")) {
			found = append(found, dir)
		}
	}
	return found
}

// pickBinaries returns the first of dirs whose major version is want, or
// else the first of dirs, with its version.
func pickBinaries(dirs []string, want string) (dir, version string, err error) {
	if want != "" {
		for _, d := range dirs {
			if v, err := binaryVersion(filepath.Join(d, "postgres")); err == nil && v == want {
				return d, v, nil
			}
		}
	}
	version, err = binaryVersion(filepath.Join(dirs[0], "postgres"))
	return dirs[0], version, err
}

// versionKey orders /usr/lib/postgresql/<v>/bin by version (9.6 < 10 < 17).
func versionKey(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// binaryVersion runs `postgres --version` and returns the major version as
// PG_VERSION spells it ("15", or "9.6" before 10).
func binaryVersion(postgres string) (string, error) {
	out, err := exec.Command(postgres, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("pgembed: %s --version: %w", postgres, err)
	}
	return parseVersion(string(out))
}

func parseVersion(s string) (string, error) {
	// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
	_, rest, ok := strings.Cut(s, "(PostgreSQL) ")
	if !ok {
		return "", fmt.Errorf("pgembed: unrecognized postgres --version output %q", strings.TrimSpace(s))
	}
	fields := strings.FieldsFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if len(fields) == 0 {
		return "", fmt.Errorf("pgembed: unrecognized postgres --version output %q", strings.TrimSpace(s))
	}
	major, _ := strconv.Atoi(fields[0])
	if major < 10 && len(fields) > 1 {
		return fields[0] + "." + fields[1], nil
	}
	return fields[0], nil
}

// prepareDataDir creates dir if needed and makes it usable by the server. It
// reports whether initdb is needed.
func prepareDataDir(dir string, owner *pgUser) (fresh bool, err error) {
	if err := mkdirParents(dir); err != nil {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	_, verErr := os.Stat(filepath.Join(dir, "PG_VERSION"))
	initialized := verErr == nil
	if len(entries) > 0 && !initialized {
		return false, fmt.Errorf("pgembed: %s is neither empty nor a PostgreSQL data directory (no PG_VERSION); move it away or choose another DataDir", dir)
	}
	// The server insists on 0700 (or 0750).
	st, err := os.Stat(dir)
	if err != nil {
		return false, fmt.Errorf("pgembed: %w", err)
	}
	if p := st.Mode().Perm(); p != 0o700 && p != 0o750 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return false, fmt.Errorf("pgembed: %w", err)
		}
	}
	if owner != nil {
		if uid, _ := fileOwner(st); uid != owner.uid {
			if err := chownTree(dir, owner.uid, owner.gid); err != nil {
				return false, fmt.Errorf("pgembed: give %s to the postgres user: %w", dir, err)
			}
		}
	}
	return !initialized, nil
}

// mkdirParents creates the missing parents of dir with mode 0755 whatever the
// umask, so that the server's user can traverse them. Existing directories
// are left alone.
func mkdirParents(dir string) error {
	parent := filepath.Dir(dir)
	if _, err := os.Stat(parent); err == nil || parent == dir {
		return nil
	}
	if err := mkdirParents(parent); err != nil {
		return err
	}
	if err := os.Mkdir(parent, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // created meanwhile by someone else
		}
		return err
	}
	return os.Chmod(parent, 0o755)
}

func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

func fileOwner(st fs.FileInfo) (uid, gid int) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), int(s.Gid)
	}
	return -1, -1
}

// makeSocketDir creates a private, short directory for the server's socket.
func makeSocketDir(port int, owner *pgUser) (string, error) {
	sweepSocketDirs()
	sockName := "/.s.PGSQL." + strconv.Itoa(port)
	dir, err := os.MkdirTemp("", "rdpg")
	if err == nil && len(dir)+len(sockName) > maxSocketPath {
		_ = os.Remove(dir)
		dir, err = os.MkdirTemp("/tmp", "rdpg") // TMPDIR too long for a socket path
	}
	if err != nil {
		return "", fmt.Errorf("pgembed: socket directory: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("pgembed: %w", err)
	}
	if owner != nil {
		if err := os.Chown(dir, owner.uid, owner.gid); err != nil {
			return "", fmt.Errorf("pgembed: %w", err)
		}
	}
	return dir, nil
}

// sweepSocketDirs removes the socket directories left by servers whose owner
// was killed (Stop removes them otherwise): those whose socket lock file
// names a dead postmaster, and empty ones older than an hour.
func sweepSocketDirs() {
	seen := map[string]bool{}
	for _, tmp := range []string{os.TempDir(), "/tmp"} {
		dirs, _ := filepath.Glob(filepath.Join(tmp, "rdpg*"))
		for _, dir := range dirs {
			if seen[dir] {
				continue
			}
			seen[dir] = true
			if socketDirStale(dir) {
				_ = os.RemoveAll(dir)
			}
		}
	}
}

func socketDirStale(dir string) bool {
	st, err := os.Lstat(dir)
	if err != nil || !st.IsDir() {
		return false
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	if len(entries) == 0 {
		return time.Since(st.ModTime()) > time.Hour
	}
	deadLock := false
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".s.PGSQL.") {
			return false // not ours
		}
		if !strings.HasSuffix(name, ".lock") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return false
		}
		first, _, _ := strings.Cut(string(b), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(first))
		if err != nil || pid <= 0 || processAlive(pid) {
			return false
		}
		deadLock = true
	}
	return deadLock
}

// freePort picks a TCP port that is free now. With an empty listen_addresses
// only the socket file name uses it, but a free port keeps ExtraConf that
// enables TCP working.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 5432
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// quoteValue quotes a connection-string value when needed.
func quoteValue(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\\\t\n") {
		return s
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// rotateLog keeps the server log from growing without bound.
func rotateLog(path string) {
	if st, err := os.Stat(path); err == nil && st.Size() > maxLogSize {
		_ = os.Rename(path, path+".1")
	}
}

// logTail returns the last n lines written to path at or after offset.
func logTail(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const maxTail = 16 << 10
	if st.Size()-offset > maxTail {
		offset = st.Size() - maxTail
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return "(no log: " + err.Error() + ")"
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if s := strings.Join(lines, "\n"); s != "" {
		return s
	}
	return "(empty)"
}
