package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Case is a request's row. Deadline dates are civil dates (time.Time at
// midnight UTC from PostgreSQL's date type); workflow converts them.
type Case struct {
	ID                 int64      `db:"id"`
	OrgID              int64      `db:"org_id"`
	Receipt            string     `db:"receipt"`
	GDPR               bool       `db:"gdpr"`
	DocumentRequest    bool       `db:"document_request"`
	Rights             []string   `db:"rights"`
	AllRegisters       bool       `db:"all_registers"`
	Details            string     `db:"-"` // sealed with the case key (column details)
	PeriodFrom         *time.Time `db:"period_from"`
	PeriodTo           *time.Time `db:"period_to"`
	Delivery           string     `db:"delivery"`
	Lang               string     `db:"lang"`
	Channel            string     `db:"channel"`
	State              string     `db:"state"`
	NeedsTriage        bool       `db:"needs_triage"`
	ReceivedAt         time.Time  `db:"received_at"`
	ConfirmedAt        *time.Time `db:"confirmed_at"`
	RawEnd             time.Time  `db:"raw_end"`
	LegalDue           time.Time  `db:"legal_due"`
	SafeTarget         time.Time  `db:"safe_target"`
	ExtendedDue        *time.Time `db:"extended_due"`
	ExtensionReason    string     `db:"-"`
	DocDue             *time.Time `db:"doc_due"`
	DocExtendedDue     *time.Time `db:"doc_extended_due"`
	PausedAt           *time.Time `db:"paused_at"`
	PausedFromState    string     `db:"paused_from_state"`
	PauseReason        string     `db:"-"`
	PausedDays         int        `db:"paused_days"`
	EmailVerifiedAt    *time.Time `db:"email_verified_at"`
	IdentityVerifiedAt *time.Time `db:"identity_verified_at"`
	IdentityMethod     string     `db:"identity_method"`
	RefusalGround      string     `db:"refusal_ground"`
	RefusalReason      string     `db:"-"`
	DuplicateOf        *int64     `db:"duplicate_of"`
	CodeHash           []byte     `db:"code_hash"`
	CodeExpiresAt      *time.Time `db:"code_expires_at"`
	CodeAttempts       int        `db:"code_attempts"`
	CodesSent          int        `db:"codes_sent"`
	AnsweredAt         *time.Time `db:"answered_at"`
	ClosedAt           *time.Time `db:"closed_at"`
	CreatedAt          time.Time  `db:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at"`
	// EvesNonWorking is the organisation's DL-9 setting when the case was
	// received: a later change does not move its dates (D-30).
	EvesNonWorking bool `db:"eves_non_working"`
	// FI-2: the document request's decision or extension (issue 20),
	// written by SetDocDecision and SetDocExtension, not by UpdateCase.
	DocDecidedAt       *time.Time `db:"doc_decided_at"`
	DocDecision        string     `db:"doc_decision"`
	DocExtendedAt      *time.Time `db:"doc_extended_at"`
	DocExtensionReason string     `db:"-"` // sealed
	// D-23, D-27: the earliest running deadline and its clock, generated
	// by the database from the row (read only; workflow.DueOf computes
	// the same for a case in memory).
	UrgentDue   *time.Time `db:"urgent_due"`
	UrgentClock string     `db:"urgent_clock"`
	// ID-5: the DPO's decision on a representative's authority, and the
	// represented person's temporary henkilötunnus (ID-3), written by
	// SetAuthority and at intake, not by UpdateCase.
	Authority            string     `db:"authority"`
	AuthorityAt          *time.Time `db:"authority_at"`
	SubjectHetuTemporary bool       `db:"subject_hetu_temporary"`
	// AssignedTo is the staff member the case is assigned to (issue 21);
	// written by SetCaseAssignee only, never by UpdateCase.
	AssignedTo *int64 `db:"assigned_to"`
	// Purged: the case's data key was destroyed (DestroyCaseKey), so its
	// details read as "" and its requester as ErrPurged; the case's own
	// facts (state, dates) stay readable.
	Purged bool `db:"-"`
}

const caseCols = `id, org_id, receipt, gdpr, document_request, rights, all_registers, details AS details_sealed, period_from, period_to,
	delivery, lang, channel, state, needs_triage, received_at, confirmed_at, raw_end, legal_due, safe_target,
	extended_due, extension_reason AS extension_reason_sealed, doc_due, doc_extended_due, paused_at, paused_from_state, pause_reason AS pause_reason_sealed, paused_days,
	email_verified_at, identity_verified_at, identity_method, refusal_ground, refusal_reason AS refusal_reason_sealed, duplicate_of,
	code_hash, code_expires_at, code_attempts, codes_sent, answered_at, closed_at, created_at, updated_at, eves_non_working,
	doc_decided_at, doc_decision, doc_extended_at, doc_extension_reason AS doc_extension_reason_sealed, urgent_due, urgent_clock,
	authority, authority_at, subject_hetu_temporary, assigned_to`

// NextReceipt draws the next receipt number for year: RD-2026-000123.
func (q *Q) NextReceipt(ctx context.Context, year int) (string, error) {
	var n int64
	if err := q.db.QueryRow(ctx, `SELECT nextval('case_receipt_seq')`).Scan(&n); err != nil {
		return "", mapErr(err, "receipt number")
	}
	return FormatReceipt(year, n), nil
}

// InsertCase stores a new case and returns its id. The case's data key is
// made with it, and the details are sealed with it.
func (q *Q) InsertCase(ctx context.Context, c Case) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO cases (org_id, receipt, gdpr, document_request, rights, all_registers, details, period_from, period_to,
			delivery, lang, channel, state, needs_triage, received_at, confirmed_at, raw_end, legal_due, safe_target,
			doc_due, doc_extended_due, email_verified_at, identity_verified_at, identity_method,
			code_hash, code_expires_at, codes_sent, created_at, updated_at, eves_non_working)
		VALUES ($1, $2, $3, $4, $5, $6, ''::bytea, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
			$24, $25, $26, $27, $27, $28)
		RETURNING id`,
		c.OrgID, c.Receipt, c.GDPR, c.DocumentRequest, c.Rights, c.AllRegisters, c.PeriodFrom, c.PeriodTo,
		c.Delivery, c.Lang, c.Channel, c.State, c.NeedsTriage, c.ReceivedAt, c.ConfirmedAt, c.RawEnd, c.LegalDue, c.SafeTarget,
		c.DocDue, c.DocExtendedDue, c.EmailVerifiedAt, c.IdentityVerifiedAt, c.IdentityMethod,
		c.CodeHash, c.CodeExpiresAt, c.CodesSent, c.CreatedAt, c.EvesNonWorking).Scan(&id)
	if err != nil {
		return 0, mapErr(err, "storing case")
	}
	// The key is made now, whatever the details: every later personal
	// value of the case is sealed with it.
	if _, err := q.caseKey(ctx, id, true); err != nil {
		return 0, err
	}
	if c.Details != "" {
		details, err := q.sealStr(ctx, id, "cases.details", c.Details)
		if err != nil {
			return 0, err
		}
		if _, err := q.db.Exec(ctx, `UPDATE cases SET details = $2 WHERE id = $1`, id, details); err != nil {
			return 0, mapErr(err, "storing case")
		}
	}
	return id, nil
}

// caseRow is a case as stored: the details sealed.
type caseRow struct {
	Case
	DetailsSealed         []byte `db:"details_sealed"`
	ExtensionReasonSealed []byte `db:"extension_reason_sealed"`
	PauseReasonSealed     []byte `db:"pause_reason_sealed"`
	RefusalReasonSealed   []byte `db:"refusal_reason_sealed"`
	DocExtReasonSealed    []byte `db:"doc_extension_reason_sealed"`
}

// collectCases reads rows of caseCols and opens each case's details.
func (q *Q) collectCases(ctx context.Context, rows pgx.Rows, err error, what string) ([]Case, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[caseRow])
	if err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]Case, len(raw))
	for i, r := range raw {
		if out[i], err = q.openCase(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q *Q) collectCase(ctx context.Context, rows pgx.Rows, what string) (Case, error) {
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[caseRow])
	if err != nil {
		return Case{}, mapErr(err, what)
	}
	return q.openCase(ctx, r)
}

func (q *Q) openCase(ctx context.Context, r caseRow) (Case, error) {
	c := r.Case
	var f fieldOp
	d := f.open(q, ctx, c.ID, "cases.details", r.DetailsSealed)
	ext := f.open(q, ctx, c.ID, "cases.extension_reason", r.ExtensionReasonSealed)
	pause := f.open(q, ctx, c.ID, "cases.pause_reason", r.PauseReasonSealed)
	refusal := f.open(q, ctx, c.ID, "cases.refusal_reason", r.RefusalReasonSealed)
	docExt := f.open(q, ctx, c.ID, "cases.doc_extension_reason", r.DocExtReasonSealed)
	if errors.Is(f.err, ErrPurged) {
		c.Purged = true
		return c, nil
	}
	if f.err != nil {
		return c, f.err
	}
	c.Details, c.ExtensionReason, c.PauseReason, c.RefusalReason, c.DocExtensionReason = d, ext, pause, refusal, docExt
	return c, nil
}

// CaseForUpdate locks a case of the organisation for a transition.
func (q *Q) CaseForUpdate(ctx context.Context, orgID, id int64) (Case, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id)
	return q.collectCase(ctx, rows, "case")
}

// CaseByID reads a case of the organisation.
func (q *Q) CaseByID(ctx context.Context, orgID, id int64) (Case, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE org_id = $1 AND id = $2`, orgID, id)
	return q.collectCase(ctx, rows, "case")
}

// CaseByReceipt finds a case by receipt among the given organisations (a
// staff member's memberships): another organisation's case is not found.
func (q *Q) CaseByReceipt(ctx context.Context, orgIDs []int64, receipt string) (Case, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE org_id = ANY($1) AND receipt = $2`, orgIDs, receipt)
	return q.collectCase(ctx, rows, "case")
}

// UpdateCase writes back every mutable field of c (after a transition,
// under CaseForUpdate's lock).
func (q *Q) UpdateCase(ctx context.Context, c Case) error {
	var f fieldOp
	details := f.seal(q, ctx, c.ID, "cases.details", c.Details)
	ext := f.seal(q, ctx, c.ID, "cases.extension_reason", c.ExtensionReason)
	pause := f.seal(q, ctx, c.ID, "cases.pause_reason", c.PauseReason)
	refusal := f.seal(q, ctx, c.ID, "cases.refusal_reason", c.RefusalReason)
	if f.err != nil {
		return f.err
	}
	_, err := q.db.Exec(ctx, `
		UPDATE cases SET gdpr = $3, document_request = $4, rights = $5, all_registers = $6, details = $7,
			period_from = $8, period_to = $9, delivery = $10, lang = $11, state = $12, needs_triage = $13,
			confirmed_at = $14, extended_due = $15, extension_reason = $16, doc_due = $17, doc_extended_due = $18,
			paused_at = $19, paused_from_state = $20, pause_reason = $21, paused_days = $22,
			email_verified_at = $23, identity_verified_at = $24, identity_method = $25,
			refusal_ground = $26, refusal_reason = $27, duplicate_of = $28,
			code_hash = $29, code_expires_at = $30, code_attempts = $31, codes_sent = $32,
			answered_at = $33, closed_at = $34, updated_at = $35
		WHERE org_id = $1 AND id = $2`,
		c.OrgID, c.ID, c.GDPR, c.DocumentRequest, c.Rights, c.AllRegisters, details,
		c.PeriodFrom, c.PeriodTo, c.Delivery, c.Lang, c.State, c.NeedsTriage,
		c.ConfirmedAt, c.ExtendedDue, ext, c.DocDue, c.DocExtendedDue,
		c.PausedAt, c.PausedFromState, pause, c.PausedDays,
		c.EmailVerifiedAt, c.IdentityVerifiedAt, c.IdentityMethod,
		c.RefusalGround, refusal, c.DuplicateOf,
		c.CodeHash, c.CodeExpiresAt, c.CodeAttempts, c.CodesSent,
		c.AnsweredAt, c.ClosedAt, c.UpdatedAt)
	return mapErr(err, "updating case")
}

// AnswerDeliveredAt records that the mail server accepted the link mail
// of an answer of caseID at at (D-29: the answer is delivered then, not
// when it was sent off): the case's answered_at moves to at, unless
// another of its answer links was accepted before (the answer was
// delivered then; a second part or a new link does not move it).
func (q *Q) AnswerDeliveredAt(ctx context.Context, orgID, caseID, outboxID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `
		UPDATE cases c SET answered_at = $4, updated_at = $4
		WHERE c.org_id = $1 AND c.id = $2 AND c.answered_at < $4
		  AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = c.id AND o.kind = 'answer_link'
		                  AND o.state = 'sent' AND o.id <> $3)`, orgID, caseID, outboxID, at)
	return mapErr(err, "answer delivered")
}

// SetCaseEnded records when a case finished without an answer (refused
// or withdrawn): a view of finished requests lists the most recently
// finished first (finishedKey).
func (q *Q) SetCaseEnded(ctx context.Context, orgID, caseID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE cases SET ended_at = $3 WHERE org_id = $1 AND id = $2`, orgID, caseID, at)
	return mapErr(err, "case ended")
}

// AnswerLinkAcceptedBefore reports whether the mail server accepted an
// answer link mail of caseID other than outboxID (D-29: the answer was
// delivered then; a new link's acceptance is the new link's delivery).
func (q *Q) AnswerLinkAcceptedBefore(ctx context.Context, orgID, caseID, outboxID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outbox o WHERE o.org_id = $1 AND o.case_id = $2
		AND o.kind = 'answer_link' AND o.state = 'sent' AND o.id <> $3)`, orgID, caseID, outboxID).Scan(&ok)
	return ok, mapErr(err, "answer links accepted")
}

// SetCaseRegisters records the registers a person chose.
func (q *Q) SetCaseRegisters(ctx context.Context, caseID int64, registerIDs []int64) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM case_registers WHERE case_id = $1`, caseID); err != nil {
		return mapErr(err, "case registers")
	}
	_, err := q.db.Exec(ctx, `INSERT INTO case_registers (case_id, register_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, caseID, registerIDs)
	return mapErr(err, "case registers")
}

// CaseRegisterIDs lists the chosen registers of a case.
func (q *Q) CaseRegisterIDs(ctx context.Context, caseID int64) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT register_id FROM case_registers WHERE case_id = $1 ORDER BY register_id`, caseID)
	if err != nil {
		return nil, mapErr(err, "case registers")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "case registers")
}

// DeleteUnconfirmed removes web submissions never confirmed before cutoff.
// The case's key goes with its row (case_keys cascades), and so do its
// code mails and their jobs (issue 22), which would otherwise stay behind
// with the case id cleared.
func (q *Q) DeleteUnconfirmed(ctx context.Context, cutoff time.Time) (int64, error) {
	const doomed = `SELECT id FROM cases WHERE channel = 'web' AND confirmed_at IS NULL AND state = 'received' AND received_at < $1`
	if _, err := q.db.Exec(ctx, `DELETE FROM river_job WHERE state <> 'running' AND kind = 'deliver_mail'
		AND (args->>'outbox_id')::bigint IN (SELECT id FROM outbox WHERE case_id IN (`+doomed+`))`, cutoff); err != nil {
		return 0, mapErr(err, "purging unconfirmed: jobs")
	}
	if _, err := q.db.Exec(ctx, `DELETE FROM outbox WHERE case_id IN (`+doomed+`)`, cutoff); err != nil {
		return 0, mapErr(err, "purging unconfirmed: mails")
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM cases WHERE id IN (`+doomed+`)`, cutoff)
	return tag.RowsAffected(), mapErr(err, "purging unconfirmed")
}

// RecentSimilar finds a confirmed case of the same organisation from the
// same email (or the same henkilötunnus index) since `since`, for duplicate
// linking (issue 5). Rights and registers are compared by the caller.
func (q *Q) RecentSimilar(ctx context.Context, orgID, exceptID int64, email string, hetuIndex []byte, since time.Time) ([]Case, error) {
	emailIdx, err := q.emailIndexes(email) // every ring key: rows indexed before a rotation too
	if err != nil {
		return nil, err
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+prefixed("c", caseCols)+` FROM cases c JOIN requesters r ON r.case_id = c.id
		WHERE c.org_id = $1 AND c.id <> $2 AND c.received_at >= $3 AND c.confirmed_at IS NOT NULL
		  AND (r.email_index = ANY($4) OR (r.hetu_index IS NOT NULL AND r.hetu_index = $5))
		ORDER BY c.received_at`, orgID, exceptID, since, emailIdx, hetuIndex)
	return q.collectCases(ctx, rows, err, "similar cases")
}

// CountCasesByEmail counts cases from an email address in a window (IN-2:
// repeats are flagged for the DPO).
func (q *Q) CountCasesByEmail(ctx context.Context, orgID int64, email string, since time.Time) (int, error) {
	var n int
	emailIdx, err := q.emailIndexes(email)
	if err != nil {
		return 0, err
	}
	err = q.db.QueryRow(ctx, `SELECT count(*) FROM cases c JOIN requesters r ON r.case_id = c.id
		WHERE c.org_id = $1 AND r.email_index = ANY($2) AND c.received_at >= $3 AND c.confirmed_at IS NOT NULL`, orgID, emailIdx, since).Scan(&n)
	return n, mapErr(err, "counting cases")
}

func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
