package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The case's letters for the DPO (issue 18): the access answer rendered
// from the tasks' answers, to read before it goes out. Delivery to the
// resident (secure link, print queue) is a later step.

// caseAccessLetterURL is the access answer's download URL.
func caseAccessLetterURL(receipt string) string {
	return caseURL(receipt) + "/letters/access.pdf"
}

// staffAccessLetter renders the access answer (Art 15) of a case whose
// access tasks are all answered; before that it is a 409. Every member of
// the case's organisation may download it, as they may the owners' files.
// The file name carries the request number only, never a person's name.
func (s *Server) staffAccessLetter(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	l, err := s.Workflow.AccessLetter(c.Request().Context(), org, cs.ID, staffUser(c).Actor())
	if err != nil {
		return err // ErrNotAllowed (not all answered) is a 409 (handleError)
	}
	b, err := pdf.New(s.Catalog).Bytes(l)
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessLetterDownloaded, 0); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", caseAttachmentDisposition(cs.Receipt+"-"+l.Lang+".pdf"))
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// caseSendAnswerURL is the POST target of "Send the answer".
func caseSendAnswerURL(receipt string) string {
	return caseURL(receipt) + "/letters/send"
}

// staffSendAnswer is the DPO's sign-off (issue 18, delivery): the access
// answer is rendered, stored and mailed to the requester as a link
// (workflow.SendAnswer), and the case is recorded as answered. A viewer
// cannot; a case whose answer is not ready, or a requester without an
// email address, gets the case page with the reason (409).
func (s *Server) staffSendAnswer(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden
	}
	err = s.Workflow.SendAnswer(c.Request().Context(), org, cs.ID, u.Actor())
	if errors.Is(err, workflow.ErrNoEmail) {
		fresh, ferr := store.New(s.Pool).CaseByID(c.Request().Context(), org.ID, cs.ID)
		if ferr != nil {
			return ferr
		}
		return s.renderCase(c, http.StatusConflict, fresh, org, nil, s.Catalog.T(langOf(c), "answer.staff.noemail"))
	}
	// Approved: the letters are rendered and sent (or queued for the
	// post, IN-1) by a job; the case page shows how it goes.
	return s.caseAfterAction(c, cs, org, &caseForm{ID: "send_answer"}, err, "answer.staff.approved")
}

// caseLetter is one of the case's other letters on the case page (issue
// 18): its download, its accessible HTML page and, for one who may act,
// its delivery.
type caseLetter struct {
	Kind, Label, URL, HTMLURL, SendURL string
	// Status says where the letter stands when it went out or waits in
	// the print queue; Again: it went out already, so sending it is a
	// second copy and the button says so.
	Status string
	Again  bool
}

// caseOtherLetters lists the receipt, extension notice and refusal a case
// has (workflow.LettersOf). A letter waiting in the print queue is not
// offered again (a paper case entered at the counter queues its receipt
// itself, and "Send to the requester" beside it queued a second identical
// letter: walkthrough); one already sent is offered as a second copy.
func (s *Server) caseOtherLetters(lang string, cs store.Case, tasks []store.Task, canAct, asked bool,
	queued []store.QueuedLetter, sent []store.AnswerDelivery) []caseLetter {
	var out []caseLetter
	kinds := workflow.LettersOf(cs, tasks)
	if asked { // issue 20, DL-8: what the pause asks of the requester
		kinds = append(kinds, pdf.KindPause)
	}
	for _, k := range kinds {
		l := caseLetter{Kind: string(k), Label: s.Catalog.T(lang, "print.kind."+string(k)),
			URL: caseURL(cs.Receipt) + "/letters/" + string(k) + ".pdf", HTMLURL: caseURL(cs.Receipt) + "/letters/" + string(k) + ".html"}
		waiting := false
		var last time.Time
		for _, q := range queued {
			switch {
			case q.Kind != string(k):
			case q.DoneAt == nil:
				waiting = true
			case q.DoneOn != nil && q.DoneOn.After(last):
				last = *q.DoneOn
			}
		}
		for _, d := range sent {
			if d.Kind == string(k) && d.CreatedAt.After(last) {
				last = d.CreatedAt
			}
		}
		switch {
		case waiting:
			l.Status = s.Catalog.T(lang, "letters.state.waiting")
		case !last.IsZero():
			l.Status, l.Again = s.Catalog.T(lang, "letters.state.sent", workflow.FormatDate(workflow.HelsinkiDate(last), lang)), true
		}
		if canAct && !waiting {
			l.SendURL = caseURL(cs.Receipt) + "/letters/" + string(k) + "/send"
		}
		out = append(out, l)
	}
	return out
}

// letterKindParam reads a letter kind other than the access answer from
// the path ("refusal.pdf", "refusal.html" or "refusal").
func letterKindParam(v string) (pdf.Kind, bool) {
	k := pdf.Kind(strings.TrimSuffix(strings.TrimSuffix(v, ".pdf"), ".html"))
	if k == pdf.KindAccess || !slices.Contains(workflow.LetterKinds, k) {
		return "", false
	}
	return k, true
}

// staffCaseLetter renders a confirmation, receipt, extension notice or
// refusal for the DPO (any member may read it, as the access answer), as a
// PDF or as its accessible HTML page (Act 306/2019); a kind the case has
// none of is a 409.
func (s *Server) staffCaseLetter(c echo.Context) error {
	kind, ok := letterKindParam(c.Param("name"))
	asHTML := strings.HasSuffix(c.Param("name"), ".html")
	if !ok || (!asHTML && !strings.HasSuffix(c.Param("name"), ".pdf")) {
		return errNotFound
	}
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	l, err := s.Workflow.CaseLetter(ctx, org, cs.ID, staffUser(c).Actor(), kind)
	if err != nil {
		return err
	}
	if asHTML {
		b, err := pdf.New(s.Catalog).HTML(l)
		if err != nil {
			return err
		}
		if err := s.Workflow.LogAccess(ctx, org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessLetterDownloaded, 0); err != nil {
			return err
		}
		return letterHTML(c, b)
	}
	b, err := pdf.New(s.Catalog).Bytes(l)
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(ctx, org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessLetterDownloaded, 0); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", caseAttachmentDisposition(cs.Receipt+"-"+string(kind)+"-"+l.Lang+".pdf"))
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// staffSendLetter delivers a receipt, extension notice or refusal as the
// answer goes (workflow.SendLetter).
func (s *Server) staffSendLetter(c echo.Context) error {
	kind, ok := letterKindParam(c.Param("kind"))
	if !ok || strings.HasSuffix(c.Param("kind"), ".pdf") {
		return errNotFound
	}
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden
	}
	err = s.Workflow.SendLetter(c.Request().Context(), org, cs.ID, u.Actor(), kind)
	flashKey := "letters.flash.sent"
	if cs.Delivery == workflow.MethodPaper || cs.Delivery == workflow.MethodOnSite {
		flashKey = "print.send.flash"
	}
	return s.caseSent(c, cs, org, "send_letter", err, flashKey)
}
