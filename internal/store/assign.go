package store

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Case assignment (issue 21): a case is assigned to one staff member of
// its organisation who may act on it (admin or dpo), or to nobody.

// Assignee is a staff member a case of the organisation can be assigned
// to: a member with an acting role whose account is not disabled.
type Assignee struct {
	ID    int64  `db:"id"`
	Name  string `db:"name"` // the name, or the email when unnamed
	Email string `db:"email"`
}

// Assignees lists the organisation's staff who can be assigned a case
// (admin and dpo members, not disabled), by name.
func (q *Q) Assignees(ctx context.Context, orgID int64) ([]Assignee, error) {
	rows, err := q.db.Query(ctx, `
		SELECT u.id, CASE WHEN u.name <> '' THEN u.name ELSE u.email END AS name, u.email
		FROM memberships m JOIN staff_users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.role IN ('admin', 'dpo') AND u.disabled_at IS NULL
		ORDER BY lower(CASE WHEN u.name <> '' THEN u.name ELSE u.email END), u.id`, orgID)
	if err != nil {
		return nil, mapErr(err, "assignees")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Assignee])
	return out, mapErr(err, "assignees")
}

// IsAssignee reports whether userID can be assigned the organisation's
// cases (Assignees' rule), under a share lock on the membership so it
// cannot be removed before the caller's transaction commits.
func (q *Q) IsAssignee(ctx context.Context, orgID, userID int64) (bool, error) {
	var ok bool
	err := q.db.QueryRow(ctx, `
		SELECT true FROM memberships m JOIN staff_users u ON u.id = m.user_id
		WHERE m.org_id = $1 AND m.user_id = $2 AND m.role IN ('admin', 'dpo') AND u.disabled_at IS NULL
		FOR SHARE OF m`, orgID, userID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return ok, mapErr(err, "assignee")
}

// SetCaseAssignee assigns the case to userID, or to nobody when nil. The
// caller checks the assignee (IsAssignee) and holds the case's lock.
func (q *Q) SetCaseAssignee(ctx context.Context, orgID, caseID int64, userID *int64) error {
	tag, err := q.db.Exec(ctx, `UPDATE cases SET assigned_to = $3 WHERE org_id = $1 AND id = $2`, orgID, caseID, userID)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "assigning case")
}

// UnassignOpenCases takes userID's open cases in orgID from them, when
// they leave the organisation or their account is disabled: the cases
// show as unassigned on the dashboard, where a DPO shares out work,
// instead of staying with a handler who can no longer act. Closed cases
// keep their handler (who answered them). It returns the cases' ids in
// order; the caller records an event on each.
func (q *Q) UnassignOpenCases(ctx context.Context, orgID, userID int64) ([]int64, error) {
	rows, _ := q.db.Query(ctx, `UPDATE cases SET assigned_to = NULL
		WHERE org_id = $1 AND assigned_to = $2 AND state = ANY($3) RETURNING id`, orgID, userID, OpenStates)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	slices.Sort(ids)
	return ids, mapErr(err, "unassigning cases")
}
