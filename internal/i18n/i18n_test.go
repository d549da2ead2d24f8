package i18n_test

import (
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// FI-3: every page, email and letter exists in fi and sv (and en): a key
// missing from one language fails the build.
func TestCatalogsComplete(t *testing.T) {
	c, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("%d keys missing:\n%v", len(m), m)
	}
	if !c.Has("fi", "app.name") {
		t.Fatal("catalogue lacks app.name")
	}
}

func TestMissingKeyIsVisible(t *testing.T) {
	c, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("sv", "no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key rendered %q", got)
	}
}
