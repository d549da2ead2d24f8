package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// dashboardRows returns the dashboard's case rows: receipt, band and state.
type scRow struct{ receipt, band, state string }

func scRows(doc *html.Node) []scRow {
	var out []scRow
	for _, tr := range scElems(doc, "tr", func(n *html.Node) bool { return scHasClass(n, "case-row") }) {
		out = append(out, scRow{scAttr(tr, "data-receipt"), scAttr(tr, "data-band"), scAttr(tr, "data-state")})
	}
	return out
}

func scReceipts(rows []scRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.receipt
	}
	return out
}

// helsinki is a local time in Europe/Helsinki.
func scHelsinki(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, workflow.Helsinki())
}

// TestDashboardOrderBandsAndFilters: open cases of the user's organisations
// by effective due date (D-13, DL-11), with the bands of issue 12, the
// safe-target warning (DL-7), filters and search.
func TestDashboardOrderBandsAndFilters(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	// Saturday 7 March 2026.
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx, wf := f.env.Ctx, f.env.Workflow
	actor := workflow.StaffActor(f.dpoUserID)
	a := f.paper(f.org, scHelsinki(2026, 1, 20, 9), "", nil)                                                          // legal due Fri 20.2.: overdue
	b := f.paper(f.org, scHelsinki(2026, 2, 7, 9), "", nil)                                                           // raw end Sat 7.3. -> due Mon 9.3., safe target Fri 6.3. passed
	c := f.paper(f.org, scHelsinki(2026, 2, 20, 9), "", func(r *workflow.Request) { r.Rights = []string{"erasure"} }) // due Fri 20.3.: later
	d := f.paper(f.org, scHelsinki(2026, 2, 12, 9), "in_person", nil)                                                 // due Thu 12.3.: within 7 days
	e := f.paper(f.org, scHelsinki(2026, 2, 14, 9), "", nil)                                                          // raw end Sat 14.3. -> due Mon 16.3.: later
	ext := f.paper(f.org, scHelsinki(2026, 2, 10, 9), "", nil)                                                        // due 10.3., extended to Mon 11.5. (DL-5)
	if err := wf.Extend(ctx, f.org, ext.CaseID, actor, "many registers"); err != nil {
		t.Fatal(err)
	}
	if err := wf.Pause(ctx, f.org, d.CaseID, actor, "waiting for clarification"); err != nil {
		t.Fatal(err)
	}
	other := f.paper(f.org2, scHelsinki(2026, 1, 25, 9), "", nil) // another organisation's: never shown
	closed := f.paper(f.org, scHelsinki(2026, 1, 5, 9), "", nil)
	if err := wf.Withdraw(ctx, f.org, closed.CaseID, actor, ""); err != nil {
		t.Fatal(err)
	}
	if err := wf.Close(ctx, f.org, closed.CaseID, actor); err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.dpo)

	p := cl.get("/staff/")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard = %d", p.status)
	}
	want := []scRow{
		{a.Receipt, "overdue", "awaiting_identity"},
		{b.Receipt, "week", "awaiting_identity"},
		{d.Receipt, "week", "paused"},
		{e.Receipt, "later", "awaiting_identity"},
		{c.Receipt, "later", "awaiting_identity"},
		{ext.Receipt, "later", "awaiting_identity"}, // sorted by its extended due date (D-13)
	}
	if got := scRows(p.doc); !slices.Equal(got, want) {
		t.Fatalf("dashboard rows\n got %v\nwant %v", got, want)
	}
	if strings.Contains(p.body, other.Receipt) {
		t.Error("another organisation's case is on the dashboard")
	}
	for band, n := range map[string]string{"overdue": "1", "week": "2", "later": "3"} {
		if got := scText(scFindAll(scByID(p.doc, "count-"+band), func(n *html.Node) bool { return scHasClass(n, "sc-n") })[0]); got != n {
			t.Errorf("count of %s = %s, want %s", band, got, n)
		}
	}
	// DL-7: b's safe target (Fri 6.3.) has passed although it is not yet due.
	warned := map[string]bool{}
	for _, tr := range scElems(p.doc, "tr", func(n *html.Node) bool { return scHasClass(n, "case-row") }) {
		warned[scAttr(tr, "data-receipt")] = len(scFindAll(tr, func(n *html.Node) bool { return scHasClass(n, "sc-safe") })) > 0
	}
	if !warned[b.Receipt] || warned[d.Receipt] || warned[e.Receipt] {
		t.Errorf("safe-target warnings = %v, want only %s", warned, b.Receipt)
	}
	// DL-8: the paused due date beside the unpaused one.
	if !strings.Contains(p.body, "paused: due") {
		t.Error("the paused case shows no paused due date")
	}
	// No henkilötunnus on the dashboard, not even masked (ID-4).
	if strings.Contains(p.body, "131052") {
		t.Error("the dashboard shows a henkilötunnus")
	}

	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"right", url.Values{"right": {"erasure"}}, []string{c.Receipt}},
		{"state", url.Values{"state": {"paused"}}, []string{d.Receipt}},
		{"closed state", url.Values{"state": {"closed"}}, []string{closed.Receipt}},
		{"band week", url.Values{"band": {"week"}}, []string{b.Receipt, d.Receipt}},
		{"band overdue", url.Values{"band": {"overdue"}}, []string{a.Receipt}},
		{"band later and state", url.Values{"band": {"later"}, "state": {"awaiting_identity"}}, []string{e.Receipt, c.Receipt, ext.Receipt}},
		{"organisation", url.Values{"org": {f.org.Slug}}, []string{a.Receipt, b.Receipt, d.Receipt, e.Receipt, c.Receipt, ext.Receipt}},
		{"partial receipt", url.Values{"q": {strings.TrimPrefix(b.Receipt, "RD-2026-")}}, []string{b.Receipt}},
		{"partial receipt, lower case", url.Values{"q": {strings.ToLower(b.Receipt[:9]) + strings.TrimPrefix(b.Receipt, "RD-2026-")[:3]}}, nil},
		{"no match", url.Values{"q": {"999999"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := cl.get("/staff/?" + tc.query.Encode())
			if p.status != http.StatusOK {
				t.Fatalf("status %d", p.status)
			}
			got := scReceipts(scRows(p.doc))
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if tc.name == "partial receipt, lower case" && len(got) != 6 {
				t.Errorf("a receipt prefix matches %d cases, want all 6 open ones", len(got))
			}
			if tc.name == "no match" && (len(got) != 0 || !strings.Contains(p.body, "No request matches")) {
				t.Errorf("no match: rows %v", got)
			}
		})
	}

	// A whole receipt number opens the case, whatever its state.
	if p := cl.get("/staff/?q=" + strings.ToLower(closed.Receipt)); p.status != http.StatusSeeOther || p.location() != "/staff/cases/"+closed.Receipt {
		t.Errorf("search by receipt = %d %q", p.status, p.location())
	}
	// Typed without its leading zeros it opens the case too (walkthrough:
	// "rd-2025-5906" found nothing where "RD-2025-005906" opened it).
	year, num, _ := strings.Cut(strings.TrimPrefix(closed.Receipt, "RD-"), "-")
	if p := cl.get("/staff/?q=rd-" + year + "-" + strings.TrimLeft(num, "0")); p.status != http.StatusSeeOther || p.location() != "/staff/cases/"+closed.Receipt {
		t.Errorf("search by receipt without leading zeros = %d %q", p.status, p.location())
	}
	// ...but never another organisation's.
	if p := cl.get("/staff/?q=" + other.Receipt); p.status != http.StatusOK || len(scRows(p.doc)) != 0 {
		t.Errorf("search for another organisation's receipt = %d with %d rows", p.status, len(scRows(p.doc)))
	}
	// Filtering by another organisation is a 404 (isolation).
	if p := cl.get("/staff/?org=" + f.org2.Slug); p.status != http.StatusNotFound {
		t.Errorf("filter by another organisation = %d, want 404", p.status)
	}
	// The other organisation's DPO sees only their own.
	if got := scReceipts(scRows(f.login(t, f.dpo2).get("/staff/").doc)); !slices.Equal(got, []string{other.Receipt}) {
		t.Errorf("second organisation's dashboard = %v", got)
	}
}

// TestDashboardPagination: keyset pages of 50 by (effective due, id), with
// ties on the due date broken by id.
func TestDashboardPagination(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	start := scHelsinki(2026, 1, 10, 9)
	var all []string
	for i := range 57 {
		// Two cases a day: equal due dates must not be lost between pages.
		sub := f.paper(f.org, start.AddDate(0, 0, i/2), "", nil)
		all = append(all, sub.Receipt)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/")
	first := scReceipts(scRows(p.doc))
	if len(first) != 50 {
		t.Fatalf("first page has %d rows, want 50", len(first))
	}
	next := scByID(p.doc, "next-page")
	if next == nil {
		t.Fatal("no next-page link")
	}
	p2 := cl.get(scAttr(next, "href"))
	second := scReceipts(scRows(p2.doc))
	if got := append(first, second...); !slices.Equal(got, all) {
		t.Fatalf("pages\n got %v\nwant %v", got, all)
	}
	if scByID(p2.doc, "next-page") != nil {
		t.Error("the last page has a next-page link")
	}
	// The header counts all, not the page.
	if got := scText(scElems(p2.doc, "caption", nil)[0]); !strings.Contains(got, "57") {
		t.Errorf("caption %q does not count 57 cases", got)
	}
	// A filter survives paging.
	p = cl.get("/staff/?right=access&state=awaiting_identity")
	if next := scByID(p.doc, "next-page"); next == nil || !strings.Contains(scAttr(next, "href"), "right=access") {
		t.Errorf("next-page link %q lost the filter", scAttr(next, "href"))
	}
}

// TestDashboardQueryUsesIndex: the dashboard reads cases by the
// (org_id, state, urgency) index, not by scanning every case (D-27).
func TestDashboardQueryUsesIndex(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "", nil)
	err := pgx.BeginFunc(f.env.Ctx, f.env.Pool, func(tx pgx.Tx) error {
		// The table is tiny here; forbid the sequential scan a planner
		// would rightly pick, and see which index it can use.
		if _, err := tx.Exec(f.env.Ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		plan, err := store.New(tx).ExplainDashboard(f.env.Ctx, store.DashboardFilter{OrgIDs: []int64{f.org.ID, f.org2.ID}})
		if err != nil {
			return err
		}
		if !strings.Contains(plan, "cases_org_state_urgent") {
			t.Errorf("the dashboard query does not use cases_org_state_urgent:\n%s", plan)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDashboardBoxes: emailed requests to triage, the DPO's queue (D-11)
// and undelivered mail are shown above the list.
func TestDashboardBoxes(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	emailed := f.emailed(f.org)
	queued := f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	f.emailed(f.org2) // another organisation's
	// Every delivery fails for good.
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE outbox SET state = 'failed', last_error = '\x00'::bytea || convert_to('550 mailbox unavailable', 'UTF8') WHERE case_id = $1`, queued.CaseID); err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard = %d: %s", p.status, scText(p.doc))
	}
	triage := scByID(p.doc, "needs-triage")
	if triage == nil || !strings.Contains(scText(triage), emailed) || strings.Count(scText(triage), "RD-") != 1 {
		t.Errorf("triage box = %q", scText(triage))
	}
	queue := scByID(p.doc, "dpo-queue")
	if queue == nil || !strings.Contains(scText(queue), queued.Receipt) || !strings.Contains(scText(queue), "Kirjaston asiakasrekisteri") {
		t.Errorf("DPO queue box = %q", scText(queue))
	}
	failed := scByID(p.doc, "failed-mail")
	if failed == nil || !strings.Contains(scText(failed), queued.Receipt) || !strings.Contains(scText(failed), "550 mailbox unavailable") {
		t.Errorf("failed mail box = %q", scText(failed))
	}
	// The other organisation's DPO sees none of it.
	p2 := f.login(t, f.dpo2).get("/staff/")
	if scByID(p2.doc, "dpo-queue") != nil || scByID(p2.doc, "failed-mail") != nil || strings.Contains(p2.body, emailed) {
		t.Error("another organisation's boxes show this organisation's work")
	}
}
