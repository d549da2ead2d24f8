package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// The DPO's edit of an owner's texts before they reach the resident. An
// owner is told the answer's language (FI-3) but often writes in Finnish
// to a Swedish-speaking resident, or writes what must not reach them (a
// colleague's name, an internal reference). Of the owner's free texts a
// letter prints (letterRegister): the reasons of a refusal (RB-1, DL-6)
// or of a guardian's restriction (ID-5), what was rectified (Art 16) and
// the recipients told (Art 19). The DPO's version is stored beside the
// owner's original, which stays as written and is shown on the case page;
// every letter (its preview and the one sent) prints the DPO's version.
// The owner's note on another answer reaches no letter, and the extract
// is the data itself, withheld in part only by marks (withheld.go).

// Letter text fields, as the case page's form and the audit name them.
const (
	LetterFieldComment = "comment"
	LetterFieldChanges = "changes"
	LetterFieldTold    = "recipients_told"
)

// maxLetterText bounds the DPO's version of a text: the owner's own
// bound (ValidateAnswer), so any answer given can be edited.
const maxLetterText = maxAnswerText

// MaxLetterText is maxLetterText for the pages' messages.
const MaxLetterText = maxLetterText

// ErrAnswerSent: the case's answer has gone out (or is going out), so the
// texts of its letters can no longer change; it is an ErrNotAllowed.
var ErrAnswerSent = fmt.Errorf("the answer has been sent: %w", ErrNotAllowed)

// LetterEdit is the DPO's version of a task's letter texts, by field
// (LetterField*); a field the task's letter does not print is ignored.
type LetterEdit map[string]string

// LetterTextFields lists the owner's texts of an answered task that a
// letter prints, in the form's order (none for another task).
func LetterTextFields(t store.Task) []string {
	if t.State != "answered" {
		return nil
	}
	var out []string
	ans := Answer(t.Answer)
	if ans == AnswerRefused || t.GuardianRestricted {
		out = append(out, LetterFieldComment)
	}
	if ans == AnswerRectified {
		out = append(out, LetterFieldChanges)
	}
	if Art19Answer(ans) && !t.RecipientsNone {
		out = append(out, LetterFieldTold)
	}
	return out
}

// LetterOriginal is the owner's text of a field; LetterText is what the
// letter prints (the DPO's version when there is one).
func LetterOriginal(t store.Task, field string) string {
	switch field {
	case LetterFieldComment:
		return t.AnswerComment
	case LetterFieldChanges:
		return t.AnswerChanges
	case LetterFieldTold:
		return t.RecipientsTold
	}
	return ""
}

// LetterEdited is the DPO's version of a field ("" when none).
func LetterEdited(t store.Task, field string) string {
	switch field {
	case LetterFieldComment:
		return t.LetterComment
	case LetterFieldChanges:
		return t.LetterChanges
	case LetterFieldTold:
		return t.LetterTold
	}
	return ""
}

// LetterText is what a letter prints for a field of t.
func LetterText(t store.Task, field string) string {
	if v := LetterEdited(t, field); v != "" {
		return v
	}
	return LetterOriginal(t, field)
}

// letterTextNormal is a submitted text as stored: trimmed, and a list of
// recipients one a line without blank lines (as AnswerTask stores it).
func letterTextNormal(field, v string) string {
	if field == LetterFieldTold {
		return strings.Join(RecipientLines(v), "\n")
	}
	return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
}

// LetterTextsEditable reports whether the case's state lets letter texts
// change (the answer may still go out); AnswerOutgoing says whether it is
// going out already.
func LetterTextsEditable(c store.Case) bool {
	st := State(c.State)
	return st.Open() && st != StateReceived && st != StateAwaitingIdentity
}

// answerOutgoing reports whether the case's answer is on its way: an
// approval being rendered, or an answer letter rendered into the print
// queue and not yet posted (its PDF is made: a change would not reach it).
func answerOutgoing(ctx context.Context, q *store.Q, org store.Org, c store.Case) (bool, error) {
	renders, err := q.AnswerRendersOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return false, err
	}
	if len(renders) > 0 && renders[0].State == RenderPending {
		return true, nil
	}
	waiting, err := q.QueuedLettersOfCase(ctx, org.ID, c.ID)
	if err != nil {
		return false, err
	}
	for _, w := range waiting {
		if answerKind(w.Kind) && w.DoneAt == nil {
			return true, nil
		}
	}
	return false, nil
}

// AnswerOutgoing is answerOutgoing for the case page.
func (s *Service) AnswerOutgoing(ctx context.Context, org store.Org, c store.Case) (bool, error) {
	return answerOutgoing(ctx, store.New(s.Pool), org, c)
}

// EditLetterTexts records the DPO's version of the texts of task taskID
// of case caseID that its letter prints (the caller has checked that the
// actor may act in the organisation). A text equal to the owner's
// original removes the DPO's version. Field errors (keys LetterField*,
// values letteredit.err.* keys): a text left empty (a refusal is reasoned,
// DL-6; a rectification says what changed; the Art 19 list names who was
// told), or one too long. ErrAnswerSent once the answer has gone out or
// is going out; ErrNotAllowed for a task whose letter prints no text of
// the owner's. The audit event ("letter_texts_edited") names the task and
// the fields changed, never the texts (D-25).
func (s *Service) EditLetterTexts(ctx context.Context, org store.Org, caseID, taskID int64, actor Actor, e LetterEdit) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		t, err := q.TaskForUpdate(ctx, org.ID, taskID)
		if err != nil {
			return err
		}
		if t.CaseID != caseID {
			return store.ErrNotFound
		}
		c, err := q.CaseForUpdate(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if !LetterTextsEditable(c) {
			return ErrAnswerSent
		}
		if out, err := answerOutgoing(ctx, q, org, c); err != nil {
			return err
		} else if out {
			return ErrAnswerSent
		}
		fields := LetterTextFields(t)
		if len(fields) == 0 {
			return ErrNotAllowed
		}
		fe := FieldErrors{}
		var changed []string
		next := map[string]string{}
		for _, f := range fields {
			v := letterTextNormal(f, e[f])
			switch {
			case v == "":
				fe.Add(f, "letteredit.err.empty."+f)
			case utf8.RuneCountInString(v) > maxLetterText:
				fe.Add(f, "letteredit.err.too_long")
			}
			if v == LetterOriginal(t, f) {
				v = "" // the owner's text again: no version of the DPO's
			}
			next[f] = v
			if v != LetterEdited(t, f) {
				changed = append(changed, f)
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		now := s.Now()
		t.LetterComment, t.LetterChanges, t.LetterTold = next[LetterFieldComment], next[LetterFieldChanges], next[LetterFieldTold]
		t.LetterEditedBy, t.LetterEditedAt = string(actor), &now
		if t.LetterComment == "" && t.LetterChanges == "" && t.LetterTold == "" {
			t.LetterEditedBy, t.LetterEditedAt = "", nil
		}
		if err := q.SetTaskLetterTexts(ctx, t); err != nil {
			return err
		}
		var restored []string
		for _, f := range changed {
			if next[f] == "" {
				restored = append(restored, f)
			}
		}
		data := map[string]any{"task": t.ID, "register": t.RegisterName, "fields": changed}
		if len(restored) > 0 {
			data["restored"] = restored
		}
		return s.audit(ctx, q, org.ID, c.ID, actor, "letter_texts_edited", data)
	})
}

// clearLetterTexts drops the DPO's version of a task's texts when its
// owner's answer is replaced: the DPO's edit was of the old answer.
func clearLetterTexts(ctx context.Context, q *store.Q, t store.Task) error {
	if t.LetterComment == "" && t.LetterChanges == "" && t.LetterTold == "" && t.LetterEditedAt == nil {
		return nil
	}
	t.LetterComment, t.LetterChanges, t.LetterTold, t.LetterEditedBy, t.LetterEditedAt = "", "", "", "", (*time.Time)(nil)
	return q.SetTaskLetterTexts(ctx, t)
}
