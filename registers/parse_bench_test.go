package registers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

// benchSeeds are the five published seed documents, named by municipality
// (names must not end in "-digits": go test appends -GOMAXPROCS there).
var benchSeeds = []struct{ name, file string }{
	{"Jakobstad", seedJakobstad},
	{"Kronoby", seedKronoby},
	{"Raseborg", seedRaseborg},
	{"Kokkola", seedKokkola},
	{"Tietovarannot", seedTietovarannot},
}

// BenchmarkParse is Parse of each seed with format detection, as the
// importer runs it.
func BenchmarkParse(b *testing.B) {
	for _, s := range benchSeeds {
		text := readTestdata(b, s.file)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(text, Options{SourceFile: s.file}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseBaseline splits the same text into lines and each line
// into tab-separated fields: the least a line-oriented importer does
// (house rule 6: Parse is read as a ratio to this).
func BenchmarkParseBaseline(b *testing.B) {
	for _, s := range benchSeeds {
		text := readTestdata(b, s.file)
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, l := range strings.Split(text, "\n") {
					n += len(strings.Split(l, "\t"))
				}
				if n == 0 {
					b.Fatal("no fields")
				}
			}
		})
	}
}

// BenchmarkImportPDF200 is the import of a 200-page PDF as rightsdesk
// import runs it: pdftotext, then Parse (issue 19 goal: under 5 s). The
// PDF, one notice per page made from the corpus's numbered notices, is
// written with fpdf before the clock starts. Its baseline,
// BenchmarkImportPDF200Baseline, is the text extraction alone (poppler's
// pdftotext on the same PDF): the ratio is what reading the registers
// adds to it.
func BenchmarkImportPDF200(b *testing.B) {
	benchPDF200(b, func(pdf []byte) {
		res, kind, err := ParseDocument(context.Background(), pdf, Options{SourceFile: "bench.pdf"}, ExtractOptions{})
		if err != nil || kind != InputPDF {
			b.Fatal(kind, err)
		}
		if len(res.Registers) < 200 {
			b.Fatalf("%d registers from 200 notices", len(res.Registers))
		}
	})
}

func BenchmarkImportPDF200Baseline(b *testing.B) {
	benchPDF200(b, func(pdf []byte) {
		text, kind, err := ExtractText(context.Background(), pdf, ExtractOptions{})
		if err != nil || kind != InputPDF {
			b.Fatal(kind, err)
		}
		if !strings.Contains(text, "Kameravalvonta 200") {
			b.Fatal("the last page's notice is not in the extracted text")
		}
	})
}

// benchPDF200 times op on the 200-page PDF, written before the clock starts.
func benchPDF200(b *testing.B, op func(pdf []byte)) {
	needPDFToText(b)
	pdf := makeBenchPDF(b, 200)
	b.SetBytes(int64(len(pdf)))
	b.ResetTimer()
	for b.Loop() {
		op(pdf)
	}
}

func makeBenchPDF(tb testing.TB, pages int) []byte {
	tb.Helper()
	font, err := os.ReadFile(filepath.Join("..", "internal", "pdf", "fonts", "DejaVuSans.ttf"))
	if err != nil {
		tb.Fatal(err)
	}
	body := readTestdata(tb, "corpus/09_rantasalmi_kameravalvonta.txt")
	lines := strings.Split(body, "\n")[1:]
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("dejavu", "", font)
	p.SetFont("dejavu", "", 9)
	p.SetAutoPageBreak(false, 10)
	for i := 1; i <= pages; i++ {
		p.AddPage()
		for _, l := range lines {
			switch l {
			case "Kameravalvonta":
				l = fmt.Sprintf("Kameravalvonta %d", i)
			}
			if p.GetY() > 280 {
				break
			}
			p.MultiCell(0, 4, l, "", "L", false)
		}
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
