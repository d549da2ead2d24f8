package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// inboundApp starts the inbound listener of an app wired to env, on a
// free local port.
func inboundApp(t *testing.T, env *testenv.Env) *app {
	t.Helper()
	cfg := env.Config
	cfg.SMTPListen = "127.0.0.1:0"
	a := &app{cfg: cfg, log: env.Logger, pool: env.Pool, wf: env.Workflow}
	if err := a.startInbound(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	if a.inbound == "" || strings.HasSuffix(a.inbound, ":0") {
		t.Fatalf("inbound address %q", a.inbound)
	}
	return a
}

// send delivers raw from from to rcpts over SMTP and returns the error of
// the first refused step.
func send(t *testing.T, addr, from string, rcpts []string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.SendMail(from, rcpts, strings.NewReader(raw))
}

func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

const swedishRequest = "From: Anna Andersson <anna@example.test>\r\n" +
	"To: privacy@kronoby.test\r\n" +
	"Subject: =?utf-8?q?Beg=C3=A4ran_om_registerutdrag?=\r\n" +
	"Date: Tue, 03 Mar 2026 10:00:00 +0200\r\n" +
	"Message-ID: <req-1@example.test>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Hej! Jag begär att få ta del av mina uppgifter och jag vill veta vilka uppgifter ni har om mig.\r\n" +
	"Med vänlig hälsning, Anna\r\n"

// Issue 6 "mail in": a request emailed to an organisation's privacy
// address becomes a case that needs triage, received at arrival (DL-4,
// D-8), its raw message kept, the DPO told; unknown recipients get 550,
// garbage 554, and the server keeps serving.
func TestInboundEmailBecomesACase_DL4(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("kronoby", "Kruunupyy", "Kronoby", "sv")
	other := env.Org("other", "Muukunta", "Annanby", "fi")
	a := inboundApp(t, env)

	if err := send(t, a.inbound, "anna@example.test", []string{"Privacy@Kronoby.test"}, swedishRequest); err != nil {
		t.Fatalf("sending the request: %v", err)
	}
	arrival := env.Clock.Now()
	var (
		caseID     int64
		state      string
		triage     bool
		lang, chnl string
		received   time.Time
	)
	if err := env.Pool.QueryRow(ctx, `SELECT id, state, needs_triage, lang, channel, received_at FROM cases WHERE org_id = $1`, org.ID).
		Scan(&caseID, &state, &triage, &lang, &chnl, &received); err != nil {
		t.Fatal(err)
	}
	if state != "received" || !triage || lang != "sv" || chnl != "email" || !received.Equal(arrival) {
		t.Errorf("case: %s triage=%v lang=%s channel=%s received %v, want received at %v", state, triage, lang, chnl, received, arrival)
	}
	var to string
	if err := env.Pool.QueryRow(ctx, `SELECT to_addr FROM inbound_messages WHERE org_id = $1 AND case_id = $2`, org.ID, caseID).Scan(&to); err != nil {
		t.Fatal(err)
	}
	_, raw, _, err := store.New(env.Pool).InboundOfCase(ctx, org.ID, caseID) // sealed at rest (issue 16 item 4)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, []byte(swedishRequest)) || !strings.EqualFold(to, "privacy@kronoby.test") {
		t.Errorf("stored raw message differs (%d bytes, to %q)", len(raw), to)
	}
	mails, err := store.New(env.Pool).OutboxByCase(ctx, org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 || mails[0].Kind != "triage_needed" || mails[0].To != org.DPOEmail {
		t.Errorf("queued mail: %+v", mails)
	}

	// Unknown recipient: 550, nothing stored.
	err = send(t, a.inbound, "anna@example.test", []string{"nobody@kronoby.test"}, swedishRequest)
	if smtpCode(err) != 550 {
		t.Errorf("unknown recipient: %v", err)
	}
	// Garbage: 554, nothing stored.
	err = send(t, a.inbound, "anna@example.test", []string{"privacy@kronoby.test"}, "\x00\x01 not a message\r\n")
	if smtpCode(err) != 554 {
		t.Errorf("garbage: %v", err)
	}
	// Still serving: one message to two organisations makes a case in each.
	// (Another message: the same Message-ID again would be a retried
	// delivery, deduplicated per organisation.)
	second := strings.Replace(swedishRequest, "<req-1@", "<req-2@", 1)
	if err := send(t, a.inbound, "anna@example.test", []string{"privacy@kronoby.test", "privacy@other.test", "PRIVACY@kronoby.test"}, second); err != nil {
		t.Fatalf("after garbage: %v", err)
	}
	counts := map[int64]int{}
	rows, err := env.Pool.Query(ctx, `SELECT org_id, count(*) FROM cases GROUP BY org_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		counts[id] = n
	}
	if counts[org.ID] != 2 || counts[other.ID] != 1 {
		t.Errorf("cases per organisation: %v", counts)
	}
}

// Without SMTP_LISTEN nothing listens; with it the welcome text says where.
func TestInboundOffByDefaultAndAnnounced(t *testing.T) {
	t.Parallel()
	a := &app{}
	if err := a.startInbound(context.Background()); err != nil || a.inbound != "" || len(a.closers) != 0 {
		t.Fatalf("inbound without SMTP_LISTEN: %v %q", err, a.inbound)
	}
	var out bytes.Buffer
	printWelcome(&Env{Stdout: &out}, "http://x.test", false, "127.0.0.1:2525", nil, false)
	if !strings.Contains(out.String(), "smtp://127.0.0.1:2525") {
		t.Errorf("welcome text:\n%s", out.String())
	}
}

// Issue 17, through the real SMTP listener: a Latin-1 request and a Gmail
// request with attachments keep their words and files (the fixtures are
// the workflow package's real-world shaped messages).
func TestInboundEmailKeepsBodyAndFilesOverSMTP(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("kronoby", "Kruunupyy", "Kronoby", "sv")
	a := inboundApp(t, env)
	fixture := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "workflow", "testdata", "inbound", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n", "\r\n")
	}
	pdf, err := os.ReadFile(filepath.Join("..", "..", "workflow", "testdata", "inbound", "scan.pdf.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fixture, details string
		files            []string
	}{
		{"latin1_plain.eml", "Maksoin kausikortista 45 € vuonna 2025.", nil},
		{"gmail_multipart_attachment.eml", "pyydän pääsyä omiin tietoihini varhaiskasvatuksen rekisterissä.", []string{"Päätös 2026.pdf", "henkilokortti.jpg"}},
	} {
		if err := send(t, a.inbound, "sender@example.test", []string{org.PrivacyEmail}, fixture(c.fixture)); err != nil {
			t.Fatalf("%s: %v", c.fixture, err)
		}
		var caseID int64
		if err := env.Pool.QueryRow(ctx, `SELECT c.id FROM cases c ORDER BY c.id DESC LIMIT 1`).Scan(&caseID); err != nil {
			t.Fatal(err)
		}
		cs, err := store.New(env.Pool).CaseByID(ctx, org.ID, caseID) // details are sealed at rest
		if err != nil {
			t.Fatal(err)
		}
		details := cs.Details
		if !strings.Contains(details, c.details) {
			t.Errorf("%s: details lack %q:\n%s", c.fixture, c.details, details)
		}
		files, err := store.New(env.Pool).InboundFiles(ctx, org.ID, caseID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Filename)
		}
		if strings.Join(names, "|") != strings.Join(c.files, "|") {
			t.Errorf("%s: files %q, want %q", c.fixture, names, c.files)
		}
		if len(files) > 0 {
			f, err := store.New(env.Pool).InboundFile(ctx, org.ID, caseID, files[0].ID)
			if err != nil || !bytes.Equal(f.Data, pdf) {
				t.Errorf("%s: the PDF differs after SMTP (%v)", c.fixture, err)
			}
		}
	}
}
