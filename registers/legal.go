package registers

import (
	"regexp"
	"strings"
)

// Reading the Art 6(1) GDPR letter from published wording. Recognised forms
// (case-insensitive, Finnish and Swedish), e.g.
//
//	6 artiklan 1 c-kohta            6 artiklan 1 kohdan e alakohta
//	6 art. 1 mom. c                 6 artikeln 1 punkten c
//	artikla 6.1 e / artikel 6.1 e   art. 6(1)(c) / artikla 6 (1) c
//	artikel 6 punkt 1 c             6(1)(e)
//
// Only explicit article references are read; wording such as "lakisääteinen
// velvoite" alone is not mapped to a letter.

// letterTail: the letter, bare or in parentheses, not followed by another
// letter or digit ("c-kohta", "c)", "e.", "c alakohta").
const letterTail = `(?:\(\s*([a-f])\s*\)|([a-f])(?:$|[^\p{L}\d]))`

// paraWord: what may stand between the paragraph number and the letter.
const paraWord = `(?:kohdan|kohta|kohtaa|kohdat|mom\.?|momentin|momentti|punkten|punkt|st\.?|stycket|stycke|led|\.)?`

var legalPatterns = []*regexp.Regexp{
	// 6 artiklan 1 c-kohta; 6 art. 1 mom. c; 6 artikeln 1 punkten c
	regexp.MustCompile(`\b6\s*(?:artiklan|artikla|artikeln|artikel|art\.?)\s*(?:\(\s*1\s*\)|1)\s*` + paraWord + `\s*` + letterTail),
	// artikla 6.1 e; artikel 6.1 c; art. 6(1)(c); artikel 6 punkt 1 c
	regexp.MustCompile(`\b(?:artiklan|artikla|artikeln|artikel|article|art\.?)\s*6\s*(?:\.\s*1|\(\s*1\s*\)|\s+(?:kohdan|kohta|mom\.?|momentin|punkten|punkt|st\.?|stycket)?\s*1)\s*` + paraWord + `\s*` + letterTail),
	// bare 6(1)(c) / 6 (1) c
	regexp.MustCompile(`\b6\s*\(\s*1\s*\)\s*` + letterTail),
}

// moreLetters reads further letters listed after the first one:
// "c- ja e-kohta", "c och e", "(c), (e)".
var moreLetters = regexp.MustCompile(`^\s*-?\s*(?:alakohdat|alakohdan|alakohta|kohdat|kohdan|kohta|punkten|punkt|led)?\s*(?:,|\+|(?:ja|och|sekä|samt|tai|eller)\s)\s*` + letterTail)

// legalBasisLetters returns the distinct Art 6(1) letters in text, in order
// of appearance.
func legalBasisLetters(text string) []string {
	t := strings.ToLower(text)
	type hit struct {
		pos    int
		letter string
	}
	var hits []hit
	for _, re := range legalPatterns {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			pos, l, end := letterAt(t, m)
			if l == "" {
				continue
			}
			hits = append(hits, hit{pos, l})
			rest := t[end:]
			off := end
			for {
				mm := moreLetters.FindStringSubmatchIndex(rest)
				if mm == nil {
					break
				}
				p, l2, e := letterAt(rest, mm)
				if l2 == "" {
					break
				}
				hits = append(hits, hit{off + p, l2})
				rest = rest[e:]
				off += e
			}
		}
	}
	// order by position (stable, small n)
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && hits[j].pos < hits[j-1].pos; j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, h := range hits {
		if !seen[h.letter] {
			seen[h.letter] = true
			out = append(out, h.letter)
		}
	}
	return out
}

// letterAt extracts the letter from a match of letterTail's two groups and
// returns its position and the end of the letter.
func letterAt(s string, m []int) (int, string, int) {
	n := len(m)
	// the last two groups are letterTail's
	for _, g := range []int{n - 4, n - 2} {
		if g >= 2 && m[g] >= 0 {
			return m[g], s[m[g]:m[g+1]], m[g+1]
		}
	}
	return 0, "", 0
}

// readLegalBasis returns the letter for text and a warning when the text
// names several letters.
func readLegalBasis(texts ...string) (string, string) {
	for _, t := range texts {
		ls := legalBasisLetters(t)
		switch len(ls) {
		case 0:
			continue
		case 1:
			return ls[0], ""
		default:
			return ls[0], warnf("importer.warn.several_bases", strings.Join(ls, ", "))
		}
	}
	return LegalBasisUnknown, ""
}
