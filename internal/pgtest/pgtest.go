// Package pgtest gives each test a fresh, migrated PostgreSQL database.
//
// A package using it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test takes a pool (or a connection string) of its own:
//
//	pool := pgtest.NewPool(t)
//
// The first call starts one throwaway cluster for the whole test binary
// (pgembed, fsync off, in a temporary directory that Main removes), or uses
// the server at TEST_DATABASE_URL when that is set. It then creates a
// template database rd_template_<pid>_<random> and applies migrations.Up to
// it once; every test database is a clone of that template
// (CREATE DATABASE ... TEMPLATE), dropped again when the test ends. Names are
// unique per process, so test binaries running at once can share a server.
//
// When no PostgreSQL is available the test fails (it never skips), saying how
// to install it or to set TEST_DATABASE_URL.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgembed"
	"rightsdesk/migrations"
)

// EnvURL names the variable that points the tests at an existing server
// instead of a throwaway cluster. Its user must be allowed to create
// databases.
const EnvURL = "TEST_DATABASE_URL"

// MaxConns is the pool size of NewPool's pools.
const MaxConns = 20

const unavailableHelp = "PostgreSQL is needed for this test. Install it (apt-get install -y postgresql on Debian/Ubuntu: the server binaries are enough, no service needs to run) or set " + EnvURL + " to a server where this user may create databases."

var (
	mainCalled atomic.Bool
	setupOnce  sync.Once
	srv        *server
	setupErr   error

	// createMu serializes CREATE DATABASE: cloning one template from
	// several sessions at once is not reliable.
	createMu sync.Mutex
	dbSeq    atomic.Int64
)

type server struct {
	baseDSN   string // connection string of the admin database
	admin     *pgxpool.Pool
	template  string
	prefix    string // <pid>_<random>: unique per process
	forceDrop bool   // DROP DATABASE ... WITH (FORCE) is available (PG 13+)
	strategy  string // CREATE DATABASE option
	cluster   *pgembed.Cluster
	tmpDir    string
}

// Main runs the package's tests, then stops and removes the throwaway
// cluster (or drops the template from the TEST_DATABASE_URL server), and
// exits with the tests' status. Call it from TestMain.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main without the exit, for a TestMain that has more to set up and
// tear down around the tests (a browser): it returns the tests' status.
func Run(m *testing.M) int {
	mainCalled.Store(true)
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	return code
}

// NewPool returns a pool (pool_max_conns=20) on a fresh database migrated to
// the latest schema. The pool is closed and the database dropped when t
// ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := NewDatabase(t)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = MaxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // runs before the database is dropped
	return pool
}

// NewDatabase creates a fresh migrated database, dropped when t ends (even
// with connections still open), and returns its connection string: usable
// with pgx.Connect and pgxpool.New alike (it carries no pool settings).
func NewDatabase(t testing.TB) (dsn string) {
	t.Helper()
	s := get(t)
	name := fmt.Sprintf("t_%s_%d", s.prefix, dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.create(ctx, name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.drop(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s.dsn(name)
}

// ConnString is NewDatabase, for code that wants a connection string rather
// than a pool.
func ConnString(t testing.TB) string {
	t.Helper()
	return NewDatabase(t)
}

func get(t testing.TB) *server {
	t.Helper()
	if !mainCalled.Load() {
		t.Fatal("pgtest: this package's tests must call pgtest.Main: add\n\tfunc TestMain(m *testing.M) { pgtest.Main(m) }\nso that the test cluster is stopped and removed when they end")
	}
	setupOnce.Do(func() { srv, setupErr = setup() })
	if setupErr != nil {
		t.Fatalf("pgtest: %v\n%s", setupErr, unavailableHelp)
	}
	return srv
}

func setup() (*server, error) {
	s := &server{prefix: fmt.Sprintf("%d_%s", os.Getpid(), randomHex(3))}
	if err := s.setup(); err != nil {
		_ = s.close()
		return nil, err
	}
	return s, nil
}

func (s *server) setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t0 := time.Now()
	if u := os.Getenv(EnvURL); u != "" {
		s.baseDSN = u
	} else {
		if err := s.startCluster(ctx); err != nil {
			return err
		}
	}
	tStarted := time.Now()

	cfg, err := pgxpool.ParseConfig(s.baseDSN)
	if err != nil {
		return fmt.Errorf("%s: %w", EnvURL, err)
	}
	cfg.MaxConns = 4
	if s.admin, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return err
	}
	var version int
	if err := s.admin.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return fmt.Errorf("connect to %s: %w", s.where(), err)
	}
	s.forceDrop = version >= 130000
	if s.cluster != nil && version >= 150000 {
		// Copying the files beats WAL-logging every block (the default since
		// 15) when the copy's checkpoints cost nothing, as with fsync off.
		s.strategy = " STRATEGY FILE_COPY"
	}

	s.template = "rd_template_" + s.prefix
	if err := s.makeTemplate(ctx); err != nil {
		return err
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "pgtest: using the %s (ready in %s); template %s migrated in %s\n",
			s.where(), tStarted.Sub(t0).Round(time.Millisecond), s.template, time.Since(tStarted).Round(time.Millisecond))
	}
	return nil
}

func (s *server) startCluster(ctx context.Context) error {
	sweepAbandoned()
	dir, err := os.MkdirTemp("", "rdpgtest")
	if err != nil {
		return err
	}
	s.tmpDir = dir
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	// As root the server runs as user postgres, which must traverse it.
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	s.cluster, err = pgembed.Start(ctx, pgembed.Options{
		DataDir: filepath.Join(dir, "data"),
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Fsync:   false,
		ExtraConf: map[string]string{
			"synchronous_commit": "off",
			"full_page_writes":   "off",
			"max_connections":    "300",
		},
	})
	if err != nil {
		return err
	}
	s.baseDSN = s.cluster.DSN("postgres")
	return nil
}

// makeTemplate creates the template database and migrates it. Its pool is
// closed before any clone: CREATE DATABASE ... TEMPLATE fails while another
// session is connected to the template.
func (s *server) makeTemplate(ctx context.Context) error {
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+ident(s.template)); err != nil {
		return fmt.Errorf("create template database on %s: %w", s.where(), err)
	}
	cfg, err := pgxpool.ParseConfig(s.dsn(s.template))
	if err != nil {
		return err
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	err = migrations.Up(ctx, pool)
	pool.Close()
	if err != nil {
		return fmt.Errorf("migrate template database: %w", err)
	}
	// Nobody may connect to it any more (autovacuum included), so cloning
	// never finds it busy.
	if _, err := s.admin.Exec(ctx, "ALTER DATABASE "+ident(s.template)+" ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("seal template database: %w", err)
	}
	return nil
}

func (s *server) create(ctx context.Context, name string) error {
	createMu.Lock()
	defer createMu.Unlock()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		_, err = s.admin.Exec(ctx, "CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(s.template)+s.strategy)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" { // object_in_use: template busy
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("create test database %s: %w", name, err)
	}
	return nil
}

func (s *server) drop(ctx context.Context, name string) error {
	sql := "DROP DATABASE IF EXISTS " + ident(name)
	if s.forceDrop {
		sql += " WITH (FORCE)"
	}
	if _, err := s.admin.Exec(ctx, sql); err != nil {
		return fmt.Errorf("drop test database %s: %w", name, err)
	}
	return nil
}

// dsn returns the connection string for database name on the server.
func (s *server) dsn(name string) string {
	if s.cluster != nil {
		return s.cluster.DSN(name)
	}
	if strings.HasPrefix(s.baseDSN, "postgres://") || strings.HasPrefix(s.baseDSN, "postgresql://") {
		if u, err := url.Parse(s.baseDSN); err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			q := u.Query()
			if q.Has("dbname") {
				q.Set("dbname", name)
				u.RawQuery = q.Encode()
			}
			return u.String()
		}
	}
	return s.baseDSN + " dbname=" + name // keyword/value: the last one wins
}

func (s *server) where() string {
	if s.cluster != nil {
		return "throwaway cluster in " + s.cluster.DataDir()
	}
	return EnvURL + " server"
}

// shutdown ends what setup started.
func shutdown() error {
	if srv == nil {
		return nil
	}
	return srv.close()
}

func (s *server) close() error {
	var errs []error
	if s.admin != nil {
		if s.cluster == nil && s.template != "" {
			// A shared server: drop what this process made (test databases
			// are dropped by their tests; these are leftovers).
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			rows, err := s.admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2",
				s.template, "t\\_"+strings.ReplaceAll(s.prefix, "_", "\\_")+"\\_%")
			var names []string
			if err == nil {
				names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			}
			errs = append(errs, err)
			for _, n := range names {
				errs = append(errs, s.drop(ctx, n))
			}
			cancel()
		}
		s.admin.Close()
	}
	if s.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		errs = append(errs, s.cluster.Stop(ctx))
		cancel()
		if d := s.cluster.DataDir(); s.tmpDir == "" || !strings.HasPrefix(d, s.tmpDir+"/") {
			errs = append(errs, os.RemoveAll(d)) // relocated (see pgembed)
		}
	}
	if s.tmpDir != "" {
		errs = append(errs, os.RemoveAll(s.tmpDir))
	}
	return errors.Join(errs...)
}

// ownerFile, in a cluster's temporary directory, holds the pid of the test
// process that owns it.
const ownerFile = "owner.pid"

// sweepAbandoned removes the temporary clusters of test processes that died
// without running Main's cleanup (killed, or timed out). Their servers died
// with them (pgembed's Pdeathsig); only the files remain.
func sweepAbandoned() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "rdpgtest*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(dir)
		}
	}
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
