package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Breach is one entry of an organisation's breach log (legal.md §6, BR).
type Breach struct {
	ID                     int64      `db:"id"`
	OrgID                  int64      `db:"org_id"`
	No                     int        `db:"no"`
	Title                  string     `db:"title"`
	AwareAt                time.Time  `db:"aware_at"`
	OccurredAt             *time.Time `db:"occurred_at"`
	Nature                 string     `db:"nature"`
	SubjectCategories      string     `db:"subject_categories"`
	SubjectCount           *int       `db:"subject_count"`
	RecordCategories       string     `db:"record_categories"`
	RecordCount            *int       `db:"record_count"`
	Consequences           string     `db:"consequences"`
	Measures               string     `db:"measures"`
	Contact                string     `db:"contact"`
	Risk                   string     `db:"risk"`
	Decision               string     `db:"decision"`
	DecisionReason         string     `db:"decision_reason"`
	OmbudsmanNotifiedAt    *time.Time `db:"ombudsman_notified_at"`
	OmbudsmanReference     string     `db:"ombudsman_reference"`
	DelayReason            string     `db:"delay_reason"`
	PersonsNotifiedAt      *time.Time `db:"persons_notified_at"`
	PersonsHow             string     `db:"persons_how"`
	PersonsNotNeededReason string     `db:"persons_not_needed_reason"`
	State                  string     `db:"state"`
	ClosedAt               *time.Time `db:"closed_at"`
	CreatedBy              *int64     `db:"created_by"`
	CreatedAt              time.Time  `db:"created_at"`
	UpdatedAt              time.Time  `db:"updated_at"`
}

const breachCols = `id, org_id, no, title, aware_at, occurred_at, nature, subject_categories, subject_count,
	record_categories, record_count, consequences, measures, contact, risk, decision, decision_reason,
	ombudsman_notified_at, ombudsman_reference, delay_reason, persons_notified_at, persons_how,
	persons_not_needed_reason, state, closed_at, created_by, created_at, updated_at`

// InsertBreach adds b to its organisation's log with the next running
// number and returns its id and number. Callers hold LockOrg, so two
// breaches never draw the same number.
func (q *Q) InsertBreach(ctx context.Context, b Breach) (int64, int, error) {
	var id int64
	var no int
	err := q.db.QueryRow(ctx, `
		INSERT INTO breaches (org_id, no, title, aware_at, occurred_at, nature, subject_categories, subject_count,
			record_categories, record_count, consequences, measures, contact, risk, decision, decision_reason,
			created_by, created_at, updated_at)
		VALUES ($1, (SELECT coalesce(max(no), 0) + 1 FROM breaches WHERE org_id = $1), $2, $3, $4, $5, $6, $7,
			$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)
		RETURNING id, no`,
		b.OrgID, b.Title, b.AwareAt, b.OccurredAt, b.Nature, b.SubjectCategories, b.SubjectCount,
		b.RecordCategories, b.RecordCount, b.Consequences, b.Measures, b.Contact, b.Risk, b.Decision, b.DecisionReason,
		b.CreatedBy, b.CreatedAt).Scan(&id, &no)
	return id, no, mapErr(err, "adding breach")
}

// UpdateBreach saves every field of b (within b.OrgID).
func (q *Q) UpdateBreach(ctx context.Context, b Breach) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE breaches SET title = $3, aware_at = $4, occurred_at = $5, nature = $6, subject_categories = $7,
			subject_count = $8, record_categories = $9, record_count = $10, consequences = $11, measures = $12,
			contact = $13, risk = $14, decision = $15, decision_reason = $16, ombudsman_notified_at = $17,
			ombudsman_reference = $18, delay_reason = $19, persons_notified_at = $20, persons_how = $21,
			persons_not_needed_reason = $22, state = $23, closed_at = $24, updated_at = $25
		WHERE org_id = $1 AND id = $2`,
		b.OrgID, b.ID, b.Title, b.AwareAt, b.OccurredAt, b.Nature, b.SubjectCategories,
		b.SubjectCount, b.RecordCategories, b.RecordCount, b.Consequences, b.Measures,
		b.Contact, b.Risk, b.Decision, b.DecisionReason, b.OmbudsmanNotifiedAt,
		b.OmbudsmanReference, b.DelayReason, b.PersonsNotifiedAt, b.PersonsHow,
		b.PersonsNotNeededReason, b.State, b.ClosedAt, b.UpdatedAt)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "saving breach")
}

// BreachInOrgs finds a breach among the organisations orgIDs (the
// signed-in user's): another organisation's breach is ErrNotFound.
func (q *Q) BreachInOrgs(ctx context.Context, orgIDs []int64, id int64) (Breach, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+breachCols+` FROM breaches WHERE id = $1 AND org_id = ANY($2)`, id, orgIDs)
	b, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Breach])
	return b, mapErr(err, "breach")
}

// BreachByID finds a breach by id alone (jobs, which carry ids only).
func (q *Q) BreachByID(ctx context.Context, id int64) (Breach, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+breachCols+` FROM breaches WHERE id = $1`, id)
	b, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Breach])
	return b, mapErr(err, "breach")
}

// BreachForUpdate reads and locks a breach of orgID.
func (q *Q) BreachForUpdate(ctx context.Context, orgID, id int64) (Breach, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+breachCols+` FROM breaches WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id)
	b, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Breach])
	return b, mapErr(err, "breach")
}

// Breaches lists an organisation's breaches: open ones first, the least
// time left (earliest aware_at) first; then closed ones, newest first.
func (q *Q) Breaches(ctx context.Context, orgID int64) ([]Breach, error) {
	rows, err := q.db.Query(ctx, `SELECT `+breachCols+` FROM breaches WHERE org_id = $1
		ORDER BY state = 'closed', CASE WHEN state = 'open' THEN aware_at END ASC, aware_at DESC, id DESC`, orgID)
	if err != nil {
		return nil, mapErr(err, "listing breaches")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Breach])
	return out, mapErr(err, "listing breaches")
}

// MarkBreachReminder records that the reminder hoursBefore the deadline
// due was sent; false when it had been already (exactly once per
// reminder and deadline).
func (q *Q) MarkBreachReminder(ctx context.Context, breachID int64, hoursBefore int, due, at time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO breach_reminders (breach_id, hours_before, due_at, sent_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, breachID, hoursBefore, due, at)
	if err != nil {
		return false, mapErr(err, "breach reminder")
	}
	return tag.RowsAffected() == 1, nil
}

// BreachEvents lists the audit events of one breach (on its
// organisation's own chain), oldest first: the decision trail.
func (q *Q) BreachEvents(ctx context.Context, orgID, breachID int64) ([]AuditEvent, error) {
	rows, err := q.db.Query(ctx, `SELECT `+auditCols+` FROM audit_events
		WHERE org_id = $1 AND case_id IS NULL AND action LIKE 'breach\_%' AND data @> jsonb_build_object('breach', $2::bigint)
		ORDER BY seq`, orgID, breachID)
	if err != nil {
		return nil, mapErr(err, "breach events")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEvent])
	return out, mapErr(err, "breach events")
}
