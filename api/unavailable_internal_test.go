package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"rightsdesk/internal/pgtest"
)

// Issue 22: the errors of a real database outage are classified from real
// pgx errors: no connection (nothing stored) versus a connection that broke
// after the statement was sent (outcome unknown).
func TestClassifyOutage(t *testing.T) {
	ctx := context.Background()
	if _, err := pgx.Connect(ctx, "host=/nonexistent-rdsock port=1 user=postgres dbname=x sslmode=disable"); classifyOutage(err) != outageNotStored {
		t.Fatalf("connect to a missing socket: %v -> %v, want not stored", err, classifyOutage(err))
	}
	dsn := pgtest.NewDatabase(t)
	victim, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	killer, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(ctx)
	if _, err := victim.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
		t.Fatal(err)
	}
	tx, err := victim.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := killer.Exec(ctx, "SELECT pg_terminate_backend($1)", victim.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	err = tx.Commit(ctx)
	if err == nil {
		t.Fatal("commit on a terminated backend succeeded")
	}
	// The COMMIT is usually written and its answer lost: unknown. When the
	// server's close has reached this side first, the write itself fails
	// and pgx says nothing was sent (SafeToRetry): then not stored is the
	// truth, since the backend rolled back (seen once on a fresh clone).
	got := classifyOutage(fmt.Errorf("store: %w", err))
	if want := outageUnknown; pgconn.SafeToRetry(err) {
		want = outageNotStored
		if got != want {
			t.Fatalf("commit not sent to a terminated backend: %v -> %v, want not stored", err, got)
		}
	} else if got != want {
		t.Fatalf("commit on a terminated backend: %v -> %v, want unknown", err, got)
	}
	// After the break, the closed connection refuses before sending.
	_, err = victim.Exec(ctx, "SELECT 1")
	if got := classifyOutage(err); got == outageNone {
		t.Fatalf("query on a closed connection: %v -> none", err)
	}
	// Not outages: a server's answer, a body read error, a client gone.
	_, err = killer.Exec(ctx, "SELECT * FROM no_such_table")
	for _, e := range []error{err, io.EOF, io.ErrUnexpectedEOF, context.Canceled, errors.New("x")} {
		if got := classifyOutage(e); got != outageNone {
			t.Errorf("%v -> %v, want none", e, got)
		}
	}
}
