package registers

import (
	"regexp"
	"slices"
	"sort"
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
//	artikel 6. punkt c)             6 artikla c, e / 6 artiklan e-kohta
//
// Article 6 has lettered points only in its paragraph 1, so "artikel 6
// punkt c" without the paragraph is read as 6(1)(c) too, but then only with
// a point word or with the letter in the form "c)", "(c)", "c-" or "c,",
// so that a sentence starting with "a" after "artikla 6." is no letter.
//
// Without an article reference, the basis named in words in the
// legal-basis text is read (basisWords), never from the purpose: there
// "sopimus" or "avtal" is seldom the basis of the processing.

// letterTail: the letter, bare or in parentheses, not followed by another
// letter or digit ("c-kohta", "c)", "e.", "c alakohta").
const letterTail = `(?:\(\s*([a-f])\s*\)|([a-f])(?:$|[^\p{L}\d]))`

// strictTail: the letter without a point word: "c)", "(c)", "e-kohta",
// "c, e".
const strictTail = `(?:\(\s*([a-f])\s*\)|([a-f])(?:\)|-|,))`

// pointWord: a word for a lettered point, standing before its letter.
const pointWord = `(?:kohdan|kohta|punkten|punkt|led|stycket|stycke|mom\.?|momentin|point|lit\.?)`

// paraWord: what may stand between the paragraph number and the letter.
const paraWord = `(?:kohdan|kohta|kohtaa|kohdat|mom\.?|momentin|momentti|punkten|punkt|st\.?|stycket|stycke|led|\.)?`

var legalPatterns = []*regexp.Regexp{
	// 6 artiklan 1 c-kohta; 6 art. 1 mom. c; 6 artikeln 1 punkten c
	regexp.MustCompile(`\b6\s*(?:artiklan|artikla|artikeln|artikel|art\.?)\s*(?:\(\s*1\s*\)|1)\s*` + paraWord + `\s*` + letterTail),
	// artikla 6.1 e; artikel 6.1 c; art. 6(1)(c); artikel 6 punkt 1 c
	regexp.MustCompile(`\b(?:artiklan|artikla|artikeln|artikel|article|art\.?)\s*6\s*(?:\.\s*1|\(\s*1\s*\)|\s+(?:kohdan|kohta|mom\.?|momentin|punkten|punkt|st\.?|stycket)?\s*1)\s*` + paraWord + `\s*` + letterTail),
	// bare 6(1)(c) / 6 (1) c
	regexp.MustCompile(`\b6\s*\(\s*1\s*\)\s*` + letterTail),
	// without the paragraph: artikel 6. punkt c); 6 artiklan kohta e
	regexp.MustCompile(`\b(?:artiklan|artikla|artikeln|artikel|article|art\.?)\s*6\.?\s*` + pointWord + `\s*` + letterTail),
	regexp.MustCompile(`\b6\s*(?:artiklan|artikla|artikeln|artikel|art\.?)\s*` + pointWord + `\s*` + letterTail),
	// without the paragraph or a point word: art. 6 (e); 6 artikla c, e
	regexp.MustCompile(`\b(?:artiklan|artikla|artikeln|artikel|article|art\.?)\s*6\.?\s*` + strictTail),
	regexp.MustCompile(`\b6\s*(?:artiklan|artikla|artikeln|artikel|art\.?)\s*` + strictTail),
}

// basisWords name the Art 6(1) bases in words, as the GDPR's Finnish,
// Swedish and English texts and the notices citing them do (lower case).
var basisWords = []struct {
	letter string
	re     *regexp.Regexp
}{
	{"a", regexp.MustCompile(`suostumu(?:s|ks)|samtyck|\bconsent`)},
	{"b", regexp.MustCompile(`\bsopimu(?:s|ks)|\bavtal|\bcontract`)},
	{"c", regexp.MustCompile(`lakisäätei\S*\s+velvoit|oikeudelli\S*\s+velvoit|rättslig\S*\s+förpliktelse|legal\s+obligation`)},
	{"d", regexp.MustCompile(`elintärke\S*\s+(?:etu|etua|edun|etuja|etujen)\b|grundläggande\s+intresse|vital\s+interest`)},
	{"e", regexp.MustCompile(`\byle(?:inen|isen|istä|iseen)\s+(?:etu|etua|edun|etuun)\b|julkisen\s+vallan\s+käyt|allmänt\s+intresse|allmänintresse|myndighetsutövning|public\s+interest|official\s+authority`)},
	{"f", regexp.MustCompile(`oikeutet\S*\s+(?:etu|etua|edun|etuja|etujen)\b|berättiga\S*\s+intresse|legitimate\s+interest`)},
}

// negation: a basis named in the same clause after one of these words is
// denied ("ei perustu suostumukseen", "inte på samtycke").
var negation = regexp.MustCompile(`\b(?:ei|eikä|inte|ej|icke|not|no)\b`)

// legalBasisWords returns the distinct letters of the bases text names in
// words, in order of appearance.
func legalBasisWords(text string) []string {
	t := strings.ToLower(text)
	var hits []letterHit
	for _, w := range basisWords {
		for _, m := range w.re.FindAllStringIndex(t, -1) {
			clause := t[strings.LastIndexAny(t[:m[0]], ".;:,\n")+1 : m[0]]
			if !negation.MatchString(clause) {
				hits = append(hits, letterHit{m[0], w.letter})
			}
		}
	}
	return distinctLetters(hits)
}

// moreLetters reads further letters listed after the first one:
// "c- ja e-kohta", "c och e", "(c), (e)".
var moreLetters = regexp.MustCompile(`^\s*-?\s*(?:alakohdat|alakohdan|alakohta|kohdat|kohdan|kohta|punkten|punkt|led)?\s*(?:,|\+|(?:ja|och|sekä|samt|tai|eller)\s)\s*` + letterTail)

// legalBasisLetters returns the distinct Art 6(1) letters in text, in order
// of appearance.
func legalBasisLetters(text string) []string {
	t := strings.ToLower(text)
	var hits []letterHit
	for _, re := range legalPatterns {
		for _, m := range re.FindAllStringSubmatchIndex(t, -1) {
			pos, l, end := letterAt(t, m)
			if l == "" {
				continue
			}
			hits = append(hits, letterHit{pos, l})
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
				hits = append(hits, letterHit{off + p, l2})
				rest = rest[e:]
				off += e
			}
		}
	}
	return distinctLetters(hits)
}

// letterHit is a letter read at a position of the text.
type letterHit struct {
	pos    int
	letter string
}

// distinctLetters returns the distinct letters of hits in order of
// position.
func distinctLetters(hits []letterHit) []string {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].pos < hits[j].pos })
	var out []string
	for _, h := range hits {
		if !slices.Contains(out, h.letter) {
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

// readLegalBasis returns the letter for the legal-basis text and the
// purpose, and a warning when they name several letters: an article
// reference in either, else the basis the legal-basis text names in words.
func readLegalBasis(legal, purpose string) (string, string) {
	for _, ls := range [][]string{legalBasisLetters(legal), legalBasisLetters(purpose), legalBasisWords(legal)} {
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
