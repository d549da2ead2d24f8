package api_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// scDueCell is the due-date cell (the first td) of the dashboard row of
// receipt, nil when the row is not listed.
func scDueCell(doc *html.Node, receipt string) *html.Node {
	if tr := scRowOf(doc, receipt); tr != nil {
		if tds := scElems(tr, "td", nil); len(tds) > 0 {
			return tds[0]
		}
	}
	return nil
}

func scHasElem(doc *html.Node, class string) bool {
	return len(scFindAll(doc, func(n *html.Node) bool { return scHasClass(n, class) })) > 0
}

// TestDashboardFinishedRequestsHaveNoUrgency (found in a walkthrough): an
// answered, closed, refused or withdrawn request runs against no deadline,
// so it has no urgency band. A view of a finished state shows no band
// counts and no "open requests" caption; its rows show the outcome and
// its date (an answer given after the due date says so), the CSV too; a
// person search counts only the person's open requests in its bands.
func TestDashboardFinishedRequestsHaveNoUrgency(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx, wf := f.env.Ctx, f.env.Workflow
	actor := workflow.StaffActor(f.dpoUserID)

	onTime := f.inState(workflow.StateAnswered) // received yesterday, answered today
	refused := f.inState(workflow.StateRefused)
	withdrawn := f.inState(workflow.StateWithdrawn)
	closed := f.inState(workflow.StateClosed)
	// Received 5 January (due Thu 5 February), answered today: late.
	late := f.paper(f.org, scHelsinki(2026, 1, 5, 9), "in_person", nil)
	for _, tk := range f.tasks(f.org, late.CaseID) {
		by := workflow.OwnerActor(tk.ID)
		if tk.OwnerEmail == "" {
			by = actor
		}
		if err := wf.AnswerTask(ctx, f.org, tk.ID, by, workflow.TaskAnswer{Answer: "no_data"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := wf.SendAnswer(ctx, f.org, late.CaseID, actor); err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.RenderAnswer{}.Kind())
	if c := f.caseByReceipt(f.org, late.Receipt); c.State != string(workflow.StateAnswered) {
		t.Fatalf("late case is %s", c.State)
	}
	overdue := f.paper(f.org, scHelsinki(2026, 1, 20, 9), "", nil) // open, due 20 February
	cl := f.login(t, f.dpo)

	for _, tc := range []struct {
		state, label string
		receipts     []string
		outcome      string
	}{
		{"answered", "Answered", []string{late.Receipt, onTime.Receipt}, "Answered"},
		{"closed", "Closed", []string{closed.Receipt}, "Answered"},
		{"refused", "Refused", []string{refused.Receipt}, "Refused"},
		{"withdrawn", "Withdrawn", []string{withdrawn.Receipt}, "Withdrawn"},
	} {
		// A band in the URL does not narrow a finished view.
		for _, q := range []url.Values{{"state": {tc.state}}, {"state": {tc.state}, "band": {"overdue"}}} {
			p := cl.get("/staff/?" + q.Encode())
			if p.status != http.StatusOK {
				t.Fatalf("%v = %d", q, p.status)
			}
			if scByID(p.doc, "bands") != nil || scByID(p.doc, "count-overdue") != nil {
				t.Errorf("%v: band counts shown on a view of finished requests", q)
			}
			caption := scText(scElems(p.doc, "caption", nil)[0])
			if strings.Contains(caption, "Open requests") || strings.Contains(caption, "most urgent") || !strings.Contains(caption, "“"+tc.label+"”") {
				t.Errorf("%v: caption %q", q, caption)
			}
			rows := scRows(p.doc)
			if got := scReceipts(rows); !slices.Equal(got, tc.receipts) {
				t.Fatalf("%v: rows %v, want %v", q, got, tc.receipts)
			}
			for _, r := range rows {
				cell := scDueCell(p.doc, r.receipt)
				text := scText(cell)
				if r.band != "" || scHasElem(cell, "band") || strings.Contains(text, "Overdue") || strings.Contains(text, "Due within") {
					t.Errorf("%v: finished request %s has an urgency band: %q", q, r.receipt, text)
				}
				if !strings.HasPrefix(text, tc.outcome+" 7 March 2026") {
					t.Errorf("%v: %s reads %q, want its outcome %s and its date", q, r.receipt, text, tc.outcome)
				}
				if wantLate := r.receipt == late.Receipt; scHasElem(cell, "sc-answered-late") != wantLate {
					t.Errorf("%v: %s answered late shown %v, want %v (%q)", q, r.receipt, !wantLate, wantLate, text)
				}
			}
		}
	}
	if p := cl.get("/staff/?state=answered"); !strings.Contains(scText(scDueCell(p.doc, late.Receipt)), "Due 5 February 2026") {
		t.Errorf("the late answer does not show its due date: %q", scText(scDueCell(p.doc, late.Receipt)))
	}

	// The CSV of a finished view: no urgency, the outcome and its date.
	cp := cl.get("/staff/cases.csv?state=answered")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(cp.body, "\uFEFF"))).ReadAll()
	if err != nil || cp.status != http.StatusOK || len(recs) != 3 {
		t.Fatalf("CSV = %d, %v, %d records", cp.status, err, len(recs))
	}
	col := func(name string) int { return slices.Index(recs[0], name) }
	band, outcome, date := col("Urgency"), col("Outcome"), col("Outcome date")
	if band < 0 || outcome < 0 || date < 0 {
		t.Fatalf("CSV header %v", recs[0])
	}
	for _, r := range recs[1:] {
		if r[band] != "" || r[outcome] != "Answered" || r[date] != "2026-03-07" {
			t.Errorf("CSV row %v: urgency %q, outcome %q, date %q", r, r[band], r[outcome], r[date])
		}
	}

	// A person search lists every state, and counts only the open
	// request in its bands.
	p := cl.post("/staff/search", url.Values{"person": {scRequest.Email}})
	if p.status != http.StatusOK {
		t.Fatalf("person search = %d", p.status)
	}
	if got := len(scRows(p.doc)); got != 6 {
		t.Errorf("person search lists %d requests, want 6", got)
	}
	counts := map[string]string{}
	for _, b := range []string{"overdue", "week", "later"} {
		counts[b] = scText(scFindAll(scByID(p.doc, "count-"+b), func(n *html.Node) bool { return scHasClass(n, "sc-n") })[0])
	}
	if counts["overdue"] != "1" || counts["week"] != "0" || counts["later"] != "0" {
		t.Errorf("person search band counts %v, want the one open overdue request (%s)", counts, overdue.Receipt)
	}
	if caption := scText(scElems(p.doc, "caption", nil)[0]); !strings.Contains(caption, "(6)") {
		t.Errorf("person search caption %q", caption)
	}

	// An invalid search says so and nothing more: no empty result as if
	// a search had run; the typed value stays in the field.
	bad := cl.post("/staff/search", url.Values{"person": {"eino.laine"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid person search = %d", bad.status)
	}
	if scByID(bad.doc, "f-person-err") == nil {
		t.Error("no error message for an invalid person search")
	}
	if in := scByID(bad.doc, "f-person"); in == nil || scAttr(in, "value") != "eino.laine" {
		t.Error("the typed value is not kept")
	}
	if scByID(bad.doc, "cases") != nil || scByID(bad.doc, "bands") != nil || strings.Contains(bad.body, "No requests.") ||
		strings.Contains(bad.body, "Open requests (") || scByID(bad.doc, "csv-link") != nil {
		t.Error("an invalid person search shows a result list")
	}
}
