package chart

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// Fill is how a bar is filled.
type Fill int

// Fills, in the order series take them.
const (
	Solid Fill = iota
	Hatch
	Dots
	Open
)

// Shape is a point marker's shape.
type Shape int

// Shapes, in the order line series take them.
const (
	Circle Shape = iota
	Square
	Triangle
)

// Rect is a bar (or a legend swatch).
type Rect struct {
	X, Y, W, H float64
	Fill       Fill
}

// Line is an axis, grid or series segment.
type Line struct {
	X1, Y1, X2, Y2 float64
	Width          float64
	Grid           bool // a light guide line
}

// Anchor aligns a text at its X.
type Anchor int

// Anchors.
const (
	Start Anchor = iota
	Middle
	End
)

// Text is a label; Y is its baseline.
type Text struct {
	X, Y   float64
	S      string
	Anchor Anchor
	Size   float64
	Bold   bool
}

// Marker is a series point.
type Marker struct {
	X, Y, R float64
	Shape   Shape
}

// Drawing is a chart as shapes in a W x H box (units: CSS pixels in SVG;
// the PDF scales them).
type Drawing struct {
	W, H  float64
	Title string
	Items []any // Rect, Line, Text, Marker in drawing order
}

// Value is one figure; Hidden ones (small-count suppression) draw no bar
// or point, only their Label.
type Value struct {
	V      float64
	Label  string
	Hidden bool
}

// Series is one named row of values, one per category.
type Series struct {
	Name   string
	Values []Value
}

// Options size a chart.
type Options struct {
	Width   float64 // default 640
	Height  float64 // plot height, default 180
	Max     float64 // the value axis' top; 0: from the data
	Compact bool    // smaller type and margins (the dashboard)
	Font    float64 // type size; 0: 11, or 10 when compact
}

func (o Options) sizes() (w, h, font float64) {
	w, h, font = o.Width, o.Height, 11
	if w == 0 {
		w = 640
	}
	if h == 0 {
		h = 180
	}
	if o.Compact {
		font = 10
	}
	if o.Font > 0 {
		font = o.Font
	}
	return w, h, font
}

// niceMax rounds a maximum up to 1, 2, 2.5 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func maxOf(series []Series) float64 {
	m := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			if !v.Hidden && v.V > m {
				m = v.V
			}
		}
	}
	return m
}

// legend draws one swatch (or marker) and name per series at the top.
func legend(d *Drawing, series []Series, font float64, bars bool) {
	if len(series) < 2 {
		return
	}
	x := 0.0
	for i, s := range series {
		if bars {
			d.Items = append(d.Items, Rect{X: x, Y: 2, W: 14, H: 10, Fill: Fill(i % 4)})
		} else {
			d.Items = append(d.Items, Line{X1: x, Y1: 7, X2: x + 14, Y2: 7, Width: 1.5},
				Marker{X: x + 7, Y: 7, R: 3.5, Shape: Shape(i % 3)})
		}
		d.Items = append(d.Items, Text{X: x + 18, Y: 11, S: s.Name, Size: font})
		x += 18 + float64(len([]rune(s.Name)))*font*0.6 + 16
	}
}

// Bars lays out vertical bars: one group per category, one bar per
// series, each with its label above it, the category under the group.
func Bars(title string, categories []string, series []Series, o Options) Drawing {
	w, ph, font := o.sizes()
	top := 18.0
	if len(series) > 1 {
		top = 34
	}
	d := Drawing{W: w, H: top + ph + font + 10, Title: title}
	legend(&d, series, font, true)
	max := o.Max
	if max == 0 {
		max = niceMax(maxOf(series))
	}
	base := top + ph
	d.Items = append(d.Items, Line{X1: 0, Y1: base, X2: w, Y2: base, Width: 1})
	n := max1(len(categories))
	gw := w / float64(n)
	bw := math.Min((gw-6)/float64(max1(len(series))), 40)
	for ci, cat := range categories {
		gx := float64(ci)*gw + (gw-bw*float64(len(series)))/2
		for si, s := range series {
			if ci >= len(s.Values) {
				continue
			}
			v := s.Values[ci]
			x := gx + float64(si)*bw
			h := 0.0
			if !v.Hidden && v.V > 0 {
				h = math.Max(v.V/max*ph, 1)
				d.Items = append(d.Items, Rect{X: x + 1, Y: base - h, W: bw - 2, H: h, Fill: Fill(si % 4)})
			}
			d.Items = append(d.Items, Text{X: x + bw/2, Y: base - h - 3, S: v.Label, Anchor: Middle, Size: font - 1})
		}
		d.Items = append(d.Items, Text{X: float64(ci)*gw + gw/2, Y: base + font + 3, S: cat, Anchor: Middle, Size: font})
	}
	return d
}

// HBars lays out one horizontal bar per category, its name on the left
// and its label at the bar's end.
func HBars(title string, categories []string, values []Value, o Options) Drawing {
	w, _, font := o.sizes()
	row := font + 10
	d := Drawing{W: w, H: row*float64(len(categories)) + 4, Title: title}
	labelW := 0.0
	for _, c := range categories {
		labelW = math.Max(labelW, float64(len([]rune(c)))*font*0.58)
	}
	labelW = math.Min(labelW+8, w*0.45)
	max := o.Max
	if max == 0 {
		max = niceMax(maxOf([]Series{{Values: values}}))
	}
	plot := w - labelW - 40
	d.Items = append(d.Items, Line{X1: labelW, Y1: 0, X2: labelW, Y2: d.H, Width: 1})
	for i, c := range categories {
		y := float64(i)*row + 2
		d.Items = append(d.Items, Text{X: labelW - 6, Y: y + row*0.68, S: c, Anchor: End, Size: font})
		if i >= len(values) {
			continue
		}
		v := values[i]
		bl := 0.0
		if !v.Hidden && v.V > 0 {
			bl = math.Max(v.V/max*plot, 1)
			d.Items = append(d.Items, Rect{X: labelW, Y: y + 2, W: bl, H: row - 6, Fill: Solid})
		}
		d.Items = append(d.Items, Text{X: labelW + bl + 4, Y: y + row*0.68, S: v.Label, Size: font - 1})
	}
	return d
}

// Lines lays out one line per series with a marker and label on every
// shown point; a hidden value breaks the line.
func Lines(title string, categories []string, series []Series, o Options) Drawing {
	w, ph, font := o.sizes()
	top := 18.0
	if len(series) > 1 {
		top = 34
	}
	d := Drawing{W: w, H: top + ph + font + 10, Title: title}
	legend(&d, series, font, false)
	max := o.Max
	if max == 0 {
		max = niceMax(maxOf(series))
	}
	base := top + ph
	d.Items = append(d.Items, Line{X1: 0, Y1: base, X2: w, Y2: base, Width: 1})
	for _, f := range []float64{0.5, 1} {
		d.Items = append(d.Items, Line{X1: 0, Y1: base - f*ph, X2: w, Y2: base - f*ph, Width: 0.5, Grid: true})
	}
	n := max1(len(categories))
	gw := w / float64(n)
	for ci, cat := range categories {
		d.Items = append(d.Items, Text{X: float64(ci)*gw + gw/2, Y: base + font + 3, S: cat, Anchor: Middle, Size: font})
	}
	for si, s := range series {
		prevOK := false
		var px, py float64
		for ci, v := range s.Values {
			if ci >= n {
				break
			}
			x := float64(ci)*gw + gw/2
			if v.Hidden {
				prevOK = false
				if v.Label != "" {
					d.Items = append(d.Items, Text{X: x, Y: base - 4, S: v.Label, Anchor: Middle, Size: font - 1})
				}
				continue
			}
			y := base - math.Min(v.V/max, 1)*ph
			if prevOK {
				d.Items = append(d.Items, Line{X1: px, Y1: py, X2: x, Y2: y, Width: 1.5})
			}
			d.Items = append(d.Items, Marker{X: x, Y: y, R: 3.5, Shape: Shape(si % 3)},
				Text{X: x, Y: y - 7, S: v.Label, Anchor: Middle, Size: font - 1})
			px, py, prevOK = x, y, true
		}
	}
	return d
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// SVG writes the drawing as an inline <svg> element. id prefixes the
// pattern ids (unique per page); the title is the image's accessible
// name, and the figures' text alternative is the caller's (a table in
// the figure's caption).
func (d Drawing) SVG(id string) string {
	var b strings.Builder
	f := func(v float64) string { return fmt.Sprintf("%.1f", v) }
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-labelledby="%s-t">`,
		f(d.W), f(d.H), f(d.W), f(d.H), id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, html.EscapeString(d.Title))
	fmt.Fprintf(&b, `<defs><pattern id="%[1]s-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#222" stroke-width="2.2"/></pattern>`+
		`<pattern id="%[1]s-dots" width="5" height="5" patternUnits="userSpaceOnUse"><rect width="5" height="5" fill="#fff"/><circle cx="2.5" cy="2.5" r="1.3" fill="#222"/></pattern></defs>`, id)
	for _, it := range d.Items {
		switch v := it.(type) {
		case Rect:
			fill := map[Fill]string{Solid: "#2b2b2b", Hatch: "url(#" + id + "-hatch)", Dots: "url(#" + id + "-dots)", Open: "#fff"}[v.Fill]
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s" stroke="#222" stroke-width="1"/>`, f(v.X), f(v.Y), f(v.W), f(v.H), fill)
		case Line:
			stroke := "#222"
			if v.Grid {
				stroke = "#bbb"
			}
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"/>`, f(v.X1), f(v.Y1), f(v.X2), f(v.Y2), stroke, f(v.Width))
		case Marker:
			switch v.Shape {
			case Square:
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="#222"/>`, f(v.X-v.R), f(v.Y-v.R), f(2*v.R), f(2*v.R))
			case Triangle:
				fmt.Fprintf(&b, `<polygon points="%s,%s %s,%s %s,%s" fill="#222"/>`, f(v.X), f(v.Y-v.R*1.2), f(v.X-v.R*1.1), f(v.Y+v.R), f(v.X+v.R*1.1), f(v.Y+v.R))
			default:
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s" fill="#222"/>`, f(v.X), f(v.Y), f(v.R))
			}
		case Text:
			anchor := map[Anchor]string{Start: "start", Middle: "middle", End: "end"}[v.Anchor]
			weight := ""
			if v.Bold {
				weight = ` font-weight="bold"`
			}
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="%s" font-size="%s"%s fill="#111">%s</text>`, f(v.X), f(v.Y), anchor, f(v.Size), weight, html.EscapeString(v.S))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}
