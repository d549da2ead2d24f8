package api_test

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// IN-1, issue 18: a requester who chose paper gets every letter through
// the DPO's print queue: the receipt at once, the extension notice when
// the deadline is extended, and the access answer when the DPO sends it;
// the case is answered only when the DPO records "sent by post" with its
// day, and the status page says the answer was posted. A viewer sees the
// queue but cannot record; another organisation sees nothing of it.
func TestPaperRequesterPrintQueue_IN1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Delivery, r.Address = "paper", "Åkerbärsvägen 7 B 12, 10600 Ekenäs"
	})
	queued := func() []store.QueuedLetter {
		t.Helper()
		ls, err := store.New(f.env.Pool).QueuedLettersOfCase(ctx, f.org.ID, sub.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		return ls
	}
	cl := f.login(t, f.dpo)
	pdfOf := func(c *scClient, l store.QueuedLetter) (string, htmlPage) {
		t.Helper()
		d := c.get("/staff/print/" + strconv.FormatInt(l.ID, 10) + "/letter.pdf")
		if d.status != http.StatusOK {
			return "", d
		}
		return pdfWords(t, []byte(d.body)), d
	}

	// The receipt waits in the queue, addressed for the window envelope.
	ls := queued()
	if len(ls) != 1 || ls[0].Kind != "receipt" || ls[0].Method != "paper" || ls[0].DoneAt != nil {
		t.Fatalf("queue after entry: %+v", ls)
	}
	text, d := pdfOf(cl, ls[0])
	if !strings.Contains(text, "Maija Meikäläinen Åkerbärsvägen 7 B 12 10600 EKENÄS") || !strings.Contains(text, sub.Receipt) {
		t.Errorf("receipt letter: %.1500s", text)
	}
	if disp, _, _ := mime.ParseMediaType(d.header.Get("Content-Disposition")); disp != "inline" || d.header.Get("Cache-Control") != "no-store" {
		t.Errorf("queued PDF headers %q %q", d.header.Get("Content-Disposition"), d.header.Get("Cache-Control"))
	}

	// The extension notice (DL-5) joins it.
	if err := f.env.Workflow.Extend(ctx, f.org, sub.CaseID, workflow.StaffActor(f.dpoUserID), "Pyyntö koskee monia rekistereitä."); err != nil {
		t.Fatal(err)
	}
	ls = queued()
	if len(ls) != 2 || ls[1].Kind != "extension" {
		t.Fatalf("queue after extension: %+v", ls)
	}
	if text, _ := pdfOf(cl, ls[1]); !strings.Contains(text, "Pyyntö koskee monia rekistereitä.") {
		t.Errorf("extension notice lacks its reasons: %.1500s", text)
	}

	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: whExtract}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	p := cl.get(casePath)
	if scByID(p.doc, "send-answer-paper") == nil {
		t.Fatal("the case page does not say the answer goes to the print queue")
	}
	download := cl.get(casePath + "/letters/access.pdf").body
	if r := cl.post(casePath+"/letters/send", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d", r.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind()) // issue 18: the approval renders in a job
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateAnswerReady) || c.AnsweredAt != nil {
		t.Fatalf("queued answer made the case %s (answered at %v); it waits for the post", c.State, c.AnsweredAt)
	}
	ls = queued()
	if len(ls) != 3 || ls[2].Kind != "access" {
		t.Fatalf("queue after send: %+v", ls)
	}
	answer := ls[2]
	if d := cl.get("/staff/print/" + strconv.FormatInt(answer.ID, 10) + "/letter.pdf"); d.body != download {
		t.Error("the queued answer differs from the letter the DPO downloaded")
	}
	p = cl.get(casePath)
	if scByID(p.doc, "send-answer") != nil || scByID(p.doc, "case-print") == nil {
		t.Error("after queueing, the case page should show the queue, not the send button")
	}
	// Sending again does not queue a second copy.
	if r := cl.post(casePath+"/letters/send", nil); r.status != http.StatusConflict || len(queued()) != 3 {
		t.Errorf("second send = %d, %d queued", r.status, len(queued()))
	}

	deliveredPath := "/staff/print/" + strconv.FormatInt(answer.ID, 10) + "/delivered"
	// The queue page: every waiting letter, a form for the DPO.
	p = cl.get("/staff/print")
	if p.status != http.StatusOK || len(scElems(scByID(p.doc, "print-waiting"), "tr", nil)) != 4 {
		t.Fatalf("print queue page = %d", p.status)
	}
	if form := scByID(p.doc, "letter-"+strconv.FormatInt(answer.ID, 10)+"-form"); form == nil || scAttr(form, "action") != deliveredPath {
		t.Fatal("no 'sent by post' form for the answer")
	}
	// A viewer: the queue without forms; recording is 403.
	vw := f.login(t, f.viewer)
	if p := vw.get("/staff/print"); p.status != http.StatusOK || scByID(p.doc, "letter-"+strconv.FormatInt(answer.ID, 10)+"-form") != nil {
		t.Errorf("viewer's queue = %d, or with a form", p.status)
	}
	if r := vw.post(deliveredPath, url.Values{"on": {"1.1.2026"}}); r.status != http.StatusForbidden {
		t.Errorf("viewer recording = %d, want 403", r.status)
	}
	// Another organisation: not found, and its queue is empty.
	o2 := f.login(t, f.dpo2)
	if d := o2.get("/staff/print/" + strconv.FormatInt(answer.ID, 10) + "/letter.pdf"); d.status != http.StatusNotFound || strings.HasPrefix(d.body, "%PDF") {
		t.Errorf("other organisation's PDF = %d", d.status)
	}
	if r := o2.post(deliveredPath, url.Values{"on": {"1.1.2026"}}); r.status != http.StatusNotFound {
		t.Errorf("other organisation recording = %d", r.status)
	}
	if p := o2.get("/staff/print"); scByID(p.doc, "print-empty") == nil {
		t.Error("another organisation sees letters in its queue")
	}

	today := workflow.HelsinkiDate(f.env.Clock.Now())
	// A day in the future: 422, nothing recorded.
	future := today.AddDays(2)
	if r := cl.post(deliveredPath, url.Values{"on": {workflow.FormatDate(future, "fi")}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("future day = %d, want 422", r.status)
	}
	if r := cl.post(deliveredPath, url.Values{"on": {"eilen"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("unparsable day = %d, want 422", r.status)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateAnswerReady) {
		t.Fatalf("a refused recording changed the case to %s", c.State)
	}
	// Sent by post today: the case is answered.
	if r := cl.post(deliveredPath, url.Values{"on": {workflow.FormatDate(today, "fi")}}); r.status != http.StatusSeeOther {
		t.Fatalf("sent by post = %d", r.status)
	}
	c := f.caseByReceipt(f.org, sub.Receipt)
	if c.State != string(workflow.StateAnswered) || c.AnsweredAt == nil {
		t.Fatalf("after 'sent by post' the case is %s", c.State)
	}
	if r := cl.post(deliveredPath, url.Values{"on": {workflow.FormatDate(today, "fi")}}); r.status != http.StatusConflict {
		t.Errorf("second recording = %d, want 409", r.status)
	}
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range trail {
		if ev.Action == string(workflow.ActMarkAnswered) && ev.Data["letter"] == float64(answer.ID) &&
			ev.Data["delivered_on"] == today.String() && ev.Data["on_time"] == true && ev.Data["to"] == "answered" {
			found = true
		}
	}
	if !found {
		t.Error("no mark_answered event naming the posted letter and its day")
	}
	// The status page's data says it was posted, and when.
	st, err := f.env.Workflow.StatusOf(ctx, f.org, sub.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if st.Delivery != "status.delivery.paper_done" || st.DeliveryOn != today {
		t.Errorf("status delivery %q %v", st.Delivery, st.DeliveryOn)
	}
	if p := cl.get("/staff/print"); scByID(p.doc, "print-done") == nil {
		t.Error("the delivered answer is not listed as delivered")
	}
}

// IN-1: on site: the answer waits in the queue with the notice to invite
// the person, and "viewed on site" answers the case.
func TestOnSiteViewing_IN1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) { r.Delivery = "on_site" })
	for _, queue := range []bool{false, true} {
		tk, _ := f.task(f.org, sub.CaseID, queue)
		if err := f.env.Workflow.AnswerTask(ctx, f.org, tk.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
			t.Fatal(err)
		}
	}
	cl := f.login(t, f.dpo)
	casePath := "/staff/cases/" + sub.Receipt
	if r := cl.post(casePath+"/letters/send", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d", r.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind()) // issue 18: the approval renders in a job
	ls, err := store.New(f.env.Pool).QueuedLettersOfCase(ctx, f.org.ID, sub.CaseID)
	if err != nil || len(ls) != 1 || ls[0].Method != "on_site" {
		t.Fatalf("queue %+v %v (an on-site requester with email gets the receipt by email)", ls, err)
	}
	st, _ := f.env.Workflow.StatusOf(ctx, f.org, sub.Receipt)
	if st.Delivery != "status.delivery.on_site_waiting" {
		t.Errorf("status delivery %q", st.Delivery)
	}
	today := workflow.HelsinkiDate(f.env.Clock.Now())
	if r := cl.post("/staff/print/"+strconv.FormatInt(ls[0].ID, 10)+"/delivered", url.Values{"on": {today.String()}}); r.status != http.StatusSeeOther {
		t.Fatalf("viewed on site = %d", r.status)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateAnswered) {
		t.Errorf("after 'viewed on site' the case is %s", c.State)
	}
	if st, _ := f.env.Workflow.StatusOf(ctx, f.org, sub.Receipt); st.Delivery != "status.delivery.on_site_done" {
		t.Errorf("status delivery %q", st.Delivery)
	}
}
