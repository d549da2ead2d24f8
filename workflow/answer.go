package workflow

import (
	"context"
	"slices"
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
	// RecipientsTold: the recipients told of a rectification, erasure or
	// restriction (Art 19), one a line; RecipientsNone: there were none
	// to tell. One of the two goes with such an answer, neither with
	// another.
	RecipientsTold string
	RecipientsNone bool
	Attachments    []Attachment
}

// Art19Answer reports whether an answer changed data the register's
// recipients must be told of (Art 19: rectification, erasure,
// restriction).
func Art19Answer(a Answer) bool {
	return a == AnswerRectified || a == AnswerErased || a == AnswerRestricted
}

// RecipientLines splits an Art 19 list into its recipients: one a line,
// blank lines and surrounding space dropped.
func RecipientLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
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

// normalized trims the answer and its ground. A refusal on the guardian
// ground is itself a restriction of the representative's access (ID-5).
func (a TaskAnswer) normalized() TaskAnswer {
	a.Answer, a.Ground = strings.TrimSpace(a.Answer), strings.TrimSpace(a.Ground)
	if Answer(a.Answer) == AnswerRefused && Ground(a.Ground) == GroundGuardian {
		a.GuardianRestricted = true
	}
	return a
}

// ValidateAnswer checks an answer, whoever gives it (the owner through the
// link or the DPO for a task of the DPO's queue), against the task's RB-1
// rule and ID-5; onBehalf is whether the request was made on someone
// else's behalf. A guardian's restriction needs such a request and one of
// GuardianGrounds, and goes with an extract (to withhold everything the
// answer is a refusal on the guardian ground). What goes with one answer
// only (a table or files with an extract, the changes with a
// rectification) is refused with another rather than dropped or kept by
// mistake (a table of data under "no data").
//
// Field keys: answer, ground (of a refusal), guardian_ground (of a
// restriction that is not a refusal), guardian (the restriction itself),
// comment, changes, extract, files; values are task.err.* message keys.
func ValidateAnswer(t store.Task, a TaskAnswer, onBehalf bool) error {
	a = a.normalized()
	ans := Answer(a.Answer)
	refused := ans == AnswerRefused
	fe := FieldErrors{}

	// ID-5 first: its message says more than RB-1's "choose a ground".
	if a.GuardianRestricted {
		switch {
		case !onBehalf && refused:
			fe.Add("ground", "task.err.guardian_behalf")
		case !onBehalf:
			fe.Add("guardian_ground", "task.err.guardian_behalf")
		case refused:
			// A refusal restricts through its own ground; one that is not
			// a guardian ground contradicts the restriction. No ground at
			// all is RB-1's "choose a ground" below.
			if a.Ground != "" && !slices.Contains(GuardianGrounds, Ground(a.Ground)) {
				fe.Add("guardian", "task.err.guardian_answer")
			}
		case ans != AnswerExtract:
			fe.Add("guardian", "task.err.guardian_answer")
		case !slices.Contains(GuardianGrounds, Ground(a.Ground)):
			fe.Add("guardian_ground", "task.err.guardian_ground")
		}
	}
	if a.Answer != "" && ans != AnswerExtract {
		if strings.TrimSpace(a.ExtractText) != "" {
			fe.Add("extract", "task.err.extract_only")
		}
		if len(a.Attachments) > 0 {
			fe.Add("files", "task.err.extract_only")
		}
	}
	if a.Answer != "" && ans != AnswerRectified && strings.TrimSpace(a.Changes) != "" {
		fe.Add("changes", "task.err.changes_only")
	}
	// Art 19 (legal.md §1): who was told of the change, or that nobody
	// was to be told; a list with another answer would be printed in no
	// letter, so it is refused rather than dropped.
	told := len(RecipientLines(a.RecipientsTold)) > 0
	switch {
	case a.Answer == "":
	case !Art19Answer(ans) && (told || a.RecipientsNone):
		fe.Add("recipients_told", "task.err.art19_only")
	case Art19Answer(ans) && told && a.RecipientsNone:
		fe.Add("recipients_told", "task.err.art19_both")
	case Art19Answer(ans) && !told && !a.RecipientsNone:
		fe.Add("recipients_told", "task.err.art19")
	}

	// RB-1.
	rule := RuleFor(Right(t.Right), Basis(t.LegalBasis))
	if !slices.Contains(t.AllowedAnswers, a.Answer) {
		fe.Add("answer", "task.err.answer")
	} else if refused {
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
		if refused {
			fe.Add("ground", "task.err.ground")
		} else {
			fe.Add("guardian_ground", "task.err.ground") // the ground of the restriction
		}
	}
	for _, s := range []struct{ f, v string }{{"comment", a.Comment}, {"changes", a.Changes}, {"extract", a.ExtractText},
		{"recipients_told", a.RecipientsTold}} {
		if utf8.RuneCountInString(s.v) > maxAnswerText {
			fe.Add(s.f, "task.err.too_long")
		}
	}
	checkFiles(fe, a.Attachments)
	return fe.Err()
}

// checkFiles adds to fe (under "files") what is wrong with files uploaded
// to a case (an answer's extract files, the documents of a decision,
// FI-2): too many, one too large, one empty.
func checkFiles(fe FieldErrors, files []Attachment) {
	if len(files) > maxAttachments {
		fe.Add("files", "task.err.too_many_files")
	}
	for _, f := range files {
		if len(f.Data) > MaxAttachment {
			fe.Add("files", "task.err.file_too_large")
		}
		if len(f.Data) == 0 {
			fe.Add("files", "task.err.file_empty")
		}
	}
}

// AnswerTask records an owner's answer (or the DPO's, for a task in the
// DPO's queue), checked by ValidateAnswer whoever answers. When it was the
// last open task of an in-progress case the case becomes "answer ready"
// and the DPO is told (issue 6).
func (s *Service) AnswerTask(ctx context.Context, org store.Org, taskID int64, actor Actor, a TaskAnswer) error {
	a = a.normalized()
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
		req, err := q.RequesterOf(ctx, org.ID, c.ID)
		if err != nil {
			return err
		}
		if err := ValidateAnswer(t, a, req.OnBehalf); err != nil {
			return err
		}
		now := s.Now()
		t.State, t.Answer, t.AnswerGround = "answered", a.Answer, a.Ground
		if Answer(a.Answer) != AnswerRefused && !a.GuardianRestricted {
			t.AnswerGround = ""
		}
		t.AnswerComment, t.AnswerChanges = strings.TrimSpace(a.Comment), strings.TrimSpace(a.Changes)
		t.ExtractText, t.GuardianRestricted = strings.TrimRight(a.ExtractText, "\r\n\t "), a.GuardianRestricted
		t.RecipientsTold, t.RecipientsNone = strings.Join(RecipientLines(a.RecipientsTold), "\n"), a.RecipientsNone
		t.AnsweredAt, t.AnsweredBy, t.UpdatedAt = &now, string(actor), now
		if err := q.UpdateTask(ctx, t); err != nil {
			return err
		}
		if err := clearLetterTexts(ctx, q, t); err != nil { // the DPO's edit was of an earlier answer
			return err
		}
		for _, f := range a.Attachments {
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			if _, err := q.InsertAttachment(ctx, org.ID, t.ID, store.TaskAttachment{
				Filename: CleanFilename(f.Filename, "file"), ContentType: ct, Data: f.Data}); err != nil {
				return err
			}
		}
		if err := s.audit(ctx, q, org.ID, c.ID, actor, "task_answered", map[string]any{
			"task": t.ID, "register": t.RegisterName, "right": t.Right, "answer": a.Answer, "ground": t.AnswerGround,
			"files": len(a.Attachments), "guardian_restricted": a.GuardianRestricted,
			"art19_recipients": len(RecipientLines(t.RecipientsTold)), "art19_none": t.RecipientsNone}); err != nil {
			return err
		}
		return s.checkAllAnswered(ctx, tx, q, org, c)
	})
}

// TaskFile reads one file uploaded with the answer of a task of the case,
// for a staff member, and records that it was downloaded (audit
// "attachment_downloaded"). The audit names the task, its register and the
// file's id, never the file's name: it may carry personal data.
func (s *Service) TaskFile(ctx context.Context, org store.Org, caseID, taskID, fileID int64, actor Actor) (store.TaskAttachment, error) {
	var f store.TaskAttachment
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(tasks, func(t store.Task) bool { return t.ID == taskID })
		if i < 0 {
			return store.ErrNotFound
		}
		if f, err = q.TaskAttachment(ctx, org.ID, taskID, fileID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "attachment_downloaded", map[string]any{
			"task": taskID, "attachment": fileID, "register": tasks[i].RegisterName})
	})
	return f, err
}

// CleanFilename is the one cleaning of a file name a person sent (an
// owner's, a resident's or a DPO's upload, an emailed request's
// attachment): its base name (some browsers send a whole Windows path),
// without control characters or quotes, at most maxFilenameSize
// characters (never a cut inside one); fallback when nothing is left.
func CleanFilename(n, fallback string) string {
	if i := strings.LastIndexAny(n, `/\`); i >= 0 {
		n = n[i+1:]
	}
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(n, ""))
	if r := []rune(n); len(r) > maxFilenameSize {
		n = string(r[:maxFilenameSize])
	}
	if strings.TrimSpace(n) == "" || n == "." || n == ".." {
		return fallback
	}
	return n
}
