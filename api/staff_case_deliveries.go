package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The case page's lines of the letters sent as links (issue 18), and the
// DPO's "send a new link" for one: the resident's expired link page and
// the link mail tell the resident to ask the privacy address for a new
// link, and this is how the DPO answers (workflow.RenewAnswerLink).

// caseDelivery is one letter sent as a link: which letter, when, until
// when its link works (or that it has expired), how often it was
// downloaded; RenewURL, for one who may act, sends a new link.
type caseDelivery struct {
	ID       int64
	Text     string
	Expired  bool
	RenewURL string
}

// caseDeliveryRenewURL is the POST target of a delivery's "send a new link".
func caseDeliveryRenewURL(receipt string, id int64) string {
	return caseURL(receipt) + "/deliveries/" + strconv.FormatInt(id, 10) + "/renew"
}

// caseDeliveries words the case's deliveries for the case page, each named
// by its letter's kind as its mail named it (print.kind.*; an answer to a
// request for portability alone, tasks say, as a portability answer).
func (s *Server) caseDeliveries(lang, receipt string, tasks []store.Task, sent []store.AnswerDelivery, now time.Time, canAct bool) []caseDelivery {
	out := make([]caseDelivery, 0, len(sent))
	for _, a := range sent {
		expired := !now.Before(a.ExpiresAt)
		key := "answer.staff.delivery"
		if expired {
			key = "answer.staff.delivery_expired"
		}
		// A link expires at the end of its last day (new links) or at
		// its clock time (older ones); either way that is the day it
		// worked through.
		until := workflow.FormatDate(workflow.HelsinkiDate(a.ExpiresAt.Add(-time.Nanosecond)), lang)
		d := caseDelivery{ID: a.ID, Expired: expired,
			Text: s.Catalog.N(lang, key, a.Downloads, s.Workflow.LetterTitle(lang, a.Kind, tasks), caseTime(a.CreatedAt, lang), until, a.Downloads)}
		if canAct && a.Filename != "" { // a purged case's PDF is gone
			d.RenewURL = caseDeliveryRenewURL(receipt, a.ID)
		}
		out = append(out, d)
	}
	return out
}

// staffRenewLink sends the requester a new link to a delivered letter
// (workflow.RenewAnswerLink): the same PDF, a new token and expiry, the
// old link dead. Only one who may act (the DPO, an administrator); a
// viewer is refused, as with every sending.
func (s *Server) staffRenewLink(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	cs, org, actor, err := s.actingCase(c)
	if err != nil {
		return err
	}
	err = s.Workflow.RenewAnswerLink(c.Request().Context(), org, cs.ID, id, actor)
	return s.caseSent(c, cs, org, "renew_link", err, "answer.staff.renewed")
}

// actingCase is the path's case for one who may act on it (a viewer gets
// errForbidden), and the actor to record.
func (s *Server) actingCase(c echo.Context) (store.Case, store.Org, workflow.Actor, error) {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return cs, org, "", err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return cs, org, "", errForbidden
	}
	return cs, org, u.Actor(), nil
}

// caseSent answers a sending from the case page: a requester without an
// email address gets the case page saying so (409), the rest as any
// action (caseAfterAction, form formID).
func (s *Server) caseSent(c echo.Context, cs store.Case, org store.Org, formID string, err error, flashKey string) error {
	if errors.Is(err, workflow.ErrNoEmail) {
		return s.renderCase(c, http.StatusConflict, cs, org, nil, s.Catalog.T(langOf(c), "answer.staff.noemail"))
	}
	if errors.Is(err, workflow.ErrLetterWaiting) {
		return s.renderCase(c, http.StatusConflict, cs, org, nil, s.Catalog.T(langOf(c), "letters.err.waiting"))
	}
	return s.caseAfterAction(c, cs, org, &caseForm{ID: formID}, err, flashKey)
}
