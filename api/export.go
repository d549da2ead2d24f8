package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/pdf"
	"rightsdesk/workflow"
)

// The machine-readable export of an access answer (issue 18; Art 20 and
// the electronic copy of 15(3)): a ZIP beside the letter PDF, for the DPO
// on the case page and for the resident on the answer's download page
// (after the code, as the PDF). See internal/export and
// docs/export.schema.json.

// caseAccessExportURL is the DPO's download of the export.
func caseAccessExportURL(receipt string) string {
	return caseURL(receipt) + "/letters/access.zip"
}

// staffAccessExport is the export of a case whose access answer can be
// rendered (409 before), for any member of its organisation, as the PDF.
func (s *Server) staffAccessExport(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	name, b, err := s.Workflow.AccessExport(c.Request().Context(), org, cs.ID, staffUser(c).Actor())
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessLetterDownloaded, 0); err != nil {
		return err
	}
	return zipBlob(c, name, b)
}

// answerExport serves the export to the browser that entered the code.
func (s *Server) answerExport(c echo.Context) error {
	org, d, ok, err := s.answerUnlocked(c)
	if !ok {
		return err
	}
	name, b, err := s.Workflow.DownloadAnswerExport(c.Request().Context(), org, d.ID)
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGone(c, org, http.StatusGone, "expired")
	}
	if err != nil {
		return err
	}
	return zipBlob(c, name, b)
}

func zipBlob(c echo.Context, name string, b []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", caseAttachmentDisposition(name))
	return c.Blob(http.StatusOK, "application/zip", b)
}

// caseAccessHTMLURL is the access answer as an accessible HTML page.
func caseAccessHTMLURL(receipt string) string {
	return caseURL(receipt) + "/letters/access.html"
}

// staffAccessHTML is the access answer's HTML twin (Act 306/2019), with
// the same access rule as the PDF.
func (s *Server) staffAccessHTML(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	b, err := s.Workflow.AccessLetterHTML(c.Request().Context(), org, cs.ID, staffUser(c).Actor())
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessLetterDownloaded, 0); err != nil {
		return err
	}
	return letterHTML(c, b)
}

// answerHTML is the resident's HTML letter, behind the code as the PDF.
func (s *Server) answerHTML(c echo.Context) error {
	org, d, ok, err := s.answerUnlocked(c)
	if !ok {
		return err
	}
	b, err := s.Workflow.AnswerHTML(c.Request().Context(), org, d.ID)
	if errors.Is(err, workflow.ErrLinkExpired) {
		return s.answerGone(c, org, http.StatusGone, "expired")
	}
	if err != nil {
		return err
	}
	return letterHTML(c, b)
}

// letterHTML serves a generated letter page: nothing but its own style
// element may load or run.
func letterHTML(c echo.Context, b []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+pdf.HTMLStyleHash+"; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	return c.HTMLBlob(http.StatusOK, b)
}
