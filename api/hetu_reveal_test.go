package api_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// auditOf returns the case's events of one action.
func auditOf(t *testing.T, q *store.Q, tcOrg, caseID int64, action string) []store.AuditEvent {
	t.Helper()
	evs, err := q.AuditTrail(t.Context(), tcOrg, caseID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEvent
	for _, e := range evs {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func accessOf(t *testing.T, q *store.Q, orgID, caseID int64) []store.AccessEntry {
	t.Helper()
	a, err := q.AccessLog(t.Context(), orgID, caseID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func countAccess(es []store.AccessEntry, actor, what string, ref int64) int {
	n := 0
	for _, e := range es {
		if e.Actor == actor && e.What == what && (ref == 0 || e.Ref == ref) {
			n++
		}
	}
	return n
}

// Issue 16 item 11 (ID-4): the owner sees 131052-**** until a deliberate
// click (a POST with the CSRF token) shows the full code; the reveal is
// an audit event naming the task, without the code; viewing the task's
// data and downloading a file go to the case's access log. An unverified
// browser and a GET reveal nothing.
func TestTaskRevealHetuAndAccessLog(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "e", nil)
	q := store.New(tc.env.Pool)
	full := "131052-308T"

	// A browser that has not verified gets 403 and no code.
	stranger := newOwnerBrowser(t, tc.env, tc.ts)
	stranger.get(tc.link)
	if r := stranger.post(tc.link+"/reveal", url.Values{}, true); r.status != http.StatusForbidden || strings.Contains(r.body, full) {
		t.Fatalf("unverified reveal = %d", r.status)
	}
	if n := len(auditOf(t, q, tc.org.ID, tc.caseID, "hetu_revealed")); n != 0 {
		t.Fatalf("%d reveal events after a refused reveal", n)
	}

	b := newOwnerBrowser(t, tc.env, tc.ts)
	page := b.verify(tc.link, tc.owner)
	if strings.Contains(page.body, full) || !strings.Contains(page.body, "131052-****") || htmlByID(page.doc, "reveal-hetu") == nil {
		t.Fatalf("before the click: the masked code and a reveal form")
	}
	if r := b.get(tc.link + "/reveal"); r.status == http.StatusOK && strings.Contains(r.body, full) {
		t.Fatalf("a GET revealed the code")
	}
	if r := b.post(tc.link+"/reveal", url.Values{}, false); r.status == http.StatusOK || strings.Contains(r.body, full) {
		t.Fatalf("a reveal without the CSRF token = %d", r.status)
	}
	r := b.post(tc.link+"/reveal", url.Values{}, true)
	if r.status != http.StatusOK || htmlText(htmlByID(r.doc, "hetu-full")) != full || htmlByID(r.doc, "revealed-note") == nil {
		t.Fatalf("reveal = %d, full code shown: %v", r.status, strings.Contains(r.body, full))
	}
	if loc := r.header.Get("Location"); strings.Contains(loc, full) {
		t.Fatalf("the code reached a URL")
	}
	evs := auditOf(t, q, tc.org.ID, tc.caseID, "hetu_revealed")
	if len(evs) != 1 || evs[0].Actor != string(workflow.OwnerActor(tc.taskID)) || evs[0].Data["task"] != float64(tc.taskID) || evs[0].At.IsZero() {
		t.Fatalf("reveal events: %+v", evs)
	}
	all, err := q.AuditTrail(t.Context(), tc.org.ID, tc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		for k, v := range e.Data {
			if s, ok := v.(string); ok && strings.Contains(strings.ToUpper(s), full) {
				t.Fatalf("event %s holds the code under %s", e.Action, k)
			}
		}
	}
	// A fresh view masks again.
	if p := b.get(tc.link); strings.Contains(p.body, full) {
		t.Fatalf("the code stays shown after the reveal")
	}

	owner := string(workflow.OwnerActor(tc.taskID))
	acc := accessOf(t, q, tc.org.ID, tc.caseID)
	// verify's page, the reveal page and the fresh view: three data views;
	// the stranger's and the code pages are not data views.
	if n := countAccess(acc, owner, workflow.AccessTaskViewed, tc.taskID); n != 3 {
		t.Fatalf("task views logged: %d, want 3 (%+v)", n, acc)
	}

	// A file download is logged with the file's id.
	ans := b.postMultipart(tc.link+"/answer", url.Values{"answer": {"extract"}, "extract": {"a\tb"}},
		[]taskUpload{{name: "ote.pdf", contentType: "application/pdf", data: []byte("%PDF-1.4 ote")}})
	if ans.status != http.StatusSeeOther {
		t.Fatalf("answer = %d", ans.status)
	}
	p := b.get(tc.link)
	links := htmlElems(htmlByID(p.doc, "task-files"), func(n *html.Node) bool { return htmlIs(n, "a") })
	if len(links) != 1 {
		t.Fatalf("file links: %d", len(links))
	}
	href := htmlAttr(links[0], "href")
	if d := b.get(href); d.status != http.StatusOK {
		t.Fatalf("download = %d", d.status)
	}
	fileID := href[strings.LastIndexByte(href, '/')+1:]
	acc = accessOf(t, q, tc.org.ID, tc.caseID)
	found := false
	for _, e := range acc {
		if e.Actor == owner && e.What == workflow.AccessFileDownloaded && fileID == strconv.FormatInt(e.Ref, 10) {
			found = true
		}
	}
	if !found {
		t.Fatalf("the download is not in the access log: %+v", acc)
	}
}

// Issue 16 item 11: the DPO reveals the full code on the case page with a
// POST (audited, no code in the event); a viewer gets neither the button
// nor the code; case page views and downloads are in the access log the
// DPO reads on the case page (who, what, when), which a viewer does not
// see and another organisation cannot reach.
func TestCaseRevealHetuAndAccessLog(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.inState(workflow.StateInProgress)
	q := store.New(f.env.Pool)
	path := "/staff/cases/" + c.Receipt
	full := scRequest.Hetu

	viewer := f.login(t, f.viewer)
	vp := viewer.get(path)
	if vp.status != http.StatusOK || scByID(vp.doc, "reveal-hetu") != nil || scByID(vp.doc, "access-log") != nil {
		t.Fatalf("a viewer sees a reveal form or the access log (%d)", vp.status)
	}
	if r := viewer.post(path+"/reveal", nil); r.status != http.StatusForbidden || strings.Contains(r.body, full) {
		t.Fatalf("viewer reveal = %d", r.status)
	}
	other := f.login(t, f.dpo2)
	if r := other.post(path+"/reveal", nil); r.status != http.StatusNotFound || strings.Contains(r.body, full) {
		t.Fatalf("other organisation's reveal = %d", r.status)
	}

	dpo := f.login(t, f.dpo)
	p := dpo.get(path)
	if strings.Contains(p.body, full) || scByID(p.doc, "reveal-hetu") == nil {
		t.Fatalf("before the click the case page masks the code and offers the button")
	}
	r := dpo.post(path+"/reveal", nil)
	if r.status != http.StatusOK || scText(scByID(r.doc, "hetu-full")) != full {
		t.Fatalf("DPO reveal = %d", r.status)
	}
	evs := auditOf(t, q, c.OrgID, c.ID, "hetu_revealed")
	if len(evs) != 1 || evs[0].Actor != string(workflow.StaffActor(f.dpoUserID)) || len(evs[0].Data) != 0 {
		t.Fatalf("reveal events: %+v", evs)
	}
	if tl := scText(scByID(dpo.get(path).doc, "timeline")); !strings.Contains(tl, "Full personal identity code shown") || strings.Contains(tl, full) {
		t.Fatalf("timeline: %s", tl)
	}

	// The access log: the viewer's and the DPO's views.
	acc := accessOf(t, q, c.OrgID, c.ID)
	viewerID := int64(0)
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT id FROM staff_users WHERE email = $1`, f.viewer).Scan(&viewerID); err != nil {
		t.Fatal(err)
	}
	if countAccess(acc, string(workflow.StaffActor(viewerID)), workflow.AccessCaseViewed, 0) != 1 ||
		countAccess(acc, string(workflow.StaffActor(f.dpoUserID)), workflow.AccessCaseViewed, 0) < 3 {
		t.Fatalf("access log: %+v", acc)
	}
	page := dpo.get(path)
	sec := scByID(page.doc, "access-log")
	if sec == nil {
		t.Fatalf("no access log on the DPO's case page")
	}
	rows := scElems(sec, "tr", nil)
	txt := scText(sec)
	if len(rows) < 5 || !strings.Contains(txt, "Veera Viewer") || !strings.Contains(txt, "Dana Dpo") || !strings.Contains(txt, "Request page viewed") {
		t.Fatalf("access log table (%d rows): %s", len(rows), txt)
	}

	// A staff download of a task's file is logged with the file's id.
	owned, _ := f.task(f.org, c.ID, false)
	if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{Answer: "extract",
		Attachments: []workflow.Attachment{{Filename: "ote.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 ote")}}}); err != nil {
		t.Fatal(err)
	}
	links := scElems(scByID(dpo.get(path).doc, "task-"+strconv.FormatInt(owned.ID, 10)+"-files"), "a", nil)
	if len(links) != 1 {
		t.Fatalf("file links: %d", len(links))
	}
	href := scAttr(links[0], "href")
	if d := viewer.get(href); d.status != http.StatusOK {
		t.Fatalf("viewer download = %d", d.status)
	}
	fileID, _ := strconv.ParseInt(href[strings.LastIndexByte(href, '/')+1:], 10, 64)
	if n := countAccess(accessOf(t, q, c.OrgID, c.ID), string(workflow.StaffActor(viewerID)), workflow.AccessFileDownloaded, fileID); n != 1 {
		t.Fatalf("the viewer's download logged %d times", n)
	}
	if txt := scText(scByID(dpo.get(path).doc, "access-log")); !strings.Contains(txt, "File downloaded") {
		t.Fatalf("the access log table lacks the download: %s", txt)
	}

	// An emailed case: viewing the original is logged.
	ec := f.caseByReceipt(f.org, f.emailed(f.org))
	if o := dpo.get("/staff/cases/" + ec.Receipt + "/email"); o.status != http.StatusOK {
		t.Fatalf("original = %d", o.status)
	}
	if n := countAccess(accessOf(t, q, ec.OrgID, ec.ID), string(workflow.StaffActor(f.dpoUserID)), workflow.AccessEmailViewed, 0); n != 1 {
		t.Fatalf("original message views logged: %d", n)
	}
}
