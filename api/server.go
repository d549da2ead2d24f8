// Package api is rightsdesk's HTTP side: the echo server, its middleware,
// one handler file per resource, page rendering and the JSON API. It speaks
// HTTP and calls workflow; it holds no SQL and no legal rules.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rightsdesk/internal/config"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/mail"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/metrics"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// Deps are what the server needs; cmd wires them.
type Deps struct {
	Config   config.Config
	Pool     *pgxpool.Pool
	Logger   *slog.Logger
	Catalog  *i18n.Catalog
	Keys     *secret.Keys
	Workflow *workflow.Service
	Catcher  *mail.Catcher // the dev mail catcher; nil when real SMTP is used
	Now      func() time.Time
	// Health, when set, makes /healthz fail with its error: the embedded
	// database is down and its supervisor could not restart it (issue 22).
	Health func() error
	// Metrics receives each request's route pattern, status and latency,
	// and sign-in failures; nil records nothing (issue 22).
	Metrics *metrics.Metrics
}

// Server is the HTTP server.
type Server struct {
	Deps
	e      *echo.Echo
	pages  *renderer
	limits *limiter
	auth   *workflow.StaffAuth
	// Rows every intake reads, kept a second (rowcache.go, issue 21).
	tokens     rowCache[store.APIToken]
	orgsBySlug rowCache[store.Org]
	apiRate    *apiRate // requests a second per API token (API_RATE)
}

// New builds the server with every route and middleware.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Catalog == nil {
		c, err := i18n.Load(templates.FS)
		if err != nil {
			return nil, err
		}
		d.Catalog = c
	}
	pages, err := newRenderer(d.Catalog)
	if err != nil {
		return nil, err
	}
	s := &Server{Deps: d, e: echo.New(), pages: pages, limits: newLimiter(d.Pool, d.Keys, d.Now, d.Logger)}
	s.apiRate = newAPIRate(d.Config.APIRate, d.Pool, s.limits.warn)
	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.Renderer = pages
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = clientIP(d.Config.TrustedProxies)
	e.Use(middleware.RequestID())
	e.Use(s.accessLog)
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            31536000,
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
		ReferrerPolicy:        "no-referrer",
	}))
	e.Use(s.bodyLimitMiddleware())
	e.Use(s.edge)
	s.routes()
	return s, nil
}

// Handler is the server as an http.Handler (tests use it directly).
func (s *Server) Handler() http.Handler { return s.e }

// Echo exposes the echo instance (for tests that need route listings).
func (s *Server) Echo() *echo.Echo { return s.e }

// accessLog logs the route pattern, never the real path or query: tokens
// and personal data live there (D-18, rule 7).
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "(unmatched)"
		}
		dur := time.Since(start)
		s.Metrics.ObserveHTTP(c.Request().Method, route, c.Response().Status, dur)
		s.Logger.LogAttrs(c.Request().Context(), slog.LevelInfo, "http",
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.Int("status", c.Response().Status),
			slog.Duration("dur", dur),
			slog.String("req", c.Response().Header().Get(echo.HeaderXRequestID)),
		)
		return nil
	}
}

// ServeListener serves on ln until ctx ends, then shuts down gracefully.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.e, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// clientIP is the client address of rate limits (D-19): the direct peer,
// unless the peer is one of proxies, whose X-Forwarded-For is then read
// from the right past the listed proxies only. echo trusts loopback,
// link-local and private addresses by default as well; here only the
// listed ranges are trusted, or any client on a private network could
// name its own address and slip the per-address limits.
func clientIP(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range proxies {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
