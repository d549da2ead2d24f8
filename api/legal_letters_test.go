package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 20: the forward form (RD-2, D-7), the pause question by letter
// (DL-8) and the document request's letters (FI-2), through HTTP.

// lgQueued lists the kinds of a case's letters in the print queue.
func lgQueued(t *testing.T, f *scFx, caseID int64) []store.QueuedLetter {
	t.Helper()
	ls, err := store.New(f.env.Pool).QueuedLettersOfCase(f.env.Ctx, f.org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

func lgQueuedOf(t *testing.T, f *scFx, caseID int64, kind string) []store.QueuedLetter {
	t.Helper()
	var out []store.QueuedLetter
	for _, l := range lgQueued(t, f, caseID) {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

// lgLetterText is the words of a queued letter, read through the print
// queue as the DPO prints it.
func lgLetterText(t *testing.T, cl *scClient, l store.QueuedLetter) string {
	t.Helper()
	d := cl.get("/staff/print/" + strconv.FormatInt(l.ID, 10) + "/letter.pdf")
	if d.status != http.StatusOK {
		t.Fatalf("queued %s letter = %d", l.Kind, d.status)
	}
	return pdfWords(t, []byte(d.body))
}

// RD-2, D-7: the case page offers the forward form for the registers of
// the request whose controller is elsewhere (and only those); a refused
// submission shows its errors beside the form; the address defaults to
// the one in the controller's contact details; the timeline names how
// the consent was given; a requester whose letters go by post is told
// where to turn by a letter in the print queue.
func TestRD2ForwardForm(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	contact := "Kirjaamo, PL 1000, 02070 Länsi-Uudenmaan hyvinvointialue, kirjaamo@luvn.test."
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Länsi-Uudenmaan hyvinvointialue', elsewhere_contact = $2 WHERE id = $1`, f.regOwned, contact); err != nil {
		t.Fatal(err)
	}
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Email, r.Delivery, r.Address = "", "paper", "Åkerbärsvägen 7 B 12, 10600 Ekenäs"
	})
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + c.Receipt
	reg, queue := strconv.FormatInt(f.regOwned, 10), strconv.FormatInt(f.regQueue, 10)

	p := cl.get(path)
	form := scByID(p.doc, "form-forward")
	if form == nil || scAttr(form, "action") != path+"/forward" {
		t.Fatalf("no forward form on the case page")
	}
	if scByID(p.doc, "forward-reg-"+reg) == nil || scByID(p.doc, "forward-reg-"+queue) != nil {
		t.Errorf("forward form registers: want only the register whose controller is elsewhere")
	}
	if txt := scText(form); !strings.Contains(txt, "Länsi-Uudenmaan hyvinvointialue") || !strings.Contains(txt, "By phone") {
		t.Errorf("forward form text %q", txt)
	}
	if v := f.login(t, f.viewer).get(path); scByID(v.doc, "form-forward") != nil {
		t.Error("a viewer is offered the forward form")
	}

	// No consent: 422, the error beside its field and in the summary.
	p = cl.post(path+"/forward", url.Values{"register": {reg}, "consent_method": {"by_phone"}})
	if p.status != http.StatusUnprocessableEntity || scByID(p.doc, "forward-consent-error") == nil {
		t.Fatalf("without consent = %d, error shown %v", p.status, scByID(p.doc, "forward-consent-error") != nil)
	}
	if sum := strings.Join(p.summary(), "\n"); !strings.Contains(sum, "#forward-consent:") {
		t.Errorf("error summary %q does not link to the consent field", sum)
	}
	if n := len(rqMails(t, f.env, "forwarded")); n != 0 {
		t.Fatalf("forwarded without consent: %d", n)
	}
	// A register of the organisation's own is not forwarded.
	if p := cl.post(path+"/forward", url.Values{"register": {queue}, "consent": {"yes"}, "consent_method": {"by_phone"}}); p.status != http.StatusConflict {
		t.Errorf("own register = %d, want 409", p.status)
	}
	if p := cl.post(path+"/forward", url.Values{"register": {reg}, "consent": {"yes"}, "consent_method": {"by_phone"}}); p.status != http.StatusSeeOther {
		t.Fatalf("forward = %d", p.status)
	}
	fw := rqMails(t, f.env, "forwarded")
	if len(fw) != 1 || !slices.Contains(fw[0].To, "kirjaamo@luvn.test") {
		t.Fatalf("forwarded mail: %d, to %v; want the address from the contact details", len(fw), fw)
	}
	// The requester has no email address: they are told by letter.
	ls := lgQueuedOf(t, f, c.CaseID, "forward")
	if len(ls) != 1 {
		t.Fatalf("forward letters queued: %d", len(ls))
	}
	if txt := lgLetterText(t, cl, ls[0]); !strings.Contains(txt, "Länsi-Uudenmaan hyvinvointialue") ||
		!strings.Contains(txt, "kirjaamo@luvn.test") || !strings.Contains(txt, "Mihin voit kääntyä") {
		t.Errorf("forward letter: %.1200s", txt)
	}
	tl := scText(scByID(cl.get(path).doc, "timeline"))
	if !strings.Contains(tl, "By phone") || !strings.Contains(tl, "put in the print queue") {
		t.Errorf("timeline %q: want the consent's method and the letter", tl)
	}
}

// RD-2: a request about chosen registers cannot be forwarded for a
// register it does not concern, and its page offers no form.
func TestRD2ForwardOnlyTheRequestsRegisters(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Hyvinvointialue', elsewhere_contact = 'kirjaamo@hva.test' WHERE id = $1`, f.regOwned); err != nil {
		t.Fatal(err)
	}
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.AllRegisters, r.RegisterIDs = false, []int64{f.regQueue}
	})
	cl := f.login(t, f.dpo)
	if scByID(cl.get("/staff/cases/"+c.Receipt).doc, "form-forward") != nil {
		t.Error("forward form offered for a register the request does not concern")
	}
	p := cl.post("/staff/cases/"+c.Receipt+"/forward", url.Values{"register": {strconv.FormatInt(f.regOwned, 10)},
		"consent": {"yes"}, "consent_method": {"in_writing"}})
	if p.status != http.StatusConflict {
		t.Errorf("forward of another register = %d, want 409", p.status)
	}
}

// DL-8, IN-1: a requester who chose paper gets what the pause asks as a
// letter in the print queue (and by mail too when they gave an address);
// the case page offers the letter for download.
func TestDL8PauseLetterForPaperRequester(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.paper(f.org, f.env.Clock.Now(), "", func(r *workflow.Request) {
		r.Delivery, r.Address, r.Lang = "paper", "Åkerbärsvägen 7 B 12, 10600 Ekenäs", "sv"
	})
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + c.Receipt
	by := workflow.HelsinkiDate(f.env.Clock.Now()).AddDays(14)
	p := cl.post(path+"/actions/pause", url.Values{"reason": {"identity"}, "needed": {"En kopia av vårdnadsbeslutet."},
		"by": {by.String()}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("pause = %d", p.status)
	}
	ls := lgQueuedOf(t, f, c.CaseID, "pause")
	if len(ls) != 1 || ls[0].Lang != "sv" || ls[0].Method != "paper" {
		t.Fatalf("pause letters queued: %+v", ls)
	}
	txt := lgLetterText(t, cl, ls[0])
	for _, want := range []string{"Vi behöver mer information av dig", "En kopia av vårdnadsbeslutet.", workflow.FormatDate(by, "sv"),
		"Maija Meikäläinen Åkerbärsvägen 7 B 12 10600 EKENÄS", "/sv/o/" + f.org.Slug + "/status", c.Receipt} {
		if !strings.Contains(txt, want) {
			t.Errorf("pause letter lacks %q: %.1500s", want, txt)
		}
	}
	if len(rqMails(t, f.env, "pause_asked")) != 1 {
		t.Error("the requester with an address was not mailed the question too")
	}
	page := cl.get(path)
	if scByID(page.doc, "letter-pause") == nil {
		t.Fatal("the case page does not offer the pause letter")
	}
	if d := cl.get(path + "/letters/pause.pdf"); d.status != http.StatusOK || !strings.Contains(pdfWords(t, []byte(d.body)), "En kopia av vårdnadsbeslutet.") {
		t.Errorf("pause letter download = %d", d.status)
	}
	// Resumed, there is no question to print.
	if p := cl.post(path+"/actions/resume", nil); p.status != http.StatusSeeOther {
		t.Fatalf("resume = %d", p.status)
	}
	if scByID(cl.get(path).doc, "letter-pause") != nil {
		t.Error("a resumed case still offers the pause letter")
	}
	if d := cl.get(path + "/letters/pause.pdf"); d.status != http.StatusConflict {
		t.Errorf("pause letter of a resumed case = %d, want 409", d.status)
	}
}

// DL-8: an electronic requester gets the question by mail only: no
// letter waits in the print queue.
func TestDL8PauseElectronicNoLetter(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	cl := f.login(t, f.dpo)
	by := workflow.HelsinkiDate(f.env.Clock.Now()).AddDays(7).String()
	if p := cl.post("/staff/cases/"+c.Receipt+"/actions/pause", url.Values{"reason": {"x"}, "needed": {"Valtakirja"}, "by": {by}}); p.status != http.StatusSeeOther {
		t.Fatalf("pause = %d", p.status)
	}
	if ls := lgQueuedOf(t, f, c.CaseID, "pause"); len(ls) != 0 {
		t.Errorf("electronic requester got a pause letter: %+v", ls)
	}
}

// FI-2 (621/1999 §14): extending a document request to its one month and
// deciding it tell the requester: by mail in their language with the
// dates as people write them, and, for a paper requester, by letters in
// the print queue; anything not given comes with appeal instructions.
func TestFI2DocumentRequestLetters(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	now := f.env.Clock.Now() // Tue 3 March 2026
	mailed := f.paper(f.org, now, "in_person", func(r *workflow.Request) { r.DocumentRequest = true })
	posted := f.paper(f.org, now, "in_person", func(r *workflow.Request) {
		r.DocumentRequest, r.Email, r.Delivery, r.Address, r.Lang = true, "", "paper", "Åkerbärsvägen 7 B 12, 10600 Ekenäs", "sv"
	})
	f.env.Clock.Advance(2 * 24 * time.Hour)
	cl := f.login(t, f.dpo)
	for _, c := range []workflow.Submission{mailed, posted} {
		base := "/staff/cases/" + c.Receipt + "/actions/"
		if p := cl.post(base+"doc_extend", url.Values{"reason": {"Satoja asiakirjoja"}}); p.status != http.StatusSeeOther {
			t.Fatalf("doc_extend = %d", p.status)
		}
		// Documents not given need their reasons.
		if p := cl.post(base+"doc_decide", url.Values{"decision": {"refused"}}); p.status != http.StatusUnprocessableEntity ||
			scByID(p.doc, "doc_decide-note-error") == nil {
			t.Errorf("refusal without reasons = %d", p.status)
		}
		if p := cl.post(base+"doc_decide", url.Values{"decision": {"refused"}, "note": {"Salassa pidettävä (24 §)"}}); p.status != http.StatusSeeOther {
			t.Fatalf("doc_decide = %d", p.status)
		}
	}
	// Mail, in Finnish: received 3.3.2026, one month -> 3.4.2026 is Good
	// Friday -> Tue 7.4.2026 (Act 150/1930).
	ext := rqMails(t, f.env, "doc_extended")
	if len(ext) != 1 || !strings.Contains(ext[0].Text, "7.4.2026") || !strings.Contains(ext[0].Text, "Satoja asiakirjoja") ||
		!strings.Contains(ext[0].Text, "621/1999") {
		t.Errorf("extension mail: %v", ext)
	}
	dec := rqMails(t, f.env, "doc_decided")
	if len(dec) != 1 || !strings.Contains(dec[0].Text, "Pyytämiäsi asiakirjoja ei anneta sinulle") ||
		!strings.Contains(dec[0].Text, "Salassa pidettävä (24 §)") || !strings.Contains(dec[0].Text, "Valitusosoitus") {
		t.Errorf("decision mail: %v", dec)
	}
	for _, m := range append(ext, dec...) { // a reply reaches the DPO (issue 17)
		if rt := m.Headers.Get("Reply-To"); f.org.PrivacyEmail == "" || !strings.Contains(rt, f.org.PrivacyEmail) {
			t.Errorf("%s mail has Reply-To %q", m.Headers.Get("X-Rightsdesk-Kind"), rt)
		}
	}
	if n := len(lgQueued(t, f, mailed.CaseID)); n != 0 {
		t.Errorf("electronic requester has %d letters in the print queue", n)
	}
	// Letters, in Swedish, for the paper requester.
	e := lgQueuedOf(t, f, posted.CaseID, "doc_extension")
	d := lgQueuedOf(t, f, posted.CaseID, "doc_decision")
	if len(e) != 1 || len(d) != 1 {
		t.Fatalf("paper letters: extension %d, decision %d", len(e), len(d))
	}
	if txt := lgLetterText(t, cl, e[0]); !strings.Contains(txt, "avgörs inom en månad") || !strings.Contains(txt, "7.4.2026") ||
		!strings.Contains(txt, "17.3.2026") || !strings.Contains(txt, "Satoja asiakirjoja") {
		t.Errorf("extension letter: %.1500s", txt)
	}
	if txt := lgLetterText(t, cl, d[0]); !strings.Contains(txt, "Beslut om din begäran om handlingar") ||
		!strings.Contains(txt, "Du får inte de handlingar du bad om") || !strings.Contains(txt, "Besvärsanvisning") ||
		!strings.Contains(txt, "Salassa pidettävä (24 §)") {
		t.Errorf("decision letter: %.1500s", txt)
	}
	// The case page offers both for download; the download is the same letter.
	page := cl.get("/staff/cases/" + posted.Receipt)
	for _, id := range []string{"letter-doc_extension", "letter-doc_decision"} {
		if scByID(page.doc, id) == nil {
			t.Errorf("case page lacks %s", id)
		}
	}
	if r := cl.get("/staff/cases/" + posted.Receipt + "/letters/doc_decision.pdf"); r.status != http.StatusOK ||
		!strings.Contains(pdfWords(t, []byte(r.body)), "Salassa pidettävä (24 §)") {
		t.Errorf("decision letter download = %d", r.status)
	}
	// A GDPR-only case has no such letter.
	other := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	if r := cl.get("/staff/cases/" + other.Receipt + "/letters/doc_decision.pdf"); r.status != http.StatusConflict {
		t.Errorf("decision letter of a GDPR-only case = %d, want 409", r.status)
	}
}

// IN-1, IN-3 (issue 20): the receipt mail says how the answer comes, as
// the requester chose it: a secure link only for electronic delivery.
func TestIN3ReceiptSaysChosenDelivery(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	link := "Saat vastauksen sähköisesti suojatun linkin kautta."
	want := map[string]string{
		"electronic": link,
		"paper":      "Saat vastauksen paperilla postitse antamaasi osoitteeseen.",
		"on_site":    "Voit tutustua vastaukseen paikan päällä",
	}
	receipts := map[string]string{}
	for delivery := range want {
		sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
			r.Delivery, r.Address = delivery, "Åkerbärsvägen 7 B 12, 10600 Ekenäs"
		})
		receipts[sub.Receipt] = delivery
	}
	seen := 0
	for _, m := range rqMails(t, f.env, "receipt") {
		for receipt, delivery := range receipts {
			if !strings.Contains(m.Subject+m.Text, receipt) {
				continue
			}
			seen++
			if !strings.Contains(m.Text, want[delivery]) {
				t.Errorf("%s receipt lacks %q:\n%s", delivery, want[delivery], m.Text)
			}
			if delivery != "electronic" && strings.Contains(m.Text, link) {
				t.Errorf("%s receipt promises a secure link:\n%s", delivery, m.Text)
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("%d receipt mails for %d requests", seen, len(want))
	}
}

// The receipt mail names what was asked, in the requester's language, so
// a person with several requests (or one who made none and gets a receipt
// anyway) can tell which this is; a document request alone names no right
// (found in an answer walkthrough). Registers stay out of the mail: their
// names can say more about a person than a mail should.
func TestReceiptMailNamesTheRights(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	gdpr := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Lang, r.Rights = "sv", []string{"access", "erasure"}
	})
	doc := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Lang, r.Rights, r.DocumentRequest = "fi", nil, true
	})
	cat := f.env.Catalog
	want := cat.T("sv", "mail.receipt.rights") + ": " + cat.T("sv", "right.access") + ", " + cat.T("sv", "right.erasure")
	seen := 0
	for _, m := range rqMails(t, f.env, "receipt") {
		switch {
		case strings.Contains(m.Subject+m.Text, gdpr.Receipt):
			seen++
			if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, cat.T("sv", "right.erasure")) {
				t.Errorf("the receipt lacks %q:\n%s", want, m.Text)
			}
		case strings.Contains(m.Subject+m.Text, doc.Receipt):
			seen++
			if strings.Contains(m.Text, cat.T("fi", "mail.receipt.rights")) {
				t.Errorf("a document request's receipt names rights:\n%s", m.Text)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("%d receipt mails for 2 requests", seen)
	}
}
