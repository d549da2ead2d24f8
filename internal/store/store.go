// Package store holds all SQL of rightsdesk, one file per aggregate. Every
// query that reads or changes an organisation's data takes the
// organisation's id: isolation is enforced in the WHERE clause, not by
// callers remembering it.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
)

// ErrNotFound is returned when a row does not exist (or belongs to another
// organisation: callers cannot tell the difference, by design).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned on a unique-constraint violation.
var ErrConflict = errors.New("already exists")

// DB is what both a pool and a transaction offer.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Q runs queries on a pool or inside a transaction.
type Q struct {
	db   DB
	keys *secret.Keys // nil: the keyring installed by UseKeys
	ck   *caseKeys    // this Q's unwrapped case keys (crypt.go)
}

// New wraps a pool or a transaction.
func New(db DB) *Q { return &Q{db: db, ck: &caseKeys{}} }

// DB returns the underlying pool or transaction.
func (q *Q) DB() DB { return q.db }

// Tx runs fn in a transaction on pool: commit on nil, rollback on error.
func Tx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) error {
	return markConnLost(pgx.BeginFunc(ctx, pool, fn))
}

// connLost marks an error as the database connection breaking while a
// statement's answer was awaited. pgx returns such a read error bare (an
// io.ErrUnexpectedEOF, a reset): without the mark it reads like a request
// body's EOF, and a request whose COMMIT had gone through answered 500
// (issue 22, fault test 2). Like pgconn's own errors it says whether
// retrying is safe: never, as the statement had been sent.
type connLost struct{ err error }

func (e connLost) Error() string     { return e.err.Error() }
func (e connLost) Unwrap() error     { return e.err }
func (e connLost) SafeToRetry() bool { return false }

// markConnLost marks bare connection errors (see connLost); errors that
// already say whether retrying is safe, server errors and the rest pass
// through unchanged.
func markConnLost(err error) error {
	if err == nil {
		return nil
	}
	var safe interface{ SafeToRetry() bool }
	var pg *pgconn.PgError
	if errors.As(err, &safe) || errors.As(err, &pg) {
		return err
	}
	var netErr *net.OpError
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &netErr) {
		return connLost{err}
	}
	return err
}

// mapErr turns driver errors into the store's: ErrNoRows -> ErrNotFound,
// unique violations -> ErrConflict. Done once, here.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" {
		return fmt.Errorf("%s: %w", what, ErrConflict)
	}
	return fmt.Errorf("%s: %w", what, markConnLost(err))
}

// collectMap reads two-column rows into a map (id -> receipt, org ->
// count, ...).
func collectMap[K comparable, V any](rows pgx.Rows, err error, what string) (map[K]V, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	defer rows.Close()
	out := map[K]V{}
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, mapErr(err, what)
		}
		out[k] = v
	}
	return out, mapErr(rows.Err(), what)
}
