package workflow

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// TaskAnswer is what a register owner answers for one register and right.
// It holds what a letter is later built from: the answer, the ground of a
// refusal, what was changed, the extract (typed table and/or files).
type TaskAnswer struct {
	Answer  string
	Ground  string
	Comment string
	// Changes: what was rectified (rectification).
	Changes string
	// ExtractText: a structured text table of the data (access,
	// portability), one row a line, cells separated by tabs.
	ExtractText string
	// GuardianRestricted: ID-5, a guardian's access is restricted; the
	// ground says why.
	GuardianRestricted bool
	Attachments        []Attachment
}

// Attachment is an uploaded extract file.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Limits for answers.
const (
	maxAnswerText   = 200_000
	MaxAttachment   = 10 << 20
	maxAttachments  = 10
	maxFilenameSize = 200
)

// ValidateAnswer checks an answer against the task's RB-1 rule.
func ValidateAnswer(t store.Task, a TaskAnswer) error {
	fe := FieldErrors{}
	rule := RuleFor(Right(t.Right), Basis(t.LegalBasis))
	ans := Answer(a.Answer)
	allowed := false
	for _, x := range t.AllowedAnswers {
		allowed = allowed || x == a.Answer
	}
	if !allowed {
		fe.Add("answer", "task.err.answer")
	} else if ans == AnswerRefused {
		if !rule.AllowsAnswer(ans, Ground(a.Ground)) {
			if rule.BasisNeeded && len(rule.Grounds) == 0 {
				fe.Add("ground", "task.err.basis_needed") // D-11
			} else {
				fe.Add("ground", "task.err.ground")
			}
		}
		if strings.TrimSpace(a.Comment) == "" {
			fe.Add("comment", "task.err.reason") // a refusal is reasoned (DL-6)
		}
	}
	if ans == AnswerRectified && strings.TrimSpace(a.Changes) == "" {
		fe.Add("changes", "task.err.changes")
	}
	if ans == AnswerExtract && strings.TrimSpace(a.ExtractText) == "" && len(a.Attachments) == 0 {
		fe.Add("extract", "task.err.extract")
	}
	if a.GuardianRestricted && a.Ground == "" {
		fe.Add("ground", "task.err.ground")
	}
	for _, s := range []struct{ f, v string }{{"comment", a.Comment}, {"changes", a.Changes}, {"extract", a.ExtractText}} {
		if utf8.RuneCountInString(s.v) > maxAnswerText {
			fe.Add(s.f, "task.err.too_long")
		}
	}
	if len(a.Attachments) > maxAttachments {
		fe.Add("files", "task.err.too_many_files")
	}
	for _, f := range a.Attachments {
		if len(f.Data) > MaxAttachment {
			fe.Add("files", "task.err.file_too_large")
		}
		if len(f.Data) == 0 {
			fe.Add("files", "task.err.file_empty")
		}
	}
	return fe.Err()
}

// AnswerTask records an owner's answer (or the DPO's, for a task in the
// DPO's queue). When it was the last open task of an in-progress case the
// case becomes "answer ready" and the DPO is told (issue 6).
func (s *Service) AnswerTask(ctx context.Context, org store.Org, taskID int64, actor Actor, a TaskAnswer) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, taskID)
		if err != nil {
			return err
		}
		c, err := q.CaseForUpdate(ctx, org.ID, t.CaseID)
		if err != nil {
			return err
		}
		if t.State != "open" || (State(c.State) != StateInProgress && State(c.State) != StatePaused) {
			return ErrNotAllowed
		}
		if err := ValidateAnswer(t, a); err != nil {
			return err
		}
		now := s.Now()
		t.State, t.Answer, t.AnswerGround = "answered", a.Answer, a.Ground
		if Answer(a.Answer) != AnswerRefused && !a.GuardianRestricted {
			t.AnswerGround = ""
		}
		t.AnswerComment, t.AnswerChanges = strings.TrimSpace(a.Comment), strings.TrimSpace(a.Changes)
		t.ExtractText, t.GuardianRestricted = strings.TrimRight(a.ExtractText, "\r\n\t "), a.GuardianRestricted
		t.AnsweredAt, t.AnsweredBy, t.UpdatedAt = &now, string(actor), now
		if err := q.UpdateTask(ctx, t); err != nil {
			return err
		}
		for _, f := range a.Attachments {
			name := truncate(sanitizeFilename(f.Filename), maxFilenameSize)
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO task_attachments (org_id, task_id, filename, content_type, size, data)
				VALUES ($1, $2, $3, $4, $5, $6)`, org.ID, t.ID, name, ct, len(f.Data), f.Data); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, q, org.ID, c.ID, actor, "task_answered", map[string]any{
			"task": t.ID, "register": t.RegisterName, "right": t.Right, "answer": a.Answer, "ground": t.AnswerGround,
			"files": len(a.Attachments), "guardian_restricted": a.GuardianRestricted}); err != nil {
			return err
		}
		return s.checkAllAnswered(ctx, tx, q, org, c)
	})
}

// sanitizeFilename keeps a file's base name without path or control
// characters.
func sanitizeFilename(n string) string {
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, n)
	if strings.TrimSpace(n) == "" || n == "." || n == ".." {
		return "file"
	}
	return n
}
