package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-pdf/fpdf"
)

// Journey (FI-2, Openness Act 621/1999 §14): the DPO decides a request
// for documents alone on the case page, giving the documents in part and
// attaching them to the decision; the resident opens the secure link from
// the decision mail, enters the emailed code and downloads a document,
// byte for byte as given; the DPO closes the request.
func TestDPODeliversDocuments(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const email = "sara.svensson@example.fi"
	dir := t.TempDir()
	minutes := filepath.Join(dir, "poytakirja-2026-03.pdf")
	annex := filepath.Join(dir, "liite-hankinta.txt")
	const annexText = "Pykälä 12: hankinta\n"
	for p, b := range map[string]string{minutes: "%PDF-1.4\n% pöytäkirja\n%%EOF\n", annex: annexText} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The resident asks for documents alone on the form; the receipt
	// names how the documents come (a secure link), not "the answer".
	b := newTab(t, s, "fi", false)
	b.open("/fi/o/esimerkki/request")
	b.check("#document_request")
	b.typeIn("#name", "Sara Svensson")
	b.typeIn("#email", email)
	b.click("#send")
	b.typeIn("#code", s.code(email, "code"))
	b.click("#confirm")
	b.step("resident: receipt", "@intake.done.title", "@intake.done.delivery_documents", "@delivery.electronic")
	sub := struct{ Receipt string }{b.receipt()}

	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.open("/staff/cases/" + sub.Receipt)
	b.step("dpo: request for documents", sub.Receipt, "@staffcase.act.doc_decide", "@staffcase.act.doc_decide.files")
	b.check("#doc-decision-partly_disclosed")
	b.typeIn("#doc_decide-note", "Pöytäkirjan liite 3 on salassa pidettävä (24 § 1 mom. 25 k).")
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#doc_decide-files"), []string{minutes, annex}))
	b.click(`#form-doc_decide button[type="submit"]`)
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#doc-files"))) // the screenshot shows what the step checks
	b.step("dpo: decided with the documents", "@staffcase.flash.doc_decide", "@staffcase.doc.documents",
		"poytakirja-2026-03.pdf", "liite-hankinta.txt", "@staffcase.tls.documents_linked.yes")

	m := s.mailTo(email, "doc_delivered")
	path := regexp.MustCompile(regexp.QuoteMeta(s.base) + `(/fi/o/esimerkki/answer/[A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if path == nil {
		t.Fatalf("no link in the decision mail:\n%s", m.Text)
	}
	// The same tab (one journey drives the browser at a time): the answer
	// page asks for the code whatever staff session the browser holds.
	r := b
	r.open(path[1])
	r.step("resident: link page", "@answer.page.title.doc_decision", sub.Receipt, "@answer.contents.title")
	r.click("#again")
	r.step("resident: code sent", "@answer.page.code_label")
	r.typeIn("#code", s.code(email, "answer_code"))
	r.click("#confirm")
	r.step("resident: decision and documents", "@answer.page.ready.doc_decision", "@answer.page.download.doc_decision", "@answer.documents.title", "poytakirja-2026-03.pdf", "liite-hankinta.txt")

	// The browser downloads a document with its own cookie: the bytes given.
	href := r.attr(`#documents li:last-child a`, "href")
	b64 := evalAs[string](r, `fetch(`+jsq(href)+`, {credentials: 'same-origin'}).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(buf => {
		let s = ''; const a = new Uint8Array(buf); for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]); return btoa(s); })`)
	got, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || string(got) != annexText {
		t.Fatalf("the downloaded document is %q (%v), want the annex as given", got, err)
	}

	b.open("/staff/cases/" + sub.Receipt)
	b.click(`#form-close button[type="submit"]`)
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#timeline")))
	b.step("dpo: closed", "@state.closed", "@timeline.documents_delivered")
}

// Journey (FI-2): a resident asks for documents on paper; the DPO first
// chooses documents over the 12 MB total (the form comes back with the
// decision and reasons typed, and says what the limit is), then decides
// with documents that fit; the print queue lists them beside the decision
// letter, to put in the envelope, each with its size and pages and a
// download.
func TestPrintQueueEnclosesDocuments(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const email = "sara.post@example.fi"
	dir := t.TempDir()
	minutes := filepath.Join(dir, "poytakirja-2026-03.pdf")
	annex := filepath.Join(dir, "liite-hankinta.txt")
	big1, big2 := filepath.Join(dir, "skannaus-1.pdf"), filepath.Join(dir, "skannaus-2.pdf")
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetFont("Helvetica", "", 12)
	for _, line := range []string{"Poytakirja 12/2026", "Liite 1"} {
		doc.AddPage()
		doc.Cell(40, 10, line)
	}
	var pdf bytes.Buffer
	if err := doc.Output(&pdf); err != nil {
		t.Fatal(err)
	}
	for p, b := range map[string]string{minutes: pdf.String(), annex: "Pykälä 12: hankinta\n",
		big1: strings.Repeat("a", 7_000_000), big2: strings.Repeat("b", 7_000_000)} {
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	b := newTab(t, s, "fi", false)
	b.open("/fi/o/esimerkki/request")
	b.check("#document_request")
	b.typeIn("#name", "Sara Svensson")
	b.typeIn("#email", email)
	b.check("#delivery-paper")
	b.typeIn("#address", "Kirkkokatu 1\n00170 Helsinki")
	b.click("#send")
	b.typeIn("#code", s.code(email, "code"))
	b.click("#confirm")
	receipt := b.receipt()

	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.open("/staff/cases/" + receipt)
	const reasons = "Pöytäkirjan liite 3 on salassa pidettävä (24 § 1 mom. 25 k)."
	b.check("#doc-decision-partly_disclosed")
	b.typeIn("#doc_decide-note", reasons)
	b.run(chromedp.SetUploadFiles(chromedp.CSS("#doc_decide-files"), []string{big1, big2}))
	b.click(`#form-doc_decide button[type="submit"]`)
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#doc_decide-files-error")))
	b.step("dpo: documents over the total", b.tr("staffcase.doc.err.files_total", "14,0 MB", "12 MB"))
	if got := evalAs[string](b, `document.querySelector('#doc_decide-note').value`); got != reasons {
		t.Errorf("the reasons typed came back as %q", got)
	}
	if !evalAs[bool](b, `document.querySelector('#doc-decision-partly_disclosed').checked`) {
		t.Error("the decision chosen was not kept")
	}

	b.run(chromedp.SetUploadFiles(chromedp.CSS("#doc_decide-files"), []string{minutes, annex}))
	b.click(`#form-doc_decide button[type="submit"]`)
	b.step("dpo: decided with the documents", "@staffcase.flash.doc_decide", "poytakirja-2026-03.pdf")

	b.open("/staff/print")
	b.run(chromedp.ScrollIntoView(chromedp.CSS(`tr[id^="letter-"] ul`)))
	b.step("dpo: print queue with the documents to enclose", "@print.title", "@print.kind.doc_decision",
		s.env.Catalog.N("fi", "print.doc.h", 2, 2), "poytakirja-2026-03.pdf", s.env.Catalog.N("fi", "print.doc.pages", 2, 2), "liite-hankinta.txt")
}
