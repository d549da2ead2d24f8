package workflow_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/sqltrace"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// auditFx: a confirmed web case with notes on its chain and an
// organisation chain with a few events, all checkpointed.
type auditFx struct {
	*fixture
	caseID int64
}

func newAuditFx(t *testing.T) *auditFx {
	t.Helper()
	ctx := context.Background()
	f := &auditFx{fixture: newFixture(t)}
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, f.codeFrom(t, "maija@example.test")); err != nil {
		t.Fatal(err)
	}
	f.caseID = sub.CaseID
	for _, n := range []string{"first note", "second note", "third note"} {
		if err := f.env.Workflow.AddNote(ctx, f.org, f.caseID, workflow.StaffActor(1), n); err != nil {
			t.Fatal(err)
		}
	}
	auth := staffAuth(f.env)
	for _, n := range []string{"erp", "crm", "web"} {
		if _, err := auth.AddAPIToken(ctx, f.org.ID, n, workflow.StaffActor(1)); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *auditFx) checkpoint(t *testing.T) workflow.CheckpointResult {
	t.Helper()
	res, err := f.env.Workflow.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *auditFx) verify(t *testing.T) workflow.VerifyReport {
	t.Helper()
	r, err := f.env.Workflow.VerifyAudit(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tamper runs sql as a superuser who switches triggers off
// (session_replication_role = replica), as an attacker with database
// access but without the key would.
func (f *auditFx) tamper(t *testing.T, fn func(tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, f.env.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		t.Fatalf("tampering: %v", err)
	}
}

func (f *auditFx) lastSeq(t *testing.T, caseID int64) int {
	t.Helper()
	var n int
	q := `SELECT max(seq) FROM audit_events WHERE case_id = $1`
	args := []any{caseID}
	if caseID == 0 {
		q, args = `SELECT max(seq) FROM audit_events WHERE org_id = $1 AND case_id IS NULL`, []any{f.org.ID}
	}
	if err := f.env.Pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantBroken asserts that verification names the chain and the event.
func wantBroken(t *testing.T, r workflow.VerifyReport, caseID int64, seq int, reason string) {
	t.Helper()
	if r.First == nil {
		t.Fatalf("tampering not detected: %+v", r)
	}
	if r.First.CaseID != caseID || r.First.Break.Seq != seq || !strings.Contains(r.First.Break.Reason, reason) {
		t.Fatalf("first break = case %d event %d %q, want case %d event %d %q",
			r.First.CaseID, r.First.Break.Seq, r.First.Break.Reason, caseID, seq, reason)
	}
}

func TestAuditVerifyIntactAndCheckpointed(t *testing.T) {
	t.Parallel()
	f := newAuditFx(t)
	res := f.checkpoint(t)
	if res.ID == 0 || res.Chains != 2 || len(res.Broken) != 0 {
		t.Fatalf("checkpoint: %+v", res)
	}
	// Nothing moved: no new checkpoint.
	if again := f.checkpoint(t); again.ID != 0 {
		t.Fatalf("second checkpoint without changes: %+v", again)
	}
	r := f.verify(t)
	if !r.OK() || r.Chains != 2 || r.Checkpoints != 1 || string(r.LatestDigest) != string(res.Digest) {
		t.Fatalf("verify: %+v", r)
	}
	// Another event: the next checkpoint records only the moved chain and
	// links to the one before it.
	if err := f.env.Workflow.AddNote(context.Background(), f.org, f.caseID, workflow.StaffActor(1), "fourth"); err != nil {
		t.Fatal(err)
	}
	if next := f.checkpoint(t); next.ID == 0 || next.Chains != 1 {
		t.Fatalf("incremental checkpoint: %+v", next)
	}
	if r := f.verify(t); !r.OK() || r.Checkpoints != 2 {
		t.Fatalf("verify after second checkpoint: %+v", r)
	}
	// The case page's source: the chain's last verification.
	h, err := store.New(f.env.Pool).AuditHeadOf(context.Background(), f.org.ID, f.caseID)
	if err != nil || h.VerifiedAt == nil || h.BrokenSeq != 0 || h.VerifiedSeq != h.Seq || h.AnchoredSeq != h.Seq {
		t.Fatalf("head after verify: %+v %v", h, err)
	}
}

// Each tamper case of issue 16 is found by audit verify.
func TestAuditTamperDetected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("delete the newest events", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		last := f.lastSeq(t, f.caseID)
		f.tamper(t, func(tx pgx.Tx) error {
			// The heads cache is rolled back too, as a careful attacker would.
			if _, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE case_id = $1 AND seq >= $2`, f.caseID, last-1); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE audit_heads h SET seq = e.seq, hash = e.hash, anchored_seq = e.seq
				FROM audit_events e WHERE e.case_id = $1 AND e.seq = $2 AND h.case_id = $1`, f.caseID, last-2)
			return err
		})
		wantBroken(t, f.verify(t), f.caseID, last-1, "missing")
	})

	t.Run("edit an event and recompute plain hashes", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		// Rewrite event 3 and relink every later one with SHA-256 (all
		// an attacker without the key can compute), keeping the key ids.
		f.rewrite(t, f.caseID, 3, false)
		wantBroken(t, f.verify(t), f.caseID, 3, "keyed hash")
	})

	t.Run("rewrite a whole chain as unkeyed links", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		last := f.lastSeq(t, f.caseID)
		f.rewrite(t, f.caseID, 1, true)
		// Plain links are accepted only where a checkpoint already recorded
		// the chain, and there the head no longer matches it.
		wantBroken(t, f.verify(t), f.caseID, last, "rewritten")
	})

	t.Run("unkeyed links after the checkpoint", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		last := f.lastSeq(t, f.caseID)
		if err := f.env.Workflow.AddNote(ctx, f.org, f.caseID, workflow.StaffActor(1), "later"); err != nil {
			t.Fatal(err)
		}
		f.rewrite(t, f.caseID, last+1, true)
		if res := f.checkpoint(t); len(res.Broken) != 1 || res.Chains != 0 {
			t.Fatalf("the checkpoint job anchored a forged link: %+v", res)
		}
		// Found broken once, the chain is left to audit verify: the next
		// checkpoint neither anchors it nor reports it again.
		if res := f.checkpoint(t); len(res.Broken) != 0 || res.ID != 0 {
			t.Fatalf("second checkpoint: %+v", res)
		}
		wantBroken(t, f.verify(t), f.caseID, last+1, "forged")
	})

	t.Run("rewrite before any checkpoint", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.rewrite(t, f.caseID, 2, false)
		// The checkpoint job verifies before it anchors: the broken chain
		// is recorded as broken and left out.
		res := f.checkpoint(t)
		if len(res.Broken) != 1 || res.Broken[0].CaseID != f.caseID || res.Chains != 1 {
			t.Fatalf("checkpoint of a tampered chain: %+v", res)
		}
		h, _ := store.New(f.env.Pool).AuditHeadOf(ctx, f.org.ID, f.caseID)
		if h.BrokenSeq != 2 || h.AnchoredSeq != 0 {
			t.Fatalf("head: %+v", h)
		}
		wantBroken(t, f.verify(t), f.caseID, 2, "keyed hash")
	})

	t.Run("delete organisation events", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		last := f.lastSeq(t, 0)
		f.tamper(t, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE org_id = $1 AND case_id IS NULL AND seq = $2`, f.org.ID, last)
			return err
		})
		wantBroken(t, f.verify(t), 0, last, "checkpoint")
		// From the middle: the next link no longer fits.
		f.tamper(t, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE org_id = $1 AND case_id IS NULL AND seq = 1`, f.org.ID)
			return err
		})
		wantBroken(t, f.verify(t), 0, 1, "missing")
	})

	t.Run("truncate", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		f.tamper(t, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `TRUNCATE audit_events, audit_heads`)
			return err
		})
		r := f.verify(t)
		if len(r.Broken) != 2 {
			t.Fatalf("truncation: %+v", r)
		}
		wantBroken(t, r, 0, 1, "truncated")
	})

	t.Run("delete a whole case", func(t *testing.T) {
		t.Parallel()
		f := newAuditFx(t)
		f.checkpoint(t)
		f.tamper(t, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE case_id = $1`, f.caseID)
			return err
		})
		wantBroken(t, f.verify(t), f.caseID, 1, "truncated")
	})
}

// rewrite changes event seq of a chain's data and relinks it and every
// later event with plain SHA-256; unkeyed also clears the key ids.
func (f *auditFx) rewrite(t *testing.T, caseID int64, seq int, unkeyed bool) {
	t.Helper()
	ctx := context.Background()
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	f.tamper(t, func(tx pgx.Tx) error {
		prev := trail[seq-1].PrevHash
		for _, ev := range trail[seq-1:] {
			if ev.Seq == seq {
				ev.Data["forged"] = true
			}
			if unkeyed {
				ev.KeyID = ""
			}
			ev.PrevHash = prev
			ev.Hash = store.AuditHash(ev)
			raw, _ := json.Marshal(ev.Data)
			if _, err := tx.Exec(ctx, `UPDATE audit_events SET data = $2, prev_hash = $3, hash = $4, key_id = $5 WHERE id = $1`,
				ev.ID, raw, ev.PrevHash, ev.Hash, ev.KeyID); err != nil {
				return err
			}
			prev = ev.Hash
		}
		return nil
	})
}

// The application cannot change or remove events, even the table owner:
// UPDATE, DELETE and TRUNCATE are refused by triggers.
func TestAuditEventsAppendOnly(t *testing.T) {
	t.Parallel()
	f := newAuditFx(t)
	ctx := context.Background()
	for _, sql := range []string{
		`UPDATE audit_events SET actor = 'x'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
		`DELETE FROM audit_checkpoints`,
		`TRUNCATE audit_checkpoint_heads`,
	} {
		f.checkpoint(t)
		if _, err := f.env.Pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	if r := f.verify(t); !r.OK() {
		t.Fatalf("after refused changes: %+v", r)
	}
}

// D-26: after a rotation the old key verifies the old links; without it
// they cannot be verified, and say so.
func TestAuditKeyRotation(t *testing.T) {
	t.Parallel()
	f := newAuditFx(t)
	ctx := context.Background()
	oldKey := f.env.Keys
	newHex := strings.Repeat("cd", 32)
	rotated, err := secret.NewRing("k2:"+newHex, []string{"k1:" + hexKeyOf(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	f.env.Workflow.Keys = rotated
	if err := f.env.Workflow.AddNote(ctx, f.org, f.caseID, workflow.StaffActor(1), "after rotation"); err != nil {
		t.Fatal(err)
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, f.caseID)
	if first, last := trail[0].KeyID, trail[len(trail)-1].KeyID; first != oldKey.ID() || last != "k2" {
		t.Fatalf("key ids %q ... %q", first, last)
	}
	if r := f.verify(t); !r.OK() {
		t.Fatalf("verify with the old key kept: %+v", r.First)
	}
	onlyNew, _ := secret.NewRing("k2:"+newHex, nil)
	f.env.Workflow.Keys = onlyNew
	wantBroken(t, f.verify(t), 0, 1, "not in the keyring")
}

// hexKeyOf is the test environment's key (testenv's fixed pattern),
// checked against the key the workflow uses.
func hexKeyOf(t *testing.T, f *auditFx) string {
	t.Helper()
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i*7 + 3)
	}
	h := hex.EncodeToString(k)
	if r, _ := secret.NewRing(h, nil); r == nil || r.ID() != f.env.Keys.ID() {
		t.Fatal("testenv's key pattern changed: update hexKeyOf")
	}
	return h
}

// Concurrent appends to one chain get consecutive seqs and a valid chain
// (the head row orders them; issue 21).
func TestAuditConcurrentAppends(t *testing.T) {
	t.Parallel()
	f := newAuditFx(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- store.Tx(ctx, f.env.Pool, func(tx pgx.Tx) error {
				return store.New(tx).AppendAudit(ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, Actor: "system",
					Action: "test", At: f.env.Clock.Now(), Data: map[string]any{"i": i}})
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, 0)
	if brk := store.VerifyAuditChain(f.env.Keys, trail); brk != nil || len(trail) != 3+16 {
		t.Fatalf("%d events, break %+v", len(trail), brk)
	}
}

// D-25: free text of events lives in case_notes; the events hold its id.
// A web submission has no chain until its code is confirmed.
func TestAuditEventsHoldNoFreeText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatal(err)
	}
	f.codeFrom(t, "maija@example.test") // delivered; a wrong one is typed
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, "000000x"); !errors.Is(err, workflow.ErrCodeWrong) {
		t.Fatalf("wrong code: %v", err)
	}
	if err := f.env.Workflow.ResendCode(ctx, f.org, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1`, sub.CaseID).Scan(&n); err != nil || n != 0 {
		t.Fatalf("unconfirmed submission has %d events (%v)", n, err)
	}
	code := f.codeFrom(t, "maija@example.test")
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); err != nil {
		t.Fatal(err)
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	c := f.caseRow(t, sub.CaseID)
	if len(trail) < 2 || trail[0].Action != "received" || !trail[0].At.Equal(c.ReceivedAt) || trail[1].Action != "confirmed" {
		t.Fatalf("first events %+v", trail[:min(2, len(trail))])
	}
	texts := map[string]func() error{
		"Soitin hakijalle": func() error {
			return f.env.Workflow.AddNote(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "Soitin hakijalle")
		},
		"passi nähty tiskillä": func() error {
			return f.env.Workflow.VerifyIdentity(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "in_person", "passi nähty tiskillä")
		},
		"odotetaan tarkennusta": func() error {
			return f.env.Workflow.Pause(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "odotetaan tarkennusta")
		},
		"paljon rekistereitä": func() error {
			return f.env.Workflow.Extend(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "paljon rekistereitä")
		},
		"hakija peruutti soitto": func() error {
			return f.env.Workflow.Withdraw(ctx, f.org, sub.CaseID, workflow.StaffActor(1), "hakija peruutti soitto")
		},
	}
	for _, text := range []string{"Soitin hakijalle", "passi nähty tiskillä", "odotetaan tarkennusta"} {
		if err := texts[text](); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
	}
	if err := f.env.Workflow.Resume(ctx, f.org, sub.CaseID, workflow.StaffActor(1)); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"paljon rekistereitä", "hakija peruutti soitto"} {
		if err := texts[text](); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
	}
	var all string
	if err := f.env.Pool.QueryRow(ctx, `SELECT string_agg(data::text, ' ') FROM audit_events WHERE case_id = $1`, sub.CaseID).Scan(&all); err != nil {
		t.Fatal(err)
	}
	notes, err := store.New(f.env.Pool).CaseNotes(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, n := range notes {
		stored[n] = true
	}
	for text := range texts {
		if strings.Contains(all, text) {
			t.Errorf("D-25: %q is in the audit data", text)
		}
		if !stored[text] {
			t.Errorf("%q is not in case_notes", text)
		}
	}
	for _, name := range []string{"Maija", "maija@example.test", "131052"} {
		if strings.Contains(all, name) {
			t.Errorf("D-25: %q is in the audit data", name)
		}
	}
	if !strings.Contains(all, `"note_ref"`) || !strings.Contains(all, `"reason_ref"`) {
		t.Errorf("events do not refer to their texts: %s", all)
	}
}

// A checkpoint run records any number of moved chains, in batches of
// short transactions, each batch a checkpoint linked to the one before.
func TestAuditCheckpointInBatches(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	const chains = 1001 + 1 // one more than a batch, and the organisation's own
	err := store.Tx(ctx, f.env.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		for i := range chains {
			// Events of case chains need no case row (a purged case keeps
			// its events): synthetic ids are enough here.
			if err := q.AppendAudit(ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, CaseID: int64(i), Actor: "system",
				Action: "test", At: f.env.Clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Issue 21: a batch reads its anchors and events and records its
	// results with a statement each, not three round trips per chain (a
	// 1M demo's first checkpoint kept a core busy for minutes).
	traced, tr := tracedService(t, f.env)
	tr.Reset()
	res, err := traced.Checkpoint(ctx)
	statements := len(tr.Taken())
	if err != nil || res.Chains != chains || len(res.Broken) != 0 {
		t.Fatalf("checkpoint: %+v %v", res, err)
	}
	if statements > 40 {
		t.Errorf("checkpoint of %d chains ran %d statements; want a bounded number per batch of 1000", chains, statements)
	}
	r, err := f.env.Workflow.VerifyAudit(ctx, f.org.ID)
	if err != nil || !r.OK() || r.Checkpoints != 2 || r.Chains != chains {
		t.Fatalf("verify: checkpoints %d chains %d first %+v %v", r.Checkpoints, r.Chains, r.First, err)
	}

	// Chains that move again are checked from their anchors on: every
	// other one gets an event, and one of those is rewritten behind its
	// anchor (its anchored event's data changed and the link recomputed
	// without the key cannot be, so a plain change is enough here).
	err = store.Tx(ctx, f.env.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		for i := 0; i < chains; i += 2 {
			if err := q.AppendAudit(ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, CaseID: int64(i), Actor: "system",
				Action: "again", At: f.env.Clock.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const rewritten = 500
	err = pgx.BeginFunc(ctx, f.env.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE audit_events SET data = data || '{"forged": true}' WHERE org_id = $1 AND case_id = $2 AND seq = 1`,
			f.org.ID, rewritten)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err = f.env.Workflow.Checkpoint(ctx)
	if err != nil || res.Chains != chains/2-1 || len(res.Broken) != 1 || res.Broken[0].CaseID != rewritten || res.Broken[0].Break.Seq != 1 {
		t.Fatalf("second checkpoint: %d chains, broken %+v, %v; want %d chains and case %d broken at its anchored event 1",
			res.Chains, res.Broken, err, chains/2-1, rewritten)
	}
}

// tracedService is env's workflow on a pool whose statements tr records.
func tracedService(t *testing.T, env *testenv.Env) (*workflow.Service, *sqltrace.Recorder) {
	t.Helper()
	tr := &sqltrace.Recorder{}
	cfg := env.Pool.Config()
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &workflow.Service{Pool: pool, Keys: env.Keys, Catalog: env.Catalog, Logger: env.Logger, Now: env.Clock.Now}, tr
}

// Issue 21 (docs/scale.md 23): VerifyAudit reads every chain in one
// stream and records the results a batch at a time. Over a thousand
// chains in two organisations: every chain's result is recorded, and the
// broken ones are reported in (organisation, case) order, the first one
// as First, even where the later organisation's case ids are lower.
func TestVerifyAuditStreamsChainsInOrder(t *testing.T) {
	t.Parallel()
	f := newAuditFx(t)
	ctx := context.Background()
	other := f.env.Org("toinen", "Toinen kunta", "Andra kommun", "fi")
	f.env.Register(other.ID, "Asiakasrekisteri", "e", "owner@toinen.test")
	for _, o := range []store.Org{other, f.org} { // the later organisation's cases first: lower case ids
		if _, err := demo.Generate(ctx, f.env.Pool, f.env.Keys, o, demo.Options{Cases: 600, Seed: 3, Now: f.env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var mine, theirs int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT (SELECT max(id) FROM cases WHERE org_id = $1), (SELECT min(id) FROM cases WHERE org_id = $2)`,
		f.org.ID, other.ID).Scan(&mine, &theirs); err != nil || theirs > mine {
		t.Fatalf("case ids %d (%d), %d (%d): %v", mine, f.org.ID, theirs, other.ID, err)
	}
	f.tamper(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE audit_events SET data = data || '{"forged": true}' WHERE case_id = ANY($1) AND seq = 1`,
			[]int64{mine, theirs})
		return err
	})

	r := f.verify(t)
	var heads, events int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*), (SELECT count(*) FROM audit_events) FROM audit_heads`).Scan(&heads, &events); err != nil {
		t.Fatal(err)
	}
	if r.Chains != heads || r.Chains <= 1000 || r.Events != events {
		t.Fatalf("verified %d chains and %d events; there are %d and %d (more than one batch wanted)", r.Chains, r.Events, heads, events)
	}
	if len(r.Broken) != 2 || r.Broken[0].CaseID != mine || r.Broken[1].CaseID != theirs || r.First == nil || r.First.CaseID != mine ||
		r.Broken[0].Break.Seq != 1 || r.Broken[1].Break.Seq != 1 {
		t.Fatalf("broken %+v, first %+v; want case %d of %d, then case %d of %d, each at seq 1", r.Broken, r.First, mine, f.org.ID, theirs, other.ID)
	}
	var recorded, brokenRecorded int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE h.verified_at = $1 AND h.verified_seq = (SELECT count(*) FROM audit_events e
			WHERE e.org_id = h.org_id AND coalesce(e.case_id, 0) = h.case_id)),
		count(*) FILTER (WHERE h.broken_seq = 1 AND h.broken_reason <> '' AND h.case_id = ANY($2))
		FROM audit_heads h`, f.env.Clock.Now(), []int64{mine, theirs}).Scan(&recorded, &brokenRecorded); err != nil {
		t.Fatal(err)
	}
	if recorded != heads || brokenRecorded != 2 {
		t.Errorf("verification recorded for %d of %d chains, %d of 2 breaks", recorded, heads, brokenRecorded)
	}
}
