package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// testenvKeyHex is testenv's deterministic key (testenv.make32).
func testenvKeyHex() string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i*7 + 3)
	}
	return fmt.Sprintf("%x", k)
}

// Issue 22 (D-26), key rotation with data written under the old key: a
// full case (requester with henkilötunnus, an owner's file, a note, mails)
// and an emailed request with its file, a mail of no case (sealed under
// the ring), a staff TOTP secret, audit events and a checkpoint. After
// store.RotateKeys under a ring whose current key is new:
// (a) every case opens, (b) no case key is wrapped under the old key,
// (c) the searches by email and henkilötunnus find the case through the
// recomputed indexes, (d) audit verify passes on old and new events,
// (e) with the old key removed from the ring (its audit keys kept as a
// "verify" entry) everything still opens and verifies, and
// (f) a rotation interrupted after its first batch resumes and finishes.
func TestKeyRotationReencryptsEverything(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	env := f.env

	// --- data under the old key ------------------------------------------
	sub, _, receipt := f.canaryCase(t)
	q0 := store.New(env.Pool)
	mailCase, err := q0.CaseByReceipt(ctx, []int64{f.org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	// A mail of no case: sealed under the keyring directly (version 2).
	noCaseMail, err := q0.InsertOutbox(ctx, store.OutboxRow{OrgID: f.org.ID, Kind: "staff_invite", To: canaryMailAddr, Lang: "fi",
		Subject: "Kutsu", Text: canaryMailBody}, "testby.test")
	if err != nil {
		t.Fatal(err)
	}
	// A staff member's TOTP secret (Keys.Encrypt, totp_key_id).
	var staffID int64
	if err := env.Pool.QueryRow(ctx, `INSERT INTO staff_users (email, password_hash) VALUES ('dpo@testby.test', 'x') RETURNING id`).Scan(&staffID); err != nil {
		t.Fatal(err)
	}
	totpPlain := []byte("TOTP-SECRET-0123456789")
	totpEnc, err := env.Keys.Encrypt(totpPlain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, `UPDATE staff_users SET totp_secret = $2, totp_key_id = $3, totp_enabled_at = now() WHERE id = $1`,
		staffID, totpEnc, env.Keys.ID()); err != nil {
		t.Fatal(err)
	}
	// A request whose code was mailed before the rotation, confirmed after.
	r2 := f.request("access")
	r2.Email, r2.Hetu = "toinen@example.test", ""
	sub2, err := env.Workflow.SubmitWeb(ctx, f.org, r2)
	if err != nil {
		t.Fatal(err)
	}
	code2 := f.codeFrom(t, "toinen@example.test")
	if _, err := env.Workflow.Checkpoint(ctx); err != nil { // signed under the old key
		t.Fatal(err)
	}
	oldID := env.Keys.ID()
	if n := count(t, env, `SELECT count(*) FROM case_keys WHERE key_id = $1 AND case_id IN ($2, $3)`, oldID, sub.CaseID, mailCase.ID); n != 2 {
		t.Fatalf("case keys under the old key before rotation: %d", n)
	}
	oldHetuIndex := env.Keys.BlindIndex("hetu\x00" + canaryHetu)

	// --- rotate, interrupted after the first batch (f) ---------------------
	newEntry := "k2:" + strings.Repeat("5e", 32)
	rotated, err := secret.NewRing(newEntry, []string{testenvKeyHex()})
	if err != nil {
		t.Fatal(err)
	}
	// The test binary's other tests share the process keyring: it learns
	// the new key for reading (what a running server does), and goes on
	// sealing under testenv's key.
	store.LearnKeys(rotated)
	stopCtx, stop := context.WithCancel(ctx)
	var progress []store.RotateProgress
	_, err = store.RotateKeys(stopCtx, env.Pool, rotated, store.RotateOptions{Batch: 1, Progress: func(p store.RotateProgress) {
		progress = append(progress, p)
		stop() // Ctrl-C after the first batch
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted rotation: %v", err)
	}
	if len(progress) != 1 || progress[0].Phase != "case keys" || progress[0].Done != 1 || progress[0].Total < 2 {
		t.Fatalf("progress of the first batch: %+v", progress)
	}
	pending, total, err := store.KeysPending(ctx, env.Pool, rotated)
	if err != nil || total == 0 || pending["case keys"] == 0 {
		t.Fatalf("after the interruption nothing is left to do? %v %d %v", pending, total, err)
	}
	// Half-rotated: the server's ring (old current + learnt key) reads both.
	if _, err := store.New(env.Pool).RequesterOf(ctx, f.org.ID, sub.CaseID); err != nil {
		t.Fatalf("half-rotated case: %v", err)
	}
	if _, err := store.New(env.Pool).CaseByID(ctx, f.org.ID, mailCase.ID); err != nil {
		t.Fatalf("half-rotated case: %v", err)
	}
	progress = nil
	rep, err := store.RotateKeys(ctx, env.Pool, rotated, store.RotateOptions{Batch: 1, Progress: func(p store.RotateProgress) {
		progress = append(progress, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Remaining != 0 || rep.Moved["requesters' indexes and henkilötunnus"] < 2 || rep.Moved["outbox.to_addr"] < 1 ||
		rep.Moved["staff TOTP secrets"] != 1 {
		t.Fatalf("resumed rotation: %+v", rep)
	}
	if last := progress[len(progress)-1]; last.Done != last.Total {
		t.Fatalf("last progress line %+v", last)
	}
	again, err := store.RotateKeys(ctx, env.Pool, rotated, store.RotateOptions{})
	if err != nil || len(again.Moved) != 0 || again.Remaining != 0 {
		t.Fatalf("a third run found work: %+v %v", again, err)
	}

	// (b) no case key under the old key; the TOTP secret and indexes moved.
	if n := count(t, env, `SELECT count(*) FROM case_keys WHERE key_id = $1 AND wrapped IS NOT NULL`, oldID); n != 0 {
		t.Fatalf("%d case keys still wrapped under the old key", n)
	}
	if n := count(t, env, `SELECT count(*) FROM case_keys WHERE key_id = 'k2' AND case_id IN ($1, $2)`, sub.CaseID, mailCase.ID); n != 2 {
		t.Fatalf("case keys under the new key: %d", n)
	}
	if n := count(t, env, `SELECT count(*) FROM requesters WHERE case_id = $1 AND hetu_index = $2`, sub.CaseID, oldHetuIndex); n != 0 {
		t.Fatal("the henkilötunnus index is still the old key's")
	}
	var outboxTo []byte
	if err := env.Pool.QueryRow(ctx, `SELECT to_addr FROM outbox WHERE id = $1`, noCaseMail).Scan(&outboxTo); err != nil {
		t.Fatal(err)
	}
	if v, id, err := secret.EnvelopeInfo(outboxTo); err != nil || v != secret.EnvRing || id != "k2" {
		t.Fatalf("mail of no case: envelope %d under %q %v", v, id, err)
	}

	// (e) the old key removed: only its audit keys stay ("verify" entry).
	verify, err := rotated.VerifyEntries(oldID)
	if err != nil {
		t.Fatal(err)
	}
	onlyNew, err := secret.NewRing(newEntry, verify)
	if err != nil {
		t.Fatal(err)
	}
	for name, ring := range map[string]*secret.Keys{"rotated ring": rotated, "old key removed": onlyNew} {
		q := store.New(env.Pool).WithKeys(ring)
		// (a) every case opens.
		req, err := q.RequesterOf(ctx, f.org.ID, sub.CaseID)
		if err != nil || req.Name != canaryName || req.Email != canaryEmail || req.Address != canaryAddress {
			t.Fatalf("%s: requester %+v %v", name, req, err)
		}
		hetu, err := ring.Decrypt(req.HetuEnc)
		if err != nil || string(hetu) != canaryHetu {
			t.Fatalf("%s: henkilötunnus %v", name, err)
		}
		if c, err := q.CaseByID(ctx, f.org.ID, sub.CaseID); err != nil || c.Details != canaryDetails {
			t.Fatalf("%s: details %v", name, err)
		}
		notes, err := q.CaseNotes(ctx, f.org.ID, sub.CaseID)
		if err != nil || !mapHas(notes, canaryNote) {
			t.Fatalf("%s: notes %v %v", name, notes, err)
		}
		atts, err := q.CaseAttachments(ctx, f.org.ID, sub.CaseID)
		if err != nil || len(atts) != 1 {
			t.Fatalf("%s: attachments %v", name, err)
		}
		if a, err := q.TaskAttachment(ctx, f.org.ID, atts[0].TaskID, atts[0].ID); err != nil || string(a.Data) != canaryFile {
			t.Fatalf("%s: attachment %v", name, err)
		}
		mails, err := q.OutboxByCase(ctx, f.org.ID, sub.CaseID)
		if err != nil || len(mails) == 0 || mails[0].To != canaryEmail {
			t.Fatalf("%s: mails %v", name, err)
		}
		if _, raw, _, err := q.InboundOfCase(ctx, f.org.ID, mailCase.ID); err != nil || !bytes.Contains(raw, []byte(canaryMailBody)) {
			t.Fatalf("%s: emailed request %v", name, err)
		}
		files, err := q.InboundFiles(ctx, f.org.ID, mailCase.ID)
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: inbound files %v", name, err)
		}
		if fl, err := q.InboundFile(ctx, f.org.ID, mailCase.ID, files[0].ID); err != nil || !bytes.Contains(fl.Data, []byte(canaryMailFile)) {
			t.Fatalf("%s: inbound file %v", name, err)
		}
		var to []byte
		if err := env.Pool.QueryRow(ctx, `SELECT to_addr FROM outbox WHERE id = $1`, noCaseMail).Scan(&to); err != nil {
			t.Fatal(err)
		}
		if v, err := ring.OpenRing("outbox.to_addr", to); err != nil || string(v) != canaryMailAddr {
			t.Fatalf("%s: mail of no case %v", name, err)
		}
		var totp []byte
		var totpKey string
		if err := env.Pool.QueryRow(ctx, `SELECT totp_secret, totp_key_id FROM staff_users WHERE id = $1`, staffID).Scan(&totp, &totpKey); err != nil {
			t.Fatal(err)
		}
		if v, err := ring.Decrypt(totp); err != nil || !bytes.Equal(v, totpPlain) || totpKey != "k2" {
			t.Fatalf("%s: TOTP secret under %q: %v", name, totpKey, err)
		}

		// (c) the searches find the case through the new indexes alone.
		for what, pi := range map[string]func() (*store.PersonIndexes, error){
			"email": func() (*store.PersonIndexes, error) { return q.EmailSearch(" KANARIA.zyx@Example.test") },
			"hetu":  func() (*store.PersonIndexes, error) { return q.HetuSearch(canaryHetu) },
		} {
			p, err := pi()
			if err != nil {
				t.Fatal(err)
			}
			rows, err := q.Dashboard(ctx, store.DashboardFilter{OrgIDs: []int64{f.org.ID}, Person: p, Limit: 10})
			if err != nil || len(rows) != 1 || rows[0].ID != sub.CaseID {
				t.Fatalf("%s: search by %s: %d rows %v", name, what, len(rows), err)
			}
		}
		_, idx := ring.IndexFor("hetu", canaryHetu)
		similar, err := q.RecentSimilar(ctx, f.org.ID, 0, "", idx, env.Clock.Now().Add(-time.Hour))
		if err != nil || len(similar) != 1 || similar[0].ID != sub.CaseID {
			t.Fatalf("%s: similar by henkilötunnus: %d %v", name, len(similar), err)
		}
	}
	// Without even the verify entry, the old key is really gone: the
	// test above proves the new ring needs no master key of the old one.
	if onlyNew.Has(oldID) {
		t.Fatal("the verify entry can open data")
	}

	// A code hashed under the old key still confirms under the new ring
	// (BlindIndexes), and not under a ring without the old key.
	bareSvc := *env.Workflow
	bareSvc.Keys, _ = secret.NewRing(newEntry, nil)
	if _, err := bareSvc.ConfirmCode(ctx, f.org, sub2.CaseID, code2); !errors.Is(err, workflow.ErrCodeWrong) {
		t.Fatalf("old code under a ring without the old key: %v", err)
	}
	rotSvc := *env.Workflow
	rotSvc.Keys = rotated
	if _, err := rotSvc.ConfirmCode(ctx, f.org, sub2.CaseID, code2); err != nil {
		t.Fatalf("a code mailed before the rotation: %v", err)
	}

	// (d) audit verify passes on old events, on a new one and on a new
	// checkpoint, with the rotated ring and with the old key removed.
	if err := store.New(env.Pool).AppendAudit(ctx, rotated, store.AuditEvent{OrgID: f.org.ID, CaseID: sub.CaseID,
		Actor: "system", Action: "case.note", Data: map[string]any{"after": "rotation"}, At: env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	svc := *env.Workflow
	svc.Keys = rotated
	if _, err := svc.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for name, ring := range map[string]*secret.Keys{"rotated ring": rotated, "old key removed": onlyNew} {
		s := *env.Workflow
		s.Keys = ring
		rep, err := s.VerifyAudit(ctx, f.org.ID)
		if err != nil || !rep.OK() || rep.Events < 5 || rep.Checkpoints < 2 {
			t.Fatalf("%s: audit verify %+v %v", name, rep, err)
		}
	}
	bare, _ := secret.NewRing(newEntry, nil)
	s := *env.Workflow
	s.Keys = bare
	if rep, err := s.VerifyAudit(ctx, f.org.ID); err != nil || rep.OK() {
		t.Fatalf("audit verify passed without the old audit keys: %+v %v", rep.First, err)
	}
}

func count(t *testing.T, env *testenv.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mapHas(m map[int64]string, s string) bool {
	for _, v := range m {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}
