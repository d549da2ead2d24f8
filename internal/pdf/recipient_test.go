package pdf_test

import (
	"slices"
	"testing"

	"rightsdesk/internal/pdf"
)

// The address window prints the name once: a first address line that
// repeats it (typed into the postal address too, found in a walkthrough)
// is left out, compared in Unicode NFC, case, white space and trailing
// punctuation insensitively; a different first line stays.
func TestRecipientLinesDropRepeatedName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    pdf.Recipient
		want []string
	}{
		{pdf.Recipient{Name: "Åke Testsson", Address: []string{"Åke Testsson", "Storgatan 1", "65100 VASA"}},
			[]string{"Åke Testsson", "Storgatan 1", "65100 VASA"}},
		{pdf.Recipient{Name: "Åke Testsson", Address: []string{" A\u030ake  TESTSSON, ", "Storgatan 1"}}, // decomposed Å
			[]string{"Åke Testsson", "Storgatan 1"}},
		{pdf.Recipient{Name: "Åke Testsson", Address: []string{"c/o Maija Meikäläinen", "Storgatan 1"}},
			[]string{"Åke Testsson", "c/o Maija Meikäläinen", "Storgatan 1"}},
		{pdf.Recipient{Name: "Åke Testsson", Address: []string{"Storgatan 1", "Åke Testsson"}},
			[]string{"Åke Testsson", "Storgatan 1", "Åke Testsson"}},
		{pdf.Recipient{Address: []string{"Storgatan 1"}}, []string{"Storgatan 1"}},
	} {
		if got := tc.r.Lines(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
