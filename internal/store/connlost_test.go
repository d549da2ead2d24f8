package store

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// Issue 22: a bare read error from a connection that broke mid-answer is
// marked "not safe to retry" (the statement was sent: outcome unknown);
// errors that are not the connection's pass through unmarked.
func TestMarkConnLost(t *testing.T) {
	for _, err := range []error{io.ErrUnexpectedEOF, io.EOF, fmt.Errorf("reading: %w", io.ErrUnexpectedEOF)} {
		got := mapErr(err, "token")
		var safe interface{ SafeToRetry() bool }
		if !errors.As(got, &safe) || pgconn.SafeToRetry(got) || !errors.Is(got, io.ErrUnexpectedEOF) && !errors.Is(got, io.EOF) {
			t.Errorf("%v -> %v: want marked not safe to retry, wrapping the cause", err, got)
		}
	}
	for _, err := range []error{errors.New("x"), &pgconn.PgError{Code: "42P01"}} {
		var safe interface{ SafeToRetry() bool }
		if got := mapErr(err, "token"); errors.As(got, &safe) {
			t.Errorf("%v -> %v marked as a lost connection", err, got)
		}
	}
	if markConnLost(nil) != nil {
		t.Error("nil marked")
	}
}
