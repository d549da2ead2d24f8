package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/workflow"
)

// A request that reached no register (here: every register of the
// catalogue dropped from its source document before the emailed request
// was triaged to "all registers") had no task and no answer the DPO could
// send: stuck for good. The DPO now adds the register that holds the data;
// its task opens at once, as identity is established, and the case can be
// answered. A withdrawal of consent aimed at a register whose basis is not
// consent is refused there (RB-1). Found in walkthroughs.
func TestAddRegisterUnsticksACaseRoutedToNone(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	receipt := f.emailed(f.org)
	casePath := "/staff/cases/" + receipt
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET missing_from_source = true WHERE org_id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"rights": {"withdraw_consent"}, "scope": {"all"},
		"lang": {"fi"}, "name": {"Maija Meikäläinen"}, "email": {"maija@example.fi"}, "delivery": {"electronic"}}
	triageAndVerify(t, dpo, casePath, form)
	c := f.caseByReceipt(f.org, receipt)
	if c.State != "answer_ready" || len(f.tasks(f.org, c.ID)) != 0 {
		t.Fatalf("set-up: a case with no task in %s, want answer_ready and none", c.State)
	}
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET missing_from_source = false WHERE org_id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	news := f.env.Register(f.org.ID, "Uutiskirjeen tilaajat", "a", "news@espoo.test")

	// The page says why nothing can be sent, and offers the registers.
	p := dpo.get(casePath)
	if scByID(p.doc, "tasks-none-add") == nil || scByID(p.doc, "send-answer-submit") != nil {
		t.Fatal("the stuck case's page lacks the no-task note, or offers to send an answer")
	}
	var options []string
	for _, o := range htmlFindAll(scByID(p.doc, "add_register-register"), func(n *html.Node) bool { return htmlIs(n, "option") }) {
		options = append(options, htmlAttr(o, "value"))
	}
	for _, id := range []int64{f.regOwned, f.regQueue, news} {
		if !contains(options, strconv.FormatInt(id, 10)) {
			t.Errorf("register %d not offered: %q", id, options)
		}
	}
	add := func(c *scClient, id int64) htmlPage {
		t.Helper()
		return c.post(casePath+"/actions/add_register", url.Values{"register": {strconv.FormatInt(id, 10)}})
	}
	refused := func(p htmlPage, key string) {
		t.Helper()
		want := f.env.Catalog.T("en", key)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(scText(scByID(p.doc, "add_register-register-error")), want) {
			t.Errorf("add = %d, error %q, want 422 and %q", p.status, scText(scByID(p.doc, "add_register-register-error")), want)
		}
	}
	// RB-1: the register the request named takes no withdrawal of consent.
	refused(add(dpo, f.regOwned), "staffcase.err.register_no_right")
	// Another organisation's register is not this catalogue's.
	refused(add(dpo, f.regOwned2), "staffcase.err.register")
	// A viewer sees the case but does not act.
	if p := add(f.login(t, f.viewer), f.regQueue); p.status != http.StatusForbidden {
		t.Errorf("viewer's add = %d, want 403", p.status)
	}
	if n := len(f.tasks(f.org, c.ID)); n != 0 {
		t.Fatalf("refused adds made %d tasks", n)
	}

	// A consent-based register with an owner: its task opens and its
	// owner is mailed at once; the case is in progress again.
	if p := add(dpo, news); p.status != http.StatusSeeOther {
		t.Fatalf("add = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	if c = f.caseByReceipt(f.org, receipt); c.State != "in_progress" {
		t.Errorf("after adding a register: %s, want in_progress", c.State)
	}
	tasks := f.tasks(f.org, c.ID)
	if len(tasks) != 1 || tasks[0].RegisterID != news || tasks[0].State != "open" || tasks[0].Right != "withdraw_consent" {
		t.Fatalf("tasks after adding: %+v", tasks)
	}
	mailed := false
	for _, m := range rqMails(t, f.env, "task") {
		mailed = mailed || (strings.Contains(m.Headers.Get("To"), "news@espoo.test") && strings.Contains(m.Text, receipt))
	}
	if !mailed {
		t.Error("the added register's owner got no task mail")
	}
	refused(add(dpo, news), "staffcase.err.register_routed")
	p = dpo.get(casePath)
	if !strings.Contains(scText(scByID(p.doc, "h-timeline").Parent), f.env.Catalog.T("en", "timeline.add_register")) {
		t.Error("the timeline does not say a register was added")
	}

	// The owner answers; the answer can then be sent.
	if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, tasks[0].ID, workflow.OwnerActor(tasks[0].ID), workflow.TaskAnswer{Answer: "stopped"}); err != nil {
		t.Fatal(err)
	}
	if c = f.caseByReceipt(f.org, receipt); c.State != "answer_ready" {
		t.Errorf("after the answer: %s", c.State)
	}
	if p := dpo.get(casePath); scByID(p.doc, "send-answer-submit") == nil {
		t.Error("the answered case offers no answer to send")
	}
}

// D-7: a request whose only register has its controller elsewhere has its
// answer ready the moment identity is established (the task answers
// itself). Identity confirmation left such a case "in progress" though
// its timeline said the answer was ready, and the answer could not be
// sent.
func TestVerifiedCaseWithOnlyElsewhereRegistersIsReady_D7(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Hyvinvointialue', elsewhere_contact = 'kirjaamo@hva.test' WHERE id = $1`, f.regOwned); err != nil {
		t.Fatal(err)
	}
	dpo := f.login(t, f.dpo)
	receipt := f.emailed(f.org)
	casePath := "/staff/cases/" + receipt
	form := url.Values{"rights": {"access"}, "scope": {"chosen"}, "register": {strconv.FormatInt(f.regOwned, 10)},
		"lang": {"fi"}, "name": {"Maija Meikäläinen"}, "email": {"maija@example.fi"}, "delivery": {"electronic"}}
	triageAndVerify(t, dpo, casePath, form)
	if c := f.caseByReceipt(f.org, receipt); c.State != "answer_ready" {
		t.Errorf("after identity: %s, want answer_ready", c.State)
	}
	if p := dpo.get(casePath); scByID(p.doc, "send-answer-submit") == nil {
		t.Error("no answer to send")
	}
}

// RB-1, D-10: a withdrawal of consent aimed only at a register whose
// basis is not consent is answered at once: the case is ready, and its
// confirmation letter tells the person that there was no consent to
// withdraw, the register's basis and the rights it gives. It used to have
// no task and nothing the DPO could send (found in a walkthrough).
func TestWithdrawalWhereBasisIsNotConsentIsAnswered_RB1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.AllRegisters, r.RegisterIDs = []string{"withdraw_consent"}, false, []int64{f.regOwned}
	})
	c := f.caseByReceipt(f.org, sub.Receipt)
	tasks := f.tasks(f.org, c.ID)
	if c.State != "answer_ready" || len(tasks) != 1 || tasks[0].Answer != "not_consent" || tasks[0].AnsweredBy != "system" {
		t.Fatalf("case %s, tasks %+v; want answer_ready and one task answered not_consent by the system", c.State, tasks)
	}
	dpo := f.login(t, f.dpo)
	casePath := "/staff/cases/" + sub.Receipt
	p := dpo.get(casePath)
	if scByID(p.doc, "send-answer-submit") == nil {
		t.Error("no answer to send")
	}
	if tl := scText(scByID(p.doc, "h-timeline").Parent); !strings.Contains(tl, f.env.Catalog.N("en", "staffcase.tls.consent_not_basis", 1)) {
		t.Errorf("the timeline does not say in words that the withdrawal does not apply: %.1500s", tl)
	}
	d := dpo.get(casePath + "/letters/confirmation.pdf")
	if d.status != http.StatusOK {
		t.Fatalf("confirmation letter = %d", d.status)
	}
	text := pdfWords(t, []byte(d.body))
	cat := f.env.Catalog
	for _, want := range []string{cat.T("fi", "letter.result.not_consent"), cat.T("fi", "basis.e"), cat.T("fi", "letter.reg.rights.e")} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation lacks %q:\n%.2500s", want, text)
		}
	}
	if strings.Contains(text, cat.T("fi", "letter.result.stopped_withdraw_consent")) {
		t.Error("the confirmation says processing stopped")
	}
	// The receipt did not promise that owners would look up the data.
	seen := false
	for _, m := range rqMails(t, f.env, "receipt") {
		if strings.Contains(m.Subject+m.Text, sub.Receipt) {
			seen = true
			// Identity was shown at the counter: not "next we confirm your identity" (ID-2).
			if !strings.Contains(m.Text, cat.T("fi", "mail.receipt.next_consent_not_identified")) ||
				strings.Contains(m.Text, cat.T("fi", "mail.receipt.next_identified")) || strings.Contains(m.Text, cat.T("fi", "mail.receipt.next")) {
				t.Errorf("the receipt's next step:\n%s", m.Text)
			}
		}
	}
	if !seen {
		t.Error("no receipt mail")
	}
}

// triageAndVerify records an emailed request from its case page as form
// says, then establishes the requester's identity, as the DPO does.
func triageAndVerify(t *testing.T, dpo *scClient, casePath string, form url.Values) {
	t.Helper()
	if p := dpo.post(casePath+"/actions/triage", form); p.status != http.StatusSeeOther {
		t.Fatalf("triage = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	if p := dpo.post(casePath+"/actions/verify_identity", url.Values{"method": {"matching_data"}}); p.status != http.StatusSeeOther {
		t.Fatalf("verify = %d", p.status)
	}
}
