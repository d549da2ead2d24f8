package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// legal.md §1 (Art 15, Art 16 with Art 19): a request for access and
// rectification is answered by two letters, the access answer and the
// confirmation. The resident gets one mail for the answer, not one per
// letter, each letter behind its own numbered, titled link; one code opens
// both in the browser that entered it, and only there.
func TestAnswerOfTwoLettersInOneMail(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Rights = []string{"access", "rectification"}
		r.Details = "Osoitteeni on väärin."
		r.Lang = "fi"
	})
	for _, tk := range f.tasks(f.org, sub.CaseID) {
		actor := workflow.StaffActor(f.dpoUserID)
		if tk.OwnerEmail != "" {
			actor = workflow.OwnerActor(tk.ID)
		}
		a := workflow.TaskAnswer{Answer: "no_data"}
		if tk.Right == "rectification" {
			a = workflow.TaskAnswer{Answer: "rectified", Changes: "Osoite korjattu", RecipientsNone: true}
		}
		if err := f.env.Workflow.AnswerTask(ctx, f.org, tk.ID, actor, a); err != nil {
			t.Fatalf("answering the %s task: %v", tk.Right, err)
		}
	}
	dpo := f.login(t, f.dpo)
	if p := dpo.post("/staff/cases/"+sub.Receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d: %s", p.status, p.body)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswered {
		t.Fatalf("after sending the case is %s, want answered", c.State)
	}

	f.caughtMail(t, "answer_link", scRequest.Email) // delivers the queue
	var links []string
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, scRequest.Email) && m.Headers.Get("X-Rightsdesk-Kind") == "answer_link" {
			links = append(links, m.Text)
		}
	}
	if len(links) != 1 {
		t.Fatalf("%d answer link mails, want one for both letters", len(links))
	}
	text := strings.Join(strings.Fields(links[0]), " ")
	// The second part is named as its letter is (a refusal in it was
	// delivered as a "confirmation"; found in a walkthrough).
	conf := f.env.Catalog.T("fi", "print.kind.confirmation")
	for _, want := range []string{"Vastauksessa on 2 osaa", "1. Vastaus (pääsy omiin tietoihin)", "2. " + conf,
		conf + ": PDF-kirje", "Koodilla kaikki osat aukeavat samassa selaimessa", "Linkit toimivat"} {
		if !strings.Contains(text, want) {
			t.Errorf("the mail lacks %q:\n%s", want, links[0])
		}
	}
	if strings.Index(text, "1. Vastaus") > strings.Index(text, "2. "+conf) {
		t.Error("the parts are not in order")
	}
	found := answerLinkRe.FindAllStringSubmatch(links[0], -1)
	if len(found) != 2 || found[0][2] == found[1][2] {
		t.Fatalf("links in the mail: %v, want two different ones", found)
	}

	// One code opens both letters in the browser that entered it: the
	// first link asks for it, the second downloads at once.
	first, second := found[0][1], found[1][1]
	res := f.unlockAnswer(t, first)
	if p := res.get(second); scByID(p.doc, "download-link") == nil {
		t.Error("the second letter's page asks for a code again in the browser that entered one")
	}
	var files []string
	for _, page := range []string{first, second} {
		d := res.get(page + "/file")
		if d.status != http.StatusOK || !strings.HasPrefix(d.body, "%PDF") {
			t.Fatalf("download of %s = %d", page[:strings.LastIndexByte(page, '/')], d.status)
		}
		files = append(files, d.header.Get("Content-Disposition"))
	}
	// Another browser with the second link alone still needs a code.
	other := &scClient{t: t, base: f.base, c: testenv.Client()}
	if d := other.get(second + "/file"); d.status != http.StatusSeeOther || strings.HasPrefix(d.body, "%PDF") {
		t.Errorf("the second letter without a code in another browser = %d", d.status)
	}
	if !strings.Contains(files[0], sub.Receipt+"-fi.pdf") || !strings.Contains(files[1], sub.Receipt+"-"+f.env.Catalog.T("fi", "letter.file.confirmation")+"-fi.pdf") || !strings.Contains(files[1], "vastaus-mita-teimme") {
		t.Errorf("the links open %q, want the access answer, then the confirmation named in Finnish", files)
	}
}
