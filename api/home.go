package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
)

// publicLang validates the language prefix and remembers it.
func (s *Server) publicLang(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		lang := c.Param("lang")
		if !i18n.Valid(lang) {
			return errNotFound
		}
		c.Set(ctxLang, lang)
		return next(c)
	}
}

// root sends the visitor to their language (Accept-Language, FI-3).
func (s *Server) root(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/"+acceptLang(c.Request().Header.Get("Accept-Language"))+"/")
}

type homeData struct {
	Orgs []orgSummary
}

type orgSummary struct {
	store.Org
	Registers int
}

func (s *Server) home(c echo.Context) error {
	lang := langOf(c)
	ctx := c.Request().Context()
	orgs, err := store.New(s.Pool).Orgs(ctx)
	if err != nil {
		return err
	}
	counts, err := store.New(s.Pool).RegisterCounts(ctx)
	if err != nil {
		return err
	}
	d := homeData{}
	for _, o := range orgs {
		if !o.Open {
			continue // still being set up
		}
		d.Orgs = append(d.Orgs, orgSummary{Org: o, Registers: counts[o.ID]})
	}
	sortOrgs(d.Orgs, lang)
	return s.render(c, http.StatusOK, "home", lang, s.Catalog.T(lang, "home.title"), d)
}
