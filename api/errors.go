package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Errors that handlers return; handleError maps them to pages or JSON in
// one place.
var (
	errCSRF      = echo.NewHTTPError(http.StatusForbidden, "error.csrf")
	errNotFound  = echo.NewHTTPError(http.StatusNotFound, "error.notfound")
	errForbidden = echo.NewHTTPError(http.StatusForbidden, "error.forbidden")
)

type errorPage struct {
	Status  int
	Message string
}

// handleError renders every error: JSON under /api/, a localized page
// elsewhere. Internal errors are logged with the request id only; their
// text never reaches the person (it may name a table or a value).
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	key := "error.internal"
	var he *echo.HTTPError
	var bad *badTextError
	retry, limited := asRateLimited(err)
	switch {
	case errors.As(err, &bad):
		s.renderBadText(c, bad.Field)
		return
	case limited:
		status, key = http.StatusTooManyRequests, "error.ratelimit"
		s.tooMany(c, retry)
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok && strings.HasPrefix(m, "error.") {
			key = m
		} else {
			switch status {
			case http.StatusNotFound, http.StatusMethodNotAllowed:
				status, key = http.StatusNotFound, "error.notfound"
			case http.StatusRequestEntityTooLarge:
				key = "error.toolarge"
			case http.StatusTooManyRequests:
				key = "error.ratelimit"
			case http.StatusForbidden:
				key = "error.forbidden"
			case http.StatusBadRequest:
				key = "error.badrequest"
			}
		}
	case errors.Is(err, store.ErrNotFound):
		status, key = http.StatusNotFound, "error.notfound"
	case errors.Is(err, store.ErrPurged):
		// The case's key was destroyed (D-25): its data is gone for good.
		status, key = http.StatusGone, "error.purged"
	case errors.Is(err, workflow.ErrNotAllowed):
		status, key = http.StatusConflict, "error.notallowed"
	}
	outcome := ""
	if status == http.StatusInternalServerError {
		switch classifyOutage(err) {
		case outageNotStored:
			status, key, outcome = http.StatusServiceUnavailable, "error.unavailable", "not_stored"
		case outageUnknown:
			status, key, outcome = http.StatusServiceUnavailable, "error.unavailable_unknown", "unknown"
		}
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfterSeconds)
	}
	if status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
		// A 429 from elsewhere (echo, a middleware) that did not say when:
		// a minute, which a client may always wait.
		s.tooMany(c, s.Now().Add(time.Minute))
	}
	if outcome != "" {
		// Logged without the error text's values: route, request id, kind.
		s.Logger.Warn("request failed: database unavailable", slog.String("route", c.Path()),
			slog.String("req", c.Response().Header().Get(echo.HeaderXRequestID)), slog.String("outcome", outcome))
	} else if status >= 500 {
		s.Logger.Error("request failed", slog.String("route", c.Path()),
			slog.String("req", c.Response().Header().Get(echo.HeaderXRequestID)), slog.String("err", workflow.MaskHetuInText(err.Error())))
	}
	lang := langOf(c)
	msg := s.Catalog.T(lang, key)
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		body := map[string]any{"error": key, "message": msg}
		if outcome != "" {
			body["outcome"] = outcome
		}
		if status == http.StatusTooManyRequests {
			body["message"] = msg + " " + s.retryAtText(c, lang)
			body["retry_after"], _ = strconv.Atoi(c.Response().Header().Get("Retry-After"))
		}
		_ = c.JSON(status, body)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if rerr := s.render(c, status, "error", lang, s.Catalog.T(lang, "error.title"), errorPage{Status: status, Message: msg}); rerr != nil {
		_ = c.String(status, msg)
	}
}

// langOf finds the reader's language: the path prefix on public pages, the
// chosen language on staff pages, else Accept-Language, else Finnish.
func langOf(c echo.Context) string {
	if l, ok := c.Get(ctxLang).(string); ok {
		return l
	}
	p := c.Request().URL.Path
	if len(p) >= 3 && i18n.Valid(p[1:3]) && (len(p) == 3 || p[3] == '/') {
		return p[1:3]
	}
	if ck, err := c.Cookie("rd_lang"); err == nil && i18n.Valid(ck.Value) {
		return ck.Value
	}
	return acceptLang(c.Request().Header.Get("Accept-Language"))
}

const ctxLang = "lang"

// acceptLang picks the first supported language of an Accept-Language
// header (quality order as sent; browsers send it sorted).
func acceptLang(h string) string {
	for _, part := range strings.Split(h, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		if len(tag) >= 2 && i18n.Valid(tag[:2]) {
			return tag[:2]
		}
	}
	return "fi"
}

// renderBadText answers text that cannot be stored with a 422 naming the
// field by its label (never echoing the value): nothing was stored.
func (s *Server) renderBadText(c echo.Context, field string) {
	const status = http.StatusUnprocessableEntity
	lang := langOf(c)
	label := s.Catalog.T(lang, "field."+field)
	msg := s.Catalog.T(lang, "error.badtext_any")
	if label != "field."+field {
		msg = s.Catalog.T(lang, "error.badtext", label)
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		_ = c.JSON(status, map[string]string{"error": "error.badtext", "field": field, "message": msg})
		return
	}
	if rerr := s.render(c, status, "error", lang, s.Catalog.T(lang, "error.title"), errorPage{Status: status, Message: msg}); rerr != nil {
		_ = c.String(status, msg)
	}
}
