package api_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 21: the dashboard's CSV export has the page's handler column:
// each case's handler as its row shows it (the name, the email of a staff
// member without one), empty for none, headed in the staff member's
// language like the other columns.
func TestDashboardCSVHandlerColumn(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	sara := f.addUser("sara@espoo.test", "Sara Sundström", f.org.ID, workflow.RoleDPO)
	nameless := f.addUser("nimeton@espoo.test", "", f.org.ID, workflow.RoleDPO)
	q := store.New(f.env.Pool)
	want := map[string]string{} // receipt -> handler cell
	for i, who := range []*int64{&f.dpoUserID, &sara, &nameless, nil, &f.dpoUserID} {
		sub := f.paper(f.org, scHelsinki(2026, 2, 10+i, 9), "in_person", nil)
		want[sub.Receipt] = ""
		if who != nil {
			if err := q.SetCaseAssignee(ctx, f.org.ID, sub.CaseID, who); err != nil {
				t.Fatal(err)
			}
			want[sub.Receipt] = map[int64]string{f.dpoUserID: "Dana Dpo", sara: "Sara Sundström", nameless: "nimeton@espoo.test"}[*who]
		}
	}

	cl := f.login(t, f.dpo)
	for _, tc := range []struct{ lang, header string }{{"en", "Handler"}, {"sv", "Handläggare"}, {"fi", "Käsittelijä"}} {
		if p := cl.get("/staff/lang/" + tc.lang); p.status != http.StatusSeeOther {
			t.Fatalf("language switch to %s = %d", tc.lang, p.status)
		}
		p := cl.get("/staff/?org=espoo")
		if p.status != http.StatusOK {
			t.Fatalf("%s: dashboard = %d", tc.lang, p.status)
		}
		// What the page shows, to compare the file with.
		page := map[string]string{}
		for _, tr := range scElems(p.doc, "tr", func(n *html.Node) bool { return scHasClass(n, "case-row") }) {
			for _, td := range scElems(tr, "td", func(n *html.Node) bool { return scHasClass(n, "sc-handler") }) {
				page[scAttr(tr, "data-receipt")] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(scText(td)), "–"))
			}
		}
		link := ""
		if a := scByID(p.doc, "csv-link"); a != nil {
			link = scAttr(a, "href")
		}
		cp := cl.get(link)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cp.body, "\uFEFF"))).ReadAll()
		if err != nil || cp.status != http.StatusOK || len(recs) != len(want)+1 {
			t.Fatalf("%s: CSV %q = %d, %d records, %v", tc.lang, link, cp.status, len(recs), err)
		}
		head := recs[0]
		if head[len(head)-1] != tc.header {
			t.Errorf("%s: CSV header %v, want the handler column %q last", tc.lang, head, tc.header)
		}
		for _, r := range recs[1:] {
			receipt, got := r[0], r[len(r)-1]
			if w, ok := want[receipt]; !ok || got != w || got != page[receipt] {
				t.Errorf("%s: %s's handler in the CSV %q, want %q (the page shows %q)", tc.lang, receipt, got, w, page[receipt])
			}
		}
	}
}
