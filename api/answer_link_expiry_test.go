package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// sendAnswerByLink has the DPO send a ready case's answer, renders it and
// delivers its link mail; it returns the link's page path and token.
func (f *scFx) sendAnswerByLink(t *testing.T, dpo *scClient, receipt string) (page, token string) {
	t.Helper()
	if p := dpo.post("/staff/cases/"+receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d: %s", p.status, p.body)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	lm := answerLinkRe.FindStringSubmatch(f.caughtMail(t, "answer_link", scRequest.Email).Text)
	if lm == nil {
		t.Fatal("no link in the answer mail")
	}
	return lm[1], lm[2]
}

// Issue 18: the link mail and the pages say the link works "through" a
// date (till och med 21.12.2026), so it works to the end of that day in
// Helsinki, not to the clock time it was sent at: sent 7.12. at 21.05, it
// opens at 23.59.59 on 21.12. and is gone at midnight.
func TestAnswerLinkWorksThroughItsLastDay(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	f.env.Clock.Set(time.Date(2026, 12, 7, 21, 5, 0, 0, workflow.Helsinki()))
	sub := f.answerReady(t, "sv")
	dpo := f.login(t, f.dpo)
	page, _ := f.sendAnswerByLink(t, dpo, sub.Receipt)
	if m := f.caughtMail(t, "answer_link", scRequest.Email); !strings.Contains(m.Text, "till och med 21.12.2026") {
		t.Errorf("the link mail does not say it works through 21.12.2026:\n%s", m.Text)
	}
	var expires time.Time
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT expires_at FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).Scan(&expires); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 21, 23, 59, 59, 999_000_000, workflow.Helsinki()); !expires.Equal(want) {
		t.Errorf("the link expires %v, want %v", expires.In(workflow.Helsinki()), want)
	}

	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	f.env.Clock.Set(time.Date(2026, 12, 21, 23, 59, 59, 0, workflow.Helsinki()))
	if d := res.get(page); d.status != http.StatusOK || !strings.Contains(scText(d.doc), "21.12.2026") {
		t.Errorf("the link on its last day at 23.59.59 = %d, want 200 saying 21.12.2026", d.status)
	}
	if p := f.login(t, f.dpo).get("/staff/cases/" + sub.Receipt); !strings.Contains(scText(p.doc), "the link works until 21 December 2026") &&
		!strings.Contains(scText(p.doc), "the link works until 21 Dec 2026") {
		t.Errorf("the case page does not say the link works until 21 December: %q", scText(p.doc))
	}
	f.env.Clock.Set(time.Date(2026, 12, 22, 0, 0, 0, 0, workflow.Helsinki()))
	if d := res.get(page); d.status != http.StatusGone {
		t.Errorf("the link at midnight after its last day = %d, want 410", d.status)
	}
}
