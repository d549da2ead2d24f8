package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// TestDashboardWithDemoData: the DPO's dashboard renders over 2,000
// `rightsdesk demo` cases (issue 21): the band counters agree with the
// cases as stored, the first page is full and in due order, and a
// filtered view lists only its state.
func TestDashboardWithDemoData(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	if _, err := demo.Generate(ctx, f.env.Pool, f.env.Keys, f.org, demo.Options{Cases: 2000, Seed: 3, Now: f.env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	today := workflow.HelsinkiDate(f.env.Clock.Now()).String()
	var overdue, week, later int
	// The dashboard's urgency (D-23): an emailed request waiting for
	// triage asks for no right yet, so nothing runs (urgent_due is NULL)
	// and it is placed by its legal due date.
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE coalesce(urgent_due, extended_due, legal_due) < $2::date),
			count(*) FILTER (WHERE coalesce(urgent_due, extended_due, legal_due) BETWEEN $2::date AND $2::date + 7),
			count(*) FILTER (WHERE coalesce(urgent_due, extended_due, legal_due) > $2::date + 7)
		FROM cases WHERE org_id = $1 AND state = ANY($3) AND (confirmed_at IS NOT NULL OR needs_triage)`,
		f.org.ID, today, store.OpenStates).Scan(&overdue, &week, &later); err != nil {
		t.Fatal(err)
	}
	if overdue == 0 || week+later == 0 {
		t.Fatalf("demo data has no overdue or no running cases: %d %d %d", overdue, week, later)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/")
	if p.status != http.StatusOK {
		t.Fatalf("dashboard = %d", p.status)
	}
	for band, n := range map[string]int{"overdue": overdue, "week": week, "later": later} {
		if got := scText(scFindAll(scByID(p.doc, "count-"+band), func(n *html.Node) bool { return scHasClass(n, "sc-n") })[0]); got != strconv.Itoa(n) {
			t.Errorf("count of %s = %s, want %d", band, got, n)
		}
	}
	rows := scRows(p.doc)
	if len(rows) < 20 || rows[0].band != "overdue" {
		t.Fatalf("first page: %d rows, first %+v", len(rows), rows)
	}
	fp := cl.get("/staff/?" + url.Values{"state": {"in_progress"}}.Encode())
	if fp.status != http.StatusOK {
		t.Fatalf("filtered dashboard = %d", fp.status)
	}
	frows := scRows(fp.doc)
	if len(frows) == 0 {
		t.Fatal("filtered view is empty")
	}
	for _, r := range frows {
		if r.state != "in_progress" {
			t.Fatalf("filtered view lists a %s case", r.state)
		}
	}
}
