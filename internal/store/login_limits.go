package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Sign-in limits held in the database (issue 16, item 6; D-24): every
// attempt reserves its failure before the password is hashed, under its
// address's lock, so parallel attempts cannot race past a limit.

// loginAddressLock is the advisory lock class of LockLoginAddress.
const loginAddressLock = 7268

// LockLoginAddress takes, until the transaction ends, the lock that puts
// the sign-in attempts from ip in a line for their reservation and check:
// without it, parallel attempts could all reserve before any counted, and
// each then saw the others over the limit, so none was checked at all.
func (q *Q) LockLoginAddress(ctx context.Context, ip string) error {
	_, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(loginAddressLock), ip)
	return mapErr(err, "login address lock")
}

// ReserveLoginFailure records a failed sign-in from ip ahead of the
// password check and returns its id (to release it on success).
func (q *Q) ReserveLoginFailure(ctx context.Context, ip string, at time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO login_failures (ip, at) VALUES ($1, $2) RETURNING id`, ip, at).Scan(&id)
	return id, mapErr(err, "login failure")
}

// ReleaseLoginFailure removes a reservation: the sign-in succeeded.
func (q *Q) ReleaseLoginFailure(ctx context.Context, id int64) error {
	_, err := q.db.Exec(ctx, `DELETE FROM login_failures WHERE id = $1`, id)
	return mapErr(err, "login failure")
}

// ReserveLoginAttempt counts one more failure in a row for an email hash,
// unless it is locked at now. n is the count including this attempt; when
// n reaches lockAfter the lock (base doubling per further failure, at most
// max) is set in the same statement, before the password is checked.
// locked is the lock's end when the attempt was refused (n is then 0).
func (q *Q) ReserveLoginAttempt(ctx context.Context, emailHash []byte, now time.Time, lockAfter int, base, max time.Duration) (n int, locked time.Time, err error) {
	err = q.db.QueryRow(ctx, `
		INSERT INTO login_locks AS l (email_hash, failures, locked_until, updated_at)
		VALUES ($1, 1, CASE WHEN 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4) END, $2)
		ON CONFLICT (email_hash) DO UPDATE SET
			failures = l.failures + 1,
			locked_until = CASE WHEN l.failures + 1 >= $3
				THEN $2::timestamptz + make_interval(secs => least($4 * power(2, least(l.failures + 1 - $3, 20)), $5))
				ELSE l.locked_until END,
			updated_at = $2
		WHERE l.locked_until IS NULL OR l.locked_until <= $2
		RETURNING failures`, emailHash, now, lockAfter, base.Seconds(), max.Seconds()).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		var until *time.Time
		err = q.db.QueryRow(ctx, `SELECT locked_until FROM login_locks WHERE email_hash = $1`, emailHash).Scan(&until)
		if err != nil {
			return 0, time.Time{}, mapErr(err, "login lock")
		}
		if until == nil { // unlocked meanwhile: refuse this once, it is rare
			return 0, now, nil
		}
		return 0, *until, nil
	}
	return n, time.Time{}, mapErr(err, "login lock")
}

// ClearLoginAttempts ends the failures in a row (a successful sign-in).
func (q *Q) ClearLoginAttempts(ctx context.Context, emailHash []byte) error {
	_, err := q.db.Exec(ctx, `DELETE FROM login_locks WHERE email_hash = $1`, emailHash)
	return mapErr(err, "login lock")
}

// LoginAttempts is the failures in a row recorded for an email hash.
func (q *Q) LoginAttempts(ctx context.Context, emailHash []byte) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT failures FROM login_locks WHERE email_hash = $1`, emailHash).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return n, mapErr(err, "login lock")
}

// PruneLoginLocks forgets counts untouched since before and not locked.
func (q *Q) PruneLoginLocks(ctx context.Context, before time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM login_locks WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until < $1)`, before)
	return tag.RowsAffected(), mapErr(err, "pruning login locks")
}
