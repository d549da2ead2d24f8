package api

import (
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"

	"rightsdesk/templates"
)

// routes lists every route of the product in one place (URL map in
// architecture.md). Handlers live in one file per resource.
func (s *Server) routes() {
	e := s.e
	static, _ := fs.Sub(templates.FS, "static")
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", http.FileServer(http.FS(static)))))
	// Browsers ask for /favicon.ico whatever the page links (it was a 404
	// logged under /:lang); the icon is the pages' own.
	e.GET("/favicon.ico", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, "/static/icon.svg")
	})

	// ops
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if s.Metrics != nil && s.Config.MetricsToken != "" {
		e.GET("/metrics", s.metrics) // METRICS_TOKEN (issue 22)
	}

	// public, per language
	e.GET("/", s.root)
	pub := e.Group("/:lang", s.publicLang)
	pub.GET("", s.redirectSlash)
	pub.GET("/", s.home)
	s.catalogueRoutes(pub)
	s.intakeRoutes(pub)
	s.statusRoutes(pub)
	s.answerRoutes(pub)
	s.taskRoutes(pub)
	s.accessibilityRoutes(pub)
	s.orgPublicRoutes(pub)

	// staff
	st := e.Group("/staff")
	s.staffAuthRoutes(st)
	auth := st.Group("", s.requireStaff)
	s.staffCaseRoutes(auth)
	s.staffRegisterRoutes(auth)
	s.staffBreachRoutes(auth)
	s.devMailRoutes(auth)
	s.orgRoutes(auth)
	s.wizardRoutes(auth)
	s.staffAccountRoutes(st, auth)
	s.statsRoutes(auth) // issue 21

	// integrations
	v1 := e.Group("/api/v1")
	s.apiRoutes(v1)
}

func (s *Server) redirectSlash(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, c.Request().URL.Path+"/")
}
