package api_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"

	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 21, dashboard: channel and unit filters, the search by person
// through the blind indexes (ID-4: the value is in no URL and no log row),
// and the CSV export of the view.

// TestDashboardChannelAndUnitFilters: the channel filter keeps the cases
// that came that way; the unit filter keeps the cases with a task in a
// register of the unit; another organisation's unit is no filter at all.
func TestDashboardChannelAndUnitFilters(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx := f.env.Ctx
	var unit, unit2 int64
	if err := f.env.Pool.QueryRow(ctx, `INSERT INTO units (org_id, name) VALUES ($1, 'Sivistystoimi') RETURNING id`, f.org.ID).Scan(&unit); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Pool.QueryRow(ctx, `INSERT INTO units (org_id, name) VALUES ($1, 'Vantaan yksikkö') RETURNING id`, f.org2.ID).Scan(&unit2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Pool.Exec(ctx, `UPDATE registers SET unit_id = $1 WHERE id = $2`, unit, f.regOwned); err != nil {
		t.Fatal(err)
	}
	inUnit := f.paper(f.org, scHelsinki(2026, 2, 20, 9), "in_person", func(r *workflow.Request) {
		r.AllRegisters, r.RegisterIDs = false, []int64{f.regOwned}
	})
	outside := f.paper(f.org, scHelsinki(2026, 2, 21, 9), "in_person", func(r *workflow.Request) {
		r.AllRegisters, r.RegisterIDs = false, []int64{f.regQueue}
	})
	phoneReq := scRequest
	phoneReq.AllRegisters, phoneReq.RegisterIDs = false, []int64{f.regQueue}
	phoned, err := f.env.Workflow.EnterRequest(ctx, f.org, workflow.StaffActor(f.dpoUserID), workflow.PaperRequest{
		Request: phoneReq, Channel: "phone", ReceivedAt: scHelsinki(2026, 2, 22, 9)})
	if err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.dpo)

	rows := func(path string) []string {
		t.Helper()
		p := cl.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s = %d", path, p.status)
		}
		got := scReceipts(scRows(p.doc))
		slices.Sort(got)
		return got
	}
	sorted := func(r ...string) []string { slices.Sort(r); return r }
	if got, want := rows("/staff/?channel=phone"), sorted(phoned.Receipt); !slices.Equal(got, want) {
		t.Errorf("channel=phone: %v, want %v", got, want)
	}
	if got, want := rows("/staff/?channel=paper"), sorted(inUnit.Receipt, outside.Receipt); !slices.Equal(got, want) {
		t.Errorf("channel=paper: %v, want %v", got, want)
	}
	if got, want := rows("/staff/?unit="+itoa(unit)), sorted(inUnit.Receipt); !slices.Equal(got, want) {
		t.Errorf("unit: %v, want %v", got, want)
	}
	// Another organisation's unit is not offered and filters nothing.
	if got, want := rows("/staff/?unit="+itoa(unit2)), sorted(inUnit.Receipt, outside.Receipt, phoned.Receipt); !slices.Equal(got, want) {
		t.Errorf("other organisation's unit: %v, want %v", got, want)
	}
	if got := rows("/staff/?unit=" + itoa(unit) + "&channel=phone"); len(got) != 0 {
		t.Errorf("unit and channel=phone: %v, want none", got)
	}
	// The next-page link and the CSV link keep the new filters.
	p := cl.get("/staff/?channel=phone&unit=" + itoa(unit))
	csvLink := ""
	for _, a := range scElems(p.doc, "a", func(n *html.Node) bool { return scAttr(n, "id") == "csv-link" }) {
		csvLink = scAttr(a, "href")
	}
	if !strings.Contains(csvLink, "channel=phone") || !strings.Contains(csvLink, "unit="+itoa(unit)) {
		t.Errorf("CSV link %q lost the filters", csvLink)
	}
}

// TestDashboardPersonSearch (ID-4, issue 21): a search by email or by
// henkilötunnus finds the person's cases in every state through the blind
// indexes (the subject's code for a request made on their behalf), only in
// the user's organisations, and each search is recorded in the access log
// (on every case found, and once for the organisation) without the value.
func TestDashboardPersonSearch(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx, wf := f.env.Ctx, f.env.Workflow
	actor := workflow.StaffActor(f.dpoUserID)
	mine := f.paper(f.org, scHelsinki(2026, 2, 20, 9), "", func(r *workflow.Request) { r.Email, r.Hetu = "Liisa.Laine@Example.fi", "010180-1232" })
	closed := f.paper(f.org, scHelsinki(2026, 1, 5, 9), "", func(r *workflow.Request) { r.Email, r.Hetu = "liisa.laine@example.fi", "" })
	if err := wf.Withdraw(ctx, f.org, closed.CaseID, actor, ""); err != nil {
		t.Fatal(err)
	}
	if err := wf.Close(ctx, f.org, closed.CaseID, actor); err != nil {
		t.Fatal(err)
	}
	// A guardian's request for Liisa: her code as the subject's.
	behalf := f.paper(f.org, scHelsinki(2026, 2, 25, 9), "", func(r *workflow.Request) {
		r.Email, r.Hetu, r.OnBehalf, r.SubjectName, r.SubjectHetu = "guardian@example.fi", "150690-456E", true, "Liisa Laine", "010180-1232"
		r.Relation = "guardian"
	})
	stranger := f.paper(f.org, scHelsinki(2026, 2, 21, 9), "", func(r *workflow.Request) { r.Email, r.Hetu = "other@example.fi", "" })
	elsewhere := f.paper(f.org2, scHelsinki(2026, 2, 21, 9), "", func(r *workflow.Request) { r.Email, r.Hetu = "liisa.laine@example.fi", "010180-1232" })
	_ = stranger
	cl := f.login(t, f.dpo)

	search := func(value string) []string {
		t.Helper()
		p := cl.post("/staff/search", url.Values{"person": {value}})
		if p.status != http.StatusOK {
			t.Fatalf("person search = %d", p.status)
		}
		got := scReceipts(scRows(p.doc))
		slices.Sort(got)
		if strings.Contains(p.resp.Request.URL.String(), "@") || strings.Contains(p.resp.Request.URL.String(), "010180") {
			t.Errorf("the searched value is in the URL %s", p.resp.Request.URL)
		}
		return got
	}
	sorted := func(r ...string) []string { slices.Sort(r); return r }
	since := f.env.Clock.Now().Add(-time.Minute)

	// By email, normalised as intake indexes it: the open and the closed case.
	if got, want := search(" LIISA.laine@example.fi "), sorted(mine.Receipt, closed.Receipt); !slices.Equal(got, want) {
		t.Errorf("email search: %v, want %v", got, want)
	}
	// By henkilötunnus: her own request and the one made on her behalf.
	if got, want := search("010180-1232"), sorted(mine.Receipt, behalf.Receipt); !slices.Equal(got, want) {
		t.Errorf("henkilötunnus search: %v, want %v", got, want)
	}
	if got := search("nobody@example.fi"); len(got) != 0 {
		t.Errorf("unknown email found %v", got)
	}
	// Not a code, not an email: an error, no search, nothing logged.
	if p := cl.post("/staff/search", url.Values{"person": {"010180-1233"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("invalid henkilötunnus = %d, want 422", p.status)
	}

	q := store.New(f.env.Pool)
	n, err := q.PersonSearches(ctx, f.org.ID, string(actor), since)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("organisation-level person searches = %d, want 3 (two hits and one miss)", n)
	}
	countOn := func(org store.Org, caseID int64) int {
		t.Helper()
		log, err := q.AccessLog(ctx, org.ID, caseID, 50)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, e := range log {
			if e.What == workflow.AccessPersonSearched {
				if e.Actor != string(actor) {
					t.Errorf("access log actor %q", e.Actor)
				}
				k++
			}
		}
		return k
	}
	for _, x := range []struct {
		name string
		org  store.Org
		id   int64
		want int
	}{{"found by both", f.org, mine.CaseID, 2}, {"closed, by email", f.org, closed.CaseID, 1},
		{"on behalf, by code", f.org, behalf.CaseID, 1}, {"stranger", f.org, stranger.CaseID, 0},
		{"other organisation", f.org2, elsewhere.CaseID, 0}} {
		if got := countOn(x.org, x.id); got != x.want {
			t.Errorf("%s: %d person_searched rows, want %d", x.name, got, x.want)
		}
	}
	// The value itself is nowhere in the access log (D-25).
	var leaks int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM case_access_log WHERE actor ILIKE '%liisa%' OR actor LIKE '%010180%'
		OR what ILIKE '%liisa%'`).Scan(&leaks); err != nil {
		t.Fatal(err)
	}
	if leaks != 0 {
		t.Errorf("the searched value is in %d access log rows", leaks)
	}
	// The case page lists the search among the reads.
	if p := cl.get(caseURL(mine.Receipt)); !strings.Contains(p.body, "Found by a search by person") {
		t.Errorf("the case page's access log does not show the person search")
	}
}

func caseURL(receipt string) string { return "/staff/cases/" + url.PathEscape(receipt) }

// TestDashboardCSVMatchesPage (issue 21): the export of a filtered view
// has the page's cases in the page's order with the page's columns, no
// personal data, and is audited on the organisation's chain; a person
// search's export is a POST and is a logged search too.
func TestDashboardCSVMatchesPage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx := f.env.Ctx
	for i, day := range []int{20, 7, 12, 14} {
		f.paper(f.org, scHelsinki(2026, 2, day, 9), "", func(r *workflow.Request) {
			r.Email = "csv" + itoa(int64(i)) + "@example.fi"
			if i == 2 {
				r.Rights = []string{"erasure"}
			}
		})
	}
	f.paper(f.org2, scHelsinki(2026, 2, 10, 9), "", nil)
	cl := f.login(t, f.dpo)

	for _, view := range []string{"/staff/", "/staff/?right=access", "/staff/?band=later"} {
		p := cl.get(view)
		if p.status != http.StatusOK {
			t.Fatalf("%s = %d", view, p.status)
		}
		page := scReceipts(scRows(p.doc))
		link := ""
		for _, a := range scElems(p.doc, "a", func(n *html.Node) bool { return scAttr(n, "id") == "csv-link" }) {
			link = scAttr(a, "href")
		}
		if link == "" {
			t.Fatalf("%s: no CSV link", view)
		}
		cp := cl.get(link)
		if cp.status != http.StatusOK || !strings.HasPrefix(cp.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s CSV = %d %s", view, cp.status, cp.header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cp.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 || recs[0][0] != "Request number" {
			t.Fatalf("%s CSV header %v", view, recs)
		}
		var got []string
		for _, r := range recs[1:] {
			got = append(got, r[0])
			if len(r) != len(recs[0]) {
				t.Errorf("row %v has %d cells, header %d", r, len(r), len(recs[0]))
			}
		}
		if !slices.Equal(got, page) || len(page) == 0 {
			t.Errorf("%s: CSV %v, page %v", view, got, page)
		}
		if strings.Contains(cp.body, "@") || strings.Contains(cp.body, "131052") || strings.Contains(cp.body, "Meikäläinen") {
			t.Errorf("%s: personal data in the CSV", view)
		}
	}
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	exports := 0
	for _, ev := range trail {
		if ev.Action == "cases_exported" {
			exports++
		}
	}
	if exports != 3 {
		t.Errorf("%d cases_exported events on the organisation's chain, want 3", exports)
	}

	// A person search's export: the found cases only, logged as a search.
	p := cl.post("/staff/search/cases.csv", url.Values{"person": {"csv1@example.fi"}})
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\uFEFF"))).ReadAll()
	if err != nil || p.status != http.StatusOK {
		t.Fatalf("person CSV = %d, %v", p.status, err)
	}
	if len(recs) != 2 {
		t.Errorf("person CSV has %d rows, want header and one case", len(recs))
	}
	n, err := store.New(f.env.Pool).PersonSearches(ctx, f.org.ID, string(workflow.StaffActor(f.dpoUserID)), time.Time{})
	if err != nil || n != 1 {
		t.Errorf("person searches after the export = %d, %v; want 1", n, err)
	}
}
