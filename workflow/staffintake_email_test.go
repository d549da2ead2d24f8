package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// inboundFixture reads a message of testdata/inbound with CRLF line ends,
// as it arrives over SMTP.
func inboundFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "inbound", name))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

func testdataBytes(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "inbound", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type wantFile struct {
	name, contentType string
	data              string // testdata file with the expected bytes
}

// Issue 17: every case created from an email shows the sender's words and
// files, whatever the client (DL-4: received at arrival). Real-world
// shaped messages: the stored body and each stored file are checked, not
// only that a case exists.
func TestReceiveEmailKeepsBodyAndFiles_DL4(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fixture   string
		lang      string
		name      string
		email     string
		details   []string // each must stand in the case's details
		notInBody []string // markup and encodings that must not
		files     []wantFile
	}{
		{
			fixture: "outlook_html_only.eml", lang: "sv", name: "Åsa Östman", email: "asa.ostman@outlook.com",
			details: []string{"Begäran om tillgång till uppgifter\n\nHej,",
				"Jag begär tillgång till mina uppgifter i daghemmets register och i „Wilma”.",
				"Avgiften 25 € som jag betalade 2024", "Vänliga hälsningar\nÅsa Östman"},
			notInBody: []string{"<p", "MsoNormal", "&nbsp;", "=E4", "o:p", "font-family"},
		},
		{
			fixture: "gmail_multipart_attachment.eml", lang: "fi", name: "Matti Meikäläinen", email: "matti.meikalainen@gmail.com",
			details: []string{"Tietopyyntö – pääsy omiin tietoihin\n\nHei,\n\npyydän pääsyä omiin tietoihini varhaiskasvatuksen rekisterissä.",
				"Terveisin\nMatti Meikäläinen"},
			notInBody: []string{"<div", "=C3", "JVBER"}, // the HTML alternative, QP, the PDF's base64
			files: []wantFile{{"Päätös 2026.pdf", "application/pdf", "scan.pdf.bin"},
				{"henkilokortti.jpg", "image/jpeg", "gmail.jpg.bin"}},
		},
		{
			fixture: "latin1_plain.eml", lang: "fi", name: "Seija Äijälä", email: "seija.aijala@kotiposti.example",
			details: []string{"Tietojen poistaminen (kausikortti 45 €)",
				"pyydän että poistatte tietoni liikuntapalvelujen asiakasrekisteristä.", "Köpingintie 3, 68600 Pietarsaari"},
			notInBody: []string{"\uFFFD"},
		},
		{
			fixture: "forwarded.eml", lang: "sv", name: "Ulla Lindqvist", email: "ulla@example.org",
			details: []string{"Fw: Begäran till staden", "Hej, jag skickar min mammas begäran vidare med fullmakt.",
				"From: Märta Lindqvist <marta.lindqvist@example.net>", "Subject: Begäran till staden",
				"Jag vill veta vilka uppgifter hemvården har om mig."},
			notInBody: []string{"SGVq", "inner-bnd"},
			files:     []wantFile{{"Läkarintyg hälsa.pdf", "application/pdf", "scan.pdf.bin"}},
		},
		{
			fixture: "scanned_pdf.eml", lang: "fi", name: "Pekka Virtanen", email: "pekka.virtanen@icloud.example",
			details: []string{"Tietopyynto (skannattu kirje)\n\nLiitteenä allekirjoitettu pyyntöni skannattuna."},
			files:   []wantFile{{"Skannattu pyyntö tietosuojavastaavalle 2026-12-03.pdf", "application/pdf", "scan.pdf.bin"}},
		},
	} {
		t.Run(c.fixture, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			ctx := context.Background()
			org := env.Org("posti", "Postikunta", "Postby", "fi")
			raw := inboundFixture(t, c.fixture)
			arrival := env.Clock.Now()
			receipt, err := env.Workflow.ReceiveEmail(ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "bounce@mx.example",
				Raw: raw, ReceivedAt: arrival})
			if err != nil {
				t.Fatal(err)
			}
			q := store.New(env.Pool)
			cs, err := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
			if err != nil {
				t.Fatal(err)
			}
			if cs.Channel != "email" || !cs.NeedsTriage || !cs.ReceivedAt.Equal(arrival) || cs.Lang != c.lang {
				t.Errorf("case: channel %q triage %v received %v lang %q", cs.Channel, cs.NeedsTriage, cs.ReceivedAt, cs.Lang)
			}
			for _, w := range c.details {
				if !strings.Contains(cs.Details, w) {
					t.Errorf("details lack %q:\n%s", w, cs.Details)
				}
			}
			for _, w := range c.notInBody {
				if strings.Contains(cs.Details, w) {
					t.Errorf("details contain %q:\n%s", w, cs.Details)
				}
			}
			req, err := q.RequesterOf(ctx, org.ID, cs.ID)
			if err != nil {
				t.Fatal(err)
			}
			if req.Name != c.name || req.Email != c.email {
				t.Errorf("requester = %q <%s>, want %q <%s>", req.Name, req.Email, c.name, c.email)
			}
			files, err := q.InboundFiles(ctx, org.ID, cs.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(c.files) {
				t.Fatalf("%d files stored, want %d: %+v", len(files), len(c.files), files)
			}
			for i, w := range c.files {
				f, err := env.Workflow.EmailFile(ctx, org, cs.ID, files[i].ID, workflow.Actor("staff:1"))
				if err != nil {
					t.Fatal(err)
				}
				if f.Filename != w.name || f.ContentType != w.contentType || !bytes.Equal(f.Data, testdataBytes(t, w.data)) ||
					f.Size != int64(len(f.Data)) {
					t.Errorf("file %d = %q %q %d bytes, want %q %q %s", i, f.Filename, f.ContentType, len(f.Data), w.name, w.contentType, w.data)
				}
			}
			orig, err := env.Workflow.OriginalEmail(ctx, org, cs.ID, workflow.Actor("staff:1"))
			if err != nil || !bytes.Equal(orig, raw) {
				t.Errorf("original message differs (%v)", err)
			}
		})
	}
}

// A file of one organisation's emailed case is not found through another
// organisation, nor through another case.
func TestEmailFileScopedToCaseAndOrg(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("posti", "Postikunta", "Postby", "fi")
	other := env.Org("toinen", "Toinenkunta", "Andraby", "fi")
	receipt, err := env.Workflow.ReceiveEmail(ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "x@example.test",
		Raw: inboundFixture(t, "scanned_pdf.eml"), ReceivedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	cs, _ := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
	files, err := q.InboundFiles(ctx, org.ID, cs.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	if _, err := env.Workflow.EmailFile(ctx, other, cs.ID, files[0].ID, workflow.Actor("staff:1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other organisation: %v, want ErrNotFound", err)
	}
	if _, err := env.Workflow.EmailFile(ctx, org, cs.ID+1000, files[0].ID, workflow.Actor("staff:1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other case: %v, want ErrNotFound", err)
	}
	if _, err := env.Workflow.OriginalEmail(ctx, other, cs.ID, workflow.Actor("staff:1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("original via other organisation: %v, want ErrNotFound", err)
	}
}
