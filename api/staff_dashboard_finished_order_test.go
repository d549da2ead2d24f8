package api_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/workflow"
)

// The views of finished requests list the most recently finished first:
// the DPO looks there for what was just answered or refused, and the
// deadline order showed requests of years ago first. A request's place
// is when it was answered (D-29) or, unanswered, refused or withdrawn;
// requests finished at the same moment go by id, newest first. Paging is
// exact both ways through the pages (no request twice, none skipped, the
// page boundary falling among equal moments), the CSV export follows the
// same order, and an open view still lists the earliest deadline first.
func TestDashboardFinishedViewsNewestFirst(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx := f.env.Ctx
	// 60 requests received over a year, answered in the same order: the
	// deadline order lists the earliest answered first. Eleven of them
	// answered at one moment, around the first page's end (a page is 50).
	const n = 60
	base := scHelsinki(2025, 3, 1, 9)
	var receipts []string
	for i := range n {
		sub := f.paper(f.org, base.Add(time.Duration(i)*5*24*time.Hour), "in_person", nil)
		receipts = append(receipts, sub.Receipt)
		answered := scHelsinki(2026, 2, 2, 9).Add(time.Duration(i)*3*time.Hour + time.Duration(i)*time.Microsecond)
		if i >= 9 && i <= 19 {
			answered = scHelsinki(2026, 2, 3, 12) // a tie across the page boundary
		}
		if _, err := f.env.Pool.Exec(ctx, `UPDATE cases SET state = 'answered', answered_at = $2 WHERE id = $1`, sub.CaseID, answered); err != nil {
			t.Fatal(err)
		}
	}
	// The order the view must have: the answer's moment, then id, newest first.
	rows, err := f.env.Pool.Query(ctx, `SELECT receipt FROM cases WHERE org_id = $1 AND state = 'answered'
		ORDER BY answered_at DESC, id DESC`, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	if rows.Err() != nil || len(want) != n {
		t.Fatalf("%d answered requests (%v)", len(want), rows.Err())
	}
	if want[0] != receipts[n-1] || want[49] != receipts[10] || want[50] != receipts[9] {
		t.Fatalf("the fixture's order: %s first, %s and %s at the page's end", want[0], want[49], want[50])
	}

	cl := f.login(t, f.dpo)
	var got []string
	pages := 0
	for path := "/staff/?state=answered"; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("the pages do not end")
		}
		p := cl.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s = %d", path, p.status)
		}
		got = append(got, scReceipts(scRows(p.doc))...)
		path = ""
		if a := scByID(p.doc, "next-page"); a != nil {
			path = scAttr(a, "href")
			if !strings.Contains(path, "state=answered") {
				t.Errorf("the next page's link %s drops the view", path)
			}
		}
	}
	if pages != 2 || !slices.Equal(got, want) {
		t.Errorf("%d pages list\n%v\nwant the most recently answered first\n%v", pages, got, want)
	}

	// The CSV of the view: the same order, every request once.
	cp := cl.get("/staff/cases.csv?state=answered")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cp.body, "\uFEFF"))).ReadAll()
	if err != nil || cp.status != http.StatusOK || len(recs) != n+1 {
		t.Fatalf("CSV = %d, %v, %d records", cp.status, err, len(recs))
	}
	var csvOrder []string
	for _, r := range recs[1:] {
		csvOrder = append(csvOrder, r[0])
	}
	if !slices.Equal(csvOrder, want) {
		t.Errorf("CSV order\n%v\nwant\n%v", csvOrder, want)
	}

	// Unanswered: the moment it was refused or withdrawn. The request
	// received first was withdrawn last, and a refused one that was then
	// closed keeps its refusal's moment.
	older := f.paper(f.org, scHelsinki(2026, 1, 5, 9), "in_person", nil)
	newer := f.paper(f.org, scHelsinki(2026, 2, 5, 9), "in_person", nil)
	actor := workflow.StaffActor(f.dpoUserID)
	if err := f.env.Workflow.Refuse(ctx, f.org, newer.CaseID, actor, "art12_5_unfounded", "manifestly unfounded"); err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(2 * time.Hour)
	if err := f.env.Workflow.Refuse(ctx, f.org, older.CaseID, actor, "art12_5_unfounded", "manifestly unfounded"); err != nil {
		t.Fatal(err)
	}
	cl = f.login(t, f.dpo) // an idle session of an hour has ended
	if got := scReceipts(scRows(cl.get("/staff/?state=refused").doc)); !slices.Equal(got, []string{older.Receipt, newer.Receipt}) {
		t.Errorf("the refused view lists %v, want the one refused last first", got)
	}
	f.env.Clock.Advance(time.Hour)
	if err := f.env.Workflow.Close(ctx, f.org, newer.CaseID, actor); err != nil {
		t.Fatal(err)
	}
	var ended time.Time
	if err := f.env.Pool.QueryRow(ctx, `SELECT ended_at FROM cases WHERE id = $1`, newer.CaseID).Scan(&ended); err != nil ||
		!ended.Equal(f.env.Clock.Now().Add(-3*time.Hour)) {
		t.Errorf("the closed refusal ended at %v (%v), want its refusal's moment", ended, err)
	}

	// An open view keeps the earliest deadline first.
	open := f.paper(f.org, scHelsinki(2026, 3, 2, 9), "in_person", nil)
	earlier := f.paper(f.org, scHelsinki(2026, 2, 20, 9), "in_person", nil)
	p := f.login(t, f.dpo).get("/staff/?org=espoo")
	if got := scReceipts(scRows(p.doc)); !slices.Equal(got, []string{earlier.Receipt, open.Receipt}) {
		t.Errorf("the open view lists %v, want the earliest deadline first", got)
	}
}
