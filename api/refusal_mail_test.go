package api_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"rightsdesk/workflow"
)

// D-12, DL-6, Art 12(4): the mail of a whole refusal says the remedies
// once: the "Jos olet eri mieltä" block, not also a sentence before it
// naming the complaint and the court (found in a walkthrough: Art 77 and
// 79 twice). Its ground is the letter's, written to the person ("Your
// identity could not be confirmed", Art 12(2) with 11(2)), not the staff
// label "The requester's identity ... (Art 12(6))".
func TestWholeRefusalMailSaysRemediesOnce_D12(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, cat := f.env.Ctx, f.env.Catalog
	for _, lang := range []string{"fi", "sv", "en"} {
		c := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "", func(r *workflow.Request) { r.Lang = lang })
		if err := f.env.Workflow.Refuse(ctx, f.org, c.CaseID, workflow.StaffActor(f.dpoUserID), "identity_not_established",
			"Et vastannut selvityspyyntöömme."); err != nil {
			t.Fatal(err)
		}
		m := mailOfCase(t, f, "refused", c.Receipt)
		assertRemedies(t, f, lang, m)
		for part, text := range map[string]string{"text": m.Text, "HTML": html.UnescapeString(m.HTML)} {
			// Art 77 is cited by the complaint text, Art 79 by the court's:
			// once each.
			for _, art := range []string{"77", "79"} {
				if n := strings.Count(text, art); n != 1 {
					t.Errorf("%s refusal mail %s cites Article %s %d times, want once:\n%s", lang, part, art, n, text)
				}
			}
			if n := strings.Count(text, cat.T(lang, "letter.complaint.text")); n != 1 {
				t.Errorf("%s refusal mail %s has the complaint text %d times", lang, part, n)
			}
			if want := cat.T(lang, "letter.ground.identity_not_established"); !strings.Contains(text, want) {
				t.Errorf("%s refusal mail %s lacks the ground as the letter words it, %q", lang, part, want)
			}
			for _, no := range []string{"12 art. 6", "art. 12.6", "Art 12(6)", "Pyytäjän", "requester's"} {
				if strings.Contains(text, no) {
					t.Errorf("%s refusal mail %s says %q", lang, part, no)
				}
			}
		}
	}
}
