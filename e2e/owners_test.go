package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// register returns the id and owner address of a seed register of org.
func (s *site) register(org store.Org, name string) (int64, string) {
	s.t.Helper()
	var id int64
	var owner string
	if err := s.env.Pool.QueryRow(s.env.Ctx, `SELECT id, owner_email FROM registers WHERE org_id = $1 AND name = $2`, org.ID, name).Scan(&id, &owner); err != nil {
		s.t.Fatalf("register %q: %v", name, err)
	}
	return id, owner
}

// dpoID is the id of the organisation's demo DPO.
func (s *site) dpoID(org store.Org) int64 {
	s.t.Helper()
	var id int64
	if err := s.env.Pool.QueryRow(s.env.Ctx, `SELECT id FROM staff_users WHERE email = $1`, "dpo@"+org.Slug+".example").Scan(&id); err != nil {
		s.t.Fatalf("demo DPO of %s: %v", org.Slug, err)
	}
	return id
}

// paper enters a request as the DPO would from a letter; with a method,
// identity is established at once and the owners get their task links.
func (s *site) paper(org store.Org, method string, r workflow.Request) workflow.Submission {
	s.t.Helper()
	sub, err := s.env.Workflow.EnterRequest(s.env.Ctx, org, workflow.StaffActor(s.dpoID(org)), workflow.PaperRequest{
		Request: r, Channel: "paper", ReceivedAt: s.env.Clock.Now(), IdentityMethod: method})
	if err != nil {
		s.t.Fatalf("entering a request: %v", err)
	}
	return sub
}

// taskLinks reads the task links of the newest task mail to owner.
func (s *site) taskLinks(owner string) []string {
	s.t.Helper()
	m := s.mailTo(owner, "task")
	var links []string
	for _, l := range regexp.MustCompile(regexp.QuoteMeta(s.base)+`/[a-z]{2}/t/[A-Za-z0-9_-]+`).FindAllString(m.Text, -1) {
		links = append(links, strings.TrimPrefix(l, s.base))
	}
	if len(links) == 0 {
		s.t.Fatalf("no task links in the mail to %s:\n%s", owner, m.Text)
	}
	return links
}

// ownerVerify proves the owner's mailbox once for this browser.
func (b *tab) ownerVerify(owner string) {
	b.t.Helper()
	b.click(`form[action$="/code"] button`)
	b.step("owner: code sent", "@task.flash.code_sent")
	b.typeIn("#code", b.s.code(owner, "task_code"))
	b.click(`form[action$="/verify"] button`)
	b.step("owner: browser verified", "@task.flash.verified")
}

// Journey 3 (issue 15): register owners answer from their task links: one
// extract, one "no data", and one refusal of an erasure with the ground
// RB-1 gives a register kept under a legal obligation, 17(3)(b).
func TestOwnersAnswer(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	child, childOwner := s.register(org, "Lastensuojelun tietovaranto")
	lib, libOwner := s.register(org, "Kirjaston tietovaranto")
	if childOwner == libOwner {
		t.Fatalf("the seed gives both registers one owner (%s): the journey wants two", libOwner)
	}
	// RB-1: child welfare records are kept by law (basis c).
	if _, err := s.env.Pool.Exec(s.env.Ctx, `UPDATE registers SET legal_basis = 'c' WHERE id = $1`, child); err != nil {
		t.Fatal(err)
	}
	s.paper(org, "in_person", workflow.Request{Rights: []string{"access", "erasure"}, RegisterIDs: []int64{child, lib},
		Name: "Maija Meikäläinen", Email: "maija@example.fi", Lang: "fi", Delivery: "electronic", Hetu: "131052-308T"})
	b := newTab(t, s, "fi", false)

	// The library's owner: an extract.
	links := s.taskLinks(libOwner)
	if len(links) != 2 {
		t.Fatalf("the library's owner got %d task links, want 2 (access, erasure): %v", len(links), links)
	}
	b.open(libTask(b, links, b.tr("right.access")))
	b.step("owner 1: task", "@task.heading", "Kirjaston tietovaranto", "@task.verify.heading")
	b.ownerVerify(libOwner)
	b.step("owner 1: the request", "Kirjaston tietovaranto", "Maija Meikäläinen", "@task.form.heading")
	b.check("#answer-extract")
	b.typeIn("#extract", "Lainaajatunnus 12345, lainat 2026: 3 kirjaa.")
	b.click(`form[action$="/answer"] button[type="submit"]`)
	b.step("owner 1: extract given", "@task.flash.answered", "Lainaajatunnus 12345")

	// Child welfare's owner: no data for access, a refusal for erasure.
	links = s.taskLinks(childOwner)
	b.open(libTask(b, links, b.tr("right.access")))
	b.step("owner 2: task", "Lastensuojelun tietovaranto", "@task.verify.heading")
	b.ownerVerify(childOwner)
	b.check("#answer-no_data")
	b.click(`form[action$="/answer"] button[type="submit"]`)
	b.step("owner 2: no data", "@task.flash.answered", "@answer.no_data")

	b.open(libTask(b, links, b.tr("right.erasure")))
	b.step("owner 2: erasure task", "Lastensuojelun tietovaranto", "@task.form.heading")
	b.check("#answer-refused")
	b.run(chromedp.SetValue(chromedp.CSS("#ground"), string(workflow.GroundLegalObligation)))
	b.typeIn("#comment", "Lastensuojelulaki velvoittaa säilyttämään asiakirjat.")
	b.click(`form[action$="/answer"] button[type="submit"]`)
	b.step("owner 2: refused with a ground", "@task.flash.answered", "@answer.refused", "@ground.art17_3_b")
}

// libTask picks the link of the task for the right (by its name on the
// task page): the mail lists the register and right of each link.
func libTask(b *tab, links []string, right string) string {
	b.t.Helper()
	for _, l := range links {
		b.open(l)
		if strings.Contains(b.text(), right) {
			return l
		}
	}
	b.fail("no task for %q among %v", right, links)
	return ""
}
