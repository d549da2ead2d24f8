package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// fdPDF is a PDF of n pages, as a scanner or a word processor makes one.
func fdPDF(t *testing.T, n int) string {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetFont("Helvetica", "", 12)
	for i := range n {
		doc.AddPage()
		doc.Cell(40, 10, "Protokoll sida "+strconv.Itoa(i+1))
	}
	var b bytes.Buffer
	if err := doc.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// fdPaperDocs is a request for documents alone from a Swedish resident
// whose letters go by post, decided with docs attached.
func fdPaperDocs(t *testing.T, f *scFx, cl *scClient, docs map[string]string) (workflow.Submission, store.QueuedLetter) {
	t.Helper()
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.DocumentRequest, r.Email, r.Delivery, r.Address, r.Lang = nil, true, "", "paper", "Storgatan 1, 68600 Jakobstad", "sv"
	})
	if p := fdDocsDecide(cl, "/staff/cases/"+sub.Receipt, "disclosed", "", docs); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d: %v", p.status, p.summary())
	}
	ls := lgQueuedOf(t, f, sub.CaseID, "doc_decision")
	if len(ls) != 1 {
		t.Fatalf("decision letters queued: %d", len(ls))
	}
	return sub, ls[0]
}

// FI-2: whoever prints a decision on a request for documents going by
// post finds, beside the letter in the print queue, the documents to
// enclose with it: each by name, size and pages (when the file says), in
// the staff member's language, each a download for staff only, audited by
// ids. The queue listed the letter alone, so the envelope went without
// the documents its letter says are enclosed.
func TestFI2PrintQueueListsEnclosedDocuments(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	minutes := fdPDF(t, 3)
	docs := map[string]string{"protokoll 2026-03.pdf": minutes, "Beslutslista.txt": "§ 12 upphandling\n"}
	sub, letter := fdPaperDocs(t, f, cl, docs)
	lid := strconv.FormatInt(letter.ID, 10)

	p := cl.get("/staff/print")
	if p.status != http.StatusOK {
		t.Fatalf("print queue = %d", p.status)
	}
	list := scByID(p.doc, "letter-"+lid+"-docs")
	if list == nil {
		t.Fatalf("the queued decision lists no documents to enclose: %s", scText(scByID(p.doc, "letter-"+lid)))
	}
	fdHas(t, "print queue (en)", scText(scByID(p.doc, "letter-"+lid)),
		"Enclose with the letter (2 documents given with the decision)", "protokoll 2026-03.pdf", "3 pages", "Beslutslista.txt", "(18 B)")
	// Other letters of the queue enclose nothing.
	for _, l := range lgQueued(t, f, sub.CaseID) {
		if l.ID != letter.ID && scByID(p.doc, "letter-"+strconv.FormatInt(l.ID, 10)+"-docs") != nil {
			t.Errorf("the %s letter lists documents to enclose", l.Kind)
		}
	}
	hrefs := scLinksIn(list)
	if len(hrefs) != 2 {
		t.Fatalf("document links in the queue: %v", hrefs)
	}
	got := map[string]bool{}
	for _, h := range hrefs {
		if !strings.HasPrefix(h, "/staff/print/"+lid+"/documents/") {
			t.Errorf("document link %q is not the queue's", h)
		}
		d := cl.get(h)
		if d.status != http.StatusOK {
			t.Fatalf("download %s = %d", h, d.status)
		}
		disp, params, _ := mime.ParseMediaType(d.header.Get("Content-Disposition"))
		if disp != "attachment" || docs[params["filename"]] != d.body || d.header.Get("Cache-Control") != "no-store" {
			t.Errorf("download %s: %q %q, %d bytes", h, d.header.Get("Content-Disposition"), d.header.Get("Cache-Control"), len(d.body))
		}
		got[params["filename"]] = true
	}
	if len(got) != 2 {
		t.Errorf("downloaded %v", got)
	}
	// Staff only, and only through the letter that encloses it.
	docURL := hrefs[0]
	anon := &scClient{t: t, base: f.base, c: testenv.Client()}
	if d := anon.get(docURL); d.status == http.StatusOK || strings.Contains(d.body, "upphandling") || strings.Contains(d.body, "Protokoll") {
		t.Errorf("signed-out download = %d", d.status)
	}
	if d := f.login(t, f.dpo2).get(docURL); d.status != http.StatusNotFound {
		t.Errorf("another organisation's DPO = %d", d.status)
	}
	for _, l := range lgQueued(t, f, sub.CaseID) {
		if l.ID == letter.ID {
			continue
		}
		other := strings.Replace(docURL, "/print/"+lid+"/", "/print/"+strconv.FormatInt(l.ID, 10)+"/", 1)
		if d := cl.get(other); d.status != http.StatusNotFound {
			t.Errorf("a document through the %s letter = %d", l.Kind, d.status)
		}
	}
	// Audited by ids: the document and the letter, never its name.
	seen := auditActions(t, f, sub.CaseID, func(_, data string) bool {
		return strings.Contains(data, "protokoll") || strings.Contains(data, "Beslutslista")
	})
	if seen["document_file_downloaded"] != 2 {
		t.Errorf("downloads audited: %v", seen)
	}

	// In Finnish and Swedish.
	for lang, want := range map[string][]string{
		"fi": {"Laita kirjeen mukaan kuoreen (2 päätöksellä annettua asiakirjaa)", "3 sivua"},
		"sv": {"Lägg i kuvertet med brevet (2 handlingar som lämnas ut med beslutet)", "3 sidor"},
	} {
		if r := cl.get("/staff/lang/" + lang); r.status != http.StatusSeeOther {
			t.Fatalf("language switch = %d", r.status)
		}
		fdHas(t, "print queue ("+lang+")", scText(scByID(cl.get("/staff/print").doc, "letter-"+lid)), want...)
	}
	cl.get("/staff/lang/en")

	// Posted: the recently delivered list keeps the documents, for a reprint.
	if r := cl.post("/staff/print/"+lid+"/delivered", url.Values{"on": {workflow.FormatDate(workflow.HelsinkiDate(f.env.Clock.Now()), "fi")}}); r.status != http.StatusSeeOther {
		t.Fatalf("delivered = %d: %v", r.status, r.summary())
	}
	done := cl.get("/staff/print")
	fdHas(t, "delivered letter", scText(scByID(done.doc, "print-done")), "protokoll 2026-03.pdf", "Beslutslista.txt")
}

// FI-2, issue 22: the archive package of a closed request for documents
// holds the documents given out with its decision, opened from their
// sealed form as its letters are, named with the request number so a
// file taken out of the package still names its case, and listed in its
// case.json. The package kept the decision letter alone.
func TestFI2ArchiveHoldsDocumentsGiven(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	sub, _ := fdPaperDocs(t, f, cl, fdDocs)
	if p := cl.post("/staff/cases/"+sub.Receipt+"/actions/close", nil); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d: %v", p.status, p.summary())
	}
	p := cl.get("/staff/orgs/" + f.org.Slug + "/archive?receipt=" + sub.Receipt)
	if p.status != http.StatusOK {
		t.Fatalf("archive = %d", p.status)
	}
	z, err := zip.NewReader(strings.NewReader(p.body), int64(len(p.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, zf := range z.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		files[zf.Name] = string(b)
	}
	var cj struct {
		Letters   []string `json:"letters"`
		Documents []struct {
			File, Name string
			Size       int64
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(files[sub.Receipt+"/case.json"]), &cj); err != nil {
		t.Fatal(err)
	}
	if len(cj.Documents) != len(fdDocs) {
		t.Fatalf("case.json lists %d documents, want %d: %s", len(cj.Documents), len(fdDocs), files[sub.Receipt+"/case.json"])
	}
	for i, d := range cj.Documents {
		want, ok := fdDocs[d.Name]
		if !ok {
			t.Errorf("case.json names %q", d.Name)
			continue
		}
		wantFile := "documents/" + sub.Receipt + "-0" + strconv.Itoa(i+1) + "-" + d.Name
		if d.File != wantFile || d.Size != int64(len(want)) {
			t.Errorf("document %q listed as %q (%d bytes), want %q", d.Name, d.File, d.Size, wantFile)
		}
		if got, ok := files[sub.Receipt+"/"+d.File]; !ok || got != want {
			t.Errorf("document %s in the package: %v, %d bytes (the stored bytes, opened, are %d)", d.File, ok, len(got), len(want))
		}
	}
	// The decision letter is there as before.
	var decision bool
	for _, l := range cj.Letters {
		decision = decision || strings.HasPrefix(l, "doc_decision-")
	}
	if !decision {
		t.Errorf("letters: %v", cj.Letters)
	}
}

// FI-2, terms.md: the secure link of a decision on a request for
// documents opens a page titled and worded as that decision, not "the
// answer" (one word per concept; the GDPR answer is another thing), in
// the resident's language: its title and heading, what it says is ready,
// the code's mail, the download, and the page of the link once expired.
func TestFI2LinkPageNamesTheDecisionNotAnAnswer(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	cl := f.login(t, f.dpo)
	type words struct {
		title, intro, ready, download, codeSubject, expired string
		never                                               []string
	}
	type link struct {
		lang, page string
		res        *scClient
		w          words
	}
	var links []link
	for _, tc := range []struct {
		lang string
		w    words
	}{
		{"fi", words{"Päätös asiakirjapyyntöösi", "Päätös asiakirjapyyntöösi RD-", "Voit nyt ladata päätöksen ja asiakirjat.", "Lataa päätös (PDF)",
			"Koodi päätöksen ja asiakirjojen lataamiseen", "Päätöksen ja asiakirjojen latauslinkki", []string{"vastaus", "Vastaus", "vastauksen", "Vastauksen"}}},
		{"sv", words{"Beslut om din begäran om handlingar", "Beslutet om din begäran om handlingar RD-", "Du kan nu ladda ner beslutet och handlingarna.",
			"Ladda ner beslutet (PDF)", "Kod för att ladda ner beslutet och handlingarna", "Länken till beslutet och handlingarna", []string{"svaret", "Svaret", "Svar på"}}},
		{"en", words{"The decision on your request for documents", "The decision on your request for documents RD-",
			"You can now download the decision and the documents.", "Download the decision (PDF)",
			"Code to download the decision and the documents", "The link to the decision and the documents", []string{"the answer", "The answer", "Answer"}}},
	} {
		email := "docs-" + tc.lang + "@example.fi"
		receipt, _ := fdWeb(t, f, tc.lang, fdDocumentsForm(tc.lang, email))
		if p := fdDocsDecide(cl, "/staff/cases/"+receipt, "disclosed", "", map[string]string{"protokoll.pdf": "%PDF-1.4 protokoll"}); p.status != http.StatusSeeOther {
			t.Fatalf("%s: doc_decide = %d: %v", tc.lang, p.status, p.summary())
		}
		m := fdMailTo(t, f, "doc_delivered", email)
		fdLacks(t, tc.lang+" decision mail", m.Subject+"\n"+m.Text, tc.w.never...)
		lm := answerLinkRe.FindStringSubmatch(m.Text)
		if lm == nil {
			t.Fatalf("%s: no link in the decision mail:\n%s", tc.lang, m.Text)
		}
		page := lm[1]
		res := &scClient{t: t, base: f.base, c: testenv.Client()}
		p := res.get(page)
		if p.status != http.StatusOK {
			t.Fatalf("%s: link page = %d", tc.lang, p.status)
		}
		title := scText(scElems(p.doc, "title", nil)[0])
		h1 := scText(scElems(p.doc, "h1", nil)[0])
		if !strings.HasPrefix(title, tc.w.title) || h1 != tc.w.title {
			t.Errorf("%s: link page title %q, heading %q; want %q", tc.lang, title, h1, tc.w.title)
		}
		fdHas(t, tc.lang+" link page", scText(p.doc), tc.w.intro)
		fdLacks(t, tc.lang+" link page", scText(p.doc)+title, tc.w.never...)

		res.csrf = p.csrf(t)
		if r := res.post(page+"/code", nil); r.status != http.StatusSeeOther {
			t.Fatalf("%s: send code = %d", tc.lang, r.status)
		}
		cm := fdMailTo(t, f, "answer_code", email)
		if !strings.HasPrefix(cm.Subject, tc.w.codeSubject) {
			t.Errorf("%s: code mail subject %q", tc.lang, cm.Subject)
		}
		fdLacks(t, tc.lang+" code mail", cm.Subject+"\n"+cm.Text, tc.w.never...)
		code := answerCodeRe.FindStringSubmatch(cm.Text)
		if code == nil {
			t.Fatalf("%s: no code in %s", tc.lang, cm.Text)
		}
		if r := res.post(page+"/verify", url.Values{"code": {code[1]}}); r.status != http.StatusSeeOther {
			t.Fatalf("%s: verify = %d", tc.lang, r.status)
		}
		p = res.get(page)
		fdHas(t, tc.lang+" unlocked page", scText(scByID(p.doc, "download")), tc.w.ready, tc.w.download)
		fdLacks(t, tc.lang+" unlocked page", scText(p.doc), tc.w.never...)
		links = append(links, link{tc.lang, page, res, tc.w})
	}
	// Expired (a link works through its last day): the page says the
	// decision's link, not the answer's, has run out.
	f.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour)
	for _, l := range links {
		g := l.res.get(l.page)
		if g.status != http.StatusGone {
			t.Errorf("%s: expired link = %d", l.lang, g.status)
			continue
		}
		fdHas(t, l.lang+" expired link", scText(g.doc), l.w.expired)
		fdLacks(t, l.lang+" expired link", scText(g.doc), l.w.never...)
	}
}

// FI-2, rule 5: documents that together pass the 12 MB a form may send
// at once are refused with the form as the DPO left it (the decision
// chosen, the reasons typed) and an error, in the DPO's language, naming
// the total sent, the limit and what to do; nothing is decided or
// stored. The whole request was refused with a bare "too large" page and
// the typed reasons were lost. Other forms keep the plain limit.
func TestFI2DocumentsOverTheTotalKeepTheForm(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.DocumentRequest, r.Email, r.Delivery, r.Address, r.Lang = nil, true, "", "paper", "Storgatan 1, 68600 Jakobstad", "sv"
	})
	path := "/staff/cases/" + sub.Receipt
	const reason = "Pöytäkirjan liite 3 on salassa pidettävä (24 § 1 mom. 20 k)."
	big := map[string]string{"liite-1.pdf": strings.Repeat("a", 7_000_000), "liite-2.pdf": strings.Repeat("b", 7_000_000)}
	for lang, want := range map[string]string{
		"en": "The files you chose are 14.0 MB together, and at most 12 MB can be sent at once. Nothing was saved",
		"fi": "Valitsemasi tiedostot ovat yhteensä 14,0 MB, ja kerralla voi lähettää enintään 12 MB. Mitään ei tallennettu",
		"sv": "Filerna du valde är sammanlagt 14,0 MB, och högst 12 MB kan skickas på en gång. Ingenting sparades",
	} {
		if r := cl.get("/staff/lang/" + lang); r.status != http.StatusSeeOther {
			t.Fatalf("language switch = %d", r.status)
		}
		p := fdDocsDecide(cl, path, "partly_disclosed", reason, big)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: over the total = %d: %.300s", lang, p.status, scText(p.doc))
		}
		fdHas(t, lang+" files error", scText(scByID(p.doc, "doc_decide-files-error")), want)
		if scByID(p.doc, "doc_decide-files-error") == nil || !strings.Contains(scText(scByID(p.doc, "error-summary")), want) {
			t.Errorf("%s: the error summary lacks the files' error: %q", lang, scText(scByID(p.doc, "error-summary")))
		}
		if got := scText(scByID(p.doc, "doc_decide-note")); got != reason {
			t.Errorf("%s: the reasons typed came back as %q", lang, got)
		}
		if radio := scByID(p.doc, "doc-decision-partly_disclosed"); radio == nil || !scHasChecked(radio) {
			t.Errorf("%s: the decision chosen is not kept", lang)
		}
	}
	cl.get("/staff/lang/en")
	if c := f.caseByReceipt(f.org, sub.Receipt); c.DocDecidedAt != nil {
		t.Fatal("an upload over the total decided the request")
	}
	var stored int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM document_files WHERE case_id = $1`, sub.CaseID).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("documents stored from an upload over the total: %d (%v)", stored, err)
	}
	// Within the total, the same form decides.
	if p := fdDocsDecide(cl, path, "partly_disclosed", reason, map[string]string{"liite-1.pdf": big["liite-1.pdf"]}); p.status != http.StatusSeeOther {
		t.Fatalf("within the total = %d: %v", p.status, p.summary())
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); c.DocDecidedAt == nil || c.DocDecision != "partly_disclosed" {
		t.Fatalf("decided within the total: %+v", c.DocDecision)
	}
	// Another form over the limit: refused as before, nothing read.
	if p := cl.postMultipart(path+"/actions/note", url.Values{"note": {"muistiinpano"}}, big); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a note over the limit = %d", p.status)
	}
	// Without a session the oversized decision is refused before it is
	// read: only a signed-in DPO's upload is worth reading to the end.
	anon := &scClient{t: t, base: f.base, c: testenv.Client(), csrf: cl.csrf}
	if p := anon.postMultipart(path+"/actions/doc_decide", url.Values{"doc_decision": {"disclosed"}}, big); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("an oversized decision without a session = %d, want 413", p.status)
	}
}

func scHasChecked(n *html.Node) bool {
	_, ok := scAttrOK(n, "checked")
	return ok
}
