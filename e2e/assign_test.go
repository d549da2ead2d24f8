package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/workflow"
)

// Journey (issue 21): without JavaScript, the DPO takes a case
// ("Assign to me"), finds it under the dashboard's handler filter "me"
// and not under "no handler", hands it to nobody again, and reads both on
// the timeline. Each step is checked at phone width and with axe-core.
func TestDPOAssignsHandler(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	lib, _ := s.register(org, "Kirjaston tietovaranto")
	sub := s.paper(org, "in_person", workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{lib},
		Name: "Maija Meikäläinen", Email: "maija@example.fi", Lang: "fi", Delivery: "electronic"})
	b := newTab(t, s, "fi", true)
	b.signIn("esimerkki")
	b.lang = "fi"

	b.open("/staff/cases/" + sub.Receipt)
	b.step("case without a handler", sub.Receipt, "@staffcase.assign.h", "@staffcase.assign.nobody", "@staffcase.assign.me")
	b.act("form-assign-me")
	b.step("assigned to me", "@staffcase.flash.assign", "@staffcase.assign.unassign")
	if got := b.attr("#assignee", "data-assignee"); got != fmt.Sprint(s.dpoID(org)) {
		b.fail("the case page names handler %q, want the DPO", got)
	}

	// The filter form, as a person uses it: choose "me", submit.
	b.open("/staff/")
	b.run(chromedp.SetValue(chromedp.CSS("#f-assignee"), "me"))
	b.click(`form.sc-filters button[type="submit"]`)
	b.step("dashboard: my cases", "@staffcase.filter.assignee", sub.Receipt)
	if !strings.Contains(b.url(), "assignee=me") {
		b.fail("the filter is not in the address: %s", b.url())
	}
	if csv := b.attr("#csv-link", "href"); !strings.Contains(csv, "assignee=me") {
		b.fail("the CSV link drops the filter: %s", csv)
	}
	b.open("/staff/?assignee=none")
	if txt := b.step("dashboard: no handler", "@staffcase.filter.assignee.none"); strings.Contains(txt, sub.Receipt) {
		b.fail("the assigned case is listed under 'no handler'")
	}

	b.open("/staff/cases/" + sub.Receipt)
	b.act("form-unassign")
	b.step("handler removed", "@staffcase.flash.unassign", "@staffcase.assign.nobody", "@timeline.assign", "@timeline.unassign")
}
