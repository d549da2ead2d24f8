package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Issue 20 (legal exactness): the fields of a case that only their own
// actions write, each in its own statement so UpdateCase never carries
// (or clobbers) them. The caller holds CaseForUpdate's lock.

// SetDocDecision records that a document request was decided (FI-2):
// its clock stops, and urgent_due follows in the same statement.
func (q *Q) SetDocDecision(ctx context.Context, orgID, caseID int64, decision string, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE cases SET doc_decision = $3, doc_decided_at = $4, updated_at = $4
		WHERE org_id = $1 AND id = $2`, orgID, caseID, decision, at)
	return mapErr(err, "document request decision")
}

// DecidedDocumentsOnlyOpen lists orgID's requests for documents alone
// (FI-2) that are decided but still open: decided before a decision
// answered such a request, they had nothing left to do and no way to be
// closed. In id order, the order their cases are locked.
func (q *Q) DecidedDocumentsOnlyOpen(ctx context.Context, orgID int64) ([]int64, error) {
	rows, _ := q.db.Query(ctx, `SELECT id FROM cases
		WHERE org_id = $1 AND state IN ('awaiting_identity', 'in_progress', 'answer_ready', 'paused')
			AND document_request AND NOT gdpr AND doc_decided_at IS NOT NULL
		ORDER BY id`, orgID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return ids, mapErr(err, "decided document requests")
}

// SetDocExtension records that a document request runs on its one-month
// clock (FI-2, 621/1999 §14: a large number of documents), with the reason.
func (q *Q) SetDocExtension(ctx context.Context, orgID, caseID int64, reason string, at time.Time) error {
	sealed, err := q.sealStr(ctx, caseID, "cases.doc_extension_reason", reason)
	if err != nil {
		return err
	}
	_, err = q.db.Exec(ctx, `UPDATE cases SET doc_extended_at = $3, doc_extension_reason = $4, updated_at = $3
		WHERE org_id = $1 AND id = $2`, orgID, caseID, at, sealed)
	return mapErr(err, "document request extension")
}

// SetAuthority records the DPO's decision on a representative's
// authority (ID-5): shown, not_shown or document_requested.
func (q *Q) SetAuthority(ctx context.Context, orgID, caseID int64, authority string, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE cases SET authority = $3, authority_at = $4, updated_at = $4
		WHERE org_id = $1 AND id = $2`, orgID, caseID, authority, at)
	return mapErr(err, "representative's authority")
}

// SetSubjectHetuTemporary flags that the represented person's
// henkilötunnus is a temporary number (ID-3, ID-5).
func (q *Q) SetSubjectHetuTemporary(ctx context.Context, orgID, caseID int64, temporary bool) error {
	_, err := q.db.Exec(ctx, `UPDATE cases SET subject_hetu_temporary = $3 WHERE org_id = $1 AND id = $2`, orgID, caseID, temporary)
	return mapErr(err, "temporary henkilötunnus flag")
}

// ElsewhereRegistersOfCase lists the registers a case concerns whose
// controller is now another organisation (RD-2, D-7): the registers it
// chose or has tasks for, or, for "all registers", every such register of
// the organisation. They are what the DPO may forward the request for.
func (q *Q) ElsewhereRegistersOfCase(ctx context.Context, orgID, caseID int64, all bool) ([]Register, error) {
	rows, err := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+`
		WHERE r.org_id = $1 AND r.controller_elsewhere
		  AND ($3 OR r.id IN (SELECT register_id FROM case_registers WHERE case_id = $2)
		          OR r.id IN (SELECT register_id FROM tasks WHERE org_id = $1 AND case_id = $2))
		ORDER BY lower(r.name), r.id`, orgID, caseID, all)
	if err != nil {
		return nil, mapErr(err, "registers elsewhere")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Register])
	return out, mapErr(err, "registers elsewhere")
}
