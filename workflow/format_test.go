package workflow_test

import (
	"testing"
	"time"

	"rightsdesk/workflow"
)

// terms.md: dates and times as people write them, one function per
// language; never an ISO date or a colon time in fi or sv (issue 20).
func TestFormatDateTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC) // 14.05 in Helsinki
	for lang, want := range map[string]string{
		"fi": "2.12.2026 klo 14.05",
		"sv": "2.12.2026 kl. 14.05",
		"en": "2 December 2026, 14:05",
	} {
		if got := workflow.FormatDateTime(at, lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := workflow.FormatDateTime(time.Time{}, "fi"); got != "" {
		t.Errorf("zero time written as %q", got)
	}
}
