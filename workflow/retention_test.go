package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Canaries of the retention test: some are stored in clear while the case
// lives (a withheld reason, a queued letter, a document-request extension
// reason), the others sealed.
const (
	rcWithheld = "KANARIA-WITHHELD-9051"
	rcLetter   = "KANARIA-LETTER-9052"
	rcDocExt   = "KANARIA-DOCEXT-9053"
)

var answerLinkRe = regexp.MustCompile(`https?://[^/\s]+(/\S*/answer/[A-Za-z0-9_-]+)`)

// bytesWith names the bytea columns of every table that contain b.
func bytesWith(t *testing.T, pool *pgxpool.Pool, b []byte) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `SELECT table_schema, table_name, column_name FROM information_schema.columns
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND data_type = 'bytea'
		  AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')`)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][3]string
	for rows.Next() {
		var c [3]string
		if err := rows.Scan(&c[0], &c[1], &c[2]); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	var found []string
	for _, c := range cols {
		var n int
		if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %q.%q WHERE position($1::bytea in %q) > 0`, c[0], c[1], c[2]), b).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c[1], c[2], err)
		}
		if n > 0 {
			found = append(found, c[1]+"."+c[2])
		}
	}
	return found
}

// sealedSamples returns a slice from the middle of every sealed value the
// case holds (its ciphertexts), to look for after the purge.
func sealedSamples(t *testing.T, pool *pgxpool.Pool, caseID int64) [][]byte {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT v FROM (
			SELECT name AS v FROM requesters WHERE case_id = $1
			UNION ALL SELECT email FROM requesters WHERE case_id = $1
			UNION ALL SELECT hetu_enc FROM requesters WHERE case_id = $1
			UNION ALL SELECT email_index FROM requesters WHERE case_id = $1
			UNION ALL SELECT hetu_index FROM requesters WHERE case_id = $1
			UNION ALL SELECT details FROM cases WHERE id = $1
			UNION ALL SELECT body FROM case_notes WHERE case_id = $1
			UNION ALL SELECT extract_text FROM tasks WHERE case_id = $1
			UNION ALL SELECT data FROM task_attachments WHERE task_id IN (SELECT id FROM tasks WHERE case_id = $1)
			UNION ALL SELECT pdf FROM answer_deliveries WHERE case_id = $1
			UNION ALL SELECT text_body FROM outbox WHERE case_id = $1
			UNION ALL SELECT raw FROM inbound_messages WHERE case_id = $1
			UNION ALL SELECT data FROM inbound_files WHERE case_id = $1
		) s WHERE length(v) >= 40`, caseID)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for rows.Next() {
		var v []byte
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, bytes.Clone(v[len(v)/2-12:len(v)/2+12]))
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// fullClosedCase drives a web request with canaries through the whole
// flow (code, identity, a note, an owner's extract and file, a withheld
// mark, a queued letter, the answer link) and closes it. It returns the
// case id, its receipt and the answer link's path.
func fullClosedCase(t *testing.T, f *fixture) (int64, string, string) {
	t.Helper()
	ctx := context.Background()
	env := f.env
	dpo := workflow.StaffActor(1)
	r := f.request("access")
	r.Name, r.Email, r.Phone, r.Address, r.Details, r.Hetu = canaryName, canaryEmail, canaryPhone, canaryAddress, canaryDetails, canaryHetu
	sub, err := env.Workflow.SubmitWeb(ctx, f.org, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, canaryEmail)); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.VerifyIdentity(ctx, f.org, sub.CaseID, dpo, "in_person", "passport"); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.AddNote(ctx, f.org, sub.CaseID, dpo, "Soitettu: "+canaryNote); err != nil {
		t.Fatal(err)
	}
	var extractTask int64
	for _, tk := range f.tasks(t, sub.CaseID) {
		if tk.State != "open" {
			continue
		}
		by := workflow.OwnerActor(tk.ID)
		if tk.OwnerEmail == "" {
			by = dpo
		}
		a := workflow.TaskAnswer{Answer: "no_data"}
		if tk.RegisterID == f.regs["library"] {
			a = workflow.TaskAnswer{Answer: "extract", Comment: canaryComment, ExtractText: "nimi\tkortti\n" + canaryExtract + "\t123",
				Attachments: []workflow.Attachment{{Filename: "ote.txt", ContentType: "text/plain", Data: []byte(canaryFile)}}}
			extractTask = tk.ID
		}
		if err := env.Workflow.AnswerTask(ctx, f.org, tk.ID, by, a); err != nil {
			t.Fatal(err)
		}
	}
	if extractTask == 0 {
		t.Fatal("no library task")
	}
	q := store.New(env.Pool)
	row := 2
	if _, err := q.InsertWithheld(ctx, store.Withheld{OrgID: f.org.ID, CaseID: sub.CaseID, TaskID: extractTask, Row: &row,
		Ground: "third_party", Reason: rcWithheld, CreatedAt: env.Clock.Now(), CreatedBy: string(dpo)}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.InsertQueuedLetter(ctx, store.QueuedLetter{OrgID: f.org.ID, CaseID: sub.CaseID, Kind: "receipt", Method: "paper",
		Lang: "fi", Filename: sub.Receipt + ".pdf", CreatedAt: env.Clock.Now(), CreatedBy: string(dpo)}, []byte("%PDF-1.4 "+rcLetter)); err != nil {
		t.Fatal(err)
	}
	if err := q.SetDocExtension(ctx, f.org.ID, sub.CaseID, rcDocExt, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.SendAnswer(ctx, f.org, sub.CaseID, dpo); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.RenderAnswer{}.Kind())
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	link := ""
	for _, m := range env.Catcher.Messages() {
		if slices.Contains(m.To, canaryEmail) && m.Headers.Get("X-Rightsdesk-Kind") == "answer_link" {
			if l := answerLinkRe.FindStringSubmatch(m.Text); l != nil {
				link = l[1]
			}
		}
	}
	if link == "" {
		t.Fatal("no answer link mailed")
	}
	if err := env.Workflow.Close(ctx, f.org, sub.CaseID, dpo); err != nil {
		t.Fatal(err)
	}
	return sub.CaseID, sub.Receipt, link
}

// simpleClosedCase: a paper request answered with "no data" and closed.
func simpleClosedCase(t *testing.T, env *testenv.Env, org store.Org, name string) int64 {
	t.Helper()
	ctx := context.Background()
	r := workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: name, Email: "someone@example.test", Lang: "fi",
		Details: "Pyyntö"}
	sub, err := env.Workflow.SubmitWeb(ctx, org, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET confirmed_at = received_at WHERE id = $1`, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'closed', closed_at = $2, answered_at = $2 WHERE id = $1`,
		sub.CaseID, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	return sub.CaseID
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := testenv.Client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Issue 22, D-25, D-28: a closed case older than its organisation's
// retention period is purged by the daily job; a younger one is not, nor
// one of an organisation with a longer period. After the purge no canary
// and no ciphertext of the case is anywhere in the database, the
// tombstone holds the statistics, the audit chains verify, the answer
// link answers 410, and a second run purges nothing more. The DPO's
// digest reports the purge once.
func TestRetentionPurge(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	long := env.Org("pitka", "Pitkäkunta", "Långby", "fi")
	env.Register(long.ID, "Rekisteri", "c", "")
	if _, err := env.Pool.Exec(ctx, `UPDATE organisations SET retention_years = 5 WHERE id = $1`, long.ID); err != nil {
		t.Fatal(err)
	}
	srv := env.HTTP()

	oldID, oldReceipt, link := fullClosedCase(t, f)
	if got := getStatus(t, srv.URL+link); got != http.StatusOK {
		t.Fatalf("answer link before the purge: %d", got)
	}
	// An emailed request of the same age, closed.
	mailReceipt, err := env.Workflow.ReceiveEmail(ctx, f.org, workflow.InboundMail{To: f.org.PrivacyEmail, From: canaryMailAddr,
		Raw: emailedRequest(f.org.PrivacyEmail), ReceivedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	mailCase, err := store.New(env.Pool).CaseByReceipt(ctx, []int64{f.org.ID}, mailReceipt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE cases SET state = 'closed', closed_at = $2 WHERE id = $1`, mailCase.ID, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	longID := simpleClosedCase(t, env, long, "Pitkä Säilytys")
	// A pending job that names the old case (a reminder of its task).
	tasks := f.tasks(t, oldID)
	if _, err := env.River.Insert(ctx, jobargs.TaskReminder{TaskID: tasks[0].ID, Due: "2026-03-20", DaysBef: 2},
		nil); err != nil {
		t.Fatal(err)
	}
	samples := sealedSamples(t, env.Pool, oldID)
	samples = append(samples, sealedSamples(t, env.Pool, mailCase.ID)...)
	if len(samples) < 8 {
		t.Fatalf("only %d sealed values sampled", len(samples))
	}
	// These three are sealed under the case key (issue 16 item 4): never
	// in clear, and gone with the key and the sealed samples below.
	for _, c := range []string{rcWithheld, rcLetter, rcDocExt} {
		if cols := columnsWith(t, env.Pool, c); len(cols) != 0 {
			t.Fatalf("canary %q stored in clear in %v", c, cols)
		}
	}
	if c, err := store.New(env.Pool).CaseByID(ctx, f.org.ID, oldID); err != nil || c.DocExtensionReason != rcDocExt {
		t.Fatalf("the sealed extension reason does not read back before the purge: %q %v", c.DocExtensionReason, err)
	}

	// A year later, a younger case of the same organisation is closed.
	env.Clock.Advance(365 * 24 * time.Hour)
	youngID := simpleClosedCase(t, env, f.org, "Nuori Tapaus")

	// Just under two years after closing: nothing is due yet.
	env.Clock.Advance(364 * 24 * time.Hour)
	if n, err := env.Workflow.PurgeExpired(ctx, 0); err != nil || n != 0 {
		t.Fatalf("purge before the period ended: %d %v", n, err)
	}

	// Two years and a day after closing: the daily job purges.
	env.Clock.Advance(3 * 24 * time.Hour)
	if _, err := env.River.Insert(ctx, jobargs.RetentionPurge{}, nil); err != nil {
		t.Fatal(err)
	}
	if n := env.WorkAll(jobargs.RetentionPurge{}.Kind()); n != 1 {
		t.Fatalf("purge jobs run: %d", n)
	}
	var purged []int64
	rows, _ := env.Pool.Query(ctx, `SELECT case_id FROM purged_cases ORDER BY case_id`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		purged = append(purged, id)
	}
	want := []int64{oldID, mailCase.ID}
	slices.Sort(want)
	if !slices.Equal(purged, want) {
		t.Fatalf("purged %v, want %v (the young case %d and the 5-year organisation's %d stay)", purged, want, youngID, longID)
	}

	// The tombstone keeps the statistics.
	ts, err := store.New(env.Pool).TombstoneOf(ctx, f.org.ID, oldID)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Receipt != oldReceipt || !slices.Equal(ts.Rights, []string{"access"}) || ts.Channel != "web" || ts.AnsweredAt == nil ||
		ts.Outcome != "answered" || ts.OnTime == nil || !*ts.OnTime {
		t.Fatalf("tombstone %+v", ts)
	}

	// No canary, no ciphertext of the purged cases anywhere.
	for _, c := range []string{canaryName, canaryEmail, canaryPhone, canaryAddress, canaryDetails, canaryExtract, canaryFile,
		canaryNote, canaryComment, canaryMailName, canaryMailAddr, canaryMailBody, canaryMailFile, canaryHetu,
		rcWithheld, rcLetter, rcDocExt} {
		if cols := columnsWith(t, env.Pool, c); len(cols) > 0 {
			t.Errorf("%q still in %v after the purge", c, cols)
		}
	}
	for i, s := range samples {
		if cols := bytesWith(t, env.Pool, s); len(cols) > 0 {
			t.Errorf("ciphertext %d of a purged case still in %v", i, cols)
		}
	}
	var left int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'task_reminder' AND (args->>'task_id')::bigint = $1`,
		tasks[0].ID).Scan(&left); err != nil || left != 0 {
		t.Fatalf("jobs naming the purged case: %d %v", left, err)
	}
	// Reads answer ErrPurged; the younger case still reads.
	if req, err := store.New(env.Pool).RequesterOf(ctx, f.org.ID, oldID); err == nil && (req.Name != "" || req.Email != "") {
		t.Fatal("requester of a purged case still reads")
	}
	if _, err := store.New(env.Pool).CaseNotes(ctx, f.org.ID, oldID); err == nil {
		// Notes are gone and the key destroyed: a new note cannot be written.
		if _, err := store.New(env.Pool).InsertCaseNote(ctx, f.org.ID, oldID, "note", "x", env.Clock.Now()); !errors.Is(err, store.ErrPurged) {
			t.Fatalf("note written after the purge: %v", err)
		}
	}
	if req, err := store.New(env.Pool).RequesterOf(ctx, f.org.ID, youngID); err != nil || req.Name != "Nuori Tapaus" {
		t.Fatalf("young case: %+v %v", req, err)
	}
	if req, err := store.New(env.Pool).RequesterOf(ctx, long.ID, longID); err != nil || req.Name != "Pitkä Säilytys" {
		t.Fatalf("5-year organisation's case: %+v %v", req, err)
	}

	// The audit chains verify, the purge is in the case's chain.
	rep, err := env.Workflow.VerifyAudit(ctx, 0)
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify after the purge: %+v %v", rep.First, err)
	}
	if ok, err := store.New(env.Pool).AuditExists(ctx, f.org.ID, oldID, "case.purged", map[string]any{}); err != nil || !ok {
		t.Fatalf("case.purged not audited: %v %v", ok, err)
	}

	// The download link is gone, not unknown.
	if got := getStatus(t, srv.URL+link); got != http.StatusGone {
		t.Fatalf("answer link after the purge: %d, want 410", got)
	}

	// Run again: nothing more.
	if n, err := env.Workflow.PurgeExpired(ctx, 0); err != nil || n != 0 {
		t.Fatalf("second purge: %d %v", n, err)
	}
	var events int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'case.purged'`).Scan(&events)
	if events != 2 {
		t.Fatalf("case.purged events: %d", events)
	}

	// The 5-year organisation's case goes after five years.
	env.Clock.Advance(3 * 366 * 24 * time.Hour)
	if n, err := env.Workflow.PurgeExpired(ctx, 0); err != nil || n != 2 {
		t.Fatalf("purge after five years: %d %v (the young case and the 5-year one)", n, err)
	}
}

// The DPO's digest reports how many cases were purged since the last one,
// once.
func TestRetentionPurgeInDigest(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	simpleClosedCase(t, env, f.org, "Vanha Tapaus")
	env.Clock.Advance((2*365 + 2) * 24 * time.Hour)
	if n, err := env.Workflow.PurgeExpired(ctx, 0); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	day := workflow.DigestDay(env.Clock.Now())
	if _, err := env.Workflow.SendDigests(ctx, day); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	text := env.Catalog.T("fi", "jobs.digest.purged.one", 1)
	found := 0
	for _, m := range env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == "digest" && bytes.Contains([]byte(m.Text), []byte(text)) {
			found++
		}
	}
	if found == 0 {
		t.Fatalf("no digest reports the purge (%q)", text)
	}
	// The next day's digest has nothing to report (and no due cases: none is sent).
	before := len(env.Catcher.Messages())
	if _, err := env.Workflow.SendDigests(ctx, day.AddDays(1)); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	if got := len(env.Catcher.Messages()); got != before {
		t.Fatalf("a second digest was sent with nothing to report: %d mails", got-before)
	}
}

// Unconfirmed web submissions keep their 24-hour purge (issue 5); it
// takes the case key and the code mail with it (issue 22).
func TestPurgeUnconfirmedTakesKeyAndMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env
	sub, err := env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	var keys, mails int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM case_keys WHERE case_id = $1 AND wrapped IS NOT NULL`, sub.CaseID).Scan(&keys)
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE case_id = $1`, sub.CaseID).Scan(&mails)
	if keys != 1 || mails == 0 {
		t.Fatalf("before: keys %d mails %d", keys, mails)
	}
	env.Clock.Advance(25 * time.Hour)
	if n, err := env.Workflow.PurgeUnconfirmed(ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM case_keys WHERE case_id = $1`, sub.CaseID).Scan(&keys)
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE case_id IS NULL AND kind LIKE '%code%'`).Scan(&mails)
	var jobsLeft int
	env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver_mail'`).Scan(&jobsLeft)
	if keys != 0 || mails != 0 || jobsLeft != 0 {
		t.Fatalf("after: keys %d orphaned code mails %d mail jobs %d", keys, mails, jobsLeft)
	}
}
