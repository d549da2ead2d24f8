package api_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/workflow"
)

// Issue 18, legal.md §1 Art 19: a rectification, erasure or restriction is
// answered with the recipients told of it (or that there were none), on
// the DPO's form as on the owner's; the list is sealed like the other
// answer fields, shown to the DPO on the case page, and printed in the
// confirmation letter per register, in the request's language.
func TestConfirmationLetterArt19(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	if _, err := f.env.Pool.Exec(ctx, `UPDATE registers SET recipients = 'Kela, Verohallinto' WHERE id = $1`, f.regQueue); err != nil {
		t.Fatal(err)
	}
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Rights = []string{"rectification"}
		r.Details = "Osoitteeni on väärin."
	})
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	casePath := "/staff/cases/" + sub.Receipt
	letterPath := casePath + "/letters/confirmation.pdf"
	cl := f.login(t, f.dpo)

	// The owner's answer states there was nobody to tell.
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "rectified", Changes: "Osoite korjattu", RecipientsNone: true}); err != nil {
		t.Fatal(err)
	}
	if d := cl.get(letterPath); d.status != http.StatusConflict {
		t.Errorf("confirmation with a task unanswered = %d, want 409", d.status)
	}

	p := cl.get(casePath)
	prefix := "task-" + strconv.FormatInt(queue.ID, 10) + "-answer-"
	if scByID(p.doc, prefix+"recipients_told") == nil || scByID(p.doc, prefix+"recipients_none") == nil {
		t.Fatal("the DPO's answer form has no Art 19 fields")
	}
	path := casePath + "/tasks/" + strconv.FormatInt(queue.ID, 10) + "/answer"
	// Art 19: neither a list nor "none" is refused beside the field.
	p = cl.postMultipart(path, url.Values{"answer": {"rectified"}, "changes": {"Sukunimi korjattu"}}, nil)
	if p.status != http.StatusUnprocessableEntity || scByID(p.doc, prefix+"recipients_told-error") == nil {
		t.Fatalf("rectified without Art 19 recipients = %d, error shown %v", p.status, scByID(p.doc, prefix+"recipients_told-error") != nil)
	}
	// Both a list and "none" contradict each other.
	p = cl.postMultipart(path, url.Values{"answer": {"rectified"}, "changes": {"Sukunimi korjattu"},
		"recipients_told": {"Kela"}, "recipients_none": {"1"}}, nil)
	if p.status != http.StatusUnprocessableEntity || scByID(p.doc, prefix+"recipients_told-error") == nil {
		t.Fatalf("a list and none = %d", p.status)
	}
	p = cl.postMultipart(path, url.Values{"answer": {"rectified"}, "changes": {"Sukunimi korjattu"},
		"recipients_told": {"Kela\r\n\r\n  Verohallinto, Helsinki \r\n"}}, nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("rectified with recipients = %d", p.status)
	}

	// Sealed at rest: the column holds no plaintext.
	var plain bool
	if err := f.env.Pool.QueryRow(ctx, `SELECT position(convert_to('Verohallinto', 'UTF8') in recipients_told) > 0 FROM tasks WHERE id = $1`,
		queue.ID).Scan(&plain); err != nil || plain {
		t.Errorf("recipients_told in plaintext = %v (%v)", plain, err)
	}

	// The DPO sees the list (and the other task's "none") on the case page.
	p = cl.get(casePath)
	var lists []string
	for _, n := range scElems(p.doc, "ul", func(n *html.Node) bool { return scAttr(n, "class") == "sc-art19" }) {
		lists = append(lists, scText(n))
	}
	if len(lists) != 1 || !strings.Contains(lists[0], "Kela") || !strings.Contains(lists[0], "Verohallinto, Helsinki") {
		t.Errorf("Art 19 list on the case page: %q", lists)
	}
	if dd := scElems(p.doc, "dd", func(n *html.Node) bool { return scAttr(n, "class") == "sc-art19" }); len(dd) != 1 ||
		!strings.Contains(scText(dd[0]), "No recipients to tell") {
		t.Errorf("the owner's 'none' is not shown to the DPO")
	}
	if scByID(p.doc, "letter-confirmation") == nil {
		t.Fatal("the case page does not offer the confirmation letter")
	}

	d := cl.get(letterPath)
	if d.status != http.StatusOK || !strings.HasPrefix(d.body, "%PDF-") {
		t.Fatalf("confirmation letter = %d", d.status)
	}
	text := pdfWords(t, []byte(d.body))
	for _, want := range []string{
		"Vastaus pyyntöösi: mitä teimme",
		"Tiedot on oikaistu pyyntösi mukaisesti.",
		"Sukunimi korjattu",
		"Olemme ilmoittaneet muutoksesta niille vastaanottajille, joille tietoja on luovutettu (tietosuoja-asetus, 19 artikla): • Kela • Verohallinto, Helsinki",
		"Tietoja ei ole luovutettu muille, joten muutoksesta ei tarvinnut ilmoittaa kenellekään",
		"Pyynnön numero " + sub.Receipt,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the confirmation lacks %q:\n%.3000s", want, text)
		}
	}
	if again := cl.get(letterPath); again.body != d.body {
		t.Error("two renders of the same confirmation differ")
	}
	// Its accessible HTML twin says the same (Act 306/2019).
	h := cl.get(casePath + "/letters/confirmation.html")
	if h.status != http.StatusOK || !strings.HasPrefix(h.header.Get("Content-Type"), "text/html") {
		t.Fatalf("confirmation HTML = %d %q", h.status, h.header.Get("Content-Type"))
	}
	if !bytes.Contains([]byte(h.body), []byte(`<html lang="fi">`)) || !strings.Contains(h.body, "<li>Verohallinto, Helsinki</li>") {
		t.Errorf("confirmation HTML lacks the recipients:\n%.2000s", h.body)
	}
}
