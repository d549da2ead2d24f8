package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Talking with the requester while the clock waits (issue 20, DL-8,
// ID-5): on the status page, behind the emailed code like the status
// itself, the requester answers what a pause asks (text and files) and
// may withdraw the request (after a confirm step). Staff download the
// requester's files as attachments, like owners' uploads.

func (s *Server) statusReplyRoutes(g *echo.Group) {
	g.POST("/o/:org/status/reply", s.statusReply) // multipart; the global body limit (12M) bounds it
	g.GET("/o/:org/status/withdraw", s.statusWithdrawConfirm)
	g.POST("/o/:org/status/withdraw", s.statusWithdraw)
}

type statusReplyErrors struct {
	Reply, Files string
}

// statusReceipt is the receipt the browser may see (the signed cookie set
// after the right code); ok false has already redirected to the form.
func (s *Server) statusReceipt(c echo.Context) (store.Org, string, bool, error) {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return org, "", false, err
	}
	receipt, ok := s.signed(c, statusCookie, org)
	if !ok {
		return org, "", false, c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	return org, receipt, true, nil
}

func (s *Server) statusReply(c echo.Context) error {
	lang := langOf(c)
	org, receipt, ok, err := s.statusReceipt(c)
	if !ok || err != nil {
		return err
	}
	files, err := taskUploads(c)
	if err != nil {
		return err
	}
	text := c.FormValue("reply")
	err = s.Workflow.RequesterReply(c.Request().Context(), org, receipt, text, files)
	var fe workflow.FieldErrors
	switch {
	case err == nil:
		flash(c, "status.reply.flash")
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org)+"/view")
	case errors.As(err, &fe):
		e := statusReplyErrors{}
		if k := fe["reply"]; k != "" {
			e.Reply = s.Catalog.T(lang, k)
		}
		if k := fe["files"]; k != "" {
			e.Files = s.Catalog.T(lang, k)
		}
		return s.statusViewWith(c, http.StatusUnprocessableEntity, org, receipt, func(d *statusViewData) {
			d.ReplyErrors, d.ReplyText = &e, clip(text, 4000)
		})
	case errors.Is(err, workflow.ErrNotAwaitingReply):
		return s.statusViewWith(c, http.StatusConflict, org, receipt, func(d *statusViewData) {
			d.ReplyErrors = &statusReplyErrors{Reply: s.Catalog.T(lang, "status.err.reply_state")}
		})
	case errors.Is(err, store.ErrNotFound):
		s.clearCookie(c, statusCookie)
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	return err
}

type statusWithdrawData struct {
	OrgName, Receipt, Action, Back string
}

func (s *Server) statusWithdrawConfirm(c echo.Context) error {
	lang := langOf(c)
	org, receipt, ok, err := s.statusReceipt(c)
	if !ok || err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "status_withdraw", lang, s.Catalog.T(lang, "status.withdraw.title"), statusWithdrawData{
		OrgName: org.Name(lang), Receipt: receipt, Action: statusBase(lang, org) + "/withdraw", Back: statusBase(lang, org) + "/view"})
}

// statusWithdraw withdraws the request once the requester confirmed.
func (s *Server) statusWithdraw(c echo.Context) error {
	lang := langOf(c)
	org, receipt, ok, err := s.statusReceipt(c)
	if !ok || err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org)+"/withdraw")
	}
	err = s.Workflow.WithdrawByRequester(c.Request().Context(), org, receipt)
	switch {
	case err == nil:
		flash(c, "status.withdraw.flash")
	case errors.Is(err, workflow.ErrNotAllowed):
		flash(c, "status.withdraw.not_allowed")
	case errors.Is(err, store.ErrNotFound):
		s.clearCookie(c, statusCookie)
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	default:
		return err
	}
	return c.Redirect(http.StatusSeeOther, statusBase(lang, org)+"/view")
}

// caseReply is a requester's answer on the case page.
type caseReply struct {
	At    string
	Body  string
	Files []caseFile
}

func (s *Server) caseReplies(c echo.Context, d *caseData, cs store.Case, org store.Org) error {
	lang := langOf(c)
	replies, err := s.Workflow.CaseReplies(c.Request().Context(), org, cs.ID)
	if err != nil {
		return err
	}
	for _, r := range replies {
		v := caseReply{At: caseTime(r.CreatedAt, lang), Body: r.Body}
		for _, f := range r.Files {
			v.Files = append(v.Files, caseFile{Name: f.Filename, Size: caseFileSize(f.Size, lang),
				URL: caseURL(cs.Receipt) + "/replies/files/" + strconv.FormatInt(f.ID, 10)})
		}
		d.Replies = append(d.Replies, v)
	}
	d.ReplyPending = workflow.ReplyPending(cs, replies) && workflow.State(cs.State) == workflow.StatePaused
	return nil
}

// staffReplyFile serves a requester's file always as a download, like a
// task's files; the download is audited and logged by ids.
func (s *Server) staffReplyFile(c echo.Context) error {
	return s.staffCaseFile(c, func(ctx context.Context, org store.Org, caseID, id int64, actor workflow.Actor) (string, string, []byte, error) {
		f, err := s.Workflow.ReplyFile(ctx, org, caseID, id, actor)
		return f.Filename, f.ContentType, f.Data, err
	})
}

// staffForward forwards a request for a register whose controller is
// elsewhere (RD-2, D-7) with the requester's consent recorded.
func (s *Server) staffForward(c echo.Context) error {
	cs, org, values, err := s.actingCaseForm(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	regID, _ := strconv.ParseInt(values.Get("register"), 10, 64)
	f := &caseForm{ID: "forward", values: values}
	err = s.Workflow.Forward(c.Request().Context(), org, cs.ID, u.Actor(), regID, values.Get("to"),
		values.Get("consent") == "yes", values.Get("consent_method"))
	return s.caseAfterAction(c, cs, org, f, err, "staffcase.flash.forward")
}
