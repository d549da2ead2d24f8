package i18n

import (
	"fmt"
	"time"
)

// Date writes a civil date the way readers of lang expect (terms.md, D-27:
// the one place this is done): 7.4.2026 in Finnish and Swedish, 7 April
// 2026 in English.
func Date(lang string, year int, month time.Month, day int) string {
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", day, month, year)
	}
	return fmt.Sprintf("%d.%d.%d", day, int(month), year)
}

// DateTime writes an instant in its own location (the caller's Helsinki
// time) as people write it (terms.md): fi "2.12.2026 klo 14.05", sv
// "2.12.2026 kl. 14.05", en "2 December 2026, 14:05". Never ISO dates or
// a colon time in fi or sv.
func DateTime(lang string, t time.Time) string {
	day := Date(lang, t.Year(), t.Month(), t.Day())
	switch lang {
	case "en":
		return day + ", " + t.Format("15:04")
	case "sv":
		return day + " kl. " + t.Format("15.04")
	}
	return day + " klo " + t.Format("15.04")
}
