package i18n_test

import (
	"io/fs"
	"regexp"
	"strings"
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

// Every key a page or mail template names literally is in the catalogue:
// a key removed from the locale files while a template still used it
// showed "intake.next.answer" on every request form (a walkthrough found
// it; TestCatalogsComplete compares the languages, not the templates).
func TestTemplateKeysExist(t *testing.T) {
	c, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`\b(?:T|N)\s+"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
	seen := 0
	err = fs.WalkDir(templates.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".tmpl")) {
			return err
		}
		b, err := fs.ReadFile(templates.FS, path)
		if err != nil {
			return err
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			seen++
			k := m[1]
			if !c.Has("fi", k) && !c.Has("fi", k+".one") && !c.Has("fi", k+".other") {
				t.Errorf("%s uses %q, which no locale file has", path, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 500 {
		t.Fatalf("found %d keys in the templates: the pattern no longer matches how they name them", seen)
	}
}
