package api

import (
	"time"

	"github.com/labstack/echo/v4"
)

// Hooks for the external tests of the API token middleware (D-20): the
// /api/v1 routes are registered elsewhere, so the tests mount a probe.

// RequireAPIToken is s.requireAPIToken.
func RequireAPIToken(s *Server) echo.MiddlewareFunc { return s.requireAPIToken }

// APIOrg is the organisation requireAPIToken set.
func APIOrg(c echo.Context) int64 { return apiOrg(c) }

// APIActor is the audit actor of the request's token.
func APIActor(c echo.Context) string { return string(apiActor(c)) }

// SetRowCacheTTL sets how long s keeps API tokens and organisations read
// by slug (rowcache.go), so tests need not race the real clock.
func SetRowCacheTTL(s *Server, d time.Duration) {
	s.tokens.mu.Lock()
	s.tokens.ttl = d
	s.tokens.mu.Unlock()
	s.orgsBySlug.mu.Lock()
	s.orgsBySlug.ttl = d
	s.orgsBySlug.mu.Unlock()
}
