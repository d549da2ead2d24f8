package api

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The requester status page (architecture URL map: /{lang}/o/{org}/status):
// "where my request stands: receipt number + emailed code". The receipt
// number is asked for, a code is mailed to the address given in the
// request (workflow.SendStatusCode) and the status is shown once the code
// is right. The page never tells whether a number exists: every number
// leads to the same "if the number is right, a code was sent" page.
// Personal data is never shown, only the case's progress.

const (
	// statusReqCookie binds the browser to the (org, receipt) whose code
	// it waits for; statusCookie to the status it may see.
	statusReqCookie = "rd_status_req"
	statusCookie    = "rd_status"
	statusTTL       = 30 * time.Minute

	statusSendPerIP      = 10 // code requests per address and hour
	statusSendIPWindow   = time.Hour
	statusSendPerReceipt = 5  // code requests per receipt and hour
	statusTryPerIP       = 30 // code tries per address and quarter hour
	statusTryIPWindow    = 15 * time.Minute
)

func (s *Server) statusRoutes(g *echo.Group) {
	limit := middleware.BodyLimit("8K")
	g.GET("/o/:org/status", s.statusForm)
	g.POST("/o/:org/status", s.statusSend, limit)
	g.GET("/o/:org/status/code", s.statusCodePage)
	g.POST("/o/:org/status/code", s.statusCheck, limit)
	g.GET("/o/:org/status/view", s.statusView)
	s.statusReplyRoutes(g) // issue 20
}

type statusFormData struct {
	OrgName string
	Action  string
	Receipt string
	Error   string
}

type statusCodeData struct {
	OrgName string
	Action  string
	FormURL string
	Receipt string
	Minutes int
	Error   string
	NeedNew bool // locked or expired: only a new code helps
}

type statusViewData struct {
	OrgName           string
	Receipt           string
	Received          string
	State             string
	Due               string
	Extended          string
	ExtensionReason   string
	Paused            bool
	PausedDue         string
	RegistersAnswered int
	RegistersTotal    int
	Next              string
	FormURL           string
	Delivery          string // issue 18, IN-1: how the answer on paper / on site went
	// ConsentNot: chosen registers a withdrawal of consent does not reach
	// (RB-1); shown with their published names.
	ConsentNot []publishedText
	// Issue 20: what a pause asks and the form to answer it; the
	// withdrawal link.
	AskNeeded, AskBy string
	ReplyAction      string
	RepliedAt        string // when the requester last answered this question
	ReplyErrors      *statusReplyErrors
	ReplyText        string
	WithdrawURL      string
	// Remedies (Art 12(4), DL-6) when the request was refused, wholly or
	// in part; RemediesIntro says which.
	Remedies      *workflow.Remedies
	RemediesIntro string
	// FI-2: a document request's decision date while it runs, and once
	// decided the day and what was decided; DocumentsOnly: no GDPR date
	// and no registers (it asks for no GDPR right).
	DocumentsOnly bool
	DocDue        string
	DocDecided    string
}

func statusBase(lang string, org store.Org) string { return intakeBase(lang, org) + "/status" }

func (s *Server) statusForm(c echo.Context) error {
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	return s.renderStatusForm(c, http.StatusOK, org, "", "")
}

func (s *Server) renderStatusForm(c echo.Context, status int, org store.Org, receipt, errKey string) error {
	lang := langOf(c)
	d := statusFormData{OrgName: org.Name(lang), Action: statusBase(lang, org), Receipt: receipt}
	if errKey != "" {
		d.Error = s.Catalog.T(lang, errKey)
	}
	return s.renderForm(c, status, "status_form", lang, "status.form.title", errKey != "", d)
}

// statusSend mails a code for the typed receipt (when it is a case of the
// organisation with an email address) and, whatever the outcome, shows
// the code page.
func (s *Server) statusSend(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	typed := clip(strings.TrimSpace(postForm(c).Get("receipt")), 40)
	receipt, ok := store.ParseReceipt(typed) // issue 16, item 9: one parser
	if !ok {
		return s.renderStatusForm(c, http.StatusUnprocessableEntity, org, typed, "status.err.receipt")
	}
	if ok, retry := s.limits.allowUntil("status:send:ip:"+c.RealIP(), statusSendPerIP, statusSendIPWindow); !ok {
		s.tooMany(c, retry)
		return s.renderStatusForm(c, http.StatusTooManyRequests, org, typed, "status.err.ratelimit")
	}
	// Issue 16, item 5: a known number writes a code, an audit event and a
	// mail, an unknown one only a decoy code; the answer takes the same
	// time either way (at least the floor, else a whole multiple of it),
	// waited out before anything is written.
	start := time.Now()
	// Per receipt too, counted by keyed hash, so nobody floods one
	// requester's mailbox from many addresses.
	h := s.Keys.BlindIndex("status-send\x00" + strconv.FormatInt(org.ID, 10) + "\x00" + receipt)
	if s.limits.allow("status:send:receipt:"+hex.EncodeToString(h), statusSendPerReceipt, statusSendIPWindow) {
		if err := s.Workflow.SendStatusCode(c.Request().Context(), org, receipt); err != nil {
			return err
		}
	}
	padTime(start, s.Config.StatusSendFloor)
	s.clearCookie(c, statusCookie)
	s.setSigned(c, statusReqCookie, receipt, org, int(statusTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, statusBase(lang, org)+"/code")
}

func (s *Server) statusCodePage(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	receipt, ok := s.signed(c, statusReqCookie, org)
	if !ok {
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	return s.renderStatusCode(c, http.StatusOK, org, receipt, func(*statusCodeData) {})
}

func (s *Server) renderStatusCode(c echo.Context, status int, org store.Org, receipt string, adjust func(*statusCodeData)) error {
	lang := langOf(c)
	d := statusCodeData{OrgName: org.Name(lang), Action: statusBase(lang, org) + "/code", FormURL: statusBase(lang, org),
		Receipt: receipt, Minutes: int(workflow.StatusCodeTTL.Minutes())}
	adjust(&d)
	return s.renderForm(c, status, "status_code", lang, "status.code.title", d.Error != "", d)
}

// statusCheck checks the code; right, it lets this browser see the status
// for statusTTL.
func (s *Server) statusCheck(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	receipt, ok := s.signed(c, statusReqCookie, org)
	if !ok {
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	fail := func(status int, msg string, needNew bool) error {
		return s.renderStatusCode(c, status, org, receipt, func(d *statusCodeData) { d.Error, d.NeedNew = msg, needNew })
	}
	passed, err := s.tryEmailedCode(c, "status", t, fail, func(code string) (int, error) {
		return s.Workflow.CheckStatusCode(c.Request().Context(), org, receipt, code)
	})
	if !passed {
		return err
	}
	s.clearCookie(c, statusReqCookie)
	s.setSigned(c, statusCookie, receipt, org, int(statusTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, statusBase(lang, org)+"/view")
}

// codeFail renders a code page again with an error; needNew offers a new
// code.
type codeFail func(status int, msg string, needNew bool) error

// tryEmailedCode takes a code a person typed on a page that sends codes by
// email (the status page, the answer download): the per-address limit, the
// format (a non-code is not a try), then check, which returns the tries
// left. passed is true for the right code; otherwise the page was rendered
// again with the reason (err is the render's), or err is check's own
// error when it is not about the code.
func (s *Server) tryEmailedCode(c echo.Context, scope string, t func(string, ...any) string, fail codeFail, check func(code string) (int, error)) (passed bool, err error) {
	if ok, retry := s.limits.allowUntil(scope+":try:ip:"+c.RealIP(), statusTryPerIP, statusTryIPWindow); !ok {
		s.tooMany(c, retry)
		return false, fail(http.StatusTooManyRequests, t("status.err.code_ratelimit"), false)
	}
	code, ok := typedCode(c)
	if !ok {
		return false, fail(http.StatusUnprocessableEntity, t("status.err.code_format"), false)
	}
	remaining, err := check(code)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, workflow.ErrCodeWrong):
		return false, fail(http.StatusUnprocessableEntity, t("status.err.code_wrong", remaining), false)
	case errors.Is(err, workflow.ErrCodeLocked):
		return false, fail(http.StatusUnprocessableEntity, t("status.err.code_locked"), true)
	case errors.Is(err, workflow.ErrCodeExpired):
		return false, fail(http.StatusUnprocessableEntity, t("status.err.code_expired"), true)
	}
	return false, err
}

// statusView shows the status to the browser that entered the right code
// (signed cookie, statusTTL); anyone else is sent to the form.
func (s *Server) statusView(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	receipt, ok := s.signed(c, statusCookie, org)
	if !ok {
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	return s.statusViewWith(c, http.StatusOK, org, receipt, func(*statusViewData) {})
}

// statusViewWith renders the status of receipt; adjust adds a reply's
// errors (issue 20).
func (s *Server) statusViewWith(c echo.Context, status int, org store.Org, receipt string, adjust func(*statusViewData)) error {
	lang := langOf(c)
	st, err := s.Workflow.StatusOf(c.Request().Context(), org, receipt)
	if errors.Is(err, store.ErrNotFound) { // deleted meanwhile
		s.clearCookie(c, statusCookie)
		return c.Redirect(http.StatusSeeOther, statusBase(lang, org))
	}
	if err != nil {
		return err
	}
	d := statusViewData{
		OrgName: org.Name(lang), Receipt: st.Receipt, Received: s.formatTime(st.ReceivedAt, lang),
		State: s.Catalog.T(lang, "state."+string(st.State)), Due: workflow.FormatDate(st.Due.LegalDue, lang),
		Paused: st.Paused, RegistersAnswered: st.RegistersAnswered, RegistersTotal: st.RegistersTotal,
		Next: s.Catalog.T(lang, "status.next."+string(st.State)), FormURL: statusBase(lang, org),
	}
	if !st.Due.ExtendedDue.IsZero() {
		d.Extended, d.ExtensionReason = workflow.FormatDate(st.Due.ExtendedDue, lang), st.ExtensionReason
	}
	if st.DocumentRequest {
		s.statusDocuments(&d, st, lang)
	}
	if st.Delivery != "" {
		d.Delivery = s.Catalog.T(lang, st.Delivery, workflow.FormatDate(st.DeliveryOn, lang))
		if st.DeliveryOn.IsZero() {
			d.Delivery = s.Catalog.T(lang, st.Delivery)
		}
	}
	if st.Paused && !st.Due.PausedEffective.IsZero() {
		// DL-8 beside the running deadline, an extension counted (DL-11).
		d.PausedDue = workflow.FormatDate(st.Due.PausedEffective, lang)
	}
	for _, p := range st.ConsentNot {
		d.ConsentNot = append(d.ConsentNot, published(p.Text, p.Lang, lang))
	}
	if st.AskOpen { // issue 20, DL-8
		d.AskNeeded, d.AskBy = st.Ask.Needed, workflow.FormatDate(st.Ask.By, lang)
		d.ReplyAction = statusBase(lang, org) + "/reply"
		if !st.RepliedAt.IsZero() {
			d.RepliedAt = workflow.FormatDateTime(st.RepliedAt, lang)
		}
	}
	if st.CanWithdraw {
		d.WithdrawURL = statusBase(lang, org) + "/withdraw"
	}
	switch {
	case st.State == workflow.StateRefused:
		d.Remedies, d.RemediesIntro = s.Workflow.RemediesFor(lang, org), s.Catalog.T(lang, "status.remedies.whole")
	case st.RefusedInPart:
		d.Remedies, d.RemediesIntro = s.Workflow.RemediesFor(lang, org), s.Catalog.T(lang, "status.remedies.part")
	}
	adjust(&d)
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "status_view", lang, s.Catalog.T(lang, "status.view.title"), d)
}

// statusDocuments fills what the status page says of a request for
// documents (FI-2): its decision date, or the day it was decided and
// what; for a request for documents alone, what happens next is about
// that decision, not the GDPR's steps.
func (s *Server) statusDocuments(d *statusViewData, st workflow.CaseStatus, lang string) {
	d.DocumentsOnly = st.DocumentsOnly
	if st.DocDecision == "" {
		d.DocDue = workflow.FormatDate(st.Due.DocDeadline, lang)
	} else {
		d.DocDecided = s.Catalog.T(lang, "status.doc.decided", workflow.FormatDate(st.DocDecidedOn, lang),
			s.Catalog.T(lang, "status.doc.decision."+st.DocDecision))
	}
	if !st.DocumentsOnly {
		return
	}
	switch {
	case st.State == workflow.StateWithdrawn, st.State == workflow.StateRefused, st.State == workflow.StateReceived:
		// the state's own words
	case st.DocDecision != "":
		d.Next = s.Catalog.T(lang, "status.next.documents.decided", workflow.FormatDate(st.DocDecidedOn, lang))
	default:
		d.Next = s.Catalog.T(lang, "status.next.documents.pending", d.DocDue)
	}
}

// padTime sleeps until a whole multiple of floor has passed since start
// (at least one), so the work done meanwhile does not show in the timing.
func padTime(start time.Time, floor time.Duration) {
	if floor <= 0 {
		return
	}
	took := time.Since(start)
	target := floor * (took/floor + 1)
	if took%floor == 0 && took > 0 {
		target = took
	}
	time.Sleep(target - took)
}
