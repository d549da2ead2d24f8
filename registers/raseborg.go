package registers

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The raseborg format (seed 002, Raasepori / Raseborg): a web page that
// starts with prose about personal-data processing and then lists register
// names, one a line, under sector headings such as "Sivistystoimiala". Only
// names and sectors are published; everything else is left for the DPO
// (legal basis "unknown").

// sectorHeading matches a sector/service-area heading line. It must be a
// short line ending in one of these words.
var sectorHeading = regexp.MustCompile(`(?i)^[\p{L}\- ,]{0,60}?(toimiala|toimialue|palvelualue|tulosalue|toimialat|sektorn|sektor|verksamhetsområde|verksamhetsområdet|serviceområdet|serviceområde)$`)

var svSectorWord = regexp.MustCompile(`(?i)(sektorn|sektor|verksamhetsområde|verksamhetsområdet|serviceområdet|serviceområde)$`)

// isSectorHeading reports whether s (cleaned) is a sector heading.
func isSectorHeading(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 70 || len(strings.Fields(s)) > 6 {
		return false
	}
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(first) {
		return false
	}
	return sectorHeading.MatchString(s)
}

// nameLineProblem says why a line under a sector heading is not taken as a
// register name, or "" when it is one.
func nameLineProblem(s string) string {
	words := len(strings.Fields(s))
	switch {
	case utf8.RuneCountInString(s) > 200 || words > 25:
		return "too long for a register name"
	case strings.ContainsAny(s, "?!"):
		return "a question or exclamation, not a register name"
	case strings.HasSuffix(s, ".") && words >= 6:
		return "a sentence, not a register name"
	case strings.HasPrefix(s, "•") || strings.HasPrefix(s, "* "):
		return "a bullet point"
	case NormalizeName(s) == "":
		return "no letters or digits"
	}
	return ""
}

// looksLikeSectorList is Detect's test for the raseborg format: a sector
// heading followed by at least two name lines.
func looksLikeSectorList(d *doc) bool {
	in, names := false, 0
	for _, l := range d.lines {
		s := clean(l.text)
		if s == "" {
			continue
		}
		if isSectorHeading(s) {
			in = true
			continue
		}
		if in && nameLineProblem(s) == "" {
			names++
			if names >= 2 {
				return true
			}
		}
	}
	return false
}

func parseSectorList(d *doc) *Result {
	res := &Result{}
	sector := ""
	sv, fi := 0, 0
	for _, l := range d.lines {
		s := clean(l.text)
		if s == "" {
			continue
		}
		if isSectorHeading(s) {
			sector = s
			if svSectorWord.MatchString(s) {
				sv++
			} else {
				fi++
			}
			continue
		}
		if sector == "" {
			continue // introduction before the first sector heading
		}
		if why := nameLineProblem(s); why != "" {
			// One of the importer.warn.ignored_* warnings (warnings.go).
			res.Warnings = append(res.Warnings, fmt.Sprintf("line %d: %q ignored: %s", l.no, clip(s, 80), why))
			continue
		}
		res.Registers = append(res.Registers, Register{
			Name:       s,
			Sector:     sector,
			SourceRow:  l.no,
			LegalBasis: LegalBasisUnknown,
		})
	}
	switch {
	case sv > fi:
		res.Language = "sv"
	case fi > sv:
		res.Language = "fi"
	default:
		res.Language = guessLanguage(d)
	}
	if len(res.Registers) == 0 && sector == "" {
		res.Warnings = append(res.Warnings, warnf("importer.warn.no_sector"))
	}
	return res
}
