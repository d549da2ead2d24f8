package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
)

// Personal data at rest (issue 16 item 4, D-25, D-26): the store seals
// every personal column with the case's data key as it writes and opens
// it as it reads, so callers see plaintext fields as before. The case key
// is kept in case_keys wrapped under the keyring; a Q unwraps a case's
// key once and keeps it only for its own life (a request or a
// transaction), never in a process-wide cache.

// ErrPurged is returned when a case's data is read after its key was
// destroyed (DestroyCaseKey): the data exists but can never be read again.
var ErrPurged = errors.New("case data purged")

// ErrNoKeys: the store was asked to seal or open personal data with no
// keyring installed (UseKeys). It fails closed rather than store
// plaintext.
var ErrNoKeys = errors.New("store: no keyring installed for personal data")

var defaultKeys atomic.Pointer[secret.Keys]

// UseKeys installs the process's keyring: every Q made by New seals and
// opens personal data with it. Start-up (serve, the CLI) and the test
// harness call it; WithKeys overrides it for one Q. A ring installed
// earlier in the process stays available for opening (a process has one
// ring; test binaries build several with different keys).
func UseKeys(k *secret.Keys) {
	if k == nil {
		return
	}
	for {
		prev := defaultKeys.Load()
		next := k
		if prev != nil {
			next = k.Joined(prev)
		}
		if defaultKeys.CompareAndSwap(prev, next) {
			return
		}
	}
}

// LearnKeys teaches the process's keyring the keys of k for opening only
// (secret.Keys.Learn): a running server learns the key a rotation added,
// so it reads what the rotation has re-encrypted, and goes on sealing
// under its current key until it restarts (issue 22).
func LearnKeys(k *secret.Keys) {
	if cur := defaultKeys.Load(); cur != nil {
		cur.Learn(k)
	}
}

// WithKeys returns a Q on the same database that uses keys (a rotation
// check, a test with its own ring), with its own case-key cache.
func (q *Q) WithKeys(k *secret.Keys) *Q { return &Q{db: q.db, keys: k, ck: &caseKeys{}} }

// caseKeys is a Q's cache of unwrapped case keys.
type caseKeys struct {
	mu sync.Mutex
	m  map[int64]*secret.CaseKey
}

func (q *Q) ring() (*secret.Keys, error) {
	k := q.keys
	if k == nil {
		k = defaultKeys.Load()
	}
	if k == nil {
		return nil, ErrNoKeys
	}
	return k, nil
}

func (q *Q) cache() *caseKeys {
	if q.ck == nil {
		// A Q made as a literal (tests) gets a cache on first use; New
		// makes one up front, so copies share it.
		q.ck = &caseKeys{}
	}
	return q.ck
}

// caseKey returns the unwrapped data key of a case. create makes one when
// the case has none yet (a new case, or one written before encryption);
// a destroyed key is never re-created: ErrPurged.
func (q *Q) caseKey(ctx context.Context, caseID int64, create bool) (*secret.CaseKey, error) {
	if caseID == 0 {
		return nil, errors.New("store: personal data without a case")
	}
	c := q.cache()
	c.mu.Lock()
	if k, ok := c.m[caseID]; ok {
		c.mu.Unlock()
		return k, nil
	}
	c.mu.Unlock()
	ring, err := q.ring()
	if err != nil {
		return nil, err
	}
	var keyID string
	var wrapped []byte
	err = q.db.QueryRow(ctx, `SELECT key_id, wrapped FROM case_keys WHERE case_id = $1`, caseID).Scan(&keyID, &wrapped)
	switch {
	case errors.Is(err, pgx.ErrNoRows) && create:
		return q.createCaseKey(ctx, ring, caseID)
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("case %d: %w", caseID, ErrPurged)
	case err != nil:
		return nil, mapErr(err, "case key")
	case wrapped == nil:
		return nil, fmt.Errorf("case %d: %w", caseID, ErrPurged)
	}
	k, err := ring.UnwrapDataKey(caseID, keyID, wrapped)
	if err != nil {
		return nil, fmt.Errorf("case %d key: %w", caseID, err)
	}
	c.put(caseID, k)
	return k, nil
}

func (c *caseKeys) put(caseID int64, k *secret.CaseKey) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[int64]*secret.CaseKey{}
	}
	c.m[caseID] = k
	c.mu.Unlock()
}

func (q *Q) createCaseKey(ctx context.Context, ring *secret.Keys, caseID int64) (*secret.CaseKey, error) {
	raw, err := secret.NewDataKey()
	if err != nil {
		return nil, err
	}
	keyID, wrapped, err := ring.WrapDataKey(caseID, raw)
	if err != nil {
		return nil, err
	}
	tag, err := q.db.Exec(ctx, `INSERT INTO case_keys (case_id, key_id, wrapped, created_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (case_id) DO NOTHING`, caseID, keyID, wrapped)
	if err != nil {
		return nil, mapErr(err, "case key")
	}
	if tag.RowsAffected() == 0 {
		// Another transaction made it first (or it was destroyed): read it.
		return q.caseKey(ctx, caseID, false)
	}
	k, err := secret.NewCaseKey(caseID, raw)
	if err != nil {
		return nil, err
	}
	q.cache().put(caseID, k)
	return k, nil
}

// DestroyCaseKey destroys a case's data key (D-25: purging a case): every
// ciphertext of the case becomes unreadable for ever, and reads of it
// answer ErrPurged. The row stays as a tombstone (wrapped key NULL), so a
// later write cannot silently make a new key for the case.
func (q *Q) DestroyCaseKey(ctx context.Context, caseID int64) error {
	_, err := q.db.Exec(ctx, `INSERT INTO case_keys (case_id, key_id, wrapped, created_at, destroyed_at)
		VALUES ($1, '', NULL, now(), now())
		ON CONFLICT (case_id) DO UPDATE SET wrapped = NULL, destroyed_at = coalesce(case_keys.destroyed_at, now())`, caseID)
	if err != nil {
		return mapErr(err, "destroying case key")
	}
	c := q.cache()
	c.mu.Lock()
	delete(c.m, caseID)
	c.mu.Unlock()
	return nil
}

// CaseKeyDestroyedAt reports when a case's key was destroyed (nil: it was
// not).
func (q *Q) CaseKeyDestroyedAt(ctx context.Context, caseID int64) (*time.Time, error) {
	var t *time.Time
	err := q.db.QueryRow(ctx, `SELECT destroyed_at FROM case_keys WHERE case_id = $1`, caseID).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return t, mapErr(err, "case key")
}

// seal encrypts a personal value of a case for its column.
func (q *Q) seal(ctx context.Context, caseID int64, column string, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return []byte{}, nil
	}
	k, err := q.caseKey(ctx, caseID, true)
	if err != nil {
		return nil, err
	}
	return k.Seal(column, v)
}

func (q *Q) sealStr(ctx context.Context, caseID int64, column, v string) ([]byte, error) {
	return q.seal(ctx, caseID, column, []byte(v))
}

// open decrypts a stored value of a case's column. A keyring envelope
// (sealed before the case existed) opens with the ring.
func (q *Q) open(ctx context.Context, caseID int64, column string, b []byte) ([]byte, error) {
	if len(b) == 0 {
		return []byte{}, nil
	}
	switch b[0] {
	case secret.EnvLegacy:
		return b[1:], nil
	case secret.EnvRing:
		ring, err := q.ring()
		if err != nil {
			return nil, err
		}
		return ring.OpenRing(column, b)
	}
	k, err := q.caseKey(ctx, caseID, false)
	if err != nil {
		return nil, err
	}
	return k.Open(column, b)
}

func (q *Q) openStr(ctx context.Context, caseID int64, column string, b []byte) (string, error) {
	v, err := q.open(ctx, caseID, column, b)
	return string(v), err
}

// sealRing encrypts data that belongs to no case under the keyring.
func (q *Q) sealRing(column string, v []byte) ([]byte, error) {
	ring, err := q.ring()
	if err != nil {
		return nil, err
	}
	return ring.SealRing(column, v)
}

// sealFor seals under the case key when there is a case, else the ring.
func (q *Q) sealFor(ctx context.Context, caseID int64, column string, v []byte) ([]byte, error) {
	if caseID == 0 {
		return q.sealRing(column, v)
	}
	return q.seal(ctx, caseID, column, v)
}

// openFor opens what sealFor sealed; caseID 0 has only ring envelopes.
func (q *Q) openFor(ctx context.Context, caseID int64, column string, b []byte) ([]byte, error) {
	if caseID == 0 && len(b) > 0 && b[0] == secret.EnvCase {
		return nil, ErrPurged // its case is gone (ON DELETE SET NULL)
	}
	return q.open(ctx, caseID, column, b)
}

// fields seals or opens several string fields of one row in turn,
// stopping at the first error.
type fieldOp struct {
	err error
}

func (f *fieldOp) seal(q *Q, ctx context.Context, caseID int64, column, v string) []byte {
	if f.err != nil {
		return nil
	}
	var b []byte
	b, f.err = q.sealFor(ctx, caseID, column, []byte(v))
	return b
}

func (f *fieldOp) open(q *Q, ctx context.Context, caseID int64, column string, b []byte) string {
	if f.err != nil {
		return ""
	}
	var v []byte
	v, f.err = q.openFor(ctx, caseID, column, b)
	return string(v)
}

// emailIndex is the blind index of an email under the current key, with
// its key id; emailIndexes are its indexes under every ring key (look-up).
func (q *Q) emailIndex(email string) (string, []byte, error) {
	ring, err := q.ring()
	if err != nil {
		return "", nil, err
	}
	e := secret.NormalizeEmail(email)
	if e == "" {
		return "", nil, nil
	}
	id, idx := ring.IndexFor("email", e)
	return id, idx, nil
}

func (q *Q) emailIndexes(email string) ([][]byte, error) {
	ring, err := q.ring()
	if err != nil {
		return nil, err
	}
	e := secret.NormalizeEmail(email)
	if e == "" {
		return [][]byte{}, nil
	}
	return ring.IndexesFor("email", e), nil
}

// HoldsKeyedData reports whether the database holds anything written
// under a secret key: an audit event (its chain is keyed), a case key (a
// case's personal data) or a staff account's second factor. A start that
// finds no key file must not generate a new key over such data.
func (q *Q) HoldsKeyedData(ctx context.Context) (bool, error) {
	var held bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM audit_events) OR EXISTS (SELECT 1 FROM case_keys)
		OR EXISTS (SELECT 1 FROM staff_users WHERE totp_key_id <> '')`).Scan(&held)
	return held, err
}
