package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// Issue 21: intake in one batch (InsertIntake), and every statement on the
// intake path found by an index, so its cost does not grow with the
// stored cases and events.

type sqlRecorder struct {
	mu    sync.Mutex
	stmts []recorded
}

type recorded struct {
	sql  string
	args []any
}

func (r *sqlRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	r.stmts = append(r.stmts, recorded{d.SQL, d.Args})
	r.mu.Unlock()
	return ctx
}
func (r *sqlRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *sqlRecorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (r *sqlRecorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r.mu.Lock()
	r.stmts = append(r.stmts, recorded{d.SQL, d.Args})
	r.mu.Unlock()
}
func (r *sqlRecorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (r *sqlRecorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.stmts
	r.stmts = nil
	return out
}

type intakeFixture struct {
	ctx   context.Context
	pool  *pgxpool.Pool
	rec   *sqlRecorder
	keys  *secret.Keys
	org   store.Org
	token []byte
}

func newIntakeFixture(t *testing.T) *intakeFixture {
	t.Helper()
	ctx := context.Background()
	f := &intakeFixture{ctx: ctx, rec: &sqlRecorder{}}
	cfg, err := pgxpool.ParseConfig(pgtest.ConnString(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = f.rec
	if f.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.pool.Close)
	if f.keys, err = secret.New([]byte("intake batch test key: 32 bytes!")); err != nil {
		t.Fatal(err)
	}
	store.UseKeys(f.keys)
	q := store.New(f.pool)
	id, err := q.UpsertOrg(ctx, store.Org{Slug: "batchby", NameFI: "Eräkunta", NameSV: "Satsby", PrimaryLang: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	if f.org, err = q.OrgByID(ctx, id); err != nil {
		t.Fatal(err)
	}
	f.token = []byte("token hash of the intake test")
	if _, err := q.InsertAPIToken(ctx, id, "erp", f.token, time.Now()); err != nil {
		t.Fatal(err)
	}
	return f
}

// intake is a request as workflow.submit builds it.
func (f *intakeFixture) intake(t *testing.T, q *store.Q, key string) store.Intake {
	t.Helper()
	ids, err := q.NewIntakeIDs(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	due := time.Date(2026, 4, 7, 0, 0, 0, 0, time.UTC)
	exp := now.Add(30 * time.Minute)
	in := store.Intake{
		Case: store.Case{ID: ids.CaseID, OrgID: f.org.ID, Receipt: store.FormatReceipt(2026, ids.ReceiptN), GDPR: true,
			Rights: []string{"access"}, AllRegisters: true, Details: "Kaikki tietoni", Delivery: "electronic", Lang: "fi",
			Channel: "api", State: "received", ReceivedAt: now, RawEnd: due, LegalDue: due, SafeTarget: due,
			CodeHash: []byte("code hash"), CodeExpiresAt: &exp, CodesSent: 1, CreatedAt: now},
		Requester: store.Requester{CaseID: ids.CaseID, OrgID: f.org.ID, Name: "Maija Meikäläinen", Email: "maija@example.test"},
		Audit:     &store.AuditEvent{OrgID: f.org.ID, CaseID: ids.CaseID, Actor: "resident", Action: "received", At: now, Data: map[string]any{"channel": "api"}},
		AuditKeys: f.keys,
		Outbox: store.OutboxRow{ID: ids.OutboxID, OrgID: f.org.ID, CaseID: ids.CaseID, Kind: "code", To: "maija@example.test",
			Lang: "fi", Subject: "Koodi", Text: "Koodisi on 123456", HTML: "<p>Koodisi on 123456</p>"},
		MailDomain: "rightsdesk.test",
		Job: &store.IntakeJob{Kind: "deliver_mail", Args: []byte(`{"outbox_id": ` + strconv.FormatInt(ids.OutboxID, 10) + `}`),
			Queue: "mail", Priority: 1, MaxAttempts: 20, ScheduledAt: now},
	}
	if key != "" {
		in.Idempotency = &store.IdempotencyClaim{Key: key, Idempotent: store.Idempotent{RequestHash: []byte("h"), Status: 201, Response: []byte(`{"receipt":"x"}`)}}
	}
	return in
}

// A taken Idempotency-Key is ErrConflict, and the batch writes nothing of
// the second request: its rows are one transaction (issue 16 item 8).
func TestInsertIntakeIdempotencyConflictWritesNothing(t *testing.T) {
	t.Parallel()
	f := newIntakeFixture(t)
	q := store.New(f.pool)
	first := f.intake(t, q, "same-key")
	if err := q.InsertIntake(f.ctx, first); err != nil {
		t.Fatal(err)
	}
	second := f.intake(t, q, "same-key")
	if err := q.InsertIntake(f.ctx, second); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second intake with the same key: %v, want ErrConflict", err)
	}
	for _, table := range []string{"cases", "case_keys", "requesters", "audit_events", "audit_heads", "outbox"} {
		col := "case_id"
		if table == "cases" {
			col = "id"
		}
		var n int
		if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM `+table+` WHERE `+col+` = $1`, second.Case.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows of the refused request (%v)", table, n, err)
		}
	}
	// Nor its River job: the job is a statement of the same batch.
	for _, in := range []store.Intake{first, second} {
		var n int
		if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver_mail' AND (args->>'outbox_id')::bigint = $1`,
			in.Outbox.ID).Scan(&n); err != nil || (n == 1) != (in.Case.ID == first.Case.ID) {
			t.Errorf("case %d: %d River jobs of its code mail (%v)", in.Case.ID, n, err)
		}
	}
	// The first is whole and readable: sealed with its own key.
	got, err := store.New(f.pool).RequesterOf(f.ctx, f.org.ID, first.Case.ID)
	if err != nil || got.Name != "Maija Meikäläinen" || got.Email != "maija@example.test" {
		t.Fatalf("requester = %+v, %v", got, err)
	}
	mails, err := store.New(f.pool).OutboxByCase(f.ctx, f.org.ID, first.Case.ID)
	if err != nil || len(mails) != 1 || mails[0].Text != "Koodisi on 123456" || !strings.Contains(mails[0].MessageID, "outbox-") {
		t.Fatalf("outbox = %+v, %v", mails, err)
	}
	trail, err := store.New(f.pool).AuditTrail(f.ctx, f.org.ID, first.Case.ID)
	if err != nil || len(trail) != 1 || store.VerifyAuditChain(f.keys, trail) != nil {
		t.Fatalf("trail = %+v, %v", trail, err)
	}
}

// Every statement of an API intake (token, stored answer, ids, the batch)
// is found by an index: with sequential scans priced out, no plan has one
// (a missing index would leave a Seq Scan in the plan). The plans are
// logged: the EXPLAIN of the intake path for the note.
func TestIntakePathUsesIndexes(t *testing.T) {
	t.Parallel()
	f := newIntakeFixture(t)
	q := store.New(f.pool)
	f.rec.take()
	if _, err := q.UseAPIToken(f.ctx, f.token, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := q.OrgBySlug(f.ctx, "batchby"); err != nil {
		t.Fatal(err)
	}
	if _, err := q.IdempotentAnswer(f.ctx, f.org.ID, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	in := f.intake(t, q, "k")
	if err := q.InsertIntake(f.ctx, in); err != nil {
		t.Fatal(err)
	}
	stmts := f.rec.take()
	if len(stmts) < 10 {
		t.Fatalf("recorded %d statements, want the whole path", len(stmts))
	}
	assertIndexed(t, f.ctx, f.pool, stmts, "the intake path")
}

// assertIndexed EXPLAINs each statement with sequential scans priced out
// and fails on a plan that still has one: no index serves that statement
// (what it reads grows with the table). The plans are logged.
func assertIndexed(t *testing.T, ctx context.Context, pool *pgxpool.Pool, stmts []recorded, path string) {
	t.Helper()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if f := strings.Fields(s.sql); len(f) == 0 || !explainable[strings.ToUpper(f[0])] {
			continue // begin, commit
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+s.sql, s.args...)
		if err != nil {
			t.Fatalf("EXPLAIN %s: %v", s.sql, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if strings.Contains(plan, "Seq Scan") {
			t.Errorf("a sequential scan on %s:\n%s\n%s", path, oneLine(s.sql), plan)
		}
		t.Logf("%s\n%s", oneLine(s.sql), plan)
	}
}

var explainable = map[string]bool{"SELECT": true, "WITH": true, "INSERT": true, "UPDATE": true, "DELETE": true}

func oneLine(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// Issue 21 (branch gocost): a new request's ids come from a block drawn in
// one statement, so requests take no round trip of their own for them;
// every id is drawn from its sequence (unique, also across blocks and
// processes).
func TestIntakeIDBlockDrawsOnceABlock(t *testing.T) {
	t.Parallel()
	f := newIntakeFixture(t)
	q := store.New(f.pool)
	var blk, other store.IntakeIDBlock
	f.rec.take()
	seen := map[int64]bool{}
	receipts := map[int64]bool{}
	outbox := map[int64]bool{}
	const n = 70
	for i := range n {
		b := &blk
		if i%7 == 0 {
			b = &other // a second process drawing from the same sequences
		}
		ids, err := b.Next(f.ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if seen[ids.CaseID] || receipts[ids.ReceiptN] || outbox[ids.OutboxID] || ids.CaseID == 0 || ids.ReceiptN == 0 || ids.OutboxID == 0 {
			t.Fatalf("request %d: ids %+v drawn twice or zero", i, ids)
		}
		seen[ids.CaseID], receipts[ids.ReceiptN], outbox[ids.OutboxID] = true, true, true
	}
	// 60 ids from blk and 10 from other: two blocks and one.
	if got := len(f.rec.take()); got != 3 {
		t.Errorf("%d statements for %d requests' ids, want 3 (one a block of 32)", got, n)
	}
	// The sequences are past every id handed out: NewIntakeIDs (staff
	// intake, one at a time) draws a fresh one.
	ids, err := q.NewIntakeIDs(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if seen[ids.CaseID] || receipts[ids.ReceiptN] || outbox[ids.OutboxID] {
		t.Errorf("NewIntakeIDs %+v reuses a block's id", ids)
	}
}
