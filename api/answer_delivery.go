package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The resident's download page of a sent answer (issue 18):
// /{lang}/o/{org}/answer/{token}. The token opens the page; the answer
// itself needs a one-time code mailed to the requester's address
// (workflow.SendAnswerCode), after which this browser may download it for
// answerTTL. Unknown and expired links get a page that says how to ask
// for a new one. Access logs carry the route pattern only (D-18), so the
// token never reaches a log.

const (
	// answerReqCookie: this browser asked for a code of the delivery;
	// answerCookie: it entered the right one.
	answerReqCookie = "rd_answer_req"
	answerCookie    = "rd_answer"
	answerTTL       = statusTTL

	answerSendPerDelivery = 5 // code mails per link and hour
)

func (s *Server) answerRoutes(g *echo.Group) {
	limit := middleware.BodyLimit("8K")
	g.GET("/o/:org/answer/:token", s.answerPage, answerHeaders)
	g.POST("/o/:org/answer/:token/code", s.answerSendCode, answerHeaders, limit)
	g.POST("/o/:org/answer/:token/verify", s.answerVerify, answerHeaders, limit)
	g.GET("/o/:org/answer/:token/file", s.answerFile, answerHeaders)
	g.GET("/o/:org/answer/:token/export", s.answerExport, answerHeaders)          // issue 18, Art 20
	g.GET("/o/:org/answer/:token/letter", s.answerHTML, answerHeaders)            // issue 18, Act 306/2019
	g.GET("/o/:org/answer/:token/documents/:id", s.answerDocument, answerHeaders) // FI-2: given with the decision
}

// answerHeaders: the page sits behind a secret URL: no caches, no
// indexing, and no Referer that would carry the token elsewhere.
func answerHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

type answerPageData struct {
	OrgName  string
	Base     string // /{lang}/o/{org}/answer/{token}
	Receipt  string
	Until    string
	Privacy  string
	Sent     bool // a code was asked for in this browser
	Verified bool // the right code was entered in this browser
	Minutes  int
	Error    string
	NeedNew  bool
	// Contents is the cover note: what the package holds (issue 18);
	// Export: it holds the machine-readable export (access answers).
	Contents []string
	Export   bool
	// Documents: the documents given with a decision on a request for
	// documents (FI-2), each its own download, shown once the code is in.
	Documents []caseFile
	// wording: the page's words for the delivered letter's kind (K).
	wording deliveryWording
}

// deliveryWording picks a link page's or mail's words for the letter
// delivered: key.KIND where the catalogue has it, else key (the GDPR
// answer's words). FI-2: a decision on a request for documents is no
// answer (terms.md: one word per concept), so its page is titled, and
// tells what to download, as a decision with documents.
type deliveryWording struct {
	has        func(lang, key string) bool
	lang, kind string
}

func (s *Server) deliveryWording(lang, kind string) deliveryWording {
	return deliveryWording{has: s.Catalog.Has, lang: lang, kind: kind}
}

// K is key's wording for the delivered letter.
func (w deliveryWording) K(key string) string {
	if w.kind != "" && w.has != nil && w.has(w.lang, key+"."+w.kind) {
		return key + "." + w.kind
	}
	return key
}

// K is key's wording for the page's letter (deliveryWording.K).
func (p answerPageData) K(key string) string { return p.wording.K(key) }

type answerGoneData struct {
	OrgName string
	Reason  string // expired or unknown
	Privacy string
	wording deliveryWording
}

// K is key's wording for the expired link's letter (deliveryWording.K).
func (d answerGoneData) K(key string) string { return d.wording.K(key) }

// answerOpen finds the delivery of the path's token; a missing one
// renders the "link does not work" page (the returned bool is false).
func (s *Server) answerOpen(c echo.Context) (store.Org, store.AnswerDelivery, bool, error) {
	org, err := s.intakeOrg(c)
	if err != nil {
		return org, store.AnswerDelivery{}, false, err // unknown organisation: 404
	}
	d, err := s.Workflow.OpenAnswer(c.Request().Context(), org, c.Param("token"))
	switch {
	case err == nil:
		return org, d, true, nil
	case errors.Is(err, store.ErrNotFound):
		return org, d, false, s.answerGone(c, org, http.StatusNotFound, "unknown")
	case errors.Is(err, workflow.ErrLinkExpired):
		return org, d, false, s.answerGoneKind(c, org, http.StatusGone, "expired", d.Kind)
	}
	return org, d, false, err
}

func (s *Server) answerGone(c echo.Context, org store.Org, status int, reason string) error {
	return s.answerGoneKind(c, org, status, reason, "")
}

// answerGoneKind is the page of a link that does not work, in the words
// of its letter's kind when known (an expired link's).
func (s *Server) answerGoneKind(c echo.Context, org store.Org, status int, reason, kind string) error {
	lang := langOf(c)
	d := answerGoneData{OrgName: org.Name(lang), Reason: reason, Privacy: answerPrivacy(org), wording: s.deliveryWording(lang, kind)}
	return s.render(c, status, "answer_gone", lang, s.Catalog.T(lang, d.K("answer.gone.title."+reason)), d)
}

func answerPrivacy(org store.Org) string {
	if org.PrivacyEmail != "" {
		return org.PrivacyEmail
	}
	return org.DPOEmail
}

func answerBase(lang string, org store.Org, token string) string {
	return intakeBase(lang, org) + "/answer/" + token
}

func (s *Server) answerPage(c echo.Context) error {
	org, d, ok, err := s.answerOpen(c)
	if !ok {
		return err
	}
	return s.renderAnswer(c, http.StatusOK, org, d, func(*answerPageData) {})
}

func (s *Server) renderAnswer(c echo.Context, status int, org store.Org, d store.AnswerDelivery, adjust func(*answerPageData)) error {
	lang := langOf(c)
	cs, err := store.New(s.Pool).CaseByID(c.Request().Context(), org.ID, d.CaseID)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(d.ID, 10)
	r, sent := s.signed(c, answerReqCookie, org)
	p := answerPageData{
		OrgName: org.Name(lang), Base: answerBase(lang, org, c.Param("token")), Receipt: cs.Receipt,
		Until: workflow.FormatDate(workflow.HelsinkiDate(d.ExpiresAt.Add(-1)), lang), Privacy: answerPrivacy(org),
		Sent: sent && r == id, Verified: s.answerOpened(c, org, d), Minutes: int(workflow.AnswerCodeTTL.Minutes()),
		Export: d.Kind == "" || d.Kind == "access", wording: s.deliveryWording(lang, d.Kind),
	}
	if p.Contents, err = s.Workflow.DeliveryContents(c.Request().Context(), org, d, lang); err != nil {
		return err
	}
	if p.Verified {
		docs, err := s.Workflow.DeliveredDocuments(c.Request().Context(), org, d)
		if err != nil {
			return err
		}
		for _, f := range docs {
			p.Documents = append(p.Documents, caseFile{Name: f.Filename, Size: caseFileSize(f.Size, lang),
				URL: p.Base + "/documents/" + strconv.FormatInt(f.ID, 10)})
		}
	}
	adjust(&p)
	return s.renderForm(c, status, "answer_page", lang, p.K("answer.page.title"), p.Error != "", p)
}

// answerSendCode mails a code to the requester's address.
func (s *Server) answerSendCode(c echo.Context) error {
	org, d, ok, err := s.answerOpen(c)
	if !ok {
		return err
	}
	lang := langOf(c)
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	if ok, retry := s.limits.allowAllUntil(limit{"answer:send:ip:" + c.RealIP(), statusSendPerIP, statusSendIPWindow},
		limit{"answer:send:delivery:" + strconv.FormatInt(d.ID, 10), answerSendPerDelivery, statusSendIPWindow}); !ok {
		s.tooMany(c, retry)
		return s.renderAnswer(c, http.StatusTooManyRequests, org, d, func(p *answerPageData) { p.Error = t("status.err.ratelimit") })
	}
	err = s.Workflow.SendAnswerCode(c.Request().Context(), org, d.ID)
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGoneKind(c, org, http.StatusGone, "expired", d.Kind)
	}
	if err != nil {
		return err
	}
	s.clearCookie(c, answerCookie)
	s.setSigned(c, answerReqCookie, strconv.FormatInt(d.ID, 10), org, int(answerTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, answerBase(lang, org, c.Param("token"))+"#code")
}

// answerVerify checks the code; right, this browser may download the
// answer for answerTTL.
func (s *Server) answerVerify(c echo.Context) error {
	org, d, ok, err := s.answerOpen(c)
	if !ok {
		return err
	}
	lang := langOf(c)
	id := strconv.FormatInt(d.ID, 10)
	base := answerBase(lang, org, c.Param("token"))
	if r, ok := s.signed(c, answerReqCookie, org); !ok || r != id {
		return c.Redirect(http.StatusSeeOther, base)
	}
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	fail := func(status int, msg string, needNew bool) error {
		return s.renderAnswer(c, status, org, d, func(p *answerPageData) { p.Error, p.NeedNew = msg, needNew })
	}
	passed, err := s.tryEmailedCode(c, "answer", t, fail, func(code string) (int, error) {
		return s.Workflow.CheckAnswerCode(c.Request().Context(), org, d.ID, code)
	})
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGoneKind(c, org, http.StatusGone, "expired", d.Kind)
	}
	if !passed {
		return err
	}
	opens, err := s.answerParts(c, org, d)
	if err != nil {
		return err
	}
	s.clearCookie(c, answerReqCookie)
	s.setSigned(c, answerCookie, opens, org, int(answerTTL.Seconds()))
	return c.Redirect(http.StatusSeeOther, base+"#download")
}

// answerParts is what the right code for d opens in this browser: d and
// the other letters of the same answer. An answer of several letters (an
// access answer and a confirmation) goes out in one mail, each letter
// behind its own link, all stored in one render at one time; the code
// proves the address that mail went to, so the resident enters one code,
// not one a letter. The ids joined by "-" (the cookie's value).
func (s *Server) answerParts(c echo.Context, org store.Org, d store.AnswerDelivery) (string, error) {
	ds, err := store.New(s.Pool).AnswerDeliveriesOfCase(c.Request().Context(), org.ID, d.CaseID)
	if err != nil {
		return "", err
	}
	ids := []string{strconv.FormatInt(d.ID, 10)}
	for _, o := range ds {
		if o.ID != d.ID && o.CreatedAt.Equal(d.CreatedAt) {
			ids = append(ids, strconv.FormatInt(o.ID, 10))
		}
	}
	return strings.Join(ids, "-"), nil
}

// answerOpened reports whether this browser entered the right code for d
// (or for another letter of the same answer, answerParts).
func (s *Server) answerOpened(c echo.Context, org store.Org, d store.AnswerDelivery) bool {
	v, ok := s.signed(c, answerCookie, org)
	return ok && slices.Contains(strings.Split(v, "-"), strconv.FormatInt(d.ID, 10))
}

// answerUnlocked is answerOpen for the downloads behind the code: a browser
// that has not entered the code for this link is sent to the link's page
// (ok false, err nil after the redirect).
func (s *Server) answerUnlocked(c echo.Context) (store.Org, store.AnswerDelivery, bool, error) {
	org, d, ok, err := s.answerOpen(c)
	if !ok {
		return org, d, false, err
	}
	if !s.answerOpened(c, org, d) {
		return org, d, false, c.Redirect(http.StatusSeeOther, answerBase(langOf(c), org, c.Param("token")))
	}
	return org, d, true, nil
}

// answerFile serves the stored PDF to the browser that entered the code.
func (s *Server) answerFile(c echo.Context) error {
	org, d, ok, err := s.answerUnlocked(c)
	if !ok {
		return err
	}
	d, b, err := s.Workflow.DownloadAnswer(c.Request().Context(), org, d.ID)
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGoneKind(c, org, http.StatusGone, "expired", d.Kind)
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", caseAttachmentDisposition(d.Filename))
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// answerDocument serves a document given with the decision (FI-2) to the
// browser that entered the code: always a download, never rendered on our
// origin; the URL carries ids only.
func (s *Server) answerDocument(c echo.Context) error {
	org, d, ok, err := s.answerUnlocked(c)
	if !ok {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	f, err := s.Workflow.DownloadDocument(c.Request().Context(), org, d.ID, id)
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGoneKind(c, org, http.StatusGone, "expired", d.Kind)
	}
	if err != nil {
		return err // store.ErrNotFound is a 404
	}
	return serveCaseUpload(c, f.Filename, f.ContentType, f.Data)
}
