package templates_test

import (
	"strings"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// TestFooterNamesEveryRight: every page's footer says which requests the
// product handles; it handles all seven rights of legal.md §1, so the
// footer names all seven, in each language with terms.md's words (it
// named access, rectification and erasure only: found in a walkthrough).
func TestFooterNamesEveryRight(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"fi": {"oikeus saada pääsy tietoihin", "tietojen oikaiseminen", "tietojen poistaminen", "käsittelyn rajoittaminen",
			"tietojen siirtäminen järjestelmästä toiseen", "vastustamisoikeus", "suostumuksen peruuttaminen"},
		"sv": {"rätt till tillgång", "rättelse", "radering", "begränsning av behandling", "dataportabilitet",
			"rätt att invända", "återkallande av samtycke"},
		"en": {"access", "rectification", "erasure", "restriction", "data portability", "objection", "withdraw consent"},
	}
	for _, lang := range i18n.Langs {
		text := cat.T(lang, "footer.text")
		for _, right := range want[lang] {
			if !strings.Contains(text, right) {
				t.Errorf("%s footer does not name %q: %q", lang, right, text)
			}
		}
	}
}
