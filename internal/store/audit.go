package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEvent is one step of a case's (or, with CaseID 0, an
// organisation's) history. Events are append-only and hash-chained: each
// hash is an HMAC (under the keyring key named by KeyID, D-26) over the
// event and the previous hash, so a removed, altered or forged event breaks
// the chain even for someone who can write to the database but does not
// hold the key. Data holds ids, codes, states and dates only (D-25).
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
	KeyID    string         `db:"key_id"` // "" = a plain SHA-256 link from before keyed hashes
}

// AuditKeys keys the chains' links; *secret.Keys implements it.
type AuditKeys interface {
	AuditMAC(msg []byte) (keyID string, sum []byte)
	AuditMACWith(keyID string, msg []byte) ([]byte, error)
}

// auditMessage is the canonical content a link covers.
func auditMessage(ev AuditEvent) []byte {
	data, _ := json.Marshal(ev.Data) // map keys marshal sorted: canonical
	var b bytes.Buffer
	b.Write(ev.PrevHash)
	fmt.Fprintf(&b, "\x00%d\x00%d\x00%d\x00%s\x00%s\x00%s\x00", ev.OrgID, ev.CaseID, ev.Seq,
		ev.At.UTC().Format(time.RFC3339Nano), ev.Actor, ev.Action)
	b.Write(data)
	return b.Bytes()
}

// AuditHash is the plain SHA-256 link of events written before keyed
// hashes (KeyID ""); anyone can compute it, which is why new events are
// keyed.
func AuditHash(ev AuditEvent) []byte {
	h := sha256.Sum256(auditMessage(ev))
	return h[:]
}

// auditMAC computes an event's keyed link under ev.KeyID.
func auditMAC(k AuditKeys, ev AuditEvent) ([]byte, error) {
	msg := append(auditMessage(ev), "\x00key:"+ev.KeyID...)
	return k.AuditMACWith(ev.KeyID, msg)
}

// ZeroHash is the previous hash of a chain's first event.
var ZeroHash = make([]byte, sha256.Size)

// AppendAudit appends ev to its chain under k's current key. It must run
// in the transaction of the change it records. The chain's head row in
// audit_heads is locked and read by primary key, so an append costs the
// same however long the chain or the organisation's history (issue 21),
// and concurrent appends to one chain are ordered by that row lock.
func (q *Q) AppendAudit(ctx context.Context, k AuditKeys, ev AuditEvent) error {
	if k == nil {
		return fmt.Errorf("appending audit event: no audit key")
	}
	ev, raw, err := canonicalAudit(ev)
	if err != nil {
		return err
	}
	var seq int
	var head []byte
	err = q.db.QueryRow(ctx, `
		INSERT INTO audit_heads AS h (org_id, case_id, seq, hash) VALUES ($1, $2, 0, '')
		ON CONFLICT (org_id, case_id) DO UPDATE SET seq = h.seq
		RETURNING seq, hash`, ev.OrgID, ev.CaseID).Scan(&seq, &head)
	if err != nil {
		return mapErr(err, "audit chain head")
	}
	ev.Seq, ev.PrevHash = seq+1, head
	if seq == 0 {
		ev.PrevHash = ZeroHash
	}
	if err := linkAudit(k, &ev); err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `
		WITH ins AS (
			INSERT INTO audit_events (org_id, case_id, seq, at, actor, action, data, prev_hash, hash, key_id)
			VALUES ($1, nullif($2, 0), $3, $4, $5, $6, $7, $8, $9, $10))
		UPDATE audit_heads SET seq = $3, hash = $9 WHERE org_id = $1 AND case_id = $2`,
		ev.OrgID, ev.CaseID, ev.Seq, ev.At, ev.Actor, ev.Action, raw, ev.PrevHash, ev.Hash, ev.KeyID)
	return mapErr(err, "appending audit event")
}

// canonicalAudit round-trips ev.Data through JSON, so the hash covers
// exactly what is stored, and truncates At to PostgreSQL's precision. It
// returns the stored JSON.
func canonicalAudit(ev AuditEvent) (AuditEvent, []byte, error) {
	if ev.Data == nil {
		ev.Data = map[string]any{}
	}
	raw, err := json.Marshal(ev.Data)
	if err != nil {
		return ev, nil, fmt.Errorf("audit data: %w", err)
	}
	ev.Data = nil
	if err := json.Unmarshal(raw, &ev.Data); err != nil {
		return ev, nil, fmt.Errorf("audit data: %w", err)
	}
	ev.At = ev.At.Truncate(time.Microsecond)
	return ev, raw, nil
}

// linkAudit sets ev's key id and keyed hash (Seq and PrevHash set).
func linkAudit(k AuditKeys, ev *AuditEvent) error {
	if k == nil {
		return fmt.Errorf("appending audit event: no audit key")
	}
	if ev.KeyID, _ = k.AuditMAC(nil); ev.KeyID == "" {
		return fmt.Errorf("appending audit event: no audit key")
	}
	var err error
	if ev.Hash, err = auditMAC(k, *ev); err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	return nil
}

const auditCols = `id, org_id, coalesce(case_id, 0) AS case_id, seq, at, actor, action, data, prev_hash, hash, key_id`

// AuditTrail returns a chain's events in order (caseID 0: the
// organisation's own chain).
func (q *Q) AuditTrail(ctx context.Context, orgID, caseID int64) ([]AuditEvent, error) {
	return q.AuditTrailFrom(ctx, orgID, caseID, 1)
}

// AuditTrailFrom returns a chain's events from seq on. Each chain kind
// has its own query so each finds its index.
func (q *Q) AuditTrailFrom(ctx context.Context, orgID, caseID int64, from int) ([]AuditEvent, error) {
	var rows pgx.Rows
	var err error
	if caseID == 0 {
		rows, err = q.db.Query(ctx, `SELECT `+auditCols+` FROM audit_events
			WHERE org_id = $1 AND case_id IS NULL AND seq >= $2 ORDER BY seq`, orgID, from)
	} else {
		rows, err = q.db.Query(ctx, `SELECT `+auditCols+` FROM audit_events
			WHERE case_id = $2 AND org_id = $1 AND seq >= $3 ORDER BY seq`, orgID, caseID, from)
	}
	if err != nil {
		return nil, mapErr(err, "audit trail")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	return out, mapErr(err, "audit trail")
}

// EachAuditChain calls fn with every audit chain of the organisation
// (orgID 0: of every organisation) and its events in order, chains in
// (organisation, case) order with the organisation's own chain (case 0)
// first. One query streams them all (a query per chain took 8-9 minutes
// for the 1M demo's chains, issue 21). The events passed to fn are fn's to
// keep; fn may use the pool, not the connection the stream holds.
func (q *Q) EachAuditChain(ctx context.Context, orgID int64, fn func(orgID, caseID int64, events []AuditEvent) error) error {
	rows, err := q.db.Query(ctx, `SELECT `+auditCols+` FROM audit_events
		WHERE $1 = 0 OR org_id = $1 ORDER BY org_id, coalesce(case_id, 0), seq`, orgID)
	if err != nil {
		return mapErr(err, "audit chains")
	}
	defer rows.Close()
	var chain []AuditEvent
	flush := func() error {
		if len(chain) == 0 {
			return nil
		}
		err := fn(chain[0].OrgID, chain[0].CaseID, chain)
		chain = nil
		return err
	}
	for rows.Next() {
		e, err := pgx.RowToStructByName[AuditEvent](rows)
		if err != nil {
			return mapErr(err, "audit chains")
		}
		if len(chain) > 0 && (e.OrgID != chain[0].OrgID || e.CaseID != chain[0].CaseID) {
			if err := flush(); err != nil {
				return err
			}
		}
		chain = append(chain, e)
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "audit chains")
	}
	return flush()
}

// ChainBreak says where and why a chain does not verify.
type ChainBreak struct {
	Seq    int
	Reason string
}

// Anchor is a chain's head as a checkpoint recorded it.
type Anchor struct {
	CheckpointID int64
	Seq          int
	Hash         []byte
}

// VerifyAuditChain checks a whole chain (events from seq 1, in order)
// and reports the first break, or nil when intact.
func VerifyAuditChain(k AuditKeys, events []AuditEvent) *ChainBreak {
	return VerifyAuditLinks(k, ZeroHash, 1, events, Anchor{}, 0)
}

// VerifyAuditLinks checks events that should start at seq from with
// previous hash prev, and that the chain still holds what anchor recorded
// (no event deleted or changed behind the checkpoint). A plain SHA-256
// link (written before keyed hashes) is accepted only up to seq legacyUpTo
// (what a checkpoint already recorded) and before a chain's first keyed
// one: anyone can compute a plain hash, so a new unkeyed link is a
// forgery by someone without the key.
func VerifyAuditLinks(k AuditKeys, prev []byte, from int, events []AuditEvent, anchor Anchor, legacyUpTo int) *ChainBreak {
	keyed := false
	for i, ev := range events {
		want := from + i
		if ev.Seq != want {
			return &ChainBreak{want, fmt.Sprintf("event %d is missing (found %d next)", want, ev.Seq)}
		}
		if !bytes.Equal(ev.PrevHash, prev) {
			return &ChainBreak{ev.Seq, "does not link to the event before it (an event was removed or replaced)"}
		}
		switch {
		case ev.KeyID == "" && (keyed || ev.Seq > legacyUpTo):
			return &ChainBreak{ev.Seq, "unkeyed hash where a keyed one is due (forged)"}
		case ev.KeyID == "":
			if !bytes.Equal(AuditHash(ev), ev.Hash) {
				return &ChainBreak{ev.Seq, "content does not match its hash (altered)"}
			}
		default:
			keyed = true
			sum, err := auditMAC(k, ev)
			if err != nil {
				return &ChainBreak{ev.Seq, fmt.Sprintf("key %q is not in the keyring (OLD_SECRET_KEYS)", ev.KeyID)}
			}
			if !bytes.Equal(sum, ev.Hash) {
				return &ChainBreak{ev.Seq, "content does not match its keyed hash (altered or forged)"}
			}
		}
		if anchor.Seq == ev.Seq && !bytes.Equal(anchor.Hash, ev.Hash) {
			return &ChainBreak{ev.Seq, fmt.Sprintf("differs from checkpoint %d (rewritten)", anchor.CheckpointID)}
		}
		prev = ev.Hash
	}
	if last := from + len(events) - 1; anchor.Seq > last {
		return &ChainBreak{last + 1, fmt.Sprintf("events %d-%d are missing: checkpoint %d recorded %d (deleted or truncated)",
			last+1, anchor.Seq, anchor.CheckpointID, anchor.Seq)}
	}
	return nil
}

// ---- chain heads and checkpoints ------------------------------------------

// AuditHead is a chain's cached head with its last verification.
type AuditHead struct {
	OrgID        int64      `db:"org_id"`
	CaseID       int64      `db:"case_id"`
	Seq          int        `db:"seq"`
	Hash         []byte     `db:"hash"`
	AnchoredSeq  int        `db:"anchored_seq"`
	VerifiedAt   *time.Time `db:"verified_at"`
	VerifiedSeq  int        `db:"verified_seq"`
	BrokenSeq    int        `db:"broken_seq"`
	BrokenReason string     `db:"broken_reason"`
}

const headCols = `org_id, case_id, seq, hash, anchored_seq, verified_at, verified_seq, broken_seq, broken_reason`

// AuditHeadOf returns a chain's head (ErrNotFound: no event yet).
func (q *Q) AuditHeadOf(ctx context.Context, orgID, caseID int64) (AuditHead, error) {
	rows, err := q.db.Query(ctx, `SELECT `+headCols+` FROM audit_heads WHERE org_id = $1 AND case_id = $2`, orgID, caseID)
	if err != nil {
		return AuditHead{}, mapErr(err, "audit head")
	}
	h, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[AuditHead])
	return h, mapErr(err, "audit head")
}

// LockCheckpoints takes the transaction's lock that lets one checkpoint
// be written at a time, across instances.
func (q *Q) LockCheckpoints(ctx context.Context) error {
	_, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(7262)`)
	return mapErr(err, "checkpoint lock")
}

// UnanchoredHeads lists the chains that moved since the last checkpoint,
// leaving out those found broken: they are never anchored (audit verify
// clears the mark once a chain verifies again, e.g. with its old key back).
func (q *Q) UnanchoredHeads(ctx context.Context, limit int) ([]AuditHead, error) {
	rows, err := q.db.Query(ctx, `SELECT `+headCols+` FROM audit_heads WHERE seq <> anchored_seq AND broken_seq = 0
		ORDER BY org_id, case_id LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr(err, "unanchored heads")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditHead])
	return out, mapErr(err, "unanchored heads")
}

// Chain names an audit chain (CaseID 0: the organisation's own).
type Chain struct{ OrgID, CaseID int64 }

// LatestAnchors is LatestAnchor of many chains in one statement (issue
// 21: the checkpoint read a chain's anchor with a round trip of its own):
// the newest checkpointed head of each chain that has one.
func (q *Q) LatestAnchors(ctx context.Context, chains []Chain) (map[Chain]Anchor, error) {
	orgs, cases := chainColumns(chains)
	rows, err := q.db.Query(ctx, `SELECT v.org_id, v.case_id, a.checkpoint_id, a.seq, a.hash
		FROM unnest($1::bigint[], $2::bigint[]) AS v(org_id, case_id)
		CROSS JOIN LATERAL (SELECT checkpoint_id, seq, hash FROM audit_checkpoint_heads c
			WHERE c.org_id = v.org_id AND c.case_id = v.case_id ORDER BY checkpoint_id DESC LIMIT 1) a`, orgs, cases)
	if err != nil {
		return nil, mapErr(err, "audit anchors")
	}
	defer rows.Close()
	out := make(map[Chain]Anchor, len(chains))
	for rows.Next() {
		var c Chain
		var a Anchor
		if err := rows.Scan(&c.OrgID, &c.CaseID, &a.CheckpointID, &a.Seq, &a.Hash); err != nil {
			return nil, mapErr(err, "audit anchors")
		}
		out[c] = a
	}
	return out, mapErr(rows.Err(), "audit anchors")
}

// AuditTrailsFrom is AuditTrailFrom of many chains: from[i] is where
// chains[i] is read from. The case chains (any number) are read in one
// statement; an organisation's own chain, one per organisation, with a
// query of its own, each on its own index.
func (q *Q) AuditTrailsFrom(ctx context.Context, chains []Chain, from []int) (map[Chain][]AuditEvent, error) {
	out := make(map[Chain][]AuditEvent, len(chains))
	var caseChains []Chain
	var caseFrom []int32
	for i, c := range chains {
		if c.CaseID != 0 {
			caseChains, caseFrom = append(caseChains, c), append(caseFrom, int32(from[i]))
			continue
		}
		events, err := q.AuditTrailFrom(ctx, c.OrgID, 0, from[i])
		if err != nil {
			return nil, err
		}
		out[c] = events
	}
	if len(caseChains) == 0 {
		return out, nil
	}
	orgs, cases := chainColumns(caseChains)
	rows, err := q.db.Query(ctx, `SELECT e.* FROM unnest($1::bigint[], $2::bigint[], $3::int[]) AS v(org_id, case_id, from_seq)
		CROSS JOIN LATERAL (SELECT `+auditCols+` FROM audit_events
			WHERE case_id = v.case_id AND org_id = v.org_id AND seq >= v.from_seq) e
		ORDER BY e.org_id, e.case_id, e.seq`, orgs, cases, caseFrom)
	if err != nil {
		return nil, mapErr(err, "audit trails")
	}
	events, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	if err != nil {
		return nil, mapErr(err, "audit trails")
	}
	for _, e := range events {
		c := Chain{e.OrgID, e.CaseID}
		out[c] = append(out[c], e)
	}
	return out, nil
}

func chainColumns(chains []Chain) (orgs, cases []int64) {
	orgs, cases = make([]int64, len(chains)), make([]int64, len(chains))
	for i, c := range chains {
		orgs[i], cases[i] = c.OrgID, c.CaseID
	}
	return orgs, cases
}

// AuditHeadCount is how many audit chains the organisation has (orgID 0:
// all organisations), from their heads.
func (q *Q) AuditHeadCount(ctx context.Context, orgID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM audit_heads WHERE $1 = 0 OR org_id = $1`, orgID).Scan(&n)
	return n, mapErr(err, "counting audit chains")
}

// Verification is one chain's verification result for
// RecordVerifications.
type Verification struct {
	OrgID, CaseID int64
	VerifiedSeq   int
	Break         *ChainBreak
	// Anchored > 0 also marks the chain as recorded by a checkpoint up
	// to that seq.
	Anchored int
}

// RecordVerifications stores many chains' verification results in one
// statement.
func (q *Q) RecordVerifications(ctx context.Context, at time.Time, vs []Verification) error {
	if len(vs) == 0 {
		return nil
	}
	orgs, cases := make([]int64, len(vs)), make([]int64, len(vs))
	seqs, bseqs, anchored := make([]int32, len(vs)), make([]int32, len(vs)), make([]int32, len(vs))
	reasons := make([]string, len(vs))
	for i, v := range vs {
		orgs[i], cases[i], seqs[i], anchored[i] = v.OrgID, v.CaseID, int32(v.VerifiedSeq), int32(v.Anchored)
		if v.Break != nil {
			bseqs[i], reasons[i] = int32(v.Break.Seq), v.Break.Reason
		}
	}
	_, err := q.db.Exec(ctx, `UPDATE audit_heads h SET verified_at = $1, verified_seq = v.seq, broken_seq = v.bseq, broken_reason = v.reason,
			anchored_seq = CASE WHEN v.anchored > 0 THEN v.anchored ELSE h.anchored_seq END
		FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::int[], $6::text[], $7::int[]) AS v(org_id, case_id, seq, bseq, reason, anchored)
		WHERE h.org_id = v.org_id AND h.case_id = v.case_id`, at, orgs, cases, seqs, bseqs, reasons, anchored)
	return mapErr(err, "recording verifications")
}

// Checkpoint is a signed record of chain heads.
type Checkpoint struct {
	ID         int64     `db:"id"`
	At         time.Time `db:"at"`
	PrevDigest []byte    `db:"prev_digest"`
	Chains     int       `db:"chains"`
	Digest     []byte    `db:"digest"`
	KeyID      string    `db:"key_id"`
	Signature  []byte    `db:"signature"`
}

// CheckpointHead is one chain's head in a checkpoint.
type CheckpointHead struct {
	OrgID  int64  `db:"org_id"`
	CaseID int64  `db:"case_id"`
	Seq    int    `db:"seq"`
	Hash   []byte `db:"hash"`
}

// CheckpointDigest commits to the previous checkpoint and to heads (sorted
// by organisation and case).
func CheckpointDigest(prev []byte, heads []CheckpointHead) []byte {
	h := sha256.New()
	h.Write(prev)
	var b [20]byte
	for _, x := range heads {
		binary.BigEndian.PutUint64(b[0:], uint64(x.OrgID))
		binary.BigEndian.PutUint64(b[8:], uint64(x.CaseID))
		binary.BigEndian.PutUint32(b[16:], uint32(x.Seq))
		h.Write(b[:])
		h.Write(x.Hash)
	}
	return h.Sum(nil)
}

// CheckpointMessage is what a checkpoint's signature covers.
func CheckpointMessage(c Checkpoint) []byte {
	return fmt.Appendf(nil, "rightsdesk/checkpoint\x00%d\x00%s\x00%d\x00%x\x00%x", c.ID,
		c.At.UTC().Format(time.RFC3339Nano), c.Chains, c.PrevDigest, c.Digest)
}

// LatestCheckpoint returns the newest checkpoint (ErrNotFound: none).
func (q *Q) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	rows, err := q.db.Query(ctx, `SELECT id, at, prev_digest, chains, digest, key_id, signature
		FROM audit_checkpoints ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return Checkpoint{}, mapErr(err, "latest checkpoint")
	}
	c, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Checkpoint])
	return c, mapErr(err, "latest checkpoint")
}

// InsertCheckpoint stores a checkpoint and its heads; c.ID must come from
// NextCheckpointID (the signature covers it).
func (q *Q) InsertCheckpoint(ctx context.Context, c Checkpoint, heads []CheckpointHead) error {
	if _, err := q.db.Exec(ctx, `INSERT INTO audit_checkpoints (id, at, prev_digest, chains, digest, key_id, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.At, c.PrevDigest, c.Chains, c.Digest, c.KeyID, c.Signature); err != nil {
		return mapErr(err, "inserting checkpoint")
	}
	orgs, cases, seqs, hashes := make([]int64, len(heads)), make([]int64, len(heads)), make([]int32, len(heads)), make([][]byte, len(heads))
	for i, h := range heads {
		orgs[i], cases[i], seqs[i], hashes[i] = h.OrgID, h.CaseID, int32(h.Seq), h.Hash
	}
	_, err := q.db.Exec(ctx, `INSERT INTO audit_checkpoint_heads (checkpoint_id, org_id, case_id, seq, hash)
		SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::int[], $5::bytea[])`, c.ID, orgs, cases, seqs, hashes)
	return mapErr(err, "inserting checkpoint heads")
}

// NextCheckpointID reserves a checkpoint id.
func (q *Q) NextCheckpointID(ctx context.Context) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('audit_checkpoints', 'id'))`).Scan(&id)
	return id, mapErr(err, "checkpoint id")
}

// Checkpoints calls fn for every checkpoint in order with its heads.
func (q *Q) Checkpoints(ctx context.Context, fn func(Checkpoint, []CheckpointHead) error) error {
	rows, err := q.db.Query(ctx, `SELECT id, at, prev_digest, chains, digest, key_id, signature FROM audit_checkpoints ORDER BY id`)
	if err != nil {
		return mapErr(err, "checkpoints")
	}
	cps, err := pgx.CollectRows(rows, pgx.RowToStructByName[Checkpoint])
	if err != nil {
		return mapErr(err, "checkpoints")
	}
	for _, c := range cps {
		rows, err := q.db.Query(ctx, `SELECT org_id, case_id, seq, hash FROM audit_checkpoint_heads
			WHERE checkpoint_id = $1 ORDER BY org_id, case_id`, c.ID)
		if err != nil {
			return mapErr(err, "checkpoint heads")
		}
		heads, err := pgx.CollectRows(rows, pgx.RowToStructByName[CheckpointHead])
		if err != nil {
			return mapErr(err, "checkpoint heads")
		}
		if err := fn(c, heads); err != nil {
			return err
		}
	}
	return nil
}

// CaseNote stores free text of a case's event (a note, a reason, a name)
// outside the audit trail (D-25); the event refers to it by id.
func (q *Q) InsertCaseNote(ctx context.Context, orgID, caseID int64, kind, body string, at time.Time) (int64, error) {
	var id int64
	sealed, err := q.sealStr(ctx, caseID, "case_notes.body", body)
	if err != nil {
		return 0, err
	}
	err = q.db.QueryRow(ctx, `INSERT INTO case_notes (org_id, case_id, kind, body, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, orgID, caseID, kind, sealed, at).Scan(&id)
	return id, mapErr(err, "inserting case note")
}

// CaseNotes returns a case's free texts by id.
func (q *Q) CaseNotes(ctx context.Context, orgID, caseID int64) (map[int64]string, error) {
	rows, err := q.db.Query(ctx, `SELECT id, body FROM case_notes WHERE org_id = $1 AND case_id = $2`, orgID, caseID)
	sealed, err := collectMap[int64, []byte](rows, err, "case notes")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(sealed))
	for id, b := range sealed {
		if out[id], err = q.openStr(ctx, caseID, "case_notes.body", b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ChainNewEvents links the events of chains that do not exist yet (a bulk
// load such as rightsdesk demo, written with COPY): events of one chain
// must be adjacent and in order. It fills Seq, PrevHash, KeyID and Hash
// exactly as AppendAudit would one by one, and returns each event's
// stored JSON data. The caller writes the events and, per chain, its head
// (the last event's seq and hash) in audit_heads.
func ChainNewEvents(k AuditKeys, evs []AuditEvent) ([][]byte, error) {
	keyID, _ := k.AuditMAC(nil)
	if keyID == "" {
		return nil, fmt.Errorf("linking audit events: no audit key")
	}
	out := make([][]byte, len(evs))
	for i := range evs {
		ev := &evs[i]
		if ev.Data == nil {
			ev.Data = map[string]any{}
		}
		raw, err := json.Marshal(ev.Data)
		if err != nil {
			return nil, fmt.Errorf("audit data: %w", err)
		}
		ev.Data = nil
		if err := json.Unmarshal(raw, &ev.Data); err != nil {
			return nil, fmt.Errorf("audit data: %w", err)
		}
		ev.At = ev.At.Truncate(time.Microsecond)
		linkNewEvent(evs, i)
		ev.KeyID = keyID
		if ev.Hash, err = auditMAC(k, *ev); err != nil {
			return nil, fmt.Errorf("audit key: %w", err)
		}
		out[i] = raw
	}
	return out, nil
}

// linkNewEvent sets evs[i]'s place in its chain: after evs[i-1] when that
// is the same chain's previous event, else first (ChainNewEvents and
// ChainNewEventsJSON: a new chain's events adjacent and in order).
func linkNewEvent(evs []AuditEvent, i int) {
	ev := &evs[i]
	if i > 0 && evs[i-1].OrgID == ev.OrgID && evs[i-1].CaseID == ev.CaseID {
		ev.Seq, ev.PrevHash = evs[i-1].Seq+1, evs[i-1].Hash
	} else {
		ev.Seq, ev.PrevHash = 1, ZeroHash
	}
}

// ChainNewEventsJSON is ChainNewEvents for a bulk loader that writes each
// event's data JSON itself (rightsdesk demo, issue 21: the maps, their
// JSON round trip and the message buffers were 40 % of the loader's CPU).
// data[i] is evs[i]'s stored JSON and must already be canonical: exactly
// what json.Marshal gives for the data read back (keys sorted, compact,
// numbers as float64 prints them), or the link will not verify. Events of
// one chain must be adjacent and in order; evs[i].Data is not read. It
// fills Seq, PrevHash, KeyID and Hash as ChainNewEvents would.
func ChainNewEventsJSON(k AuditKeys, evs []AuditEvent, data [][]byte) error {
	if len(data) != len(evs) {
		return fmt.Errorf("linking audit events: %d events, %d data", len(evs), len(data))
	}
	keyID, _ := k.AuditMAC(nil)
	if keyID == "" {
		return fmt.Errorf("linking audit events: no audit key")
	}
	var msg []byte
	for i := range evs {
		ev := &evs[i]
		ev.At = ev.At.Truncate(time.Microsecond)
		linkNewEvent(evs, i)
		ev.KeyID = keyID
		// auditMessage's layout, appended into one reused buffer.
		msg = append(msg[:0], ev.PrevHash...)
		msg = append(msg, 0)
		msg = strconv.AppendInt(msg, ev.OrgID, 10)
		msg = append(msg, 0)
		msg = strconv.AppendInt(msg, ev.CaseID, 10)
		msg = append(msg, 0)
		msg = strconv.AppendInt(msg, int64(ev.Seq), 10)
		msg = append(msg, 0)
		msg = ev.At.UTC().AppendFormat(msg, time.RFC3339Nano)
		msg = append(msg, 0)
		msg = append(msg, ev.Actor...)
		msg = append(msg, 0)
		msg = append(msg, ev.Action...)
		msg = append(msg, 0)
		msg = append(msg, data[i]...)
		msg = append(msg, "\x00key:"...)
		msg = append(msg, keyID...)
		sum, err := k.AuditMACWith(keyID, msg)
		if err != nil {
			return fmt.Errorf("audit key: %w", err)
		}
		ev.Hash = sum
	}
	return nil
}

// OrgAuditPage is a page of the organisation's own chain (its settings,
// staff, tokens, catalogue and breaches; no case's), newest first: the
// events before seq before (0: from the newest), at most limit.
func (q *Q) OrgAuditPage(ctx context.Context, orgID int64, before, limit int) ([]AuditEvent, error) {
	rows, err := q.db.Query(ctx, `SELECT `+auditCols+` FROM audit_events
		WHERE org_id = $1 AND case_id IS NULL AND ($2 = 0 OR seq < $2) ORDER BY seq DESC LIMIT $3`, orgID, before, limit)
	if err != nil {
		return nil, mapErr(err, "audit page")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	return out, mapErr(err, "audit page")
}
