package registers

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, name := range allTestdata(f) {
		text := readTestdata(f, name)
		f.Add(text, "")
		f.Add(toLayout(text), "")
	}
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
