package api

import "github.com/labstack/echo/v4"

// apiRoutes registers the JSON API under /api/v1 (D-20). The catalogue is
// public (v1_registers.go); routes that need an organisation's token use
// s.requireAPIToken.
func (s *Server) apiRoutes(g *echo.Group) {
	s.v1RegisterRoutes(g)
	s.v1RequestRoutes(g) // v1_requests.go: POST /requests, GET /requests/:receipt
}
