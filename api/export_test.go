package api_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"rightsdesk/docs"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

func exportUnzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

// exportValidate checks every JSON document of an export ZIP against
// docs/export.schema.json.
func exportValidate(t *testing.T, files map[string][]byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ExportSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("export.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("export.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for name, b := range files {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	if n < 2 {
		t.Errorf("%d JSON documents in the export, want a manifest and one per register", n)
	}
}

// Issue 18, Art 20 and 15(3), 15(4): the DPO downloads the machine-readable
// export of a ready answer beside the PDF; the resident downloads it on the
// answer page only after the code. The ZIP validates against its schema,
// the withheld row and file are absent, the delivered file is
// byte-identical to the upload, and the resident's letter in it is the
// stored PDF. The download is audited by ids.
func TestAnswerExport_Art20(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) { r.Lang = "sv" })
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	kept := []byte("%PDF-1.4 beslut \x00\x01\xfe\xff")
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: "Datum\tHändelse\n7.1.2025\tAvgiftsbeslut\n8.1.2025\tHEMLIGRAD grannens ärende\n",
		Attachments: []workflow.Attachment{{Filename: "beslut.pdf", ContentType: "application/pdf", Data: kept},
			{Filename: "grannens.pdf", ContentType: "application/pdf", Data: []byte("HEMLIGFIL")}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID),
		workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	var secretFile int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT max(id) FROM task_attachments WHERE task_id = $1`, owned.ID).Scan(&secretFile); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Workflow.MarkWithheld(ctx, f.org, sub.CaseID, owned.ID, workflow.StaffActor(f.dpoUserID), workflow.WithheldMarks{
		Rows: []int{2}, Files: []int64{secretFile}, Ground: "art15_4_others", Reason: "Gäller en annan person."}); err != nil {
		t.Fatal(err)
	}

	check := func(who string, b []byte) map[string][]byte {
		t.Helper()
		files := exportUnzip(t, b)
		exportValidate(t, files)
		var delivered int
		for name, data := range files {
			if bytes.Contains(data, []byte("HEMLIG")) {
				t.Errorf("%s: withheld content in %s", who, name)
			}
			if strings.Contains(name, "grannens") {
				t.Errorf("%s: the withheld file is in the ZIP", who)
			}
			if strings.HasSuffix(name, "/files/beslut.pdf") {
				delivered++
				if !bytes.Equal(data, kept) {
					t.Errorf("%s: the delivered file is not byte-identical", who)
				}
			}
			if strings.HasSuffix(name, "/extract.csv") && !strings.Contains(string(data), "Avgiftsbeslut") {
				t.Errorf("%s: the CSV lacks the kept row: %q", who, data)
			}
		}
		if delivered != 1 {
			t.Errorf("%s: the delivered file is in the ZIP %d times", who, delivered)
		}
		return files
	}

	casePath := "/staff/cases/" + sub.Receipt
	dpo := f.login(t, f.dpo)
	p := dpo.get(casePath)
	if el := scByID(p.doc, "access-export"); el == nil || !strings.Contains(scText(el), "ZIP") {
		t.Fatal("the case page does not offer the export")
	}
	d := dpo.get(casePath + "/letters/access.zip")
	if d.status != http.StatusOK || d.header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(d.header.Get("Content-Disposition"), sub.Receipt+"-sv.zip") {
		t.Fatalf("DPO export = %d %q %q", d.status, d.header.Get("Content-Type"), d.header.Get("Content-Disposition"))
	}
	check("DPO", []byte(d.body))
	// The accessible HTML letter (Act 306/2019): same access rule, the
	// letter's language, the extract as a table with column headers.
	checkHTML := func(who string, d htmlPage) {
		t.Helper()
		if d.status != http.StatusOK || !strings.HasPrefix(d.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(d.header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("%s HTML letter = %d %q", who, d.status, d.header.Get("Content-Type"))
		}
		if !strings.Contains(d.body, `<html lang="sv">`) || !strings.Contains(d.body, `<th scope="col">Händelse</th>`) ||
			!strings.Contains(d.body, "<td>Avgiftsbeslut</td>") || strings.Contains(d.body, "HEMLIG") {
			t.Errorf("%s HTML letter: %.2000s", who, d.body)
		}
	}
	if el := scByID(p.doc, "access-html"); el == nil {
		t.Error("the case page does not offer the HTML letter")
	}
	checkHTML("DPO", dpo.get(casePath+"/letters/access.html"))

	// The resident: send, open the link, the code, then the ZIP.
	if p := dpo.post(casePath+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d", p.status)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind()) // issue 18: the approval renders in a job
	lm := answerLinkRe.FindStringSubmatch(f.caughtMail(t, "answer_link", scRequest.Email).Text)
	if lm == nil {
		t.Fatal("no answer link")
	}
	page := lm[1]
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	res.csrf = res.get(page).csrf(t)
	if d := res.get(page + "/export"); d.status != http.StatusSeeOther || strings.HasPrefix(d.body, "PK") {
		t.Fatalf("export without the code = %d", d.status)
	}
	if d := res.get(page + "/letter"); d.status != http.StatusSeeOther || strings.Contains(d.body, "Avgiftsbeslut") {
		t.Fatalf("HTML letter without the code = %d", d.status)
	}
	f.enterAnswerCode(t, res, page)
	if p := res.get(page); scByID(p.doc, "export-link") == nil || !strings.Contains(scText(p.doc), "maskinläsbar") {
		t.Fatal("the answer page does not offer the export in Swedish")
	}
	if scByID(res.get(page).doc, "html-link") == nil {
		t.Error("the answer page does not offer the HTML letter")
	}
	checkHTML("resident", res.get(page+"/letter"))
	pdfRes := res.get(page + "/file")
	z := res.get(page + "/export")
	if z.status != http.StatusOK || z.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("resident export = %d", z.status)
	}
	files := check("resident", []byte(z.body))
	if got := files[sub.Receipt+"-sv.pdf"]; !bytes.Equal(got, []byte(pdfRes.body)) {
		t.Error("the letter in the resident's ZIP is not the PDF that went out")
	}

	trail, err := storeTrail(f, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if trail["answer_export_downloaded"] != 1 || trail["export_rendered"] != 1 || trail["answer_html_viewed"] != 1 {
		t.Errorf("audit: %v", trail)
	}
	if tl := scText(dpo.get(casePath).doc); !strings.Contains(tl, "Machine-readable export downloaded by the data subject") {
		t.Error("the timeline does not show the resident's export download")
	}

	// Expired: gone, no ZIP.
	f.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour) // past the end of its last day, in Helsinki
	for _, u := range []string{"/export", "/letter"} {
		if d := res.get(page + u); d.status != http.StatusGone || strings.HasPrefix(d.body, "PK") || strings.Contains(d.body, "Avgiftsbeslut") {
			t.Errorf("expired %s = %d", u, d.status)
		}
	}
}

// storeTrail counts a case's audit events by action.
func storeTrail(f *scFx, caseID int64) (map[string]int, error) {
	evs, err := store.New(f.env.Pool).AuditTrail(f.env.Ctx, f.org.ID, caseID)
	out := map[string]int{}
	for _, ev := range evs {
		out[ev.Action]++
	}
	return out, err
}
