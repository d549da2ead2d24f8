// Package chart lays out small statistical charts (grouped bars,
// horizontal bars, lines with markers) as a Drawing of plain shapes, and
// writes a Drawing as inline SVG. The PDF renderer draws the same
// Drawing with its own primitives, so a chart looks alike on the page and
// on paper. Charts are readable without colour: every bar and point
// carries its value as a label, and series differ by fill pattern
// (solid, hatched, dotted) or marker shape, never by colour alone. The
// package knows nothing of the domain: callers pass labels already
// translated.
package chart
