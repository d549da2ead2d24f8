package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/workflow"
)

// Issue 20, RD-2 and D-7: the DPO forwards a request for a register whose
// controller is now a wellbeing services county, from the case page: the
// form refuses without the requester's consent (its error beside the
// field, the page still accessible), then forwards by email to the
// address in the controller's contact details, and the requester is told
// where to turn.
func TestDPOForwardsRequest(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	lib, _ := s.register(org, "Kirjaston tietovaranto")
	if _, err := s.env.Pool.Exec(s.env.Ctx, `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Länsi-Uudenmaan hyvinvointialue', elsewhere_contact = 'Kirjaamo, PL 1000, kirjaamo@luvn.example' WHERE id = $1`, lib); err != nil {
		t.Fatal(err)
	}
	sub := s.paper(org, "in_person", workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{lib},
		Name: "Maija Meikäläinen", Email: "maija@example.fi", Lang: "fi", Delivery: "electronic"})
	b := newTab(t, s, "fi", false)

	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.open("/staff/cases/" + sub.Receipt)
	b.step("case with the forward form", sub.Receipt, "@staffcase.forward.h", "Länsi-Uudenmaan hyvinvointialue")

	b.run(chromedp.SetValue(chromedp.CSS("#forward-consent_method"), "by_phone"))
	b.click(`#form-forward button[type="submit"]`)
	b.step("refused without consent", "@staffcase.errors", "@forward.err.consent")

	b.check("#forward-consent")
	b.run(chromedp.SetValue(chromedp.CSS("#forward-consent_method"), "by_phone"))
	b.click(`#form-forward button[type="submit"]`)
	b.step("forwarded", "@staffcase.flash.forward", "@timeline.forward", "@staffcase.forward.method.by_phone")

	if m := s.mailTo("kirjaamo@luvn.example", "forwarded"); m.Subject == "" {
		b.fail("the forwarded mail has no subject")
	}
	s.mailTo("maija@example.fi", "forward_told")
}
