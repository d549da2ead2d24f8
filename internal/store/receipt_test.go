package store_test

import (
	"testing"

	"rightsdesk/internal/store"
)

// Issue 16, item 9: one parser for every receipt number the sequence can
// produce, past 999,999 too.
func TestParseReceipt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"RD-2026-000123":    "RD-2026-000123",
		" rd-2026-000123 ":  "RD-2026-000123",
		"RD-2026-999999":    "RD-2026-999999",
		"RD-2026-1000000":   "RD-2026-1000000",
		"RD-2027-123456789": "RD-2027-123456789",
		"RD-2026-0000123":   "RD-2026-000123",
		// A number typed without its leading zeros (walkthrough: the
		// dashboard found nothing for "rd-2025-5906").
		"rd-2025-5906":   "RD-2025-005906",
		"RD-2026-12345":  "RD-2026-012345",
		"RD-2026-1":      "RD-2026-000001",
		" Rd-2026-0001 ": "RD-2026-000001",
	} {
		if got, ok := store.ParseReceipt(in); !ok || got != want {
			t.Errorf("ParseReceipt(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "RD-2026-", "RD-2026-0", "RD-26-000123", "RD-2026-00012a", "XX-2026-000123", "RD-2026-000000",
		"RD-2026-000123-1", "RD-2026-99999999999999999999", "RD-2026- 000123"} {
		if got, ok := store.ParseReceipt(in); ok {
			t.Errorf("ParseReceipt(%q) = %q, want refused", in, got)
		}
	}
	if got := store.FormatReceipt(2026, 1_000_000); got != "RD-2026-1000000" {
		t.Errorf("FormatReceipt = %q", got)
	}
	for _, n := range []int64{1, 999_999, 1_000_000, 1 << 40} {
		if r, ok := store.ParseReceipt(store.FormatReceipt(2026, n)); !ok || r != store.FormatReceipt(2026, n) {
			t.Errorf("round trip of %d: %q %v", n, r, ok)
		}
	}
}
