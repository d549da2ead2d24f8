package workflow_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Canaries: unique strings that may only ever exist encrypted at rest.
const (
	canaryName     = "Zyxwvuta Kanarialintu"
	canaryEmail    = "kanaria.zyx@example.test"
	canaryPhone    = "0409876543"
	canaryAddress  = "Kanarialintukuja 77"
	canaryDetails  = "KANARIA-DETAILS-7731"
	canaryExtract  = "KANARIA-EXTRACT-5523"
	canaryFile     = "KANARIA-FILE-8812"
	canaryNote     = "KANARIA-NOTE-4410"
	canaryComment  = "KANARIA-COMMENT-6204"
	canaryMailName = "Qwertyn Sähköpostilintu"
	canaryMailAddr = "sahkoposti.qrs@example.test"
	canaryMailBody = "KANARIA-EMAIL-BODY-2209"
	canaryMailFile = "KANARIA-ATTACH-3301"
	canaryHetu     = "131052-308T"
	canaryWithheld = "KANARIA-WITHHELD-1182"
	canaryLetter   = "KANARIA-LETTER-PDF-2291"
	canaryDocExt   = "KANARIA-DOCEXT-3390"
	canaryMailErr  = "KANARIA-MAILERR-4478"
)

// columnsWith scans every text, bytea, json and array column of every
// table of the database for s and names the columns that hold it.
func columnsWith(t *testing.T, pool *pgxpool.Pool, s string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
		  AND data_type IN ('text', 'bytea', 'jsonb', 'json', 'character varying', 'ARRAY')
		  AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ schema, table, name, typ string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.schema, &c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	var found []string
	for _, c := range cols {
		expr := fmt.Sprintf(`position(lower($1) in lower(%q::text)) > 0`, c.name)
		switch c.typ {
		case "bytea":
			expr = fmt.Sprintf(`position(convert_to($1, 'UTF8') in %q) > 0`, c.name)
		case "ARRAY":
			expr = fmt.Sprintf(`position(lower($1) in lower(array_to_string(%q, ' '))) > 0`, c.name)
		}
		var n int
		if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE %s`, c.schema, c.table, expr), s).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		if n > 0 {
			found = append(found, c.table+"."+c.name)
		}
	}
	return found
}

func emailedRequest(to string) []byte {
	file := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 " + canaryMailFile))
	return []byte("From: " + canaryMailName + " <" + canaryMailAddr + ">\r\nTo: " + to +
		"\r\nSubject: Tietopyyntö\r\nMessage-ID: <kanaria-1@example.test>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Pyydän pääsyä tietoihini. " + canaryMailBody + "\r\n--b1\r\nContent-Type: application/pdf; name=\"liite.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"liite.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + file + "\r\n--b1--\r\n")
}

// Issue 16 item 4 (D-25, D-26): after a full flow (a web request confirmed
// by its code, an emailed request, an owner's extract and file, a DPO
// note, mails sent) no canary is anywhere in the database in clear; the
// look-ups by email and henkilötunnus still find the case; a ciphertext
// copied to another case does not open; destroying the case key makes the
// case unreadable with store.ErrPurged.
func TestPersonalDataEncryptedAtRest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	sub, answeredTask, receipt := f.canaryCase(t)

	// The data reads back in clear through the store.
	q := store.New(env.Pool)
	// Issue 16: the withholding reason, a queued letter's PDF, the
	// document request's extension reason and the mail server's error.
	if _, err := q.InsertWithheld(ctx, store.Withheld{OrgID: f.org.ID, CaseID: sub.CaseID, TaskID: answeredTask, Row: intPtr(1),
		Ground: "others_rights", Reason: canaryWithheld, CreatedAt: env.Clock.Now(), CreatedBy: "dpo"}); err != nil {
		t.Fatal(err)
	}
	letterID, err := q.InsertQueuedLetter(ctx, store.QueuedLetter{OrgID: f.org.ID, CaseID: sub.CaseID, Kind: "answer", Method: "paper",
		Lang: "fi", Filename: "kirje.pdf", CreatedAt: env.Clock.Now(), CreatedBy: "dpo"}, []byte("%PDF-1.4 "+canaryLetter))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetDocExtension(ctx, f.org.ID, sub.CaseID, canaryDocExt, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	mailsBefore, err := q.OutboxByCase(ctx, f.org.ID, sub.CaseID)
	if err != nil || len(mailsBefore) == 0 {
		t.Fatalf("outbox: %v", err)
	}
	if err := q.MarkOutboxAttempt(ctx, mailsBefore[0].ID, "550 <"+canaryMailErr+"@example.test> unknown", false, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if ws, err := q.WithheldOfCase(ctx, f.org.ID, sub.CaseID); err != nil || len(ws) != 1 || ws[0].Reason != canaryWithheld {
		t.Fatalf("withheld read back: %+v %v", ws, err)
	}
	if _, pdf, err := q.QueuedLetterPDF(ctx, f.org.ID, letterID); err != nil || !bytes.Contains(pdf, []byte(canaryLetter)) {
		t.Fatalf("queued letter read back: %v", err)
	}
	if c := f.caseRow(t, sub.CaseID); c.DocExtensionReason != canaryDocExt {
		t.Fatalf("document extension reason read back: %q", c.DocExtensionReason)
	}
	if ms, err := q.OutboxByCase(ctx, f.org.ID, sub.CaseID); err != nil || !strings.Contains(outboxError(ms, mailsBefore[0].ID), canaryMailErr) {
		t.Fatalf("mail error read back: %v", err)
	}
	req, err := q.RequesterOf(ctx, f.org.ID, sub.CaseID)
	if err != nil || req.Name != canaryName || req.Email != canaryEmail || req.Phone != canaryPhone || req.Address != canaryAddress {
		t.Fatalf("requester read back: %+v %v", req, err)
	}
	if c := f.caseRow(t, sub.CaseID); c.Details != canaryDetails || c.Purged {
		t.Fatalf("details read back: %q", c.Details)
	}
	mailCase, err := q.CaseByReceipt(ctx, []int64{f.org.ID}, receipt)
	if err != nil || !strings.Contains(mailCase.Details, canaryMailBody) {
		t.Fatalf("emailed details: %q %v", mailCase.Details, err)
	}
	if _, raw, _, err := q.InboundOfCase(ctx, f.org.ID, mailCase.ID); err != nil || !bytes.Contains(raw, []byte(canaryMailBody)) {
		t.Fatalf("raw message read back: %v", err)
	}
	files, err := q.InboundFiles(ctx, f.org.ID, mailCase.ID)
	if err != nil || len(files) != 1 || files[0].Filename != "liite.pdf" {
		t.Fatalf("inbound files: %+v %v", files, err)
	}
	if fl, err := q.InboundFile(ctx, f.org.ID, mailCase.ID, files[0].ID); err != nil || !bytes.Contains(fl.Data, []byte(canaryMailFile)) {
		t.Fatalf("inbound file read back: %v", err)
	}
	atts, err := q.CaseAttachments(ctx, f.org.ID, sub.CaseID)
	if err != nil || len(atts) != 1 || atts[0].Filename != "ote.txt" {
		t.Fatalf("attachments: %+v %v", atts, err)
	}
	if a, err := q.TaskAttachment(ctx, f.org.ID, atts[0].TaskID, atts[0].ID); err != nil || string(a.Data) != canaryFile {
		t.Fatalf("attachment read back: %q %v", a.Data, err)
	}
	notes, err := q.CaseNotes(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	noteFound := false
	for _, n := range notes {
		noteFound = noteFound || strings.Contains(n, canaryNote)
	}
	if !noteFound {
		t.Fatalf("note read back: %v", notes)
	}
	mails, err := q.OutboxByCase(ctx, f.org.ID, sub.CaseID)
	if err != nil || len(mails) == 0 || mails[0].To != canaryEmail {
		t.Fatalf("outbox read back: %v", err)
	}

	// No canary anywhere in clear; the scan itself finds what is in clear.
	if cols := columnsWith(t, env.Pool, "Testikunta"); len(cols) == 0 {
		t.Fatal("the scan finds nothing, not even the organisation's name")
	}
	for _, c := range []string{canaryName, canaryEmail, canaryPhone, canaryAddress, canaryDetails, canaryExtract, canaryFile,
		canaryNote, canaryComment, canaryMailName, canaryMailAddr, canaryMailBody, canaryMailFile, canaryHetu,
		canaryWithheld, canaryLetter, canaryDocExt, canaryMailErr} {
		if cols := columnsWith(t, env.Pool, c); len(cols) > 0 {
			t.Errorf("%q stored in clear in %v", c, cols)
		}
	}

	// Look-ups through the blind indexes (IN-2 repeats, duplicates).
	n, err := q.CountCasesByEmail(ctx, f.org.ID, "  KANARIA.zyx@Example.test ", env.Clock.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("count by email = %d %v", n, err)
	}
	similar, err := q.RecentSimilar(ctx, f.org.ID, 0, "", env.Keys.BlindIndex("hetu\x00"+canaryHetu), env.Clock.Now().Add(-time.Hour))
	if err != nil || len(similar) != 1 || similar[0].ID != sub.CaseID || similar[0].Details != canaryDetails {
		t.Fatalf("similar by henkilötunnus: %d %v", len(similar), err)
	}
	similar, err = q.RecentSimilar(ctx, f.org.ID, 0, canaryEmail, nil, env.Clock.Now().Add(-time.Hour))
	if err != nil || len(similar) != 1 {
		t.Fatalf("similar by email: %d %v", len(similar), err)
	}
	var keyID string
	if err := env.Pool.QueryRow(ctx, `SELECT email_index_key FROM requesters WHERE case_id = $1`, sub.CaseID).Scan(&keyID); err != nil || keyID != env.Keys.ID() {
		t.Fatalf("email index key id %q %v (D-26)", keyID, err)
	}

	// A ciphertext copied to another case does not open there.
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET details = (SELECT details FROM cases WHERE id = $1) WHERE id = $2`,
		sub.CaseID, mailCase.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.New(env.Pool).CaseByID(ctx, f.org.ID, mailCase.ID); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("details copied to another case: err %v", err)
	}
	// ... nor in another column of the same case.
	if _, err := env.Pool.Exec(ctx, `UPDATE requesters SET name = email WHERE case_id = $1`, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.New(env.Pool).RequesterOf(ctx, f.org.ID, sub.CaseID); !errors.Is(err, secret.ErrOpen) {
		t.Fatalf("email copied to the name column: err %v", err)
	}

	// D-25: destroying the key makes the case unreadable, with a typed error.
	if err := env.Workflow.DestroyCaseKey(ctx, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	q = store.New(env.Pool)
	if _, err := q.RequesterOf(ctx, f.org.ID, sub.CaseID); !errors.Is(err, store.ErrPurged) {
		t.Fatalf("requester after purge: %v", err)
	}
	c, err := q.CaseByID(ctx, f.org.ID, sub.CaseID)
	if err != nil || !c.Purged || c.Details != "" || c.Receipt != sub.Receipt {
		t.Fatalf("case after purge: purged=%v details=%q err=%v", c.Purged, c.Details, err)
	}
	if _, err := q.CaseNotes(ctx, f.org.ID, sub.CaseID); !errors.Is(err, store.ErrPurged) {
		t.Fatalf("notes after purge: %v", err)
	}
	if _, err := q.TaskAttachment(ctx, f.org.ID, atts[0].TaskID, atts[0].ID); !errors.Is(err, store.ErrPurged) {
		t.Fatalf("attachment after purge: %v", err)
	}
	// A write cannot bring a new key to life.
	if _, err := q.InsertCaseNote(ctx, f.org.ID, sub.CaseID, "note", "x", env.Clock.Now()); !errors.Is(err, store.ErrPurged) {
		t.Fatalf("note written after purge: %v", err)
	}
	// The status page of a purged case behaves as for a case without an
	// address: no error, no mail.
	if err := env.Workflow.SendStatusCode(ctx, f.org, sub.Receipt); err != nil {
		t.Fatalf("status code after purge: %v", err)
	}
	// The other case of the organisation is untouched.
	if _, err := q.InboundFiles(ctx, f.org.ID, mailCase.ID); err != nil {
		t.Fatalf("another case after a purge: %v", err)
	}
}

// D-26: after a rotation (a new current key, the old one in
// OLD_SECRET_KEYS) a case written under the old key still reads, new
// cases wrap under the new key, and a ring without the old key cannot
// read the old case.
func TestRotatedKeyringOpensOldCases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	r := f.request("access")
	r.Name, r.Email = canaryName, canaryEmail
	sub, err := env.Workflow.SubmitWeb(ctx, f.org, r)
	if err != nil {
		t.Fatal(err)
	}
	oldHex := fmt.Sprintf("%x", func() []byte {
		k := make([]byte, 32)
		for i := range k {
			k[i] = byte(i*7 + 3) // testenv's key
		}
		return k
	}())
	newHex := strings.Repeat("5e", 32)
	rotated, err := secret.NewRing("k2:"+newHex, []string{oldHex})
	if err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool).WithKeys(rotated)
	req, err := q.RequesterOf(ctx, f.org.ID, sub.CaseID)
	if err != nil || req.Name != canaryName {
		t.Fatalf("old case under the rotated ring: %q %v", req.Name, err)
	}
	n, err := q.CountCasesByEmail(ctx, f.org.ID, canaryEmail, env.Clock.Now().Add(-time.Hour))
	if err != nil || n != 0 { // unconfirmed: not counted, but the look-up under both keys must not fail
		t.Fatalf("count: %d %v", n, err)
	}
	id, err := q.InsertCase(ctx, store.Case{OrgID: f.org.ID, Receipt: "RD-2026-999001", Rights: []string{"access"},
		Details: "uusi", Delivery: "electronic", Lang: "fi", Channel: "paper", State: "received", ReceivedAt: env.Clock.Now(),
		RawEnd: env.Clock.Now(), LegalDue: env.Clock.Now(), SafeTarget: env.Clock.Now(), CreatedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var keyID string
	if err := env.Pool.QueryRow(ctx, `SELECT key_id FROM case_keys WHERE case_id = $1`, id).Scan(&keyID); err != nil || keyID != "k2" {
		t.Fatalf("new case wrapped under %q %v", keyID, err)
	}
	onlyNew, _ := secret.NewRing("k2:"+newHex, nil)
	if _, err := store.New(env.Pool).WithKeys(onlyNew).RequesterOf(ctx, f.org.ID, sub.CaseID); !errors.Is(err, secret.ErrUnknownKey) {
		t.Fatalf("old case without the old key: %v", err)
	}
}

func outboxError(ms []store.OutboxRow, id int64) string {
	for _, m := range ms {
		if m.ID == id {
			return m.LastError
		}
	}
	return ""
}
func intPtr(n int) *int { return &n }

// canaryCase files the issue 16 canary case: a web request carrying every
// canary, confirmed, identity verified, noted, the library's task answered
// with an extract and a file, plus an emailed request with an attachment;
// mail delivered. It returns the web case, the answered task and the
// emailed request's receipt.
func (f *fixture) canaryCase(t *testing.T) (workflow.Submission, int64, string) {
	t.Helper()
	ctx := context.Background()
	env := f.env
	r := f.request("access")
	r.Name, r.Email, r.Phone, r.Address, r.Details, r.Hetu = canaryName, canaryEmail, canaryPhone, canaryAddress, canaryDetails, canaryHetu
	sub, err := env.Workflow.SubmitWeb(ctx, f.org, r)
	if err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(5 * time.Minute)
	if _, err := env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, canaryEmail)); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.VerifyIdentity(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "in_person", "passport"); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.AddNote(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "Soitettu: "+canaryNote); err != nil {
		t.Fatal(err)
	}
	var answeredTask int64
	for _, tk := range f.tasks(t, sub.CaseID) {
		if tk.State != "open" || tk.RegisterID != f.regs["library"] {
			continue
		}
		if err := env.Workflow.AnswerTask(ctx, f.org, tk.ID, workflow.OwnerActor(tk.ID), workflow.TaskAnswer{
			Answer: "extract", Comment: canaryComment, ExtractText: "nimi\tkortti\n" + canaryExtract + "\t123",
			Attachments: []workflow.Attachment{{Filename: "ote.txt", ContentType: "text/plain", Data: []byte(canaryFile)}}}); err != nil {
			t.Fatal(err)
		}
		answeredTask = tk.ID
	}
	if answeredTask == 0 {
		t.Fatal("no open library task to answer")
	}
	receipt, err := env.Workflow.ReceiveEmail(ctx, f.org, workflow.InboundMail{To: f.org.PrivacyEmail, From: canaryMailAddr,
		Raw: emailedRequest(f.org.PrivacyEmail), ReceivedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	return sub, answeredTask, receipt
}
