package workflow

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// Audit actions of case assignment (issue 21).
const (
	AuditAssign   = "assign"
	AuditUnassign = "unassign"
)

// Assign assigns an open case to a staff member of its organisation who
// may act on it (store.Assignees), or to nobody when assignee is 0. The
// event records ids only (D-25): the assignee and the one before. Another
// organisation's member, a viewer or a disabled account is refused as a
// field error ("assignee"); a closed case with ErrNotAllowed. Assigning
// the case to whoever has it already changes and records nothing.
func (s *Service) Assign(ctx context.Context, org store.Org, caseID int64, actor Actor, assignee int64) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if !State(c.State).Open() {
			return ErrNotAllowed
		}
		var prev int64
		if c.AssignedTo != nil {
			prev = *c.AssignedTo
		}
		if prev == assignee {
			return nil
		}
		data := map[string]any{}
		if prev != 0 {
			data["previous_assignee"] = prev
		}
		if assignee == 0 {
			if err := q.SetCaseAssignee(ctx, org.ID, caseID, nil); err != nil {
				return err
			}
			return s.audit(ctx, q, org.ID, caseID, actor, AuditUnassign, data)
		}
		ok, err := q.IsAssignee(ctx, org.ID, assignee)
		if err != nil {
			return err
		}
		if !ok {
			return FieldErrors{"assignee": "staffcase.assign.err.member"}
		}
		if err := q.SetCaseAssignee(ctx, org.ID, caseID, &assignee); err != nil {
			return err
		}
		data["assignee"] = assignee
		return s.audit(ctx, q, org.ID, caseID, actor, AuditAssign, data)
	})
}
