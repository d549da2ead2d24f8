package registers

import (
	"strings"
	"unicode"
)

// Register is one register (henkilörekisteri / personregister, tietovaranto,
// datasystem) as read from a published register description. Text fields hold
// the published wording verbatim (only white space is tidied); nothing is
// translated or corrected. A field the document does not give is left empty.
type Register struct {
	// Name is the published name of the register; identity within an
	// organisation is NormalizeName(Name) (D-3).
	Name string `json:"name"`
	// Purpose is the published purpose of processing / användningsändamål.
	Purpose string `json:"purpose"`
	// Controller is the controller text exactly as printed (D-4). The legal
	// controller is always the organisation; this is only what the document
	// says, e.g. "Bildningsnämnden / Bibliotekstjänster".
	Controller string `json:"controller"`
	// Unit is the unit or body named in the controller text or in a
	// responsible-unit column, e.g. "Bibliotekstjänster".
	Unit string `json:"unit"`
	// Contact is the responsible person or role title as published, e.g.
	// "Bildningschefen".
	Contact string `json:"contact"`
	// LegalBasis is the Art 6(1) GDPR letter "a".."f" when it can be read
	// from the text, else "unknown".
	LegalBasis string `json:"legal_basis"`
	// LegalBasisText is the published legal-basis wording verbatim.
	LegalBasisText string `json:"legal_basis_text"`
	DataContent    string `json:"data_content"`
	Sources        string `json:"sources"`
	Recipients     string `json:"recipients"`
	Retention      string `json:"retention"`
	Systems        string `json:"systems"`
	// DataStore marks a data store (tietovaranto, informationslager,
	// asiarekisteri) read from a document-publicity description
	// (906/2019 §28): it may hold no personal data, so the DPO checks it
	// before it is published as a register.
	DataStore bool `json:"data_store,omitempty"`
	// Sector is the section or sector heading the register is listed under.
	Sector string `json:"sector"`
	// Language is the language of the document: "fi" or "sv".
	Language   string `json:"language"`
	SourceFile string `json:"source_file"`
	// SourceRow is the 1-based line number of the register in the document.
	SourceRow int `json:"source_row"`
	// Warnings lists anything the importer could not place or had to guess.
	Warnings []string `json:"warnings,omitempty"`
	// Extra holds other headed sections keyed by their published heading,
	// e.g. "Tietojen suojaaminen", and format specific data such as the
	// ABP/PRB/DRB marks of the Kronoby table (key "marks").
	Extra map[string]string `json:"extra,omitempty"`
}

// LegalBasisUnknown is the LegalBasis value used when no Art 6(1) letter can
// be read from the document.
const LegalBasisUnknown = "unknown"

// NormalizeName folds a published register name to its identity key (D-3):
// case is folded, punctuation, symbols and white space of any kind become a
// single space, and leading/trailing space is dropped. It is Unicode-aware:
// letters (and their combining marks) of any script are kept as letters, so
// ä, ö and å are not reduced to a and o, and decomposed letters such as
// "a"+U+0308 are composed first so that they compare equal to their
// precomposed forms. Invisible format characters (soft hyphen, zero-width
// space) are removed.
func NormalizeName(s string) string {
	s = composeNordic(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1 // soft hyphen, zero-width space, BOM …
		}
		return r
	}, s))
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if pendingSpace && b.Len() > 0 {
				b.WriteByte(' ')
			}
			pendingSpace = false
			b.WriteString(foldRune(r))
		default:
			// white space, punctuation, symbols, controls.
			pendingSpace = true
		}
	}
	return b.String()
}

// foldRune returns the case-folded form of r (simple lower-casing, so that
// folding is idempotent: "ẞ" and "ß" both fold to "ß").
func foldRune(r rune) string {
	return string(unicode.ToLower(r))
}

// composeNordic composes the decomposed letters that appear in Finnish and
// Swedish text (a/o/u + diaeresis, a + ring, e + acute, and their capitals)
// into their precomposed forms. PDF text extraction often yields the
// decomposed forms.
func composeNordic(s string) string {
	if !strings.ContainsAny(s, "\u0308\u030a\u0301") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if i+1 < len(rs) {
			if c, ok := nordicCompose[[2]rune{rs[i], rs[i+1]}]; ok {
				b.WriteRune(c)
				i++
				continue
			}
		}
		b.WriteRune(rs[i])
	}
	return b.String()
}

var nordicCompose = map[[2]rune]rune{
	{'a', '\u0308'}: 'ä', {'A', '\u0308'}: 'Ä',
	{'o', '\u0308'}: 'ö', {'O', '\u0308'}: 'Ö',
	{'u', '\u0308'}: 'ü', {'U', '\u0308'}: 'Ü',
	{'a', '\u030a'}: 'å', {'A', '\u030a'}: 'Å',
	{'e', '\u0301'}: 'é', {'E', '\u0301'}: 'É',
}
