package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
)

// Issue 19, D-29: a platform administrator creates "Testikunta" in the web
// UI: a wrong business id is named in the form with nothing else lost, the
// corrected form creates it, and its portal answers once its catalogue has
// a register.
func TestPlatformAdminCreatesTestikunta(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	q := store.New(s.env.Pool)
	u, err := q.StaffUserByEmail(s.env.Ctx, "dpo@esimerkki.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetPlatformAdmin(s.env.Ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s, "en", false)
	b.open("/staff/login")
	b.click(`nav.langs a[lang="en"]`)
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.click("#nav-orgs")
	b.step("organisations", "@orgs.admin.title", "@orgs.admin.new")

	b.typeIn("#f-slug", "testikunta")
	b.typeIn("#f-name-fi", "Testikunta")
	b.typeIn("#f-name-sv", "Testkommun")
	b.typeIn("#f-business-id", "0100000-1")
	b.typeIn("#f-dpo-email", "tietosuoja@testikunta.example")
	b.click("#create")
	b.step("wrong business id", "@orgs.form.errors", "@orgs.error.business-id")
	if v := b.value("#f-slug"); v != "testikunta" {
		b.fail("the slug was lost: %q", v)
	}
	if v := b.value("#f-dpo-email"); v != "tietosuoja@testikunta.example" {
		b.fail("the DPO's email was lost: %q", v)
	}

	b.run(chromedp.Clear(chromedp.CSS("#f-business-id")))
	b.typeIn("#f-business-id", "0100000-2")
	b.click("#create")
	b.step("created", "@orgs.flash.created", "Testikunta / Testkommun", "@orgs.admin.invite", "@orgs.open.no", "@orgs.open.need_registers")

	// Not open to residents before its catalogue has a register; then its
	// portal answers.
	o, err := q.OrgBySlug(s.env.Ctx, "testikunta")
	if err != nil {
		t.Fatal(err)
	}
	s.env.Register(o.ID, "Asiakasrekisteri", "e", "")
	b.open("/staff/admin/orgs")
	b.step("open", "@orgs.open.yes")
	b.follow("/fi/o/testikunta/")
	b.lang = "fi"
	b.step("portal", "Testikunta")
}
