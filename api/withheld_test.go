package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// pdfWords is a PDF's text (pdftotext) with white space normalised.
func pdfWords(t *testing.T, b []byte) string {
	t.Helper()
	return pdftotextWords(t, b)
}

// pdfBodyWords is pdfWords without the page furniture: the running head
// (above 16 mm) and the footer (below 281 mm) of every page are cropped
// away (pdftotext's crop is in points at its default 72 dpi), so a text
// that flows over a page break reads as one.
func pdfBodyWords(t *testing.T, b []byte) string {
	t.Helper()
	const mm = 72 / 25.4
	return pdftotextWords(t, b, "-x", "0", "-y", fmt.Sprintf("%.0f", 16*mm), "-W", "600", "-H", fmt.Sprintf("%.0f", (281-16)*mm))
}

func pdftotextWords(t *testing.T, b []byte, crop ...string) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("this test needs pdftotext (poppler-utils): run scripts/deps.sh test")
	}
	file := filepath.Join(t.TempDir(), "l.pdf")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", append(append([]string{"-enc", "UTF-8"}, crop...), file, "-")...).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

const whExtract = "Nimi\tLuokka\tHuomio\n" +
	"Maija Meikäläinen\t9B\tkiltti\n" +
	"Olli Oppilas\t9B\tSALAINENRIVI riita\n" +
	"Maija Meikäläinen\t9C\tSALAINENSOLU\n"

// Issue 18, legal.md §3 15(4) and 1050/2018 §34: the owner marks a row, a
// cell and a whole file of an extract answer as withheld, each with its
// ground and reason, on the task page without JavaScript; the letter leaves
// the marked content out and prints a withheld block with the ground and
// reason instead. An unverified browser cannot mark; marking is audited by
// ids (never the reason's text).
func TestOwnerMarksWithheld_15_4(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "c", nil)
	ctx := context.Background()
	b := newOwnerBrowser(t, tc.env, tc.ts)
	b.verify(tc.link, tc.owner)

	p := b.get(tc.link)
	if htmlByID(p.doc, "withheld-hint") == nil {
		t.Error("the answer form does not say how to withhold parts")
	}
	r := b.postMultipart(tc.link+"/answer", url.Values{"answer": {"extract"}, "extract": {whExtract}},
		[]taskUpload{{name: "todistus.pdf", contentType: "application/pdf", data: []byte("%PDF-1.4 a")},
			{name: "naapurin_lausunto.pdf", contentType: "application/pdf", data: []byte("%PDF-1.4 b")}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d", r.status)
	}
	files, err := store.New(tc.env.Pool).TaskAttachments(ctx, tc.org.ID, tc.taskID)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v %v", files, err)
	}
	secretFile := files[1]

	// The marking form: a checkbox per row (numbered as the letter), per
	// cell and per file.
	p = b.get(tc.link)
	form := htmlByID(p.doc, "withheld-form")
	if form == nil || htmlAttr(form, "action") != tc.link+"/withheld" {
		t.Fatalf("no marking form on the answered task")
	}
	if n := len(taskSel(form, "input", "name", "row")); n != 3 {
		t.Errorf("%d row checkboxes, want 3", n)
	}
	if n := len(taskSel(form, "input", "name", "cell")); n != 9 {
		t.Errorf("%d cell checkboxes, want 9", n)
	}
	if el := htmlByID(p.doc, "withheld-f"+strconv.FormatInt(secretFile.ID, 10)); el == nil {
		t.Error("no checkbox for the uploaded file")
	}
	if htmlByID(p.doc, "withheld-none") == nil {
		t.Error("no 'no marks' note before any mark")
	}

	// Nothing chosen, no reason: 422 with the errors linked, nothing stored.
	r = b.post(tc.link+"/withheld", url.Values{"withheld_ground": {"art15_4_others"}}, true)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty marking = %d", r.status)
	}
	if ids := checkErrorSummary(t, r.doc); len(ids) != 2 {
		t.Errorf("error summary %v", ids)
	}
	// An unverified browser: 403, nothing stored.
	other := newOwnerBrowser(t, tc.env, tc.ts)
	other.get(tc.link)
	if r := other.post(tc.link+"/withheld", url.Values{"row": {"2"}, "withheld_ground": {"art15_4_others"}, "withheld_reason": {"x"}}, true); r.status != http.StatusForbidden {
		t.Errorf("unverified browser marking = %d, want 403", r.status)
	}
	// A row that is not there: 422.
	if r := b.post(tc.link+"/withheld", url.Values{"row": {"4"}, "withheld_ground": {"art15_4_others"}, "withheld_reason": {"x"}}, true); r.status != http.StatusUnprocessableEntity {
		t.Errorf("row 4 of 3 = %d, want 422", r.status)
	}
	if ms, _ := store.New(tc.env.Pool).WithheldOfTask(ctx, tc.org.ID, tc.taskID); len(ms) != 0 {
		t.Fatalf("%d marks stored by refused forms", len(ms))
	}

	for _, form := range []url.Values{
		{"row": {"2"}, "withheld_ground": {"art15_4_others"}, "withheld_reason": {"Rivi koskee toista oppilasta."}},
		{"cell": {"3:3"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"Merkintä vaarantaisi hoidon."}},
		{"file": {strconv.FormatInt(secretFile.ID, 10)}, "withheld_ground": {"art15_4_others"}, "withheld_reason": {"Lausunnon antaja on toinen henkilö."}},
	} {
		if r := b.post(tc.link+"/withheld", form, true); r.status != http.StatusSeeOther {
			t.Fatalf("marking %v = %d", form, r.status)
		}
	}
	// The same row again adds nothing.
	b.get(tc.link)
	b.post(tc.link+"/withheld", url.Values{"row": {"2"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"x"}}, true)
	marks, err := store.New(tc.env.Pool).WithheldOfTask(ctx, tc.org.ID, tc.taskID)
	if err != nil || len(marks) != 3 {
		t.Fatalf("marks %d %v", len(marks), err)
	}
	p = b.get(tc.link)
	if list := htmlByID(p.doc, "withheld-marks"); list == nil || len(taskSel(list, "li")) != 3 {
		t.Fatal("the task page does not list the three marks")
	}

	// The letter: the marked row, cell and file are absent; each block with
	// its ground and reason is there.
	l, err := tc.env.Workflow.AccessLetter(ctx, tc.org, tc.caseID, workflow.StaffActor(1))
	if err != nil {
		t.Fatal(err)
	}
	bs, err := pdf.New(tc.env.Catalog).Bytes(l)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfWords(t, bs)
	for _, gone := range []string{"SALAINENRIVI", "Olli Oppilas", "SALAINENSOLU"} {
		if strings.Contains(text, gone) {
			t.Errorf("withheld content %q is in the letter", gone)
		}
	}
	for _, want := range []string{
		"Maija Meikäläinen 9B kiltti", "todistus.pdf",
		"Rivi koskee toista oppilasta.", "Merkintä vaarantaisi hoidon.", "Lausunnon antaja on toinen henkilö.",
		tc.T("fi", "letter.withheld.title", 1), tc.T("fi", "letter.withheld.title", 3),
		tc.T("fi", "letter.ground.art15_4_others"), tc.T("fi", "letter.ground.dpa_34"),
		tc.T("fi", "letter.withheld.row", 2), tc.T("fi", "letter.withheld.cell_at", 3, "Huomio"),
	} {
		if !strings.Contains(text, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("the letter lacks %q:\n%.3000s", want, text)
		}
	}
	// The withheld file is named once (its block), not among the delivered.
	if n := strings.Count(text, "naapurin_lausunto.pdf"); n != 1 {
		t.Errorf("the withheld file is named %d times, want once (in its block)", n)
	}

	// Audited by ids: the events name the task and marks, never the reason.
	trail, err := store.New(tc.env.Pool).AuditTrail(ctx, tc.org.ID, tc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range trail {
		if ev.Action != "withheld_marked" {
			continue
		}
		n++
		if ev.Actor != string(workflow.OwnerActor(tc.taskID)) || ev.Data["task"] != float64(tc.taskID) || ev.Data["marks"] == nil {
			t.Errorf("withheld_marked %s %v", ev.Actor, ev.Data)
		}
		for k, v := range ev.Data {
			if s, ok := v.(string); ok && (strings.Contains(s, "toista") || strings.Contains(s, "hoidon")) {
				t.Errorf("audit data %s holds the reason's text", k)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d withheld_marked events, want 3", n)
	}

	// The owner removes a mark; the row is in the letter again.
	rm := strconv.FormatInt(marks[0].ID, 10)
	if r := b.post(tc.link+"/withheld/remove", url.Values{"mark": {rm}}, true); r.status != http.StatusSeeOther {
		t.Fatalf("remove = %d", r.status)
	}
	l, _ = tc.env.Workflow.AccessLetter(ctx, tc.org, tc.caseID, workflow.StaffActor(1))
	bs, _ = pdf.New(tc.env.Catalog).Bytes(l)
	if text := pdfWords(t, bs); !strings.Contains(text, "SALAINENRIVI") {
		t.Error("a removed mark still withholds its row")
	}
}

// Issue 18: the DPO sees the owner's marks on the case page and changes
// them before sending; the downloaded letter follows; a viewer sees the
// marks but cannot mark (403), another organisation's DPO gets 404; once the
// answer is sent the marks are fixed (409, no form).
func TestDPOChangesWithheld_15_4(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: whExtract}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Workflow.MarkWithheld(ctx, f.org, sub.CaseID, owned.ID, workflow.OwnerActor(owned.ID), workflow.WithheldMarks{
		Rows: []int{2}, Ground: "art15_4_others", Reason: "Rivi koskee toista oppilasta."}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	markPath := casePath + "/tasks/" + strconv.FormatInt(owned.ID, 10) + "/withheld"
	prefix := "task-" + strconv.FormatInt(owned.ID, 10) + "-withheld"
	letter := func(cl *scClient) string {
		t.Helper()
		d := cl.get(casePath + "/letters/access.pdf")
		if d.status != http.StatusOK {
			t.Fatalf("letter = %d", d.status)
		}
		return pdfWords(t, []byte(d.body))
	}

	// A viewer sees the mark, has no form, and cannot post one.
	vw := f.login(t, f.viewer)
	p := vw.get(casePath)
	if list := scByID(p.doc, prefix+"-marks"); list == nil || !strings.Contains(scText(list), "Rivi koskee toista oppilasta.") {
		t.Fatal("the viewer does not see the owner's mark")
	}
	if scByID(p.doc, prefix+"-form") != nil {
		t.Error("a viewer is offered the marking form")
	}
	if r := vw.post(markPath, url.Values{"row": {"3"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("viewer marking = %d, want 403", r.status)
	}
	// Another organisation's DPO: 404.
	if r := f.login(t, f.dpo2).post(markPath, url.Values{"row": {"3"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"x"}}); r.status != http.StatusNotFound {
		t.Errorf("other organisation marking = %d, want 404", r.status)
	}

	cl := f.login(t, f.dpo)
	if text := letter(cl); strings.Contains(text, "SALAINENRIVI") || !strings.Contains(text, "SALAINENSOLU") {
		t.Fatalf("letter before the DPO's change: %.2000s", text)
	}
	p = cl.get(casePath)
	if scByID(p.doc, prefix+"-form") == nil {
		t.Fatal("the DPO has no marking form")
	}
	// The DPO's refused form shows its errors beside it.
	r := cl.post(markPath, url.Values{"cell": {"3:3"}, "withheld_ground": {"id5_guardian"}})
	if r.status != http.StatusUnprocessableEntity || scByID(r.doc, prefix+"-ground-error") == nil || scByID(r.doc, prefix+"-reason-error") == nil {
		t.Fatalf("refused marking = %d", r.status)
	}
	// The DPO withholds a cell and lifts the owner's row mark.
	if r := cl.post(markPath, url.Values{"cell": {"3:3"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"Tieto vaarantaisi hoidon."}}); r.status != http.StatusSeeOther {
		t.Fatalf("DPO marking = %d", r.status)
	}
	marks, _ := store.New(f.env.Pool).WithheldOfTask(ctx, f.org.ID, owned.ID)
	if len(marks) != 2 {
		t.Fatalf("%d marks", len(marks))
	}
	if r := cl.post(markPath+"/remove", url.Values{"mark": {strconv.FormatInt(marks[0].ID, 10)}}); r.status != http.StatusSeeOther {
		t.Fatalf("DPO remove = %d", r.status)
	}
	text := letter(cl)
	if !strings.Contains(text, "SALAINENRIVI") || strings.Contains(text, "SALAINENSOLU") || !strings.Contains(text, "Tieto vaarantaisi hoidon.") {
		t.Errorf("letter after the DPO's change: %.2000s", text)
	}

	// Sent: the marks are fixed.
	if r := cl.post(casePath+"/letters/send", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d", r.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind()) // issue 18: the approval renders in a job
	if r := cl.post(markPath, url.Values{"row": {"1"}, "withheld_ground": {"dpa_34"}, "withheld_reason": {"x"}}); r.status != http.StatusConflict {
		t.Errorf("marking after sending = %d, want 409", r.status)
	}
	if p := cl.get(casePath); scByID(p.doc, prefix+"-form") != nil || scByID(p.doc, prefix+"-marks") == nil {
		t.Error("after sending the case page should list the marks without a form")
	}
}
