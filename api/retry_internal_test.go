package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// Every 429 says when to try again: under /api/ the JSON carries the
// seconds (as Retry-After does) and a localized sentence with the time; a
// 429 that did not say when (echo's own, a middleware's) still gets a
// Retry-After.
func TestRateLimitedJSONSaysWhen(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 14, 3, 30, 0, time.UTC) // 16.03.30 in Helsinki
	s := &Server{Deps: Deps{Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}}
	for _, tc := range []struct {
		name, lang string
		err        error
		secs       int
		when       string
	}{
		{"limit with its end", "sv", rateLimited(now.Add(90 * time.Second)), 90, "2.12.2026 kl. 16.05"},
		{"limit ending within the second", "en", rateLimited(now.Add(200 * time.Millisecond)), 1, "2 December 2026, 16:04"},
		{"bare 429", "fi", echo.NewHTTPError(http.StatusTooManyRequests), 60, "2.12.2026 klo 16.05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", nil)
			req.Header.Set("Accept-Language", tc.lang)
			rec := httptest.NewRecorder()
			s.handleError(tc.err, echo.New().NewContext(req, rec))
			if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != strconv.Itoa(tc.secs) {
				t.Fatalf("status %d, Retry-After %q, want 429 and %d", rec.Code, rec.Header().Get("Retry-After"), tc.secs)
			}
			var body struct {
				Error      string `json:"error"`
				Message    string `json:"message"`
				RetryAfter int    `json:"retry_after"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body.String(), err)
			}
			want := cat.T(tc.lang, "error.ratelimit") + " " + cat.T(tc.lang, "error.retry_at", tc.when)
			if body.Error != "error.ratelimit" || body.RetryAfter != tc.secs || body.Message != want {
				t.Errorf("body %+v, want message %q", body, want)
			}
			if !strings.Contains(body.Message, tc.when) {
				t.Errorf("message %q does not say %s", body.Message, tc.when)
			}
		})
	}
}
