package workflow_test

import (
	"context"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/migrations"
)

// Issue 16 item 4, existing installs: rows written in clear before the
// encryption migration are kept readable by it (version-0 envelopes) and
// sealed by store.EncryptLegacy (run by serve and 'migrate up'), which is
// idempotent; afterwards nothing is left in clear and the email look-up
// finds the old case.
func TestEncryptLegacyRows(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("vanha", "Vanhakunta", "Gammalby", "fi")
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	before := 0
	for _, m := range all {
		if m.Name == "encrypt" {
			before = m.Version - 1
		}
	}
	if before == 0 {
		t.Fatal("no encrypt migration")
	}
	if err := migrations.To(ctx, env.Pool, before); err != nil {
		t.Fatal(err)
	}
	now := env.Clock.Now()
	var caseID int64
	if err := env.Pool.QueryRow(ctx, `INSERT INTO cases (org_id, receipt, rights, details, lang, channel, state, received_at,
		confirmed_at, raw_end, legal_due, safe_target) VALUES ($1, 'RD-2026-000777', '{access}', $2, 'fi', 'web', 'in_progress',
		$3, $3, $4, $4, $4) RETURNING id`, org.ID, canaryDetails, now, now.Format("2006-01-02")).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO requesters (case_id, org_id, name, email, phone, address) VALUES ($1, $2, '` + canaryName + `', '` +
			canaryEmail + `', '` + canaryPhone + `', '` + canaryAddress + `')`,
		`INSERT INTO case_notes (org_id, case_id, kind, body, created_at) VALUES ($2, $1, 'note', '` + canaryNote + `', now())`,
		`INSERT INTO outbox (org_id, case_id, kind, to_addr, lang, subject, text_body, html_body, message_id)
			VALUES ($2, $1, 'receipt', '` + canaryEmail + `', 'fi', 'Kuittaus', '` + canaryMailBody + `', '', '<a@x>')`,
		`INSERT INTO outbox (org_id, kind, to_addr, lang, subject, text_body, html_body, message_id)
			SELECT $2, 'staff_invite', '` + canaryMailAddr + `', 'fi', 'Kutsu', 'kutsu', '', '<b@x>' WHERE $1::bigint > 0`,
		`INSERT INTO inbound_messages (org_id, case_id, from_addr, to_addr, subject, raw, received_at)
			VALUES ($2, $1, '` + canaryMailAddr + `', 'p@x', 'Pyyntö', convert_to('` + canaryMailFile + `', 'UTF8'), now())`,
	} {
		if _, err := env.Pool.Exec(ctx, sql, caseID, org.ID); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if err := migrations.Up(ctx, env.Pool); err != nil {
		t.Fatal(err)
	}
	// Readable straight after the migration, before the Go step.
	q := store.New(env.Pool)
	if r, err := q.RequesterOf(ctx, org.ID, caseID); err != nil || r.Name != canaryName {
		t.Fatalf("legacy requester: %q %v", r.Name, err)
	}
	rep, err := store.EncryptLegacy(ctx, env.Pool, env.Keys)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sealed < 11 || rep.CaseKeys != 1 || rep.EmailIndexed != 1 {
		t.Fatalf("report %+v", rep)
	}
	for _, c := range []string{canaryName, canaryEmail, canaryPhone, canaryAddress, canaryDetails, canaryNote, canaryMailBody,
		canaryMailAddr, canaryMailFile} {
		if cols := columnsWith(t, env.Pool, c); len(cols) > 0 {
			t.Errorf("%q still in clear in %v", c, cols)
		}
	}
	q = store.New(env.Pool)
	r, err := q.RequesterOf(ctx, org.ID, caseID)
	if err != nil || r.Name != canaryName || r.Email != canaryEmail || r.Address != canaryAddress {
		t.Fatalf("after encryption: %+v %v", r, err)
	}
	if c, err := q.CaseByID(ctx, org.ID, caseID); err != nil || c.Details != canaryDetails {
		t.Fatalf("details after encryption: %q %v", c.Details, err)
	}
	if _, raw, _, err := q.InboundOfCase(ctx, org.ID, caseID); err != nil || string(raw) != canaryMailFile {
		t.Fatalf("raw after encryption: %q %v", raw, err)
	}
	if n, err := q.CountCasesByEmail(ctx, org.ID, canaryEmail, now.Add(-time.Hour)); err != nil || n != 1 {
		t.Fatalf("email look-up of the old case: %d %v", n, err)
	}
	mails, err := q.OutboxByCase(ctx, org.ID, caseID)
	if err != nil || len(mails) != 1 || mails[0].To != canaryEmail || mails[0].Text != canaryMailBody {
		t.Fatalf("old mail: %+v %v", mails, err)
	}
	again, err := store.EncryptLegacy(ctx, env.Pool, env.Keys)
	if err != nil || again != (store.LegacyReport{}) {
		t.Fatalf("second run: %+v %v", again, err)
	}
}
