package pgtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func currentDB(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var name string
	if err := q.QueryRow(context.Background(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestParallelTestsGetDistinctDatabases(t *testing.T) {
	const n = 8
	var (
		mu    sync.Mutex
		names = map[string]bool{}
	)
	t.Run("group", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				t0 := time.Now()
				pool := NewPool(t)
				t.Logf("NewPool took %s", time.Since(t0).Round(time.Millisecond))
				if got := pool.Config().MaxConns; got != MaxConns {
					t.Errorf("MaxConns = %d", got)
				}
				name := currentDB(t, pool)
				mu.Lock()
				dup := names[name]
				names[name] = true
				mu.Unlock()
				if dup {
					t.Fatalf("database %s handed out twice", name)
				}
				// Would fail if another test had the same database.
				if _, err := pool.Exec(ctx, "CREATE TABLE mine (n int)"); err != nil {
					t.Fatal(err)
				}
				if _, err := pool.Exec(ctx, "INSERT INTO mine VALUES ($1)", i); err != nil {
					t.Fatal(err)
				}
				var got int
				if err := pool.QueryRow(ctx, "SELECT n FROM mine").Scan(&got); err != nil || got != i {
					t.Fatalf("mine = %d, %v", got, err)
				}
			})
		}
	})
	if len(names) != n {
		t.Fatalf("%d distinct databases, want %d", len(names), n)
	}
	// Their cleanups dropped them.
	for name := range names {
		var exists bool
		if err := srv.admin.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("database %s not dropped after its test", name)
		}
	}
}

func TestTableInOneDatabaseIsAbsentInAnother(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := NewPool(t), NewPool(t)
	if _, err := a.Exec(ctx, "CREATE TABLE only_in_a (id int)"); err != nil {
		t.Fatal(err)
	}
	var inA, inB bool
	if err := a.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&inA); err != nil {
		t.Fatal(err)
	}
	if err := b.QueryRow(ctx, "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&inB); err != nil {
		t.Fatal(err)
	}
	if !inA || inB {
		t.Errorf("table in a: %v, in b: %v; want true, false", inA, inB)
	}
}

func TestMigrationsApplied(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := NewPool(t)
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("schema_migrations is empty")
	}
	var river bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('river_job') IS NOT NULL").Scan(&river); err != nil {
		t.Fatal(err)
	}
	if !river {
		t.Error("River's tables are missing")
	}
	t.Logf("%d migrations applied", n)
}

func TestConnString(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := ConnString(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("schema_migrations: %d rows, %v", n, err)
	}
	// Left open on purpose: the cleanup drops the database anyway.
	if _, err := pgx.Connect(ctx, dsn); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateIsSealed(t *testing.T) {
	NewPool(t) // sets up the server
	var allow bool
	if err := srv.admin.QueryRow(context.Background(), "SELECT datallowconn FROM pg_database WHERE datname = $1", srv.template).Scan(&allow); err != nil {
		t.Fatal(err)
	}
	if allow {
		t.Error("template accepts connections")
	}
}

func TestCloneTiming(t *testing.T) {
	NewPool(t) // setup is not part of the timing
	const n = 10
	var total time.Duration
	for i := range n {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t0 := time.Now()
			pool := NewPool(t)
			if err := pool.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
			total += time.Since(t0)
		})
	}
	t.Logf("NewPool + first connection: %s per database (mean of %d)", (total / n).Round(time.Millisecond), n)
}
