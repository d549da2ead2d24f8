package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Journey (issue 18, D-29): a Swedish answer's link has expired; the case
// page names the letter and says the link has gone out, and the DPO sends
// a new link; the resident's new link opens the download page.
func TestAnswerNewLink(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	const email = "aino.asukas@example.fi"
	dpo := workflow.StaffActor(s.dpoID(org))
	sub, err := s.env.Workflow.EnterRequest(s.env.Ctx, org, dpo, workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Aino Asukas", Email: email, Lang: "sv"},
		Channel: "paper", ReceivedAt: s.env.Clock.Now().Add(-24 * time.Hour), IdentityMethod: "in_person", Authority: workflow.AuthorityShown})
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := store.New(s.env.Pool).TasksOfCase(s.env.Ctx, org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if err := s.env.Workflow.AnswerTask(s.env.Ctx, org, tk.ID, dpo, workflow.TaskAnswer{Answer: "no_data"}); err != nil {
			t.Fatalf("answering %s: %v", tk.RegisterName, err)
		}
	}
	if err := s.env.Workflow.SendAnswer(s.env.Ctx, org, sub.CaseID, dpo); err != nil {
		t.Fatal(err)
	}
	if n := s.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	s.mailTo(email, "answer_link")
	s.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour)

	b := newTab(t, s, "sv", false)
	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.click(`nav.langs a[lang="sv"]`)
	b.open("/staff/cases/" + sub.Receipt)
	b.step("dpo: link expired", "@print.kind.access", "länken har gått ut", "@answer.staff.renew")
	pngShot(b, "dpo-link-expired")
	b.click(`button[id$="-renew"]`)
	b.open("/staff/cases/" + sub.Receipt)
	b.step("dpo: new link sent", "@print.kind.access", "länken fungerar till och med", "@timeline.answer_link_renewed")
	pngShot(b, "dpo-new-link-sent")

	m := s.mailTo(email, "answer_link")
	path := regexp.MustCompile(regexp.QuoteMeta(s.base) + `(/sv/o/esimerkki/answer/[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if path == nil {
		t.Fatalf("no answer link in the new mail:\n%s", m.Text)
	}
	// D-29: the timeline says the new link was delivered when the mail
	// server accepted it; the answer was delivered once, the first time.
	b.open("/staff/cases/" + sub.Receipt)
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#timeline")))
	b.step("dpo: new link delivered", "@timeline.answer_link_delivered")
	timeline := evalAs[string](b, `document.getElementById('timeline').innerText`)
	if n := strings.Count(timeline, b.tr("timeline.answer_delivered")); n != 1 {
		b.fail("the timeline says %d times that the answer was delivered, want once:\n%s", n, timeline)
	}
	if buf, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("#timeline"))); err == nil {
		_ = os.WriteFile(filepath.Join(b.dir, "dpo-timeline.png"), buf, 0o644)
	}

	b.open(path[1])
	b.step("resident: new link page", "@answer.page.title", sub.Receipt)
}

// pngShot saves the delivery line as a PNG beside the
// step screenshots, to look at.
func pngShot(b *tab, name string) {
	b.t.Helper()
	b.run(chromedp.ScrollIntoView(chromedp.CSS("div.answer-sent")))
	buf, err := chromedp.Run(b.ctx, chromedp.Screenshot(chromedp.CSS("div.answer-sent")))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), buf, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
}
