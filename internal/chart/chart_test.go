package chart

import (
	"encoding/xml"
	"strings"
	"testing"
)

type svgDoc struct {
	Title   string     `xml:"title"`
	Rects   []svgRect  `xml:"rect"`
	Texts   []string   `xml:"text"`
	Circles []struct{} `xml:"circle"`
	Polys   []struct{} `xml:"polygon"`
}

type svgRect struct {
	Fill   string  `xml:"fill,attr"`
	Height float64 `xml:"height,attr"`
}

func parse(t *testing.T, s string) svgDoc {
	t.Helper()
	var d svgDoc
	if err := xml.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, s)
	}
	return d
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBarsReadableWithoutColour (issue 21): every bar carries its value as
// text, two series differ by pattern, a hidden value draws no bar but its
// mark, and the title is the image's name.
func TestBarsReadableWithoutColour(t *testing.T) {
	t.Parallel()
	d := Bars("Requests & answers", []string{"Jan", "Feb"}, []Series{
		{Name: "received", Values: []Value{{V: 14, Label: "14"}, {V: 3, Label: "..", Hidden: true}}},
		{Name: "answered", Values: []Value{{V: 0, Label: "0"}, {V: 10, Label: "10"}}},
	}, Options{})
	svg := d.SVG("c1")
	doc := parse(t, svg)
	if doc.Title != "Requests & answers" {
		t.Errorf("title = %q", doc.Title)
	}
	for _, want := range []string{"14", "..", "0", "10", "Jan", "Feb", "received", "answered"} {
		if !has(doc.Texts, want) {
			t.Errorf("no text %q in %v", want, doc.Texts)
		}
	}
	fills := map[string]int{}
	for _, r := range doc.Rects {
		if r.Height > 0 {
			fills[r.Fill]++
		}
	}
	// Bars: 14 (solid), 10 (hatched); legend: one swatch each. The hidden 3
	// and the zero draw nothing.
	if fills["#2b2b2b"] != 2 || fills["url(#c1-hatch)"] != 2 {
		t.Errorf("fills = %v; want two solid and two hatched rects (bar + legend swatch each)", fills)
	}
	if strings.Contains(svg, "<script") || strings.Contains(svg, " on") {
		t.Error("the chart carries script")
	}
}

// TestLinesShapesAndGaps: series differ by marker shape; a hidden point
// breaks the line and shows its mark.
func TestLinesShapesAndGaps(t *testing.T) {
	t.Parallel()
	d := Lines("Median days", []string{"a", "b", "c"}, []Series{
		{Name: "median", Values: []Value{{V: 20, Label: "20"}, {Hidden: true, Label: ".."}, {V: 25, Label: "25"}}},
		{Name: "target", Values: []Value{{V: 30, Label: "30"}, {V: 30, Label: "30"}, {V: 30, Label: "30"}}},
	}, Options{Max: 40})
	lines := 0
	markers := 0
	for _, it := range d.Items {
		switch v := it.(type) {
		case Line:
			if v.Width == 1.5 && v.Y1 != 7 { // series segments (the legend sits at y 7)
				lines++
			}
		case Marker:
			markers++
		}
	}
	// The first series has no segment (a gap on each side of the hidden
	// point), the second two; the legend adds one short line each.
	if lines != 2 {
		t.Errorf("series segments = %d, want 2", lines)
	}
	if markers != 2+3+2 {
		t.Errorf("markers = %d, want 7 (2 + 3 points, 2 in the legend)", markers)
	}
	doc := parse(t, d.SVG("m"))
	if len(doc.Circles) == 0 || len(doc.Rects) < 3 {
		t.Errorf("want circles for one series and squares for the other: %d circles, %d rects", len(doc.Circles), len(doc.Rects))
	}
	if !has(doc.Texts, "..") || !has(doc.Texts, "25") {
		t.Errorf("labels missing: %v", doc.Texts)
	}
}

// TestHBars: one bar per unit with its label; a hidden one only its mark.
func TestHBars(t *testing.T) {
	t.Parallel()
	d := HBars("Open tasks", []string{"Sivistystoimi", "Tekninen"}, []Value{{V: 12, Label: "12"}, {V: 2, Hidden: true, Label: ".."}}, Options{Compact: true})
	doc := parse(t, d.SVG("h"))
	bars := 0
	for _, r := range doc.Rects {
		if r.Fill == "#2b2b2b" {
			bars++
		}
	}
	if bars != 1 || !has(doc.Texts, "12") || !has(doc.Texts, "..") || !has(doc.Texts, "Sivistystoimi") {
		t.Errorf("bars %d, texts %v", bars, doc.Texts)
	}
}

func TestNiceMax(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]float64{0: 1, 3: 5, 14: 20, 101: 200, 240: 250, 1000: 1000} {
		if got := niceMax(in); got != want {
			t.Errorf("niceMax(%v) = %v, want %v", in, got, want)
		}
	}
}
