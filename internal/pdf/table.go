package pdf

import (
	"math"
	"slices"
	"strings"
)

// Table layout in mm and points.
const (
	tableSize = 8.0
	tableLine = 3.8
	cellPadX  = 1.2
	cellPadY  = 0.9
	minColW   = 14.0
)

// table is an owner's extract: a header row and data rows.
type table struct {
	header []string
	rows   [][]string
}

// parseTSV reads an extract: one row a line, cells separated by tabs, the
// first line the header. Ragged rows are padded so every row has every
// column; blank lines are dropped. Text without a tab is data typed line
// by line, as the task form allows: one column without a name, every line
// a row (its first line was taken for a header and went uncounted, found
// in a walkthrough).
func parseTSV(s string) table {
	var all [][]string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		cells := strings.Split(line, "\t")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		all = append(all, cells)
	}
	if len(all) == 0 {
		return table{}
	}
	if !strings.Contains(s, "\t") {
		return table{header: []string{""}, rows: all}
	}
	n := 0
	for _, r := range all {
		n = max(n, len(r))
	}
	for i := range all {
		for len(all[i]) < n {
			all[i] = append(all[i], "")
		}
	}
	return table{header: all[0], rows: all[1:]}
}

// named reports whether t's columns have names: lines typed without tabs
// make one column without a name, drawn without a header row.
func (t table) named() bool {
	return slices.ContainsFunc(t.header, func(h string) bool { return h != "" })
}

// ParseExtract reads an owner's TSV extract as the letter prints it: the
// header and the data rows (numbered from 1), blank lines dropped, ragged
// rows padded. Forms that mark rows and cells use it so their numbers are
// the letter's.
func ParseExtract(s string) (header []string, rows [][]string) {
	t := parseTSV(s)
	return t.header, t.rows
}

// redact replaces withheld cells and rows with a marker naming their note
// (1-based index into ws) and returns the table that may be printed.
func (d *doc) redact(t table, ws []Withheld) table {
	return table{header: t.header, rows: RedactExtract(t.header, t.rows, ws,
		func(n int) string { return d.t("letter.withheld.cell", n) })}
}

// RedactExtract returns a copy of an extract's rows with the withheld cells
// and rows replaced by mark(n), n the 1-based note of ws that withholds
// them, exactly as the letter prints them (the machine-readable export
// uses it so both leave out the same content). A withheld column that
// names no column of the table withholds the whole row: an unmatched name
// must never let the content through.
func RedactExtract(header []string, rows [][]string, ws []Withheld, mark func(n int) string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = append([]string(nil), r...)
	}
	for n, w := range ws {
		if w.Row < 1 || w.Row > len(out) {
			continue
		}
		row := out[w.Row-1]
		m := mark(n + 1)
		col := -1
		if w.Col > 0 && w.Col <= len(header) {
			col = w.Col - 1 // by position: two columns may share a name
		} else if w.Column != "" {
			for j, h := range header {
				if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(w.Column)) {
					col = j
				}
			}
		}
		if col >= 0 && col < len(row) {
			row[col] = m
			continue
		}
		for j := range row {
			row[j] = ""
		}
		if len(row) > 0 {
			row[0] = m
		}
	}
	return out
}

// colWidths shares the text width among the columns: each gets at least
// its longest word (so words break only when nothing else fits), and the
// rest goes by the content's natural width.
func (d *doc) colWidths(t table) []float64 {
	n := len(t.header)
	p := d.p
	nat := make([]float64, n)  // the widest cell on one line
	word := make([]float64, n) // the widest word
	measure := func(j int, s string) {
		nat[j] = max(nat[j], p.GetStringWidth(s))
		for _, w := range strings.Fields(s) {
			word[j] = max(word[j], p.GetStringWidth(w))
		}
	}
	for j := 0; j < n; j++ {
		p.SetFont(familyName, "B", tableSize)
		measure(j, t.header[j])
		p.SetFont(familyName, "", tableSize)
		for _, r := range t.rows {
			measure(j, r[j])
		}
		nat[j] = min(nat[j], 120) + 2*cellPadX + 0.5
		word[j] = min(max(word[j]+2*cellPadX+0.5, minColW), 45, nat[j])
	}
	sum := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s
	}
	ws := make([]float64, n)
	switch total, floor := sum(nat), sum(word); {
	case total <= textW:
		// Everything fits on one line: widen each column in proportion.
		for j := range ws {
			ws[j] = nat[j] * textW / total
		}
	case floor >= textW:
		// Too many columns for whole words: shrink them alike.
		for j := range ws {
			ws[j] = word[j] * textW / floor
		}
	default:
		spare := textW - floor
		for j := range ws {
			ws[j] = word[j] + spare*(nat[j]-word[j])/(total-floor)
		}
	}
	return ws
}

// extractTable draws t with wrapped cells; a table that breaks across
// pages repeats its header row on every page.
func (d *doc) extractTable(t table) {
	if len(t.header) == 0 {
		return
	}
	d.htmlTable(t)
	p := d.p
	ws := d.colWidths(t)
	limit := pageH - marginBot
	auto, margin := p.GetAutoPageBreak()
	p.SetAutoPageBreak(false, margin)
	defer p.SetAutoPageBreak(auto, margin)

	split := func(cells []string, style string) [][]string {
		p.SetFont(familyName, style, tableSize)
		out := make([][]string, len(cells))
		for j, c := range cells {
			lines := p.SplitText(c, ws[j]-2*cellPadX)
			if len(lines) == 0 {
				lines = []string{""}
			}
			out[j] = lines
		}
		return out
	}
	head := split(t.header, "B")
	headH := float64(maxLen(head))*tableLine + 2*cellPadY
	if !t.named() {
		headH = 0
	}

	// drawChunk draws lines[from:from+k] of each cell as one band.
	drawChunk := func(lines [][]string, from, k int, style string, fill bool) {
		y := p.GetY()
		h := float64(k)*tableLine + 2*cellPadY
		x := marginL
		p.SetFont(familyName, style, tableSize)
		p.SetDrawColor(150, 150, 150)
		p.SetLineWidth(0.2)
		for j, cell := range lines {
			if fill {
				p.Rect(x, y, ws[j], h, "FD")
			} else {
				p.Rect(x, y, ws[j], h, "D")
			}
			for i := 0; i < k && from+i < len(cell); i++ {
				p.SetXY(x+cellPadX, y+cellPadY+float64(i)*tableLine)
				p.CellFormat(ws[j]-2*cellPadX, tableLine, cell[from+i], "", 0, "L", false, 0, "")
			}
			x += ws[j]
		}
		p.SetXY(marginL, y+h)
	}
	drawHeader := func() {
		if !t.named() {
			return
		}
		p.SetFillColor(225, 225, 225)
		drawChunk(head, 0, maxLen(head), "B", true)
	}

	if p.GetY()+headH+tableLine+2*cellPadY > limit {
		p.AddPage()
	}
	drawHeader()
	for ri, row := range t.rows {
		lines := split(row, "")
		total := maxLen(lines)
		fill := ri%2 == 1
		p.SetFillColor(247, 247, 247)
		rowH := float64(total)*tableLine + 2*cellPadY
		// A row that fits on a fresh page is never split.
		if p.GetY()+rowH > limit && rowH <= limit-marginTop-4-headH {
			p.AddPage()
			drawHeader()
		}
		for from := 0; from < total; {
			k := int(math.Floor((limit - p.GetY() - 2*cellPadY) / tableLine))
			if k < 1 {
				p.AddPage()
				drawHeader()
				continue
			}
			k = min(k, total-from)
			p.SetFillColor(247, 247, 247)
			drawChunk(lines, from, k, "", fill)
			from += k
		}
	}
	p.Ln(3)
}

func maxLen(cells [][]string) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return n
}
