package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The edge: every browser request passes here once. Unsafe requests have
// their form parsed explicitly (handlers never rely on a middleware's side
// effect to see their input), their text checked, and must pass both CSRF
// checks: the browser's fetch metadata (http.CrossOriginProtection) and our
// double-submit token. The JSON API under /api/ authenticates with bearer
// tokens and checks its own body.

const (
	csrfCookie = "rd_csrf"
	csrfField  = "_csrf"
	csrfHeader = "X-CSRF-Token"
	ctxCSRF    = "csrf"
	// csrfMaxAge keeps a form open for a day; every page view renews it.
	csrfMaxAge = 24 * 60 * 60
	// formMemory is what a multipart form may hold in memory before its
	// files spill to disk; the body limit bounds the whole request.
	formMemory = 8 << 20
)

var (
	errCrossOrigin = echo.NewHTTPError(http.StatusForbidden, "error.crossorigin")
	errFormFields  = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "error.toomanyfields")
)

// badTextError names the field whose text cannot be stored; the page shows
// the field's label, never the value.
type badTextError struct{ Field string }

func (e *badTextError) Error() string { return "unstorable text in field " + e.Field }

// edge is the middleware described above.
func (s *Server) edge(next echo.HandlerFunc) echo.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c echo.Context) error {
		r := c.Request()
		if strings.HasPrefix(r.URL.Path, "/api/") {
			return next(c)
		}
		if field, ok := checkValues(r.URL.Query()); !ok {
			return &badTextError{Field: field}
		}
		token := s.csrfToken(c)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if err := cop.Check(r); err != nil {
			return errCrossOrigin
		}
		if err := parseForm(r); err != nil {
			return err
		}
		if field, ok := checkValues(r.PostForm); !ok {
			return &badTextError{Field: field}
		}
		sent := r.PostForm.Get(csrfField)
		if sent == "" {
			sent = r.Header.Get(csrfHeader)
		}
		if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

// parseForm parses the body once, whatever its encoding. Go refuses forms
// with more fields than it allows (net/url's limit): that is a clear 413,
// not an expired session.
func parseForm(r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	var err error
	if ct == echo.MIMEMultipartForm {
		err = r.ParseMultipartForm(formMemory)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		return nil
	}
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return echo.ErrStatusRequestEntityTooLarge
	case errors.Is(err, multipart.ErrMessageTooLarge), strings.Contains(err.Error(), "exceeded limit"):
		return errFormFields
	}
	return echo.NewHTTPError(http.StatusBadRequest, "error.badrequest").SetInternal(err)
}

// postForm is the request's form. The edge parsed and checked it already;
// a handler reached without the edge (or a form the edge let through
// unparsed) still reads its input instead of an empty form, which is what
// broke every browser's form before the edge existed (issue 15).
func postForm(c echo.Context) url.Values {
	r := c.Request()
	if r.PostForm == nil {
		if err := parseForm(r); err != nil {
			return url.Values{}
		}
	}
	return r.PostForm
}

// checkValues reports the first field whose text PostgreSQL could not
// store or a person could not have meant: invalid UTF-8, NUL and other C0
// control characters except tab and line breaks.
func checkValues(vs map[string][]string) (string, bool) {
	for k, xs := range vs {
		if !goodText(k) {
			return "", false
		}
		for _, x := range xs {
			if !goodText(x) {
				return k, false
			}
		}
	}
	return "", true
}

func goodText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return false
		}
	}
	return true
}

// csrfToken returns the request's token, issuing one (cookie) when the
// browser has none, and makes it available to the pages.
func (s *Server) csrfToken(c echo.Context) string {
	var token string
	if ck, err := c.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
		token = ck.Value
	} else {
		token = newCSRFToken()
	}
	if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
		s.setCSRFCookie(c, token)
	}
	c.Set(ctxCSRF, token)
	return token
}

// rotateCSRF gives the browser a new token, e.g. at sign-in, so a token
// learnt before it is worthless after it.
func (s *Server) rotateCSRF(c echo.Context) {
	token := newCSRFToken()
	s.setCSRFCookie(c, token)
	c.Set(ctxCSRF, token)
}

func (s *Server) setCSRFCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{
		Name: csrfCookie, Value: token, Path: "/", MaxAge: csrfMaxAge,
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode,
	})
}

func newCSRFToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkJSONText is checkValues for a decoded JSON body: the first string
// field (by its JSON name) whose text cannot be stored. JSON escapes such
// as \u0000 decode to valid UTF-8 that PostgreSQL still refuses.
func checkJSONText(v any) (string, bool) {
	return walkText(reflect.ValueOf(v), "")
}

func walkText(v reflect.Value, name string) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", true
		}
		return walkText(v.Elem(), name)
	case reflect.String:
		return name, goodText(v.String())
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if f, ok := walkText(v.Index(i), name); !ok {
				return f, false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if f, ok := walkText(it.Value(), name); !ok {
				return f, false
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			fname := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
			if fname == "" {
				fname = t.Field(i).Name
			}
			if f, ok := walkText(v.Field(i), fname); !ok {
				return f, false
			}
		}
	}
	return "", true
}

// typedCode is the six-digit code a person typed in the form's "code"
// field (intake confirmation, status page, answer download), with the
// spaces and hyphens people add removed; ok is false when it is not six
// digits at all (which does not count as a try).
func typedCode(c echo.Context) (code string, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, postForm(c).Get("code"))
	return code, len(code) == 6 && strings.Trim(code, "0123456789") == ""
}
