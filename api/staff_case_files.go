package api

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The files an owner (or the DPO) uploaded with a task's answer, for the
// DPO's case page (issue 12). Every signed-in member of the case's
// organisation may download them (a viewer sees everything); another
// organisation's case, task or file is a 404. Each download is audited
// (workflow.TaskFile) by ids only: a file's name may be personal data, so
// it is in neither the URL nor the audit trail.

// caseTaskFileURL is the download URL of a task's file.
func caseTaskFileURL(receipt string, taskID, fileID int64) string {
	return caseURL(receipt) + "/tasks/" + strconv.FormatInt(taskID, 10) + "/files/" + strconv.FormatInt(fileID, 10)
}

// staffTaskFile serves a file always as a download: an uploaded HTML or
// SVG file must never render on our origin.
func (s *Server) staffTaskFile(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	t, err := s.staffTask(c, cs, org)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	f, err := s.Workflow.TaskFile(c.Request().Context(), org, cs.ID, t.ID, id, staffUser(c).Actor())
	if err != nil {
		return err // store.ErrNotFound is a 404 (handleError)
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessFileDownloaded, id); err != nil {
		return err
	}
	return serveCaseUpload(c, f.Filename, f.ContentType, f.Data)
}

// caseDocumentURL is the download URL of a document given with the
// case's decision on its document request (FI-2).
func caseDocumentURL(receipt string, id int64) string {
	return caseURL(receipt) + "/documents/" + strconv.FormatInt(id, 10)
}

// staffDocumentFile serves a document given with the decision (FI-2), as
// a task's files: always a download, audited by ids.
func (s *Server) staffDocumentFile(c echo.Context) error {
	return s.staffCaseFile(c, func(ctx context.Context, org store.Org, caseID, id int64, actor workflow.Actor) (string, string, []byte, error) {
		f, err := s.Workflow.DocumentFile(ctx, org, caseID, id, actor)
		return f.Filename, f.ContentType, f.Data, err
	})
}

// staffCaseFile serves one file of the case in the URL, its id the URL's
// :id, to a signed-in member of the case's organisation: read reads it
// and audits the download (store.ErrNotFound, another case's or
// organisation's file, is a 404); the access log records it by ids; the
// file goes as serveCaseUpload sends it.
func (s *Server) staffCaseFile(c echo.Context, read func(ctx context.Context, org store.Org, caseID, id int64, actor workflow.Actor) (name, contentType string, data []byte, err error)) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	actor := staffUser(c).Actor()
	name, ct, data, err := read(c.Request().Context(), org, cs.ID, id, actor)
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, actor, workflow.AccessFileDownloaded, id); err != nil {
		return err
	}
	return serveCaseUpload(c, name, ct, data)
}

// caseAttachmentDisposition is an "attachment" Content-Disposition with
// the file's name made safe for a header: no path, no control characters
// or quotes; names beyond ASCII are sent in RFC 2231 form by mime.
func caseAttachmentDisposition(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '\uFFFD' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if strings.Trim(name, " .") == "" {
		name = "file"
	}
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return `attachment; filename="file"`
}

// caseFileSize is a file's size for people: bytes, kB or MB, with the
// page language's decimal separator.
func caseFileSize(n int64, lang string) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1000*1000:
		return strconv.FormatInt((n+999)/1000, 10) + " kB"
	}
	v := strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64)
	if lang != "en" {
		v = strings.Replace(v, ".", ",", 1)
	}
	return v + " MB"
}

// staffCaseEmail shows the message an emailed request was made from, as
// it arrived (issue 17), as plain text: never rendered as HTML on our
// origin (nosniff, a sandbox CSP), and in the charset its bytes are in.
func (s *Server) staffCaseEmail(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	raw, err := s.Workflow.OriginalEmail(c.Request().Context(), org, cs.ID, staffUser(c).Actor())
	if err != nil {
		return err // not an emailed case: 404
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessEmailViewed, 0); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", `inline; filename="`+cs.Receipt+`.eml.txt"`)
	ct := "text/plain; charset=utf-8"
	if !utf8.Valid(raw) { // 8-bit Latin-1 or Windows-1252 as sent
		ct = "text/plain; charset=windows-1252"
	}
	return c.Blob(http.StatusOK, ct, raw)
}

// staffCaseEmailFile serves a file that came with an emailed request,
// always as a download, like a task's files.
func (s *Server) staffCaseEmailFile(c echo.Context) error {
	return s.staffCaseFile(c, func(ctx context.Context, org store.Org, caseID, id int64, actor workflow.Actor) (string, string, []byte, error) {
		f, err := s.Workflow.EmailFile(ctx, org, caseID, id, actor)
		return f.Filename, f.ContentType, f.Data, err
	})
}

// serveCaseUpload sends a file someone uploaded or mailed to a case (an
// owner's answer file, an emailed request's attachment, a requester's
// reply, a document given with a decision) to staff, or a document to its
// requester (FI-2): always a download, never rendered, never cached.
func serveCaseUpload(c echo.Context, filename, contentType string, data []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Content-Disposition", caseAttachmentDisposition(filename))
	return c.Blob(http.StatusOK, taskDownloadType(contentType), data)
}
