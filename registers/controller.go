package registers

import (
	"regexp"
	"strings"
	"unicode"
)

// OtherController reports whether a document's controller text names a
// body other than the importing organisation: another municipality, a
// joint authority, a wellbeing services county, a company, an association
// or a state agency. Only the organisation is the legal controller of its
// catalogue (doc.go), so such a register either belongs to someone else
// or is one whose controller is elsewhere (D-7), and the DPO must decide.
//
// It answers only on positive evidence: a text that names the
// organisation (any of names, in any inflection) or names nothing known
// (a committee, a unit) is not another body. A false alarm would teach
// the DPO to skip the warning.
func OtherController(controller string, names ...string) bool {
	orig := controllerWords(controller)
	words := make([]string, len(orig))
	for i, w := range orig {
		words[i] = strings.ToLower(w)
	}
	if len(words) == 0 {
		return false
	}
	if namesOwn(words, ownWords(names)) {
		return false // it names the organisation
	}
	for i, w := range words {
		if separateBodyWord(w) {
			return true
		}
		// "Korsholms kommunbibliotek", "Rautalammin kunnankirjasto",
		// "Vasa stad": a municipality's name before its municipal word.
		if i > 0 && municipalWord(w) && placeName(orig[i-1]) {
			return true
		}
	}
	return false
}

// ownWords are the lower-case words that tell the organisation's names
// apart from another's ("grankulla", "kauniainen" of "Grankulla stad",
// "Kauniaisten kaupunki").
func ownWords(names []string) []string {
	var own []string
	for _, n := range names {
		for _, w := range controllerWords(n) {
			if w = strings.ToLower(w); !genericOrgWord(w) && !separateBodyWord(w) {
				own = append(own, w)
			}
		}
	}
	return own
}

// namesOwn reports whether one of the lower-case words is one of own in
// any inflection.
func namesOwn(words, own []string) bool {
	for _, w := range words {
		for _, o := range own {
			if sameStem(w, o) {
				return true
			}
		}
	}
	return false
}

// cityLine is a line "City: body" of a joint register's controller text.
var cityLine = regexp.MustCompile(`^(\p{Lu}[\p{L}\-]+(?: \p{Lu}[\p{L}\-]+)?)\s*:\s+(\S.*)$`)

// notCity: labels of a controller text's own fields, never a city.
var notCity = regexp.MustCompile(`(?i)^(nimi|nimet|namn|name|names|organisaatio|organisation|y-tunnus|fo-nummer|osoite|adress|address|käyntiosoite|besöksadress|postiosoite|postadress|puhelin|puh|tel|tfn|telefon|sähköposti|e-post|email|tietosuojavastaava|dataskyddsombud|yhteyshenkilö|kontaktperson|vastuuhenkilö|ansvarsperson|edustaja|företrädare|rekisterinpitäjä|personuppgiftsansvarig)$`)

// jointUnit reads the unit of a joint register whose controller text is
// one "City: body" line per organisation (corpus 22: "Esbo: Esbo stad",
// "Helsingfors: chefen för bibliotekstjänsterna", "Grankulla: Grankulla
// stad"): the unit in the body on the line of the importing organisation,
// named in any language in names. When no line is the organisation's the
// unit is empty: another city's body is not the organisation's unit
// (D-4). ok is false when the text is not such a list.
func jointUnit(controller string, names []string) (unit string, ok bool) {
	lines := strings.Split(strings.TrimSpace(controller), "\n")
	if len(lines) < 2 {
		return "", false
	}
	own := ownWords(names)
	seen := map[string]bool{}
	for _, l := range lines {
		m := cityLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil || notCity.MatchString(m[1]) || seen[m[1]] {
			return "", false
		}
		seen[m[1]] = true
		if unit == "" && len(own) > 0 && namesOwn(strings.Fields(strings.ToLower(m[1])), own) {
			unit = noticeUnit(m[2])
		}
	}
	return unit, true
}

// controllerWords are the words of s, split at anything but letters and
// digits ("Etelä-Pohjanmaan" is two words).
func controllerWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// sameStem: two words are the same name in different cases when they
// share a prefix of all but the last three letters of the organisation's
// word, and at least three (Turku and Turun, Helsinki and Helsingin,
// Pietarsaari and Pietarsaaren, Närpes and Närpes).
func sameStem(w, own string) bool {
	a, b := []rune(w), []rune(own)
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n >= 3 && n >= len(b)-3
}

// genericOrgWord: words of an organisation's name that do not tell it
// apart from another ("Närpes stad", "Kokkolan kaupunki").
func genericOrgWord(w string) bool {
	switch w {
	case "kunta", "kunnan", "kaupunki", "kaupungin", "stad", "stads", "kommun", "kommuns", "city", "town",
		"municipality", "of", "the", "ja", "och", "and", "i", "på":
		return true
	}
	return false
}

// municipalWord: a word that says "municipality" or "town", alone or as
// the first part of a compound (kunnankirjasto, kommunbibliotek). Swedish
// "stads-" compounds are left out: most are the town's own organs
// (stadsstyrelsen, stadsplanering), as are "kommunal-" ones.
func municipalWord(w string) bool {
	switch w {
	case "kunta", "kaupunki", "stad", "kommun":
		return true
	}
	if strings.HasPrefix(w, "kommunal") {
		return false
	}
	for _, p := range []string{"kunnan", "kaupungin", "kommun"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// placeName: a capitalised word that is not itself a municipal word (the
// name in "Vasa stad", not "Stadsstyrelsen" before "kommun").
func placeName(w string) bool {
	r := []rune(w)
	return len(r) >= 2 && unicode.IsUpper(r[0]) && !genericOrgWord(strings.ToLower(w)) && !municipalWord(strings.ToLower(w))
}

// separateBodyWord: a word that names a legal person of its own. Committees
// (lautakunta, nämnd) and units are the organisation's own and are not
// listed.
func separateBodyWord(w string) bool {
	switch w {
	case "oy", "oyj", "ab", "abp", "ry", "rf", "sr":
		return true
	}
	for _, s := range []string{"kuntayhtymä", "kuntayhtymän", "samkommun", "hyvinvointialue", "välfärdsområde",
		"liitto", "liiton", "förbund", "säätiö", "stiftelse", "seurakunta", "församling", "ministeriö",
		"ministeriet", "virasto", "ämbetsverk", "yliopisto", "universitet", "opetushallitus", "utbildningsstyrelsen",
		"tutkimuskeskus", "forskningscentral"} {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}
