package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
)

// Key rotation (issue 22, D-26): everything a ring key protects is moved
// under the ring's current key, in small transactions, so a rotation can
// be interrupted and run again (each pass picks only what is not yet under
// the current key) and runs beside a server (rows are locked one batch at
// a time; a server that knows both keys reads either).
//
// What is moved:
//   - case keys (case_keys): re-wrapped; the data keys do not change, so
//     the cases' ciphertexts stay as they are;
//   - the requesters' blind indexes (email, henkilötunnus, the subject's
//     henkilötunnus) recomputed under the current index key, and the
//     henkilötunnus' inner layer (Keys.Encrypt, no key id of its own)
//     re-encrypted; the index key ids mark what is done;
//   - values sealed under the ring directly (version-2 envelopes: mail and
//     inbound messages of no case);
//   - staff TOTP secrets (totp_key_id) and pending reset-request addresses
//     (key_id), encrypted with Keys.Encrypt.
//
// Audit links and checkpoints are not re-keyed: they keep the key id they
// were made under, and the old key (or its "verify" entry) verifies them.

// RotateProgress is one progress report: Done of Total items of Phase.
type RotateProgress struct {
	Phase       string
	Done, Total int
	Elapsed     time.Duration
}

// Rate is items per second so far.
func (p RotateProgress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// RotateOptions tune a rotation. Progress is called after every batch.
type RotateOptions struct {
	Batch    int // rows per transaction (default 200)
	Progress func(RotateProgress)
}

// RotateReport counts what a rotation moved, per phase, and what was still
// under another key when it ended (a server writing under the old key).
type RotateReport struct {
	Moved     map[string]int
	Remaining int
}

// ringColumns are the columns that may hold version-2 (keyring) envelopes:
// what is stored before it belongs to a case (crypt.go sealFor).
var ringColumns = []struct{ table, key, column string }{
	{"outbox", "id", "to_addr"}, {"outbox", "id", "subject"}, {"outbox", "id", "text_body"},
	{"outbox", "id", "html_body"}, {"outbox", "id", "last_error"},
	{"inbound_messages", "id", "from_addr"}, {"inbound_messages", "id", "subject"}, {"inbound_messages", "id", "raw"},
	{"inbound_files", "id", "filename"}, {"inbound_files", "id", "data"},
}

// ringEnvelopeNotUnder is true for a version-2 envelope whose key id is
// not $1 (bytea). CASE keeps get_byte away from short values.
func ringEnvelopeNotUnder(col string) string {
	return fmt.Sprintf(`CASE WHEN length(%[1]s) > 2 AND get_byte(%[1]s, 0) = 2
		THEN substring(%[1]s FROM 3 FOR get_byte(%[1]s, 1)) <> $1::bytea ELSE false END`, col)
}

const requestersToRotate = `(length(email) > 0 AND email_index_key <> $1)
	OR (hetu_enc IS NOT NULL AND hetu_index_key <> $1)
	OR (subject_hetu_enc IS NOT NULL AND subject_hetu_index_key <> $1)`

type rotatePhase struct {
	name  string
	where string // rows still to do; $1 is the current key id
	table string
	// idBytes: $1 is compared as bytes (a ring envelope's inner key id).
	idBytes bool
	// batch moves up to n rows inside tx and says how many it handled.
	batch func(ctx context.Context, tx pgx.Tx, q *Q, ring *secret.Keys, n int) (int, error)
}

func rotatePhases() []rotatePhase {
	phases := []rotatePhase{
		{name: "case keys", table: "case_keys", where: `wrapped IS NOT NULL AND key_id <> $1`, batch: rotateCaseKeys},
		{name: "requesters' indexes and henkilötunnus", table: "requesters", where: requestersToRotate, batch: rotateRequesters},
	}
	for _, rc := range ringColumns {
		phases = append(phases, rotatePhase{name: rc.table + "." + rc.column, table: rc.table, where: ringEnvelopeNotUnder(rc.column),
			idBytes: true, batch: rotateRingColumn(rc.table, rc.key, rc.column)})
	}
	phases = append(phases,
		rotatePhase{name: "staff TOTP secrets", table: "staff_users",
			where: `(totp_secret IS NOT NULL OR totp_pending IS NOT NULL) AND totp_key_id <> $1`, batch: rotateTOTP},
		rotatePhase{name: "password reset requests", table: "password_reset_requests",
			where: `email_enc IS NOT NULL AND key_id <> $1`, batch: rotateResetRequests})
	return phases
}

func (p rotatePhase) count(ctx context.Context, db DB, cur string) (int, error) {
	var n int
	var arg any = cur
	if p.idBytes {
		arg = []byte(cur)
	}
	err := db.QueryRow(ctx, `SELECT count(*) FROM `+p.table+` WHERE `+p.where, arg).Scan(&n)
	return n, mapErr(err, "counting "+p.name)
}

// KeysPending counts, per phase, what is not yet under the ring's current
// key: zero everywhere means the old keys protect nothing any more but the
// audit trail (which their "verify" entries keep verifiable).
func KeysPending(ctx context.Context, db DB, ring *secret.Keys) (map[string]int, int, error) {
	out := map[string]int{}
	total := 0
	for _, p := range rotatePhases() {
		n, err := p.count(ctx, db, ring.ID())
		if err != nil {
			return nil, 0, err
		}
		if n > 0 {
			out[p.name] = n
		}
		total += n
	}
	return out, total, nil
}

// CaseKeysByKey counts live case keys per wrapping key id.
func CaseKeysByKey(ctx context.Context, db DB) (map[string]int, error) {
	rows, err := db.Query(ctx, `SELECT key_id, count(*) FROM case_keys WHERE wrapped IS NOT NULL GROUP BY key_id`)
	if err != nil {
		return nil, mapErr(err, "case keys by key")
	}
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = n
	}
	return out, mapErr(rows.Err(), "case keys by key")
}

// RotateKeys moves everything under the ring's current key (see above).
// It is idempotent: a second run after an interruption finishes the job,
// and a run with nothing to do changes nothing.
func RotateKeys(ctx context.Context, pool *pgxpool.Pool, ring *secret.Keys, opt RotateOptions) (RotateReport, error) {
	if opt.Batch <= 0 {
		opt.Batch = 200
	}
	rep := RotateReport{Moved: map[string]int{}}
	for _, p := range rotatePhases() {
		total, err := p.count(ctx, pool, ring.ID())
		if err != nil {
			return rep, err
		}
		if total == 0 {
			continue
		}
		start := time.Now()
		done := 0
		for {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			var n int
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				var err error
				n, err = p.batch(ctx, tx, New(tx).WithKeys(ring), ring, opt.Batch)
				return err
			})
			if err != nil {
				return rep, fmt.Errorf("rotating %s: %w", p.name, err)
			}
			done += n
			rep.Moved[p.name] += n
			if done > total {
				total = done // rows a server wrote under the old key meanwhile
			}
			if opt.Progress != nil && n > 0 {
				opt.Progress(RotateProgress{Phase: p.name, Done: done, Total: total, Elapsed: time.Since(start)})
			}
			if n < opt.Batch {
				break
			}
		}
	}
	_, remaining, err := KeysPending(ctx, pool, ring)
	rep.Remaining = remaining
	return rep, err
}

func rotateCaseKeys(ctx context.Context, tx pgx.Tx, _ *Q, ring *secret.Keys, n int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT case_id, key_id, wrapped FROM case_keys
		WHERE wrapped IS NOT NULL AND key_id <> $1 ORDER BY case_id LIMIT $2 FOR UPDATE`, ring.ID(), n)
	if err != nil {
		return 0, err
	}
	type row struct {
		caseID  int64
		keyID   string
		wrapped []byte
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.caseID, &x.keyID, &x.wrapped)
	})
	if err != nil {
		return 0, err
	}
	for _, r := range todo {
		id, wrapped, err := ring.RewrapDataKey(r.caseID, r.keyID, r.wrapped)
		if err != nil {
			return 0, fmt.Errorf("case %d key (under %q): %w", r.caseID, r.keyID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE case_keys SET key_id = $2, wrapped = $3 WHERE case_id = $1`, r.caseID, id, wrapped); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

func rotateRequesters(ctx context.Context, tx pgx.Tx, q *Q, ring *secret.Keys, n int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT case_id, email, hetu_enc, subject_hetu_enc FROM requesters
		WHERE `+requestersToRotate+` ORDER BY case_id LIMIT $2 FOR UPDATE`, ring.ID(), n)
	if err != nil {
		return 0, err
	}
	type row struct {
		caseID            int64
		email, hetu, subj []byte
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.caseID, &x.email, &x.hetu, &x.subj)
	})
	if err != nil {
		return 0, err
	}
	cur := ring.ID()
	for _, r := range todo {
		email, err := q.openStr(ctx, r.caseID, "requesters.email", r.email)
		if errors.Is(err, ErrPurged) {
			// The key is destroyed: nothing can be read or indexed again,
			// and an index of unreadable data only identifies a person.
			if _, err := tx.Exec(ctx, `UPDATE requesters SET email = ''::bytea, email_index = NULL, email_index_key = '',
				hetu_enc = NULL, hetu_index = NULL, hetu_index_key = '', subject_hetu_enc = NULL, subject_hetu_index = NULL,
				subject_hetu_index_key = '' WHERE case_id = $1`, r.caseID); err != nil {
				return 0, err
			}
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("case %d requester: %w", r.caseID, err)
		}
		emailKey, emailIdx, err := q.emailIndex(email)
		if err != nil {
			return 0, err
		}
		if emailKey == "" {
			emailKey = cur // a blank address: the key id marks the row done
		}
		hetu, hetuIdx, hetuKey, err := rotateHetu(ctx, q, ring, r.caseID, "requesters.hetu_enc", r.hetu)
		if err != nil {
			return 0, err
		}
		subj, subjIdx, subjKey, err := rotateHetu(ctx, q, ring, r.caseID, "requesters.subject_hetu_enc", r.subj)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `UPDATE requesters SET email_index = $2, email_index_key = $3,
			hetu_enc = $4, hetu_index = $5, hetu_index_key = $6,
			subject_hetu_enc = $7, subject_hetu_index = $8, subject_hetu_index_key = $9 WHERE case_id = $1`,
			r.caseID, emailIdx, emailKey, hetu, hetuIdx, hetuKey, subj, subjIdx, subjKey); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

// rotateHetu re-encrypts a stored henkilötunnus: the case envelope is
// opened, the inner layer (Keys.Encrypt, under the master key) decrypted
// with whichever ring key opens it and encrypted under the current one,
// and the case envelope sealed again; its blind index is recomputed from
// the canonical form the intake indexes ("hetu" purpose).
func rotateHetu(ctx context.Context, q *Q, ring *secret.Keys, caseID int64, column string, stored []byte) (sealed, index []byte, keyID string, err error) {
	if stored == nil {
		return nil, nil, "", nil
	}
	inner, err := q.open(ctx, caseID, column, stored)
	if err != nil {
		return nil, nil, "", fmt.Errorf("case %d %s: %w", caseID, column, err)
	}
	if len(inner) == 0 {
		return stored, nil, ring.ID(), nil // nothing to index; the key id marks it done
	}
	canonical, err := ring.Decrypt(inner)
	if err != nil {
		return nil, nil, "", fmt.Errorf("case %d %s inner layer: %w", caseID, column, err)
	}
	if !ring.DecryptedByCurrent(inner) {
		if inner, err = ring.Encrypt(canonical); err != nil {
			return nil, nil, "", err
		}
	}
	if sealed, err = q.seal(ctx, caseID, column, inner); err != nil {
		return nil, nil, "", err
	}
	keyID, index = ring.IndexFor("hetu", string(canonical))
	clear(canonical)
	return sealed, index, keyID, nil
}

func rotateRingColumn(table, key, column string) func(context.Context, pgx.Tx, *Q, *secret.Keys, int) (int, error) {
	purpose := table + "." + column
	return func(ctx context.Context, tx pgx.Tx, _ *Q, ring *secret.Keys, n int) (int, error) {
		rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s ORDER BY %[1]s LIMIT $2 FOR UPDATE`,
			key, column, table, ringEnvelopeNotUnder(column)), []byte(ring.ID()), n)
		if err != nil {
			return 0, err
		}
		type row struct {
			id int64
			v  []byte
		}
		todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
			var x row
			return x, r.Scan(&x.id, &x.v)
		})
		if err != nil {
			return 0, err
		}
		for _, r := range todo {
			pt, err := ring.OpenRing(purpose, r.v)
			if err != nil {
				return 0, fmt.Errorf("%s %d: %w", purpose, r.id, err)
			}
			sealed, err := ring.SealRing(purpose, pt)
			clear(pt)
			if err != nil {
				return 0, err
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = $2 WHERE %s = $1`, table, column, key), r.id, sealed); err != nil {
				return 0, err
			}
		}
		return len(todo), nil
	}
}

// reencrypt moves a Keys.Encrypt value under the current key.
func reencrypt(ring *secret.Keys, v []byte) ([]byte, error) {
	if v == nil || ring.DecryptedByCurrent(v) {
		return v, nil
	}
	pt, err := ring.Decrypt(v)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	return ring.Encrypt(pt)
}

func rotateTOTP(ctx context.Context, tx pgx.Tx, _ *Q, ring *secret.Keys, n int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, totp_secret, totp_pending FROM staff_users
		WHERE (totp_secret IS NOT NULL OR totp_pending IS NOT NULL) AND totp_key_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE`, ring.ID(), n)
	if err != nil {
		return 0, err
	}
	type row struct {
		id              int64
		secret, pending []byte
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.secret, &x.pending)
	})
	if err != nil {
		return 0, err
	}
	for _, r := range todo {
		s, err := reencrypt(ring, r.secret)
		if err != nil {
			return 0, fmt.Errorf("staff user %d TOTP secret: %w", r.id, err)
		}
		p, err := reencrypt(ring, r.pending)
		if err != nil {
			return 0, fmt.Errorf("staff user %d pending TOTP secret: %w", r.id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE staff_users SET totp_secret = $2, totp_pending = $3, totp_key_id = $4 WHERE id = $1`,
			r.id, s, p, ring.ID()); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}

func rotateResetRequests(ctx context.Context, tx pgx.Tx, _ *Q, ring *secret.Keys, n int) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, email_enc FROM password_reset_requests
		WHERE email_enc IS NOT NULL AND key_id <> $1 ORDER BY id LIMIT $2 FOR UPDATE`, ring.ID(), n)
	if err != nil {
		return 0, err
	}
	type row struct {
		id  int64
		enc []byte
	}
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.enc)
	})
	if err != nil {
		return 0, err
	}
	for _, r := range todo {
		enc, err := reencrypt(ring, r.enc)
		if err != nil {
			return 0, fmt.Errorf("reset request %d: %w", r.id, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE password_reset_requests SET email_enc = $2, key_id = $3 WHERE id = $1`,
			r.id, enc, ring.ID()); err != nil {
			return 0, err
		}
	}
	return len(todo), nil
}
