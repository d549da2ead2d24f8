package store

import (
	"regexp"
	"testing"
)

var receiptShape = regexp.MustCompile(`^RD-\d{4}-\d{6,19}$`)

// Issue 16 item 9: ParseReceipt accepts what the sequence produces and
// returns it in its stored form, which parses to itself.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range []string{"RD-2026-000001", " rd-2026-1000000 ", "RD-2026-0000000000000000001", "RD-2026-9223372036854775807",
		"RD-2026-9223372036854775808", "RD-1999-000001", "RD-2026-000000", "RD-2026-00001", "rd-2025-5906", "RD-2026-1", "RD-2026-\x00", "RD-२०२६-000001", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, ok := ParseReceipt(s)
		if !ok {
			if r != "" {
				t.Fatalf("refused %q but returned %q", s, r)
			}
			return
		}
		if !receiptShape.MatchString(r) {
			t.Fatalf("%q -> %q", s, r)
		}
		if again, ok := ParseReceipt(r); !ok || again != r {
			t.Fatalf("%q -> %q -> %q %v", s, r, again, ok)
		}
	})
}
