package workflow

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// Withheld content (issue 18; legal.md §3, Art 15(4); 1050/2018 §34;
// ID-5): an owner who answered with an extract marks rows, cells or whole
// files that the person must not receive, each with its ground and a short
// reason; the DPO sees and changes the marks on the case page until the
// answer goes out. The letter leaves the marked content out and prints a
// marked block with the ground and reason in its place. Audit events carry
// ids and the ground only: the reason is free text (D-25).

// WithheldMarks is what one "mark as withheld" form asks for: any number of
// rows, cells and files under one ground and reason.
type WithheldMarks struct {
	Rows   []int    // whole data rows of the extract, 1-based
	Cells  [][2]int // {row, column}, both 1-based
	Files  []int64  // uploaded files (task_attachments ids)
	Ground string
	Reason string
}

// maxWithheldReason bounds a mark's reason: the letter prints it in a box.
const maxWithheldReason = 500

// WithheldGrounds are the grounds a mark may cite: the rights of others
// (Art 15(4)), a restriction under 1050/2018 §34, and, for a request made
// on someone else's behalf, the guardian restriction of special law (ID-5).
func WithheldGrounds(onBehalf bool) []Ground {
	g := []Ground{GroundOthersRights, GroundDPA34}
	if onBehalf {
		g = append(g, GroundGuardian)
	}
	return g
}

// WithheldEditable reports whether a task's marks may still change: its
// answer is an extract, and the case's answer has not gone out.
func WithheldEditable(c store.Case, t store.Task) bool {
	return t.State == "answered" && Answer(t.Answer) == AnswerExtract && State(c.State).Open() &&
		State(c.State) != StateReceived && State(c.State) != StateAwaitingIdentity
}

// MarkWithheld adds marks to the answer of a task of caseID (owner or
// DPO; the caller has checked who may). Field keys: withheld (nothing
// chosen, or a row, cell or file the answer does not have), withheld_ground,
// withheld_reason; values are withheld.err.* keys. A mark that already
// exists is not added twice. Returns the new marks' ids.
func (s *Service) MarkWithheld(ctx context.Context, org store.Org, caseID, taskID int64, actor Actor, m WithheldMarks) ([]int64, error) {
	var ids []int64
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		t, c, err := s.withheldTask(ctx, q, org, caseID, taskID)
		if err != nil {
			return err
		}
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		files, err := q.TaskAttachments(ctx, org.ID, t.ID)
		if err != nil {
			return err
		}
		header, rows := pdf.ParseExtract(t.ExtractText)
		fe := FieldErrors{}
		if len(m.Rows)+len(m.Cells)+len(m.Files) == 0 {
			fe.Add("withheld", "withheld.err.none")
		}
		for _, r := range m.Rows {
			if r < 1 || r > len(rows) {
				fe.Add("withheld", "withheld.err.target")
			}
		}
		for _, cell := range m.Cells {
			if cell[0] < 1 || cell[0] > len(rows) || cell[1] < 1 || cell[1] > len(header) {
				fe.Add("withheld", "withheld.err.target")
			}
		}
		for _, id := range m.Files {
			if !slices.ContainsFunc(files, func(a store.TaskAttachment) bool { return a.ID == id }) {
				fe.Add("withheld", "withheld.err.target")
			}
		}
		ground := strings.TrimSpace(m.Ground)
		if !slices.Contains(WithheldGrounds(req.OnBehalf), Ground(ground)) {
			fe.Add("withheld_ground", "withheld.err.ground")
		}
		reason := strings.TrimSpace(m.Reason)
		switch {
		case reason == "":
			fe.Add("withheld_reason", "withheld.err.reason")
		case utf8.RuneCountInString(reason) > maxWithheldReason:
			fe.Add("withheld_reason", "withheld.err.too_long")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		have, err := q.WithheldOfTask(ctx, org.ID, t.ID)
		if err != nil {
			return err
		}
		now := s.Now()
		add := func(w store.Withheld) error {
			for _, h := range have {
				if eqIntPtr(h.Row, w.Row) && eqIntPtr(h.Col, w.Col) && eqInt64Ptr(h.AttachmentID, w.AttachmentID) {
					return nil
				}
			}
			w.OrgID, w.CaseID, w.TaskID, w.Ground, w.Reason, w.CreatedAt, w.CreatedBy = org.ID, c.ID, t.ID, ground, reason, now, string(actor)
			id, err := q.InsertWithheld(ctx, w)
			if err != nil {
				return err
			}
			w.ID = id
			have = append(have, w)
			ids = append(ids, id)
			return nil
		}
		for _, r := range m.Rows {
			if err := add(store.Withheld{Row: &r}); err != nil {
				return err
			}
		}
		for _, cell := range m.Cells {
			r, col := cell[0], cell[1]
			if err := add(store.Withheld{Row: &r, Col: &col}); err != nil {
				return err
			}
		}
		for _, id := range m.Files {
			if err := add(store.Withheld{AttachmentID: &id}); err != nil {
				return err
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return s.audit(ctx, q, org.ID, c.ID, actor, "withheld_marked", map[string]any{
			"task": t.ID, "register": t.RegisterName, "marks": ids, "ground": ground})
	})
	return ids, err
}

// RemoveWithheld removes one mark of a task of caseID while the marks may
// change (the DPO's change before sending, or the owner's correction).
func (s *Service) RemoveWithheld(ctx context.Context, org store.Org, caseID, taskID, markID int64, actor Actor) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		t, c, err := s.withheldTask(ctx, q, org, caseID, taskID)
		if err != nil {
			return err
		}
		if err := q.DeleteWithheld(ctx, org.ID, t.ID, markID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, c.ID, actor, "withheld_removed", map[string]any{
			"task": t.ID, "register": t.RegisterName, "mark": markID})
	})
}

// withheldTask locks a task of the case and its case, and checks that its
// marks may change.
func (s *Service) withheldTask(ctx context.Context, q *store.Q, org store.Org, caseID, taskID int64) (store.Task, store.Case, error) {
	t, err := q.TaskForUpdate(ctx, org.ID, taskID)
	if err != nil {
		return t, store.Case{}, err
	}
	if t.CaseID != caseID {
		return t, store.Case{}, store.ErrNotFound
	}
	c, err := q.CaseForUpdate(ctx, org.ID, caseID)
	if err != nil {
		return t, c, err
	}
	if !WithheldEditable(c, t) {
		return t, c, ErrNotAllowed
	}
	return t, c, nil
}

// OwnerMarkWithheld is MarkWithheld for the owner through the task's link:
// the browser must be verified.
func (s *Service) OwnerMarkWithheld(ctx context.Context, taskID int64, browserHash []byte, m WithheldMarks) error {
	t, org, err := s.ownerVerified(ctx, taskID, browserHash)
	if err != nil {
		return err
	}
	_, err = s.MarkWithheld(ctx, org, t.CaseID, t.ID, OwnerActor(t.ID), m)
	return err
}

// OwnerRemoveWithheld is RemoveWithheld for the owner through the link.
func (s *Service) OwnerRemoveWithheld(ctx context.Context, taskID int64, browserHash []byte, markID int64) error {
	t, org, err := s.ownerVerified(ctx, taskID, browserHash)
	if err != nil {
		return err
	}
	return s.RemoveWithheld(ctx, org, t.CaseID, t.ID, markID, OwnerActor(t.ID))
}

func (s *Service) ownerVerified(ctx context.Context, taskID int64, browserHash []byte) (store.Task, store.Org, error) {
	q := store.New(s.Pool)
	t, org, err := s.ownerTask(ctx, q, taskID)
	if err != nil {
		return t, org, err
	}
	if ok, err := s.browserKnown(ctx, q, org, t, browserHash); err != nil {
		return t, org, err
	} else if !ok {
		return t, org, ErrBrowserUnverified
	}
	return t, org, nil
}

// letterWithheld turns a task's marks into the letter's (files by their
// names; a mark on a file that is gone withholds nothing more).
func letterWithheld(marks []store.Withheld, header []string, fileNames map[int64]string) []pdf.Withheld {
	var out []pdf.Withheld
	for _, m := range marks {
		w := pdf.Withheld{Ground: m.Ground, Reason: m.Reason}
		switch {
		case m.AttachmentID != nil:
			name, ok := fileNames[*m.AttachmentID]
			if !ok {
				continue
			}
			w.File = name
		case m.Row != nil:
			w.Row = *m.Row
			if m.Col != nil {
				w.Col = *m.Col
				if *m.Col <= len(header) {
					w.Column = header[*m.Col-1]
				}
			}
		}
		out = append(out, w)
	}
	return out
}

func eqIntPtr(a, b *int) bool     { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
func eqInt64Ptr(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
