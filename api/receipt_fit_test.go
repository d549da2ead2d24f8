package api_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Walkthrough findings on the acknowledgement of receipt of a paper
// request entered at the counter: the letter queued itself and "Send to
// the requester" queued a second identical one (IN-1); a case entered
// after its due date was promised that past date (DL-1), told its identity
// would be confirmed next though it was shown at the counter (ID-2), and
// told of an extension that could no longer be decided (DL-5); the name
// typed into the address too was printed twice in the address window.

// fitText is the text of a PDF, white space folded.
func fitText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("this test needs pdftotext (poppler-utils): run scripts/deps.sh test")
	}
	file := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return fold(string(out))
}

func fold(s string) string { return strings.Join(strings.Fields(s), " ") }

// counterCase enters a paper request at the counter in lang, received
// daysAgo days before now, with identity shown in person or not.
func (f *scFx) counterCase(lang string, daysAgo int, method, email string) (workflow.Submission, store.Case) {
	f.t.Helper()
	sub := f.paper(f.org, f.env.Clock.Now().Add(-time.Duration(daysAgo)*24*time.Hour), method, func(r *workflow.Request) {
		r.Lang, r.Delivery, r.Email = lang, workflow.MethodPaper, email
		r.Name = "Åke Testsson"
		r.Address = "åke  testsson.\nStorgatan 1\n65100 Vasa" // the name typed again, another case and spacing
	})
	return sub, f.caseByReceipt(f.org, sub.Receipt)
}

func (f *scFx) queuedOf(c store.Case, kind string) []store.QueuedLetter {
	f.t.Helper()
	ls, err := store.New(f.env.Pool).QueuedLettersOfCase(f.env.Ctx, f.org.ID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []store.QueuedLetter
	for _, l := range ls {
		if l.Kind == kind {
			out = append(out, l)
		}
	}
	return out
}

// IN-1: one acknowledgement of receipt in the print queue. The case page
// does not offer a letter that waits there as if new, the server refuses
// a second one with a localized message (not only the page hiding the
// button), and a letter already posted is offered as a second copy.
func TestReceiptQueuedOnceForCounterPaperCase_IN1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub, c := f.counterCase("sv", 1, "in_person", "")
	cl := f.login(t, f.dpo)
	casePath := "/staff/cases/" + sub.Receipt
	if n := len(f.queuedOf(c, "receipt")); n != 1 {
		t.Fatalf("%d receipts queued at intake, want 1", n)
	}

	p := cl.get(casePath)
	if scByID(p.doc, "letter-receipt") == nil {
		t.Fatal("the case page lists no acknowledgement of receipt")
	}
	if scByID(p.doc, "letter-receipt-send") != nil {
		t.Error("the case page offers to send the receipt that waits in the print queue")
	}
	st := scByID(p.doc, "letter-receipt-status")
	if st == nil || !strings.Contains(scText(st), f.env.Catalog.T("en", "letters.state.waiting")) {
		t.Errorf("the receipt's state on the case page: %v", st != nil)
	}

	// The server refuses a duplicate, whatever the page showed.
	p = cl.post(casePath+"/letters/receipt/send", nil)
	if p.status != http.StatusConflict || !strings.Contains(fold(p.body), fold(f.env.Catalog.T("en", "letters.err.waiting"))) {
		t.Errorf("a second receipt = %d, want 409 with the message", p.status)
	}
	if n := len(f.queuedOf(c, "receipt")); n != 1 {
		t.Fatalf("%d receipts in the print queue after the refused send, want 1", n)
	}

	// Posted: now it may go again, said plainly to be a second copy.
	l := f.queuedOf(c, "receipt")[0]
	if err := f.env.Workflow.RecordLetterDelivery(f.env.Ctx, f.org, l.ID, workflow.StaffActor(f.dpoUserID),
		workflow.HelsinkiDate(f.env.Clock.Now())); err != nil {
		t.Fatal(err)
	}
	p = cl.get(casePath)
	btn := scByID(p.doc, "letter-receipt-send")
	if btn == nil || scText(btn) != f.env.Catalog.T("en", "letters.send_again") {
		t.Fatalf("after posting, the receipt's button: %v", btn != nil)
	}
	if p := cl.post(casePath+"/letters/receipt/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("second copy = %d", p.status)
	}
	if n := len(f.queuedOf(c, "receipt")); n != 2 {
		t.Errorf("%d receipts after the second copy, want 2", n)
	}
}

// DL-1, DL-5, ID-2: the receipt letter (queued and downloaded) and its
// mail fit the case on the letter's date, in fi, sv and en; a request
// entered in time without identity keeps the promise, the extension and
// the identity step.
func TestReceiptFitsLateCounterCase_DL1_DL5_ID2(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat := f.env.Catalog
	cl := f.login(t, f.dpo)
	for _, lang := range []string{"fi", "sv", "en"} {
		email := "ake." + lang + "@example.test"
		late, lc := f.counterCase(lang, 40, "in_person", email)
		onTime, oc := f.counterCase(lang, 1, "", "")
		now := f.env.Clock.Now()
		lateDue := workflow.FormatDate(workflow.DueOf(lc, workflow.CalendarFor(f.org), now).Effective, lang)
		onTimeDue := workflow.FormatDate(workflow.DueOf(oc, workflow.CalendarFor(f.org), now).Effective, lang)

		queued := f.queuedOf(lc, "receipt")
		if len(queued) != 1 {
			t.Fatalf("%s: %d receipts queued", lang, len(queued))
		}
		_, b, err := store.New(f.env.Pool).QueuedLetterPDF(f.env.Ctx, f.org.ID, queued[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		d := cl.get("/staff/cases/" + late.Receipt + "/letters/receipt.pdf")
		if d.status != http.StatusOK {
			t.Fatalf("%s: receipt download = %d", lang, d.status)
		}
		for where, text := range map[string]string{"queued": fitText(t, b), "downloaded": fitText(t, []byte(d.body))} {
			for _, want := range []string{
				cat.T(lang, "letter.receipt.due_passed") + " " + lateDue,
				cat.T(lang, "letter.receipt.late", lateDue),
				cat.T(lang, "letter.receipt.next_identified"),
				cat.T(lang, "letter.complaint.title"),
				cat.T(lang, "letter.receipt.late_court"),
				"Åke Testsson Storgatan 1 65100 VASA",
			} {
				if !strings.Contains(text, fold(want)) {
					t.Errorf("%s %s: the late receipt lacks %q:\n%.1500s", lang, where, want, text)
				}
			}
			for _, not := range []string{
				cat.T(lang, "letter.receipt.due") + " " + lateDue,
				cat.T(lang, "letter.receipt.next"),
				cat.T(lang, "letter.receipt.extension"),
			} {
				if strings.Contains(text, fold(not)) {
					t.Errorf("%s %s: the late receipt says %q", lang, where, not)
				}
			}
			if n := strings.Count(strings.ToLower(text), "åke testsson"); n != 1 {
				t.Errorf("%s %s: the name is printed %d times", lang, where, n)
			}
		}

		d = cl.get("/staff/cases/" + onTime.Receipt + "/letters/receipt.pdf")
		text := fitText(t, []byte(d.body))
		for _, want := range []string{
			cat.T(lang, "letter.receipt.due") + " " + onTimeDue,
			cat.T(lang, "letter.receipt.extension"),
			cat.T(lang, "letter.receipt.next"),
		} {
			if !strings.Contains(text, fold(want)) {
				t.Errorf("%s: the receipt in time lacks %q:\n%.1500s", lang, want, text)
			}
		}
		if strings.Contains(text, fold(cat.T(lang, "letter.receipt.late", onTimeDue))) {
			t.Errorf("%s: the receipt in time says it is late", lang)
		}

		// The mail says the same as the letter.
		f.env.WorkAll(jobargs.DeliverMail{}.Kind())
		var body string
		for _, m := range f.env.Catcher.Messages() {
			if slices.Contains(m.To, email) && m.Headers.Get("X-Rightsdesk-Kind") == "receipt" {
				body = fold(m.Text)
			}
		}
		if body == "" {
			t.Fatalf("%s: no receipt mail", lang)
		}
		for _, want := range []string{cat.T(lang, "mail.receipt.due_passed") + ": " + lateDue, cat.T(lang, "letter.receipt.late", lateDue),
			cat.T(lang, "mail.receipt.next_identified"), cat.T(lang, "letter.complaint.text")} {
			if !strings.Contains(body, fold(want)) {
				t.Errorf("%s: the late receipt mail lacks %q:\n%s", lang, want, body)
			}
		}
		for _, not := range []string{cat.T(lang, "mail.receipt.extension"), cat.T(lang, "mail.receipt.next"), cat.T(lang, "mail.receipt.due") + ":"} {
			if strings.Contains(body, fold(not)) {
				t.Errorf("%s: the late receipt mail says %q", lang, not)
			}
		}
	}
}

// Case page walkthrough findings: the owners' moved target is shown only
// when a pause or the extension moved it (D-23, DL-8); a task answered by
// its owner names the owner (as the catalogue gave them), not the
// register; the timeline calls the acknowledgement of receipt by one word
// whether it was mailed or queued (terms.md).
func TestCasePageOwnerTargetOwnerAndReceiptWords_DL8(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, wf, cat := f.env.Ctx, f.env.Workflow, f.env.Catalog
	if _, err := f.env.Pool.Exec(ctx, `UPDATE registers SET owner_name = 'Olli Omistaja' WHERE id = $1`, f.regOwned); err != nil {
		t.Fatal(err)
	}
	sub, _ := f.counterCase("fi", 1, "in_person", "ake@example.test") // the receipt both mailed and queued
	owned, _ := f.task(f.org, sub.CaseID, false)
	if err := wf.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	cl := f.login(t, f.dpo)
	casePath := "/staff/cases/" + sub.Receipt
	moved := cat.T("en", "staffcase.due.owner_target")

	p := cl.get(casePath)
	if dl := scText(scByID(p.doc, "deadlines")); strings.Contains(dl, moved) {
		t.Errorf("never paused nor extended, the page shows %q: %s", moved, dl)
	}
	tasks := scText(scByID(p.doc, "tasks"))
	if want := cat.T("en", "staffcase.actor.owner", "Olli Omistaja", "Varhaiskasvatuksen asiakasrekisteri"); !strings.Contains(tasks, want) {
		t.Errorf("the answered task does not name its owner %q: %s", want, tasks)
	}
	timeline := scText(scByID(p.doc, "timeline"))
	if !strings.Contains(timeline, "Olli Omistaja") {
		t.Errorf("the timeline does not name the owner who answered: %s", timeline)
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if m, l := cat.T(lang, "staffcase.mail.kind.receipt"), cat.T(lang, "print.kind.receipt"); m != l {
			t.Errorf("%s: the receipt is %q as a mail and %q as a letter", lang, m, l)
		}
	}
	receipt := cat.T("en", "print.kind.receipt")
	mails := scText(scByID(p.doc, "mail"))
	if !strings.Contains(timeline, receipt) || !strings.Contains(mails, receipt) || strings.Contains(timeline+mails, "Receipt") {
		t.Errorf("the case page names the receipt two ways:\ntimeline: %s\nmail: %s", timeline, mails)
	}

	// Paused for five days: now the owners' target has moved, and says so.
	if err := wf.Pause(ctx, f.org, sub.CaseID, workflow.StaffActor(f.dpoUserID), "waiting for clarification"); err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(5 * 24 * time.Hour)
	if dl := scText(scByID(f.login(t, f.dpo).get(casePath).doc, "deadlines")); !strings.Contains(dl, moved) {
		t.Errorf("paused, the page does not show %q: %s", moved, dl)
	}
}

// FI-2: a request for documents alone entered after its two weeks is told
// the decision is late, not promised the past date, in fi, sv and en; by
// letter and by mail.
func TestReceiptOfLateDocumentRequest_FI2(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat := f.env.Catalog
	cl := f.login(t, f.dpo)
	for _, lang := range []string{"fi", "sv", "en"} {
		email := "docs." + lang + "@example.test"
		sub := f.paper(f.org, f.env.Clock.Now().Add(-20*24*time.Hour), "", func(r *workflow.Request) {
			r.Lang, r.Email, r.Rights, r.DocumentRequest = lang, email, nil, true
		})
		c := f.caseByReceipt(f.org, sub.Receipt)
		docDue := workflow.FormatDate(workflow.DueOf(c, workflow.CalendarFor(f.org), f.env.Clock.Now()).DocDue, lang)
		d := cl.get("/staff/cases/" + sub.Receipt + "/letters/receipt.pdf")
		if d.status != http.StatusOK {
			t.Fatalf("%s: receipt = %d", lang, d.status)
		}
		text := fitText(t, []byte(d.body))
		// The label wraps in its column: its words and the date, apart.
		for _, want := range []string{cat.T(lang, "letter.receipt.doc_due_passed"), cat.T(lang, "letter.receipt.doc_late", docDue)} {
			if !strings.Contains(text, fold(want)) && !strings.Contains(strings.Replace(text, " "+docDue, "", 1), fold(want)) {
				t.Errorf("%s: the late document request's receipt lacks %q:\n%.1500s", lang, want, text)
			}
		}
		if strings.Contains(text, fold(cat.T(lang, "letter.receipt.doc_due")+" "+docDue)) {
			t.Errorf("%s: the receipt promises the past date %s", lang, docDue)
		}
		f.env.WorkAll(jobargs.DeliverMail{}.Kind())
		var body string
		for _, m := range f.env.Catcher.Messages() {
			if slices.Contains(m.To, email) && m.Headers.Get("X-Rightsdesk-Kind") == "receipt" {
				body = fold(m.Text)
			}
		}
		if !strings.Contains(body, fold(cat.T(lang, "letter.receipt.doc_late", docDue))) ||
			strings.Contains(body, fold(cat.T(lang, "mail.receipt.docdue")+": "+docDue)) {
			t.Errorf("%s: the late document request's mail:\n%s", lang, body)
		}
	}
}
