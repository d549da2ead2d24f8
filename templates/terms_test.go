package templates_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// neverRule is one row of testdata/terms_never.json: the variants of a
// concept that design/terms.md says never to use.
type neverRule struct {
	Concept     string   `json:"concept"`
	Term        string   `json:"term"`
	Langs       []string `json:"langs"`
	KeyContains string   `json:"key_contains"`
	ExceptKeys  []string `json:"except_keys"` // keys where the variant is allowed (a short label)
	Stems       []string `json:"stems"`
	Allow       []string `json:"allow"`

	stems, allow []*regexp.Regexp
}

func loadNever(t *testing.T) []neverRule {
	t.Helper()
	b, err := os.ReadFile("testdata/terms_never.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Never []neverRule `json:"never"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Never) < 15 {
		t.Fatalf("never-list has %d rules", len(doc.Never))
	}
	for i := range doc.Never {
		r := &doc.Never[i]
		for _, s := range r.Stems {
			r.stems = append(r.stems, stemRe(s))
		}
		for _, a := range r.Allow {
			r.allow = append(r.allow, regexp.MustCompile(`(?i)`+regexp.QuoteMeta(a)))
		}
	}
	return doc.Never
}

// stemRe matches stem at the start of a word (after a non-letter), case
// insensitive; a stem ending in $ must also end the word.
func stemRe(stem string) *regexp.Regexp {
	whole := strings.HasSuffix(stem, "$")
	stem = strings.TrimSuffix(stem, "$")
	re := `(?i)(^|[^\pL])` + regexp.QuoteMeta(stem)
	if whole {
		re += `($|[^\pL])`
	}
	return regexp.MustCompile(re)
}

// violations lists where text uses a never variant of rule (allowed
// phrases blanked out first).
func (r neverRule) violations(text string) []string {
	for _, a := range r.allow {
		text = a.ReplaceAllString(text, " ")
	}
	var out []string
	for i, s := range r.stems {
		if s.MatchString(text) {
			out = append(out, strings.TrimSuffix(r.Stems[i], "$"))
		}
	}
	return out
}

// TestCataloguesUseTerms: no fi, sv or en message uses a word terms.md
// puts in its "never" column (issue 20, one word per concept).
func TestCataloguesUseTerms(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	rules := loadNever(t)
	for _, lang := range i18n.Langs {
		texts := cat.Texts(lang)
		keys := make([]string, 0, len(texts))
		for k := range texts {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, r := range rules {
			if !contains(r.Langs, lang) {
				continue
			}
			for _, k := range keys {
				if r.KeyContains != "" && !strings.Contains(k, r.KeyContains) || slices.Contains(r.ExceptKeys, k) {
					continue
				}
				if bad := r.violations(texts[k]); len(bad) > 0 {
					t.Errorf("%s %s: %v for %q (terms.md: %s): %q", lang, k, bad, r.Concept, r.Term, texts[k])
				}
			}
		}
	}
}

var (
	actionRe = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	tagRe    = regexp.MustCompile(`(?s)<[^>]*>`)
)

// TestTemplatesUseTerms: the text a page or mail template writes itself
// (outside actions and tags) keeps to terms.md too, in every language.
func TestTemplatesUseTerms(t *testing.T) {
	t.Parallel()
	rules := loadNever(t)
	checked := 0
	err := fs.WalkDir(templates.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".tmpl")) {
			return err
		}
		b, err := fs.ReadFile(templates.FS, p)
		if err != nil {
			return err
		}
		checked++
		text := tagRe.ReplaceAllString(actionRe.ReplaceAllString(string(b), " "), " ")
		for _, r := range rules {
			if r.KeyContains != "" {
				continue
			}
			if bad := r.violations(text); len(bad) > 0 {
				t.Errorf("%s: %v for %q (terms.md: %s)", p, bad, r.Concept, r.Term)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d templates checked", checked)
	}
}

// clockRule is the never-rule for saying the clock stops during a pause
// (issue 20, DL-8).
const clockRule = "the clock during a pause (issue 20, DL-8: the due date moves by the paused days; the clock is not said to stop)"

// The check itself: each kind of rule catches what it must and lets the
// allowed phrases through.
func TestNeverRulesMatch(t *testing.T) {
	t.Parallel()
	rules := map[string]neverRule{}
	for _, r := range loadNever(t) {
		rules[r.Concept] = r
	}
	cases := []struct {
		concept, text string
		bad           bool
	}{
		{"right of access", "Tarkastusoikeus", true},
		{"right of access", "Oikeus saada pääsy tietoihin", false},
		{"request number", "Anna vastaanottonumero", true},
		{"request number", "Enter the Receipt number", true},
		{"task", "Öppna uppgiften", true},
		{"task", "Uppgift: %s", true},
		{"task", "Dina uppgifter och personuppgifter", false},
		{"task", "en uppgift av allmänt intresse (art. 17.3 b)", false},
		{"due date", "Lakisääteinen eräpäivä", true},
		{"due date", "Lakisääteinen määräpäivä", false},
		{"due date (sv)", "Förfallodag", true},
		{"due date (sv)", "Sista dag", false},
		{"refusal (the decision's noun; the verb vägra is the GDPR's)", "Grund (vid vägran)", true},
		{"refusal (the decision's noun; the verb vägra is the GDPR's)", "vägra att tillmötesgå begäran", false},
		{"deadline", "The time limit is one month", true},
		{"portability outside a short label (terms.md)", "Siirto-oikeus koskee vain", true},
		{"pause word (keskeytys) for restriction", "Tietojesi käsittely keskeytetään", true},
		{"resume (Jatka reads as extending) in pause texts", "jotta voimme jatkaa sen käsittelyä", true},
		{"resume (Jatka reads as extending) in pause texts", "jotta voimme käsitellä sen", false},
		{"pause", "Pausad", true},
		{"pause", "Ärendet vilar", false},
		{"register owner", "Ingen ägare", true},
		{"owners' target date", "Säkert måldatum", true},
		{"controller, definite (issue 20)", "(den personuppgiftsansvariga)", true},
		{"controller, definite (issue 20)", "den personuppgiftsansvarige", false},
		{clockRule, "Määräaika ei kulu keskeytyksen aikana.", true},
		{clockRule, "Tidsfristen löper inte medan ärendet vilar.", true},
		{clockRule, "The due date moves later by as many days.", false},
	}
	for _, tc := range cases {
		r, ok := rules[tc.concept]
		if !ok {
			t.Fatalf("no rule for %q", tc.concept)
		}
		if got := len(r.violations(tc.text)) > 0; got != tc.bad {
			t.Errorf("%q on %q: violation %v, want %v", tc.concept, tc.text, got, tc.bad)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// isoOrColon finds an ISO date or a colon time: terms.md writes fi and sv
// dates as 2.12.2026 and times as 14.05 (klo / kl.).
var isoOrColon = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b`)

// TestNoISODatesInFinnishOrSwedish: no fi or sv message spells a date or a
// time the way a machine does (issue 20).
func TestNoISODatesInFinnishOrSwedish(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fi", "sv"} {
		for k, v := range cat.Texts(lang) {
			if m := isoOrColon.FindString(v); m != "" {
				t.Errorf("%s %s: %q in %q", lang, k, m, v)
			}
		}
	}
	if !isoOrColon.MatchString("2026-03-03") || !isoOrColon.MatchString("klo 15:04") || isoOrColon.MatchString("3.3.2026 klo 15.04") {
		t.Fatal("the date pattern does not tell ISO from the people's form")
	}
}
