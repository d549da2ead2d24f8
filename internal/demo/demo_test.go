package demo_test

import (
	"slices"
	"strings"
	"testing"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestGenerate: 2,000 demo cases go in sealed like real ones (D-25), with
// the counts by state the report says, a realistic mix (open, overdue,
// answered late, both languages, every channel), tasks, and audit chains
// that verify (issue 21). A second run adds to what is there.
func TestGenerate(t *testing.T) {
	env := testenv.New(t)
	ctx := env.Ctx
	org := env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	other := env.Org("vantaa", "Vantaan kaupunki", "Vanda stad", "fi")
	for _, r := range []string{"Asiakasrekisteri", "Kirjaston asiakasrekisteri", "Varhaiskasvatus"} {
		env.Register(org.ID, r, "e", "owner@espoo.test")
	}
	now := env.Clock.Now()
	rep, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 2000, Seed: 7, Now: now, Batch: 700})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cases != 2000 {
		t.Fatalf("report: %d cases", rep.Cases)
	}

	// Counts by state, as stored, match the report; every state occurs.
	rows, err := env.Pool.Query(ctx, `SELECT state, count(*) FROM cases WHERE org_id = $1 GROUP BY state`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	var s string
	var n int
	for rows.Next() {
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		got[s] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	for _, st := range []string{"received", "awaiting_identity", "in_progress", "answer_ready", "paused", "answered", "closed", "refused", "withdrawn"} {
		if got[st] == 0 || got[st] != rep.ByState[st] {
			t.Errorf("state %s: stored %d, reported %d (%v)", st, got[st], rep.ByState[st], rep.ByState)
		}
	}

	var mix struct{ overdue, late, sv, fi, channels, docs, triage, tasks, events, heads, keys, requesters, otherOrg int }
	err = env.Pool.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE urgent_due < $2::date),
			count(*) FILTER (WHERE answered_at::date > coalesce(extended_due, legal_due)),
			count(*) FILTER (WHERE lang = 'sv'), count(*) FILTER (WHERE lang = 'fi'),
			count(DISTINCT channel), count(*) FILTER (WHERE document_request), count(*) FILTER (WHERE needs_triage),
			(SELECT count(*) FROM tasks WHERE org_id = $1),
			(SELECT count(*) FROM audit_events WHERE org_id = $1),
			(SELECT count(*) FROM audit_heads WHERE org_id = $1),
			(SELECT count(*) FROM case_keys k JOIN cases c ON c.id = k.case_id WHERE c.org_id = $1 AND k.wrapped IS NOT NULL),
			(SELECT count(*) FROM requesters WHERE org_id = $1),
			(SELECT count(*) FROM cases WHERE org_id = $3)
		FROM cases WHERE org_id = $1`, org.ID, now, other.ID).Scan(&mix.overdue, &mix.late, &mix.sv, &mix.fi, &mix.channels,
		&mix.docs, &mix.triage, &mix.tasks, &mix.events, &mix.heads, &mix.keys, &mix.requesters, &mix.otherOrg)
	if err != nil {
		t.Fatal(err)
	}
	if mix.overdue == 0 || mix.late == 0 || mix.sv == 0 || mix.fi <= mix.sv || mix.channels != 6 || mix.docs == 0 || mix.triage == 0 {
		t.Errorf("unrealistic mix: %+v", mix)
	}
	if mix.tasks != rep.Tasks || mix.tasks == 0 || mix.events != rep.Events || mix.heads != 2000 || mix.keys != 2000 || mix.requesters != 2000 || mix.otherOrg != 0 {
		t.Errorf("rows: %+v, report %+v", mix, rep)
	}

	// Sealed like real cases: nothing readable in the table, everything
	// readable through the store; the email's blind index finds the case.
	var rawName []byte
	var caseID int64
	if err := env.Pool.QueryRow(ctx, `SELECT r.case_id, r.name FROM requesters r JOIN cases c ON c.id = r.case_id
		WHERE c.org_id = $1 AND c.lang = 'sv' AND r.email <> '' ORDER BY r.case_id LIMIT 1`, org.ID).Scan(&caseID, &rawName); err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	req, err := q.RequesterOf(ctx, org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	last := req.Name[strings.LastIndex(req.Name, " ")+1:]
	if req.Name == "" || strings.Contains(string(rawName), last) || !strings.HasSuffix(req.Email, "@demo.example") {
		t.Errorf("requester %q <%s>, stored %q", req.Name, req.Email, rawName)
	}
	if !slices.Contains([]string{"Lindqvist", "Johansson", "Nyström", "Holmberg", "Lindroos", "Sundström", "Forsman", "Öhman", "Ekholm", "Björkqvist"}, last) {
		t.Errorf("a Swedish-speaking requester is called %q", req.Name)
	}
	c, err := q.CaseByID(ctx, org.ID, caseID)
	if err != nil || c.Purged {
		t.Fatalf("case: %v %+v", err, c)
	}
	if n, err := q.CountCasesByEmail(ctx, org.ID, strings.ToUpper(req.Email), now.AddDate(-4, 0, 0)); err != nil || n != 1 {
		t.Errorf("blind index: %d %v", n, err)
	}

	// Every chain verifies.
	vr, err := env.Workflow.VerifyAudit(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if vr.First != nil || len(vr.Broken) != 0 || vr.Chains != 2000 || vr.Events != rep.Events {
		t.Fatalf("audit verify: %+v", vr)
	}

	// Adds to what is there (fresh ids and receipts, chains still intact);
	// History adds only finished cases older than 90 days.
	hrep, err := demo.Generate(ctx, env.Pool, env.Keys, org, demo.Options{Cases: 100, Seed: 7, Now: now, History: true})
	if err != nil {
		t.Fatal(err)
	}
	var openHist, recent int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = ANY($3)), count(*) FILTER (WHERE received_at > $2::timestamptz - interval '90 days')
		FROM (SELECT * FROM cases WHERE org_id = $1 ORDER BY id DESC LIMIT 100) c`, org.ID, now, store.OpenStates).Scan(&openHist, &recent); err != nil {
		t.Fatal(err)
	}
	if openHist != 0 || recent != 0 || hrep.ByState["answered"] == 0 {
		t.Errorf("history: %d open, %d recent, %v", openHist, recent, hrep.ByState)
	}
	var total int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, org.ID).Scan(&total); err != nil || total != 2100 {
		t.Fatalf("after a second run: %d cases (%v)", total, err)
	}
	if vr, err := env.Workflow.VerifyAudit(ctx, org.ID); err != nil || vr.First != nil || vr.Chains != 2100 {
		t.Fatalf("audit verify after a second run: %+v %v", vr, err)
	}
}
