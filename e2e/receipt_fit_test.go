package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Journey (walkthrough, IN-1, DL-1, ID-2): a Swedish paper request handed
// in at the counter weeks after it arrived, identity shown in person, the
// name typed into the address too. The case page lists the queued
// acknowledgement of receipt as waiting in the print queue and offers no
// second one; the queued letters (sv, fi) are kept beside the screenshots
// to look at.
func TestCounterPaperReceiptWaitsOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	dpo := workflow.StaffActor(s.dpoID(org))
	var receipt string
	for _, lang := range []string{"sv", "fi"} {
		sub, err := s.env.Workflow.EnterRequest(s.env.Ctx, org, dpo, workflow.PaperRequest{
			Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Åke Testsson", Lang: lang,
				Delivery: workflow.MethodPaper, Address: "Åke Testsson\nStorgatan 1\n65100 Vasa"},
			Channel: "counter", ReceivedAt: s.env.Clock.Now().Add(-40 * 24 * time.Hour), IdentityMethod: "in_person",
			Authority: workflow.AuthorityShown})
		if err != nil {
			t.Fatal(err)
		}
		ls, err := store.New(s.env.Pool).QueuedLettersOfCase(s.env.Ctx, org.ID, sub.CaseID)
		if err != nil || len(ls) != 1 {
			t.Fatalf("%s: %d queued letters, %v", lang, len(ls), err)
		}
		_, b, err := store.New(s.env.Pool).QueuedLetterPDF(s.env.Ctx, org.ID, ls[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		dir, err := shotsDir()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "receipt-late-counter-"+lang+".pdf"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if lang == "sv" {
			receipt = sub.Receipt
		}
	}

	b := newTab(t, s, "sv", false)
	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.click(`nav.langs a[lang="sv"]`)
	b.open("/staff/cases/" + receipt)
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#case-letters")))
	txt := b.step("dpo: receipt waits in the print queue", "@print.kind.receipt", "@letters.state.waiting")
	if n := evalAs[int](b, `document.querySelectorAll("#letter-receipt-send").length`); n != 0 {
		b.fail("the case page offers to send the receipt that waits in the print queue")
	}
	if strings.Contains(txt, b.tr("staffcase.due.owner_target")) {
		b.fail("never paused nor extended, the page shows %q", b.tr("staffcase.due.owner_target"))
	}

	// The new case form says the postal address needs no name.
	b.open("/staff/cases/new")
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#new-address")))
	b.step("dpo: new case address hint", "@staffcase.new.address_optional", "@staffcase.new.address_hint")
}
