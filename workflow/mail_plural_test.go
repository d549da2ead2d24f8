package workflow

import (
	"strings"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// Issue 15: an owner's mail covering six tasks spoke of "the register"
// and "the link" in the singular. One task reads in the singular, several
// in the plural, in every language, and no count leaks as %!(EXTRA).
func TestOwnerTaskMailPlural(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	c, err := newComposer(cat)
	if err != nil {
		t.Fatal(err)
	}
	mailWith := func(n int, lang string) taskMail {
		m := taskMail{Lang: lang, OrgName: "Esimerkkilä", Receipt: "RD-2026-000123", Register: "Oppilasrekisteri", Due: "2.4.2026"}
		for i := range n {
			m.Tasks = append(m.Tasks, taskLine{TaskID: int64(i + 1), Register: "Rekisteri", Right: "access", Link: "http://rightsdesk.test/fi/t/x"})
		}
		return m
	}
	cases := []struct {
		lang         string
		n            int
		subject, has string
		hasNot       []string
	}{
		{"fi", 1, "Tietosuojapyyntö RD-2026-000123: rekisteri Oppilasrekisteri", "Olet rekisterin vastuuhenkilö.", []string{"Linkit ovat"}},
		{"fi", 6, "Tietosuojapyyntö RD-2026-000123: 6 tehtävää rekistereistäsi", "Olet alla lueteltujen rekisterien vastuuhenkilö.", []string{"Linkki on henkilökohtainen", "koskee rekisteriäsi"}},
		{"sv", 6, "Dataskyddsbegäran RD-2026-000123: 6 uppdrag om dina register", "Du är ansvarsperson för registren nedan.", []string{"Länken är personlig", "uppgift"}},
		{"sv", 1, "Dataskyddsbegäran RD-2026-000123: register Oppilasrekisteri", "Länken är personlig.", []string{"Länkarna"}},
		{"en", 6, "Data protection request RD-2026-000123: 6 tasks on your registers", "The links are personal.", []string{"The link is personal", "concerning your register."}},
		{"en", 1, "Data protection request RD-2026-000123: register Oppilasrekisteri", "You are the owner of the register.", []string{"links"}},
	}
	for _, tc := range cases {
		subject, text, html, err := c.render("task", tc.lang, mailWith(tc.n, tc.lang))
		if err != nil {
			t.Fatalf("%s/%d: %v", tc.lang, tc.n, err)
		}
		if subject != tc.subject {
			t.Errorf("%s/%d: subject %q, want %q", tc.lang, tc.n, subject, tc.subject)
		}
		for _, part := range []string{text, html} {
			if !strings.Contains(part, tc.has) {
				t.Errorf("%s/%d: mail lacks %q:\n%s", tc.lang, tc.n, tc.has, part)
			}
			for _, not := range tc.hasNot {
				if strings.Contains(part, not) {
					t.Errorf("%s/%d: mail has %q:\n%s", tc.lang, tc.n, not, part)
				}
			}
			if strings.Contains(part, "%!") {
				t.Errorf("%s/%d: formatting error in mail:\n%s", tc.lang, tc.n, part)
			}
		}
	}
}
