package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/workflow"
)

// scRowOf is the dashboard row of a receipt.
func scRowOf(doc *html.Node, receipt string) *html.Node {
	for _, tr := range scElems(doc, "tr", func(n *html.Node) bool { return scHasClass(n, "case-row") }) {
		if scAttr(tr, "data-receipt") == receipt {
			return tr
		}
	}
	return nil
}

// FI-2, D-23: a document request is shown, ordered and banded by its two
// weeks, with its clock named; deciding or extending it is an action of
// the case page, audited, and moves the dashboard at once.
func TestFI2CaseActions(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	now := f.env.Clock.Now()                                           // Tue 3 March 2026
	gdpr := f.paper(f.org, now.Add(-5*24*time.Hour), "in_person", nil) // legal due 2026-03-27 (Fri)
	doc := f.paper(f.org, now, "in_person", func(r *workflow.Request) { r.DocumentRequest = true })
	f.env.Clock.Advance(7 * 24 * time.Hour) // 10 March: the two weeks (17.3.) are within 7 days
	cl := f.login(t, f.dpo)

	p := cl.get("/staff/")
	rows := scRows(p.doc)
	if len(rows) < 2 || rows[0].receipt != doc.Receipt || rows[0].band != "week" {
		t.Fatalf("dashboard rows %+v: the document request first, due within 7 days", rows)
	}
	row := scRowOf(p.doc, doc.Receipt)
	if txt := scText(row); !strings.Contains(txt, "17 March 2026") && !strings.Contains(txt, "17.3.2026") || !strings.Contains(txt, "Openness Act (2 weeks)") {
		t.Errorf("document request row %q: want its two weeks and the clock's name", txt)
	}
	if r := scRowOf(p.doc, gdpr.Receipt); r == nil || !strings.Contains(scText(r), "GDPR deadline (1 month)") {
		t.Errorf("GDPR row %q lacks its clock", scText(r))
	}
	page := cl.get("/staff/cases/" + doc.Receipt)
	if u := scByID(page.doc, "case-urgent"); u == nil || scAttr(u, "data-clock") != "fi2_two_weeks" {
		t.Errorf("case page urgency: %q", scText(u))
	}
	base := "/staff/cases/" + doc.Receipt + "/actions/"
	if forms := scFormActions(page.doc); !strings.Contains(strings.Join(forms, " "), base+"doc_decide") ||
		!strings.Contains(strings.Join(forms, " "), base+"doc_extend") {
		t.Errorf("case page forms %v lack the FI-2 actions", forms)
	}
	// The GDPR request's page offers neither.
	if forms := strings.Join(scFormActions(cl.get("/staff/cases/"+gdpr.Receipt).doc), " "); strings.Contains(forms, "doc_decide") {
		t.Errorf("a GDPR-only case offers the FI-2 decision: %s", forms)
	}
	// Refused input: the errors beside the form.
	if p := cl.post(base+"doc_extend", url.Values{"reason": {" "}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("extension without a reason = %d", p.status)
	}
	if p := cl.post(base+"doc_extend", url.Values{"reason": {"Satoja asiakirjoja"}}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_extend = %d", p.status)
	}
	p = cl.get("/staff/")
	if r := scRowOf(p.doc, doc.Receipt); !strings.Contains(scText(r), "Openness Act (1 month)") {
		t.Errorf("after the extension the row says %q", scText(r))
	}
	if p := cl.post(base+"doc_extend", url.Values{"reason": {"again"}}); p.status != http.StatusConflict {
		t.Errorf("second extension = %d, want 409", p.status)
	}
	if p := cl.post(base+"doc_decide", url.Values{"decision": {"disclosed"}, "note": {"Lähetetty"}}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d", p.status)
	}
	page = cl.get("/staff/cases/" + doc.Receipt)
	if d := scByID(page.doc, "doc-decision"); d == nil || !strings.Contains(scText(d), "Documents disclosed") {
		t.Errorf("decision on the case page: %q", scText(d))
	}
	if u := scByID(page.doc, "case-urgent"); u == nil || scAttr(u, "data-clock") != "gdpr" {
		t.Errorf("after the decision the urgency is %q", scAttr(u, "data-clock"))
	}
	if strings.Contains(strings.Join(scFormActions(page.doc), " "), base+"doc_decide") {
		t.Error("a decided document request is offered the decision again")
	}
	var events int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1 AND action IN ('doc_extend', 'doc_decide')`,
		doc.CaseID).Scan(&events); err != nil || events != 2 {
		t.Errorf("FI-2 audit events: %d %v", events, err)
	}
}

// DL-8, DL-11: the dashboard shows a paused and extended case's paused
// date of the extended deadline, as the case page does: receipt + pause
// + 3 months, never receipt + pause + 1 month.
func TestDL8DL11DashboardPausedExtended(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	actor := workflow.StaffActor(f.dpoUserID)
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", nil) // received 2026-03-03
	if err := f.env.Workflow.Extend(f.env.Ctx, f.org, c.CaseID, actor, "many registers"); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.Pause(f.env.Ctx, f.org, c.CaseID, actor, "clarification"); err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(10 * 24 * time.Hour)
	cl := f.login(t, f.dpo)
	row := scText(scRowOf(cl.get("/staff/").doc, c.Receipt))
	// 2026-03-13 + 3 months = Sat 13 June -> Mon 15 June; + 1 month = 13 April.
	if !strings.Contains(row, "15 June 2026") || strings.Contains(row, "13 April 2026") {
		t.Errorf("dashboard row %q: want the paused extended date 15 June 2026, not 13 April 2026", row)
	}
	page := scText(scByID(cl.get("/staff/cases/"+c.Receipt).doc, "deadlines"))
	if !strings.Contains(page, "15 June 2026") {
		t.Errorf("case page deadlines %q lack 15 June 2026", page)
	}
}

// ID-5: the represented person's temporary henkilötunnus is flagged on
// the case page; the DPO records the decision on the representative's
// authority there, and the owners' tasks wait for it.
func TestID5CasePageAuthority(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub, err := f.env.Workflow.EnterRequest(f.env.Ctx, f.org, workflow.StaffActor(f.dpoUserID), workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Maija Meikäläinen", Email: "maija@example.fi",
			Lang: "fi", OnBehalf: true, Relation: "guardian", SubjectName: "Pikku", SubjectHetu: "020305A950M"},
		Channel: "counter", ReceivedAt: f.env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/cases/" + sub.Receipt)
	if scByID(p.doc, "subject-hetu-temporary") == nil {
		t.Error("the represented person's temporary number is not flagged")
	}
	if a := scByID(p.doc, "authority"); a == nil || scAttr(a, "data-authority") != "" {
		t.Errorf("authority before a decision: %q", scText(a))
	}
	if st := f.caseByReceipt(f.org, sub.Receipt).State; st != "awaiting_identity" {
		t.Errorf("state %s, want awaiting_identity until the authority is shown", st)
	}
	if p := cl.post("/staff/cases/"+sub.Receipt+"/actions/authority", url.Values{"authority": {"shown"}}); p.status != http.StatusSeeOther {
		t.Fatalf("authority = %d", p.status)
	}
	p = cl.get("/staff/cases/" + sub.Receipt)
	if a := scByID(p.doc, "authority"); scAttr(a, "data-authority") != "shown" || !strings.Contains(scText(a), "Authority shown") {
		t.Errorf("authority after the decision: %q", scText(a))
	}
	if st := f.caseByReceipt(f.org, sub.Receipt).State; st != "in_progress" {
		t.Errorf("state %s after the authority was shown", st)
	}
}
