package registers

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Table handling shared by the jakobstad, kronoby and tietovarannot formats.
//
// Rows are either tab separated (text copied from HTML/PDF tables) or laid out
// with runs of two or more spaces (pdftotext -layout). For tab rows the cell
// index is the column; for space rows each cell is placed in the header column
// whose start offset it lines up with, so empty cells are kept.

// colKind says what a table column holds.
type colKind int

const (
	colIgnore colKind = iota
	colName
	colPurpose
	colController
	colData
	colSystems
	colUnit
	colContact
	colMark
)

// colDef is one recognisable column header. Keywords are normalised
// (NormalizeName) header texts; a header cell matches when it equals a
// keyword or starts with the keyword followed by more words, e.g.
// "Användningsområde (TJS)".
type colDef struct {
	kind     colKind
	lang     string
	keywords []string
}

type tableSpec struct {
	format   Format
	columns  []colDef
	required []colKind
	// minCols is the least number of recognised columns in a header row.
	minCols int
	// sectors: single-cell lines inside or before the table are section
	// headings that become the Sector of the rows below them.
	sectors bool
	// nameIsSystem: the name column is a data system's name, so it also
	// fills Systems.
	nameIsSystem bool
}

func tableSpecs() []tableSpec {
	return []tableSpec{kronobySpec, tietovarannotSpec, jakobstadSpec}
}

func specFor(f Format) tableSpec {
	for _, s := range tableSpecs() {
		if s.format == f {
			return s
		}
	}
	panic("registers: no table spec for " + string(f))
}

// cell is a piece of a row with its position: the cell index for tab rows,
// the rune offset for space-laid-out rows.
type cell struct {
	text string
	pos  int
}

type splitLine struct {
	cells []cell
	tab   bool // tab separated
	multi bool // more than one cell
}

var multiSpace = regexp.MustCompile(`[ \x{00A0}]{2,}`)

// splitCells splits a line into cells on tabs, or else on runs of 2+ spaces.
func splitCells(s string) splitLine {
	if strings.IndexByte(s, '\t') >= 0 {
		parts := strings.Split(s, "\t")
		out := splitLine{tab: true, multi: true}
		for i, p := range parts {
			out.cells = append(out.cells, cell{text: clean(p), pos: i})
		}
		return out
	}
	var out splitLine
	locs := multiSpace.FindAllStringIndex(s, -1)
	start := 0
	// runeAt tracks the rune offset of byte position bytePos incrementally,
	// so that long lines stay linear.
	bytePos, runePos := 0, 0
	runeAt := func(b int) int {
		runePos += utf8.RuneCountInString(s[bytePos:b])
		bytePos = b
		return runePos
	}
	add := func(from, to int) {
		t := s[from:to]
		lead := len(t) - len(strings.TrimLeftFunc(t, isSpace))
		t = clean(t)
		if t == "" {
			return
		}
		out.cells = append(out.cells, cell{text: t, pos: runeAt(from + lead)})
	}
	for _, loc := range locs {
		add(start, loc[0])
		start = loc[1]
	}
	add(start, len(s))
	out.multi = len(out.cells) > 1 || (len(out.cells) == 1 && out.cells[0].pos > 0)
	return out
}

// header is a recognised header row.
type header struct {
	lineNo  int
	kinds   []colKind
	names   []string // published header texts
	tab     bool
	offsets []int // rune offsets of the columns (space layout)
	skip    int   // leading empty cells in a tab header
	lang    string
}

// matchHeader tries to read l as a header row of spec.
func matchHeader(l line, spec tableSpec) (*header, bool) {
	if len(l.text) > 2000 {
		return nil, false // no header row is that long
	}
	sl := splitCells(l.text)
	if len(sl.cells) < spec.minCols || len(sl.cells) > 40 {
		return nil, false
	}
	h := &header{lineNo: l.no, tab: sl.tab}
	cells := sl.cells
	if sl.tab {
		for len(cells) > 0 && cells[0].text == "" {
			cells = cells[1:]
			h.skip++
		}
		for len(cells) > 0 && cells[len(cells)-1].text == "" {
			cells = cells[:len(cells)-1]
		}
	}
	found := map[colKind]bool{}
	recognised := 0
	langs := map[string]int{}
	for _, c := range cells {
		k, lang := classifyHeaderCell(c.text, spec)
		h.kinds = append(h.kinds, k)
		h.names = append(h.names, c.text)
		h.offsets = append(h.offsets, c.pos)
		if k != colIgnore {
			recognised++
			found[k] = true
			if lang != "" {
				langs[lang]++
			}
		}
	}
	if recognised < spec.minCols {
		return nil, false
	}
	for _, k := range spec.required {
		if !found[k] {
			return nil, false
		}
	}
	// A header row is made of headers: allow at most one unrecognised
	// cell so that prose lines with a keyword in them do not match.
	if len(cells)-recognised > 1 {
		return nil, false
	}
	h.lang = "fi"
	if langs["sv"] > langs["fi"] {
		h.lang = "sv"
	}
	return h, true
}

func classifyHeaderCell(text string, spec tableSpec) (colKind, string) {
	n := NormalizeName(text)
	if n == "" {
		return colIgnore, ""
	}
	for _, c := range spec.columns {
		for _, kw := range c.keywords {
			if n == kw || strings.HasPrefix(n, kw+" ") {
				return c.kind, c.lang
			}
		}
	}
	return colIgnore, ""
}

// findHeader returns the first header row of spec in d.
func findHeader(d *doc, spec tableSpec) (*header, bool) {
	for _, l := range d.lines {
		if h, ok := matchHeader(l, spec); ok {
			return h, true
		}
	}
	return nil, false
}

// rowCells places the cells of a data line into the columns of h. ok is
// false when the line is a single free-standing text (no separators).
func rowCells(sl splitLine, h *header) (cells []string, extra []string, ok bool) {
	cells = make([]string, len(h.kinds))
	if sl.tab {
		in := sl.cells
		for i := 0; i < h.skip && len(in) > 0 && in[0].text == ""; i++ {
			in = in[1:]
		}
		for i, c := range in {
			if i < len(cells) {
				cells[i] = c.text
			} else if c.text != "" {
				extra = append(extra, c.text)
			}
		}
		return cells, extra, true
	}
	if !sl.multi {
		return nil, nil, false
	}
	if !h.tab && len(sl.cells) == len(h.kinds) && (len(h.offsets) < 2 || sl.cells[0].pos < h.offsets[1]) {
		for i, c := range sl.cells {
			cells[i] = c.text
		}
		return cells, nil, true
	}
	offsets := h.offsets
	if h.tab {
		// A space-laid-out row under a tab header: no offsets to go by,
		// fill in order.
		for i, c := range sl.cells {
			if i < len(cells) {
				cells[i] = c.text
			} else {
				extra = append(extra, c.text)
			}
		}
		return cells, extra, true
	}
	for _, c := range sl.cells {
		col := 0
		for i, off := range offsets {
			if off <= c.pos+2 {
				col = i
			}
		}
		cells[col] = joinCell(cells[col], c.text)
	}
	return cells, nil, true
}

// joinCell joins two pieces of the same cell with a space.
func joinCell(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

var ruleLine = regexp.MustCompile(`^[\s\-=_+|:~.]*$`)

// isRuleLine reports table rule lines such as "--\t--\t-----".
func isRuleLine(s string) bool {
	return strings.ContainsAny(s, "-=_") && ruleLine.MatchString(s)
}

func isBlank(s string) bool { return strings.TrimFunc(s, isSpace) == "" }

// tableRow is a register under construction. cells are builders so that
// merging many continuation rows stays linear.
type tableRow struct {
	reg   Register
	cells []*strings.Builder
	kinds []colKind
	names []string
}

func newTableRow(cells []string, h *header) *tableRow {
	r := &tableRow{kinds: h.kinds, names: h.names}
	for _, c := range cells {
		b := &strings.Builder{}
		b.WriteString(c)
		r.cells = append(r.cells, b)
	}
	return r
}

// parseTable reads a table format.
func parseTable(d *doc, spec tableSpec) *Result {
	res := &Result{}
	var (
		h      *header
		rows   []*tableRow
		sector string
		langs  = map[string]int{}
		// pageBreak: a blank line, form feed, rule or repeated header
		// since the last table row, i.e. a following continuation row
		// is a row broken across pages rather than a wrapped cell line.
		pageBreak bool
	)
	for _, l := range d.lines {
		if l.newPage {
			pageBreak = true
		}
		if isBlank(l.text) {
			pageBreak = true
			continue
		}
		if nh, ok := matchHeader(l, spec); ok {
			h = nh
			langs[h.lang]++
			pageBreak = true
			continue
		}
		if isRuleLine(l.text) {
			pageBreak = true
			continue
		}
		sl := splitCells(l.text)
		if h == nil {
			// Preamble before the first header: titles, legends, and
			// for sectioned tables the first section heading.
			if spec.sectors && !sl.multi {
				sector = clean(l.text)
			}
			continue
		}
		cells, extra, ok := rowCells(sl, h)
		if !ok {
			if spec.sectors {
				sector = clean(l.text)
				continue
			}
			res.Warnings = append(res.Warnings, warnf("importer.warn.outside_columns", l.no, clip(clean(l.text), 80)))
			continue
		}
		nameCol := indexOf(h.kinds, colName)
		empty := true
		for _, c := range cells {
			if c != "" {
				empty = false
				break
			}
		}
		if empty && len(extra) == 0 {
			continue
		}
		if nameCol >= 0 && cells[nameCol] == "" {
			// Continuation of the row above, broken across a page.
			if len(rows) == 0 {
				res.Warnings = append(res.Warnings, warnf("importer.warn.continuation_orphan", l.no))
				continue
			}
			prev := rows[len(rows)-1]
			if !sameColumns(prev, h) {
				res.Warnings = append(res.Warnings, warnf("importer.warn.continuation_header", l.no))
				continue
			}
			mergeContinuation(prev, cells, l.no, pageBreak)
			pageBreak = false
			if len(extra) > 0 {
				prev.reg.Warnings = append(prev.reg.Warnings, warnf("importer.warn.beyond_columns", l.no, strings.Join(extra, " | ")))
			}
			continue
		}
		r := newTableRow(cells, h)
		pageBreak = false
		r.reg.SourceRow = l.no
		r.reg.Sector = sector
		r.reg.Language = h.lang
		if len(extra) > 0 {
			r.reg.Warnings = append(r.reg.Warnings, warnf("importer.warn.beyond_columns", l.no, strings.Join(extra, " | ")))
		}
		rows = append(rows, r)
	}
	res.Language = "fi"
	if langs["sv"] > langs["fi"] {
		res.Language = "sv"
	}
	for _, r := range rows {
		res.Registers = append(res.Registers, r.build(spec))
	}
	return res
}

func sameColumns(r *tableRow, h *header) bool {
	if len(r.kinds) != len(h.kinds) {
		return false
	}
	for i := range r.kinds {
		if r.kinds[i] != h.kinds[i] {
			return false
		}
	}
	return true
}

// mergeContinuation appends the non-empty cells of a continuation row to the
// cells of the row above (D-6). pageBreak says whether the row was broken
// across pages (word fragments possible) or is a wrapped cell line.
func mergeContinuation(prev *tableRow, cells []string, lineNo int, pageBreak bool) {
	for i, frag := range cells {
		if frag == "" || i >= len(prev.cells) {
			continue
		}
		sep, note := joinFragment(prev.cells[i].String(), frag, pageBreak)
		if sep != sepDrop {
			prev.cells[i].WriteString(string(sep))
			prev.cells[i].WriteString(frag)
		}
		if note != "" {
			// importer.warn.fragment_* (warnings.go).
			prev.reg.Warnings = append(prev.reg.Warnings, fmt.Sprintf("line %d: column %q: %s", lineNo, prev.names[i], note))
		}
	}
}

// conjunctions after a line-final hyphen ("förtroende- och") keep the space.
var conjunctions = map[string]bool{"och": true, "eller": true, "samt": true, "ja": true, "tai": true, "sekä": true, "eli": true}

// functionWords are whole words, never the tail of a split word.
var functionWords = map[string]bool{
	"och": true, "eller": true, "samt": true, "av": true, "för": true, "med": true, "i": true, "på": true, "till": true,
	"som": true, "om": true, "mm": true, "etc": true, "m": true, "fl": true,
	"ja": true, "tai": true, "sekä": true, "eli": true, "ym": true, "yms": true, "jne": true, "mukaan": true,
}

// fragSep says how a continuation fragment is joined to the text above.
type fragSep string

const (
	sepSpace fragSep = " "
	sepNone  fragSep = ""
	sepDrop  fragSep = "\x00" // do not append
)

// joinFragment decides how a continuation fragment joins the text it
// continues, and returns a note for the register's warnings.
//
//   - At a page break, a single lower-case word (letters only, not a
//     function word such as "och") after a text ending in a letter is the
//     rest of a word split across the page and is appended without a space,
//     unless the word above already ends with it (the extraction repeated
//     the tail): then it is not appended and a note says so.
//   - After a line-final hyphen the fragment is appended without a space
//     (the hyphen is kept), except before a conjunction ("förtroende- och").
//   - Anything else is joined with one space.
func joinFragment(prev, frag string, pageBreak bool) (fragSep, string) {
	if prev == "" {
		return sepNone, ""
	}
	first, _ := utf8.DecodeRuneInString(frag)
	last, _ := utf8.DecodeLastRuneInString(prev)
	single := !strings.ContainsFunc(frag, isSpace)
	if pageBreak && single && unicode.IsLower(first) && unicode.IsLetter(last) && isWordFragment(frag) && !functionWords[frag] {
		lastWord := prev[strings.LastIndexFunc(prev, isSpace)+1:]
		lw, lf := strings.ToLower(lastWord), strings.ToLower(frag)
		if len(lw) > len(lf) && strings.HasSuffix(lw, lf) {
			return sepDrop, fmt.Sprintf("page-break fragment %q repeats the end of %q; not appended", frag, clip(lastWord, 60)) // importer.warn.fragment_repeats
		}
		return sepNone, fmt.Sprintf("page-break fragment %q joined to the word above", frag) // importer.warn.fragment_joined
	}
	if last == '-' && unicode.IsLower(first) {
		fw := strings.ToLower(strings.Fields(frag)[0])
		if !conjunctions[fw] {
			return sepNone, ""
		}
	}
	return sepSpace, ""
}

// isWordFragment: letters only (a word piece, not "etc." or "(x)").
func isWordFragment(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// build turns the collected cells into a Register.
func (r *tableRow) build(spec tableSpec) Register {
	reg := r.reg
	var marks []string
	for i, k := range r.kinds {
		v := r.cells[i].String()
		switch k {
		case colName:
			reg.Name = v
			if spec.nameIsSystem {
				reg.Systems = v
			}
		case colPurpose:
			reg.Purpose = joinCell(reg.Purpose, v)
		case colController:
			reg.Controller = v
			reg.Unit = unitFromController(v)
		case colData:
			reg.DataContent = joinCell(reg.DataContent, v)
		case colSystems:
			reg.Systems = joinCell(reg.Systems, v)
		case colUnit:
			reg.Unit = v
		case colContact:
			reg.Contact = v
		case colMark:
			switch {
			case v == "":
			case strings.EqualFold(v, "x"):
				marks = append(marks, r.names[i])
			default:
				marks = append(marks, r.names[i])
				reg.Warnings = append(reg.Warnings, warnf("importer.warn.not_a_mark", r.names[i], v))
			}
		case colIgnore:
			if v != "" {
				if reg.Extra == nil {
					reg.Extra = map[string]string{}
				}
				name := r.names[i]
				if name == "" {
					name = fmt.Sprintf("column %d", i+1)
				}
				reg.Extra[name] = v
			}
		}
	}
	if len(marks) > 0 {
		if reg.Extra == nil {
			reg.Extra = map[string]string{}
		}
		reg.Extra["marks"] = strings.Join(marks, ",")
	}
	reg.LegalBasis = LegalBasisUnknown
	return reg
}

// unitFromController returns the unit/body named in a controller cell: the
// part after " / " ("Bildningsnämnden / Bibliotekstjänster" ->
// "Bibliotekstjänster"), else the whole text.
func unitFromController(s string) string {
	if i := strings.LastIndex(s, " / "); i >= 0 {
		if u := strings.TrimSpace(s[i+3:]); u != "" {
			return u
		}
		return strings.TrimSpace(s[:i])
	}
	return s
}

func indexOf(ks []colKind, k colKind) int {
	for i, x := range ks {
		if x == k {
			return i
		}
	}
	return -1
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
