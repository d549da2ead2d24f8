package api

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Every 429 says when to try again: a Retry-After header in whole seconds
// (RFC 9110 §10.2.3) and, on the page or in the JSON, the time in the
// reader's language. A limit that waiting does not lift (the most codes a
// submission may get) is no 429 (see intakeResend).

// ctxRetryAt holds the time.Time a refused request may be tried again; the
// page frame shows it (Page.RetryAt).
const ctxRetryAt = "retry_at"

// tooMany marks the response as refused by a limit until retry: the
// Retry-After header (at least 1 second) and the time for the page.
func (s *Server) tooMany(c echo.Context, retry time.Time) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(retrySeconds(retry, s.Now())))
	c.Set(ctxRetryAt, retry)
}

func retrySeconds(retry, now time.Time) int {
	return max(1, int(math.Ceil(retry.Sub(now).Seconds())))
}

// retryAtText is "Try again after <time>." in lang for the request's
// refusal, or "" when none was recorded.
func (s *Server) retryAtText(c echo.Context, lang string) string {
	t, ok := c.Get(ctxRetryAt).(time.Time)
	if !ok || t.IsZero() {
		return ""
	}
	return s.Catalog.T(lang, "error.retry_at", caseTime(ceilMinute(t), lang))
}

// rateLimitedError is a 429 for handleError to render (page or JSON) with
// when to try again.
type rateLimitedError struct{ retry time.Time }

func (e *rateLimitedError) Error() string { return "rate limited" }

// rateLimited is the error a handler returns when a limit refuses it until
// retry.
func rateLimited(retry time.Time) error { return &rateLimitedError{retry: retry} }

// asRateLimited reports err's retry time when it is a rateLimitedError.
func asRateLimited(err error) (time.Time, bool) {
	var rl *rateLimitedError
	if errors.As(err, &rl) {
		return rl.retry, true
	}
	return time.Time{}, false
}
