package pdf

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"rightsdesk/internal/chart"
)

// StatsReport is the DPO's annual report for the municipal board (issue
// 21): the year's statistics as labelled tables and charts, already
// translated and suppressed by the caller; this file only lays them out.
type StatsReport struct {
	Lang    string
	OrgName string
	Title   string
	Intro   string
	Note    string // what ".." means
	Printed time.Time
	Charts  []StatsChart
	Tables  []StatsTable
}

// StatsTable is a table of the report; Rows[i][0] heads its row.
type StatsTable struct {
	Title, Hint string
	Head        []string
	Rows        [][]string
	Foot        []string
}

// StatsChart is a chart of the report, drawn from the same shapes as the
// page's SVG.
type StatsChart struct {
	Title   string
	Drawing chart.Drawing
}

// RenderStats renders the annual report as a PDF.
func (r *Renderer) RenderStats(s StatsReport) ([]byte, error) {
	if s.Lang != "fi" && s.Lang != "sv" && s.Lang != "en" {
		return nil, fmt.Errorf("statistics pdf: language %q", s.Lang)
	}
	d := newPDF(r.cat, &Letter{Lang: s.Lang, Org: Org{Name: s.OrgName}, Date: s.Printed})
	p := d.p
	p.SetTitle(s.Title, true)
	d.reportFooter(s.OrgName+" · "+s.Title, func() string { return d.t("statspage.report.page", p.PageNo()) })
	p.AddPage()
	p.SetXY(marginL, marginTop)
	d.title1(s.Title)
	p.SetFont(familyName, "", smallSize)
	p.SetTextColor(90, 90, 90)
	p.SetX(marginL)
	p.MultiCell(textW, 4, d.t("statspage.report.printed", d.dateTime(s.Printed)), "", "L", false)
	p.SetTextColor(0, 0, 0)
	p.Ln(2)
	d.para(s.Intro)
	d.para(s.Note)
	for _, t := range s.Tables[:min(1, len(s.Tables))] {
		d.statsTable(t)
	}
	for _, c := range s.Charts {
		d.statsChart(c)
	}
	for _, t := range s.Tables[min(1, len(s.Tables)):] {
		d.statsTable(t)
	}
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("rendering the annual report: %w", err)
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("writing the annual report: %w", err)
	}
	return out.Bytes(), nil
}

// statsTable draws a table: the first column wide enough for its
// headers, the figures right-aligned in equal columns; the header row is
// repeated after a page break.
func (d *doc) statsTable(t StatsTable) {
	p := d.p
	d.heading(t.Title)
	if t.Hint != "" {
		p.SetFont(familyName, "", smallSize)
		p.SetX(marginL)
		p.MultiCell(textW, 4, t.Hint, "", "L", false)
		p.Ln(1)
	}
	cols := len(t.Head)
	if cols == 0 {
		return
	}
	size := 8.0
	if cols > 7 {
		size = 7
	}
	p.SetFont(familyName, "", size)
	first := 0.0
	for _, r := range append(append([][]string{}, t.Rows...), t.Foot) {
		if len(r) > 0 {
			first = math.Max(first, p.GetStringWidth(r[0])+2)
		}
	}
	first = math.Min(math.Max(first, 22), 45)
	w := (textW - first) / float64(max(cols-1, 1))
	lh := 4.2
	// The header wraps between words, never inside one ("maalis" in a
	// narrow month column broke as "maali / s"): its type shrinks until
	// the longest word of every heading fits its column.
	hsize := size
	fits := func() bool {
		p.SetFont(familyName, "B", hsize)
		for i, s := range t.Head {
			cw := w
			if i == 0 {
				cw = first
			}
			for _, word := range strings.Fields(s) {
				if p.GetStringWidth(word) > cw-1.2 {
					return false
				}
			}
		}
		return true
	}
	for !fits() && hsize > 5 {
		hsize -= 0.25
	}
	header := func() {
		p.SetFont(familyName, "B", hsize)
		// The header wraps: its height is that of the tallest cell.
		h := lh
		for i, s := range t.Head {
			cw := w
			if i == 0 {
				cw = first
			}
			h = math.Max(h, float64(len(p.SplitText(s, cw-1)))*lh)
		}
		d.room(h + 2*lh)
		y := p.GetY()
		x := marginL
		for i, s := range t.Head {
			cw, align := w, "R"
			if i == 0 {
				cw, align = first, "L"
			}
			p.SetXY(x, y)
			p.MultiCell(cw-1, lh, s, "", align, false)
			x += cw
		}
		p.SetXY(marginL, y+h)
		p.SetDrawColor(60, 60, 60)
		p.Line(marginL, y+h+0.5, marginL+textW, y+h+0.5)
		p.SetY(y + h + 1)
	}
	row := func(r []string, bold bool) {
		if p.GetY()+lh > pageH-marginBot {
			p.AddPage()
			header()
		}
		style := ""
		if bold {
			style = "B"
		}
		p.SetFont(familyName, style, size)
		p.SetX(marginL)
		for i, s := range r {
			if i == 0 {
				p.CellFormat(first, lh, s, "", 0, "L", false, 0, "")
			} else {
				p.CellFormat(w-1, lh, s, "", 0, "R", false, 0, "")
				p.CellFormat(1, lh, "", "", 0, "", false, 0, "")
			}
		}
		p.Ln(lh)
	}
	header()
	for _, r := range t.Rows {
		row(r, false)
	}
	if len(t.Foot) > 0 {
		y := p.GetY()
		p.SetDrawColor(60, 60, 60)
		p.Line(marginL, y+0.3, marginL+textW, y+0.3)
		p.SetY(y + 0.8)
		row(t.Foot, true)
	}
	p.Ln(2)
}

// statsChart draws a chart's shapes scaled to the text width, with
// fpdf's primitives: hatching and dots are lines and circles clipped to
// the bar, so the series differ on a black-and-white print.
func (d *doc) statsChart(c StatsChart) {
	p := d.p
	dr := c.Drawing
	if dr.W <= 0 || dr.H <= 0 {
		return
	}
	k := textW / dr.W // mm per drawing unit
	h := dr.H * k
	d.room(h + 16) // the heading stays with its chart
	d.heading(c.Title)
	x0, y0 := marginL, p.GetY()+2
	X := func(v float64) float64 { return x0 + v*k }
	Y := func(v float64) float64 { return y0 + v*k }
	p.SetDrawColor(34, 34, 34)
	for _, it := range dr.Items {
		switch v := it.(type) {
		case chart.Rect:
			x, y, w, rh := X(v.X), Y(v.Y), v.W*k, v.H*k
			p.SetLineWidth(0.2)
			switch v.Fill {
			case chart.Solid:
				p.SetFillColor(43, 43, 43)
				p.Rect(x, y, w, rh, "FD")
			case chart.Hatch:
				p.ClipRect(x, y, w, rh, false)
				p.SetLineWidth(0.35)
				for t := -rh; t < w; t += 1.4 {
					p.Line(x+t, y+rh, x+t+rh, y)
				}
				p.ClipEnd()
				p.SetLineWidth(0.2)
				p.Rect(x, y, w, rh, "D")
			case chart.Dots:
				p.ClipRect(x, y, w, rh, false)
				p.SetFillColor(34, 34, 34)
				for yy := y + 0.6; yy < y+rh; yy += 1.2 {
					for xx := x + 0.6; xx < x+w; xx += 1.2 {
						p.Circle(xx, yy, 0.25, "F")
					}
				}
				p.ClipEnd()
				p.Rect(x, y, w, rh, "D")
			default:
				p.Rect(x, y, w, rh, "D")
			}
		case chart.Line:
			p.SetLineWidth(math.Max(v.Width*k, 0.1))
			if v.Grid {
				p.SetDrawColor(187, 187, 187)
			}
			p.Line(X(v.X1), Y(v.Y1), X(v.X2), Y(v.Y2))
			p.SetDrawColor(34, 34, 34)
		case chart.Marker:
			p.SetFillColor(34, 34, 34)
			r := v.R * k
			switch v.Shape {
			case chart.Square:
				p.Rect(X(v.X)-r, Y(v.Y)-r, 2*r, 2*r, "F")
			case chart.Triangle:
				p.Polygon([]fpdf.PointType{{X: X(v.X), Y: Y(v.Y) - r*1.2}, {X: X(v.X) - r*1.1, Y: Y(v.Y) + r}, {X: X(v.X) + r*1.1, Y: Y(v.Y) + r}}, "F")
			default:
				p.Circle(X(v.X), Y(v.Y), r, "F")
			}
		case chart.Text:
			style := ""
			if v.Bold {
				style = "B"
			}
			// Drawing units are CSS pixels; a point is 4/3 of one.
			p.SetFont(familyName, style, v.Size*k/0.3528)
			x := X(v.X)
			switch v.Anchor {
			case chart.Middle:
				x -= p.GetStringWidth(v.S) / 2
			case chart.End:
				x -= p.GetStringWidth(v.S)
			}
			p.Text(x, Y(v.Y), v.S)
		}
	}
	p.SetLineWidth(0.2)
	p.SetY(y0 + h + 4)
}
