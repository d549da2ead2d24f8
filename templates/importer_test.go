package templates_test

import (
	"regexp"
	"slices"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/registers"
	"rightsdesk/templates"
)

var fmtVerb = regexp.MustCompile(`%[dsq]`)

// Issue 19: every importer warning has its text in fi, sv and en, taking
// the same arguments in the same order as the stored English form.
func TestImporterWarningsInEveryLanguage(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	keys := registers.WarningKeys()
	if len(keys) < 20 {
		t.Fatalf("only %d warning keys", len(keys))
	}
	var want []string
	for _, k := range keys {
		en, ok := cat.Raw("en", k)
		if !ok {
			t.Errorf("%s: no en text", k)
			continue
		}
		want = fmtVerb.FindAllString(en, -1)
		for _, lang := range []string{"fi", "sv"} {
			s, ok := cat.Raw(lang, k)
			if !ok {
				t.Errorf("%s: no %s text", k, lang)
				continue
			}
			if got := fmtVerb.FindAllString(s, -1); !slices.Equal(got, want) {
				t.Errorf("%s (%s): verbs %q, en has %q", k, lang, got, want)
			}
		}
	}
}
