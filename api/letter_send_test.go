package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 18, Art 12(4): a refusal of the whole request is offered on the
// case page as a PDF (its ground, reasons and remedies) and reaches an
// electronic requester the way the answer does: a link, a one-time code,
// the same PDF. A viewer may read the letter but not send it.
func TestRefusalLetterByLink(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	if err := f.env.Workflow.Refuse(ctx, f.org, sub.CaseID, workflow.StaffActor(f.dpoUserID), "art12_5_excessive",
		"Sama pyyntö kolmannen kerran tänä vuonna."); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	cl := f.login(t, f.dpo)
	p := cl.get(casePath)
	if scByID(p.doc, "letter-refusal") == nil || scByID(p.doc, "letter-refusal-send") == nil {
		t.Fatal("the case page does not offer the refusal letter")
	}
	if scByID(p.doc, "letter-extension") != nil {
		t.Error("an extension notice is offered for a case never extended")
	}
	// Its web page link names no other letter (it said "the access answer"
	// for every letter, found in an onboarding walkthrough).
	if got, want := htmlText(scByID(p.doc, "letter-refusal-html")), f.env.Catalog.T("en", "letters.open_html"); got != want {
		t.Errorf("the refusal's web page link says %q, want %q", got, want)
	}
	d := cl.get(casePath + "/letters/refusal.pdf")
	if d.status != http.StatusOK {
		t.Fatalf("refusal.pdf = %d", d.status)
	}
	text := pdfWords(t, []byte(d.body))
	for _, want := range []string{"Sama pyyntö kolmannen kerran tänä vuonna.", "Tietosuojavaltuutetun toimisto", sub.Receipt} {
		if !strings.Contains(text, want) {
			t.Errorf("refusal letter lacks %q: %.1500s", want, text)
		}
	}
	if d := cl.get(casePath + "/letters/extension.pdf"); d.status != http.StatusConflict {
		t.Errorf("extension.pdf of a case never extended = %d, want 409", d.status)
	}
	if d := cl.get(casePath + "/letters/memo.pdf"); d.status != http.StatusNotFound {
		t.Errorf("memo.pdf = %d, want 404", d.status)
	}

	vw := f.login(t, f.viewer)
	if d := vw.get(casePath + "/letters/refusal.pdf"); d.status != http.StatusOK {
		t.Errorf("viewer's download = %d", d.status)
	}
	if r := vw.post(casePath+"/letters/refusal/send", nil); r.status != http.StatusForbidden {
		t.Errorf("viewer's send = %d, want 403", r.status)
	}
	if r := f.login(t, f.dpo2).post(casePath+"/letters/refusal/send", nil); r.status != http.StatusNotFound {
		t.Errorf("other organisation's send = %d, want 404", r.status)
	}

	if r := cl.post(casePath+"/letters/refusal/send", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d", r.status)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateRefused) {
		t.Errorf("sending the letter changed the case to %s", c.State)
	}
	m := f.caughtMail(t, "letter_link", scRequest.Email)
	assertRemedies(t, f, "fi", m) // DL-6: in the mail, not only behind the link
	lm := answerLinkRe.FindStringSubmatch(m.Text)
	if lm == nil {
		t.Fatalf("no link in the letter mail:\n%s", m.Text)
	}
	page := lm[1]
	// Issue 18: once sent, the stored copy of the mail no longer holds the
	// link's token (only the answer's was removed).
	stored, err := store.New(f.env.Pool).OutboxByCase(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range stored {
		if o.Kind == "letter_link" && (strings.Contains(o.Text+o.HTML, lm[2]) || !strings.Contains(o.Text, "/answer/…")) {
			t.Errorf("the sent letter mail's stored copy keeps its token")
		}
	}
	res := f.unlockAnswer(t, page)
	// Issue 18: the cover note says what the package holds; a refusal
	// has no machine-readable export.
	if after := res.get(page); scByID(after.doc, "answer-contents") == nil || scByID(after.doc, "export-link") != nil {
		t.Error("the refusal's link page has no cover note, or offers the data export")
	}
	file := res.get(page + "/file")
	if file.status != http.StatusOK || !bytes.Equal([]byte(file.body), []byte(d.body)) {
		t.Errorf("the resident's file (%d, %d bytes) is not the refusal letter the DPO downloaded (%d bytes)", file.status, len(file.body), len(d.body))
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	sent := false
	for _, ev := range trail {
		sent = sent || (ev.Action == "letter_link_sent" && ev.Data["letter_kind"] == "refusal")
	}
	if !sent {
		t.Error("no letter_link_sent event")
	}
}
