package api

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The print queue (issue 18, IN-1): letters for requesters who chose paper
// or to view the answer on site, for the DPO to print and post (or show),
// and to record the day. /staff/print lists every organisation the user
// sees; recording needs the right to act in the letter's organisation.

func (s *Server) printRoutes(g *echo.Group) {
	g.GET("/print", s.staffPrintQueue)
	g.GET("/print/:id/letter.pdf", s.staffPrintPDF)
	g.POST("/print/:id/delivered", s.staffPrintDelivered)
	g.GET("/print/:id/documents/:doc", s.staffPrintDocument)
}

type printRow struct {
	ID                   int64
	Receipt, CaseURL     string
	Org                  string
	Kind, Method         string
	MethodValue          string
	Queued               string
	PDFURL, DeliveredURL string
	Done                 string
	CanRecord            bool
	Today                string
	Error                string
	// Enclosed: the documents to put in the envelope with the letter
	// (FI-2, a decision on a request for documents going by post).
	Enclosed  []printDocument
	EnclosedH string
}

// printDocument is one document to enclose: its name, size, pages when
// known, and its download.
type printDocument struct {
	ID                int64
	Name, Size, Pages string
	URL               string
}

type printData struct {
	Waiting, Done []printRow
	ManyOrgs      bool
	Notice        string
}

func (s *Server) staffPrintQueue(c echo.Context) error {
	return s.renderPrintQueue(c, http.StatusOK, 0, "")
}

// renderPrintQueue renders the queue; failedID's row shows errKey.
func (s *Server) renderPrintQueue(c echo.Context, status int, failedID int64, errKey string) error {
	u := staffUser(c)
	lang := langOf(c)
	ctx := c.Request().Context()
	c.Response().Header().Set("Cache-Control", "no-store")
	letters, err := s.Workflow.PrintQueue(ctx, u.OrgIDs())
	if err != nil {
		return err
	}
	orgs, err := s.caseMemberOrgs(c)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name(lang)
	}
	d := printData{ManyOrgs: len(u.OrgIDs()) > 1}
	today := workflow.FormatDate(workflow.HelsinkiDate(s.Now()), "fi") // d.m.yyyy, as the field asks
	for _, l := range letters {
		id := strconv.FormatInt(l.ID, 10)
		var tasks []store.Task // an access answer is named by its case's tasks
		if l.Kind == string(pdf.KindAccess) {
			if tasks, err = store.New(s.Pool).TasksOfCase(ctx, l.OrgID, l.CaseID); err != nil {
				return err
			}
		}
		kind := s.queuedKind(lang, l.Kind, tasks)
		r := printRow{ID: l.ID, Receipt: l.Receipt, CaseURL: caseURL(l.Receipt), Org: names[l.OrgID],
			Kind: kind, Method: s.caseLabel(lang, "print.method.", l.Method), MethodValue: l.Method,
			Queued: caseTime(l.CreatedAt, lang), PDFURL: "/staff/print/" + id + "/letter.pdf",
			DeliveredURL: "/staff/print/" + id + "/delivered", CanRecord: u.CanAct(l.OrgID) && l.DoneAt == nil, Today: today}
		if l.ID == failedID {
			r.Error = s.Catalog.T(lang, errKey)
			if v := strings.TrimSpace(postForm(c).Get("on")); v != "" {
				r.Today = v
			}
		}
		waiting := l.DoneAt == nil || l.DoneOn == nil
		docs, err := s.Workflow.EnclosedDocuments(ctx, l, waiting)
		if err != nil {
			return err
		}
		for _, doc := range docs {
			pd := printDocument{ID: doc.ID, Name: doc.Filename, Size: caseFileSize(doc.Size, lang),
				URL: "/staff/print/" + id + "/documents/" + strconv.FormatInt(doc.ID, 10)}
			if doc.Pages > 0 {
				pd.Pages = s.Catalog.N(lang, "print.doc.pages", doc.Pages, doc.Pages)
			}
			r.Enclosed = append(r.Enclosed, pd)
		}
		if len(docs) > 0 {
			r.EnclosedH = s.Catalog.N(lang, "print.doc.h", len(docs), len(docs))
		}
		if !waiting {
			r.Done = s.Catalog.T(lang, "print.done."+l.Method, workflow.FormatDate(workflow.DateOf(*l.DoneOn), lang))
			d.Done = append(d.Done, r)
			continue
		}
		d.Waiting = append(d.Waiting, r)
	}
	return s.render(c, status, "staff_print", lang, s.Catalog.T(lang, "print.title"), d)
}

// printLetter finds a queued letter in the user's organisations.
func (s *Server) printLetter(c echo.Context) (store.Org, int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Org{}, 0, errNotFound
	}
	u := staffUser(c)
	ctx := c.Request().Context()
	q := store.New(s.Pool)
	for _, orgID := range u.OrgIDs() {
		if _, _, err := q.QueuedLetterPDF(ctx, orgID, id); err == nil {
			org, err := q.OrgByID(ctx, orgID)
			return org, id, err
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.Org{}, 0, err
		}
	}
	return store.Org{}, 0, errNotFound
}

// staffPrintPDF serves a queued letter inline, to print from the browser's
// viewer, as the letter that was approved (its stored bytes).
func (s *Server) staffPrintPDF(c echo.Context) error {
	org, id, err := s.printLetter(c)
	if err != nil {
		return err
	}
	l, b, err := s.Workflow.QueuedLetterPDF(c.Request().Context(), org, id, staffUser(c).Actor())
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": l.Filename}))
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// staffPrintDocument serves a document to enclose with a queued decision
// letter (FI-2) to whoever prints it, as the case page's downloads do:
// always a download, audited by ids (the document and the letter).
func (s *Server) staffPrintDocument(c echo.Context) error {
	org, id, err := s.printLetter(c)
	if err != nil {
		return err
	}
	docID, err := strconv.ParseInt(c.Param("doc"), 10, 64)
	if err != nil || docID <= 0 {
		return errNotFound
	}
	f, err := s.Workflow.EnclosedDocument(c.Request().Context(), org, id, docID, staffUser(c).Actor())
	if err != nil {
		return err // store.ErrNotFound: another case's document, or a letter with none
	}
	return serveCaseUpload(c, f.Filename, f.ContentType, f.Data)
}

// staffPrintDelivered records "sent by post" / "viewed on site" with its
// day (d.m.yyyy or yyyy-mm-dd).
func (s *Server) staffPrintDelivered(c echo.Context) error {
	org, id, err := s.printLetter(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden
	}
	day, ok := parseDay(postForm(c).Get("on"))
	if !ok {
		return s.renderPrintQueue(c, http.StatusUnprocessableEntity, id, "print.err.date")
	}
	err = s.Workflow.RecordLetterDelivery(c.Request().Context(), org, id, u.Actor(), day)
	var fe workflow.FieldErrors
	switch {
	case err == nil:
		flash(c, "print.flash.done")
		return c.Redirect(http.StatusSeeOther, "/staff/print")
	case errors.As(err, &fe):
		return s.renderPrintQueue(c, http.StatusUnprocessableEntity, id, "print.err.date")
	case errors.Is(err, workflow.ErrAlreadyDelivered):
		return s.renderPrintQueue(c, http.StatusConflict, id, "print.err.done")
	}
	return err
}

// parseDay reads a date typed as people write it (2.12.2026) or as a date
// input sends it (2026-12-02).
func parseDay(v string) (workflow.Date, bool) {
	v = strings.TrimSpace(v)
	if d, err := workflow.ParseDate(v); err == nil {
		return d, true
	}
	t, err := time.Parse("2.1.2006", v)
	if err != nil {
		return workflow.Date{}, false
	}
	return workflow.DateOf(t), true
}

// casePrintQueue fills the case page's print-queue parts: how "Send the
// answer" works for a paper or on-site requester, and the case's letters
// in the queue with their state.
func (s *Server) casePrintQueue(ctx context.Context, d *caseData, cs store.Case, org store.Org, tasks []store.Task, lang string) error {
	letters, err := store.New(s.Pool).QueuedLettersOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return err
	}
	for _, l := range letters {
		kind := s.queuedKind(lang, l.Kind, tasks)
		if l.DoneAt != nil && l.DoneOn != nil {
			d.Queued = append(d.Queued, kind+": "+s.Catalog.T(lang, "print.done."+l.Method, workflow.FormatDate(workflow.DateOf(*l.DoneOn), lang)))
			continue
		}
		d.Queued = append(d.Queued, s.Catalog.T(lang, "print.case.waiting", kind, s.caseLabel(lang, "print.method.", l.Method)))
		if l.Kind == "access" || l.Kind == "confirmation" {
			d.SendAnswerURL = "" // queued already: the queue records its delivery
		}
	}
	if d.SendAnswerURL != "" && (cs.Delivery == workflow.MethodPaper || cs.Delivery == workflow.MethodOnSite) {
		d.SendAnswerPaper = "print.send.hint." + cs.Delivery
	}
	return nil
}

// queuedKind names a queued letter's kind; an access answer by its case's
// tasks (workflow.LetterTitle: one for portability alone is named so).
func (s *Server) queuedKind(lang, kind string, tasks []store.Task) string {
	if kind == string(pdf.KindAccess) {
		return s.Workflow.LetterTitle(lang, kind, tasks)
	}
	return s.caseLabel(lang, "print.kind.", kind)
}
