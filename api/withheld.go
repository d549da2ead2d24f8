package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Withheld content of an answer (issue 18; legal.md §3, Art 15(4);
// 1050/2018 §34; ID-5): the owner marks rows, cells and files on the task
// page once the answer is given; the DPO sees the marks on the case page
// and changes them until the answer goes out (templates/pages/_withheld.html,
// no JavaScript). URLs carry ids only.

// withheldView is the partial's data: the marks, and for an editor the
// extract and files with a checkbox each.
type withheldView struct {
	i18n.Translator
	CSRF      string
	Prefix    string // element id prefix, e.g. "withheld", "task-12-withheld"
	Editable  bool
	MarkURL   string
	RemoveURL string
	Header    []string
	Rows      []withheldRow
	Files     []withheldFile
	Marks     []withheldMark
	grounds   []workflow.Ground

	// The refused submission, for a re-render: set directly (task page)
	// or found in the case page's forms at render time.
	errs   map[string]string
	vals   url.Values
	forms  map[string]*caseForm
	formID string
}

type withheldRow struct {
	N        int
	Withheld bool
	Cells    []withheldCell
}

type withheldCell struct {
	Text, Label string
	Col         int
	Withheld    bool
}

type withheldFile struct {
	ID       int64
	Name     string
	Withheld bool
}

type withheldMark struct {
	ID                   int64
	What, Ground, Reason string
}

func (w *withheldView) state() (map[string]string, url.Values) {
	if w.forms != nil {
		if f, ok := w.forms[w.formID]; ok {
			return f.errs, f.values
		}
	}
	return w.errs, w.vals
}

// Err is the message key of a field's error, or "".
func (w *withheldView) Err(field string) string {
	errs, _ := w.state()
	return errs[field]
}

// Reason is the reason typed into a refused submission.
func (w *withheldView) Reason() string {
	_, v := w.state()
	return v.Get("withheld_reason")
}

// Grounds are the ground options, the refused submission's chosen.
func (w *withheldView) Grounds() []taskOption {
	_, v := w.state()
	var out []taskOption
	for _, g := range w.grounds {
		out = append(out, taskOption{Value: string(g), Label: w.T("ground." + string(g)), Selected: v.Get("withheld_ground") == string(g)})
	}
	return out
}

// withheldFor builds the view of one task's answer; mask hides the
// henkilötunnus in cells (the owner's page, issue 16 item 3).
func (s *Server) withheldFor(lang, csrf string, t store.Task, files []store.TaskAttachment, marks []store.Withheld,
	onBehalf, editable, mask bool) *withheldView {
	w := &withheldView{Translator: i18n.Translator{C: s.Catalog, Lang: lang}, CSRF: csrf, Editable: editable,
		grounds: workflow.WithheldGrounds(onBehalf)}
	header, rows := pdf.ParseExtract(t.ExtractText)
	text := func(s string) string {
		if mask {
			return workflow.MaskHetuInText(s)
		}
		return s
	}
	rowHeld, cellHeld, fileHeld := map[int]bool{}, map[[2]int]bool{}, map[int64]bool{}
	names := map[int64]string{}
	for _, f := range files {
		names[f.ID] = f.Filename
	}
	for _, m := range marks {
		wm := withheldMark{ID: m.ID, Ground: w.T("ground." + m.Ground), Reason: text(m.Reason)}
		switch {
		case m.AttachmentID != nil:
			fileHeld[*m.AttachmentID] = true
			wm.What = w.T("withheld.what.file", names[*m.AttachmentID])
		case m.Row != nil && m.Col != nil:
			cellHeld[[2]int{*m.Row, *m.Col}] = true
			col := strconv.Itoa(*m.Col)
			if *m.Col <= len(header) && header[*m.Col-1] != "" { // lines typed without tabs: no name
				col = text(header[*m.Col-1])
			}
			wm.What = w.T("withheld.what.cell", *m.Row, col)
		case m.Row != nil:
			rowHeld[*m.Row] = true
			wm.What = w.T("withheld.what.row", *m.Row)
		}
		w.Marks = append(w.Marks, wm)
	}
	if !editable {
		return w
	}
	for _, h := range header {
		w.Header = append(w.Header, text(h))
	}
	for i, r := range rows {
		n := i + 1
		row := withheldRow{N: n, Withheld: rowHeld[n]}
		for j, cell := range r {
			row.Cells = append(row.Cells, withheldCell{Text: text(cell), Col: j + 1, Withheld: rowHeld[n] || cellHeld[[2]int{n, j + 1}],
				Label: w.T("withheld.cell_label", n, w.Header[j])})
		}
		w.Rows = append(w.Rows, row)
	}
	for _, f := range files {
		w.Files = append(w.Files, withheldFile{ID: f.ID, Name: f.Filename, Withheld: fileHeld[f.ID]})
	}
	return w
}

// withheldMarks reads a "mark as withheld" form: row=N, cell=N:M, file=ID.
// A value that is not a number becomes 0, which the workflow refuses as a
// target the answer does not have.
func withheldMarks(v url.Values) workflow.WithheldMarks {
	m := workflow.WithheldMarks{Ground: v.Get("withheld_ground"), Reason: v.Get("withheld_reason")}
	for _, r := range v["row"] {
		n, _ := strconv.Atoi(strings.TrimSpace(r))
		m.Rows = append(m.Rows, n)
	}
	for _, c := range v["cell"] {
		a, b, _ := strings.Cut(c, ":")
		r, _ := strconv.Atoi(a)
		col, _ := strconv.Atoi(b)
		m.Cells = append(m.Cells, [2]int{r, col})
	}
	for _, f := range v["file"] {
		id, _ := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		m.Files = append(m.Files, id)
	}
	return m
}

// ---- the owner's task page ----------------------------------------------

// taskWithheldView is the task page's part: only for an answer with an
// extract, editable while the case's answer has not gone out.
func (s *Server) taskWithheldView(ctx context.Context, c echo.Context, lang string, v workflow.TaskView, errs map[string]string, vals url.Values) (*withheldView, error) {
	t := v.Task
	if t.State != "answered" || workflow.Answer(t.Answer) != workflow.AnswerExtract {
		return nil, nil
	}
	q := store.New(s.Pool)
	marks, err := q.WithheldOfTask(ctx, v.Org.ID, t.ID)
	if err != nil {
		return nil, err
	}
	cs, err := q.CaseByID(ctx, v.Org.ID, t.CaseID)
	if err != nil {
		return nil, err
	}
	csrf, _ := c.Get("csrf").(string)
	w := s.withheldFor(lang, csrf, t, v.Attachments, marks, v.Requester.OnBehalf, workflow.WithheldEditable(cs, t), true)
	w.Prefix, w.MarkURL, w.RemoveURL = "withheld", taskBase(c)+"/withheld", taskBase(c)+"/withheld/remove"
	w.errs, w.vals = errs, vals
	return w, nil
}

// taskWithheld adds the owner's marks.
func (s *Server) taskWithheld(c echo.Context) error {
	return s.taskWithheldPost(c, func(ctx context.Context, v workflow.TaskView, vals url.Values) error {
		return s.Workflow.OwnerMarkWithheld(ctx, v.Task.ID, s.ownerBrowser(c, false), withheldMarks(vals))
	}, "withheld.flash.marked")
}

// taskWithheldRemove removes one of the task's marks.
func (s *Server) taskWithheldRemove(c echo.Context) error {
	return s.taskWithheldPost(c, func(ctx context.Context, v workflow.TaskView, vals url.Values) error {
		id, err := strconv.ParseInt(vals.Get("mark"), 10, 64)
		if err != nil {
			return errNotFound
		}
		return s.Workflow.OwnerRemoveWithheld(ctx, v.Task.ID, s.ownerBrowser(c, false), id)
	}, "withheld.flash.removed")
}

func (s *Server) taskWithheldPost(c echo.Context, do func(context.Context, workflow.TaskView, url.Values) error, flashKey string) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	vals := postForm(c)
	err = do(c.Request().Context(), v, vals)
	var fe workflow.FieldErrors
	switch {
	case err == nil:
		flash(c, flashKey)
		return c.Redirect(http.StatusSeeOther, taskBase(c)+"#withheld")
	case errors.As(err, &fe):
		c.Set(ctxWithheldForm, withheldState{errs: fe, vals: vals})
		return s.showTask(c, v, http.StatusUnprocessableEntity, taskForm{}, fe)
	case errors.Is(err, workflow.ErrBrowserUnverified):
		return s.showTask(c, v, http.StatusForbidden, taskForm{}, nil)
	case errors.Is(err, workflow.ErrNotAllowed):
		if v, ok, err = s.openTask(c); !ok || err != nil {
			return err
		}
		return s.showTask(c, v, http.StatusConflict, taskForm{}, workflow.FieldErrors{"_state": "withheld.err.closed"})
	}
	return err
}

// ctxWithheldForm carries a refused marking form to the task page's render.
const ctxWithheldForm = "rd_withheld_form"

type withheldState struct {
	errs map[string]string
	vals url.Values
}

// ---- the DPO's case page --------------------------------------------------

// caseWithheldURL is the POST target of a task's marks on the case page.
func caseWithheldURL(receipt string, taskID int64) string {
	return caseURL(receipt) + "/tasks/" + strconv.FormatInt(taskID, 10) + "/withheld"
}

// caseWithheldViews builds each answered extract task's view for the case
// page: every member sees the marks; one who may act changes them until the
// answer goes out.
func (s *Server) caseWithheldViews(ctx context.Context, c echo.Context, lang string, cs store.Case, org store.Org,
	tasks []store.Task, attachments []store.TaskAttachment, onBehalf, canAct bool, forms map[string]*caseForm) (map[int64]*withheldView, error) {
	marks, err := store.New(s.Pool).WithheldOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	byTask := map[int64][]store.Withheld{}
	for _, m := range marks {
		byTask[m.TaskID] = append(byTask[m.TaskID], m)
	}
	files := map[int64][]store.TaskAttachment{}
	for _, a := range attachments {
		files[a.TaskID] = append(files[a.TaskID], a)
	}
	csrf, _ := c.Get("csrf").(string)
	out := map[int64]*withheldView{}
	for _, t := range tasks {
		if t.State != "answered" || workflow.Answer(t.Answer) != workflow.AnswerExtract {
			continue
		}
		w := s.withheldFor(lang, csrf, t, files[t.ID], byTask[t.ID], onBehalf, canAct && workflow.WithheldEditable(cs, t), false)
		id := strconv.FormatInt(t.ID, 10)
		w.Prefix, w.formID, w.forms = "task-"+id+"-withheld", "task-"+id+"-withheld", forms
		w.MarkURL = caseWithheldURL(cs.Receipt, t.ID)
		w.RemoveURL = w.MarkURL + "/remove"
		out[t.ID] = w
	}
	return out, nil
}

// staffTaskWithheld: the DPO adds marks to a task's answer.
func (s *Server) staffTaskWithheld(c echo.Context) error {
	a, err := s.staffTaskAction(c, "withheld")
	if err != nil {
		return err
	}
	_, err = s.Workflow.MarkWithheld(c.Request().Context(), a.org, a.cs.ID, a.t.ID, a.u.Actor(), withheldMarks(a.values))
	return s.caseAfterAction(c, a.cs, a.org, a.f, err, "withheld.flash.marked")
}

// staffTaskWithheldRemove: the DPO removes one mark (to change a mark:
// remove it and mark again).
func (s *Server) staffTaskWithheldRemove(c echo.Context) error {
	a, err := s.staffTaskAction(c, "withheld")
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(a.values.Get("mark"), 10, 64)
	if err != nil {
		return errNotFound
	}
	err = s.Workflow.RemoveWithheld(c.Request().Context(), a.org, a.cs.ID, a.t.ID, id, a.u.Actor())
	return s.caseAfterAction(c, a.cs, a.org, a.f, err, "withheld.flash.removed")
}
