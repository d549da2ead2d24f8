package api

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/migrations"
)

// healthz: the process is up and can work: it fails (503) when the
// embedded database is down for good, so that whoever runs the process
// restarts it (issue 22). A short outage only shows on /readyz.
func (s *Server) healthz(c echo.Context) error {
	if s.Health != nil && s.Health() != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "down", "database": "down"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status     string     `json:"status"`
	Database   string     `json:"database"`
	Migrations string     `json:"migrations"`
	LastSweep  *time.Time `json:"last_sweep,omitempty"`
}

// readyz: the database answers and its migrations are current. The last run
// of the heartbeat job shows the River job path works.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	r := readiness{Status: "ok", Database: "ok", Migrations: "ok"}
	if err := s.Pool.Ping(ctx); err != nil {
		r.Status, r.Database = "unavailable", "unreachable"
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	if err := migrations.Current(ctx, s.Pool); err != nil {
		r.Status, r.Migrations = "unavailable", "pending"
		return c.JSON(http.StatusServiceUnavailable, r)
	}
	if t, err := store.New(s.Pool).LastHeartbeat(ctx, "heartbeat"); err == nil {
		r.LastSweep = &t
	}
	return c.JSON(http.StatusOK, r)
}

// metrics serves Prometheus metrics on the main server to a bearer of
// METRICS_TOKEN (issue 22); anyone else gets 401.
func (s *Server) metrics(c echo.Context) error {
	scheme, token, _ := strings.Cut(strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)), " ")
	want := s.Config.MetricsToken
	if !strings.EqualFold(scheme, "Bearer") || want == "" ||
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(want)) != 1 {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="rightsdesk metrics"`)
		return c.String(http.StatusUnauthorized, "401 Unauthorized: send Authorization: Bearer METRICS_TOKEN\n")
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	s.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}
