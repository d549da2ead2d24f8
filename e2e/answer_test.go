package e2e

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Journey (issue 18): a resident files an access request on the form, the
// library's owner answers with an extract, the DPO approves the answer
// (rendered by its job), and the resident opens the secure link from the
// caught mail, reads what the package holds, enters the emailed code and
// downloads the PDF, whose text names the register and holds the
// extract's row.
func TestAnswerDownload(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("this journey needs pdftotext (poppler-utils): run scripts/deps.sh test")
	}
	s := newSite(t)
	org := s.org("esimerkki")
	lib, libOwner := s.register(org, "Kirjaston tietovaranto")
	const email = "aino.asukas@example.fi"
	b := newTab(t, s, "fi", false)

	// The resident's request, on the form (all registers, the default).
	b.open("/fi/o/esimerkki/request")
	b.step("form", "@intake.form.title")
	b.check("#right-access")
	b.typeIn("#name", "Aino Asukas")
	b.typeIn("#email", email)
	b.click("#send")
	b.step("confirm", "@intake.confirm.title")
	b.typeIn("#code", s.code(email, "code"))
	b.click("#confirm")
	b.step("receipt", "@intake.done.title", "@right.access")
	receipt := b.receipt()

	// ID-2: the DPO established the identity at the counter.
	q := store.New(s.env.Pool)
	c, err := q.CaseByReceipt(s.env.Ctx, []int64{org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	dpo := workflow.StaffActor(s.dpoID(org))
	if err := s.env.Workflow.VerifyIdentity(s.env.Ctx, org, c.ID, dpo, "in_person", "Kävi palvelupisteessä."); err != nil {
		t.Fatal(err)
	}

	// The library's owner answers with an extract from the task link.
	var link string
	for _, l := range s.taskLinks(libOwner) {
		b.open(l)
		if strings.Contains(b.text(), "Kirjaston tietovaranto") {
			link = l
			break
		}
	}
	if link == "" {
		t.Fatalf("no task link of the library's register for %s", libOwner)
	}
	b.step("owner: task", "Kirjaston tietovaranto", "@task.verify.heading")
	b.ownerVerify(libOwner)
	b.check("#answer-extract")
	b.run(chromedp.SetValue(chromedp.CSS("#extract"), "Laina\tEräpäivä\tNide\nMuumipappa ja meri\t12.1.2026\tKirjasto 3"))
	b.click(`form[action$="/answer"] button[type="submit"]`)
	b.step("owner: extract given", "@task.flash.answered", "Muumipappa ja meri")

	// The other registers' owners found nothing (answered here directly).
	tasks, err := q.TasksOfCase(s.env.Ctx, org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.RegisterID == lib || tk.State != "open" {
			continue
		}
		by := workflow.OwnerActor(tk.ID)
		if tk.OwnerEmail == "" {
			by = dpo
		}
		if err := s.env.Workflow.AnswerTask(s.env.Ctx, org, tk.ID, by, workflow.TaskAnswer{Answer: "no_data"}); err != nil {
			t.Fatalf("answering %s: %v", tk.RegisterName, err)
		}
	}

	// The DPO approves; the letter renders in its job.
	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.step("dpo: dashboard", "@staffcase.dashboard.title")
	b.open("/staff/cases/" + receipt)
	b.step("dpo: case ready", receipt, "@answer.staff.h")
	b.click("#send-answer-submit")
	b.step("dpo: approved", "@answer.staff.approved")
	if n := s.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	b.open("/staff/cases/" + receipt)
	b.step("dpo: answered", "@state.answered")

	// The resident opens the link from the mail.
	m := s.mailTo(email, "answer_link")
	path := regexp.MustCompile(regexp.QuoteMeta(s.base) + `(/fi/o/esimerkki/answer/[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if path == nil {
		t.Fatalf("no answer link in the mail:\n%s", m.Text)
	}
	if !strings.Contains(m.Text, b.tr("answer.contents.title")) {
		t.Errorf("the link mail has no cover note:\n%s", m.Text)
	}
	b.open(path[1])
	b.step("resident: link page", "@answer.page.title", receipt, "@answer.contents.title", "@answer.contents.html")
	b.click("#again")
	b.step("resident: code sent", "@answer.page.code_label")
	b.typeIn("#code", s.code(email, "answer_code"))
	b.click("#confirm")
	b.step("resident: download", "@answer.page.ready", "@answer.page.download")

	// The browser downloads the PDF with its own cookie.
	href := b.attr("#download-link", "href")
	b64 := evalAs[string](b, `fetch(`+jsq(href)+`, {credentials: 'same-origin'}).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(buf => {
		let s = ''; const a = new Uint8Array(buf); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s); })`)
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("the download is no PDF (%d bytes, %v)", len(pdf), err)
	}
	file := filepath.Join(t.TempDir(), "answer.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Kirjaston tietovaranto", "Muumipappa ja meri 12.1.2026 Kirjasto 3", receipt, "Aino Asukas"} {
		if !strings.Contains(text, want) {
			t.Errorf("the downloaded PDF lacks %q:\n%.3000s", want, text)
		}
	}
}
