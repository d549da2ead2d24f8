package api

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Statistics (issue 21): a page per organisation and year, its table as
// CSV and the annual report PDF, all read from stats_monthly (refreshed by
// a River job) with small-count suppression; any member of the
// organisation may read them.
func (s *Server) statsRoutes(g *echo.Group) {
	g.GET("/stats", s.statsPick)
	g.GET("/orgs/:slug/stats", s.statsPage)
	g.GET("/orgs/:slug/stats.csv", s.statsCSV)
	g.GET("/orgs/:slug/stats/report.pdf", s.statsReport)
}

// statsOrg is the :slug organisation when the user is a member of it
// (anything else is not found), and the year asked for (default: this year).
func (s *Server) statsOrg(c echo.Context) (store.Org, int, error) {
	u := staffUser(c)
	org, err := store.New(s.Pool).OrgBySlug(c.Request().Context(), c.Param("slug"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (u == nil || !u.CanSee(org.ID))) {
		return store.Org{}, 0, errNotFound
	}
	if err != nil {
		return store.Org{}, 0, err
	}
	year := s.caseToday().Year
	if y := c.QueryParam("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > year+1 {
			return store.Org{}, 0, echo.NewHTTPError(http.StatusBadRequest, "error.badrequest")
		}
		year = n
	}
	return org, year, nil
}

// statsPick: /staff/stats?org=SLUG, or the user's only organisation.
func (s *Server) statsPick(c echo.Context) error {
	slug := c.QueryParam("org")
	if slug == "" {
		orgs, err := s.caseMemberOrgs(c)
		if err != nil {
			return err
		}
		if len(orgs) == 0 {
			return errNotFound
		}
		slug = orgs[0].Slug // the page links to the others
	}
	return c.Redirect(http.StatusSeeOther, statsURL(slug, 0))
}

func statsURL(slug string, year int) string {
	u := "/staff/orgs/" + url.PathEscape(slug) + "/stats"
	if year > 0 {
		u += "?year=" + strconv.Itoa(year)
	}
	return u
}

type statsChartView struct {
	workflow.StatsChart
	SVG       template.HTML
	Figures   string // the text alternative's summary
	TableView statsTableView
}

type statsTableView struct {
	workflow.StatsTable
	Scroll string // the scroll region's name
}

type statsOrgLink struct{ Name, URL string }

type statsYearLink struct {
	Year    int
	URL     string
	Current bool
}

type statsPageData struct {
	OrgName   string
	OtherOrgs []statsOrgLink
	Year      int
	Years     []statsYearLink
	CSVURL    string
	PDFURL    string
	Refreshed string
	Charts    []statsChartView
	Tables    []statsTableView
}

// statsCharts writes the view's charts as SVG (ids prefixed by prefix).
func (s *Server) statsCharts(v workflow.StatsView, lang, prefix string) []statsChartView {
	out := make([]statsChartView, len(v.Charts))
	for i, ch := range v.Charts {
		ch.ID = prefix + ch.ID
		ch.Table.ID = prefix + ch.Table.ID
		// The chart package escapes every text it writes.
		out[i] = statsChartView{StatsChart: ch, SVG: template.HTML(ch.Drawing.SVG(ch.ID)),
			Figures: s.Catalog.T(lang, "statspage.chart.figures"), TableView: s.statsTable(ch.Table, lang)}
	}
	return out
}

func (s *Server) statsTable(t workflow.StatsTable, lang string) statsTableView {
	return statsTableView{StatsTable: t, Scroll: s.Catalog.T(lang, "chrome.table.scroll")}
}

func (s *Server) statsPage(c echo.Context) error {
	org, year, err := s.statsOrg(c)
	if err != nil {
		return err
	}
	lang := langOf(c)
	y, err := s.Workflow.StatsForYear(c.Request().Context(), org.ID, year)
	if err != nil {
		return err
	}
	v := s.Workflow.StatsView(y, lang, false)
	d := statsPageData{OrgName: org.Name(lang), Year: year, Charts: s.statsCharts(v, lang, ""),
		CSVURL: "/staff/orgs/" + url.PathEscape(org.Slug) + "/stats.csv?year=" + strconv.Itoa(year),
		PDFURL: "/staff/orgs/" + url.PathEscape(org.Slug) + "/stats/report.pdf?year=" + strconv.Itoa(year)}
	for _, t := range v.Tables {
		d.Tables = append(d.Tables, s.statsTable(t, lang))
	}
	d.Refreshed = s.statsRefreshed(y.RefreshedAt, lang)
	orgs, err := s.caseMemberOrgs(c)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if o.ID != org.ID {
			d.OtherOrgs = append(d.OtherOrgs, statsOrgLink{Name: o.Name(lang), URL: statsURL(o.Slug, year)})
		}
	}
	this := s.caseToday().Year
	for yr := this; yr >= this-4; yr-- {
		d.Years = append(d.Years, statsYearLink{Year: yr, URL: statsURL(org.Slug, yr), Current: yr == year})
	}
	title := s.Catalog.T(lang, "statspage.heading", year, org.Name(lang))
	return s.render(c, http.StatusOK, "staff_stats", lang, title, d)
}

// statsCSV is the page's tables as one CSV, a row per month and the
// year's total (ISO months; hidden figures as ".." as on the page).
func (s *Server) statsCSV(c echo.Context) error {
	org, year, err := s.statsOrg(c)
	if err != nil {
		return err
	}
	lang := langOf(c)
	y, err := s.Workflow.StatsForYear(c.Request().Context(), org.ID, year)
	if err != nil {
		return err
	}
	b, err := s.Workflow.StatsCSV(y, lang)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-stats-%d.csv"`, org.Slug, year))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b)
}

// statsReport is the annual report PDF, in the organisation's primary
// language unless ?lang= asks for another (fi, sv, en).
func (s *Server) statsReport(c echo.Context) error {
	org, year, err := s.statsOrg(c)
	if err != nil {
		return err
	}
	lang := org.PrimaryLang
	if l := c.QueryParam("lang"); l != "" {
		if l != "fi" && l != "sv" && l != "en" {
			return echo.NewHTTPError(http.StatusBadRequest, "error.badrequest")
		}
		lang = l
	}
	b, err := s.Workflow.StatsReport(c.Request().Context(), org, year, lang)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-report-%d-%s.pdf"`, org.Slug, year, lang))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/pdf", b)
}

// dashStats is the dashboard's compact statistics of one organisation.
type dashStats struct {
	Title  string
	URL    string
	Charts []statsChartView
	// Refreshed says when the figures were counted: a new organisation's
	// first hour shows zeros that are not yet its figures.
	Refreshed string
}

// statsRefreshed says when the statistics were last counted, or that
// they have not been yet.
func (s *Server) statsRefreshed(at time.Time, lang string) string {
	if at.IsZero() {
		return s.Catalog.T(lang, "statspage.never")
	}
	return s.Catalog.T(lang, "statspage.refreshed", caseTime(at, lang))
}

// singleOrg is the one organisation of a view (0 when it spans several).
func singleOrg(ids []int64) int64 {
	if len(ids) == 1 {
		return ids[0]
	}
	return 0
}

// dashboardStats: the year's charts, compact, read from stats_monthly
// (never from the cases), with the same suppression as the page.
func (s *Server) dashboardStats(c echo.Context, org store.Org, lang string) (*dashStats, error) {
	year := s.caseToday().Year
	y, err := s.Workflow.StatsForYear(c.Request().Context(), org.ID, year)
	if err != nil {
		return nil, err
	}
	v := s.Workflow.StatsView(y, lang, true)
	return &dashStats{Title: s.Catalog.T(lang, "statspage.dashboard", year), URL: statsURL(org.Slug, 0),
		Charts: s.statsCharts(v, lang, "dash-"), Refreshed: s.statsRefreshed(y.RefreshedAt, lang)}, nil
}
