package registers

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The notice format: one register described by headed sections, in Finnish
// (rekisteriseloste, tietosuojaseloste) or Swedish (registerbeskrivning,
// dataskyddsbeskrivning). Seed 003 (Kokkola) is one. Headings are recognised
// from a fixed list of published wordings, alone on a line (optionally
// numbered, with a trailing colon or a parenthesised explanation) or as
// "Heading: text" / "Heading<TAB>text". Sections with a recognised heading
// that has no Register field of its own go to Extra under the published
// heading. Text before the first heading gives the register name when there
// is no "Rekisterin nimi" section (the title line). Date-only lines (the
// page date printed on every page) and page numbers are dropped.

type noticeField int

const (
	nfNone noticeField = iota
	nfController
	nfContact
	nfName
	nfPurpose
	nfLegal
	nfData
	nfSources
	nfRecipients
	nfRetention
	nfSystems
	nfExtra
	nfDate // an Extra section whose content may be a bare date
)

type noticeHeading struct {
	field noticeField
	lang  string
}

// noticeHeadings maps NormalizeName(published heading) to its field.
var noticeHeadings = map[string]noticeHeading{}

func addHeadings(f noticeField, lang string, hs ...string) {
	for _, h := range hs {
		noticeHeadings[NormalizeName(h)] = noticeHeading{f, lang}
	}
}

func init() {
	// Finnish
	addHeadings(nfController, "fi", "Rekisterinpitäjä", "Rekisterin pitäjä", "Rekisterinpitäjät",
		"Rekisterinpitäjä ja yhteystiedot", "Rekisterinpitäjän yhteystiedot", "Rekisterinpitäjä ja sen yhteystiedot",
		"Rekisterinpitäjän nimi ja yhteystiedot", "Yhteisrekisterinpitäjät", "Yhteisrekisterinpitäjä",
		"Rekisterinpitäjä ja rekisterinpitäjän edustaja", "Rekisterinpitäjän nimi")
	addHeadings(nfContact, "fi", "Yhteyshenkilö", "Yhteyshenkilöt", "Rekisteriasioista vastaava henkilö ja/tai yhteyshenkilö",
		"Rekisteriasioista vastaava henkilö", "Rekisteriasioista vastaava henkilö tai yhteyshenkilö",
		"Rekisteriasioita hoitava henkilö", "Rekisterin yhteyshenkilö", "Rekisterin vastuuhenkilö", "Vastuuhenkilö",
		"Rekisterin vastuuhenkilö ja yhteyshenkilö", "Rekisterin vastuuhenkilö/yhteyshenkilö",
		"Yhteyshenkilö rekisteriä koskevissa asioissa", "Rekisteristä vastaava henkilö", "Rekisterin hoitaja",
		// Corpus 03, 01 and 16: without them the controller ran on into
		// the contact section.
		"Rekisterin vastuu- ja yhteyshenkilö rekisteriä koskevissa asioissa", "Rekisteriasioita hoitavat henkilöt", "Rekisterin yhteyshenkilöt")
	addHeadings(nfName, "fi", "Rekisterin nimi", "Rekisterin tai tietojärjestelmän nimi", "Henkilörekisterin nimi",
		"Käsittelytoimen nimi", "Rekisterin / tietojärjestelmän nimi")
	addHeadings(nfPurpose, "fi", "Käsittelyn tarkoitus ja oikeusperuste", "Henkilötietojen käsittelyn tarkoitus ja käsittelyn oikeusperuste",
		"Henkilötietojen käsittelyn tarkoitus ja oikeusperuste", "Henkilötietojen käsittelyn tarkoitus", "Käsittelyn tarkoitus",
		"Käsittelyn tarkoitukset", "Rekisterin käyttötarkoitus", "Rekisterin käyttötarkoitus ja oikeusperuste",
		"Henkilötietojen käsittelyn tarkoitus (rekisterin käyttötarkoitus)", "Henkilötietojen käsittelyn tarkoitukset",
		"Käyttötarkoitus", "Tarkoitus",
		// Corpus 03, 01 and 10: without them the purpose was lost to the
		// section above.
		"Henkilötietojen käsittelyn tarkoitus ja peruste sekä kerääminen", "Rekisterin käyttötarkoitus ja henkilötietojen käsittelyn peruste",
		"Rekisterin käyttötarkoitus ja tietojen käsittely")
	addHeadings(nfLegal, "fi", "Käsittelyn oikeusperuste", "Oikeusperuste", "Oikeusperusteet", "Henkilötietojen käsittelyn oikeusperuste",
		"Käsittelyn oikeudellinen peruste", "Rekisterin pitämisen peruste", "Käsittelyn peruste", "Käsittelyn oikeusperusteet")
	addHeadings(nfData, "fi", "Rekisterin tietosisältö", "Rekisterin sisältämät tiedot", "Tietosisältö", "Henkilötietoryhmät",
		"Rekisteriin tallennettavat tiedot", "Käsiteltävät henkilötiedot", "Henkilötietojen ryhmät",
		"Rekisterin tietosisältö / henkilötietoryhmät", "Rekisteröityjen ryhmät ja henkilötietoryhmät", "Käsiteltävät henkilötietoryhmät")
	addHeadings(nfSources, "fi", "Säännönmukaiset tietolähteet", "Henkilötietojen säännönmukaiset tietolähteet",
		"Rekisterin säännönmukaiset tietolähteet", "Tietolähteet", "Henkilötietojen lähteet", "Säännönmukaiset tietolähteet ja tietojen keräämisen tapa")
	addHeadings(nfRecipients, "fi", "Tietojen luovutukset", "Säännönmukaiset tietojen luovutukset", "Tietojen säännönmukaiset luovutukset",
		"Säännönmukaiset luovutukset", "Vastaanottaja ja vastaanottajaryhmät", "Vastaanottajat ja vastaanottajaryhmät",
		"Henkilötietojen vastaanottajat", "Vastaanottajat", "Tietojen luovutukset ja vastaanottajat",
		"Henkilötietojen vastaanottajat ja vastaanottajaryhmät", "Tietojen säännönmukaiset luovutukset ja vastaanottajat",
		"Tietojen luovutus", "Säännönmukaiset tietojen luovutukset ja tietojen siirto")
	addHeadings(nfRetention, "fi", "Säilytysajat", "Säilytysaika", "Tietojen säilytysajat", "Tietojen säilytysaika",
		"Henkilötietojen säilytysaika", "Henkilötietojen säilytysajat", "Säilytysaika tai sen määrittämisen kriteerit",
		"Henkilötietojen säilytysaika tai sen määrittämisen kriteerit", "Tietojen säilyttäminen")
	addHeadings(nfSystems, "fi", "Tietojärjestelmät", "Tietojärjestelmä", "Rekisterin tietojärjestelmät", "Käytettävät tietojärjestelmät")
	addHeadings(nfExtra, "fi", "Tietojen suojaaminen", "Rekisterin suojauksen periaatteet", "Rekisterin suojaus", "Tietoturva",
		"Siirto EU:n tai ETA:n ulkopuolelle", "Tietojen siirto EU:n tai ETA:n ulkopuolelle", "Tietojen siirrot EU:n tai ETA:n ulkopuolelle",
		"Tietojen siirto tai luovutus EU:n tai ETA:n ulkopuolelle", "Tietojen siirto kolmansiin maihin",
		"Keskeinen lainsäädäntö", "Lainsäädäntö", "Rekisteröidyn oikeudet", "Rekisteröidyn oikeudet ja niiden toteuttaminen",
		"Tarkastusoikeus", "Oikeus vaatia tiedon korjaamista", "Automaattinen päätöksenteko", "Automatisoitu päätöksenteko",
		"Profilointi", "Automaattinen päätöksenteko ja profilointi", "Automatisoitu päätöksenteko ja profilointi",
		"Tietosuojavastaava", "Tietosuojavastaavan yhteystiedot", "Rekisteröidyt", "Rekisteröityjen ryhmät",
		"Oikeus tehdä valitus valvontaviranomaiselle", "Valitusoikeus", "Henkilötietojen käsittelijät", "Käsittelijät",
		"Suostumuksen peruuttaminen", "Oikeus peruuttaa suostumus", "Evästeet")
	addHeadings(nfDate, "fi", "Laatimispäivä", "Päivämäärä", "Päivitetty", "Laadittu", "Päivityspäivä")
	// Swedish
	addHeadings(nfController, "sv", "Personuppgiftsansvarig", "Personuppgiftsansvarig och kontaktuppgifter",
		"Personuppgiftsansvarigs kontaktuppgifter", "Den personuppgiftsansvariges kontaktuppgifter", "Registeransvarig",
		"Registerförare", "Registerhållare", "Personuppgiftsansvariga", "Gemensamt personuppgiftsansvariga")
	addHeadings(nfContact, "sv", "Kontaktperson", "Kontaktpersoner", "Kontaktperson i ärenden som gäller registret",
		"Person som ansvarar för registerärenden och/eller kontaktperson", "Person som sköter ärenden som gäller registret",
		"Person som ansvarar för registret", "Ansvarsperson", "Registrets ansvarsperson", "Registrets kontaktperson",
		"Kontaktperson för registret", "Ansvarig person")
	addHeadings(nfName, "sv", "Registrets namn", "Personregistrets namn", "Registrets eller datasystemets namn", "Behandlingens namn")
	addHeadings(nfPurpose, "sv", "Ändamål och rättslig grund", "Ändamål och rättslig grund för behandlingen",
		"Ändamålet med och den rättsliga grunden för behandlingen", "Ändamålen med behandlingen och den rättsliga grunden för behandlingen",
		"Ändamålet med behandlingen av personuppgifter", "Ändamål med behandlingen av personuppgifter",
		"Ändamålet med behandlingen av personuppgifter och den rättsliga grunden för behandlingen",
		"Ändamålet med behandlingen", "Ändamål med behandlingen", "Behandlingens ändamål", "Behandlingens ändamål och rättsliga grund",
		"Registrets användningsändamål", "Användningsändamål", "Ändamål")
	addHeadings(nfLegal, "sv", "Rättslig grund", "Rättslig grund för behandlingen", "Den rättsliga grunden för behandlingen",
		"Behandlingens rättsliga grund", "Rättsliga grunder", "Grund för behandlingen")
	addHeadings(nfData, "sv", "Registrets datainnehåll", "Registrets innehåll", "Datainnehåll", "Personuppgiftskategorier",
		"Kategorier av personuppgifter", "Uppgifter som registreras", "Registrets uppgiftsinnehåll", "Uppgifter i registret")
	addHeadings(nfSources, "sv", "Regelmässiga uppgiftskällor", "Regelbundna uppgiftskällor", "Uppgiftskällor", "Regelmässiga datakällor",
		"Personuppgifternas regelmässiga källor", "Källor för personuppgifter", "Regelmässiga uppgiftskällor för personuppgifterna")
	addHeadings(nfRecipients, "sv", "Utlämnande av uppgifter", "Regelmässigt utlämnande av uppgifter", "Regelmässiga utlämnanden av uppgifter",
		"Mottagare", "Mottagare och mottagarkategorier", "Mottagare eller mottagarkategorier", "Mottagare och kategorier av mottagare",
		"Personuppgifternas mottagare", "Utlämnande av uppgifter och mottagare", "Regelmässiga utlämnanden")
	addHeadings(nfRetention, "sv", "Lagringstid", "Lagringstider", "Uppgifternas lagringstid", "Förvaringstid", "Förvaringstider",
		"Uppgifternas förvaringstid", "Personuppgifternas lagringstid", "Hur länge uppgifterna lagras", "Lagringstid för personuppgifter",
		"Lagringstid för personuppgifterna")
	addHeadings(nfSystems, "sv", "Datasystem", "Informationssystem", "Registrets datasystem", "Datasystem som används")
	addHeadings(nfExtra, "sv", "Skydd av uppgifterna", "Skydd av personuppgifter", "Principer för skydd av registret",
		"Principerna för skyddet av registret", "Registrets skydd", "Dataskydd", "Informationssäkerhet",
		"Överföring utanför EU eller EES", "Överföring av uppgifter utanför EU eller EES", "Överföring av uppgifter utanför EU/EES",
		"Överföring av uppgifter till länder utanför EU eller EES", "Överföring av uppgifter till tredjeländer",
		"Central lagstiftning", "Lagstiftning", "Den registrerades rättigheter", "Den registrerades rättigheter och hur de utövas",
		"Rätt till insyn", "Automatiserat beslutsfattande", "Automatiserat beslutsfattande och profilering", "Profilering",
		"Dataskyddsombud", "Dataskyddsombudets kontaktuppgifter", "Registrerade", "Grupper av registrerade", "Kategorier av registrerade",
		"Rätt att lämna klagomål till tillsynsmyndigheten", "Rätt att lämna in klagomål till en tillsynsmyndighet",
		"Personuppgiftsbiträden", "Återkallande av samtycke", "Kakor")
	addHeadings(nfDate, "sv", "Datum", "Uppgjord", "Uppdaterad", "Uppdaterad senast")
}

var (
	headingNumber = regexp.MustCompile(`^\d{1,2}(?:\.\d{1,2})*[.)]?\s+`)
	trailingParen = regexp.MustCompile(`\s*\([^()]*\)$`)
	dateOnly      = regexp.MustCompile(`^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}$`)
	pageNumber    = regexp.MustCompile(`(?i)^(?:(?:sivu|sida|page|s\.)\s*\d+(?:\s*(?:/|\(|av|of|/)\s*\d+\)?)?|\d+\s*(?:\(\s*\d+\s*\)|/\s*\d+))$`)
	labelColon    = regexp.MustCompile(`^([^:]{2,120}?):(?:\s+(.*))?$`)
)

// headingMatch is a recognised heading line.
type headingMatch struct {
	noticeHeading
	label string // published heading, without numbering and colon
	rest  string // text after "Heading:" or "Heading<TAB>"
}

// matchNoticeHeading recognises a heading line.
func matchNoticeHeading(raw string) (headingMatch, bool) {
	if strings.IndexByte(raw, '\t') >= 0 || multiSpace.MatchString(strings.TrimSpace(raw)) {
		sl := splitCells(raw)
		var cells []string
		for _, c := range sl.cells {
			if c.text != "" {
				cells = append(cells, c.text)
			}
		}
		if len(cells) >= 2 {
			if m, ok := headingLabel(cells[0]); ok {
				m.rest = strings.Join(cells[1:], " ")
				return m, true
			}
		}
	}
	s := clean(raw)
	if m, ok := headingLabel(s); ok {
		return m, true
	}
	if sm := labelColon.FindStringSubmatch(s); sm != nil && sm[2] != "" {
		if m, ok := headingLabel(sm[1]); ok {
			m.rest = clean(sm[2])
			return m, true
		}
	}
	return headingMatch{}, false
}

// headingLabel recognises s as a whole heading.
func headingLabel(s string) (headingMatch, bool) {
	s = strings.TrimSpace(headingNumber.ReplaceAllString(s, ""))
	s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	if s == "" || utf8.RuneCountInString(s) > 120 {
		return headingMatch{}, false
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if !unicode.IsUpper(first) || (unicode.IsPunct(last) && last != ')') {
		return headingMatch{}, false
	}
	for _, cand := range []string{s, trailingParen.ReplaceAllString(s, "")} {
		if h, ok := noticeHeadings[NormalizeName(cand)]; ok {
			return headingMatch{noticeHeading: h, label: s}, true
		}
	}
	return headingMatch{}, false
}

// Document-type words: a title line made only of these is not a name.
var (
	docTypeWords = `rekisteriseloste|tietosuojaseloste|tietosuojailmoitus|seloste|tietojärjestelmäseloste|dataskyddsbeskrivning|registerbeskrivning|dataskyddsmeddelande|integritetsskyddsbeskrivning|beskrivning av personregister|dataskyddsredogörelse`
	docTypeOnly  = regexp.MustCompile(`(?i)^(?:` + docTypeWords + `)$`)
	docTypeFirst = regexp.MustCompile(`(?i)^(?:` + docTypeWords + `)\s*[-–—:,]\s*(.+)$`)
	docTypeLast  = regexp.MustCompile(`(?i)^(.+?)\s*[-–—:,]\s*(?:` + docTypeWords + `)$`)
	regulation   = regexp.MustCompile(`(?i)(2016/679|679/2016|tietosuoja-?asetu|dataskyddsförordning|henkilötietolaki|personuppgiftslag|523/1999|artiklat 13|artiklorna 13)`)
	docTypeAny   = regexp.MustCompile(`(?i)(` + docTypeWords + `)`)
	hasDate      = regexp.MustCompile(`\b\d{1,2}\.\d{1,2}\.\d{2,4}\b`)
)

// titleName reads a register name from a title line, or "".
func titleName(s string) string {
	switch {
	case docTypeOnly.MatchString(s):
		return ""
	case regulation.MatchString(s):
		return ""
	case hasDate.MatchString(s) && len(strings.Fields(s)) <= 4:
		return ""
	case isOrgName(s):
		return ""
	}
	if m := docTypeFirst.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	if m := docTypeLast.FindStringSubmatch(s); m != nil {
		return strings.TrimSpace(m[1])
	}
	return s
}

// orgSuffix: organisation names (the legal controller, D-4).
var orgSuffix = regexp.MustCompile(`(?i)(kaupunki|kunta|stad|kommun|kuntayhtymä|samkommun|hyvinvointialue|välfärdsområde|kaupunkikonserni)$`)

func isOrgName(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && len(strings.Fields(s)) <= 4 && orgSuffix.MatchString(s)
}

// unitWord: words that name a unit or body of a municipality.
var unitWord = regexp.MustCompile(`(?i)(lautakunta|lautakunnan|jaosto|hallitus|valtuusto|palvelut|palvelu|toimiala|toimisto|yksikkö|keskus|osasto|virasto|laitos|kanslia|nämnd|nämnden|sektor|sektorn|enhet|enheten|avdelning|avdelningen|byrå|byrån|förvaltning|förvaltningen|tjänster|kansli|kansliet|styrelse|styrelsen|verket|centralen|sektionen)`)

var addressish = regexp.MustCompile(`(?i)(\d|@|^pl |^pb |^po box|osoite|adress|puh|tfn|tel|www\.|http)`)

// noticeUnit reads the unit/body from a notice's controller text (D-4):
// "Kokkolan kaupunki, tietohallintopalvelut" -> "tietohallintopalvelut";
// "X kommun / Bildningsnämnden" -> "Bildningsnämnden"; a body alone
// ("Kokkolan kaupunginhallitus") is itself the unit; an organisation alone
// gives no unit unless the next line names one.
func noticeUnit(controller string) string {
	lines := strings.Split(controller, "\n")
	first := stripFieldLabel(lines[0])
	if i := strings.Index(first, " / "); i >= 0 {
		return strings.TrimSpace(first[i+3:])
	}
	if i := strings.Index(first, ", "); i >= 0 {
		org, rest := strings.TrimSpace(first[:i]), strings.TrimSpace(first[i+2:])
		if isOrgName(org) && rest != "" && !addressish.MatchString(rest) {
			return rest
		}
		if isOrgName(org) {
			return ""
		}
	}
	if isOrgName(first) {
		if len(lines) > 1 {
			second := stripFieldLabel(lines[1])
			if second != "" && !addressish.MatchString(second) && len(strings.Fields(second)) <= 8 && unitWord.MatchString(second) {
				return second
			}
		}
		return ""
	}
	if addressish.MatchString(first) {
		return ""
	}
	return first
}

var fieldLabel = regexp.MustCompile(`(?i)^(nimi|namn|name)\s*:\s*`)

func stripFieldLabel(s string) string {
	return strings.TrimSpace(fieldLabel.ReplaceAllString(strings.TrimSpace(s), ""))
}

// looksLikeNotice is Detect's test for the notice format: at least three
// different kinds of notice heading, or two and a document-type line.
func looksLikeNotice(d *doc) bool {
	kinds := map[noticeField]bool{}
	docType := false
	for _, l := range d.lines {
		s := clean(l.text)
		if s == "" {
			continue
		}
		if m, ok := matchNoticeHeading(l.text); ok {
			if m.field != nfExtra && m.field != nfDate {
				kinds[m.field] = true
			}
			continue
		}
		if utf8.RuneCountInString(s) <= 120 && docTypeAny.MatchString(s) {
			docType = true
		}
	}
	return len(kinds) >= 3 || (len(kinds) >= 2 && docType)
}

type noticeSection struct {
	field   noticeField
	label   string
	lineNo  int
	content []string
	lines   []int
}

func parseNotice(d *doc) *Result {
	res := &Result{}
	var (
		sections []*noticeSection
		cur      *noticeSection
		pre      []line // content before the first heading
		langs    = map[string]int{}
	)
	for _, l := range d.lines {
		s := clean(l.text)
		if s == "" {
			continue
		}
		if m, ok := matchNoticeHeading(l.text); ok {
			cur = &noticeSection{field: m.field, label: m.label, lineNo: l.no}
			sections = append(sections, cur)
			langs[m.lang]++
			if m.rest != "" {
				cur.content = append(cur.content, m.rest)
				cur.lines = append(cur.lines, l.no)
			}
			continue
		}
		if pageNumber.MatchString(s) {
			continue
		}
		if dateOnly.MatchString(s) && (cur == nil || cur.field != nfDate) {
			continue // page date printed on every page
		}
		if cur == nil {
			pre = append(pre, line{no: l.no, text: s})
			continue
		}
		cur.content = append(cur.content, s)
		cur.lines = append(cur.lines, l.no)
	}
	switch {
	case langs["sv"] > langs["fi"]:
		res.Language = "sv"
	case langs["fi"] > langs["sv"]:
		res.Language = "fi"
	default:
		res.Language = guessLanguage(d)
	}

	reg := Register{Language: res.Language}
	// Paragraphs per field, joined with newlines at the end; a field whose
	// heading appears twice gets both sections.
	paras := map[noticeField][]string{}
	extra := map[string][]string{}
	for _, sec := range sections {
		switch sec.field {
		case nfName:
			if len(sec.content) == 0 {
				continue
			}
			if reg.Name == "" {
				reg.Name = strings.Join(sec.content, " ")
				reg.SourceRow = sec.lines[0]
			} else {
				reg.Warnings = append(reg.Warnings, warnf("importer.warn.second_name", sec.lineNo, clip(strings.Join(sec.content, " "), 80)))
			}
		case nfExtra, nfDate:
			extra[sec.label] = append(extra[sec.label], sec.content...)
		default:
			paras[sec.field] = append(paras[sec.field], sec.content...)
		}
	}
	text := func(f noticeField) string { return strings.Join(paras[f], "\n") }
	reg.Controller = text(nfController)
	reg.Contact = text(nfContact)
	reg.DataContent = text(nfData)
	reg.Sources = text(nfSources)
	reg.Recipients = text(nfRecipients)
	reg.Retention = text(nfRetention)
	reg.Systems = text(nfSystems)
	for label, ps := range extra {
		if len(ps) == 0 {
			continue
		}
		if reg.Extra == nil {
			reg.Extra = map[string]string{}
		}
		reg.Extra[label] = strings.Join(ps, "\n")
	}
	purpose, legal := paras[nfPurpose], paras[nfLegal]
	// Without a legal-basis section of its own, the paragraphs of the
	// purpose section that state the legal basis are the legal-basis text.
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
	reg.Purpose = strings.Join(purpose, "\n")
	reg.LegalBasisText = strings.Join(legal, "\n")
	var warn string
	reg.LegalBasis, warn = readLegalBasis(reg.LegalBasisText, reg.Purpose)
	if warn != "" {
		reg.Warnings = append(reg.Warnings, warn)
	}
	if reg.LegalBasis == LegalBasisUnknown && reg.LegalBasisText != "" {
		reg.Warnings = append(reg.Warnings, warnf("importer.warn.no_basis_letter"))
	}
	if reg.Controller != "" {
		reg.Unit = noticeUnit(reg.Controller)
	}

	// Title line: the register name when there is no name section.
	for _, p := range pre {
		if reg.Name == "" {
			if n := titleName(p.text); n != "" {
				reg.Name = n
				reg.SourceRow = p.no
				continue
			}
		}
		if titleName(p.text) != "" {
			res.Warnings = append(res.Warnings, warnf("importer.warn.before_heading", p.no, clip(p.text, 80)))
		}
	}
	if reg.Name == "" {
		res.Warnings = append(res.Warnings, warnf("importer.warn.no_name"))
		return res
	}
	if len(sections) == 0 {
		res.Warnings = append(res.Warnings, warnf("importer.warn.no_headings"))
		return res
	}
	res.Registers = []Register{reg}
	return res
}

var legalWords = regexp.MustCompile(`(?i)(oikeusperuste|rättslig grund|rättsliga grund|artiklan|artikla|artikel|\bart\.)`)

func isLegalParagraph(p string) bool {
	return legalWords.MatchString(p) || len(legalBasisLetters(p)) > 0
}
