package pdf_test

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

var update = flag.Bool("update", false, "rewrite the golden text files in testdata/golden")

var langs = []string{"fi", "sv", "en"}

// The letters are checked with poppler's pdftotext and qpdf, which
// scripts/deps.sh test installs. A missing tool fails the tests, saying so.
func TestMain(m *testing.M) {
	flag.Parse()
	for _, tool := range []string{"pdftotext", "pdfinfo", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "internal/pdf tests need %s (poppler-utils, qpdf): run scripts/deps.sh test\n", tool)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func renderer(t testing.TB) *pdf.Renderer {
	t.Helper()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	return pdf.New(cat)
}

func render(t *testing.T, r *pdf.Renderer, l pdf.Letter) []byte {
	t.Helper()
	b, err := r.Bytes(l)
	if err != nil {
		t.Fatalf("rendering %s/%s: %v", l.Kind, l.Lang, err)
	}
	return b
}

// writeTemp writes b to a file in the test's temporary directory.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// pages returns the text of each page (pdftotext separates them by \f).
func pages(t *testing.T, file string) []string {
	t.Helper()
	txt := tool(t, "pdftotext", "-enc", "UTF-8", file, "-")
	ps := strings.Split(txt, "\f")
	if len(ps) > 0 && strings.TrimSpace(ps[len(ps)-1]) == "" {
		ps = ps[:len(ps)-1]
	}
	return ps
}

// words normalises text to single-spaced words: poppler versions differ in
// layout, not in words.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func pageCount(t *testing.T, file string) int {
	t.Helper()
	for _, line := range strings.Split(tool(t, "pdfinfo", file), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("pdfinfo %s: no page count", file)
	return 0
}

// Issue 18: every letter kind in fi, sv and en matches its golden text
// (words, white space normalised) and page count, and passes qpdf --check.
func TestGoldenLetters(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	for _, k := range pdf.Kinds {
		for _, lang := range langs {
			t.Run(string(k)+"-"+lang, func(t *testing.T) {
				t.Parallel()
				file := writeTemp(t, "letter.pdf", render(t, r, pdf.Sample(k, lang)))
				tool(t, "qpdf", "--check", file)
				got := fmt.Sprintf("pages: %d\n%s\n", pageCount(t, file), wrap(words(strings.Join(pages(t, file), " "))))
				golden := filepath.Join("testdata", "golden", string(k)+"-"+lang+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/pdf -update to create it)", err)
				}
				if words(got) != words(string(want)) {
					t.Errorf("%s differs from the golden text %s (run with -update after checking the change):\n%s",
						file, golden, firstDiff(words(string(want)), words(got)))
				}
			})
		}
	}
}

// wrap breaks a line of words near 100 characters so golden files diff well.
func wrap(s string) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		if i > 0 {
			if n+len(w) > 100 {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

func firstDiff(want, got string) string {
	ww, gw := strings.Fields(want), strings.Fields(got)
	for i := 0; i < len(ww) && i < len(gw); i++ {
		if ww[i] != gw[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("at word %d:\n want ...%s\n  got ...%s", i,
				strings.Join(ww[lo:min(len(ww), i+8)], " "), strings.Join(gw[lo:min(len(gw), i+8)], " "))
		}
	}
	return fmt.Sprintf("lengths: want %d words, got %d", len(ww), len(gw))
}

// The same letter renders byte-identical, whatever the wall clock says;
// the letter's date (from the case) is what goes into the file.
func TestSameInputSameBytes(t *testing.T) {
	t.Parallel()
	for _, k := range pdf.Kinds {
		l := pdf.Sample(k, "sv")
		a := render(t, renderer(t), l)
		b := render(t, renderer(t), l)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders of the same letter differ", k)
		}
		l.Date = l.Date.Add(24 * time.Hour)
		if c := render(t, renderer(t), l); bytes.Equal(a, c) {
			t.Errorf("%s: a different letter date rendered the same bytes", k)
		}
	}
	// The creation time is the letter's date, not the render time.
	file := writeTemp(t, "a.pdf", render(t, renderer(t), pdf.Sample(pdf.KindAccess, "fi")))
	if info := tool(t, "pdfinfo", "-isodates", file); !strings.Contains(info, "2026-12-02T12:05:00") {
		t.Errorf("CreationDate is not the letter's date:\n%s", info)
	}
}

// A long extract breaks across pages and every page of the table repeats
// its header row; a single cell longer than a page is split, not lost.
func TestLongExtractRepeatsHeader(t *testing.T) {
	t.Parallel()
	l := pdf.SampleAccessSized("fi", 1, 180)
	long := strings.Repeat("pitkä solu ", 700) + "LOPPU"
	l.Registers[0].Extract += "31.12.2025\tPoikkeus\tArkisto\t" + long + "\n"
	// A refusal whose reasons run longer than a page.
	l.Registers = append(l.Registers, pdf.Register{Name: "Pitkä kieltäytyminen", Right: "access", Answer: "refused",
		Ground: "dpa_34", Comment: strings.Repeat("syyperuste ", 900) + "PERUSTELUN LOPPU"})
	file := writeTemp(t, "long.pdf", render(t, renderer(t), l))
	tool(t, "qpdf", "--check", file)
	ps := pages(t, file)
	header := "Päivämäärä Tapahtuma Yksikkö Lisätiedot"
	var tablePages int
	inTable := false
	for i, p := range ps {
		w := words(p)
		if strings.Contains(w, "Rekisterin vastuuhenkilön ote") {
			inTable = true
		}
		if !inTable {
			continue
		}
		// Each header cell is on the page (pdftotext may interleave the
		// running head with a row of narrow cells; data rows never hold
		// these words).
		for _, h := range strings.Fields(header) {
			if !strings.Contains(w, h) {
				t.Errorf("page %d of the table lacks the header cell %q:\n%.300s", i+1, h, w)
			}
		}
		tablePages++
		if strings.Contains(w, "Liitetiedostot") || strings.Contains(w, "Tietoja jätetty antamatta (") {
			break
		}
	}
	if tablePages < 4 {
		t.Fatalf("the table spans %d pages; want a table broken across at least 4", tablePages)
	}
	all := words(strings.Join(ps, " "))
	if got := strings.Count(all, "pitkä solu"); got != 700 {
		t.Errorf("the page-long cell lost text: %d of 700 repeats printed", got)
	}
	if !strings.Contains(all, "LOPPU") {
		t.Error("the page-long cell's end is missing")
	}
	if got := strings.Count(all, "syyperuste"); got != 900 || !strings.Contains(all, "PERUSTELUN LOPPU") {
		t.Errorf("the page-long reasons lost text: %d of 900 words", got)
	}
	// The last data rows are all there.
	if !strings.Contains(all, "Tulotietojen tarkistus") || !strings.Contains(all, "31.12.2025 Poikkeus") {
		t.Error("rows missing from the long extract")
	}
}

// 15(4) and 1050/2018 §34: withheld cells, rows and files are left out of
// the letter and replaced by a marked block with the ground and the
// recorded reason; a column name that matches nothing withholds the row.
func TestWithheldContentIsLeftOut(t *testing.T) {
	t.Parallel()
	l := pdf.Sample(pdf.KindAccess, "fi")
	reg := &l.Registers[0]
	reg.Extract = "Päivä\tMerkintä\tLisätiedot\n" +
		"1.2.2025\tKäynti\tSALAINEN-SOLU toisen lapsen nimi\n" +
		"2.2.2025\tSALAINEN-RIVI\tkokonaan pois\n" +
		"3.2.2025\tSALAINEN-SARAKE\tväärä sarakenimi\n" +
		"4.2.2025\tNäkyvä rivi\tnäkyvä lisätieto\n"
	reg.Files = []string{"julkinen.pdf", "salainen.pdf"}
	reg.Withheld = []pdf.Withheld{
		{Row: 1, Column: "lisätiedot", Ground: "art15_4_others", Reason: "Toisen lapsen tiedot."},
		{Row: 2, Ground: "dpa_34", Reason: "Terveydenhoidon vaarantuminen."},
		{Row: 3, Column: "Ei tällaista", Ground: "art15_4_others", Reason: "Sarake kirjoitettu väärin."},
		{File: "salainen.pdf", Ground: "dpa_34", Reason: "Lastensuojelun selvitys."},
	}
	file := writeTemp(t, "redacted.pdf", render(t, renderer(t), l))
	all := words(strings.Join(pages(t, file), " "))
	for _, secret := range []string{"SALAINEN-SOLU", "SALAINEN-RIVI", "kokonaan pois", "SALAINEN-SARAKE", "väärä sarakenimi"} {
		if strings.Contains(all, secret) {
			t.Errorf("withheld content %q is in the letter", secret)
		}
	}
	for _, want := range []string{
		"1.2.2025 Käynti [jätetty antamatta, ks. 1]",
		"[jätetty antamatta, ks. 2]", "[jätetty antamatta, ks. 3]",
		"Näkyvä rivi näkyvä lisätieto",
		"Tietoja jätetty antamatta (1) Koskee otteen rivi 1, sarake lisätiedot Peruste Tietojen antaminen vaikuttaisi haitallisesti muiden henkilöiden oikeuksiin ja vapauksiin",
		"Perustelut Toisen lapsen tiedot.",
		"Tietoja jätetty antamatta (2) Koskee otteen rivi 2 Peruste Oikeutta saada pääsy tietoihin on rajoitettu tietosuojalain (1050/2018) 34 §:n nojalla.",
		"Perustelut Terveydenhoidon vaarantuminen.",
		"Tietoja jätetty antamatta (4) Koskee tiedosto salainen.pdf",
		"julkinen.pdf",
		"Varhaiskasvatuksen asiakasrekisteri (osa tiedoista jätetty antamatta)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	// A withheld file is not listed among the delivered ones.
	files := all[strings.Index(all, "Liitetiedostot"):strings.Index(all, "Tietoja jätetty antamatta (1)")]
	if strings.Contains(files, "salainen.pdf") {
		t.Errorf("the withheld file is listed as delivered: %s", files)
	}
}

// ID-5: a representative's restricted access shows as a marked block with
// the ground and reason; the letter says whom it concerns.
func TestGuardianRestrictionBlock(t *testing.T) {
	t.Parallel()
	l := pdf.Sample(pdf.KindAccess, "sv")
	l.OnBehalfOf = "Ella Exempel"
	l.Registers[0].GuardianRestricted = true
	l.Registers[0].Ground = "id5_guardian"
	l.Registers[0].Comment = "Den minderåriga har förbjudit utlämnande av hälsouppgifterna."
	all := words(strings.Join(pages(t, writeTemp(t, "g.pdf", render(t, renderer(t), l))), " "))
	for _, want := range []string{
		"Begäran har gjorts av en företrädare för Ella Exempel",
		"Rätten att få uppgifterna har begränsats Grund Vårdnadshavarens eller en annan företrädares rätt",
		"Motivering Den minderåriga har förbjudit utlämnande av hälsouppgifterna.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
}

// legal.md §3: the supervisory-authority block in the letter's language;
// terms.md: dates as 2.12.2026 / 2 December 2026; the footer's page total.
func TestAuthorityBlockDatesAndFooter(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"fi": {"Tietosuojavaltuutetun toimisto, Lintulahdenkuja 4, 00530 Helsinki postiosoite PL 800, 00531 Helsinki puh. 029 566 6700, tietosuoja@om.fi",
			"Päivämäärä 2.12.2026", "jonka vastaanotimme 3.11.2026", "sivu 1 / %d"},
		"sv": {"Dataombudsmannens byrå, Fågelviksgränden 4, 00530 Helsingfors postadress PB 800, 00531 Helsingfors tfn 029 566 6700, tietosuoja@om.fi",
			"Datum 2.12.2026", "som vi tog emot den 3.11.2026", "sida 1 / %d"},
		"en": {"Office of the Data Protection Ombudsman, Lintulahdenkuja 4, 00530 Helsinki, Finland postal address P.O. Box 800, 00531 Helsinki tel. +358 29 566 6700, tietosuoja@om.fi",
			"Date 2 December 2026", "which we received on 3 November 2026", "page 1 / %d"},
	}
	r := renderer(t)
	for _, lang := range langs {
		for _, k := range []pdf.Kind{pdf.KindAccess, pdf.KindRefusal} {
			file := writeTemp(t, "a.pdf", render(t, r, pdf.Sample(k, lang)))
			n := pageCount(t, file)
			all := words(strings.Join(pages(t, file), " "))
			for _, w := range want[lang] {
				if strings.Contains(w, "%d") {
					w = fmt.Sprintf(w, n)
				}
				if !strings.Contains(all, w) {
					t.Errorf("%s/%s lacks %q", k, lang, w)
				}
			}
			if strings.Contains(all, "2026-12-02") || strings.Contains(all, "{nb}") {
				t.Errorf("%s/%s: an ISO date or an unreplaced page total in the text", k, lang)
			}
		}
	}
}

// Art 12(4): a refusal names the ground, the reasons, the complaint to the
// Data Protection Ombudsman (Art 77), the court (Art 79) and the appeal
// instructions, the organisation's own when it has them.
func TestRefusalRemedies(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	l := pdf.Sample(pdf.KindRefusal, "fi")
	all := words(strings.Join(pages(t, writeTemp(t, "r.pdf", render(t, r, l))), " "))
	for _, want := range []string{
		"Kieltäydymme toteuttamasta pyyntöäsi (EU:n yleinen tietosuoja-asetus, 12 artikla 4 kohta). Peruste ja perustelut ovat alla.",
		"Peruste Pyyntösi on kohtuuton, erityisesti toistuvan luonteensa vuoksi (tietosuoja-asetus, 12 artikla 5 kohta).",
		"Perustelut Olet tehnyt saman pyynnön kuusi kertaa",
		"77 artikla", "79 artikla", "Valitusosoitus", "kuntalaki 410/2015, 134 §",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("refusal lacks %q", want)
		}
	}
	// D-12: the whole request is refused, said once and plainly; it said
	// "in the respects set out below" and then "the whole request" (found
	// in a walkthrough).
	for _, no := range []string{"alla kerrotuilta osin", "Kieltäytyminen koskee koko pyyntöä"} {
		if strings.Contains(all, no) {
			t.Errorf("the whole refusal says %q", no)
		}
	}
	// Per register, with the organisation's appeal instructions.
	l.Ground, l.Reasons = "", ""
	l.Org.AppealText = "Oikaisuvaatimus osoitetaan Esimerkkikaupungin kaupunginhallitukselle."
	l.Registers = []pdf.Register{{Name: "Rakennusvalvonnan lupa-arkisto", Right: "erasure", Answer: "refused",
		Ground: "art17_3_b", Comment: "Säilytetään pysyvästi."}, {Name: "Ei mukana", Right: "erasure", Answer: "erased"}}
	all = words(strings.Join(pages(t, writeTemp(t, "r2.pdf", render(t, r, l))), " "))
	for _, want := range []string{
		"Rekisteri: Rakennusvalvonnan lupa-arkisto Pyyntö tietojen poistaminen (17 artikla)",
		"17 artikla 3 kohta b alakohta", "Perustelut Säilytetään pysyvästi.",
		"Oikaisuvaatimus osoitetaan Esimerkkikaupungin kaupunginhallitukselle.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("per-register refusal lacks %q", want)
		}
	}
	if !strings.Contains(all, "Kieltäydymme toteuttamasta pyyntöä alla kerrotuilta osin") {
		t.Error("the per-register refusal does not say it refuses in the respects below")
	}
	if strings.Contains(all, "Ei mukana") || strings.Contains(all, "kuntalaki 410/2015") {
		t.Error("the refusal letter shows a register that was not refused, or the default appeal text over the organisation's")
	}
}

// DL-6: the default appeal text names where a request for review goes:
// the organisation's postal address and its address for data protection
// mail, which is all there is without a postal address. It said "the address at the top of this letter" on
// letters whose top had none (found in a walkthrough).
func TestDefaultAppealNamesWhereItGoes_DL6(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	for _, c := range []struct {
		address []string
		want    string
	}{
		{[]string{"Kirjaamo", "PL 100", "10601 Esimerkkikaupunki"}, "viranomaiselle (Esimerkkikaupunki, Kirjaamo, PL 100, 10601 Esimerkkikaupunki, tietosuoja@esimerkki.example)."},
		{nil, "viranomaiselle (Esimerkkikaupunki, tietosuoja@esimerkki.example)."},
	} {
		l := pdf.Sample(pdf.KindRefusal, "fi")
		l.Org.Address, l.Org.DPOEmail, l.Org.AppealText = c.address, "tietosuoja@esimerkki.example", ""
		all := words(strings.Join(pages(t, writeTemp(t, "a.pdf", render(t, r, l))), " "))
		if !strings.Contains(all, c.want) || strings.Contains(all, "alussa olevaan osoitteeseen") {
			t.Errorf("address %q: the appeal text lacks %q", c.address, c.want)
		}
	}
}

// DL-8: a pause letter of an organisation without a postal address does
// not send the answer to "the address at the top of this letter".
func TestPauseLetterWithoutPostalAddress_DL8(t *testing.T) {
	t.Parallel()
	l := pdf.Sample(pdf.KindPause, "sv")
	l.Org.Address, l.Org.DPOEmail = nil, "dataskydd@exempelstad.example"
	all := words(strings.Join(pages(t, writeTemp(t, "p.pdf", render(t, renderer(t), l))), " "))
	if !strings.Contains(all, "per e-post till dataskydd@exempelstad.example") || strings.Contains(all, "början av det här brevet") {
		t.Errorf("the pause letter's how-to-answer: %.2000s", all)
	}
}

// Art 19: a confirmation names the recipients told, or says none needed it.
func TestConfirmationArt19(t *testing.T) {
	t.Parallel()
	all := words(strings.Join(pages(t, writeTemp(t, "c.pdf", render(t, renderer(t), pdf.Sample(pdf.KindConfirmation, "en")))), " "))
	for _, want := range []string{
		"Request rectification (Article 16) What we did The data has been rectified as you asked. What was changed",
		"We have told the recipients to whom the data was disclosed (GDPR, Article 19): • Kansaneläkelaitos (Kela) • Esimerkkikaupungin Vesi Oy",
		"The data has been erased. The data was not disclosed to others",
		"Processing based on your consent has stopped.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
}

// DL-5: the extension notice states the new due date and the reasons.
func TestExtensionNotice(t *testing.T) {
	t.Parallel()
	all := words(strings.Join(pages(t, writeTemp(t, "e.pdf", render(t, renderer(t), pdf.Sample(pdf.KindExtension, "sv")))), " "))
	for _, want := range []string{"Ursprunglig sista dag 3.12.2026", "Ny sista dag 3.2.2027", "Skälen till förlängningen av tidsfristen Begäran gäller alla stadens register"} {
		if !strings.Contains(all, want) {
			t.Errorf("extension notice lacks %q", want)
		}
	}
}

// Metadata: title, author = organisation, language; the logo renders.
func TestMetadataAndLogo(t *testing.T) {
	t.Parallel()
	l := pdf.Sample(pdf.KindReceipt, "sv")
	img := image.NewRGBA(image.Rect(0, 0, 60, 30))
	for x := 0; x < 60; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{0, 80, byte(4 * x), 255})
		}
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	l.Org.Logo = logo.Bytes()
	b := render(t, renderer(t), l)
	file := writeTemp(t, "m.pdf", b)
	tool(t, "qpdf", "--check", file)
	info := tool(t, "pdfinfo", file)
	for _, want := range []string{"Title:           Din begäran har tagits emot RD-2026-00042", "Author:          Exempelstad"} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
	if !bytes.Contains(b, []byte("/Lang (sv)")) {
		t.Error("the PDF does not declare its language")
	}
	if !bytes.Contains(b, []byte("/Subtype /Image")) {
		t.Error("the logo is not in the PDF")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	for name, mut := range map[string]func(*pdf.Letter){
		"language": func(l *pdf.Letter) { l.Lang = "de" },
		"kind":     func(l *pdf.Letter) { l.Kind = "memo" },
		"date":     func(l *pdf.Letter) { l.Date = time.Time{} },
		"number":   func(l *pdf.Letter) { l.RequestNumber = "" },
		"due":      func(l *pdf.Letter) { l.Kind = pdf.KindExtension; l.ExtendedDue = time.Time{} },
	} {
		l := pdf.Sample(pdf.KindExtension, "fi")
		mut(&l)
		if _, err := r.Bytes(l); err == nil {
			t.Errorf("%s: a letter without a valid %s rendered", name, name)
		}
	}
}

// Every ground and right the workflow knows has its sentence in every
// language, so a letter never prints a bare key.
func TestEveryGroundAndRightHasText(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, g := range workflow.Grounds {
		keys = append(keys, "letter.ground."+string(g))
	}
	for _, g := range []string{"art12_5_unfounded", "art12_5_excessive", "identity_not_established"} {
		keys = append(keys, "letter.ground."+g)
	}
	for _, r := range workflow.Rights {
		keys = append(keys, "letter.right."+string(r))
	}
	for _, lang := range langs {
		for _, k := range keys {
			if !cat.Has(lang, k) {
				t.Errorf("%s: missing %s", lang, k)
			}
		}
	}
}

// terms.md: the letters use one word per concept; the variants it lists
// never appear in the letter catalogues.
func TestLetterTextsUseTerms(t *testing.T) {
	t.Parallel()
	never := map[string][]string{
		"fi": {"hakemus", "tarkastusoikeus", "vastaanottonumero", "eräpäivä", "pidennys", "pidentä", "omistaja", "hylätty", "pyyntöön ei suostuttu"},
		"sv": {"ansökan", "personnummer", "kvittonummer", "ägare", "registeransvarig", "pausad", "avbruten"},
		"en": {"receipt number"},
	}
	for lang, bad := range never {
		b, err := templates.FS.ReadFile("locales/letter." + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(string(b))
		for _, w := range bad {
			if strings.Contains(low, w) {
				t.Errorf("letter.%s.json uses %q (terms.md)", lang, w)
			}
		}
	}
}

// legal.md §3 asks for transfers outside the EU/EEA and automated
// decision-making: a register that says nothing about them prints "not
// stated", never a "none" it did not claim; the basis falls back to the
// catalogue's label of its Art 6(1) letter.
func TestUnstatedItemsAreNotInvented(t *testing.T) {
	t.Parallel()
	l := pdf.Sample(pdf.KindAccess, "en")
	reg := &l.Registers[0]
	reg.NoTransfers, reg.NoAutomated = false, false
	reg.LegalBasis, reg.BasisCode = "", "c"
	all := words(strings.Join(pages(t, writeTemp(t, "u.pdf", render(t, renderer(t), l))), " "))
	// pdftotext interleaves the two columns of these rows, so the check is
	// by what appears, not in which order.
	if n := strings.Count(all, "not stated"); n != 2 {
		t.Errorf("%d items printed as not stated, want 2 (transfers, automated decisions)", n)
	}
	if !strings.Contains(all, "(c) legal obligation") {
		t.Error("the basis does not fall back to the catalogue's label")
	}
	if strings.Contains(all, "not transferred outside") || strings.Contains(all, "not used for automated") {
		t.Error("the letter claims no transfers or no automated decisions the register never stated")
	}
}

// A letter fpdf cannot draw (an organisation logo that is no PNG) is an
// error, not a panic: the answer's render job retries it and the DPO sees
// the failure (issue 18), and the error quotes nothing of the letter.
func TestBrokenLogoIsAnError(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	for _, k := range pdf.Kinds {
		l := pdf.Sample(k, "fi")
		l.Org.Logo, l.Org.LogoType = []byte("this is no PNG"), "png"
		if _, err := r.Bytes(l); err == nil {
			t.Errorf("%s letter with a broken logo rendered", k)
		} else if strings.Contains(err.Error(), l.Recipient.Name) || strings.Contains(err.Error(), "no PNG") {
			t.Errorf("%s letter's error quotes the letter: %v", k, err)
		}
		if _, err := r.HTML(l); err != nil {
			t.Logf("%s HTML: %v", k, err)
		}
	}
}

// A decision's signature never stands alone on its last page: when the
// appeal instructions end at the foot of a page, their last lines go over
// with the signature (the refusal samples did so in all three languages).
func TestSignatureNotAloneOnLastPage(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	r := pdf.New(cat)
	for _, k := range []pdf.Kind{pdf.KindRefusal, pdf.KindConfirmation} {
		for _, lang := range langs {
			file := writeTemp(t, string(k)+"-"+lang+".pdf", render(t, r, pdf.Sample(k, lang)))
			ps := pages(t, file)
			if len(ps) < 2 {
				continue
			}
			last := words(ps[len(ps)-1])
			regards := words(cat.T(lang, "letter.regards"))
			i := strings.Index(last, regards)
			if i < 0 {
				t.Errorf("%s/%s: the signature is not on the last page: %q", k, lang, last)
				continue
			}
			appeal := strings.Fields(cat.T(lang, "letter.appeal.default"))
			tail := strings.Join(appeal[len(appeal)-4:], " ")
			if !strings.Contains(last[:i], tail) {
				t.Errorf("%s/%s: nothing of the appeal text before the signature on the last page: %q", k, lang, last)
			}
		}
	}
}

// catalogRenderer is the product's catalogue and a renderer on it.
func catalogRenderer(t *testing.T) (*i18n.Catalog, *pdf.Renderer) {
	t.Helper()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	return cat, pdf.New(cat)
}

// letterWords is the text of l as rendered, white space normalised.
func letterWords(t *testing.T, r *pdf.Renderer, l pdf.Letter) string {
	t.Helper()
	return words(tool(t, "pdftotext", "-enc", "UTF-8", writeTemp(t, "letter.pdf", render(t, r, l)), "-"))
}

// The letter says where the delivered files are: the PDF holds none, so
// an electronic answer points to its ZIP on the answer page, a paper one
// to the files sent with it. It called them "attachments to this letter"
// (found in a walkthrough: pdfdetach finds none).
func TestLetterSaysWhereTheFilesAre(t *testing.T) {
	t.Parallel()
	cat, r := catalogRenderer(t)
	for _, lang := range langs {
		for delivery, key := range map[string]string{"electronic": "letter.reg.files_text", "paper": "letter.reg.files_text_paper"} {
			l := pdf.Sample(pdf.KindAccess, lang)
			l.Delivery = delivery
			text := letterWords(t, r, l)
			if want := words(cat.T(lang, key)); !strings.Contains(text, want) {
				t.Errorf("%s/%s: the letter lacks %q", lang, delivery, want)
			}
		}
	}
}

// RB-1: the rights a register's letter names follow its legal basis: no
// objection and a limited erasure under a legal obligation (c), objection
// under a public task (e), portability and withdrawal under consent (a);
// an unknown basis says the other rights depend on it. The letter named
// every right for every register (found in a walkthrough).
func TestLetterRightsFollowTheBasis_RB1(t *testing.T) {
	t.Parallel()
	cat, r := catalogRenderer(t)
	for _, basis := range []string{"a", "c", "e", "unknown", ""} {
		l := pdf.Sample(pdf.KindAccess, "fi")
		for i := range l.Registers {
			l.Registers[i].BasisCode = basis
		}
		text := letterWords(t, r, l)
		key := "letter.reg.rights." + basis
		if basis == "" {
			key = "letter.reg.rights.unknown"
		}
		if want := words(cat.T("fi", key) + " " + cat.T("fi", "letter.reg.rights_complaint")); !strings.Contains(text, want) {
			t.Errorf("basis %q: the letter lacks %q", basis, want)
		}
		// No other basis's rights.
		for _, other := range []string{"a", "b", "c", "d", "e", "f", "unknown"} {
			if other != strings.TrimPrefix(key, "letter.reg.rights.") && strings.Contains(text, words(cat.T("fi", "letter.reg.rights."+other))) {
				t.Errorf("basis %q: the letter names the rights of basis %q", basis, other)
			}
		}
	}
}

// An owner may type the extract line by line, as the task form says: each
// line is a row of the letter, none taken for a column name (the first
// line became a bold header and the letter said "2 rows" for three).
func TestExtractTypedLineByLine(t *testing.T) {
	t.Parallel()
	l := pdf.SampleAccessSized("sv", 1, 1)
	l.Registers[0].Extract = "Namn: Stina Lindqvist\nFöretag: Lindqvist Ab\n\nE-post: stina@example.fi\n"
	header, rows := pdf.ParseExtract(l.Registers[0].Extract)
	if len(rows) != 3 || len(header) != 1 || header[0] != "" || rows[0][0] != "Namn: Stina Lindqvist" {
		t.Fatalf("parsed header %q rows %q", header, rows)
	}
	all := words(strings.Join(pages(t, writeTemp(t, "lines.pdf", render(t, renderer(t), l))), " "))
	for _, want := range []string{"3 rader", "Namn: Stina Lindqvist", "Företag: Lindqvist Ab", "E-post: stina@example.fi"} {
		if !strings.Contains(all, want) {
			t.Errorf("the letter lacks %q:\n%s", want, all)
		}
	}
	// Pasted cells keep their first line as the column names.
	header, rows = pdf.ParseExtract("Datum\tHändelse\n7.1.2025\tAvgiftsbeslut\n")
	if len(rows) != 1 || header[1] != "Händelse" {
		t.Errorf("tab-separated: header %q rows %q", header, rows)
	}
}

// FI-2: a decision that gives documents lists the documents delivered
// with it and says where they are, by the requester's delivery: behind
// the decision's secure link, enclosed with the letter, or at the office.
// A partial grant keeps its reasons and appeal instructions; a decision
// without documents attached keeps its general sentence, and a refusal
// lists none.
func TestDocDecisionListsDocuments_FI2(t *testing.T) {
	t.Parallel()
	r := renderer(t)
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{"Pöytäkirja 12.3.2026.pdf", "liite-2.docx"}
	for _, tc := range []struct {
		lang, delivery string
		want           []string
	}{
		{"fi", "electronic", []string{"Sinulle annettavat asiakirjat (2)", "saman suojatun linkin takana", "Valitusosoitus"}},
		{"sv", "paper", []string{"Handlingar som du får (2)", "De bifogas detta brev:", "Besvärsanvisning"}},
		{"en", "on_site", []string{"Documents given to you (2)", "You can view them at our office", "Appeal instructions"}},
	} {
		l := pdf.Sample(pdf.KindDocDecision, tc.lang) // partly_disclosed, with reasons
		l.Delivery, l.Documents = tc.delivery, docs
		b := render(t, r, l)
		if os.Getenv("RD_FI2_PDF") != "" { // to look at: RD_FI2_PDF=1 go test -run FI2 ./internal/pdf
			if err := os.WriteFile(filepath.Join(os.TempDir(), "fi2-doc-decision-"+tc.lang+".pdf"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		all := words(strings.Join(pages(t, writeTemp(t, "d.pdf", b)), " "))
		for _, want := range append(tc.want, docs...) {
			if !strings.Contains(all, want) {
				t.Errorf("%s decision (%s) lacks %q:\n%s", tc.lang, tc.delivery, want, all)
			}
		}
		if strings.Contains(all, words(cat.T(tc.lang, "letter.doc_decision.delivery"))) {
			t.Errorf("%s decision with documents still says only that they come the way asked", tc.lang)
		}
		h, err := r.HTML(l)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(h), "<li>"+docs[1]+"</li>") {
			t.Errorf("%s decision's HTML does not list the documents", tc.lang)
		}
	}
	l := pdf.Sample(pdf.KindDocDecision, "fi")
	all := words(strings.Join(pages(t, writeTemp(t, "n.pdf", render(t, r, l))), " "))
	if !strings.Contains(all, "Asiakirjat toimitetaan sinulle pyytämälläsi tavalla.") || strings.Contains(all, "annettavat asiakirjat (") {
		t.Errorf("a decision without documents attached: %s", all)
	}
}

// D-12, Art 12(2) with 11(2): each ground of refusing a whole request is
// written to the person, in fi, sv and en, and identity not established
// cites 12(2) and 11(2), not 12(6) (which lets the controller ask for
// more information). It read "Pyytäjän henkilöllisyyttä ei voitu
// varmistaa (12 artikla 6 kohta)" in a letter to that person (found in a
// walkthrough).
func TestWholeRefusalGroundsSpeakToThePerson_D12(t *testing.T) {
	t.Parallel()
	_, r := catalogRenderer(t)
	want := map[string]map[string]string{
		"fi": {"identity_not_established": "Henkilöllisyyttäsi ei voitu varmistaa", "art12_5_unfounded": "Pyyntösi on ilmeisen perusteeton",
			"art12_5_excessive": "Pyyntösi on kohtuuton", "cite": "12 artikla 2 kohta ja 11 artikla 2 kohta"},
		"sv": {"identity_not_established": "Din identitet kunde inte bekräftas", "art12_5_unfounded": "Din begäran är uppenbart ogrundad",
			"art12_5_excessive": "Din begäran är orimlig", "cite": "artikel 12.2 och artikel 11.2"},
		"en": {"identity_not_established": "Your identity could not be confirmed", "art12_5_unfounded": "Your request is manifestly unfounded",
			"art12_5_excessive": "Your request is excessive", "cite": "Article 12(2) with Article 11(2)"},
	}
	for _, lang := range langs {
		for _, g := range []string{"identity_not_established", "art12_5_unfounded", "art12_5_excessive"} {
			l := pdf.Sample(pdf.KindRefusal, lang)
			l.Ground = g
			text := letterWords(t, r, l)
			if !strings.Contains(text, want[lang][g]) {
				t.Errorf("%s/%s: the letter lacks %q", lang, g, want[lang][g])
			}
			if g == "identity_not_established" && !strings.Contains(text, want[lang]["cite"]) {
				t.Errorf("%s: identity not established does not cite %q", lang, want[lang]["cite"])
			}
			for _, no := range []string{"12 artikla 6 kohta", "artikel 12.6", "Article 12(6)", "Pyytäjän", "requester's", "den som gjort"} {
				if strings.Contains(text, no) {
					t.Errorf("%s/%s: the letter says %q", lang, g, no)
				}
			}
		}
	}
}

// portabilityOnly is the sample access answer turned into an answer to a
// request for data portability alone (Art 20): each register's part is a
// portability task's answer.
func portabilityOnly(lang string) pdf.Letter {
	l := pdf.Sample(pdf.KindAccess, lang)
	for i := range l.Registers {
		l.Registers[i].Right = "portability"
		if l.Registers[i].Answer == "refused" {
			l.Registers[i].Ground = "art20_basis"
		}
	}
	return l
}

// RB-1, Art 20: a request that asked for data portability and not for
// access is answered by a letter that speaks of portability: its title
// and introduction, the data in a machine-readable form (the export), a
// register whose task found nothing "holds no such data", not "no data
// about you"; no Art 15(3) free copy and no Art 15(1) items. It was
// headed "Answer to your request for access" and said "You asked for
// access to your data (Article 15)" (found in a walkthrough).
func TestPortabilityOnlyLetterSpeaksOfPortability_RB1(t *testing.T) {
	t.Parallel()
	cat, r := catalogRenderer(t)
	literal := map[string]string{"fi": "Pyysit tietojen siirtämistä järjestelmästä toiseen", "sv": "Du bad om dataportabilitet",
		"en": "You asked for data portability"}
	for _, lang := range langs {
		for _, delivery := range []string{"electronic", "paper"} {
			l := portabilityOnly(lang)
			l.Delivery = delivery
			text := letterWords(t, r, l)
			export := "letter.portability.export"
			if delivery == "paper" {
				export += "_paper"
			}
			for _, key := range []string{"letter.portability.title", export, "letter.portability.data"} {
				if want := words(cat.T(lang, key)); !strings.Contains(text, want) {
					t.Errorf("%s/%s: the letter lacks %s %q", lang, delivery, key, want)
				}
			}
			intro := strings.SplitN(cat.T(lang, "letter.portability.intro"), "%s", 3)[2] // after the number and the date
			for key, want := range map[string]string{"letter.portability.intro": words(strings.TrimLeft(intro, ". ")),
				"letter.portability.found": strings.SplitN(words(cat.T(lang, "letter.portability.found")), "%", 2)[0],
				"letter.portability.none":  strings.SplitN(words(cat.T(lang, "letter.portability.none")), "%", 2)[0]} {
				if !strings.Contains(text, want) {
					t.Errorf("%s/%s: the letter lacks %s %q", lang, delivery, key, want)
				}
			}
			if !strings.Contains(text, literal[lang]) {
				t.Errorf("%s: the letter lacks %q", lang, literal[lang])
			}
			for _, key := range []string{"letter.access.title", "letter.access.free", "letter.access.none", "letter.access.none_title",
				"letter.access.found", "letter.access.howto", "letter.reg.about", "letter.reg.purpose", "letter.reg.retention",
				"letter.access.portability", "letter.access.portability_paper"} {
				no := strings.SplitN(words(cat.T(lang, key)), "%", 2)[0]
				if strings.Contains(text, no) {
					t.Errorf("%s/%s: a portability answer says the access text %s %q", lang, delivery, key, no)
				}
			}
			for _, no := range []string{"15 artikla", "artikel 15", "Article 15"} {
				if strings.Contains(text, no) {
					t.Errorf("%s/%s: a portability answer cites %q", lang, delivery, no)
				}
			}
			h, err := r.HTML(l)
			if err != nil {
				t.Fatal(err)
			}
			if want := "<title>" + html.EscapeString(cat.T(lang, "letter.portability.title")); !strings.Contains(string(h), want) {
				t.Errorf("%s: the HTML letter's title is not the portability title", lang)
			}
		}
	}
}

// RB-1, Art 20, issue 18: a request for access and portability keeps the
// access answer (its title, Art 15 texts and free first copy) and says
// that the data the person provided is in the machine-readable export;
// the portability part of a register is marked as such.
func TestAccessAndPortabilityLetterNamesTheExport_RB1(t *testing.T) {
	t.Parallel()
	cat, r := catalogRenderer(t)
	for _, lang := range langs {
		for _, delivery := range []string{"electronic", "paper"} {
			l := pdf.Sample(pdf.KindAccess, lang)
			l.Delivery = delivery
			port := l.Registers[0]
			port.Right, port.Withheld = "portability", nil
			l.Registers = append(l.Registers, port)
			text := letterWords(t, r, l)
			key := "letter.access.portability"
			if delivery == "paper" {
				key += "_paper"
			}
			for _, k := range []string{"letter.access.title", "letter.access.free", key, "letter.portability.data", "letter.right.portability"} {
				if want := words(cat.T(lang, k)); !strings.Contains(text, want) {
					t.Errorf("%s/%s: the letter lacks %s %q", lang, delivery, k, want)
				}
			}
			if no := words(cat.T(lang, "letter.portability.title")); strings.Contains(text, no) {
				t.Errorf("%s/%s: an access answer has the portability title", lang, delivery)
			}
		}
	}
}
