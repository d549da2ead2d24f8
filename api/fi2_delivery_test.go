package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// FI-2 (Openness Act 621/1999 §14): the documents given out with the
// decision on a request for documents reach the requester through the
// product, the way the GDPR answer does (issue 18): the DPO attaches
// them to the decision; a requester who chose electronic delivery gets
// the decision letter and the documents behind one secure, expiring link
// and its emailed code; by post they are enclosed with the queued
// decision letter, which lists them.

// fdDocs are the documents the DPO gives out: a binary file (bytes a text
// round trip would spoil) and a text file with a name beyond ASCII.
var fdDocs = map[string]string{
	"poytakirja-2026-03.pdf":       "%PDF-1.4\n\x00\x01\x02\xff\xfe binary minutes\n%%EOF\n",
	"Päätösluettelo maaliskuu.txt": "Pykälä 12: hankinta\nPykälä 13: nimitys\n",
}

// scLinksIn lists the hrefs of the links inside n (none when n is nil).
func scLinksIn(n *html.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, a := range scElems(n, "a", nil) {
		out = append(out, scAttr(a, "href"))
	}
	return out
}

// fdDocsDecide posts the decision with the documents as the case page's
// form does (multipart, the files under "files").
func fdDocsDecide(cl *scClient, path, decision, note string, docs map[string]string) htmlPage {
	return cl.postMultipart(path+"/actions/doc_decide", url.Values{"decision": {decision}, "note": {note}}, docs)
}

// FI-2 end to end: a request for documents alone from the web form, the
// decision to give the documents in part with the documents attached, the
// link mail, the requester downloading each document's exact bytes behind
// the link's code, the timeline (ids only), the case closed, and the link
// refused once expired.
func TestFI2DocumentsDeliveredBySecureLink(t *testing.T) {
	t.Parallel()
	f, logs := newDeliveryFx(t)
	ctx := f.env.Ctx
	email := scRequest.Email // the address enterAnswerCode reads the code from
	receipt, done := fdWeb(t, f, "fi", fdDocumentsForm("fi", email))

	// The receipt of a request for documents alone names how the
	// documents come, not "the answer" (FI-2): electronically, by link.
	if got := scText(scByID(done.doc, "delivery")); got != "Sähköisesti (suojattu linkki)" {
		t.Errorf("receipt page's delivery: %q", got)
	}
	fdHas(t, "receipt page", scText(done.doc), "Asiakirjojen toimitus")
	fdLacks(t, "receipt page", scText(scByID(done.doc, "receipt-facts")), "Vastaus")

	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + receipt
	cp := cl.get(path)
	if form := scByID(cp.doc, "form-doc_decide"); form == nil || scAttr(form, "enctype") != "multipart/form-data" ||
		scByID(cp.doc, "doc_decide-files") == nil {
		t.Fatal("the decision form takes no documents")
	}

	// A refusal gives no documents: refused, nothing decided.
	if p := fdDocsDecide(cl, path, "refused", "Salassa pidettävä (24 §)", fdDocs); p.status != http.StatusUnprocessableEntity ||
		scByID(p.doc, "doc_decide-files-error") == nil {
		t.Fatalf("refusal with documents = %d %v", p.status, p.summary())
	}
	if c := f.caseByReceipt(f.org, receipt); c.DocDecidedAt != nil {
		t.Fatal("a refused submission decided the request")
	}

	// Given in part, with the documents.
	const reason = "Osa pöytäkirjasta on salassa pidettävä (24 § 1 mom. 25 k)"
	if p := fdDocsDecide(cl, path, "partly_disclosed", reason, fdDocs); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d: %v", p.status, p.summary())
	}
	c := f.caseByReceipt(f.org, receipt)
	if c.State != string(workflow.StateAnswered) || c.DocDecision != "partly_disclosed" {
		t.Fatalf("decided: state %s decision %s", c.State, c.DocDecision)
	}
	// Stored sealed with the case key, like the owners' files.
	var sealed []byte
	if err := f.env.Pool.QueryRow(ctx, `SELECT string_agg(filename || data, ''::bytea) FROM document_files WHERE case_id = $1`, c.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	for name, body := range fdDocs {
		if strings.Contains(string(sealed), name) || strings.Contains(string(sealed), body) {
			t.Errorf("document %q is stored in clear", name)
		}
	}

	// One mail: the decision, its reasons and appeal instructions (a
	// partial grant keeps them), and the link.
	m := f.caughtMail(t, "doc_delivered", email)
	fdHas(t, "decision mail", m.Text, reason, "Valitusosoitus", "asiakirjat (2)", "/fi/o/espoo/answer/")
	if rt := m.Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) {
		t.Errorf("decision mail Reply-To %q", rt)
	}
	for _, x := range rqMails(t, f.env, "doc_decided") {
		if slices.Contains(x.To, email) {
			t.Error("the decision went out twice: doc_decided beside doc_delivered")
		}
	}
	lm := answerLinkRe.FindStringSubmatch(m.Text)
	if lm == nil {
		t.Fatalf("no link in the decision mail:\n%s", m.Text)
	}
	page, token := lm[1], lm[2]

	// The case page lists the documents, says they went by link, and
	// offers to close the request.
	cp = cl.get(path)
	files := scText(scByID(cp.doc, "doc-files"))
	fdHas(t, "case page documents", files, "poytakirja-2026-03.pdf", "Päätösluettelo maaliskuu.txt", "secure link")
	if scByID(cp.doc, "doc-deliver") != nil {
		t.Error("the case page still tells the DPO to deliver the documents outside the product")
	}
	if !slices.Contains(fdOffered(cp, path), "close") {
		t.Errorf("after the decision the case page offers %v; want close", fdOffered(cp, path))
	}
	fdHas(t, "timeline", scText(scByID(cp.doc, "timeline")), "2 documents were given with the decision.",
		"The decision and the documents were sent to the requester as a secure link.",
		"Documents delivered: the mail server accepted the link")

	// The requester's page: the package names the documents; behind the
	// code, each one downloads as the exact bytes given.
	anon := &scClient{t: t, base: f.base, c: testenv.Client()}
	p := anon.get(page)
	fdHas(t, "link page", scText(scByID(p.doc, "answer-contents")), "2 sinulle annettavaa asiakirjaa")
	if scByID(p.doc, "documents") != nil || strings.Contains(p.body, "poytakirja") {
		t.Error("the link page names the documents before the code")
	}
	res := f.unlockAnswer(t, page)
	p = res.get(page)
	fdHas(t, "link page", scText(scByID(p.doc, "download")), "Tallenna päätös ja asiakirjat itsellesi")
	links := scLinksIn(scByID(p.doc, "documents"))
	if len(links) != 2 {
		t.Fatalf("documents on the link page: %v", links)
	}
	got := map[string]string{}
	for _, href := range links {
		if strings.Contains(href, "poytakirja") || strings.Contains(href, ".txt") {
			t.Errorf("a document's name is in its URL: %s", href)
		}
		d := res.get(href)
		if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Disposition"), "attachment") ||
			d.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("document %s = %d %v", href, d.status, d.header)
		}
		got[d.header.Get("Content-Disposition")] = d.body
		// Without the code (a forwarded link alone): nothing.
		if a := anon.get(href); a.status != http.StatusSeeOther || a.body == d.body {
			t.Errorf("document without the code = %d", a.status)
		}
	}
	for name, body := range fdDocs {
		found := false
		for disp, b := range got {
			if strings.Contains(disp, url.PathEscape(name)) || strings.Contains(disp, name) {
				found = b == body
			}
		}
		if !found {
			t.Errorf("document %q was not downloaded as given", name)
		}
	}
	// The decision letter behind the same link lists the documents and
	// keeps the partial grant's reasons and appeal instructions.
	letter := res.get(page + "/file")
	if letter.status != http.StatusOK {
		t.Fatalf("decision letter = %d", letter.status)
	}
	words := pdfWords(t, []byte(letter.body))
	// Its accessible HTML twin (Act 306/2019) says the same.
	if h := res.get(page + "/letter"); h.status != http.StatusOK || !strings.Contains(h.body, "Päätösluettelo maaliskuu.txt") {
		t.Errorf("the decision's HTML page = %d", h.status)
	}
	fdHas(t, "decision letter", words, "Sinulle annettavat asiakirjat (2)", "poytakirja-2026-03.pdf",
		"Päätösluettelo maaliskuu.txt", "saman suojatun linkin takana", reason, "Valitusosoitus")

	// Another case's document through this link: not found.
	other := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.DocumentRequest = nil, true
	})
	if p := fdDocsDecide(cl, "/staff/cases/"+other.Receipt, "disclosed", "", map[string]string{"muu.txt": "toisen asiakirja"}); p.status != http.StatusSeeOther {
		t.Fatalf("other decision = %d", p.status)
	}
	var otherDoc int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT id FROM document_files WHERE case_id = $1`, other.CaseID).Scan(&otherDoc); err != nil {
		t.Fatal(err)
	}
	if d := res.get(page + "/documents/" + strconv.FormatInt(otherDoc, 10)); d.status != http.StatusNotFound || strings.Contains(d.body, "toisen") {
		t.Errorf("another case's document through this link = %d", d.status)
	}

	// Audited by ids: no name, token or address in any event.
	seen := auditActions(t, f, c.ID, func(_, data string) bool {
		return slices.ContainsFunc([]string{token, email, "poytakirja", "Päätösluettelo"}, func(x string) bool { return strings.Contains(data, x) })
	})
	if seen["doc_decide"] != 1 || seen["documents_delivered"] != 1 || seen["document_downloaded"] != 2 {
		t.Errorf("audit: %v", seen)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "poytakirja") {
		t.Error("a log line carries the link's token or a document's name")
	}

	// Finished: the DPO closes the request.
	if p := cl.post(path+"/actions/close", nil); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d", p.status)
	}
	if c := f.caseByReceipt(f.org, receipt); c.State != string(workflow.StateClosed) {
		t.Fatalf("after close: %s", c.State)
	}

	// Expired (a link works through its last day): the documents are
	// refused with the page that says how to get a new link.
	f.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour)
	for _, href := range links {
		if d := res.get(href); d.status != http.StatusGone || d.body == fdDocs["poytakirja-2026-03.pdf"] {
			t.Errorf("expired document %s = %d", href, d.status)
		}
	}
}

// FI-2: a requester whose letters go by post gets no link: the decision
// letter in the print queue lists the documents as enclosed, and the
// case page says to print them with it.
func TestFI2DocumentsEnclosedByPost(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.DocumentRequest, r.Email, r.Delivery, r.Address, r.Lang = nil, true, "", "paper", "Storgatan 1, 68600 Jakobstad", "sv"
	})
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + sub.Receipt
	if p := fdDocsDecide(cl, path, "disclosed", "", map[string]string{"protokoll.pdf": "%PDF-1.4 protokoll"}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d: %v", p.status, p.summary())
	}
	ls := lgQueuedOf(t, f, sub.CaseID, "doc_decision")
	if len(ls) != 1 {
		t.Fatalf("decision letters queued: %d", len(ls))
	}
	fdHas(t, "queued decision", lgLetterText(t, cl, ls[0]), "Handlingar som du får (1)", "De bifogas detta brev", "protokoll.pdf")
	var links int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).Scan(&links); err != nil || links != 0 {
		t.Errorf("links made for a requester by post: %d (%v)", links, err)
	}
	cp := cl.get(path)
	fdHas(t, "case page documents", scText(scByID(cp.doc, "doc-files")), "protokoll.pdf", "print them and post them with it")
	href := scLinksIn(scByID(cp.doc, "doc-files"))
	if len(href) != 1 {
		t.Fatalf("document links on the case page: %v", href)
	}
	if d := cl.get(href[0]); d.status != http.StatusOK || d.body != "%PDF-1.4 protokoll" {
		t.Errorf("the DPO's download of the document = %d", d.status)
	}
	// Another organisation's DPO: not found.
	if d := f.login(t, f.dpo2).get(href[0]); d.status != http.StatusNotFound {
		t.Errorf("another organisation's download = %d", d.status)
	}
}
