package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Issue 18 with D-29: the resident's link has expired (the expired page
// and the link mail tell them to ask the privacy address for a new one),
// and the DPO sends a new link from the case page. The resident gets the
// very PDF that was delivered (no new render: the answer stays the same
// document) behind a new token, through the code flow; the old link is
// dead; the case's answered date stays where the first delivery put it
// (store.AnswerDeliveredAt: only a case's first accepted answer link mail
// moves it); the renewal is audited by ids. A viewer cannot send one. The
// case page's line names the letter and says the link has expired.
func TestAnswerLinkRenewedByDPO_D29(t *testing.T) {
	t.Parallel()
	f, logs := newDeliveryFx(t)
	ctx := f.env.Ctx
	sub := f.answerReady(t, "sv")
	casePath := "/staff/cases/" + sub.Receipt
	dpo := f.login(t, f.dpo)
	oldPage, oldToken := f.sendAnswerByLink(t, dpo, sub.Receipt)
	answered := f.caseByReceipt(f.org, sub.Receipt).AnsweredAt
	if answered == nil {
		t.Fatal("the case is not answered after its link mail was accepted")
	}

	res := f.unlockAnswer(t, oldPage)
	first := res.get(oldPage + "/file")
	if first.status != http.StatusOK || !strings.HasPrefix(first.body, "%PDF-") {
		t.Fatalf("first download = %d", first.status)
	}

	var deliveryID int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT id FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).Scan(&deliveryID); err != nil {
		t.Fatal(err)
	}
	line := "delivery-" + strconv.FormatInt(deliveryID, 10)
	renewPath := casePath + "/deliveries/" + strconv.FormatInt(deliveryID, 10) + "/renew"

	// While the link works, the line names the letter, the day it works
	// through and the downloads in the singular.
	p := dpo.get(casePath)
	if got := scText(scByID(p.doc, line)); !strings.Contains(got, "Answer (right of access): sent") ||
		!strings.Contains(got, "the link works until") || !strings.Contains(got, "downloaded 1 time.") {
		t.Errorf("delivery line = %q", got)
	}

	// Expired: the resident's link is gone; the case page says so and
	// offers the DPO a new link.
	f.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour)
	if d := res.get(oldPage); d.status != http.StatusGone {
		t.Fatalf("expired link = %d, want 410", d.status)
	}
	dpo = f.login(t, f.dpo) // the session of two weeks ago has ended
	p = dpo.get(casePath)
	el := scByID(p.doc, line)
	if scAttr(el, "data-expired") != "true" || !strings.Contains(scText(el), "Answer (right of access): sent") ||
		!strings.Contains(scText(el), "the link has expired") {
		t.Errorf("expired delivery line = %q (data-expired %q)", scText(el), scAttr(el, "data-expired"))
	}
	if scByID(p.doc, line+"-renew") == nil {
		t.Fatal("the DPO is not offered a new link for the expired one")
	}

	// A viewer sees the line but may not send a new link.
	viewer := f.login(t, f.viewer)
	if vp := viewer.get(casePath); scByID(vp.doc, line) == nil || scByID(vp.doc, line+"-renew") != nil {
		t.Error("a viewer's case page: no delivery line, or a new link offered")
	}
	if vp := viewer.post(renewPath, nil); vp.status != http.StatusForbidden {
		t.Errorf("viewer new link = %d, want 403", vp.status)
	}
	// Another organisation's DPO cannot reach it either.
	if op := f.login(t, f.dpo2).post(renewPath, nil); op.status != http.StatusNotFound {
		t.Errorf("another organisation's new link = %d, want 404", op.status)
	}

	// The DPO sends a new link.
	if rp := dpo.post(renewPath, nil); rp.status != http.StatusSeeOther {
		t.Fatalf("new link = %d: %s", rp.status, rp.body)
	}
	f.env.Clock.Advance(time.Hour)
	m := f.caughtMail(t, "answer_link", scRequest.Email)
	lm := answerLinkRe.FindStringSubmatch(m.Text)
	if lm == nil || lm[2] == oldToken {
		t.Fatalf("the new link mail has no new link: %q", m.Text)
	}
	newPage, newToken := lm[1], lm[2]
	if !strings.Contains(newPage, "/sv/") || !strings.Contains(m.Text, f.org.PrivacyEmail) {
		t.Error("the new link mail is not in the request's language, or does not say where to ask for another")
	}
	wantUntil := workflow.FormatDate(workflow.HelsinkiDate(workflow.AnswerLinkExpiry(f.env.Clock.Now())), "sv")
	if !strings.Contains(m.Text, "till och med "+wantUntil) {
		t.Errorf("the new link mail does not say it works through %s", wantUntil)
	}

	// The old link is dead; the new one opens the same PDF, byte for byte,
	// after the code.
	if d := res.get(oldPage); d.status != http.StatusNotFound || !strings.Contains(d.body, "använd den senaste") {
		// The page says why a link stops: a resident with both mails
		// must not be sent off to ask for a link they already have.
		t.Errorf("old link after the new one = %d, want 404 naming the newest link", d.status)
	}
	if d := res.get(oldPage + "/file"); d.status != http.StatusNotFound || strings.HasPrefix(d.body, "%PDF") {
		t.Errorf("old link's file after the new one = %d", d.status)
	}
	res2 := f.unlockAnswer(t, newPage)
	second := res2.get(newPage + "/file")
	if second.status != http.StatusOK || !bytes.Equal([]byte(second.body), []byte(first.body)) {
		t.Errorf("the new link's file (%d, %d bytes) is not the delivered PDF (%d bytes)", second.status, len(second.body), len(first.body))
	}
	var count int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).Scan(&count); err != nil || count != 1 {
		t.Errorf("%d deliveries after a new link (%v), want the one", count, err)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 0 {
		t.Errorf("a new link rendered the answer again (%d jobs)", n)
	}

	// D-29: the new link mail was accepted, but the answer was delivered
	// the first time.
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if got := f.caseByReceipt(f.org, sub.Receipt); got.AnsweredAt == nil || !got.AnsweredAt.Equal(*answered) ||
		workflow.State(got.State) != workflow.StateAnswered {
		t.Errorf("after a new link: %s answered at %v, want %v", got.State, got.AnsweredAt, answered)
	}
	mails, err := store.New(f.env.Pool).OutboxByCase(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	links := 0
	for _, o := range mails {
		if o.Kind == "answer_link" && o.State == "sent" {
			links++
			if strings.Contains(o.Text+o.HTML, newToken) {
				t.Error("the sent new link mail's stored copy still carries the token")
			}
		}
	}
	if links != 2 {
		t.Errorf("%d answer link mails sent, want 2", links)
	}

	// The case page: the line works again and counts both downloads.
	p = f.login(t, f.dpo).get(casePath) // an idle session of an hour has ended
	el = scByID(p.doc, line)
	if scAttr(el, "data-expired") != "false" || !strings.Contains(scText(el), "works until "+
		workflow.FormatDate(workflow.HelsinkiDate(workflow.AnswerLinkExpiry(f.env.Clock.Now().Add(-time.Hour))), "en")) ||
		!strings.Contains(scText(el), "downloaded 2 times.") {
		t.Errorf("delivery line after a new link = %q", scText(el))
	}
	if !strings.Contains(scText(p.doc), "New link sent") {
		t.Error("the timeline does not show the new link")
	}
	// D-29: the timeline says the new link was delivered, and the answer
	// once, when its first link mail was accepted.
	if got := strings.Count(scText(p.doc), "Answer delivered: the mail server accepted the link"); got != 1 {
		t.Errorf("the timeline says the answer was delivered %d times, want 1", got)
	}
	if !strings.Contains(scText(p.doc), "New link delivered: the mail server accepted the link") {
		t.Error("the timeline does not say the new link was delivered")
	}

	// Audited by ids, once; neither token nor address in any event or log.
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	renewed, delivered, linkDelivered := 0, 0, 0
	for _, ev := range trail {
		b, _ := json.Marshal(ev.Data)
		switch ev.Action {
		case "answer_delivered":
			delivered++
		case "answer_link_delivered":
			linkDelivered++
		}
		if ev.Action == "answer_link_renewed" {
			renewed++
			if ev.Data["delivery"] == nil || ev.Actor != string(workflow.StaffActor(f.dpoUserID)) {
				t.Errorf("renewal event = %s by %s", b, ev.Actor)
			}
		}
		if strings.Contains(string(b), newToken) || strings.Contains(string(b), scRequest.Email) {
			t.Errorf("audit event %s carries a secret or personal data: %s", ev.Action, b)
		}
	}
	if renewed != 1 {
		t.Errorf("%d answer_link_renewed events, want 1", renewed)
	}
	if delivered != 1 || linkDelivered != 1 {
		t.Errorf("%d answer_delivered and %d answer_link_delivered events, want 1 and 1", delivered, linkDelivered)
	}
	if strings.Contains(logs.String(), newToken) || strings.Contains(logs.String(), oldToken) {
		t.Error("a link's token reached the log (D-18)")
	}
}
