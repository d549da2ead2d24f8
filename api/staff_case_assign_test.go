package api_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

func (f *scFx) assignedTo(c store.Case) *int64 {
	f.t.Helper()
	now, err := store.New(f.env.Pool).CaseByID(f.env.Ctx, c.OrgID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return now.AssignedTo
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// Issue 21: the case page assigns a case to its handler: "Assign to me",
// another acting member of the organisation, or nobody; each change is
// audited with ids only (D-25). A viewer cannot assign (403), another
// organisation's staff cannot see the case (404), and neither another
// organisation's member nor a viewer can be made the handler (422).
func TestCaseAssignAndUnassign(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	anna := f.addUser("anna@espoo.test", "Anna Assistentti", f.org.ID, workflow.RoleDPO)
	viewerID := int64(0)
	otherID := int64(0)
	for _, e := range []struct {
		email string
		id    *int64
	}{{f.viewer, &viewerID}, {f.dpo2, &otherID}} {
		u, err := store.New(f.env.Pool).StaffUserByEmail(f.env.Ctx, e.email)
		if err != nil {
			t.Fatal(err)
		}
		*e.id = u.ID
	}
	c := f.inState(workflow.StateInProgress)
	url0 := "/staff/cases/" + c.Receipt
	cl := f.login(t, f.dpo)

	p := cl.get(url0)
	if p.status != http.StatusOK {
		t.Fatalf("case page = %d", p.status)
	}
	if got := scText(scByID(p.doc, "assignee")); !strings.Contains(got, "No handler") {
		t.Errorf("unassigned case shows %q", got)
	}
	if scByID(p.doc, "assign-me") == nil || scByID(p.doc, "unassign") != nil {
		t.Errorf("an unassigned case offers 'Assign to me' and no 'Remove handler'")
	}
	var options []string
	for _, o := range scElems(scByID(p.doc, "assign-assignee"), "option", nil) {
		options = append(options, scAttr(o, "value")+"="+scText(o))
	}
	if want := []string{"=No handler", idStr(anna) + "=Anna Assistentti", idStr(f.dpoUserID) + "=Dana Dpo"}; !slices.Equal(options, want) {
		t.Errorf("handler options %v, want %v (no viewer, no other organisation's staff)", options, want)
	}

	// Assign to me.
	if p := cl.post(url0+"/assign", url.Values{"assignee": {idStr(f.dpoUserID)}}); p.status != http.StatusSeeOther || p.location() != url0 {
		t.Fatalf("assign to me = %d %s", p.status, p.location())
	}
	if a := f.assignedTo(c); a == nil || *a != f.dpoUserID {
		t.Fatalf("after 'assign to me': %v", a)
	}
	p = cl.get(url0)
	if got := scText(scByID(p.doc, "assignee")); !strings.Contains(got, "Dana Dpo (you)") {
		t.Errorf("assigned case shows %q", got)
	}
	if scByID(p.doc, "assign-me") != nil || scByID(p.doc, "unassign") == nil {
		t.Errorf("my case offers 'Assign to me' again or no 'Remove handler'")
	}

	// To another member of the organisation.
	if p := cl.post(url0+"/assign", url.Values{"assignee": {idStr(anna)}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign to Anna = %d", p.status)
	}
	if a := f.assignedTo(c); a == nil || *a != anna {
		t.Fatalf("after assigning to Anna: %v", a)
	}

	// Refused handlers: nothing changes, the error is beside the form.
	for name, v := range map[string]string{"other organisation's DPO": idStr(otherID), "viewer": idStr(viewerID),
		"not a number": "x", "unknown id": "999999"} {
		before := f.snapshot(c)
		p := cl.post(url0+"/assign", url.Values{"assignee": {v}})
		if p.status != http.StatusUnprocessableEntity || scByID(p.doc, "assign-assignee-error") == nil {
			t.Errorf("%s: %d, error shown %v; want 422 beside the form", name, p.status, scByID(p.doc, "assign-assignee-error") != nil)
		}
		if a := f.assignedTo(c); a == nil || *a != anna || f.snapshot(c) != before {
			t.Errorf("%s: the case changed (handler %v)", name, a)
		}
	}

	// A viewer sees the handler but cannot assign; another organisation's
	// DPO does not see the case at all.
	vc := f.login(t, f.viewer)
	vp := vc.get(url0)
	if got := scText(scByID(vp.doc, "assignee")); !strings.Contains(got, "Anna Assistentti") || scByID(vp.doc, "form-assign") != nil {
		t.Errorf("viewer: handler %q, form shown %v", got, scByID(vp.doc, "form-assign") != nil)
	}
	if p := vc.post(url0+"/assign", url.Values{"assignee": {""}}); p.status != http.StatusForbidden {
		t.Errorf("viewer unassigning = %d, want 403", p.status)
	}
	if p := f.login(t, f.dpo2).post(url0+"/assign", url.Values{"assignee": {idStr(otherID)}}); p.status != http.StatusNotFound {
		t.Errorf("other organisation's DPO assigning = %d, want 404", p.status)
	}
	// Without the CSRF token nothing happens.
	if p := cl.post(url0+"/assign", url.Values{"assignee": {""}, "_csrf": {"forged"}}); p.status == http.StatusSeeOther {
		t.Errorf("a forged CSRF token was accepted")
	}
	if a := f.assignedTo(c); a == nil || *a != anna {
		t.Fatalf("refused requests changed the handler: %v", a)
	}

	// Unassign.
	if p := cl.post(url0+"/assign", url.Values{"assignee": {""}}); p.status != http.StatusSeeOther {
		t.Fatalf("unassign = %d", p.status)
	}
	if a := f.assignedTo(c); a != nil {
		t.Fatalf("after unassigning: %v", *a)
	}

	// The audit trail: three events, ids only (D-25), in order.
	trail, err := store.New(f.env.Pool).AuditTrail(f.env.Ctx, c.OrgID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range trail {
		if ev.Action != workflow.AuditAssign && ev.Action != workflow.AuditUnassign {
			continue
		}
		b, _ := json.Marshal(ev.Data)
		got = append(got, ev.Action+" "+ev.Actor+" "+string(b))
		if strings.Contains(string(b), "@") || strings.Contains(string(b), "Anna") || strings.Contains(string(b), "Dana") {
			t.Errorf("names or emails in the audit data: %s", b)
		}
	}
	me := string(workflow.StaffActor(f.dpoUserID))
	want := []string{
		"assign " + me + ` {"assignee":` + idStr(f.dpoUserID) + `}`,
		"assign " + me + ` {"assignee":` + idStr(anna) + `,"previous_assignee":` + idStr(f.dpoUserID) + `}`,
		"unassign " + me + ` {"previous_assignee":` + idStr(anna) + `}`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("assignment events\n got %q\nwant %q", got, want)
	}
	// The timeline names the handlers.
	p = cl.get(url0)
	tl := scText(scByID(p.doc, "h-timeline").Parent)
	if !strings.Contains(tl, "Handler set") || !strings.Contains(tl, "Handler removed") || !strings.Contains(tl, "Anna Assistentti") {
		t.Errorf("timeline does not show the assignments by name: %q", tl)
	}

	// A closed case keeps its handler: assigning it is refused.
	closed := f.inState(workflow.StateClosed)
	if p := cl.post("/staff/cases/"+closed.Receipt+"/assign", url.Values{"assignee": {idStr(f.dpoUserID)}}); p.status != http.StatusConflict {
		t.Errorf("assigning a closed case = %d, want 409", p.status)
	}
	if f.assignedTo(closed) != nil {
		t.Errorf("a closed case was assigned")
	}
}

// Issue 21: the dashboard's handler filter (anyone, me, nobody, one staff
// member): rows and band counts equal the definition (the open, confirmed
// cases with that assigned_to), the filter stays in the band, next-page
// and CSV links, and the CSV holds the page's rows.
func TestDashboardAssigneeFilter(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	anna := f.addUser("anna@espoo.test", "Anna Assistentti", f.org.ID, workflow.RoleDPO)
	var ids []int64
	for i := range 56 {
		sub := f.paper(f.org, scHelsinki(2026, 2, 1+i%27, 9), "in_person", nil)
		ids = append(ids, sub.CaseID)
	}
	q := store.New(f.env.Pool)
	// 52 to Dana (more than a page), 3 to Anna, 1 to nobody.
	for i, id := range ids {
		var who *int64
		switch {
		case i < 52:
			who = &f.dpoUserID
		case i < 55:
			who = &anna
		}
		if who != nil {
			if err := q.SetCaseAssignee(ctx, f.org.ID, id, who); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.paper(f.org2, scHelsinki(2026, 2, 3, 9), "in_person", nil)
	cl := f.login(t, f.dpo)

	definition := func(assignee string) []string {
		t.Helper()
		rows, err := f.env.Pool.Query(ctx, `SELECT receipt FROM cases c WHERE org_id = $1 AND state = ANY($2)
			AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
			AND CASE $3 WHEN '' THEN true WHEN 'none' THEN assigned_to IS NULL ELSE assigned_to = $3::bigint END
			ORDER BY receipt`, f.org.ID, store.OpenStates, assignee)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var r string
			if err := rows.Scan(&r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	// walk reads every page of a view, checking each link keeps the filter.
	walk := func(view, param string) (receipts []string, total int, csvLink string) {
		t.Helper()
		for path := view; path != ""; {
			p := cl.get(path)
			if p.status != http.StatusOK {
				t.Fatalf("%s = %d", path, p.status)
			}
			if path == view {
				for _, n := range scElems(p.doc, "span", func(n *html.Node) bool { return scHasClass(n, "sc-n") }) {
					k, _ := strconv.Atoi(scText(n))
					total += k
				}
				for _, a := range scElems(p.doc, "a", func(n *html.Node) bool { return scHasClass(n, "sc-bandcount") }) {
					if param != "" && !strings.Contains(scAttr(a, "href"), param) {
						t.Errorf("%s: band link %s drops the filter", view, scAttr(a, "href"))
					}
				}
				if a := scByID(p.doc, "csv-link"); a != nil {
					csvLink = scAttr(a, "href")
				}
			}
			receipts = append(receipts, scReceipts(scRows(p.doc))...)
			path = ""
			if a := scByID(p.doc, "next-page"); a != nil {
				path = scAttr(a, "href")
				if param != "" && !strings.Contains(path, param) {
					t.Errorf("%s: next-page link %s drops the filter", view, path)
				}
			}
		}
		slices.Sort(receipts)
		return receipts, total, csvLink
	}
	for _, tc := range []struct{ view, param, def string }{
		{"/staff/?org=espoo", "", ""},
		{"/staff/?org=espoo&assignee=me", "assignee=me", idStr(f.dpoUserID)},
		{"/staff/?org=espoo&assignee=none", "assignee=none", "none"},
		{"/staff/?org=espoo&assignee=" + idStr(anna), "assignee=" + idStr(anna), idStr(anna)},
	} {
		want := definition(tc.def)
		got, total, link := walk(tc.view, tc.param)
		if !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s: rows %v\nwant %v", tc.view, got, want)
		}
		if total != len(want) {
			t.Errorf("%s: band counts sum to %d, want %d", tc.view, total, len(want))
		}
		if tc.param != "" && !strings.Contains(link, tc.param) {
			t.Errorf("%s: CSV link %q drops the filter", tc.view, link)
		}
		cp := cl.get(link)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cp.body, "\uFEFF"))).ReadAll()
		if err != nil || cp.status != http.StatusOK {
			t.Fatalf("%s CSV = %d, %v", tc.view, cp.status, err)
		}
		var csvReceipts []string
		for _, r := range recs[1:] {
			csvReceipts = append(csvReceipts, r[0])
		}
		slices.Sort(csvReceipts)
		if !slices.Equal(csvReceipts, want) {
			t.Errorf("%s: CSV %d rows, want %d", tc.view, len(csvReceipts), len(want))
		}
	}
	// Each row names its handler.
	p0 := cl.get("/staff/?org=espoo&assignee=" + idStr(anna))
	cells := scElems(p0.doc, "td", func(n *html.Node) bool { return scHasClass(n, "sc-handler") })
	if len(cells) != 3 {
		t.Errorf("%d handler cells under Anna's filter, want 3", len(cells))
	}
	for _, td := range cells {
		if got := strings.TrimSpace(scText(td)); got != "Anna Assistentti" {
			t.Errorf("handler cell %q, want Anna Assistentti", got)
		}
	}
	// Another organisation's staff id is no filter (and lists nobody of it).
	u, err := q.StaffUserByEmail(ctx, f.dpo2)
	if err != nil {
		t.Fatal(err)
	}
	p := cl.get("/staff/?org=espoo&assignee=" + idStr(u.ID))
	if sel := scByID(p.doc, "f-assignee"); sel == nil {
		t.Fatal("no handler filter on the dashboard")
	} else {
		for _, o := range scElems(sel, "option", nil) {
			if scAttr(o, "value") == idStr(u.ID) {
				t.Errorf("another organisation's DPO is offered as a handler")
			}
			if hasAttr(o, "selected") && scAttr(o, "value") != "" {
				t.Errorf("option %s selected for a foreign id", scAttr(o, "value"))
			}
		}
	}
	if got, _, _ := walk("/staff/?org=espoo&assignee="+idStr(u.ID), ""); len(got) != len(definition("")) {
		t.Errorf("a foreign handler id filtered the view: %d rows", len(got))
	}
}

func hasAttr(n *html.Node, key string) bool {
	return slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == key })
}
