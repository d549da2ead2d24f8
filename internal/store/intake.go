package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
)

// Intake at scale (issue 21): a new request is written in one batch of
// statements, one round trip, instead of a statement (and a round trip)
// per row. Everything the batch needs is known before it is sent: the
// ids come from their sequences first (IntakeIDs), the case's data key is
// made in memory and every personal field is sealed with it before the
// rows go out, and the case's first audit event is the first link of a
// chain that cannot exist yet. Nothing on the path reads or locks a row
// shared with other requests of the organisation.

// IntakeIDs are the ids a new request takes from their sequences before
// its rows are written: the case's id (its personal fields are sealed
// bound to it), its receipt number and its code mail's outbox id (the
// mail's job names it). Sequences are not transactional: a rolled-back
// intake leaves a gap, as before.
type IntakeIDs struct {
	CaseID   int64
	ReceiptN int64
	OutboxID int64
}

// NewIntakeIDs draws a new request's ids in one statement.
func (q *Q) NewIntakeIDs(ctx context.Context) (IntakeIDs, error) {
	var ids IntakeIDs
	err := q.db.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('cases', 'id')), nextval('case_receipt_seq'),
		nextval(pg_get_serial_sequence('outbox', 'id'))`).Scan(&ids.CaseID, &ids.ReceiptN, &ids.OutboxID)
	return ids, mapErr(err, "new request ids")
}

// IntakeIDBlock hands out a new request's ids from blocks drawn from the
// sequences in one statement (intakeIDBlockSize at a time), so that a
// request takes no round trip of its own for them (issue 21, branch
// gocost). Ids are unique (the sequences draw them) but not in time order
// across processes, and the unused rest of a block is a gap when the
// process ends: as with a rolled-back intake, neither the case ids nor the
// receipt numbers promise order or no gaps. The zero value is ready.
type IntakeIDBlock struct {
	mu   sync.Mutex
	left []IntakeIDs
}

// intakeIDBlockSize: ids drawn a round trip. A restart loses at most this
// many receipt numbers.
const intakeIDBlockSize = 32

// Next returns unused ids, drawing a new block on q when none are left.
func (b *IntakeIDBlock) Next(ctx context.Context, q *Q) (IntakeIDs, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.left) == 0 {
		rows, _ := q.db.Query(ctx, `SELECT nextval(pg_get_serial_sequence('cases', 'id')), nextval('case_receipt_seq'),
			nextval(pg_get_serial_sequence('outbox', 'id')) FROM generate_series(1, $1)`, intakeIDBlockSize)
		ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (IntakeIDs, error) {
			var x IntakeIDs
			err := r.Scan(&x.CaseID, &x.ReceiptN, &x.OutboxID)
			return x, err
		})
		if err != nil {
			return IntakeIDs{}, mapErr(err, "new request ids")
		}
		b.left = ids
	}
	x := b.left[0]
	b.left = b.left[1:]
	return x, nil
}

// IntakeJob is the River job an intake queues with its rows (the code
// mail's delivery), written by a plain INSERT in the intake's batch
// rather than River's InsertTx, which needs a transaction of its own
// (BEGIN, its statement, COMMIT: three round trips, issue 21). River
// documents its tables as shared with its clients in other languages,
// which insert jobs the same way. The row is the one InsertTx writes for
// args with ScheduledAt set: state scheduled (River's scheduler makes it
// available), metadata {}, no tags, no unique key, and so no NOTIFY
// (InsertTx sends one only for jobs inserted available). workflow builds
// it from the args' own InsertOpts; a test compares it with InsertTx's row.
type IntakeJob struct {
	Kind        string
	Args        []byte // the args as JSON
	Queue       string
	Priority    int
	MaxAttempts int
	ScheduledAt time.Time
	ID          int64 // the job's id, set by InsertIntake
}

// Intake is everything a new request writes: the case (ID set from
// IntakeIDs), its requester, its chosen registers, its first audit event
// (nil for a web submission, whose first event waits for its code,
// D-25), its code mail (ID set) and an Idempotency-Key answer (nil: none).
type Intake struct {
	Case        Case
	Requester   Requester
	RegisterIDs []int64
	Audit       *AuditEvent
	AuditKeys   AuditKeys // keys the audit event's link (D-26)
	Outbox      OutboxRow
	MailDomain  string
	Idempotency *IdempotencyClaim
	Job         *IntakeJob // the code mail's delivery job; nil: the caller queues it itself
}

// IdempotencyClaim is the answer stored under (org, key) with the request
// it created (issue 16, item 8).
type IdempotencyClaim struct {
	Key string
	Idempotent
}

// The statements of an intake, shared with the custom pgbench script of
// `make bench` (scripts/intakeload/intake.sql mirrors them).
const (
	intakeCaseSQL = `
		INSERT INTO cases (id, org_id, receipt, gdpr, document_request, rights, all_registers, details, period_from, period_to,
			delivery, lang, channel, state, needs_triage, received_at, confirmed_at, raw_end, legal_due, safe_target,
			doc_due, doc_extended_due, email_verified_at, identity_verified_at, identity_method,
			code_hash, code_expires_at, codes_sent, created_at, updated_at, eves_non_working, subject_hetu_temporary)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
			$25, $26, $27, $28, $29, $29, $30, $31)`
	intakeCaseKeySQL   = `INSERT INTO case_keys (case_id, key_id, wrapped, created_at) VALUES ($1, $2, $3, now())`
	intakeRequesterSQL = `
		INSERT INTO requesters (` + requesterCols + `, email_index, email_index_key, hetu_index_key, subject_hetu_index_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`
	intakeRegistersSQL = `INSERT INTO case_registers (case_id, register_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`
	// A new case's chain has no head yet: a plain INSERT, which fails
	// rather than fork a chain should one exist.
	intakeAuditSQL = `
		WITH head AS (INSERT INTO audit_heads (org_id, case_id, seq, hash) VALUES ($1, $2, $3, $9))
		INSERT INTO audit_events (org_id, case_id, seq, at, actor, action, data, prev_hash, hash, key_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	intakeOutboxSQL = `
		INSERT INTO outbox (id, org_id, case_id, task_id, kind, to_addr, lang, subject, text_body, html_body, message_id,
			code_hash, code_ttl_secs, reply_to, in_reply_to, claimed_until)
		VALUES ($1, nullif($2, 0), nullif($3, 0), nullif($4, 0), $5, $6, $7, $8, $9, $10, $11, $12, nullif($13, 0), $14, $15, $16)`
	intakeJobSQL = `
		INSERT INTO river_job (args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)
		VALUES ($1, now(), $2, $3, '{}', $4, $5, $6, 'scheduled', '{}')
		RETURNING id`
	// A plain INSERT: a key taken (or being taken by a transaction that
	// then commits) is a unique violation, which aborts the batch's
	// transaction, so nothing of the request is written, on a pool too.
	// It comes right after the case (its foreign key), so a duplicate
	// stops before the other rows are written.
	intakeIdempotencySQL = `
		INSERT INTO api_idempotency (org_id, idem_key, request_hash, case_id, status, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// batcher is what both a pool and a transaction offer for batches.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// InsertIntake writes a new request in one round trip. Run on a
// transaction, the rows commit with whatever else it holds; on a pool, the
// batch is its own implicit transaction (pgx sends it as one pipeline with
// one Sync: every row and the job commit together, or none does, and the
// commit is durable before the answer comes back). A taken
// Idempotency-Key is ErrConflict and nothing is written (on a
// transaction, which is then aborted, the caller rolls back).
func (q *Q) InsertIntake(ctx context.Context, in Intake) error {
	c := in.Case
	if c.ID == 0 || in.Outbox.ID == 0 {
		return errors.New("store: intake without its ids (NewIntakeIDs)")
	}
	bt, ok := q.db.(batcher)
	if !ok {
		return errors.New("store: intake needs a pool or a transaction")
	}
	ring, err := q.ring()
	if err != nil {
		return err
	}
	// The case's data key, made here and stored with the case: every
	// personal value below is sealed with it (issue 16 item 4, D-25).
	raw, err := secret.NewDataKey()
	if err != nil {
		return err
	}
	keyID, wrapped, err := ring.WrapDataKey(c.ID, raw)
	if err != nil {
		return err
	}
	ck, err := secret.NewCaseKey(c.ID, raw)
	if err != nil {
		return err
	}
	q.cache().put(c.ID, ck)

	var f fieldOp
	details := f.seal(q, ctx, c.ID, "cases.details", c.Details)
	r := in.Requester
	name := f.seal(q, ctx, c.ID, "requesters.name", r.Name)
	email := f.seal(q, ctx, c.ID, "requesters.email", r.Email)
	phone := f.seal(q, ctx, c.ID, "requesters.phone", r.Phone)
	address := f.seal(q, ctx, c.ID, "requesters.address", r.Address)
	subject := f.seal(q, ctx, c.ID, "requesters.subject_name", r.SubjectName)
	hetu := f.seal(q, ctx, c.ID, "requesters.hetu_enc", string(r.HetuEnc))
	subjectHetu := f.seal(q, ctx, c.ID, "requesters.subject_hetu_enc", string(r.SubjectHetuEnc))
	o := in.Outbox
	to := f.seal(q, ctx, o.CaseID, "outbox.to_addr", o.To)
	subj := f.seal(q, ctx, o.CaseID, "outbox.subject", o.Subject)
	text := f.seal(q, ctx, o.CaseID, "outbox.text_body", o.Text)
	html := f.seal(q, ctx, o.CaseID, "outbox.html_body", o.HTML)
	if f.err != nil {
		return f.err
	}
	if r.HetuEnc == nil {
		hetu = nil
	}
	if r.SubjectHetuEnc == nil {
		subjectHetu = nil
	}
	emailKey, emailIdx, err := q.emailIndex(r.Email)
	if err != nil {
		return err
	}
	hetuKey, subjectHetuKey := "", ""
	if r.HetuIndex != nil {
		hetuKey = ring.ID() // workflow computes it with Keys.BlindIndex: the current key
	}
	if r.SubjectHetuIndex != nil {
		subjectHetuKey = ring.ID()
	}

	b := &pgx.Batch{}
	b.Queue(intakeCaseSQL,
		c.ID, c.OrgID, c.Receipt, c.GDPR, c.DocumentRequest, c.Rights, c.AllRegisters, details, c.PeriodFrom, c.PeriodTo,
		c.Delivery, c.Lang, c.Channel, c.State, c.NeedsTriage, c.ReceivedAt, c.ConfirmedAt, c.RawEnd, c.LegalDue, c.SafeTarget,
		c.DocDue, c.DocExtendedDue, c.EmailVerifiedAt, c.IdentityVerifiedAt, c.IdentityMethod,
		c.CodeHash, c.CodeExpiresAt, c.CodesSent, c.CreatedAt, c.EvesNonWorking, c.SubjectHetuTemporary)
	if k := in.Idempotency; k != nil {
		b.Queue(intakeIdempotencySQL, c.OrgID, k.Key, k.RequestHash, c.ID, k.Status, string(k.Response), c.CreatedAt)
	}
	b.Queue(intakeCaseKeySQL, c.ID, keyID, wrapped)
	b.Queue(intakeRequesterSQL,
		c.ID, c.OrgID, name, email, phone, address, hetu, r.HetuIndex, r.HetuMask, r.HetuTemporary,
		r.OnBehalf, r.Relation, subject, subjectHetu, r.SubjectHetuIndex, r.SubjectHetuMask,
		emailIdx, emailKey, hetuKey, subjectHetuKey)
	if len(in.RegisterIDs) > 0 {
		b.Queue(intakeRegistersSQL, c.ID, in.RegisterIDs)
	}
	if in.Audit != nil {
		ev, data, err := firstAuditLink(in.AuditKeys, *in.Audit)
		if err != nil {
			return err
		}
		b.Queue(intakeAuditSQL, ev.OrgID, ev.CaseID, ev.Seq, ev.At, ev.Actor, ev.Action, data, ev.PrevHash, ev.Hash, ev.KeyID)
	}
	msgID := o.MessageID // the fast path (issue 21) knows it before the commit
	if msgID == "" {
		msgID = NewMessageID(o.ID, in.MailDomain)
	}
	b.Queue(intakeOutboxSQL, o.ID, o.OrgID, o.CaseID, o.TaskID, o.Kind, to, o.Lang, subj, text, html, msgID,
		o.CodeHash, o.CodeTTLSecs, o.ReplyTo, o.InReplyTo, o.ClaimedUntil)
	jobAt := -1 // the job's statement, whose id is read back (the fast path deletes it once sent)
	if j := in.Job; j != nil {
		jobAt = b.Len()
		b.Queue(intakeJobSQL, string(j.Args), j.Kind, j.MaxAttempts, j.Priority, j.Queue, j.ScheduledAt)
	}

	res := bt.SendBatch(ctx, b)
	for i := 0; i < b.Len(); i++ {
		var err error
		if i == jobAt {
			err = res.QueryRow().Scan(&in.Job.ID)
		} else {
			_, err = res.Exec()
		}
		if err != nil {
			_ = res.Close()
			if in.Idempotency != nil && i == 1 {
				return mapErr(err, "idempotency key") // ErrConflict: the key is taken
			}
			return mapErr(err, "storing request")
		}
	}
	return mapErr(res.Close(), "storing request")
}

// firstAuditLink makes ev the first link of a new chain (seq 1 after the
// zero hash) under k's current key, and returns the stored data.
func firstAuditLink(k AuditKeys, ev AuditEvent) (AuditEvent, []byte, error) {
	ev, raw, err := canonicalAudit(ev)
	if err != nil {
		return ev, nil, err
	}
	ev.Seq, ev.PrevHash = 1, ZeroHash
	if err := linkAudit(k, &ev); err != nil {
		return ev, nil, err
	}
	return ev, raw, nil
}
