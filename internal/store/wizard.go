package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// The import wizard's drafts (issue 19): what a DPO imported and decided,
// kept between the steps as JSON (workflow.ImportDraft), so that nothing
// is lost when a page is reloaded or the DPO comes back later.

// DraftRow is one stored draft.
type DraftRow struct {
	ID          int64      `db:"id"`
	OrgID       int64      `db:"org_id"`
	Data        []byte     `db:"data"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
	PublishedAt *time.Time `db:"published_at"`
}

const draftCols = `id, org_id, data, created_at, updated_at, published_at`

// InsertDraft stores a new draft of orgID and returns its id.
func (q *Q) InsertDraft(ctx context.Context, orgID, staffID int64, data []byte, now time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO import_drafts (org_id, staff_id, data, created_at, updated_at)
		VALUES ($1, nullif($2, 0), $3, $4, $4) RETURNING id`, orgID, staffID, data, now).Scan(&id)
	return id, mapErr(err, "saving import draft")
}

// Draft returns draft id of orgID; another organisation's is ErrNotFound.
func (q *Q) Draft(ctx context.Context, orgID, id int64) (DraftRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+draftCols+` FROM import_drafts WHERE org_id = $1 AND id = $2`, orgID, id)
	d, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[DraftRow])
	return d, mapErr(err, "import draft")
}

// DraftForUpdate is Draft with the row locked until the transaction ends.
func (q *Q) DraftForUpdate(ctx context.Context, orgID, id int64) (DraftRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+draftCols+` FROM import_drafts WHERE org_id = $1 AND id = $2 FOR UPDATE`, orgID, id)
	d, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[DraftRow])
	return d, mapErr(err, "import draft")
}

// LastPublishedDraft is the organisation's latest published draft, or
// ErrNotFound when it has none.
func (q *Q) LastPublishedDraft(ctx context.Context, orgID int64) (DraftRow, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+draftCols+` FROM import_drafts
		WHERE org_id = $1 AND published_at IS NOT NULL ORDER BY published_at DESC, id DESC LIMIT 1`, orgID)
	d, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[DraftRow])
	return d, mapErr(err, "import draft")
}

// OpenDrafts lists the organisation's unpublished drafts, newest first.
func (q *Q) OpenDrafts(ctx context.Context, orgID int64) ([]DraftRow, error) {
	rows, err := q.db.Query(ctx, `SELECT `+draftCols+` FROM import_drafts
		WHERE org_id = $1 AND published_at IS NULL ORDER BY id DESC LIMIT 20`, orgID)
	if err != nil {
		return nil, mapErr(err, "listing import drafts")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[DraftRow])
	return out, mapErr(err, "listing import drafts")
}

// DeleteOpenDraft deletes an unpublished draft of orgID (ErrNotFound when
// there is none: another organisation's, or published, whose record of
// what it did stays).
func (q *Q) DeleteOpenDraft(ctx context.Context, orgID, id int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM import_drafts WHERE org_id = $1 AND id = $2 AND published_at IS NULL`, orgID, id)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "import draft")
}

// SaveDraft replaces a draft's data; published marks it published.
func (q *Q) SaveDraft(ctx context.Context, orgID, id int64, data []byte, published bool, now time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE import_drafts SET data = $3, updated_at = $4,
		published_at = CASE WHEN $5 THEN $4 ELSE published_at END
		WHERE org_id = $1 AND id = $2`, orgID, id, data, now, published)
	if err != nil {
		return mapErr(err, "saving import draft")
	}
	if tag.RowsAffected() == 0 {
		return mapErr(pgx.ErrNoRows, "import draft")
	}
	return nil
}

// RegisterByNorm is the organisation's register with the normalised name.
func (q *Q) RegisterByNorm(ctx context.Context, orgID int64, norm string) (Register, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+` WHERE r.org_id = $1 AND r.norm_name = $2 FOR UPDATE OF r`, orgID, norm)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Register])
	return r, mapErr(err, "register")
}

// SetRegisterAliases stores the names merged into a register.
func (q *Q) SetRegisterAliases(ctx context.Context, orgID, id int64, aliases []string) error {
	if aliases == nil {
		aliases = []string{}
	}
	_, err := q.db.Exec(ctx, `UPDATE registers SET aliases = $3 WHERE org_id = $1 AND id = $2`, orgID, id, aliases)
	return mapErr(err, "saving register aliases")
}

// RegisterAliases returns each register's aliases by its normalised name.
func (q *Q) RegisterAliases(ctx context.Context, orgID int64) (map[string][]string, error) {
	rows, err := q.db.Query(ctx, `SELECT norm_name, aliases FROM registers WHERE org_id = $1 AND cardinality(aliases) > 0`, orgID)
	return collectMap[string, []string](rows, err, "reading register aliases")
}

// WithdrawRegister takes a register off the published catalogue (the DPO
// dropped it in the import wizard): it is marked missing from its source,
// so the portal no longer lists it, and its cases keep it.
func (q *Q) WithdrawRegister(ctx context.Context, orgID, id int64, now time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE registers SET missing_from_source = true, missing_since = coalesce(missing_since, $3), updated_at = $3
		WHERE org_id = $1 AND id = $2 AND NOT missing_from_source`, orgID, id, now)
	orgsChanged() // its registers make an organisation Open
	return mapErr(err, "withdrawing register")
}
