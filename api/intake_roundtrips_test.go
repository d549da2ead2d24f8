package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/api"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 21: intake must be fast, and its speed is mostly round trips to
// PostgreSQL (about ten per request before). These tests count them with a
// pgx tracer on the server's pool, one request at a time, and fail when a
// change adds one: a statement per row instead of the intake's one batch,
// an organisation read twice, a lock taken on a shared row.

// rtTracer counts round trips: a query (or Exec) is one, a whole batch is
// one. It keeps each statement's first line for the failure message.
type rtTracer struct {
	mu    sync.Mutex
	trips []string
}

func (r *rtTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.add(d.SQL)
	return ctx
}
func (r *rtTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *rtTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	r.add(fmt.Sprintf("batch of %d statements", d.Batch.Len()))
	return ctx
}
func (r *rtTracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *rtTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (r *rtTracer) add(sql string) {
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 90 {
		sql = sql[:90] + "..."
	}
	r.mu.Lock()
	r.trips = append(r.trips, sql)
	r.mu.Unlock()
}

func (r *rtTracer) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.trips
	r.trips = nil
	return out
}

// tracedEnv is an Env whose server and workflow use a pool with tr on it.
func tracedEnv(t *testing.T, tr *rtTracer) *testenv.Env {
	env := testenv.New(t)
	cfg := env.Pool.Config()
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(env.Ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	env.Pool, env.Workflow.Pool = pool, pool
	return env
}

// intakeRoundTripBudgetAPI and intakeRoundTripBudgetForm: the request's
// rows with its River job in one batch, its own transaction (branch
// gocost); the form also counts its submission against the rate limits
// (D-24). Not counted here, as the warm-up request took them: the token
// with its organisation (API) or the organisation by slug (form), read
// once a second (rowcache.go; the tests keep them an hour so the real
// clock cannot make them flaky), and the ids, drawn 32 at a time. River's
// NOTIFY of the queue, which it sends at most a few times a second
// whatever the load, is not counted.
const (
	intakeRoundTripBudgetAPI  = 1
	intakeRoundTripBudgetForm = 2
)

// counted is the round trips that count against the budget.
func counted(trips []string) int {
	n := 0
	for _, t := range trips {
		if !strings.Contains(t, "pg_notify") {
			n++
		}
	}
	return n
}

func TestIntakeRoundTripsAPI(t *testing.T) {
	// Not parallel: another test's organisation or token write in this
	// process would empty the row cache (store.OrgsGeneration) and add a
	// round trip here.
	tr := &rtTracer{}
	env := tracedEnv(t, tr)
	api.SetRowCacheTTL(env.Server(), time.Hour)
	org := env.Org("rtby", "Kierroskunta", "Varvby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "owner@rtby.test")
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now}
	token, err := auth.AddAPIToken(env.Ctx, org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	h := env.Server().Handler()
	post := func(key, email string) *httptest.ResponseRecorder {
		body := `{"rights":["access"],"name":"Maija Meikäläinen","email":"` + email + `","hetu":"131052-308T","details":"Kaikki tietoni."}`
		req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// The first request warms what is cached per process (templates,
	// River's notify limiter); the second is counted.
	if rec := post("k-1", "a@example.test"); rec.Code != http.StatusCreated {
		t.Fatalf("first POST: %d %s", rec.Code, rec.Body)
	}
	tr.take()
	rec := post("k-2", "b@example.test")
	trips := tr.take()
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", rec.Code, rec.Body)
	}
	if counted(trips) > intakeRoundTripBudgetAPI {
		t.Errorf("POST /api/v1/requests took %d round trips, budget %d:\n  %s", len(trips), intakeRoundTripBudgetAPI, strings.Join(trips, "\n  "))
	}
	t.Logf("POST /api/v1/requests: %d round trips:\n  %s", len(trips), strings.Join(trips, "\n  "))

	// What the one batch wrote is all there: the case and its key, the
	// requester sealed (ID-4), the first event of a verifiable chain, the
	// code mail with its job, and the idempotency answer.
	q := store.New(env.Pool)
	var caseID, outboxID int64
	if err := env.Pool.QueryRow(env.Ctx, `SELECT case_id FROM api_idempotency WHERE org_id = $1 AND idem_key = 'k-2'`, org.ID).Scan(&caseID); err != nil {
		t.Fatalf("idempotency answer: %v", err)
	}
	req, err := q.RequesterOf(env.Ctx, org.ID, caseID)
	if err != nil || req.Email != "b@example.test" || req.HetuMask != "131052-****" {
		t.Fatalf("requester = %+v, %v", req, err)
	}
	var clear int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM requesters WHERE case_id = $1
		AND (position(convert_to('b@example.test', 'UTF8') in email) > 0 OR position(convert_to('Maija', 'UTF8') in name) > 0)`, caseID).Scan(&clear); err != nil || clear != 0 {
		t.Errorf("requester stored in clear (%d rows, %v)", clear, err)
	}
	cs, err := q.CaseByID(env.Ctx, org.ID, caseID)
	if err != nil || cs.Details != "Kaikki tietoni." {
		t.Fatalf("case = %+v, %v", cs, err)
	}
	trail, err := q.AuditTrail(env.Ctx, org.ID, caseID)
	if err != nil || len(trail) != 1 || trail[0].Action != "received" || trail[0].Seq != 1 {
		t.Fatalf("audit trail = %+v, %v", trail, err)
	}
	if br := store.VerifyAuditChain(env.Keys, trail); br != nil {
		t.Errorf("the intake's chain does not verify: %+v", br)
	}
	var headSeq int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT seq FROM audit_heads WHERE org_id = $1 AND case_id = $2`, org.ID, caseID).Scan(&headSeq); err != nil || headSeq != 1 {
		t.Errorf("chain head seq = %d, %v", headSeq, err)
	}
	if err := env.Pool.QueryRow(env.Ctx, `SELECT o.id FROM outbox o JOIN river_job j ON j.kind = 'deliver_mail' AND (j.args->>'outbox_id')::bigint = o.id
		WHERE o.case_id = $1 AND o.kind = 'code'`, caseID).Scan(&outboxID); err != nil {
		t.Fatalf("code mail and its job: %v", err)
	}
	// A later append to the chain links to the intake's event.
	if err := q.AppendAudit(env.Ctx, env.Keys, store.AuditEvent{OrgID: org.ID, CaseID: caseID, Actor: "test", Action: "noted", At: env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if trail, _ = q.AuditTrail(env.Ctx, org.ID, caseID); len(trail) != 2 || store.VerifyAuditChain(env.Keys, trail) != nil {
		t.Errorf("chain after a second event: %d events, break %+v", len(trail), store.VerifyAuditChain(env.Keys, trail))
	}

	// A replay is answered from the stored answer and writes nothing.
	tr.take()
	if rec := post("k-2", "b@example.test"); rec.Code != http.StatusCreated || rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d %q", rec.Code, rec.Header().Get("Idempotent-Replayed"))
	}
	var n int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, org.ID).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d cases after a replay, want 2 (%v)", n, err)
	}
}

func TestIntakeRoundTripsForm(t *testing.T) {
	// Not parallel: another test's organisation or token write in this
	// process would empty the row cache (store.OrgsGeneration) and add a
	// round trip here.
	tr := &rtTracer{}
	env := tracedEnv(t, tr)
	api.SetRowCacheTTL(env.Server(), time.Hour)
	org := env.Org("rtforms", "Lomakekunta", "Blankettby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "owner@rtforms.test")
	ts := env.HTTP()
	client := testenv.Client()
	page := ts.URL + "/fi/o/" + org.Slug + "/request"
	resp, err := client.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(ts.URL)
	var csrf string
	for _, ck := range client.Jar.Cookies(u) {
		if ck.Name == "rd_csrf" {
			csrf = ck.Value
		}
	}
	if csrf == "" {
		t.Fatal("no CSRF cookie from the form page")
	}
	submit := func(email string) int {
		v := url.Values{"_csrf": {csrf}, "rights": {"access"}, "scope": {"all"}, "period": {"all"}, "delivery": {"electronic"},
			"behalf": {"self"}, "name": {"Maija Meikäläinen"}, "email": {email}, "reply_lang": {"fi"}}
		resp, err := client.PostForm(page, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := submit("a@example.test"); code != http.StatusSeeOther {
		t.Fatalf("first submit: %d", code)
	}
	tr.take()
	code := submit("b@example.test")
	trips := tr.take()
	if code != http.StatusSeeOther {
		t.Fatalf("submit: %d", code)
	}
	if counted(trips) > intakeRoundTripBudgetForm {
		t.Errorf("the web form took %d round trips, budget %d:\n  %s", len(trips), intakeRoundTripBudgetForm, strings.Join(trips, "\n  "))
	}
	t.Logf("POST web form: %d round trips:\n  %s", len(trips), strings.Join(trips, "\n  "))
	// D-25: a web submission writes no event before its code comes back.
	var events int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM audit_events WHERE org_id = $1`, org.ID).Scan(&events); err != nil || events != 0 {
		t.Errorf("%d audit events before the code is confirmed (%v)", events, err)
	}
}
