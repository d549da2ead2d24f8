package store

import (
	"fmt"
	"strconv"
	"strings"
)

// Receipt numbers (issue 16, item 9): RD-<year>-<number>, the number drawn
// from one sequence shared by every organisation that never resets, padded
// to six digits and as long as it needs beyond 999,999. FormatReceipt
// writes them and ParseReceipt reads them, everywhere.

// FormatReceipt writes a receipt number: RD-2026-000123, RD-2026-1000000.
func FormatReceipt(year int, n int64) string { return fmt.Sprintf("RD-%04d-%06d", year, n) }

// ParseReceipt reads a typed or linked receipt number (any case, white
// space around it, extra leading zeros or none: "rd-2025-5906" is
// RD-2025-005906, as a resident or DPO reads it aloud) and returns it the
// way cases store it. ok is false for anything else, including numbers the sequence cannot
// produce (0, or beyond int64).
func ParseReceipt(s string) (receipt string, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	rest, found := strings.CutPrefix(s, "RD-")
	if !found {
		return "", false
	}
	ys, ns, found := strings.Cut(rest, "-")
	if !found || len(ys) != 4 || len(ns) > 19 || !digits(ys) || !digits(ns) {
		return "", false
	}
	year, _ := strconv.Atoi(ys)
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil || n < 1 || year < 2000 {
		return "", false
	}
	return FormatReceipt(year, n), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
