package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"rightsdesk/internal/store"
)

// The page frame around every public page (issue 15): the organisation's
// name in the header on its own pages, the product's name small in the
// footer, links to the status page and to the accessibility statement
// (Act 306/2019, legal.md FI-4).

// ctxPageOrg holds the organisation whose pages these are (pageOrg).
const ctxPageOrg = "page_org"

// pageOrg is the organisation a page belongs to. Resident is false on the
// register owners' task pages: they get the organisation's header but not
// the resident's status link.
type pageOrg struct {
	Org      store.Org
	Resident bool
}

// setPageOrg marks the request's pages as the organisation's.
func setPageOrg(c echo.Context, org store.Org, resident bool) {
	c.Set(ctxPageOrg, pageOrg{Org: org, Resident: resident})
}

// PageOrg is what the layout shows of the organisation whose page it is.
type PageOrg struct {
	Slug      string
	Name      string // in the page's language
	HomeURL   string // its catalogue
	StatusURL string // "" on pages that are not the resident's
	// PrivacyURL is the service's own privacy notice (issue 19).
	PrivacyURL string
	LogoURL    string // "" when the organisation has no logo
}

// frameOrg fills the page frame from the organisation set by the handler.
func (p *Page) frameOrg(c echo.Context) {
	po, ok := c.Get(ctxPageOrg).(pageOrg)
	if !ok {
		p.A11yURL = "/" + p.Lang + "/accessibility"
		return
	}
	base := intakeBase(p.Lang, po.Org)
	p.Org = &PageOrg{Slug: po.Org.Slug, Name: po.Org.Name(p.Lang), HomeURL: base + "/", PrivacyURL: base + "/privacy"}
	if po.Org.LogoType != "" {
		p.Org.LogoURL = base + "/logo"
	}
	if po.Resident {
		p.Org.StatusURL = statusBase(p.Lang, po.Org)
	}
	p.A11yURL = base + "/accessibility"
}

// collator sorts names the way readers of lang expect (å, ä, ö last in
// Finnish and Swedish; v and w apart).
func collator(lang string) *collate.Collator {
	tag := language.Finnish
	switch lang {
	case "sv":
		tag = language.Swedish
	case "en":
		tag = language.English
	}
	return collate.New(tag)
}

// sortOrgs orders organisations by their display name in lang.
func sortOrgs(orgs []orgSummary, lang string) {
	col := collator(lang)
	slices.SortStableFunc(orgs, func(a, b orgSummary) int {
		return col.CompareString(a.Name(lang), b.Name(lang))
	})
}

// ---- the accessibility statement --------------------------------------------

func (s *Server) accessibilityRoutes(g *echo.Group) {
	g.GET("/accessibility", s.accessibilityPage)
	g.GET("/o/:org/accessibility", s.accessibilityOrgPage)
}

type accessibilityData struct {
	OrgName string
	Contact string // the organisation's privacy contact; "" on product pages
	Back    string
	// Supervisor is the accessibility supervisor's contact as the
	// organisation set it, one line per row; nil shows the default.
	Supervisor []string
}

func (s *Server) accessibilityPage(c echo.Context) error {
	lang := langOf(c)
	return s.render(c, http.StatusOK, "accessibility", lang, s.Catalog.T(lang, "a11y.title"),
		accessibilityData{Back: "/" + lang + "/"})
}

func (s *Server) accessibilityOrgPage(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	contact := org.PrivacyEmail
	if contact == "" {
		contact = org.DPOEmail
	}
	return s.render(c, http.StatusOK, "accessibility", lang, s.Catalog.T(lang, "a11y.title"),
		accessibilityData{OrgName: org.Name(lang), Contact: contact, Back: intakeBase(lang, org) + "/",
			Supervisor: lines(org.A11ySupervisor)})
}
