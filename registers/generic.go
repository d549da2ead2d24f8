package registers

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The generic extractor (issue 19) reads what public bodies really publish
// rather than one layout: tietosuojaselosteet / rekisteriselosteet /
// dataskyddsbeskrivningar with the headings of henkilötietolaki §10 or GDPR
// Arts 13-14 (numbered or not, the number on its own line or glued to the
// heading, "Heading: value", the heading glued to its value, a flattened
// two-column table "Heading Value"), several registers per document (several
// name fields, one name field listing several registers, a table of contents
// of register names run together on one PDF-transcript line, a list of
// register names), and asiakirjajulkisuuskuvaukset / beskrivningar av
// handlingars offentlighet (Information Management Act 906/2019 §28) whose
// data stores (tietovarannot, informationslager, the asiarekisteri) are not
// all personal-data registers: those are marked DataStore.
//
// Where a name comes from, in order: name fields; register lists; the data
// stores of a publicity description; and only when none of these gives a
// name, the title, the register named in running text ("I kundregistret
// sparas" -> "Kundregistret"), a title "X tietosuojaseloste", or the heading
// just above the data-content section (a system treated as the register).
//
// The controller is what the document prints (D-4): the controller field's
// organisation lines without addresses, ids and contact lines; joint
// controllers listed as bullets are joined with "; "; else a statement in
// prose ("Rekisterinpitäjänä toimii X", "X för ett register över",
// "X on tiedonhallintayksikkö"). The legal controller stays the organisation.

// FormatGeneric is any register description the exact seed importers do
// not recognise, read by the generic extractor.
const FormatGeneric Format = "generic"

// nfNameController is a heading that names both the register and its
// controller ("Registrets namn och upprätthållare").
const nfNameController noticeField = 100

// genericHeadings extends the notice headings with wordings seen in real
// publications; they are kept apart so that the exact notice importer is
// unchanged. lookupHeading reads both.
var genericHeadings = map[string]noticeHeading{}

// headingFirst holds the first word of every heading, so that most lines
// are dismissed with one lookup.
var (
	headingFirstOnce sync.Once
	headingFirst     map[string]bool
)

func isHeadingFirstWord(w string) bool {
	headingFirstOnce.Do(func() {
		headingFirst = map[string]bool{}
		for _, m := range []map[string]noticeHeading{noticeHeadings, genericHeadings} {
			for k := range m {
				f, _, _ := strings.Cut(k, " ")
				headingFirst[f] = true
			}
		}
	})
	f, _, _ := strings.Cut(NormalizeName(w), " ")
	return headingFirst[f]
}

func lookupHeading(norm string) (noticeHeading, bool) {
	if h, ok := genericHeadings[norm]; ok {
		return h, true
	}
	h, ok := noticeHeadings[norm]
	return h, ok
}

func addGeneric(f noticeField, lang string, hs ...string) {
	for _, h := range hs {
		genericHeadings[NormalizeName(h)] = noticeHeading{f, lang}
	}
}

func init() {
	addGeneric(nfName, "fi", "Tietojärjestelmän nimi", "Tietovarannon nimi", "Rekisterin/tietovarannon nimi", "Rekisterin ja tietojärjestelmän nimi",
		"Henkilötietorekisterin nimi", "Rekisterin nimi ja käyttötarkoitus")
	addGeneric(nfController, "fi", "Rekisterinpitäjä ja tietosuojavastaava", "Tietojärjestelmän vastuutahot", "Rekisterinpitäjän nimi, osoite ja muut yhteystiedot",
		"Rekisterinpitäjän nimi ja osoite", "Rekisterinpitäjä ja yhteyshenkilö", "Rekisterinpitäjä ja rekisterin yhteyshenkilö", "Yhteisrekisterinpitäjyys")
	addGeneric(nfContact, "fi", "Rekisteriasioista vastaavat henkilöt ja/tai yhteyshenkilöt", "Rekisterin yhteyshenkilöt ja tämän yhteystiedot",
		"Rekisteriasioista vastaavat henkilöt yhteystietoineen", "Yhteyshenkilö rekisterin tietosuoja-asioissa", "Rekisterinpitäjän edustaja (yhteyshenkilö)",
		"Rekisterinpitäjän edustaja", "Tietojärjestelmän vastuuyksiköt ja -henkilöt", "Rekisterin vastuuhenkilöt", "Rekisteriasioista vastaava henkilö ja yhteyshenkilö",
		"Rekisterin vastuuhenkilö ja yhteystiedot", "Rekisterin yhteyshenkilö ja yhteystiedot", "Yhteyshenkilö rekisteriasioissa")
	addGeneric(nfPurpose, "fi", "Henkilötietojen käsittelyn tarkoitus (sekä käsittelyn oikeusperuste)", "Tietojärjestelmän käyttötarkoitus", "Rekisterin käyttötarkoitus ja henkilötietojen käsittelyn oikeusperuste", "Henkilötietojen käsittelyn tarkoitus / rekisterin käyttötarkoitus",
		"Henkilötietojen käsittelyn tarkoitus ja käsittelyn oikeusperuste", "Rekisterin tarkoitus", "Käsittelyn tarkoitus ja oikeusperusteet")
	addGeneric(nfLegal, "fi", "Henkilötietojen käsittelyn laillisuus", "Käsittelyn lainmukaisuus", "Henkilötietojen käsittelyn peruste", "Käsittelyperuste")
	addGeneric(nfData, "fi", "Rekisterin tietosisältö, kuvaus rekisteröityjen ryhmistä ja henkilötietotyypeistä", "Rekisteröityjen ryhmät ja tietosisältö",
		"Henkilötietojen ryhmät ja tietosisältö", "Rekisterin henkilötietosisältö", "Rekisterin sisältö", "Tietosisältö ja rekisteröityjen ryhmät")
	addGeneric(nfSources, "fi", "Henkilötietojen tietolähteet", "Rekisterin tietolähteet", "Tietolähteet ja tietojen kerääminen", "Mistä tiedot saadaan")
	addGeneric(nfRecipients, "fi", "Henkilötietojen luovutukset", "Tietojen luovuttaminen", "Henkilötietojen luovutukset ja siirrot", "Tietojen luovutukset ja siirrot",
		"Tietojen säännönmukaiset luovutukset ja tietojen siirto EU:n tai ETA:n ulkopuolelle")
	addGeneric(nfRetention, "fi", "Henkilörekisterin sisältämien henkilötietojen säilytysaika", "Tietojen säilytys", "Säilytysaika ja arkistointi", "Tietojen säilytysaika ja hävittäminen")
	addGeneric(nfSystems, "fi", "Käytettävät järjestelmät", "Järjestelmät")
	addGeneric(nfExtra, "fi", "Kunnan tietosuojavastaava", "Laatijan tiedot", "Käsitelläänkö erityisiä henkilötietoja", "Käsitellään erityisiä henkilötietoja",
		"Erityiset henkilötiedot", "Rekisterin suojauksen periaatteet", "Tietojen suojauksen periaatteet", "Rekisteröidyn informointi")
	addGeneric(nfDate, "fi", "Laatimispäivä/päivitetty", "Laatimispvm", "Muokkaamispäivä", "Julkaistu")

	addGeneric(nfName, "sv", "Registrets namn", "Informationslagrets namn", "Datasystemets namn", "Registrets benämning")
	addGeneric(nfNameController, "sv", "Registrets namn och upprätthållare", "Registrets namn och personuppgiftsansvarig", "Registrets namn och registeransvarig")
	addGeneric(nfNameController, "fi", "Rekisterin nimi ja rekisterinpitäjä", "Rekisterin nimi ja ylläpitäjä")
	addGeneric(nfController, "sv", "Registerupprätthållare", "Den registeransvarige", "Den personuppgiftsansvarige", "Personuppgiftsansvarig och dataskyddsombud",
		"Personuppgiftsansvarigs namn och kontaktuppgifter", "Registerhållare och kontaktuppgifter")
	addGeneric(nfContact, "sv", "Registeransvariga", "Registrets kontaktpersoner", "Kontaktperson i registerärenden", "Personer som ansvarar för registerärenden och kontaktpersoner",
		"Kontaktperson för frågor om registret", "Kontaktperson för registerärenden", "Registerbiträde", "Kontaktperson i ärenden som gäller registret",
		"Registeransvariga och personer som sköter registerfrågor", "Person som ansvarar för registerärenden")
	addGeneric(nfPurpose, "sv", "Registrets syfte", "Ändamål och rättsliga grunder för behandling av personuppgifter", "Ändamål och rättslig grund för behandlingen av personuppgifter",
		"Syfte med och rättslig grund för behandlingen av personuppgifter", "Syfte och motivering att behandla personuppgifter",
		"Syftet med registreringen av personuppgifter och rättsliga grunder för användning av dessa", "Avsikt med och rättsgrund för behandlingen av personuppgifter",
		"Syfte och grund för behandlingen av personuppgifter", "Registrets syfte och grunden för dess upprätthållande", "Ändamålet med behandlingen av personuppgifterna",
		"Syftet med behandlingen av personuppgifter", "Ändamål med behandlingen och rättslig grund")
	addGeneric(nfData, "sv", "Registrets informationsinnehåll", "Registrets datainnehåll och ifrågavarande personuppgiftskategorier", "De uppgifter om de registrerade som behandlas",
		"Personuppgiftsregistrens informationsinnehåll", "Registrets uppgifter", "Uppgifter som behandlas", "Personuppgifter som behandlas")
	addGeneric(nfSources, "sv", "Källor", "Regelrätta informationskällor", "Registrets normala källor", "Uppgiftskällor för registret")
	addGeneric(nfRecipients, "sv", "Utlämning av uppgifter", "Regelrätt överlåtning av information", "Normal överlåtelse av personuppgifter", "Regelmässig överlåtelse av uppgifter",
		"Utlämnande och överföring av personuppgifter")
	addGeneric(nfRetention, "sv", "Förvaring, arkivering och utplånande av personregistret och registeruppgifterna", "Förvaring av uppgifter", "Lagring av uppgifter")
	addGeneric(nfExtra, "sv", "Den dataskyddsansvarigas kontaktuppgifter", "Stadens dataskyddsombud", "Åtgärder för att trygga säkerheten i behandlingen",
		"De kategorier av registrerade som berörs av behandlingen", "Principer för skyddandet av registret", "Överlåtning av information utanför EU eller ETA",
		"Internt bruk av registret", "Registrets koppling till andra personregister", "Skyddande av registret", "Information till den registrerade",
		"Rätt att granska registret", "Rättelse av registeruppgifterna", "Förbudsrätt", "Registeradministration", "Interna anvisningar och utbildning gällande registret",
		"Behandlas känsliga personuppgifter")
	addGeneric(nfDate, "sv", "Senast uppdaterad", "Datum för uppgörandet", "Uppdaterades")
}

// gline is one non-empty line of the document, cleaned.
type gline struct {
	no     int
	text   string // cleaned, bullet removed
	bullet bool
	blank  bool // a blank line precedes it
}

var (
	bulletPrefix = regexp.MustCompile(`^(?:[•·▪◦●‣∙\-–—*]|\d{1,2}\))\s+`)
	onlyNumber   = regexp.MustCompile(`^\d{1,3}[.)]?$`)
	leadNumber   = regexp.MustCompile(`^\d{1,2}(?:\.\d{1,2})*\.?\)?\s*`)
	docplayerHdr = regexp.MustCompile(`(?i)^download\s+"`)
)

// chrome is web-page furniture that is never content (normalised).
var chrome = map[string]bool{}

func init() {
	for _, s := range []string{"Siirry sisältöön", "Siirry pääsisältöön", "Hyppää sisältöön", "Ohita päävalikko", "Ohita navigaatio", "Skip to content",
		"Skip to main content", "Till innehållet", "Gå till innehållet", "Hoppa till innehållet", "Förbigå menyn", "Navigointivalikko", "Päävalikko",
		"Huvudmeny", "Etusivu", "Startsida", "Haku", "Sök", "Valikko", "Meny", "Menu", "Save this PDF as", "Koko px", "Storlek px", "Size px",
		"Aloita esitys sivulta", "Starta visningen från sidan", "Transkriptio", "Transkript", "Transcription", "Tulostettava versio PDF",
		"Tulosta", "Skriv ut", "Jaa", "Dela", "Share", "Jaa sivu", "Dela sidan", "Takaisin", "Tillbaka", "Kirjaudu", "Logga in", "Kieli", "Språk",
		"Suomeksi", "På svenska", "In English", "Sivun alkuun", "Till början av sidan", "Evästeasetukset", "Kakinställningar", "Hyväksy evästeet", "Godkänn kakor"} {
		chrome[NormalizeName(s)] = true
	}
}

func genericLines(d *doc) []gline {
	var out []gline
	blank := true
	for _, l := range d.lines {
		s := clean(l.text)
		if s == "" {
			blank = true
			continue
		}
		g := gline{no: l.no, blank: blank}
		blank = false
		if m := bulletPrefix.FindString(s); m != "" && !onlyNumber.MatchString(s) {
			g.bullet = true
			s = strings.TrimSpace(s[len(m):])
		}
		if strings.HasPrefix(s, "# source: ") && l.no == 1 {
			continue
		}
		if s == "" || onlyNumber.MatchString(s) || pageNumber.MatchString(s) || chrome[NormalizeName(s)] || docplayerHdr.MatchString(s) {
			continue
		}
		if i := gluedEmailEnd(s); i > 0 {
			out = append(out, gline{no: l.no, text: s[:i], bullet: g.bullet, blank: g.blank}, gline{no: l.no, text: s[i:]})
			continue
		}
		g.text = s
		out = append(out, g)
	}
	return out
}

// gluedEmail is an e-mail address run into a capitalised word, where the
// text was copied from a page that had a line break or a new element
// between them ("maria.kronqvist-berg@korsholm.fiBibliotekarie Hilde-Ann
// Lall"). Domains are printed in lower case, so a capital ends the address.
var gluedEmail = regexp.MustCompile(`[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\p{Lu}`)

// gluedEmailEnd is where such an address ends in s, or 0.
func gluedEmailEnd(s string) int {
	m := gluedEmail.FindStringIndex(s)
	if m == nil {
		return 0
	}
	_, size := utf8.DecodeLastRuneInString(s[:m[1]])
	return m[1] - size
}

// gheading is a recognised heading line.
type gheading struct {
	field noticeField
	lang  string
	label string
	rest  string // the value on the same line
}

// matchGenericHeading recognises a heading at the start of s: alone, with
// a colon and its value, glued to its value ("Registrets namnNätbutikens"),
// or followed by its value after a space when the value starts with a
// capital ("Registrets namn Bibliotekets kundregister").
func matchGenericHeading(s string) (gheading, bool) {
	numbered := false
	if m := leadNumber.FindString(s); m != "" {
		rest := s[len(m):]
		if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
			return gheading{}, false
		}
		s, numbered = rest, true
	}
	first, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(first) {
		return gheading{}, false
	}
	words := strings.Fields(s)
	if len(words) == 0 {
		return gheading{}, false
	}
	if w := words[0]; !isHeadingFirstWord(w) {
		if p := gluePoint(w); p == 0 || !isHeadingFirstWord(w[:p]) {
			return keywordHeading(s, numbered)
		}
	}
	best := gheading{}
	found := false
	max := len(words)
	if max > 16 {
		max = 16
	}
	var prefix []string
	for k := 1; k <= max; k++ {
		w := words[k-1]
		// A heading glued to its value: "namnNätbutikens".
		if p := gluePoint(w); p > 0 {
			cand := append(append([]string{}, prefix...), w[:p])
			if h, ok := lookupHeading(NormalizeName(strings.Join(cand, " "))); ok {
				best = gheading{field: h.field, lang: h.lang, label: strings.Join(cand, " "),
					rest: strings.TrimSpace(w[p:] + " " + strings.Join(words[k:], " "))}
				found = true
			}
		}
		prefix = append(prefix, w)
		label := strings.Join(prefix, " ")
		h, ok := lookupHeading(NormalizeName(label))
		if !ok {
			h, ok = lookupHeading(NormalizeName(trailingParen.ReplaceAllString(label, "")))
		}
		if !ok {
			continue
		}
		rest := strings.TrimSpace(strings.Join(words[k:], " "))
		colon := strings.HasSuffix(w, ":")
		if rest != "" && !colon {
			r, _ := utf8.DecodeRuneInString(rest)
			if !(unicode.IsUpper(r) || unicode.IsDigit(r) || r == '(' && k == max) {
				continue // running text that starts with heading words
			}
		}
		best = gheading{field: h.field, lang: h.lang, label: strings.TrimSuffix(label, ":"), rest: rest}
		found = true
	}
	if !found {
		return keywordHeading(s, numbered)
	}
	return best, true
}

// keywordRules classify a heading-shaped line no list knows by the words
// in it, in this order (the first rule that matches wins).
var keywordRules = []struct {
	field noticeField
	lang  string
	re    *regexp.Regexp
}{
	{nfController, "fi", regexp.MustCompile(`^(yhteis)?rekisterinpitäjä(t)?( |$)`)},
	{nfContact, "fi", regexp.MustCompile(`^(rekisterin |rekisteriasioi\S* |rekisteristä )?(vastuu|yhteys)henkilö|yhteyshenkilö|vastuuhenkilö|edustaja`)},
	{nfContact, "sv", regexp.MustCompile(`kontaktperson|ansvarsperson|ansvarig person`)},
	{nfExtra, "fi", regexp.MustCompile(`tietosuojavastaava|valvontaviranomai|rekisteröidyn oikeu|oikeudet|suojaa|suojau|siirto|siirrot|profilo|automaat|automatisoi|evästee|valitus`)},
	{nfExtra, "sv", regexp.MustCompile(`dataskyddsombud|tillsynsmyndighet|den registrerades rättighet|rättigheter|skydd|överföring|profilering|automatiserat|kakor|klagomål`)},
	{nfName, "fi", regexp.MustCompile(`^(\S+ )?(rekisterin|tietojärjestelmän|järjestelmän|tietovarannon|käsittelytoimen|henkilörekisterin) (\S+ )?nimi$`)},
	{nfName, "sv", regexp.MustCompile(`^(\S+ )?(registrets|personregistrets|datasystemets|informationslagrets|behandlingens) (\S+ )?namn$`)},
	{nfController, "fi", regexp.MustCompile(`^(yhteis)?rekisterin ?pitäjä(t|nä)?( |$)|^rekisterinpitäjän (nimi|yhteystiedot|tiedot)`)},
	{nfController, "sv", regexp.MustCompile(`^(den )?(gemensamt )?(personuppgiftsansvarig|registeransvarig|registerförare|registerhållare|registerupprätthållare)`)},
	{nfRetention, "fi", regexp.MustCompile(`säilytys|säilyttäm|arkistoin|hävittäm`)},
	{nfRetention, "sv", regexp.MustCompile(`lagring|förvaring|arkivering|gallring`)},
	{nfRecipients, "fi", regexp.MustCompile(`luovutu|luovuttam|vastaanottaj`)},
	{nfRecipients, "sv", regexp.MustCompile(`utlämn|mottagare|överlåt`)},
	{nfSources, "fi", regexp.MustCompile(`tietolähte|tietojen lähteet|mistä tiedot`)},
	{nfSources, "sv", regexp.MustCompile(`uppgiftskäll|informationskäll|datakäll|källor`)},
	{nfData, "fi", regexp.MustCompile(`tietosisältö|henkilötietoryhm|henkilötietotyyp|käsiteltävät (henkilö)?tiedot|rekisteröityjen ryhm`)},
	{nfData, "sv", regexp.MustCompile(`datainnehåll|informationsinnehåll|uppgiftsinnehåll|personuppgiftskategori|kategorier av personuppgifter|registrets innehåll`)},
	{nfLegal, "fi", regexp.MustCompile(`^(\S+ )*oikeusperuste|laillisuus`)},
	{nfLegal, "sv", regexp.MustCompile(`rättslig grund|rättsliga grund`)},
	{nfPurpose, "fi", regexp.MustCompile(`tarkoitus|käyttötarkoitu`)},
	{nfPurpose, "sv", regexp.MustCompile(`ändamål|syfte`)},
	{nfSystems, "fi", regexp.MustCompile(`^(käytettävät )?tietojärjestelmä|^järjestelmät`)},
	{nfSystems, "sv", regexp.MustCompile(`^(använda )?(informationssystem|datasystem)`)},
}

// keywordHeading recognises a heading no list knows: a short line of its
// own (numbered, or at most eight words), not a sentence, without digits,
// addresses or e-mail, whose words say what the section holds.
func keywordHeading(s string, numbered bool) (gheading, bool) {
	words := strings.Fields(s)
	n := len(words)
	if n == 0 || n > 10 || (!numbered && n > 8) || strings.HasSuffix(s, ".") || strings.HasSuffix(s, ",") ||
		strings.ContainsAny(s, "@0123456789") || strings.Contains(s, "(at)") || docTypeAny.MatchString(s) {
		return gheading{}, false
	}
	norm := NormalizeName(strings.TrimSuffix(s, ":"))
	for _, r := range keywordRules {
		if r.re.MatchString(norm) {
			return gheading{field: r.field, lang: r.lang, label: strings.TrimSuffix(s, ":")}, true
		}
	}
	return gheading{}, false
}

// gluePoint is the index in w where a lower-case letter is followed by an
// upper-case one ("namnNätbutikens" -> 4), or 0.
func gluePoint(w string) int {
	prevLower := false
	for i, r := range w {
		if unicode.IsUpper(r) && prevLower {
			return i
		}
		prevLower = unicode.IsLower(r)
	}
	return 0
}

type gsection struct {
	gheading
	lineNo int
	lines  []gline
}

// Register words: a token naming a register or data store ends in one.
var (
	registerEnd = regexp.MustCompile(`(?i)(rekisteri|register|registret|registry|tietovaranto|informationslager|informationslagret|datalager)$`)
	// Generic words and registers of other authorities, never a name alone.
	genericRegister = map[string]bool{}
	// Registers of other authorities, mentioned in passing.
	otherRegister  = map[string]bool{}
	publicityWords = regexp.MustCompile(`(?i)(asiakirjajulkisuuskuvau|handlingars offentlighet|handlingsoffentlighet|tiedonhallintayksikkö|informationshanteringsenhet|906/2019|tietovarannoista ja asiarekisteri)`)
	docTypeWord    = regexp.MustCompile(`(?i)(` + docTypeWords + `|behandling av personuppgifter|henkilötietojen käsittely|tietosuoja|dataskydd|rekisteriselosteet|tietosuojaselosteet|registerbeskrivningar|dataskyddsbeskrivningar|informointiasiakirja|dataskyddsklausul|tietosuojailmoitus|integritetspolicy|tietosuojaselvitys)`)
)

func init() {
	for _, s := range []string{"rekisteri", "register", "registret", "henkilörekisteri", "personregister", "personregistret", "personuppgiftsregister",
		"tietovaranto", "informationslager", "informationslagret", "asiarekisteri", "ärenderegister", "ärenderegistret", "rekisterit",
		"henkilötietorekisteri", "tietosuojarekisteri", "registry", "datalager", "tietokanta", "aineistorekisteri"} {
		genericRegister[NormalizeName(s)] = true
	}
	for _, s := range []string{"väestörekisteri", "befolkningsregister", "befolkningsregistret", "väestötietojärjestelmä", "kaupparekisteri",
		"handelsregister", "yritysrekisteri", "ytj", "kuntarekisteri", "rikosrekisteri", "straffregister", "ajoneuvorekisteri", "fordonsregister"} {
		otherRegister[NormalizeName(s)] = true
	}
}

func hasRegisterWord(s string) bool {
	for _, w := range strings.Fields(s) {
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if registerEnd.MatchString(w) {
			return true
		}
	}
	return false
}

// isGenericName reports a name that is only a generic word.
func isGenericName(s string) bool {
	return genericRegister[NormalizeName(s)]
}

// gresult is the generic extractor's reading before it becomes a Result.
type gresult struct {
	res        *Result
	recognised bool // the document looks like a register description
}

type greg struct {
	Register
	line int // where the name was read, for assigning sections
}

func parseGeneric(d *doc) *Result { return genericRead(d).res }

func genericRead(d *doc) gresult {
	lines := genericLines(d)
	res := &Result{}
	var (
		sections []*gsection
		cur      *gsection
		pre      []gline
		langs    = map[string]int{}
		kinds    = map[noticeField]bool{}
	)
	for _, l := range lines {
		if h, ok := matchGenericHeading(l.text); ok {
			cur = &gsection{gheading: h, lineNo: l.no}
			sections = append(sections, cur)
			langs[h.lang]++
			if h.field != nfExtra && h.field != nfDate {
				kinds[h.field] = true
			}
			continue
		}
		if cur == nil {
			pre = append(pre, l)
			continue
		}
		if dateOnly.MatchString(l.text) && cur.field != nfDate {
			continue
		}
		cur.lines = append(cur.lines, l)
	}
	switch {
	case langs["sv"] > langs["fi"]:
		res.Language = "sv"
	case langs["fi"] > langs["sv"]:
		res.Language = "fi"
	default:
		res.Language = guessLanguage(d)
	}
	full := make([]string, 0, len(lines))
	for _, l := range lines {
		full = append(full, l.text)
	}
	all := strings.Join(full, "\n")
	publicity := publicityWords.MatchString(all)
	docType := false
	for _, l := range lines {
		if utf8.RuneCountInString(l.text) <= 200 && docTypeWord.MatchString(l.text) {
			docType = true
			break
		}
	}

	var regs []greg
	strong := false // names from fields, lists or transcripts
	add := func(r greg) {
		r.Name = tidyName(r.Name)
		if r.Name == "" || isGenericName(r.Name) {
			return
		}
		k := NormalizeName(r.Name)
		for _, x := range regs {
			if NormalizeName(x.Name) == k {
				return
			}
		}
		regs = append(regs, r)
	}

	// 1. Name fields.
	var nameCtrl []greg // "name and controller" values
	for _, sec := range sections {
		if sec.field != nfName && sec.field != nfNameController {
			continue
		}
		vals := nameValues(sec)
		if sec.field == nfNameController {
			for _, v := range vals {
				nameCtrl = append(nameCtrl, greg{Register: Register{Name: v.text, Controller: v.text, SourceRow: v.no}, line: v.no})
			}
			continue
		}
		for _, v := range vals {
			add(greg{Register: Register{Name: v.text, SourceRow: v.no}, line: v.no})
		}
	}
	// 2. PDF transcripts: name fields inside long lines, tables of
	// contents of register names run together.
	for _, l := range lines {
		if utf8.RuneCountInString(l.text) < 150 {
			continue
		}
		for _, r := range inlineNames(l) {
			add(r)
			strong = true
		}
		for _, n := range runTogetherNames(l.text) {
			add(greg{Register: Register{Name: n, SourceRow: l.no}, line: l.no})
			strong = true
		}
	}
	// 3. Lists of register names, one a line.
	for _, r := range nameLists(lines, sections) {
		add(r)
		strong = true
	}
	// 4. Publicity descriptions: the asiarekisteri and the data stores.
	if publicity {
		for _, r := range dataStores(lines) {
			r.DataStore = true
			add(r)
		}
	}
	// 5. Weaker sources, only when nothing above named a register.
	if len(regs) == 0 {
		if r, ok := weakName(pre, lines, sections, all); ok {
			add(r)
		} else if len(nameCtrl) > 0 {
			for _, r := range nameCtrl {
				add(r)
			}
		}
	}
	// A "name and controller" field names the controller.
	if len(nameCtrl) > 0 {
		for i := range regs {
			if regs[i].Controller == "" {
				regs[i].Controller = nameCtrl[0].Controller
			}
		}
	}

	recognised := len(kinds) >= 3 || (len(kinds) >= 2 && docType) || publicity || strong || (docType && len(kinds) >= 1)
	if !recognised {
		return gresult{res: res}
	}
	fillFields(regs, sections, all, res)
	for _, r := range regs {
		res.Registers = append(res.Registers, r.Register)
	}
	return gresult{res: res, recognised: true}
}

var (
	trailingJunk = regexp.MustCompile(`[\s/.,;:–—\-]+$`)
	leadingJunk  = regexp.MustCompile(`^[\s/.,;:–—\-•]+`)
)

func tidyName(s string) string {
	s = clean(s)
	s = strings.TrimSuffix(s, "...")
	s = trailingJunk.ReplaceAllString(s, "")
	s = leadingJunk.ReplaceAllString(s, "")
	if utf8.RuneCountInString(s) > 300 {
		return ""
	}
	return s
}

// isProse: a sentence rather than a name or an organisation.
func isProse(s string) bool {
	n := len(strings.Fields(s))
	return n > 20 || (n > 8 && strings.HasSuffix(s, ".")) || (n > 12 && strings.Contains(s, ". "))
}

// nameValues reads the register names of a name section: the value on the
// heading's line or the lines below it; a value wrapped onto a line that
// starts in lower case is joined; further lines are further registers when
// they name a register (a system line between them is skipped).
func nameValues(sec *gsection) []gline {
	var cands []gline
	if sec.rest != "" {
		cands = append(cands, gline{no: sec.lineNo, text: sec.rest})
	}
	for i, l := range sec.lines {
		if i >= 6 || isProse(l.text) {
			break
		}
		if len(cands) > 0 && !l.blank && startsLower(l.text) {
			cands[len(cands)-1].text += " " + l.text
			continue
		}
		cands = append(cands, l)
	}
	var out []gline
	for i, c := range cands {
		c.text = tidyName(c.text)
		if c.text == "" || isProse(c.text) || contactish.MatchString(c.text) {
			if i == 0 {
				return nil
			}
			break
		}
		if i > 0 && !hasRegisterWord(c.text) {
			continue
		}
		out = append(out, c)
	}
	if len(out) > 1 && !hasRegisterWord(out[0].text) {
		out = out[1:]
	}
	return out
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// inlineHeading finds a name field inside a PDF-transcript line.
var (
	inlineName    = regexp.MustCompile(`(?i)\b(rekisterin nimi|registrets namn|tietojärjestelmän nimi|personregistrets namn)\b`)
	capsHeading   = regexp.MustCompile(`^\d{1,2}(?:\.\d{1,2})*\.?\s+[\p{Lu}][\p{Lu}\-/ ]{3,}?(?:\s|$)`)
	nextCapsHdr   = regexp.MustCompile(`\s\d{1,2}(?:\.\d{1,2})*\.?\s+[\p{Lu}]{4,}`)
	inlineCtrl    = regexp.MustCompile(`(?i)(?:^|\s)(?:\d{1,2}\.?\s+)?(?:rekisterinpitäjä|rekisterin pitäjä|personuppgiftsansvarig|registeransvarig|registerförare|registerupprätthållare)\s*:?\s+([\p{Lu}][^\n]{2,300}?)(?:\s\d{1,2}(?:\.\d{1,2})*\.?\s+\p{Lu}|$)`)
	ctrlCapsWords = regexp.MustCompile(`(?i)^\d{1,2}\.?\s+(rekisterinpitäjä|registerupprätthållare|personuppgiftsansvarig|registeransvarig|registerförare)\b`)
)

// inlineNames reads "REGISTRETS NAMN 2 REGISTERUPPRÄTTHÅLLARE HelMet-
// bibliotekens kundregister Esbo stadsbibliotek ..." style transcripts: the
// value runs to the first register word; when the skipped column heading
// was the controller's, the text up to the next numbered heading is the
// controller.
func inlineNames(l gline) []greg {
	var out []greg
	for _, loc := range inlineName.FindAllStringIndex(l.text, -1) {
		rest := strings.TrimSpace(l.text[loc[1]:])
		ctrlNext := false
		for {
			m := capsHeading.FindString(rest)
			if m == "" {
				break
			}
			if ctrlCapsWords.MatchString(m) {
				ctrlNext = true
			}
			rest = strings.TrimSpace(rest[len(m):])
		}
		words := strings.Fields(rest)
		end := -1
		for i, w := range words {
			if i >= 8 {
				break
			}
			if isAllCaps(w) && utf8.RuneCountInString(w) > 3 {
				break
			}
			if registerEnd.MatchString(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })) {
				end = i
				break
			}
		}
		if end < 0 {
			// No register word: the value runs to the next numbered
			// heading ("1.3 Rekisterin nimi Kameravalvonta 1.4 ...").
			for i, w := range words {
				if i >= 7 || strings.HasSuffix(w, ".") && !leadNumber.MatchString(w) || strings.HasSuffix(w, ",") {
					break
				}
				if i > 0 && leadNumber.MatchString(w) && i+1 < len(words) && !startsLower(words[i+1]) && strings.ContainsAny(w, ".") {
					end = i - 1
					break
				}
			}
			if end < 0 {
				continue
			}
		}
		name := strings.Join(words[:end+1], " ")
		if r, _ := utf8.DecodeRuneInString(name); !unicode.IsUpper(r) {
			continue
		}
		g := greg{Register: Register{Name: name, SourceRow: l.no}, line: l.no}
		if m := inlineCtrl.FindStringSubmatch(l.text); m != nil && !ctrlNext {
			if v := cutAtContact(strings.TrimSpace(m[1])); v != "" && !isProse(v) {
				g.Controller = v
			}
		}
		if ctrlNext {
			after := strings.Join(words[end+1:], " ")
			if m := nextCapsHdr.FindStringIndex(after); m != nil {
				after = after[:m[0]]
			}
			g.Controller = clip(strings.TrimSpace(after), 300)
		}
		out = append(out, g)
	}
	return out
}

func isAllCaps(w string) bool {
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters > 0
}

// runTogetherNames splits a table of contents of register names run
// together on one line ("Asiakasrekisteri Ensihoitorekisteri Ulkoisten
// pelastussuunnitelmien yhteystietorekisteri ...") into names: at least
// three names in a row, each a capitalised phrase of at most five words
// ending in a register word.
func runTogetherNames(s string) []string {
	words := strings.Fields(s)
	var run, best []string
	start := 0
	flush := func() {
		if len(run) > len(best) {
			best = run
		}
		run = nil
	}
	for i, w := range words {
		bare := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
		if !registerEnd.MatchString(bare) || isAllCaps(bare) {
			if i-start >= 5 || strings.HasSuffix(w, ".") && !strings.HasSuffix(w, "...") || strings.HasSuffix(w, ",") {
				flush()
				start = i + 1
			}
			continue
		}
		// The name starts at the last capitalised word since start.
		from := -1
		for j := i; j >= start; j-- {
			if r, _ := utf8.DecodeRuneInString(words[j]); unicode.IsUpper(r) {
				from = j
				break
			}
		}
		if from < 0 || (len(run) > 0 && from != start) {
			flush()
			if from < 0 {
				start = i + 1
				continue
			}
		}
		name := tidyName(strings.Join(words[from:i+1], " "))
		if isGenericName(name) {
			flush()
		} else {
			run = append(run, name)
		}
		start = i + 1
	}
	flush()
	if len(best) < 3 {
		return nil
	}
	return best
}

// nameLists reads lists of register names: three or more consecutive short
// lines (or bullets), not headings, each ending in a register word.
func nameLists(lines []gline, sections []*gsection) []greg {
	heading := map[int]bool{}
	for _, s := range sections {
		heading[s.lineNo] = true
	}
	var out, run []greg
	flush := func() {
		distinct := map[string]bool{}
		for _, r := range run {
			distinct[NormalizeName(r.Name)] = true
		}
		if len(distinct) >= 3 {
			out = append(out, run...)
		}
		run = nil
	}
	for _, l := range lines {
		t := listItemName(l.text)
		words := strings.Fields(t)
		last := ""
		if len(words) > 0 {
			last = strings.TrimFunc(words[len(words)-1], func(r rune) bool { return !unicode.IsLetter(r) })
		}
		if heading[l.no] || len(words) == 0 || len(words) > 10 || !registerEnd.MatchString(last) || isGenericName(t) || startsLower(t) {
			flush()
			continue
		}
		run = append(run, greg{Register: Register{Name: t, SourceRow: l.no}, line: l.no})
	}
	flush()
	return out
}

// genitiveDocType: "Kirjaston asiakasrekisterin tietosuojaseloste".
var genitiveDocType = regexp.MustCompile(`(?i)^(.+?(?:rekisteri|tietovaranno))n\s+(?:` + docTypeWords + `)$`)

// listItemName is the register named by a list line or link text:
// "Tietosuojaseloste – Kirjaston asiakasrekisteri" and "Kirjaston
// asiakasrekisterin tietosuojaseloste" both name "Kirjaston
// asiakasrekisteri".
func listItemName(s string) string {
	if m := genitiveDocType.FindStringSubmatch(s); m != nil {
		if strings.HasSuffix(strings.ToLower(m[1]), "tietovaranno") {
			return tidyName(m[1][:len(m[1])-len("tietovaranno")] + "tietovaranto")
		}
		return tidyName(m[1])
	}
	if t := titleCandidate(s); t != "" {
		return t
	}
	return tidyName(s)
}

// Publicity descriptions (906/2019 §28).
var (
	caseRegister  = regexp.MustCompile(`(?i)^(.{2,80}?(?:asiarekisteri|ärenderegister|ärenderegistret|diaari|diarium))(?:[\s.,:;]|$)`)
	storeHead     = regexp.MustCompile(`^([^.:]{3,90}?)(?:[.:]\s|:?$)`)
	storeStart    = regexp.MustCompile(`(?i)^(informationslager|informationslagret|tietovaranto|register|datalager) (för|över|om|:)`)
	storeNotStart = regexp.MustCompile(`(?i)(\boch deras\b|\bja niiden\b|\bsamt\b|^informationslager och|^tietovarannot ja|^tietovarannot$)`)
	storeEnd      = regexp.MustCompile(`(?i)(informationslager|informationslagret|tietovaranto|tietovarannot)$`)
	hiddenOwner   = regexp.MustCompile(`(?i)^[\p{Lu}][\p{L}\-]+(s|n)\s`)
)

func dataStores(lines []gline) []greg {
	var out []greg
	for i, l := range lines {
		s := leadNumber.ReplaceAllString(l.text, "")
		if s == "" || utf8.RuneCountInString(s) > 400 {
			continue
		}
		first, _ := utf8.DecodeRuneInString(s)
		if !unicode.IsUpper(first) {
			continue
		}
		// The body's own case register, named in a heading.
		if len(strings.Fields(s)) <= 10 && !strings.HasSuffix(s, ".") {
			if m := caseRegister.FindStringSubmatch(s); m != nil && len(strings.Fields(m[1])) >= 2 && hiddenOwner.MatchString(m[1]) {
				out = append(out, greg{Register: Register{Name: m[1], SourceRow: l.no}, line: l.no})
				continue
			}
		}
		// A flattened table row: "Hallinnon tietovaranto Päätöksenteko ...".
		if ws := strings.Fields(s); len(ws) > 2 {
			for k := 1; k < len(ws) && k <= 5; k++ {
				bare := strings.TrimFunc(ws[k], func(r rune) bool { return !unicode.IsLetter(r) })
				if !storeEnd.MatchString(bare) {
					continue
				}
				head := strings.Join(ws[:k+1], " ")
				if k+1 < len(ws) && !startsLower(ws[k+1]) && !storeNotStart.MatchString(head) && !strings.HasSuffix(ws[k], ".") && !strings.HasSuffix(ws[k], ",") {
					out = append(out, greg{Register: Register{Name: head, SourceRow: l.no}, line: l.no})
				}
				break
			}
			if len(out) > 0 && out[len(out)-1].SourceRow == l.no {
				continue
			}
		}
		m := storeHead.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		head := strings.TrimSpace(m[1])
		words := strings.Fields(head)
		if len(words) > 8 || storeNotStart.MatchString(head) {
			continue
		}
		last := strings.TrimFunc(words[len(words)-1], func(r rune) bool { return !unicode.IsLetter(r) })
		ends := storeEnd.MatchString(last) && len(words) >= 2
		if !ends && !storeStart.MatchString(head) {
			continue
		}
		if head == s || l.bullet || strings.HasPrefix(s[len(head):], ".") || strings.HasPrefix(s[len(head):], ":") {
			out = append(out, greg{Register: Register{Name: head, Purpose: storePurpose(lines, i, s[len(head):]), SourceRow: l.no}, line: l.no})
		}
	}
	return out
}

// purposeLabel introduces a data store's own purpose in a publicity
// description ("Informationslager för personalärenden. Användningsändamål:
// Anställning av personal ...").
var purposeLabel = regexp.MustCompile(`(?i)(?:^|[\s.;])(?:användningsändamål|käyttötarkoitus)\s*:\s*`)

// storePurpose is the purpose stated for the data store named on lines[i],
// after its name there (rest) or on the line just below the name: the
// store's own words, where no heading of the page can be mistaken for it.
func storePurpose(lines []gline, i int, rest string) string {
	if m := purposeLabel.FindStringIndex(rest); m != nil {
		return strings.TrimSpace(rest[m[1]:])
	}
	if i+1 < len(lines) && !lines[i+1].blank {
		next := lines[i+1].text
		if m := purposeLabel.FindStringIndex(next); m != nil && m[0] == 0 {
			return strings.TrimSpace(next[m[1]:])
		}
	}
	return ""
}

var (
	titleSep     = regexp.MustCompile(`(?i)^(?:` + docTypeWords + `)\s*[-–—:/|]\s*(.+)$`)
	titleSepLast = regexp.MustCompile(`(?i)^(.+?)\s*[-–—:/|]\s*(?:` + docTypeWords + `)$`)
	titleFor     = regexp.MustCompile(`(?i)^(?:` + docTypeWords + `)\s+(?:för|över|om|:)\s+(.+)$`)
	titleGenitiv = regexp.MustCompile(`(?i)^([\p{Lu}][\p{L}\- ]{2,60}?(?:n|s))\s+(?:` + docTypeWords + `)$`)
	orgGenitive  = regexp.MustCompile(`(?i)(kaupungin|kunnan|kuntayhtymän|hyvinvointialueen|stads|kommuns|samkommuns|välfärdsområdes|liiton|förbunds)$`)
	// Running text: "Varhaiskasvatuksen rekisterillä", "I kundregistret".
	runningGen  = regexp.MustCompile(`(?:^|[^\p{L}\-])([\p{Lu}][\p{L}\-]+(?:n|s)) (rekisteri(?:n|ssä|stä|in|llä|lle|ltä|ä|a)?)(?:[^\p{L}]|$)`)
	runningComp = regexp.MustCompile(`(?i)(?:^|[^\p{L}\-])(\p{L}{3,}(?:rekisteri(?:n|ssä|stä|in|llä|lle|ltä|ä|a)?|registret|registrets))(?:[^\p{L}]|$)`)
	fiCase      = regexp.MustCompile(`rekisteri(?:n|ssä|stä|in|llä|lle|ltä|ä|a)$`)
)

// weakName finds a register named only in the title, in running text, or
// by the heading above the data-content section.
func weakName(pre, lines []gline, sections []*gsection, all string) (greg, bool) {
	var top []gline
	top = append(top, pre...)
	if len(top) > 12 {
		top = top[:12]
	}
	// Title lines that name a register.
	for _, l := range top {
		t := listItemName(l.text)
		if t != "" && hasRegisterWord(t) && !isGenericName(t) && len(strings.Fields(t)) <= 10 && !isProse(t) {
			return greg{Register: Register{Name: t, SourceRow: l.no}, line: l.no}, true
		}
	}
	// "Tietosuojaseloste – X", "Dataskyddsbeskrivning / Kostservicen".
	for _, l := range top {
		for _, re := range []*regexp.Regexp{titleSep, titleSepLast, titleFor} {
			if m := re.FindStringSubmatch(l.text); m != nil {
				t := tidyName(m[1])
				if t != "" && len(strings.Fields(t)) <= 10 && !isOrgName(t) && !orgGenitive.MatchString(t) && !regulation.MatchString(t) && !docTypeWord.MatchString(t) {
					return greg{Register: Register{Name: t, SourceRow: l.no}, line: l.no}, true
				}
			}
		}
	}
	// Running text.
	counts := map[string]int{}
	firstAt := map[string]int{}
	order := []string{}
	note := func(name string, at int) {
		if isGenericName(name) || otherRegister[NormalizeName(name)] {
			return
		}
		k := NormalizeName(name)
		if _, ok := firstAt[k]; !ok {
			firstAt[k] = at
			order = append(order, name)
		}
		counts[k]++
	}
	for _, m := range runningGen.FindAllStringSubmatchIndex(all, -1) {
		note(all[m[2]:m[3]]+" rekisteri", m[0])
	}
	for _, m := range runningComp.FindAllStringSubmatchIndex(all, -1) {
		w := all[m[2]:m[3]]
		w = fiCase.ReplaceAllString(w, "rekisteri")
		w = strings.TrimSuffix(w, "registrets") + map[bool]string{true: "registret", false: ""}[strings.HasSuffix(all[m[2]:m[3]], "registrets")]
		r, size := utf8.DecodeRuneInString(w)
		note(string(unicode.ToUpper(r))+w[size:], m[0])
	}
	if len(order) > 0 {
		sort.SliceStable(order, func(i, j int) bool { return counts[NormalizeName(order[i])] > counts[NormalizeName(order[j])] })
		name := order[0]
		return greg{Register: Register{Name: name, SourceRow: lineOfOffset(lines, all, firstAt[NormalizeName(name)])}, line: lineOfOffset(lines, all, firstAt[NormalizeName(name)])}, true
	}
	// "Varhaiskasvatuksen tietosuojaseloste".
	for _, l := range top {
		if m := titleGenitiv.FindStringSubmatch(l.text); m != nil {
			t := tidyName(m[1])
			if !orgGenitive.MatchString(t) && !isOrgName(t) {
				return greg{Register: Register{Name: t, SourceRow: l.no}, line: l.no}, true
			}
		}
	}
	// The heading just above the data-content section: a system the
	// document treats as the register.
	for _, sec := range sections {
		if sec.field != nfData {
			continue
		}
		// The nearest short heading-like line within the few lines above.
		for i := len(lines) - 1; i >= 0; i-- {
			l := lines[i]
			if l.no >= sec.lineNo {
				continue
			}
			if sec.lineNo-l.no > 12 {
				break
			}
			if _, ok := matchGenericHeading(l.text); ok {
				break
			}
			n := len(strings.Fields(l.text))
			if n >= 1 && n <= 8 && !strings.HasSuffix(l.text, ".") && !strings.HasSuffix(l.text, ":") && !l.bullet && !addressLine(l.text) && !startsLower(l.text) {
				return greg{Register: Register{Name: l.text, SourceRow: l.no}, line: l.no}, true
			}
		}
	}
	return greg{}, false
}

// titleCandidate strips a document-type word from a title line.
func titleCandidate(s string) string {
	if regulation.MatchString(s) || docTypeOnly.MatchString(s) {
		return ""
	}
	for _, re := range []*regexp.Regexp{titleSep, titleSepLast, titleFor} {
		if m := re.FindStringSubmatch(s); m != nil {
			return tidyName(m[1])
		}
	}
	return tidyName(s)
}

func lineOfOffset(lines []gline, all string, off int) int {
	n := strings.Count(all[:off], "\n")
	if n < len(lines) {
		return lines[n].no
	}
	return 1
}

// Controllers.
var (
	idPart      = regexp.MustCompile(`(?i)\s*(\((?:y-tunnus|y-tun|fo-nummer|fo-nr)[^)]*\)|,?\s*(?:y-tunnus|fo-nummer|fo-nr|business id)\b.*$)`)
	inlineLabel = regexp.MustCompile(`(?i)\s+(adress|osoite|address|puh|puhelin|tfn|tel|telefon|e-post|sähköposti|email|y-tunnus|fo-nummer)\s*[:.]`)
	subLabel    = regexp.MustCompile(`(?i)^(nimi|namn|nimet|namn på|name|names|organisaatio|organisation)\s*:?\s*`)
	streetLike  = regexp.MustCompile(`^[\p{L}\-.]+(?:\s[\p{L}\-.]+){0,2}\s\d+(?:\s?[a-zA-Z])?(?:[,\s]|$)`)
	postalCode  = regexp.MustCompile(`(?:^|\s)(?:FI-|AX-)?\d{5}\s+\p{Lu}`)
	contactCut  = regexp.MustCompile(`(?i)(\s(?:pb|pl|box|puh\.?|p\.|tfn\.?|tel\.?|telefon|puhelin|e-post|sähköposti|y-tunnus|fo-nummer)\s*:?\s*\d|\s\S+@\S+|\s\S+\(at\)\S+|,?\s(?:FI-|AX-)?\d{5}\s+\p{Lu})`)
	contactish  = regexp.MustCompile(`(?i)(@|\(at\)|\[at\]|www\.|https?:|^(pl|pb|po box|box)\s*\d|^(p\.|puh|puhelin|tel|tfn|telefon|fax|gsm|osoite|adress|address|käyntiosoite|besöksadress|postiosoite|postadress|sähköposti|e-post|email|y-tunnus|fo-nummer|kirjaamo|registratur)\b)`)
	// Prose statements of the controller.
	proseCtrl = []*regexp.Regexp{
		regexp.MustCompile(`(?i)rekisterinpitäjänä (?:toimii|on) ([\p{Lu}][^.,;()]{2,80})`),
		regexp.MustCompile(`([\p{Lu}][^.,;()\n]{2,80}?) (?:toimii|on) (?:rekisterin )?rekisterinpitäjänä`),
		regexp.MustCompile(`(?i)personuppgiftsansvarig(?:a)? (?:är|för registret är) ([\p{Lu}][^.,;()\n]{2,80})`),
		regexp.MustCompile(`([\p{Lu}][^.,;()\n]{2,80}?) är (?:den )?personuppgiftsansvarig`),
		regexp.MustCompile(`(?m)^([\p{Lu}][^.,;()\n]{2,80}?) för (?:ett|detta|de|det) register`),
		regexp.MustCompile(`(?m)^([\p{Lu}][^.,;()\n]{2,80}?) (?:pitää|ylläpitää) [^.\n]{0,40}rekisteriä`),
		regexp.MustCompile(`([\p{Lu}][^.,;()\n]{2,60}?) (?:on|är|utgör) [^.\n]{0,50}?(?:tiedonhallintayksikkö|informationshanteringsenhet)`),
	}
	leadStopWords = regexp.MustCompile(`^(?:(?:Myös|Också|Även|Lisäksi|Dessutom|Tämä|Detta|Näin|Så)\s+)`)
)

func addressLine(s string) bool {
	return contactish.MatchString(s) || streetLike.MatchString(s) || postalCode.MatchString(s) || (len(s) > 0 && s[0] >= '0' && s[0] <= '9')
}

// cutAtContact drops the address and contact details that follow an
// organisation's name on the same line ("Geologiska forskningscentralen
// PB 96, 02151 Esbo Tfn ...").
func cutAtContact(s string) string {
	if m := contactCut.FindStringIndex(s); m != nil && m[0] > 0 {
		return strings.TrimSpace(strings.TrimRight(s[:m[0]], " ,;"))
	}
	return s
}

// controllerValue reads the organisation lines of a controller section.
func controllerValue(sec *gsection) string {
	var items []gline
	if sec.rest != "" {
		items = append(items, gline{no: sec.lineNo, text: sec.rest})
	}
	items = append(items, sec.lines...)
	bullets := 0
	for _, it := range items {
		if it.bullet {
			bullets++
		}
	}
	var out []string
	for i, it := range items {
		s := subLabel.ReplaceAllString(it.text, "")
		s = idPart.ReplaceAllString(s, "")
		if m := inlineLabel.FindStringIndex(s); m != nil {
			s = s[:m[0]]
		}
		s = cutAtContact(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if bullets >= 2 {
			if it.bullet && !addressLine(s) {
				out = append(out, strings.TrimSuffix(s, ":"))
			}
			if len(out) >= 12 {
				break
			}
			continue
		}
		if addressLine(s) || (len(out) > 0 && (isProse(s) || len(strings.Fields(s)) > 12)) {
			if len(out) > 0 {
				break
			}
			continue
		}
		if strings.HasSuffix(s, ":") && i+1 < len(items) {
			continue
		}
		out = append(out, s)
		if len(out) >= 8 || isProse(s) {
			break
		}
	}
	if bullets >= 2 {
		return strings.Join(out, "; ")
	}
	return strings.Join(out, "\n")
}

func proseController(all string) string {
	for _, re := range proseCtrl {
		if m := re.FindStringSubmatch(all); m != nil {
			s := leadStopWords.ReplaceAllString(strings.TrimSpace(m[1]), "")
			if len(strings.Fields(s)) <= 8 {
				return s
			}
		}
	}
	return ""
}

// fillFields gives every register its controller and the fields of the
// sections nearest to its name.
func fillFields(regs []greg, sections []*gsection, all string, res *Result) {
	if len(regs) == 0 {
		return
	}
	owner := func(lineNo int) int {
		best := 0
		for i, r := range regs {
			if r.line <= lineNo {
				best = i
			}
		}
		return best
	}
	// Controller sections go to the register whose name is nearest.
	var ctrl []*gsection
	for _, s := range sections {
		if s.field == nfController {
			ctrl = append(ctrl, s)
		}
	}
	assigned := map[int]string{}
	for _, s := range ctrl {
		v := controllerValue(s)
		if v == "" {
			continue
		}
		best, dist := -1, 0
		for i, r := range regs {
			dd := r.line - s.lineNo
			if dd < 0 {
				dd = -dd
			}
			if best < 0 || dd < dist {
				best, dist = i, dd
			}
		}
		if _, ok := assigned[best]; !ok {
			assigned[best] = v
		}
	}
	docCtrl := ""
	for _, s := range ctrl {
		if v := controllerValue(s); v != "" {
			docCtrl = v
			break
		}
	}
	if docCtrl == "" {
		docCtrl = proseController(all)
	}
	per := make([]map[noticeField][]string, len(regs))
	extra := make([]map[string][]string, len(regs))
	for i := range regs {
		per[i] = map[noticeField][]string{}
		extra[i] = map[string][]string{}
	}
	for _, s := range sections {
		if s.field == nfName || s.field == nfController || s.field == nfNameController {
			continue
		}
		var content []string
		if s.rest != "" {
			content = append(content, s.rest)
		}
		for _, l := range s.lines {
			content = append(content, l.text)
		}
		if len(content) == 0 {
			continue
		}
		targets := []int{owner(s.lineNo)}
		if len(regs) > 1 && sharedNotice(regs) {
			targets = targets[:0]
			for i := range regs {
				targets = append(targets, i)
			}
		}
		for _, i := range targets {
			if s.field == nfPurpose && regs[i].DataStore {
				// A publicity description's purpose headings speak of the
				// description itself (906/2019 §28 asks for its purpose)
				// or of all its stores together ("informationslager och
				// deras användningsändamål"), and run over the store names
				// below them; a store's purpose is its own (storePurpose).
				continue
			}
			if s.field == nfExtra || s.field == nfDate {
				extra[i][s.label] = append(extra[i][s.label], content...)
			} else {
				per[i][s.field] = append(per[i][s.field], content...)
			}
		}
	}
	for i := range regs {
		r := &regs[i].Register
		if v, ok := assigned[i]; ok && r.Controller == "" {
			r.Controller = v
		}
		if r.Controller == "" {
			r.Controller = docCtrl
		}
		if r.Controller != "" {
			r.Unit = noticeUnit(r.Controller)
		}
		text := func(f noticeField) string { return strings.Join(per[i][f], "\n") }
		r.Contact = text(nfContact)
		r.DataContent = text(nfData)
		r.Sources = text(nfSources)
		r.Recipients = text(nfRecipients)
		r.Retention = text(nfRetention)
		r.Systems = text(nfSystems)
		purpose, legal := per[i][nfPurpose], per[i][nfLegal]
		if r.Purpose != "" { // a data store's own purpose (storePurpose)
			purpose = append([]string{r.Purpose}, purpose...)
		}
		if len(legal) == 0 {
			var rest []string
			for _, p := range purpose {
				if isLegalParagraph(p) {
					legal = append(legal, p)
				} else {
					rest = append(rest, p)
				}
			}
			purpose = rest
		}
		r.Purpose = strings.Join(purpose, "\n")
		r.LegalBasisText = strings.Join(legal, "\n")
		var warn string
		r.LegalBasis, warn = readLegalBasis(r.LegalBasisText, r.Purpose)
		if warn != "" {
			r.Warnings = append(r.Warnings, warn)
		}
		for label, ps := range extra[i] {
			if len(ps) == 0 {
				continue
			}
			if r.Extra == nil {
				r.Extra = map[string]string{}
			}
			r.Extra[label] = strings.Join(ps, "\n")
		}
		if r.DataStore {
			r.Warnings = append(r.Warnings, warnf("importer.warn.data_store"))
		}
		if r.Controller == "" {
			r.Warnings = append(r.Warnings, warnf("importer.warn.no_controller"))
		}
		r.Language = res.Language
		if r.SourceRow < 1 {
			r.SourceRow = 1
		}
	}
}

// sharedNotice: several registers read from one name field share one
// notice's sections.
func sharedNotice(regs []greg) bool {
	for _, r := range regs[1:] {
		if r.line-regs[0].line > 8 {
			return false
		}
	}
	return true
}
