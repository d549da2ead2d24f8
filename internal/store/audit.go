package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEvent is one step of a case's (or, with CaseID 0, an
// organisation's) history. Events are append-only and hash-chained: each
// hash covers the previous one, so a removed or altered event breaks the
// chain (architecture: data rules).
type AuditEvent struct {
	ID       int64          `db:"id"`
	OrgID    int64          `db:"org_id"`
	CaseID   int64          `db:"case_id"`
	Seq      int            `db:"seq"`
	At       time.Time      `db:"at"`
	Actor    string         `db:"actor"`
	Action   string         `db:"action"`
	Data     map[string]any `db:"data"`
	PrevHash []byte         `db:"prev_hash"`
	Hash     []byte         `db:"hash"`
}

// AuditHash computes an event's hash from its content and predecessor.
func AuditHash(ev AuditEvent) []byte {
	data, _ := json.Marshal(ev.Data) // map keys marshal sorted: canonical
	h := sha256.New()
	h.Write(ev.PrevHash)
	fmt.Fprintf(h, "\x00%d\x00%d\x00%d\x00%s\x00%s\x00%s\x00", ev.OrgID, ev.CaseID, ev.Seq,
		ev.At.UTC().Format(time.RFC3339Nano), ev.Actor, ev.Action)
	h.Write(data)
	return h.Sum(nil)
}

// AppendAudit appends ev to its chain. It must run in the transaction of
// the change it records; a per-chain advisory lock orders concurrent
// appends.
func (q *Q) AppendAudit(ctx context.Context, ev AuditEvent) error {
	if ev.Data == nil {
		ev.Data = map[string]any{}
	}
	// Round-trip Data through JSON so the hash covers exactly what is stored.
	raw, err := json.Marshal(ev.Data)
	if err != nil {
		return fmt.Errorf("audit data: %w", err)
	}
	ev.Data = nil
	if err := json.Unmarshal(raw, &ev.Data); err != nil {
		return fmt.Errorf("audit data: %w", err)
	}
	ev.At = ev.At.Truncate(time.Microsecond) // PostgreSQL's precision
	chain := ev.CaseID
	if chain == 0 {
		chain = -ev.OrgID
	}
	if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(7261, $1::int)`, int32(chain%(1<<31))); err != nil {
		return mapErr(err, "audit lock")
	}
	var last struct {
		Seq  int
		Hash []byte
	}
	err = q.db.QueryRow(ctx, `
		SELECT seq, hash FROM audit_events
		WHERE org_id = $1 AND ((case_id IS NULL AND $2 = 0) OR case_id = $2)
		ORDER BY seq DESC LIMIT 1`, ev.OrgID, ev.CaseID).Scan(&last.Seq, &last.Hash)
	switch {
	case err == pgx.ErrNoRows:
		ev.Seq, ev.PrevHash = 1, make([]byte, sha256.Size)
	case err != nil:
		return mapErr(err, "audit chain")
	default:
		ev.Seq, ev.PrevHash = last.Seq+1, last.Hash
	}
	ev.Hash = AuditHash(ev)
	_, err = q.db.Exec(ctx, `
		INSERT INTO audit_events (org_id, case_id, seq, at, actor, action, data, prev_hash, hash)
		VALUES ($1, nullif($2, 0), $3, $4, $5, $6, $7, $8, $9)`,
		ev.OrgID, ev.CaseID, ev.Seq, ev.At, ev.Actor, ev.Action, raw, ev.PrevHash, ev.Hash)
	return mapErr(err, "appending audit event")
}

// AuditTrail returns a case's events in order (the case timeline).
func (q *Q) AuditTrail(ctx context.Context, orgID, caseID int64) ([]AuditEvent, error) {
	rows, err := q.db.Query(ctx, `
		SELECT id, org_id, coalesce(case_id, 0) AS case_id, seq, at, actor, action, data, prev_hash, hash
		FROM audit_events WHERE org_id = $1 AND ((case_id IS NULL AND $2 = 0) OR case_id = $2)
		ORDER BY seq`, orgID, caseID)
	if err != nil {
		return nil, mapErr(err, "audit trail")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	return out, mapErr(err, "audit trail")
}

// VerifyAuditChain recomputes a chain and reports the first broken seq (0
// when intact).
func VerifyAuditChain(events []AuditEvent) int {
	prev := make([]byte, sha256.Size)
	for i, ev := range events {
		if ev.Seq != i+1 || string(ev.PrevHash) != string(prev) || string(AuditHash(ev)) != string(ev.Hash) {
			return ev.Seq
		}
		prev = ev.Hash
	}
	return 0
}
