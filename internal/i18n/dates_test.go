package i18n_test

import (
	"testing"
	"time"

	"rightsdesk/internal/i18n"
)

// terms.md: dates and times as people write them in each language.
func TestDateAndDateTimeAsTermsSay(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 14, 5, 0, 0, time.FixedZone("EET", 2*3600))
	for _, c := range []struct{ lang, date, dateTime string }{
		{"fi", "2.12.2026", "2.12.2026 klo 14.05"},
		{"sv", "2.12.2026", "2.12.2026 kl. 14.05"},
		{"en", "2 December 2026", "2 December 2026, 14:05"},
	} {
		if got := i18n.Date(c.lang, 2026, time.December, 2); got != c.date {
			t.Errorf("%s date %q, want %q", c.lang, got, c.date)
		}
		if got := i18n.DateTime(c.lang, at); got != c.dateTime {
			t.Errorf("%s date and time %q, want %q", c.lang, got, c.dateTime)
		}
	}
}
