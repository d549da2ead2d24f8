package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// The body limit. Every request body is bounded by bodyLimit, what one
// form may send at once (the files of an owner's answer or of a decision
// included). A body over it was refused with a bare "the submission is
// too large" page, before it was read, so the form came back empty.
//
// The decision on a request for documents (FI-2) is where several files
// together most often pass it, and the DPO's decision and reasons are
// the work lost (rule 5: nothing typed is lost). Its form's oversized
// body is read here instead: its text fields (they come before the files
// in the form) are kept, the files are counted and thrown away, and the
// handler shows the form again with what was typed and an error naming
// the limit and the total sent (ctxUploadTotal).

const (
	// bodyLimit is the most one request may send, in bytes (12 MB).
	bodyLimit = 12_000_000
	// oversizeTextLimit bounds the text fields read from an oversized
	// upload (the reasons' 4 000 characters, with room to spare).
	oversizeTextLimit = 128 << 10
	// oversizeDrainLimit is how much of an oversized upload is read, to
	// count it and so that the browser, which is still sending, gets the
	// answer instead of a reset connection. Beyond it the connection is
	// closed and the total is the body's stated length.
	oversizeDrainLimit = 256 << 20
	// ctxUploadTotal: an oversized upload's files were dropped; their
	// total size in bytes (int64).
	ctxUploadTotal = "upload_total"
)

// bodyLimitMiddleware bounds every body by bodyLimit, but reads an
// oversized decision on a request for documents as described above.
func (s *Server) bodyLimitMiddleware() echo.MiddlewareFunc {
	limit := middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "12M"})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		limited := limit(next)
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength <= bodyLimit || !s.oversizeReadable(c) {
				return limited(c)
			}
			total, err := readOversizedForm(r)
			if err != nil {
				return err
			}
			c.Set(ctxUploadTotal, total)
			return next(c)
		}
	}
}

// oversizeReadable reports whether the request is a form whose oversized
// files are dropped rather than the whole request refused: the DPO's
// decision on a request for documents, from a signed-in staff session
// (anyone else is refused before up to oversizeDrainLimit is read).
func (s *Server) oversizeReadable(c echo.Context) bool {
	r := c.Request()
	if r.Method != http.MethodPost || c.Path() != "/staff/cases/:receipt/actions/:action" || c.Param("action") != "doc_decide" {
		return false
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); ct != echo.MIMEMultipartForm {
		return false
	}
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	_, err = s.auth.Authenticate(r.Context(), ck.Value)
	return err == nil
}

// readOversizedForm reads a multipart body over the limit: its text
// fields become the request's form (as ParseMultipartForm would leave
// it, without files), its files are counted and dropped. It returns the
// files' total size; a text part over oversizeTextLimit is a 413.
func readOversizedForm(r *http.Request) (int64, error) {
	_, params, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	body := io.LimitReader(r.Body, oversizeDrainLimit)
	mr := multipart.NewReader(body, params["boundary"])
	values := url.Values{}
	var text, files int64
	complete := false
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			complete = true
			break
		}
		if err != nil {
			break // cut at oversizeDrainLimit, or broken: judge by what was read
		}
		if p.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(p, oversizeTextLimit-text+1))
			text += int64(len(b))
			if text > oversizeTextLimit {
				return 0, echo.ErrStatusRequestEntityTooLarge
			}
			if err != nil {
				break
			}
			values.Add(p.FormName(), string(b))
			continue
		}
		n, err := io.Copy(io.Discard, p)
		files += n
		if err != nil {
			break
		}
	}
	if !complete {
		files = max(files, r.ContentLength-text)
	}
	if q := r.URL.Query(); len(q) > 0 {
		form := url.Values{}
		for k, v := range values {
			form[k] = append(form[k], v...)
		}
		for k, v := range q {
			form[k] = append(form[k], v...)
		}
		r.Form = form
	} else {
		r.Form = values
	}
	r.PostForm = values
	r.MultipartForm = &multipart.Form{Value: values, File: map[string][]*multipart.FileHeader{}}
	r.Body = http.NoBody
	return files, nil
}
