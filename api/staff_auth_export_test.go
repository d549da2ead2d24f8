package api

import "github.com/labstack/echo/v4"

// Hooks for the external tests of the API token middleware (D-20): the
// /api/v1 routes are registered elsewhere, so the tests mount a probe.

// RequireAPIToken is s.requireAPIToken.
func RequireAPIToken(s *Server) echo.MiddlewareFunc { return s.requireAPIToken }

// APIOrg is the organisation requireAPIToken set.
func APIOrg(c echo.Context) int64 { return apiOrg(c) }

// APIActor is the audit actor of the request's token.
func APIActor(c echo.Context) string { return string(apiActor(c)) }
