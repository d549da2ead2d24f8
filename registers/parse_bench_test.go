package registers

import (
	"strings"
	"testing"
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
