package workflow_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"rightsdesk/workflow"
)

// Every uploaded or attached file's name goes through one cleaning: its
// base name, no control characters or quotes, at most 200 characters and
// never a cut inside a character (the wizard's own cut was by bytes and
// could leave half an "ä").
func TestCleanFilename(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ä", 150) + strings.Repeat("ö", 100) + ".pdf"
	for _, tc := range []struct{ in, want string }{
		{`C:\Users\maija\Tiedostot\ote.pdf`, "ote.pdf"},
		{"/tmp/../../etc/passwd", "passwd"},
		{"ote\r\n\x00\x7f.pdf", "ote.pdf"},
		{`"ote".pdf`, "ote.pdf"},
		{"  ", "fallback"},
		{"..", "fallback"},
		{"dir/", "fallback"},
		{"ote\xff\xfe.pdf", "ote.pdf"},
		{long, strings.Repeat("ä", 150) + strings.Repeat("ö", 50)},
	} {
		got := workflow.CleanFilename(tc.in, "fallback")
		if got != tc.want {
			t.Errorf("CleanFilename(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 200 {
			t.Errorf("CleanFilename(%q) = %q: invalid UTF-8 or over 200 characters", tc.in, got)
		}
	}
}
