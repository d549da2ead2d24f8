package api_test

import (
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/workflow"
)

// TestStatsPage (issue 21): the statistics page of an organisation is
// server-rendered with its tables and four charts (inline SVG, each with
// its figures as a table), shows no figure from 1 to 4 requests anywhere
// (primary and secondary suppression), and offers the same table as CSV
// and the annual report as PDF; another organisation's staff get 404.
func TestStatsPage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	feb := time.Date(2026, 2, 10, 9, 0, 0, 0, workflow.Helsinki())
	for i := range 11 {
		rights := []string{"access"}
		if i >= 9 {
			rights = []string{"erasure"}
		}
		f.paper(f.org, feb.Add(time.Duration(i)*time.Hour), "in_person", func(r *workflow.Request) { r.Rights = rights })
	}
	if err := f.env.Workflow.RefreshStats(f.env.Ctx); err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.viewer)
	p := cl.get("/staff/orgs/espoo/stats?year=2026")
	if p.status != http.StatusOK {
		t.Fatalf("stats page = %d: %.300s", p.status, p.body)
	}
	// Every figure cell: none may be a count from 1 to 4.
	cells := htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "td") })
	if len(cells) == 0 {
		t.Fatal("no table cells")
	}
	for _, c := range cells {
		if n, err := strconv.Atoi(strings.TrimSpace(htmlText(c))); err == nil && n > 0 && n < workflow.StatsMinCell {
			t.Errorf("a cell shows %d (small-count suppression)", n)
		}
	}
	row := func(tableID string, month int) []string {
		t.Helper()
		tb := htmlByID(p.doc, tableID)
		if tb == nil {
			t.Fatalf("no table #%s", tableID)
		}
		body := htmlFirst(tb, func(n *html.Node) bool { return htmlIs(n, "tbody") })
		trs := htmlElems(body, func(n *html.Node) bool { return htmlIs(n, "tr") })
		if len(trs) <= month {
			t.Fatalf("#%s has %d rows", tableID, len(trs))
		}
		var out []string
		for _, c := range htmlElems(trs[month], func(n *html.Node) bool { return htmlIs(n, "td") }) {
			out = append(out, strings.TrimSpace(htmlText(c)))
		}
		return out
	}
	if got := row("overview", 1); got[0] != "11" {
		t.Errorf("February received = %q, want 11", got[0])
	}
	// By right: erasure 2 is hidden, and access 9 with it (11 - 9 = 2).
	if got := row("by-right", 1); got[0] != workflow.StatsHiddenMark || got[2] != workflow.StatsHiddenMark {
		t.Errorf("February by right = %v: access and erasure must both be hidden", got)
	}
	figs := htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "figure") })
	if len(figs) != 4 {
		t.Fatalf("charts = %d, want 4", len(figs))
	}
	for _, fg := range figs {
		svg := htmlFirst(fg, func(n *html.Node) bool { return htmlIs(n, "svg") })
		if svg == nil || htmlAttr(svg, "role") != "img" || htmlFirst(svg, func(n *html.Node) bool { return htmlIs(n, "title") }) == nil {
			t.Errorf("chart %s: no svg with role img and a title", htmlAttr(fg, "id"))
		}
		if htmlFirst(fg, func(n *html.Node) bool { return htmlIs(n, "figcaption") }) == nil ||
			htmlFirst(fg, func(n *html.Node) bool { return htmlIs(n, "table") }) == nil {
			t.Errorf("chart %s: no caption with its figures as a table", htmlAttr(fg, "id"))
		}
	}
	if htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "script") && htmlAttr(n, "src") == "" && htmlText(n) != "" }) != nil {
		t.Error("the page carries inline script")
	}

	c := cl.get("/staff/orgs/espoo/stats.csv?year=2026")
	if c.status != http.StatusOK || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv = %d %s", c.status, c.header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+3+1 || recs[2][0] != "2026-02" || recs[2][1] != "11" || recs[4][0] != "2026" {
		t.Errorf("csv = %v; want a header, January to March and the year", recs)
	}
	// The on-time column holds percentages: its header says so (they
	// read as counts in the walkthrough).
	if !strings.HasSuffix(recs[0][3], "(%)") {
		t.Errorf("csv on-time header = %q, want it to say (%%)", recs[0][3])
	}
	for _, r := range recs[1:] {
		for _, v := range r[1:] {
			if n, err := strconv.Atoi(v); err == nil && n > 0 && n < workflow.StatsMinCell {
				t.Errorf("csv shows %d", n)
			}
		}
	}

	pdfResp := cl.get("/staff/orgs/espoo/stats/report.pdf?year=2026")
	if pdfResp.status != http.StatusOK || !strings.HasPrefix(pdfResp.body, "%PDF") {
		t.Fatalf("report = %d %.20q", pdfResp.status, pdfResp.body)
	}
	if dir := os.Getenv("STATS_DUMP"); dir != "" { // look at the output: STATS_DUMP=/tmp/x
		_ = os.WriteFile(filepath.Join(dir, "report.pdf"), []byte(pdfResp.body), 0o644)
		_ = os.WriteFile(filepath.Join(dir, "page.html"), []byte(p.body), 0o644)
	}
	words := pdfWords(t, []byte(pdfResp.body))
	for _, want := range []string{"Rekisteröityjen pyynnöt: vuosiraportti 2026", "Espoon kaupunki", "Saapuneet ja vastatut pyynnöt kuukausittain", "Vuosi 2026 11 0"} {
		if !strings.Contains(words, want) {
			t.Errorf("report lacks %q: %.600s", want, words)
		}
	}
	if sv := cl.get("/staff/orgs/espoo/stats/report.pdf?year=2026&lang=sv"); !strings.Contains(pdfWords(t, []byte(sv.body)), "Begäranden från registrerade: årsrapport 2026") {
		t.Error("the Swedish report lacks its title")
	}

	// The dashboard of one organisation shows the same charts, compact,
	// and links to the page.
	dash := cl.get("/staff/")
	sec := htmlByID(dash.doc, "dash-stats")
	if sec == nil {
		t.Fatal("the dashboard has no statistics section")
	}
	if n := len(htmlElems(sec, func(n *html.Node) bool { return htmlIs(n, "svg") })); n != 4 {
		t.Errorf("dashboard charts = %d, want 4", n)
	}
	if a := htmlByID(dash.doc, "dash-stats-link"); a == nil || htmlAttr(a, "href") != "/staff/orgs/espoo/stats" {
		t.Error("the dashboard does not link to the statistics page")
	}
	// It says when the figures were counted, as the page does (a new
	// organisation's zeros are otherwise read as its figures).
	if got, want := htmlText(htmlByID(dash.doc, "dash-stats-refreshed")), htmlText(htmlByID(cl.get("/staff/orgs/espoo/stats").doc, "stats-refreshed")); got == "" || got != want {
		t.Errorf("the dashboard says %q of the counting, the page %q", got, want)
	}
	if pick := cl.get("/staff/stats"); pick.status != http.StatusSeeOther || pick.location() != "/staff/orgs/espoo/stats" {
		t.Errorf("/staff/stats = %d %s", pick.status, pick.location())
	}

	other := f.login(t, f.dpo2)
	for _, path := range []string{"/staff/orgs/espoo/stats", "/staff/orgs/espoo/stats.csv", "/staff/orgs/espoo/stats/report.pdf"} {
		if p := other.get(path); p.status != http.StatusNotFound {
			t.Errorf("%s for another organisation's DPO = %d, want 404", path, p.status)
		}
	}
}
