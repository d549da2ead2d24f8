package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// Issue 15: a handler reads its input itself; reached without the edge's
// parse (as echo's CSRF middleware once let same-origin posts through) it
// still sees the form, not an empty one.
func TestPostFormReadsAnUnparsedForm(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest(http.MethodPost, "/fi/o/x/status", strings.NewReader(url.Values{"receipt": {"RD-2026-000001"}, "code": {"123 456"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	c := echo.New().NewContext(req, httptest.NewRecorder())
	if got := postForm(c).Get("receipt"); got != "RD-2026-000001" {
		t.Fatalf("postForm receipt = %q", got)
	}
	if code, ok := typedCode(c); !ok || code != "123456" {
		t.Fatalf("typedCode = %q, %v", code, ok)
	}
}
