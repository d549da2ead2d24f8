package api_test

import (
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 18 (first step): once every access task is answered, the case page
// offers the DPO the access answer as a PDF built from the answers: found
// and nothing-found registers, the owner's extract and files, in the
// request's language; the same answers give the same bytes; rendering is
// audited by ids only; another organisation gets 404.
func TestCaseAccessLetterDownload(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (poppler-utils, qpdf): run scripts/deps.sh test", tool)
		}
	}
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Address = "Åkerbärsvägen 7 B 12, 10600 Espoo"
	})
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	casePath := "/staff/cases/" + sub.Receipt
	letterPath := casePath + "/letters/access.pdf"
	cl := f.login(t, f.dpo)

	// Not before every access task is answered: no link, and a 409.
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer:      "extract",
		ExtractText: "Päivämäärä\tTapahtuma\tLisätiedot\n7.1.2025\tAsiakasmaksupäätös\tmaksu € 12,50 / pv\n",
		Attachments: []workflow.Attachment{{Filename: "vasu_2025.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 x")}},
	}); err != nil {
		t.Fatal(err)
	}
	if p := cl.get(casePath); scByID(p.doc, "access-letter") != nil {
		t.Error("the access answer is offered while a task is unanswered")
	}
	if d := cl.get(letterPath); d.status != http.StatusConflict {
		t.Errorf("access answer with a task unanswered = %d, want 409", d.status)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID),
		workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}

	p := cl.get(casePath)
	link := scByID(p.doc, "access-letter")
	if link == nil {
		t.Fatalf("no access answer link on the case page")
	}
	if a := scElems(link, "a", nil); len(a) != 1 || scAttr(a[0], "href") != letterPath {
		t.Fatalf("access answer link: %s", scText(link))
	}

	d := cl.get(letterPath)
	if d.status != http.StatusOK || d.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(d.body, "%PDF-") {
		t.Fatalf("access answer = %d %q", d.status, d.header.Get("Content-Type"))
	}
	disp, params, err := mime.ParseMediaType(d.header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != sub.Receipt+"-fi.pdf" {
		t.Errorf("Content-Disposition %q", d.header.Get("Content-Disposition"))
	}
	if d.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", d.header.Get("Cache-Control"))
	}
	file := filepath.Join(t.TempDir(), "a.pdf")
	if err := os.WriteFile(file, []byte(d.body), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", file).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{
		"Vastaus pyyntöön saada pääsy tietoihin",
		"Maija Meikäläinen Åkerbärsvägen 7 B 12 10600 ESPOO",
		"Tietojasi löytyi näistä rekistereistä (1): • Varhaiskasvatuksen asiakasrekisteri",
		"Näistä rekistereistä ei löytynyt tietojasi (1): • Kirjaston asiakasrekisteri",
		"Päivämäärä Tapahtuma Lisätiedot 7.1.2025 Asiakasmaksupäätös maksu € 12,50 / pv",
		"vasu_2025.pdf",
		"Tietosuojavaltuutetun toimisto, Lintulahdenkuja 4",
		"Pyynnön numero " + sub.Receipt,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the access answer lacks %q:\n%.2000s", want, text)
		}
	}

	// The same answers render the same bytes.
	if again := cl.get(letterPath); again.body != d.body {
		t.Error("two renders of the same case's access answer differ")
	}

	// Audited by ids: no name, no register text.
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range trail {
		if ev.Action != "letter_rendered" {
			continue
		}
		n++
		if ev.Actor != "staff:"+strconv.FormatInt(f.dpoUserID, 10) || ev.Data["kind"] != "access" || ev.Data["registers"] != float64(2) {
			t.Errorf("letter event by %s: %v", ev.Actor, ev.Data)
		}
	}
	if n != 2 {
		t.Errorf("%d letter_rendered events, want 2 (a refused render is not one)", n)
	}
	// The timeline names a rendered letter by its kind, not as the answer,
	// and does not read its register count as registers chosen
	// (walkthrough: a receipt's preview read "Answer letter rendered",
	// "1 register was chosen").
	all, _ := timelineLines(t, cl, sub.Receipt)
	cat := f.env.Catalog
	if !strings.Contains(all, cat.T("en", "timeline.letter_rendered")+" · Dana Dpo "+cat.T("en", "staffcase.tl.letter")+": "+cat.T("en", "print.kind.access")) ||
		strings.Contains(all, cat.T("en", "staffcase.tls.registers", 2)) {
		t.Errorf("the timeline: %q", all)
	}

	// Another organisation's DPO: not found.
	if d := f.login(t, f.dpo2).get(letterPath); d.status != http.StatusNotFound || strings.HasPrefix(d.body, "%PDF") {
		t.Errorf("other organisation = %d", d.status)
	}
}
