package registers

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format names a published register-description layout.
type Format string

// The supported formats. The names are those of the municipality whose
// publication defined the layout; any document with the same layout parses.
const (
	// FormatJakobstad is a three-column table
	// Register/Informationslager | Användningsändamål | Personuppgiftsansvarig
	// whose header row repeats on every page.
	FormatJakobstad Format = "jakobstad"
	// FormatKronoby is the "Beskrivning av dataregister" table with
	// ABP/PRB/DRB mark columns and rows broken across pages.
	FormatKronoby Format = "kronoby"
	// FormatRaseborg is a list of register names grouped under sector
	// headings (…toimiala), preceded by prose.
	FormatRaseborg Format = "raseborg"
	// FormatNotice is a single-register privacy notice (rekisteriseloste,
	// tietosuojaseloste, dataskyddsbeskrivning) with headed sections.
	FormatNotice Format = "notice"
	// FormatTietovarannot is an information-resources table
	// Tietovaranto | Tietojen käyttötarkoitus | Keskeiset tietoaineistot |
	// Tietojärjestelmät with one section heading per service area.
	FormatTietovarannot Format = "tietovarannot"
)

// Formats lists the supported formats in detection order.
func Formats() []Format {
	return []Format{FormatKronoby, FormatTietovarannot, FormatJakobstad, FormatNotice, FormatRaseborg, FormatGeneric}
}

// Errors returned by Detect and Parse, always wrapped with context; test them
// with errors.Is.
var (
	// ErrEmpty: the input holds nothing but white space.
	ErrEmpty = errors.New("registers: empty input")
	// ErrBinary: the input is not text (NUL bytes, invalid UTF-8, control
	// characters).
	ErrBinary = errors.New("registers: binary or non-UTF-8 input")
	// ErrUnknownFormat: no supported format was recognised, or an unknown
	// format was requested.
	ErrUnknownFormat = errors.New("registers: unrecognised register-description format")
	// ErrNoRegisters: the format was given or recognised but no register
	// could be read from the document.
	ErrNoRegisters = errors.New("registers: no registers found")
)

// Options controls Parse.
type Options struct {
	// Format forces a format; "" detects it from the text.
	Format Format
	// SourceFile is copied to every register's SourceFile.
	SourceFile string
	// OrgNames are the importing organisation's names in its languages
	// (e.g. "Grankulla stad", "Kauniaisten kaupunki"). A joint register's
	// controller text with one "City: body" line per organisation gives
	// the unit on the organisation's line; without them, or when no line
	// is the organisation's, the unit is left empty (jointUnit).
	OrgNames []string
}

// Result is the outcome of Parse.
type Result struct {
	Format Format
	// Language of the document, "fi" or "sv".
	Language  string
	Registers []Register
	// Warnings are document-level notes: lines that were skipped and why.
	Warnings []string
}

// line is one input line with its 1-based number. text has CR, BOM and
// form feeds removed but is otherwise untouched; newPage records a form
// feed (page break in pdftotext output).
type line struct {
	no      int
	text    string
	newPage bool
}

// doc is prepared input.
type doc struct {
	lines []line
}

// prepare validates and splits the input.
func prepare(text string) (*doc, error) {
	if strings.IndexByte(text, 0) >= 0 {
		return nil, fmt.Errorf("%w: input contains NUL bytes", ErrBinary)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("%w: input is not valid UTF-8", ErrBinary)
	}
	text = strings.TrimPrefix(text, "\uFEFF")
	total, controls := 0, 0
	for _, r := range text {
		total++
		if isBadControl(r) {
			controls++
		}
	}
	if controls > 0 && (controls*200 > total || controls > 64) {
		return nil, fmt.Errorf("%w: %d control characters in %d characters", ErrBinary, controls, total)
	}
	if strings.TrimFunc(text, isSpace) == "" {
		return nil, fmt.Errorf("%w: nothing but white space", ErrEmpty)
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	raw := strings.Split(text, "\n")
	d := &doc{lines: make([]line, 0, len(raw))}
	for i, t := range raw {
		ff := strings.IndexByte(t, '\f') >= 0
		t = strings.Map(func(r rune) rune {
			switch {
			case r == '\f' || r == '\uFEFF':
				return -1
			case r == '\v':
				return ' '
			case isBadControl(r):
				return ' '
			}
			return r
		}, t)
		d.lines = append(d.lines, line{no: i + 1, text: t, newPage: ff})
	}
	return d, nil
}

// isBadControl reports control characters that do not belong in text.
func isBadControl(r rune) bool {
	switch r {
	case '\t', '\n', '\r', '\f', '\v':
		return false
	}
	return unicode.IsControl(r)
}

// isSpace is unicode.IsSpace plus zero-width characters seen in web text.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\uFEFF'
}

// clean trims s and collapses every run of white space (tabs, NBSP, …) to a
// single ASCII space. It is the only change made to published text.
func clean(s string) string {
	if s == "" {
		return ""
	}
	return strings.Join(strings.FieldsFunc(s, isSpace), " ")
}

// Detect reports the format of text.
func Detect(text string) (Format, error) {
	d, err := prepare(text)
	if err != nil {
		return "", fmt.Errorf("detect: %w", err)
	}
	return detect(d)
}

func detect(d *doc) (Format, error) {
	f, _, err := choose(d)
	return f, err
}

// choose picks the importer for d and returns its result. The exact seed
// importers come first (tables; a single notice when the generic extractor
// reads the same register; a sector list); everything else goes to the
// generic extractor, which also refuses what is no register description.
func choose(d *doc) (Format, *Result, error) {
	for _, spec := range tableSpecs() {
		if _, ok := findHeader(d, spec); ok {
			return spec.format, parseTable(d, spec), nil
		}
	}
	g := genericRead(d)
	if looksLikeNotice(d) {
		n := parseNotice(d)
		if len(n.Registers) == 1 && len(g.res.Registers) == 1 &&
			NormalizeName(n.Registers[0].Name) == NormalizeName(g.res.Registers[0].Name) &&
			firstLineKey(n.Registers[0].Controller) == firstLineKey(g.res.Registers[0].Controller) {
			return FormatNotice, n, nil
		}
		if !g.recognised {
			return FormatNotice, n, nil
		}
	}
	if looksLikeSectorList(d) {
		return FormatRaseborg, parseSectorList(d), nil
	}
	if g.recognised {
		return FormatGeneric, g.res, nil
	}
	return "", nil, fmt.Errorf("detect: %w: no table header, register headings, register names or sector list found in %d lines", ErrUnknownFormat, len(d.lines))
}

// Parse reads the registers from text. On error the result is nil.
func Parse(text string, opts Options) (*Result, error) {
	d, err := prepare(text)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", sourceName(opts), err)
	}
	f := opts.Format
	var res *Result
	switch f {
	case "":
		f, res, err = choose(d)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", sourceName(opts), err)
		}
	case FormatJakobstad, FormatKronoby, FormatTietovarannot:
		res = parseTable(d, specFor(f))
	case FormatRaseborg:
		res = parseSectorList(d)
	case FormatNotice:
		res = parseNotice(d)
	case FormatGeneric:
		res = parseGeneric(d)
	default:
		return nil, fmt.Errorf("parse %s: %w: %q (known: %v)", sourceName(opts), ErrUnknownFormat, f, Formats())
	}
	res.Format = f
	finish(res, opts)
	if len(res.Registers) == 0 {
		msg := ""
		if len(res.Warnings) > 0 {
			msg = " (" + res.Warnings[0] + ")"
		}
		return nil, fmt.Errorf("parse %s as %s: %w%s", sourceName(opts), f, ErrNoRegisters, msg)
	}
	return res, nil
}

// firstLineKey is the normalised first line of a controller text: the
// notice importer and the generic extractor agree on a controller when it
// is the same (the notice importer keeps the address lines below it).
func firstLineKey(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return NormalizeName(first)
}

func sourceName(opts Options) string {
	if opts.SourceFile == "" {
		return "input"
	}
	return opts.SourceFile
}

// finish applies the invariants every register must satisfy.
func finish(res *Result, opts Options) {
	if res.Language == "" {
		res.Language = "fi"
	}
	kept := res.Registers[:0]
	for _, r := range res.Registers {
		r.Name = clean(r.Name)
		if r.Name == "" || NormalizeName(r.Name) == "" {
			res.Warnings = append(res.Warnings, warnf("importer.warn.no_name_row", r.SourceRow))
			continue
		}
		if r.LegalBasis == "" {
			r.LegalBasis = LegalBasisUnknown
		}
		if r.Language == "" {
			r.Language = res.Language
		}
		if u, ok := jointUnit(r.Controller, opts.OrgNames); ok {
			r.Unit = u
		}
		r.SourceFile = opts.SourceFile
		if len(r.Extra) == 0 {
			r.Extra = nil
		}
		kept = append(kept, r)
	}
	res.Registers = kept
	seen := map[string]int{}
	for i := range res.Registers {
		k := NormalizeName(res.Registers[i].Name)
		if j, ok := seen[k]; ok {
			w := warnf("importer.warn.same_name", res.Registers[j].SourceRow)
			res.Registers[i].Warnings = append(res.Registers[i].Warnings, w)
			continue
		}
		seen[k] = i
	}
}

// Language guessing from common function words, for documents whose headers
// do not tell.
var (
	fiWords = map[string]bool{"ja": true, "tai": true, "on": true, "ovat": true, "sekä": true, "kaupungin": true, "kunnan": true, "tiedot": true, "tietojen": true, "henkilötietojen": true, "rekisteri": true, "toimiala": true, "joka": true, "jotka": true, "ei": true, "mukaan": true}
	svWords = map[string]bool{"och": true, "för": true, "av": true, "eller": true, "som": true, "är": true, "till": true, "med": true, "på": true, "samt": true, "stadens": true, "kommunens": true, "uppgifter": true, "register": true, "över": true, "det": true}
)

func guessLanguage(d *doc) string {
	fi, sv := 0, 0
	for _, l := range d.lines {
		for _, w := range strings.Fields(NormalizeName(l.text)) {
			if fiWords[w] {
				fi++
			}
			if svWords[w] {
				sv++
			}
		}
	}
	if sv > fi {
		return "sv"
	}
	return "fi"
}
