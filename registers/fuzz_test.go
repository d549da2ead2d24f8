package registers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParse(f *testing.F) {
	for _, name := range allTestdata(f) {
		text := readTestdata(f, name)
		f.Add(text, "")
		f.Add(toLayout(text), "")
	}
	for _, e := range loadCorpus(f) {
		f.Add(readTestdata(f, "corpus/"+e.File), "")
	}
	f.Add(readTestdata(f, "corpus/11_jyvaskyla_pelastuslaitos_tietosuojaselosteet_docplayer.txt"), string(FormatGeneric))
	f.Add(readTestdata(f, seedKronoby), string(FormatTietovarannot))
	f.Add(readTestdata(f, seedRaseborg), string(FormatNotice))
	f.Add("\tx\t\t\tgen", string(FormatKronoby))
	f.Add("Rekisterin nimi: \nRekisterinpitäjä:\n", string(FormatNotice))
	f.Add("", "")
	f.Add("\x00", "")
	f.Fuzz(func(t *testing.T, text, format string) {
		res, err := Parse(text, Options{Format: Format(format), SourceFile: "fuzz"})
		if err != nil {
			if res != nil {
				t.Fatalf("error %v with a result", err)
			}
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBinary) && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrNoRegisters) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(res.Registers) == 0 {
			t.Fatal("no error and no registers")
		}
		if res.Language != "fi" && res.Language != "sv" {
			t.Fatalf("language %q", res.Language)
		}
		for _, r := range res.Registers {
			if r.Name == "" || strings.TrimSpace(r.Name) != r.Name || NormalizeName(r.Name) == "" {
				t.Fatalf("bad register name %q", r.Name)
			}
			switch r.LegalBasis {
			case "a", "b", "c", "d", "e", "f", LegalBasisUnknown:
			default:
				t.Fatalf("legal basis %q", r.LegalBasis)
			}
			if r.SourceRow < 1 || r.SourceFile != "fuzz" {
				t.Fatalf("source %q:%d", r.SourceFile, r.SourceRow)
			}
		}
		if format == "" {
			if d, err := Detect(text); err != nil || d != res.Format {
				t.Fatalf("Detect = %q, %v but Parse used %q", d, err, res.Format)
			}
		}
	})
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Register över förtroendevalda", "Pa\u0308ikky", "a\u00ad\u0308", "ǅ", "ß", " .– "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if NormalizeName(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, NormalizeName(n))
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("untidy spaces in %q", n)
		}
	})
}

// FuzzExtractText feeds any bytes to the input decoders (HTML, DOCX, legacy
// text; PDF is left to poppler and not fuzzed here, since every case would
// start a process) and what they return to Parse: nothing may panic, the
// text is UTF-8, and Parse keeps its error contract.
func FuzzExtractText(f *testing.F) {
	for _, name := range []string{"korsholm_bibliotek.html", "gtk_kundregister.docx"} {
		f.Add(readInput(f, name))
	}
	f.Add([]byte("<table><tr><td>Registrets namn</td><td>Kundregister</td></tr></table>"))
	f.Add([]byte("<html><body><main><header><h1>Tietosuojaseloste – Kirjasto</h1></header><pre>a\nb</pre></main></body></html>"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add([]byte("Rekisterinpit\xe4j\xe4\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if DetectInput(b) == InputPDF {
			return
		}
		text, kind, err := ExtractText(context.Background(), b, ExtractOptions{MaxText: 1 << 20})
		if err != nil {
			return
		}
		if kind != InputText && !utf8.ValidString(text) {
			t.Fatalf("%s decoder returned invalid UTF-8", kind)
		}
		res, err := Parse(text, Options{SourceFile: "fuzz"})
		if err != nil {
			if res != nil {
				t.Fatalf("error %v with a result", err)
			}
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrBinary) && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrNoRegisters) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		for _, r := range res.Registers {
			if r.Name == "" || NormalizeName(r.Name) == "" {
				t.Fatalf("bad register name %q", r.Name)
			}
		}
	})
}
