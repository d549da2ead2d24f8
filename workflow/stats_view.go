package workflow

import (
	"context"
	"strconv"
	"strings"

	"rightsdesk/internal/chart"
	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// StatsHiddenMark is what a hidden figure shows (Statistics Finland's
// mark for a figure withheld as confidential).
const StatsHiddenMark = ".."

// The overview's columns (the month's name first).
const (
	statsColReceived = 1 + iota
	statsColAnswered
	statsColOnTime
	statsColMedian
)

// StatsTable is a labelled table of the statistics: Rows[i][0] is the
// row's header; Foot is the total row ("" when none).
type StatsTable struct {
	ID, Title, Hint string
	Head            []string
	Rows            [][]string
	Foot            []string
}

// StatsChart is a chart and its text alternative (the figures as a table).
type StatsChart struct {
	ID      string
	Drawing chart.Drawing
	Table   StatsTable
}

// StatsView is a year's statistics as the page, the dashboard and the
// annual report show them, in one language.
type StatsView struct {
	Year   int
	Charts []StatsChart
	Tables []StatsTable
}

// StatsView labels y in lang; compact charts are the dashboard's.
func (s *Service) StatsView(y StatsYear, lang string, compact bool) StatsView {
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	cell := func(c StatsCell) string {
		if c.Hidden {
			return StatsHiddenMark
		}
		return strconv.Itoa(c.N)
	}
	pct := func(m StatsMonth) string {
		switch {
		case m.Answered.N == 0 && !m.Answered.Hidden:
			return "–"
		case m.OnTimeHidden:
			return StatsHiddenMark
		}
		return t("statspage.pct", m.OnTimePct)
	}
	median := func(m StatsMonth) string {
		switch {
		case m.Answered.N == 0 && !m.Answered.Hidden:
			return "–"
		case m.MedianHidden:
			return StatsHiddenMark
		}
		return strconv.Itoa(m.MedianDays)
	}
	v := StatsView{Year: y.Year}
	monthLong := func(i int) string { return t("statspage.monthlong." + strconv.Itoa(i+1)) }
	var cats []string
	for i := range y.Months {
		cats = append(cats, t("statspage.month."+strconv.Itoa(i+1)))
	}

	// Tables.
	ov := StatsTable{ID: "overview", Title: t("statspage.overview"), Hint: t("statspage.overview.hint"),
		Head: []string{t("statspage.col.month"), t("statspage.col.received"), t("statspage.col.answered"), t("statspage.col.on_time"), t("statspage.col.median")}}
	for i, m := range y.Months {
		ov.Rows = append(ov.Rows, []string{monthLong(i), cell(m.Received), cell(m.Answered), pct(m), median(m)})
	}
	ov.Foot = []string{t("statspage.col.year") + " " + strconv.Itoa(y.Year), cell(y.Total.Received), cell(y.Total.Answered), pct(y.Total), median(y.Total)}
	v.Tables = append(v.Tables, ov)
	for _, b := range y.Breakdowns {
		tb := StatsTable{ID: "by-" + b.Name, Title: t("statspage.by." + b.Name), Head: []string{t("statspage.col.month")}}
		if b.Name == "right" {
			tb.Hint = t("statspage.by.right.hint")
		}
		for _, val := range b.Values {
			tb.Head = append(tb.Head, s.statsValueLabel(lang, b.Name, val))
		}
		if b.Name != "right" {
			tb.Head = append(tb.Head, t("statspage.col.total"))
		}
		for i, row := range b.Cells {
			r := []string{monthLong(i)}
			for _, c := range row {
				r = append(r, cell(c))
			}
			if b.Name != "right" {
				r = append(r, cell(y.Months[i].Received))
			}
			tb.Rows = append(tb.Rows, r)
		}
		tb.Foot = []string{t("statspage.col.year") + " " + strconv.Itoa(y.Year)}
		for _, c := range b.Totals {
			tb.Foot = append(tb.Foot, cell(c))
		}
		if b.Name != "right" {
			tb.Foot = append(tb.Foot, cell(y.Total.Received))
		}
		v.Tables = append(v.Tables, tb)
	}
	units := StatsTable{ID: "units", Title: t("statspage.units"), Head: []string{t("statspage.col.unit"), t("statspage.col.open")}}
	for _, u := range y.Units {
		name := u.Unit
		if name == "" {
			name = t("statspage.unit.none")
		}
		units.Rows = append(units.Rows, []string{name, cell(u.Open)})
	}
	units.Foot = []string{t("statspage.col.total"), cell(y.OpenTasks)}
	v.Tables = append(v.Tables, units)

	// Charts: each with its figures as a table.
	// Drawn narrow with large type, as a phone shows a chart scaled to
	// its width (the whole year in view, labels still legible).
	o := chart.Options{Compact: compact, Width: 560, Font: 12}
	if compact {
		o.Width, o.Height, o.Font = 520, 110, 0
	}
	// A hidden figure carries no value into a drawing: a bar's length
	// would give it away.
	val := func(c StatsCell) chart.Value {
		if c.Hidden {
			return chart.Value{Label: cell(c), Hidden: true}
		}
		return chart.Value{V: float64(c.N), Label: cell(c)}
	}
	var recv, ans, onTime, med []chart.Value
	for _, m := range y.Months {
		recv = append(recv, val(m.Received))
		ans = append(ans, val(m.Answered))
		p := chart.Value{V: float64(m.OnTimePct), Label: pct(m), Hidden: m.OnTimeHidden}
		if m.OnTimeHidden {
			p.V = 0
		}
		if m.Answered.N == 0 && !m.Answered.Hidden {
			p = chart.Value{Hidden: true, Label: "–"} // nothing answered: no bar
		}
		onTime = append(onTime, p)
		d := chart.Value{V: float64(m.MedianDays), Label: median(m), Hidden: m.MedianHidden}
		if m.MedianHidden {
			d.V = 0
		}
		if m.Answered.N == 0 && !m.Answered.Hidden {
			d = chart.Value{Hidden: true, Label: "–"}
		}
		med = append(med, d)
	}
	monthTable := func(id, title string, heads []string, cols ...[]string) StatsTable {
		tb := StatsTable{ID: id, Title: title, Head: append([]string{t("statspage.col.month")}, heads...)}
		for i := range y.Months {
			r := []string{monthLong(i)}
			for _, c := range cols {
				r = append(r, c[i])
			}
			tb.Rows = append(tb.Rows, r)
		}
		return tb
	}
	col := func(i int) []string {
		out := make([]string, len(ov.Rows))
		for r, row := range ov.Rows {
			out[r] = row[i]
		}
		return out
	}
	title := t("statspage.chart.volume")
	v.Charts = append(v.Charts, StatsChart{ID: "chart-volume",
		Drawing: chart.Bars(title, cats, []chart.Series{{Name: t("statspage.col.received"), Values: recv}, {Name: t("statspage.col.answered"), Values: ans}}, o),
		Table:   monthTable("chart-volume-table", title, []string{t("statspage.col.received"), t("statspage.col.answered")}, col(1), col(2))})
	title = t("statspage.chart.on_time")
	po := o
	po.Max = 100
	v.Charts = append(v.Charts, StatsChart{ID: "chart-on-time",
		Drawing: chart.Bars(title, cats, []chart.Series{{Name: t("statspage.col.on_time"), Values: onTime}}, po),
		Table:   monthTable("chart-on-time-table", title, []string{t("statspage.col.on_time")}, col(3))})
	title = t("statspage.chart.median")
	v.Charts = append(v.Charts, StatsChart{ID: "chart-median",
		Drawing: chart.Lines(title, cats, []chart.Series{{Name: t("statspage.col.median"), Values: med}}, o),
		Table:   monthTable("chart-median-table", title, []string{t("statspage.col.median")}, col(4))})
	title = t("statspage.chart.units")
	var unames []string
	var uvals []chart.Value
	for _, u := range y.Units {
		name := u.Unit
		if name == "" {
			name = t("statspage.unit.none")
		}
		unames = append(unames, name)
		uvals = append(uvals, val(u.Open))
	}
	if len(y.Units) > 0 { // no open task: the table says 0, a chart would be empty
		ut := units
		ut.ID, ut.Title = "chart-units-table", title
		v.Charts = append(v.Charts, StatsChart{ID: "chart-units", Drawing: chart.HBars(title, unames, uvals, o), Table: ut})
	}
	return v
}

// statsValueLabel is a dimension value's label (rights and channels use
// the labels the rest of the product uses, terms.md). A right with a
// short label (right.short.*: fi "Siirto-oikeus", which terms.md allows
// as a short label) takes it: a table's row heading, where the full name
// wrapped in the annual report.
func (s *Service) statsValueLabel(lang, dim, value string) string {
	if dim == "right" && s.Catalog.Has(lang, "right.short."+value) {
		return s.Catalog.T(lang, "right.short."+value)
	}
	key := map[string]string{"right": "right.", "channel": "channel.", "outcome": "statspage.outcome."}[dim] + value
	if s.Catalog.Has(lang, key) {
		return s.Catalog.T(lang, key)
	}
	return value
}

// StatsReport renders the annual report PDF of the organisation's year
// in lang (issue 21): the page's tables and charts, for the municipal
// board.
func (s *Service) StatsReport(ctx context.Context, org store.Org, year int, lang string) ([]byte, error) {
	y, err := s.StatsForYear(ctx, org.ID, year)
	if err != nil {
		return nil, err
	}
	return s.statsReportPDF(org.Name(lang), y, lang)
}

// statsReportPDF lays out y, already suppressed, as the annual report.
func (s *Service) statsReportPDF(orgName string, y StatsYear, lang string) ([]byte, error) {
	year := y.Year
	v := s.StatsView(y, lang, false)
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	r := pdf.StatsReport{Lang: lang, OrgName: orgName, Title: t("statspage.report.title", year),
		Intro: t("statspage.report.intro", orgName, year), Note: t("statspage.suppressed"), Printed: s.Now()}
	var short []string
	for i := range y.Months {
		short = append(short, t("statspage.month."+strconv.Itoa(i+1)))
	}
	for _, tb := range v.Tables {
		if strings.HasPrefix(tb.ID, "by-") {
			// On A4 the values go down and the months across: the values'
			// names are long, the months' short.
			tb = transposeStats(tb, short)
		}
		r.Tables = append(r.Tables, pdf.StatsTable{Title: tb.Title, Hint: tb.Hint, Head: tb.Head, Rows: tb.Rows, Foot: tb.Foot})
	}
	for _, c := range v.Charts {
		r.Charts = append(r.Charts, pdf.StatsChart{Title: c.Drawing.Title, Drawing: c.Drawing})
	}
	return pdf.New(s.Catalog).RenderStats(r)
}

// transposeStats turns a table of months by values into one of values by
// months (short month names), the year's column last.
func transposeStats(tb StatsTable, months []string) StatsTable {
	out := StatsTable{ID: tb.ID, Title: tb.Title, Hint: tb.Hint, Head: append(append([]string{""}, months...), tb.Foot[0])}
	for j := 1; j < len(tb.Head); j++ {
		row := []string{tb.Head[j]}
		for _, r := range tb.Rows {
			row = append(row, r[j])
		}
		out.Rows = append(out.Rows, append(row, tb.Foot[j]))
	}
	return out
}
