package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 19, "ten minutes": a platform administrator creates Testikunta and
// imports its documents in the wizard: one PDF and one saved HTML page,
// the preview, one register renamed, owners pasted, published; the portal
// lists the registers. Each step's time is logged.
func TestWizardTestikuntaImportsAndPublishes(t *testing.T) {
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
	start := time.Now()
	last := start
	lap := func(name string) {
		now := time.Now()
		t.Logf("journey step %-12s %6.2fs (total %6.2fs)", name, now.Sub(last).Seconds(), now.Sub(start).Seconds())
		last = now
	}
	b := newTab(t, s, "en", false)
	b.open("/staff/login")
	b.click(`nav.langs a[lang="en"]`)
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.click("#nav-orgs")
	b.typeIn("#f-slug", "testikunta")
	b.typeIn("#f-name-fi", "Testikunta")
	b.typeIn("#f-name-sv", "Testkommun")
	b.typeIn("#f-business-id", "0100000-2")
	b.typeIn("#f-dpo-email", "tietosuoja@testikunta.example")
	b.click("#create")
	b.step("created", "@orgs.flash.created")
	lap("create org")

	b.open("/staff/orgs/testikunta/import")
	b.step("import", "@wizard.title", "@wizard.field.files")
	pdf, _ := filepath.Abs("../registers/testdata/input/rantasalmi_kameravalvonta.pdf")
	htm, _ := filepath.Abs("../registers/testdata/input/korsholm_bibliotek.html")
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#f-files"), []string{pdf, htm}))
	b.click("#read")
	b.step("preview", "@wizard.preview.title", "Kameravalvonta", "Låntagarregister för Korsholms kommunbibliotek")
	lap("upload")

	rename := `article.register input[name="name"][value="Kameravalvonta"]`
	b.run(chromedp.SetValue(chromedp.CSS(rename), "Kiinteistöjen kameravalvonta"))
	b.nav(chromedp.Submit(chromedp.CSS(rename)))
	b.step("renamed", "Kiinteistöjen kameravalvonta", "@wizard.flash.saved")
	lap("rename")

	b.typeIn("#f-owners", "Kiinteistöjen kameravalvonta;Kalle Kiinteistö;kalle@testikunta.example\nLåntagarregister för Korsholms kommunbibliotek;Bo Bibliotek;bo@testikunta.example\n")
	b.click(`#owners button[type="submit"]`)
	b.step("owners", "@wizard.flash.owners", "kalle@testikunta.example")
	lap("owners")

	b.click("#publish")
	b.step("published", "@wizard.published.title")
	lap("publish")

	b.follow("/fi/o/testikunta/")
	b.lang = "fi"
	b.step("portal", "Testikunta", "Kiinteistöjen kameravalvonta")
	lap("portal")

	// A request to every register, identity established at a visit: both
	// owners get their task mails.
	org, err := q.OrgBySlug(s.env.Ctx, "testikunta")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.env.Workflow.EnterRequest(s.env.Ctx, org, workflow.StaffActor(u.ID), workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Maija Meikäläinen",
			Email: "maija@example.fi", Lang: "fi", Delivery: "electronic", Hetu: "131052-308T"},
		Channel: "paper", ReceivedAt: s.env.Clock.Now(), IdentityMethod: "in_person"}); err != nil {
		t.Fatalf("entering a request: %v", err)
	}
	for _, owner := range []string{"kalle@testikunta.example", "bo@testikunta.example"} {
		s.mailTo(owner, "task")
	}
	lap("task mails")
}
