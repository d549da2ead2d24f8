package api

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The DPO's edit of the owner's texts a letter prints (workflow
// letter_edit.go): on the case page each such text shows what the letter
// prints, and, when the DPO changed it, the owner's original beside it.
// Until the answer goes out, one who may act on the case edits them in a
// form of the task (no JavaScript). URLs carry ids only.

// caseLetterText is one owner's text of a task that a letter prints.
type caseLetterText struct {
	Field    string // workflow.LetterField*
	Label    string
	Text     string // what the letter prints
	Original string // the owner's text, when the DPO's version differs
	Edited   bool
}

// caseLetterTextLabels are the fields' labels on the case page.
var caseLetterTextLabels = map[string]string{
	workflow.LetterFieldComment: "letteredit.label.comment",
	workflow.LetterFieldChanges: "letteredit.label.changes",
	workflow.LetterFieldTold:    "letteredit.label.recipients_told",
}

// caseLetterTexts fills a task view's letter texts and, when editable, its
// form (prefilled with what the letter prints now).
func (s *Server) caseLetterTexts(lang string, cs store.Case, t store.Task, v *caseTask, editable bool) {
	fields := workflow.LetterTextFields(t)
	if len(fields) == 0 {
		return
	}
	id := strconv.FormatInt(t.ID, 10)
	v.LetterFormID = "task-" + id + "-letter"
	v.LetterURL = caseURL(cs.Receipt) + "/tasks/" + id + "/letter"
	vals := url.Values{}
	for _, f := range fields {
		lt := caseLetterText{Field: f, Label: s.Catalog.T(lang, caseLetterTextLabels[f]), Text: workflow.LetterText(t, f)}
		if workflow.LetterEdited(t, f) != "" {
			lt.Edited, lt.Original = true, workflow.LetterOriginal(t, f)
		}
		v.LetterTexts = append(v.LetterTexts, lt)
		switch f { // the task's facts show what the letter prints, and the original
		case workflow.LetterFieldComment:
			v.Comment, v.CommentOriginal, v.CommentEdited = lt.Text, lt.Original, lt.Edited
		case workflow.LetterFieldChanges:
			v.Changes, v.ChangesOriginal, v.ChangesEdited = lt.Text, lt.Original, lt.Edited
		case workflow.LetterFieldTold:
			v.RecipientsTold, v.ToldEdited = workflow.RecipientLines(lt.Text), lt.Edited
			if lt.Edited {
				v.ToldOriginal = workflow.RecipientLines(lt.Original)
			}
		}
		vals.Set(f, lt.Text)
	}
	v.LetterForm = &caseForm{ID: v.LetterFormID, values: vals}
	v.CanEditLetter = editable
	v.LetterLang = s.caseLabel(lang, "staffcase.lang.", cs.Lang)
}

// staffTaskLetter: the DPO saves its version of a task's letter texts.
// After the answer has gone out the form is gone, and a POST is refused
// with the reason (409, nothing changed).
func (s *Server) staffTaskLetter(c echo.Context) error {
	a, err := s.staffTaskAction(c, "letter")
	if err != nil {
		return err
	}
	e := workflow.LetterEdit{}
	for _, f := range []string{workflow.LetterFieldComment, workflow.LetterFieldChanges, workflow.LetterFieldTold} {
		if vs, ok := a.values[f]; ok && len(vs) > 0 {
			e[f] = vs[0]
		}
	}
	err = s.Workflow.EditLetterTexts(c.Request().Context(), a.org, a.cs.ID, a.t.ID, a.u.Actor(), e)
	return s.caseAfterAction(c, a.cs, a.org, a.f, err, "letteredit.flash.saved")
}
