package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Issue 18, delivery: the DPO's approval renders the answer in a River
// job, not in the request. A render that fails (here: the organisation's
// logo is not a PNG after all) leaves the case unanswered, is shown on the
// case page and the dashboard, keeps "mark answered" away (no rendered
// letter), and is retried: once the cause is fixed the next try stores
// the letter, mails the link with the cover note and answers the case. A
// render whose tries ran out is failed for good, and the DPO may approve
// again.
func TestAnswerRenderRetriedAndShown(t *testing.T) {
	t.Parallel()
	f, logs := newDeliveryFx(t)
	ctx := f.env.Ctx
	q := store.New(f.env.Pool)
	sub := f.answerReady(t, "fi")
	casePath := "/staff/cases/" + sub.Receipt
	if err := q.SetOrgLogo(ctx, f.org.ID, []byte("this is no PNG"), "png"); err != nil {
		t.Fatal(err)
	}
	dpo := f.login(t, f.dpo)
	if p := dpo.post(casePath+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("approve = %d", p.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind())

	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswerReady {
		t.Fatalf("after a failed render the case is %s", c.State)
	}
	if ds, _ := q.AnswerDeliveriesOfCase(ctx, f.org.ID, sub.CaseID); len(ds) != 0 {
		t.Fatalf("a failed render stored %d deliveries", len(ds))
	}
	p := dpo.get(casePath)
	r := scByID(p.doc, "answer-render")
	if scAttr(r, "data-render-state") != "pending" || !strings.Contains(scText(r), "Preparing it has failed 1 time") {
		t.Errorf("case page render notice: %q", scText(r))
	}
	if scByID(p.doc, "form-mark_answered") != nil || scByID(p.doc, "send-answer") != nil {
		t.Error("while the render is retried the page offers mark answered or a second approval")
	}
	if p := dpo.post(casePath+"/actions/mark_answered", url.Values{"note": {"sent"}}); p.status != http.StatusConflict {
		t.Errorf("mark answered without a rendered letter = %d, want 409", p.status)
	}
	dash := dpo.get("/staff/")
	if sec := scByID(dash.doc, "failed-renders"); sec == nil || !strings.Contains(scText(sec), sub.Receipt) {
		t.Error("the dashboard does not show the failing render")
	}
	if strings.Contains(logs.String(), "this is no PNG") {
		t.Error("the log holds the letter's content")
	}

	// The cause fixed, the retry goes through.
	if err := q.SetOrgLogo(ctx, f.org.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d renders succeeded on retry, want 1", n)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswered {
		t.Fatalf("after the retry the case is %s", c.State)
	}
	m := f.caughtMail(t, "answer_link", "maija@example.fi")
	text := strings.Join(strings.Fields(m.Text), " ")
	for _, want := range []string{"Paketissa on:", "Vastaus (pääsy omiin tietoihin): PDF-kirje",
		"saavutettavana verkkosivuna", f.env.Catalog.T("fi", "answer.contents.export")} {
		if !strings.Contains(text, want) {
			t.Errorf("the link mail's cover note lacks %q:\n%s", want, text)
		}
	}
	if dash := dpo.get("/staff/"); scByID(dash.doc, "failed-renders") != nil {
		t.Error("the dashboard still shows a render that went through")
	}

	// Tries run out: failed for good, shown as such; approving again works.
	sub2 := f.answerReady(t, "en")
	if err := q.SetOrgLogo(ctx, f.org.ID, []byte("still no PNG"), "png"); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.SendAnswer(ctx, f.org, sub2.CaseID, workflow.StaffActor(f.dpoUserID)); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.SendAnswer(ctx, f.org, sub2.CaseID, workflow.StaffActor(f.dpoUserID)); err != workflow.ErrNotAllowed {
		t.Errorf("a second approval while one is pending: %v", err)
	}
	rs, err := q.AnswerRendersOfCase(ctx, f.org.ID, sub2.CaseID)
	if err != nil || len(rs) != 1 {
		t.Fatal(rs, err)
	}
	if err := f.env.Workflow.RenderAnswer(ctx, rs[0].ID, true); err == nil {
		t.Fatal("the last try of a broken render succeeded")
	}
	p = dpo.get("/staff/cases/" + sub2.Receipt)
	if r := scByID(p.doc, "answer-render"); scAttr(r, "data-render-state") != "failed" || scAttr(r, "role") != "alert" ||
		!strings.Contains(scText(r), "approve the answer again") {
		t.Errorf("failed render on the case page: %q", scText(r))
	}
	if scByID(p.doc, "send-answer-submit") == nil {
		t.Error("after a failed render the DPO cannot approve again")
	}
	if err := q.SetOrgLogo(ctx, f.org.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	if p := dpo.post("/staff/cases/"+sub2.Receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("approving again = %d", p.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind())
	if c := f.caseByReceipt(f.org, sub2.Receipt); workflow.State(c.State) != workflow.StateAnswered {
		t.Errorf("after approving again the case is %s", c.State)
	}
	trail, err := q.AuditTrail(ctx, f.org.ID, sub2.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, ev := range trail {
		switch ev.Action {
		case "answer_approved", "answer_render_failed", "answer_link_sent", "mark_answered":
			actions = append(actions, ev.Action)
		}
	}
	if got := strings.Join(actions, " "); got != "answer_approved answer_render_failed answer_approved answer_link_sent mark_answered" {
		t.Errorf("audit trail %q", got)
	}
}
