package registers

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		file string
		want Format
	}{
		{seedJakobstad, FormatJakobstad},
		{seedKronoby, FormatKronoby},
		{seedRaseborg, FormatRaseborg},
		{seedKokkola, FormatNotice},
		{seedTietovarannot, FormatTietovarannot},
		{fixtureNoticeSV, FormatNotice},
	} {
		got, err := Detect(readTestdata(t, c.file))
		if err != nil || got != c.want {
			t.Errorf("Detect(%s) = %q, %v; want %q", c.file, got, err, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	prose := "Kaupunki järjestää asukkailleen monenlaisia palveluja. Palveluista kerrotaan kaupungin verkkosivuilla.\n\n" +
		"Tervetuloa kirjastoon! Aukioloajat löytyvät sivuston alaosasta.\n"
	for _, c := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"whitespace", "  \n\t\r\n \u00a0 \n", ErrEmpty},
		{"bom only", "\uFEFF\r\n", ErrEmpty},
		{"nul bytes", "Register\x00Informationslager\x00", ErrBinary},
		{"invalid utf-8", "Rekisterinpit\xe4j\xe4\nKokkolan kaupunki\n", ErrBinary},
		{"raw pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", ErrBinary},
		{"control characters", strings.Repeat("\x01\x02\x03abc", 50), ErrBinary},
		{"prose", prose, ErrUnknownFormat},
		{"single word", "Rekisteri", ErrUnknownFormat},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Detect(c.in)
			if !errors.Is(err, c.want) || f != "" {
				t.Errorf("Detect = %q, %v; want error %v", f, err, c.want)
			}
			res, err := Parse(c.in, Options{SourceFile: "x.txt"})
			if !errors.Is(err, c.want) || res != nil {
				t.Errorf("Parse = %v, %v; want nil and %v", res, err, c.want)
			}
			if err != nil && !strings.Contains(err.Error(), "x.txt") {
				t.Errorf("error %q does not name the source file", err)
			}
		})
	}
}

func TestForcedFormat(t *testing.T) {
	// Forcing the detected format gives the same result.
	for _, f := range []string{seedJakobstad, seedKronoby, seedRaseborg, seedKokkola, seedTietovarannot} {
		text := readTestdata(t, f)
		auto, err := Parse(text, Options{SourceFile: f})
		if err != nil {
			t.Fatal(err)
		}
		forced, err := Parse(text, Options{SourceFile: f, Format: auto.Format})
		if err != nil || !reflect.DeepEqual(auto, forced) {
			t.Errorf("%s: forced %q differs from auto (%v)", f, auto.Format, err)
		}
	}

	// Two headings are too few to detect a notice, but forcing works.
	short := "Rekisterin nimi\nKirjaston asiakasrekisteri\n\nRekisterinpitäjä\nEsimerkkilän kaupunki, kirjastopalvelut\n"
	if _, err := Detect(short); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Detect(short notice) err = %v, want ErrUnknownFormat", err)
	}
	res, err := Parse(short, Options{Format: FormatNotice})
	if err != nil {
		t.Fatalf("forced notice: %v", err)
	}
	if len(res.Registers) != 1 || res.Registers[0].Name != "Kirjaston asiakasrekisteri" ||
		res.Registers[0].Unit != "kirjastopalvelut" || res.Registers[0].SourceRow != 2 || res.Format != FormatNotice {
		t.Errorf("forced notice: %+v", res)
	}

	// Forcing the wrong format finds nothing: an error, no registers.
	res, err = Parse(readTestdata(t, seedJakobstad), Options{Format: FormatKronoby})
	if !errors.Is(err, ErrNoRegisters) || res != nil {
		t.Errorf("jakobstad as kronoby: %v, %v; want ErrNoRegisters", res, err)
	}
	res, err = Parse(readTestdata(t, seedKokkola), Options{Format: FormatRaseborg})
	if !errors.Is(err, ErrNoRegisters) || res != nil {
		t.Errorf("notice as raseborg: %v, %v; want ErrNoRegisters", res, err)
	}
	// An unknown format name.
	res, err = Parse(readTestdata(t, seedKokkola), Options{Format: "pdf"})
	if !errors.Is(err, ErrUnknownFormat) || res != nil {
		t.Errorf("format pdf: %v, %v; want ErrUnknownFormat", res, err)
	}
}

// CRLF line ends and a UTF-8 BOM change nothing, line numbers included.
func TestCRLFAndBOM(t *testing.T) {
	for _, f := range allTestdata(t) {
		text := readTestdata(t, f)
		want, err := Parse(text, Options{SourceFile: f})
		if err != nil {
			t.Fatal(err)
		}
		crlf := "\uFEFF" + strings.ReplaceAll(text, "\n", "\r\n")
		got, err := Parse(crlf, Options{SourceFile: f})
		if err != nil {
			t.Fatalf("%s with CRLF and BOM: %v", f, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: CRLF+BOM result differs", f)
		}
	}
}

// toLayout re-lays a tab-separated document the way pdftotext -layout
// does: every column starts at a fixed offset, cells are padded with spaces.
func toLayout(text string) string {
	lines := strings.Split(text, "\n")
	var widths []int
	for _, l := range lines {
		if !strings.Contains(l, "\t") {
			continue
		}
		for i, c := range strings.Split(l, "\t") {
			for len(widths) <= i {
				widths = append(widths, 0)
			}
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for li, l := range lines {
		if !strings.Contains(l, "\t") {
			continue
		}
		var b strings.Builder
		for i, c := range strings.Split(l, "\t") {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+3))
		}
		lines[li] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

// Tables laid out with runs of spaces parse like tab-separated ones,
// including empty cells, marks and continuation rows.
func TestSpaceSeparatedTables(t *testing.T) {
	for _, f := range []string{seedJakobstad, seedKronoby, seedTietovarannot} {
		text := readTestdata(t, f)
		want, err := Parse(text, Options{SourceFile: f})
		if err != nil {
			t.Fatal(err)
		}
		layout := toLayout(text)
		if strings.Contains(layout, "\t") {
			t.Fatal("layout still has tabs")
		}
		if fm, err := Detect(layout); err != nil || fm != want.Format {
			t.Errorf("%s laid out: Detect = %q, %v", f, fm, err)
		}
		got, err := Parse(layout, Options{SourceFile: f})
		if err != nil {
			t.Fatalf("%s laid out: %v", f, err)
		}
		if len(got.Registers) != len(want.Registers) {
			t.Fatalf("%s laid out: %d registers, want %d", f, len(got.Registers), len(want.Registers))
		}
		for i := range want.Registers {
			if !reflect.DeepEqual(got.Registers[i], want.Registers[i]) {
				t.Errorf("%s laid out: register %d\n got %+v\nwant %+v", f, i, got.Registers[i], want.Registers[i])
			}
		}
	}
}

func TestFinnishTableHeaderLanguage(t *testing.T) {
	text := "Rekisteri/Tietovaranto\tKäyttötarkoitus\tRekisterinpitäjä\n" +
		"Kirjaston asiakasrekisteri\tLainaajien tiedot\tSivistyslautakunta / Kirjastopalvelut\n"
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != FormatJakobstad || res.Language != "fi" || len(res.Registers) != 1 {
		t.Fatalf("got %+v", res)
	}
	r := res.Registers[0]
	if r.Language != "fi" || r.Unit != "Kirjastopalvelut" || r.Controller != "Sivistyslautakunta / Kirjastopalvelut" || r.Purpose != "Lainaajien tiedot" {
		t.Errorf("got %+v", r)
	}
}

// A Finnish notice with inline headings ("Heading: text", "Heading<TAB>text"),
// a doc-type title, page numbers and dates, and the legal basis inside the
// purpose section.
func TestFinnishNoticeVariants(t *testing.T) {
	text := strings.Join([]string{
		"Tietosuojaseloste – Kirjaston asiakasrekisteri",
		"EU:n yleinen tietosuoja-asetus (2016/679), artiklat 13 ja 14",
		"1.2.2024",
		"1. Rekisterinpitäjä",
		"Esimerkkilän kaupunki",
		"Sivistyslautakunta",
		"PL 1, 00001 Esimerkkilä",
		"2. Yhteyshenkilö: Kirjastotoimenjohtaja",
		"3. Käsittelyn tarkoitus ja oikeusperuste",
		"Tietoja käsitellään lainaajien asiakassuhteen hoitamiseksi.",
		"Käsittely perustuu tietosuoja-asetuksen 6 art. 1 mom. c alakohtaan.",
		"Sivu 1 (2)",
		"1.2.2024",
		"4. Rekisterin tietosisältö (henkilötietoryhmät)",
		"Nimi, osoite, kirjastokortin numero.",
		"Tietojärjestelmät\tKoha",
		"Rekisteröidyn oikeudet",
		"Oikeus tarkastaa omat tietonsa.",
	}, "\n")
	if f, err := Detect(text); err != nil || f != FormatNotice {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkRegister(t, res.Registers[0], want{Register: Register{
		Name:           "Kirjaston asiakasrekisteri",
		Controller:     "Esimerkkilän kaupunki\nSivistyslautakunta\nPL 1, 00001 Esimerkkilä",
		Unit:           "Sivistyslautakunta",
		Contact:        "Kirjastotoimenjohtaja",
		Purpose:        "Tietoja käsitellään lainaajien asiakassuhteen hoitamiseksi.",
		LegalBasis:     "c",
		LegalBasisText: "Käsittely perustuu tietosuoja-asetuksen 6 art. 1 mom. c alakohtaan.",
		DataContent:    "Nimi, osoite, kirjastokortin numero.",
		Systems:        "Koha",
		Language:       "fi",
		SourceRow:      1,
		Extra:          map[string]string{"Rekisteröidyn oikeudet": "Oikeus tarkastaa omat tietonsa."},
	}})
}

func TestLegalBasisLetters(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // comma-separated letters, "" for none
	}{
		{"EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 c-kohta: Käsittely on tarpeen", "c"},
		{"tietosuoja-asetuksen 6 artiklan 1 kohdan e alakohta", "e"},
		{"artikla 6.1 e", "e"},
		{"Artikel 6.1 e i dataskyddsförordningen", "e"},
		{"6 art. 1 mom. c", "c"},
		{"6 artikeln 1 punkten f", "f"},
		{"artikel 6 punkt 1 c", "c"},
		{"art. 6(1)(c) GDPR", "c"},
		{"GDPR 6(1)(e)", "e"},
		{"artikla 6 (1) a", "a"},
		{"ARTIKLA 6.1 B", "b"},
		{"6 artiklan 1 kohdan a ja c alakohdat", "a,c"},
		{"artikel 6.1 c och e", "c,e"},
		{"6 artiklan 1 c- ja e-kohta", "c,e"},
		{"Käsittely perustuu lakisääteiseen velvoitteeseen.", ""},
		{"artikla 6.1", ""},
		{"6 artiklan 1 kohdan mukaisesti", ""},
		{"artikla 9.2 g", ""},
		{"päivätty 6.1.2021", ""},
		{"6 artiklan 1 kohdan ensimmäinen alakohta", ""},
		// Without the paragraph: Art 6 has lettered points only in 6(1).
		{"EU:s allmänna dataskyddsförordning, artikel 6. punkt c) Behandlingen är nödvändig", "c"},
		{"Tietosuoja-asetus 6 artikla c, e", "c,e"},
		{"6 artiklan e-kohta", "e"},
		{"art. 6 (e)", "e"},
		{"artikla 6 kohta f", "f"},
		{"enligt artikel 6 i dataskyddsförordningen", ""},
		{"6 artiklan edellyttämällä tavalla", ""},
		{"artikla 6. A new sentence", ""},
		{"artikla 6 ja 9", ""},
	} {
		got := strings.Join(legalBasisLetters(c.in), ",")
		if got != c.want {
			t.Errorf("legalBasisLetters(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if l, w := readLegalBasis("artikel 6.1 c och e", ""); l != "c" || w == "" {
		t.Errorf("several letters: %q %q", l, w)
	}
	if l, _ := readLegalBasis("ei mainintaa", ""); l != LegalBasisUnknown {
		t.Errorf("no letter: %q", l)
	}
}

// The bases named in words, in the legal-basis text only (a purpose's
// "sopimus" is seldom the basis), each mapped to its Art 6(1) letter.
func TestLegalBasisWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"Käsittelyn oikeusperuste on yleinen etu ja julkisen vallan käyttäminen.", "e"},
		{"Käsittely perustuu rekisteröidyn suostumukseen.", "a"},
		{"Käsittely on tarpeen sopimuksen täytäntöönpanemiseksi.", "b"},
		{"Käsittely perustuu lakisääteiseen velvoitteeseen.", "c"},
		{"rekisteröidyn elintärkeiden etujen suojaamiseksi", "d"},
		{"yleistä etua koskevan tehtävän suorittamiseksi", "e"},
		{"Julkisen vallan käyttö", "e"},
		{"rekisterinpitäjän oikeutetun edun toteuttamiseksi", "f"},
		{"Behandlingen baserar sig på den registrerades samtycke.", "a"},
		{"för att fullgöra ett avtal", "b"},
		{"en rättslig förpliktelse som åvilar den personuppgiftsansvarige", "c"},
		{"för att skydda den registrerades grundläggande intressen", "d"},
		{"uppgift av allmänt intresse och myndighetsutövning", "e"},
		{"den personuppgiftsansvariges berättigade intressen", "f"},
		{"processing is necessary for compliance with a legal obligation", "c"},
		{"Processing is necessary for the performance of a task carried out in the public interest", "e"},
		{"Rekisteröidyn suostumuksella tai sopimus- taikka muun vastaavan suhteen tai lain perusteella", "a,b"},
		{"Käsittely ei perustu suostumukseen, vaan lakisääteiseen velvoitteeseen.", "c"},
		{"Behandlingen grundar sig inte på samtycke.", ""},
		{"Henkilö on oikeutettu etuuteen.", ""},
		{"Lakisääteinen tehtävä nuorisopalveluiden järjestämiseksi", ""},
	} {
		if got := strings.Join(legalBasisWords(c.in), ","); got != c.want {
			t.Errorf("legalBasisWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// An article reference wins over words; words are not read from the
	// purpose; several bases give the first and a warning.
	for _, c := range []struct{ legal, purpose, want string }{
		{"6 artiklan 1 e-kohta: käsittely on tarpeen sopimuksen täytäntöönpanemiseksi", "", "e"},
		{"lakisääteinen velvoite", "artikla 6.1 e", "e"},
		{"", "Tietoja käytetään sopimusten hallintaan ja suostumusten kirjaamiseen.", LegalBasisUnknown},
		{"Käsittelyn oikeusperuste on yleinen etu.", "asiakkaiden sopimukset", "e"},
	} {
		if got, _ := readLegalBasis(c.legal, c.purpose); got != c.want {
			t.Errorf("readLegalBasis(%q, %q) = %q, want %q", c.legal, c.purpose, got, c.want)
		}
	}
	if l, w := readLegalBasis("Rekisteröidyn suostumuksella tai sopimuksen perusteella", ""); l != "a" || w == "" {
		t.Errorf("several bases in words: %q %q", l, w)
	}
}

func TestNormalizeName(t *testing.T) {
	same := [][]string{
		{"Register över förtroendevalda", "register  över förtroendevalda.", "REGISTER ÖVER FÖRTROENDEVALDA", " Register\u00a0över\tförtroendevalda ", "Register o\u0308ver fo\u0308rtroendevalda"},
		{"Sosiaali- ja terveystoimiala", "sosiaali ja terveystoimiala", "Sosiaali – ja terveystoimiala"},
		{"Päikky", "PÄIKKY", "Pa\u0308ikky", "Päi\u00adkky"},
		{"Raaseporin Vesi", "raaseporin vesi!"},
		{"Åbo", "åbo", "A\u030abo"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if NormalizeName(s) != NormalizeName(group[0]) {
				t.Errorf("NormalizeName(%q) = %q, want %q", s, NormalizeName(s), NormalizeName(group[0]))
			}
		}
	}
	if got := NormalizeName("Register över förtroendevalda"); got != "register över förtroendevalda" {
		t.Errorf("NormalizeName = %q", got)
	}
	different := [][2]string{
		{"Pro Consona päivähoitorekisteri", "Pro Consona paivahoitorekisteri"},
		{"Åbo", "Abo"},
		{"Pro Consona päivähoitorekisteri", "Pro Consona päivähoitorekisteri, mukana mobiiliratkaisu"},
	}
	for _, d := range different {
		if NormalizeName(d[0]) == NormalizeName(d[1]) {
			t.Errorf("NormalizeName(%q) == NormalizeName(%q)", d[0], d[1])
		}
	}
	if NormalizeName(" .,;– ") != "" {
		t.Error("punctuation only should normalise to empty")
	}
}

func allTestdata(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(files) < 6 {
		t.Fatalf("testdata: %v %v", files, err)
	}
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f))
	}
	return out
}

func TestDeterministic(t *testing.T) {
	for _, f := range allTestdata(t) {
		text := readTestdata(t, f)
		first, err := Parse(text, Options{SourceFile: f})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			again, err := Parse(text, Options{SourceFile: f})
			if err != nil || !reflect.DeepEqual(first, again) {
				t.Fatalf("%s: run %d differs (%v)", f, i, err)
			}
		}
	}
}

// The sector-list format in Swedish: language from the sector headings.
func TestSwedishSectorList(t *testing.T) {
	text := "Behandling av personuppgifter i staden\n\n" +
		"Staden upprätthåller flera personregister som behövs för att producera tjänster.\n\n" +
		"Bildningssektorn\n\nSkolkuratorernas klientdatasystem AURA\n\nPro Consona dagvårdsregister\n\n\u00a0\n\n" +
		"Tekniska sektorn\n\nLokalförvaltningen: Register över hyresgäster\n"
	if f, err := Detect(text); err != nil || f != FormatRaseborg {
		t.Fatalf("Detect = %q, %v", f, err)
	}
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Language != "sv" || len(res.Registers) != 3 {
		t.Fatalf("got %+v", res)
	}
	last := res.Registers[2]
	if last.Name != "Lokalförvaltningen: Register över hyresgäster" || last.Sector != "Tekniska sektorn" || last.SourceRow != 15 || last.Language != "sv" || last.LegalBasis != "unknown" {
		t.Errorf("last: %+v", last)
	}
}
