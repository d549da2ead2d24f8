package api

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Issue 22: while the database is away (the embedded server restarting, an
// external one failing over) a request gets a localized 503 with
// Retry-After instead of a 500.
//
// Two cases are told apart where pgx can tell them apart:
//
//   - outageNotStored: the error came before anything reached the server
//     (no connection could be made, or pgconn.SafeToRetry says nothing was
//     sent). Nothing was stored: "try again" is the truthful answer.
//   - outageUnknown: the connection broke after the request had been sent,
//     which includes a COMMIT whose answer was lost. The change may have been
//     stored, so the answer must not say it failed: it says the outcome is
//     unknown and how to find out (the receipt mail; for the API the
//     Idempotency-Key, whose retry returns the first answer if it was stored).
type outage int

const (
	outageNone outage = iota
	outageNotStored
	outageUnknown
)

// retryAfterSeconds is what 503 answers advise: an embedded restart takes
// about a second (measured in internal/pgembed's supervise test).
const retryAfterSeconds = "5"

// classifyOutage reports whether err means the database is unreachable.
func classifyOutage(err error) outage {
	if err == nil {
		return outageNone
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return outageNotStored
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P03": // cannot_connect_now: starting up or in recovery
			return outageNotStored
		case pgErr.Code == "57P01", pgErr.Code == "57P02", // admin_shutdown, crash_shutdown
			len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection_exception
			return outageUnknown
		}
		return outageNone // an answer from a working server
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return outageNone // the client went away or a handler's own timeout
	}
	// Only errors that come from pgconn (which all say whether retrying is
	// safe) count: an io.EOF from reading a form is not an outage.
	var fromPgconn interface{ SafeToRetry() bool }
	if !errors.As(err, &fromPgconn) {
		return outageNone
	}
	if pgconn.SafeToRetry(err) {
		return outageNotStored // nothing was sent to the server
	}
	var netErr *net.OpError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.As(err, &netErr) {
		return outageUnknown // sent, answer lost: it may have been stored
	}
	return outageNone
}
