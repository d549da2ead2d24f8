package registers

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fixtures in testdata/input were made once from corpus texts (issue
// 19) and are committed, so that tests need neither Chromium nor an office
// suite: rantasalmi_kameravalvonta.pdf is corpus file 09 as a web page with
// its chrome printed to PDF by Chromium; korsholm_bibliotek.html is corpus
// file 17 inside a saved page with a skip link, cookie banner, navigation,
// breadcrumb, aside, footer and scripts; gtk_kundregister.docx is corpus
// file 28 as the two-column table it was published as, written with
// archive/zip.

func readInput(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "input", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// needPDFToText fails (never skips) when poppler is missing.
func needPDFToText(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed for the PDF tests: run scripts/deps.sh test, or apt-get install poppler-utils")
	}
}

func TestDetectInput(t *testing.T) {
	var emptyZip bytes.Buffer
	zw := zip.NewWriter(&emptyZip)
	if _, err := zw.Create("content.xml"); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	for _, c := range []struct {
		name string
		in   []byte
		want InputKind
	}{
		{"pdf fixture", readInput(t, "rantasalmi_kameravalvonta.pdf"), InputPDF},
		{"html fixture", readInput(t, "korsholm_bibliotek.html"), InputHTML},
		{"docx fixture", readInput(t, "gtk_kundregister.docx"), InputDOCX},
		{"seed text", []byte(readTestdata(t, seedKokkola)), InputText},
		{"html fragment with BOM", []byte("\ufeff\n  <p>Rekisterin nimi</p>"), InputHTML},
		{"text mentioning html", []byte("Rekisterin nimi <html> ei ole sivu"), InputText},
		{"other zip", emptyZip.Bytes(), InputDOCX},
		// The name is not consulted: only the content.
		{"pdf bytes", []byte("%PDF-1.7\n"), InputPDF},
	} {
		if got := DetectInput(c.in); got != c.want {
			t.Errorf("%s: DetectInput = %q, want %q", c.name, got, c.want)
		}
	}
	// A zip without word/document.xml is refused as binary.
	if _, _, err := ExtractText(context.Background(), emptyZip.Bytes(), ExtractOptions{}); !errors.Is(err, ErrBinary) {
		t.Errorf("zip without document.xml: %v, want ErrBinary", err)
	}
}

// checkOne asserts a single register with the given name and controller.
func checkOne(t *testing.T, res *Result, name, controller string) {
	t.Helper()
	if len(res.Registers) != 1 {
		t.Fatalf("got %d registers %q, want 1", len(res.Registers), names(res))
	}
	r := res.Registers[0]
	if r.Name != name || r.Controller != controller {
		t.Errorf("got %q / %q, want %q / %q", r.Name, r.Controller, name, controller)
	}
}

func TestPDFInput(t *testing.T) {
	needPDFToText(t)
	res, kind, err := ParseDocument(context.Background(), readInput(t, "rantasalmi_kameravalvonta.pdf"), Options{SourceFile: "k.pdf"}, ExtractOptions{})
	if err != nil || kind != InputPDF {
		t.Fatalf("kind %q, err %v", kind, err)
	}
	// The printed page's navigation ("Rekisteri", "Ohita päävalikko") and
	// aside ("Asiakasrekisteri (vanha)") give no register.
	checkOne(t, res, "Kameravalvonta", "Rantasalmen kunta\nKunnanhallitus")
	r := res.Registers[0]
	if r.Unit != "Kunnanhallitus" || r.Language != "fi" || r.SourceFile != "k.pdf" || !strings.Contains(r.Sources, "kuva-aineisto") {
		t.Errorf("register %+v", r)
	}
}

func TestHTMLInput(t *testing.T) {
	b := readInput(t, "korsholm_bibliotek.html")
	text, kind, err := ExtractText(context.Background(), b, ExtractOptions{})
	if err != nil || kind != InputHTML {
		t.Fatalf("kind %q, err %v", kind, err)
	}
	for _, chrome := range []string{"Siirry sisältöön", "evästeitä", "Hyväksy", "Asuminen", "Ohita päävalikko", "Etusivu", "gtag", "dataLayer",
		"font-family", "Kunnantalo", "Katso myös", "Asiakasrekisteri (vanha)"} {
		if strings.Contains(text, chrome) {
			t.Errorf("page chrome %q in the text:\n%s", chrome, text)
		}
	}
	if !strings.Contains(text, "\n• långatagarens namn") {
		t.Errorf("list items are not bullet lines:\n%s", text)
	}
	res, err := Parse(text, Options{SourceFile: "k.html"})
	if err != nil {
		t.Fatal(err)
	}
	checkOne(t, res, "Låntagarregister för Korsholms kommunbibliotek", "Korsholms kommunbibliotek")
	if res.Language != "sv" {
		t.Errorf("language %q", res.Language)
	}
}

// Table cells become tab-separated lines, so that a page holding a seed
// table reads as the seed does; without <main> the body minus its chrome
// is read; ISO-8859-1 pages are decoded.
func TestHTMLTablesAndCharset(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><head><meta charset=\"iso-8859-1\"><title>x</title></head><body><nav><a>Etusivu</a></nav><table>")
	for _, l := range strings.Split(strings.TrimSpace(readTestdata(t, seedJakobstad)), "\n") {
		b.WriteString("<tr>")
		for _, c := range strings.Split(l, "\t") {
			b.WriteString("<td><p>" + c + "</p></td>")
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table><footer>Kontakt</footer></body></html>")
	latin1 := []byte{}
	for _, r := range b.String() {
		if r > 0xff {
			r = '?'
		}
		latin1 = append(latin1, byte(r))
	}
	res, kind, err := ParseDocument(context.Background(), latin1, Options{}, ExtractOptions{})
	if err != nil || kind != InputHTML {
		t.Fatalf("kind %q, err %v", kind, err)
	}
	want, _ := Parse(readTestdata(t, seedJakobstad), Options{})
	if res.Format != FormatJakobstad || len(res.Registers) != len(want.Registers) {
		t.Fatalf("format %q, %d registers; want jakobstad, %d", res.Format, len(res.Registers), len(want.Registers))
	}
	for i := range want.Registers {
		if res.Registers[i].Name != want.Registers[i].Name {
			t.Errorf("register %d: %q, want %q", i, res.Registers[i].Name, want.Registers[i].Name)
		}
	}
}

func TestDOCXInput(t *testing.T) {
	text, kind, err := ExtractText(context.Background(), readInput(t, "gtk_kundregister.docx"), ExtractOptions{})
	if err != nil || kind != InputDOCX {
		t.Fatalf("kind %q, err %v", kind, err)
	}
	if !strings.Contains(text, "\nRegistrets namn\tBibliotekets kundregister\n") || !strings.Contains(text, "\n• Uppgifterna raderas") {
		t.Errorf("table rows or list paragraphs lost:\n%s", text)
	}
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkOne(t, res, "Bibliotekets kundregister", "Geologiska forskningscentralen")
	if r := res.Registers[0]; r.LegalBasis != "a" || r.Retention == "" {
		t.Errorf("legal basis %q, retention %q", r.LegalBasis, r.Retention)
	}
	// The document part is bounded.
	if _, _, err := ExtractText(context.Background(), readInput(t, "gtk_kundregister.docx"), ExtractOptions{MaxText: 100}); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Errorf("MaxText 100: %v", err)
	}
}

func TestPDFToolProblems(t *testing.T) {
	pdf := readInput(t, "rantasalmi_kameravalvonta.pdf")
	_, _, err := ExtractText(context.Background(), pdf, ExtractOptions{PDFToText: filepath.Join(t.TempDir(), "no-pdftotext")})
	if !errors.Is(err, ErrPDFTool) || !strings.Contains(err.Error(), "poppler-utils") {
		t.Errorf("missing tool: %v", err)
	}
	slow := filepath.Join(t.TempDir(), "slow-pdftotext")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 10\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = ExtractText(context.Background(), pdf, ExtractOptions{PDFToText: slow, Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "no answer within") || time.Since(start) > 5*time.Second {
		t.Errorf("slow tool: %v after %s", err, time.Since(start))
	}
	chatty := filepath.Join(t.TempDir(), "chatty-pdftotext")
	if err := os.WriteFile(chatty, []byte("#!/bin/sh\nyes Rekisterin nimi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err = ExtractText(context.Background(), pdf, ExtractOptions{PDFToText: chatty, MaxText: 1 << 16})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("endless output: %v", err)
	}
	needPDFToText(t)
	_, _, err = ExtractText(context.Background(), []byte("%PDF-1.4\nnot really a pdf"), ExtractOptions{})
	if err == nil {
		t.Error("damaged PDF read without error")
	}
}

func TestLegacyEncodedText(t *testing.T) {
	text, kind, err := ExtractText(context.Background(), []byte("Rekisterinpit\xe4j\xe4\n\x96 \x80 K\xf6\xf6penhamina\n"), ExtractOptions{})
	if err != nil || kind != InputText || text != "Rekisterinpitäjä\n– € Kööpenhamina\n" {
		t.Errorf("%q %q %v", text, kind, err)
	}
	// Binary stays binary, for Parse to refuse.
	text, _, _ = ExtractText(context.Background(), []byte("a\x00\xe4"), ExtractOptions{})
	if _, err := Parse(text, Options{}); !errors.Is(err, ErrBinary) {
		t.Errorf("binary: %v", err)
	}
}

// Issue 19: `serve` checks for pdftotext at start with CheckPDFTool.
func TestCheckPDFTool(t *testing.T) {
	needPDFToText(t)
	if err := CheckPDFTool(""); err != nil {
		t.Errorf("pdftotext is installed, CheckPDFTool says %v", err)
	}
	if err := CheckPDFTool("rightsdesk-no-such-pdftotext"); !errors.Is(err, ErrPDFTool) {
		t.Errorf("a missing tool gave %v, want ErrPDFTool", err)
	}
}
