package api

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The case page's actions: each a POST form, each one workflow call (the
// transition, its audit event and its mail in one transaction). After an
// action: a flash message and 303 to the case page. Refused input: the
// case page again with the errors beside the form (422); an action the
// state does not allow: the case page with the message (409), nothing
// changed.

// formValues are the submitted fields without the CSRF token.
func caseFormValues(c echo.Context) (url.Values, error) {
	v, err := c.FormParams()
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	out := url.Values{}
	for k, xs := range v {
		if k == "_csrf" {
			continue
		}
		out[k] = append(out[k], xs...)
	}
	return out, nil
}

func (s *Server) staffCaseAction(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	act := workflow.Action(c.Param("action"))
	if !slices.Contains(workflow.StaffActions, act) {
		return errNotFound
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden // a viewer sees the case, but cannot act
	}
	values, err := caseFormValues(c)
	if err != nil {
		return err
	}
	f := &caseForm{ID: string(act), values: values}
	// The state is checked first, so a refused action says so whatever
	// was typed; workflow checks it again under the case's lock.
	if !workflow.Allowed(workflow.State(cs.State), act) || (act == workflow.ActTriage && !cs.NeedsTriage) {
		return s.caseAfterAction(c, cs, org, f, workflow.ErrNotAllowed, "")
	}
	if !workflow.AllowedFor(cs, act) { // FI-2: not a step of a request for documents alone
		return s.caseAfterAction(c, cs, org, f, workflow.ErrDocumentsOnly, "")
	}
	ctx := c.Request().Context()
	actor := u.Actor()
	switch act {
	case workflow.ActTriage:
		err = s.Workflow.Triage(ctx, org, cs.ID, actor, caseRequestOf(values))
	case workflow.ActVerifyIdentity:
		err = s.Workflow.VerifyIdentity(ctx, org, cs.ID, actor, values.Get("method"), values.Get("note"))
	case workflow.ActPause:
		if strings.TrimSpace(values.Get("needed")) != "" || strings.TrimSpace(values.Get("by")) != "" {
			// Issue 20, DL-8: pausing to wait for the requester asks them.
			err = s.Workflow.PauseAsking(ctx, org, cs.ID, actor, values.Get("reason"), values.Get("needed"), values.Get("by"))
		} else {
			err = s.Workflow.Pause(ctx, org, cs.ID, actor, values.Get("reason"))
		}
	case workflow.ActResume:
		err = s.Workflow.Resume(ctx, org, cs.ID, actor)
	case workflow.ActExtend:
		err = s.Workflow.Extend(ctx, org, cs.ID, actor, values.Get("reason"))
	case workflow.ActRefuse:
		err = s.Workflow.Refuse(ctx, org, cs.ID, actor, values.Get("ground"), values.Get("reason"))
	case workflow.ActMarkAnswered:
		err = s.Workflow.MarkAnswered(ctx, org, cs.ID, actor, values.Get("note"))
	case workflow.ActClose:
		err = s.Workflow.Close(ctx, org, cs.ID, actor)
	case workflow.ActWithdraw:
		err = s.Workflow.Withdraw(ctx, org, cs.ID, actor, values.Get("note"))
	case workflow.ActNote:
		err = s.Workflow.AddNote(ctx, org, cs.ID, actor, values.Get("note"))
	case workflow.ActDocDecide: // FI-2: with the documents given out, if any
		if total, ok := c.Get(ctxUploadTotal).(int64); ok {
			// Over the body limit (bodyLimitMiddleware): nothing decided;
			// the form comes back with what was typed and says why.
			lang := langOf(c)
			f.texts = map[string]string{"files": s.Catalog.T(lang, "staffcase.doc.err.files_total",
				caseFileSize(total, lang), strconv.Itoa(bodyLimit/1e6)+" MB")}
			return s.caseAfterAction(c, cs, org, f, workflow.FieldErrors{"files": "staffcase.doc.err.files_total"}, "")
		}
		var docs []workflow.Attachment
		if docs, err = taskUploads(c); err != nil {
			return err
		}
		err = s.Workflow.DecideDocumentRequest(ctx, org, cs.ID, actor, values.Get("decision"), values.Get("note"), docs)
	case workflow.ActDocExtend: // FI-2
		err = s.Workflow.ExtendDocumentRequest(ctx, org, cs.ID, actor, values.Get("reason"))
	case workflow.ActAuthority: // ID-5
		err = s.Workflow.RecordAuthority(ctx, org, cs.ID, actor, values.Get("authority"), values.Get("note"))
	case workflow.ActAddRegister:
		err = s.Workflow.AddRegister(ctx, org, cs.ID, actor, values.Get("register"))
	default:
		return errNotFound
	}
	return s.caseAfterAction(c, cs, org, f, err, "staffcase.flash."+string(act))
}

// afterAction answers an action: success, refused input, or a state that
// does not allow it.
func (s *Server) caseAfterAction(c echo.Context, cs store.Case, org store.Org, f *caseForm, err error, flashKey string) error {
	if err == nil {
		flash(c, flashKey)
		return c.Redirect(http.StatusSeeOther, caseURL(cs.Receipt))
	}
	lang := langOf(c)
	// Nothing changed; show the case as it is now.
	fresh, ferr := store.New(s.Pool).CaseByID(c.Request().Context(), org.ID, cs.ID)
	if ferr != nil {
		return ferr
	}
	var fe workflow.FieldErrors
	switch {
	case errors.As(err, &fe):
		f.errs = fe
		return s.renderCase(c, http.StatusUnprocessableEntity, fresh, org, f, "")
	case errors.Is(err, workflow.ErrExtendTooLate):
		// DL-5, DL-11: the person must hear of it within the first month.
		f.Message = s.Catalog.T(lang, "staffcase.extend.too_late", workflow.FormatDate(caseDay(fresh.LegalDue), lang))
		return s.renderCase(c, http.StatusConflict, fresh, org, f, "")
	case errors.Is(err, workflow.ErrAlreadyExtended):
		f.Message = s.Catalog.T(lang, "staffcase.extend.already", workflow.FormatDate(caseDayPtr(fresh.ExtendedDue), lang))
		return s.renderCase(c, http.StatusConflict, fresh, org, f, "")
	case errors.Is(err, workflow.ErrDocExtendTooLate):
		f.Message = s.Catalog.T(lang, "staffcase.doc.too_late", workflow.FormatDate(caseDayPtr(fresh.DocDue), lang))
		return s.renderCase(c, http.StatusConflict, fresh, org, f, "")
	case errors.Is(err, workflow.ErrDocAlreadyExtended), errors.Is(err, workflow.ErrDocDecided),
		errors.Is(err, workflow.ErrNotDocumentRequest), errors.Is(err, workflow.ErrNotOnBehalf):
		return s.renderCase(c, http.StatusConflict, fresh, org, nil,
			s.Catalog.T(lang, "error.notallowed")+" "+s.Catalog.T(lang, legalRefusalKey(err)))
	case errors.Is(err, workflow.ErrDocumentsOnly):
		return s.renderCase(c, http.StatusConflict, fresh, org, nil,
			s.Catalog.T(lang, "error.notallowed")+" "+s.Catalog.T(lang, "staffcase.doc.documents_only"))
	case errors.Is(err, workflow.ErrAnswerSent): // the letter texts (letter_edit.go)
		return s.renderCase(c, http.StatusConflict, fresh, org, nil,
			s.Catalog.T(lang, "error.notallowed")+" "+s.Catalog.T(lang, "letteredit.err.sent"))
	case errors.Is(err, workflow.ErrNotAllowed):
		return s.renderCase(c, http.StatusConflict, fresh, org, nil,
			s.Catalog.T(lang, "error.notallowed")+" "+s.Catalog.T(lang, "staffcase.notallowed.state", s.caseLabel(lang, "state.", fresh.State)))
	}
	return err
}

// legalRefusalKey names why a FI-2 or ID-5 action was refused.
func legalRefusalKey(err error) string {
	switch {
	case errors.Is(err, workflow.ErrDocAlreadyExtended):
		return "staffcase.doc.already_extended"
	case errors.Is(err, workflow.ErrDocDecided):
		return "staffcase.doc.already_decided"
	case errors.Is(err, workflow.ErrNotDocumentRequest):
		return "staffcase.doc.not_document_request"
	}
	return "staffcase.authority.not_on_behalf"
}

// requestOf reads a request form (triage, staff entry).
func caseRequestOf(v url.Values) workflow.Request {
	r := workflow.Request{
		Rights:          v["rights"],
		AllRegisters:    v.Get("scope") != "chosen",
		Details:         v.Get("details"),
		PeriodFrom:      strings.TrimSpace(v.Get("period_from")),
		PeriodTo:        strings.TrimSpace(v.Get("period_to")),
		Delivery:        v.Get("delivery"),
		Name:            v.Get("name"),
		Email:           v.Get("email"),
		Phone:           v.Get("phone"),
		Address:         v.Get("address"),
		Hetu:            v.Get("hetu"),
		OnBehalf:        v.Get("on_behalf") == "1",
		Relation:        v.Get("relation"),
		SubjectName:     v.Get("subject_name"),
		SubjectHetu:     v.Get("subject_hetu"),
		Lang:            v.Get("lang"),
		DocumentRequest: v.Get("document_request") == "1",
	}
	if !r.AllRegisters {
		for _, x := range v["register"] {
			if id, err := strconv.ParseInt(x, 10, 64); err == nil && id > 0 {
				r.RegisterIDs = append(r.RegisterIDs, id)
			}
		}
	}
	return r
}

// staffTask finds a task of the case named in the URL; a task of another
// case (or organisation) is a 404.
func (s *Server) staffTask(c echo.Context, cs store.Case, org store.Org) (store.Task, error) {
	id, err := strconv.ParseInt(c.Param("task"), 10, 64)
	if err != nil || id <= 0 {
		return store.Task{}, errNotFound
	}
	tasks, err := store.New(s.Pool).TasksOfCase(c.Request().Context(), org.ID, cs.ID)
	if err != nil {
		return store.Task{}, err
	}
	for _, t := range tasks {
		if t.ID == id {
			return t, nil
		}
	}
	return store.Task{}, errNotFound
}

// staffTaskAct is what an action on a task works on.
type staffTaskAct struct {
	cs     store.Case
	org    store.Org
	t      store.Task
	u      *StaffUser
	values url.Values
	f      *caseForm // ID "task-<id>-<action>"
}

// staffTaskAction starts an action on a task: the case and the task named
// in the URL (404 otherwise), a staff member who may act in the
// organisation (403 otherwise) and the posted form.
func (s *Server) staffTaskAction(c echo.Context, action string) (staffTaskAct, error) {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return staffTaskAct{}, err
	}
	t, err := s.staffTask(c, cs, org)
	if err != nil {
		return staffTaskAct{}, err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return staffTaskAct{}, errForbidden
	}
	values, err := caseFormValues(c)
	if err != nil {
		return staffTaskAct{}, err
	}
	f := &caseForm{ID: "task-" + strconv.FormatInt(t.ID, 10) + "-" + action, values: values}
	return staffTaskAct{cs: cs, org: org, t: t, u: u, values: values, f: f}, nil
}

func (s *Server) staffTaskReassign(c echo.Context) error {
	a, err := s.staffTaskAction(c, "reassign")
	if err != nil {
		return err
	}
	err = s.Workflow.ReassignTask(c.Request().Context(), a.org, a.t.ID, a.u.Actor(), a.values.Get("name"), a.values.Get("email"))
	return s.caseAfterAction(c, a.cs, a.org, a.f, err, "staffcase.flash.reassign")
}

// staffTaskAnswer: the DPO answers a task of its queue (D-11), or refuses
// the register with an RB-1 ground (D-12).
func (s *Server) staffTaskAnswer(c echo.Context) error {
	act, err := s.staffTaskAction(c, "answer")
	if err != nil {
		return err
	}
	cs, org, t, u, values, f := act.cs, act.org, act.t, act.u, act.values, act.f
	if !caseTaskAnswerable(cs, t) {
		return s.caseAfterAction(c, cs, org, f, workflow.ErrNotAllowed, "")
	}
	a := workflow.TaskAnswer{
		Answer: values.Get("answer"), Ground: values.Get("ground"), Comment: values.Get("comment"),
		Changes: values.Get("changes"), ExtractText: values.Get("extract"),
		GuardianRestricted: values.Get("guardian_restricted") == "1",
		RecipientsTold:     values.Get("recipients_told"), RecipientsNone: values.Get("recipients_none") == "1",
	}
	if a.Answer != string(workflow.AnswerRefused) && !a.GuardianRestricted {
		a.Ground = "" // a ground belongs to a refusal (or a guardian's restriction, ID-5)
	}
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		for _, fh := range mf.File["files"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // the empty file input of a form sent without files
			}
			file, err := fh.Open()
			if err != nil {
				return err
			}
			data, err := io.ReadAll(io.LimitReader(file, workflow.MaxAttachment+1))
			file.Close()
			if err != nil {
				return err
			}
			a.Attachments = append(a.Attachments, workflow.Attachment{Filename: fh.Filename,
				ContentType: fh.Header.Get("Content-Type"), Data: data})
		}
	}
	err = s.Workflow.AnswerTask(c.Request().Context(), org, t.ID, u.Actor(), a)
	var fe workflow.FieldErrors
	if errors.As(err, &fe) {
		err = caseAnswerErrors(fe)
	}
	return s.caseAfterAction(c, cs, org, f, err, "staffcase.flash.answer")
}

// caseAnswerErrors puts workflow.ValidateAnswer's errors on the DPO's
// answer form: its one ground select serves a refusal and a guardian's
// restriction (ID-5) alike, and the restriction is its checkbox.
func caseAnswerErrors(fe workflow.FieldErrors) workflow.FieldErrors {
	out := workflow.FieldErrors{}
	for k, v := range fe {
		switch k {
		case "guardian_ground":
			continue // below, unless the ground has its own error
		case "guardian":
			k = "guardian_restricted"
		}
		out.Add(k, v)
	}
	if v, ok := fe["guardian_ground"]; ok {
		out.Add("ground", v)
	}
	return out
}
