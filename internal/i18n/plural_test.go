package i18n_test

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

func loadCatalog(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CLDR cardinal rules for fi, sv and en: "one" only for the integer 1.
func TestPluralCategory(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Langs {
		for n, want := range map[int]string{0: "other", 1: "one", 2: "other", 5: "other", 11: "other", 21: "other", 101: "other", -1: "one"} {
			if got := i18n.PluralCategory(lang, n); got != want {
				t.Errorf("PluralCategory(%s, %d) = %s, want %s", lang, n, got, want)
			}
		}
	}
}

// Issue 15: "1 rekisteriä", "1 registers" were shown for one register.
func TestCountsReadRight(t *testing.T) {
	t.Parallel()
	c := loadCatalog(t)
	cases := []struct {
		lang, key string
		n         int
		args      []any
		want      string
	}{
		{"fi", "home.registers", 1, nil, "1 rekisteri"},
		{"fi", "home.registers", 2, nil, "2 rekisteriä"},
		{"fi", "home.registers", 0, nil, "0 rekisteriä"},
		{"sv", "home.registers", 1, nil, "1 register"},
		{"sv", "home.registers", 7, nil, "7 register"},
		{"en", "home.registers", 1, nil, "1 register"},
		{"en", "home.registers", 2, nil, "2 registers"},
		{"en", "catalogue.org.count", 1, nil, "1 register."},
		{"fi", "catalogue.search.result", 1, []any{"lapsi", 1}, "Haku ”lapsi”: 1 rekisteri."},
		{"fi", "catalogue.search.result", 3, []any{"lapsi", 3}, "Haku ”lapsi”: 3 rekisteriä."},
		{"en", "mail.code.expiry", 1, nil, "The code is valid for 1 minute."},
		{"en", "mail.code.expiry", 15, nil, "The code is valid for 15 minutes."},
		{"sv", "mail.code.expiry", 1, nil, "Koden gäller i 1 minut."},
		{"fi", "mail.code.expiry", 15, nil, "Koodi on voimassa 15 minuuttia."},
		{"fi", "mail.tasks.subject", 6, []any{"RD-1", 6}, "Tietosuojapyyntö RD-1: 6 tehtävää rekistereistäsi"},
		{"en", "mail.tasks.subject", 1, []any{"RD-1", 1}, "Data protection request RD-1: 1 task on your register"},
		{"fi", "intake.registers.matches", 1, []any{1, 12, "koulu"}, "Hakua ”koulu” vastaa 1 rekisteri (kaikkiaan 12)."},
		{"fi", "intake.registers.matches", 4, []any{4, 12, "koulu"}, "Hakua ”koulu” vastaa 4 rekisteriä (kaikkiaan 12)."},
		{"en", "intake.registers.matches", 1, []any{1, 12, "school"}, "1 of 12 registers matches “school”."},
		{"en", "status.view.tasks", 1, []any{0, 1}, "0 of 1 register answered"},
		{"en", "status.view.tasks", 3, []any{1, 3}, "1 of 3 registers answered"},
	}
	for _, tc := range cases {
		if got := c.N(tc.lang, tc.key, tc.n, tc.args...); got != tc.want {
			t.Errorf("N(%s, %s, %d) = %q, want %q", tc.lang, tc.key, tc.n, got, tc.want)
		}
	}
	// A key without plural forms renders as T does; a message without a
	// verb takes no count (no "%!(EXTRA int=1)").
	if got, want := c.N("fi", "app.name", 1), c.T("fi", "app.name"); got != want {
		t.Errorf("N on a plain key = %q, want %q", got, want)
	}
	if got := c.N("en", "mail.task.personal", 1); got != "The link is personal. Do not forward it; if the task belongs to someone else, reassign it on the task page." {
		t.Errorf("N without a verb = %q", got)
	}
	tr := i18n.Translator{C: c, Lang: "fi"}
	if got := tr.N("home.registers", 1); got != "1 rekisteri" {
		t.Errorf("Translator.N = %q", got)
	}
}

var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// Every plural key has its base ("other") form, and both forms take the
// same arguments, so one call renders either without %!(EXTRA) or
// %!d(MISSING).
func TestPluralFormsAgree(t *testing.T) {
	t.Parallel()
	c := loadCatalog(t)
	keys := c.PluralKeys()
	if len(keys) < 10 {
		t.Fatalf("only %d plural keys: %v", len(keys), keys)
	}
	for _, key := range keys {
		for _, lang := range i18n.Langs {
			other, ok := c.Raw(lang, key)
			if !ok {
				t.Errorf("%s: %s.one has no base (other) form %s", lang, key, key)
				continue
			}
			one, ok := c.Raw(lang, key+".one")
			if !ok {
				t.Errorf("%s: %s lacks its .one form", lang, key)
				continue
			}
			vo, v1 := verbRe.FindAllString(other, -1), verbRe.FindAllString(one, -1)
			if strings.Join(vo, " ") != strings.Join(v1, " ") {
				t.Errorf("%s: %s takes %v but %s.one takes %v", lang, key, vo, key, v1)
			}
		}
	}
}

var tCallRe = regexp.MustCompile(`\bT "([a-z0-9_.]+)"`)

// A count shown through T (not N) would read "1 rekisteriä" again: a key
// that has plural forms must be rendered with N in every page and mail.
func TestPluralKeysUseN(t *testing.T) {
	t.Parallel()
	c := loadCatalog(t)
	plural := map[string]bool{}
	for _, k := range c.PluralKeys() {
		plural[k] = true
	}
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".tmpl")) {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		for _, m := range tCallRe.FindAllStringSubmatch(string(b), -1) {
			if plural[m[1]] {
				t.Errorf("%s: %q has plural forms; use N, not T", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ExampleCatalog_N() {
	c, _ := i18n.Load(templates.FS)
	fmt.Println(c.N("fi", "home.registers", 1))
	fmt.Println(c.N("fi", "home.registers", 3))
	fmt.Println(c.N("en", "home.registers", 1))
	// Output:
	// 1 rekisteri
	// 3 rekisteriä
	// 1 register
}
