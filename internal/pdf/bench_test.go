package pdf_test

import (
	"io"
	"testing"

	"rightsdesk/internal/pdf"
)

// BenchmarkLetter renders an access answer of 10 registers x 50 rows
// (issue 18) against its baseline, a one-page receipt, in the same run;
// scripts/benchreport prints the ratio. letters/s is reported beside
// ns/op; -benchmem gives the bytes each letter allocates.
func BenchmarkLetter(b *testing.B) {
	r := renderer(b)
	for _, bc := range []struct {
		name string
		l    pdf.Letter
	}{
		{"Access10x50", pdf.SampleAccessSized("fi", 10, 50)},
		{"Baseline", pdf.Sample(pdf.KindReceipt, "fi")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Render(io.Discard, bc.l); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		})
	}
}
