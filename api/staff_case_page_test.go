package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/api"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// scNewCase is a valid staff-entered request (the org is added by tests).
var scNewCase = url.Values{
	"channel": {"paper"}, "received_at": {"2026-02-20T09:30"}, "rights": {"access", "erasure"}, "scope": {"all"},
	"details": {"Kirjaston tiedot"}, "delivery": {"paper"}, "name": {"Kalle Kirjoittaja"}, "address": {"Katu 1, 02100 Espoo"},
	"hetu": {"131052-308T"}, "lang": {"sv"}, "document_request": {"1"},
}

// TestNewPaperRequest: a letter is entered with its stamped receipt time
// (DL-4, read in Europe/Helsinki), and the deadlines run from it.
func TestNewPaperRequest(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/cases/new")
	if p.status != http.StatusOK {
		t.Fatalf("new-case page = %d", p.status)
	}
	if in := scByID(p.doc, "new-received_at"); scAttr(in, "type") != "datetime-local" || scAttr(in, "value") != "2026-03-03T10:00" {
		t.Errorf("received_at input %q = %q, want the current Helsinki time", scAttr(in, "type"), scAttr(in, "value"))
	}
	// Labels for every input (accessibility).
	for _, in := range scElems(p.doc, "input", func(n *html.Node) bool { return scAttr(n, "type") != "hidden" }) {
		id := scAttr(in, "id")
		if len(scElems(p.doc, "label", func(n *html.Node) bool { return scAttr(n, "for") == id })) == 0 {
			t.Errorf("input #%s has no label", id)
		}
	}

	form := scClone(scNewCase)
	form.Set("org", f.org.Slug)
	p = cl.post("/staff/cases/new", form)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/staff/cases/RD-2026-") {
		t.Fatalf("entering = %d %q: %s", p.status, p.location(), scText(scByID(p.doc, "error-summary")))
	}
	receipt := strings.TrimPrefix(p.location(), "/staff/cases/")
	c := f.caseByReceipt(f.org, receipt)
	if want := time.Date(2026, 2, 20, 9, 30, 0, 0, workflow.Helsinki()); !c.ReceivedAt.Equal(want) {
		t.Errorf("received_at = %v, want %v", c.ReceivedAt, want)
	}
	if c.Channel != "paper" || c.State != "awaiting_identity" || c.Lang != "sv" || !c.DocumentRequest {
		t.Errorf("case = %s %s %s doc=%v", c.Channel, c.State, c.Lang, c.DocumentRequest)
	}
	if got := workflow.DateOf(c.LegalDue.UTC()).String(); got != "2026-03-20" {
		t.Errorf("legal_due = %s, want 2026-03-20", got)
	}

	// The case page shows everything, the henkilötunnus only masked (ID-4).
	page := cl.get(p.location())
	if page.status != http.StatusOK {
		t.Fatalf("case page = %d", page.status)
	}
	if strings.Contains(page.body, "131052-308T") || strings.Contains(page.body, "308T") {
		t.Error("the case page shows the whole henkilötunnus")
	}
	if got := scText(scByID(page.doc, "hetu-mask")); got != "131052-****" {
		t.Errorf("henkilötunnus shown as %q", got)
	}
	flash := scElems(page.doc, "div", func(n *html.Node) bool { return scHasClass(n, "flash") })
	if len(flash) == 0 || !strings.Contains(scText(flash[0]), "entered") {
		t.Error("no flash after entering")
	}
	dl := scText(scByID(page.doc, "deadlines"))
	for _, s := range []string{
		"20 February 2026, 09:30",                  // received
		"20 March 2026",                            // raw end and legal due
		"Owners' target date 20 March 2026",        // DL-7
		"Document request decided by 6 March 2026", // FI-2: 14 days
		"Document request, large or hard 20 March 2026",
	} {
		if !strings.Contains(dl, s) {
			t.Errorf("deadlines lack %q: %s", s, dl)
		}
	}
	req := scText(scByID(page.doc, "request"))
	for _, s := range []string{"Access, Erasure", "All registers", "Kirjaston tiedot", "On paper by post", "Swedish", "Letter"} {
		if !strings.Contains(req, s) {
			t.Errorf("request facts lack %q: %s", s, req)
		}
	}

	// With identity established at the counter, the tasks open at once.
	form = scClone(scNewCase)
	form.Set("org", f.org.Slug)
	form.Set("channel", "counter")
	form.Set("method", "in_person")
	form.Set("hetu", "")
	p = cl.post("/staff/cases/new", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("entering with identity = %d", p.status)
	}
	if c := f.caseByReceipt(f.org, strings.TrimPrefix(p.location(), "/staff/cases/")); c.State != "in_progress" || c.IdentityMethod != "in_person" {
		t.Errorf("case with identity at receipt = %s %q", c.State, c.IdentityMethod)
	}
}

// TestNewPaperRequestErrors: refused input comes back with 422, errors
// beside the fields and in the summary, typed text kept; nothing stored.
func TestNewPaperRequestErrors(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	tests := []struct {
		name   string
		change url.Values
		field  string
	}{
		{"future receipt", url.Values{"received_at": {"2026-03-04T10:00"}}, "new-received_at"},
		{"no receipt time", url.Values{"received_at": {""}}, "new-received_at"},
		{"bad channel", url.Values{"channel": {"web"}}, "new-channel"},
		{"no rights", url.Values{"rights": nil, "document_request": nil}, "new-rights"},
		{"no name", url.Values{"name": {""}}, "new-name"},
		{"bad henkilötunnus", url.Values{"hetu": {"280453-111A"}}, "new-hetu"},
		{"chosen registers, none chosen", url.Values{"scope": {"chosen"}}, "new-registers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := scClone(scNewCase)
			form.Set("org", f.org.Slug)
			form.Set("name", "Typed Name")
			for k, v := range tc.change {
				if v == nil {
					form.Del(k)
				} else {
					form[k] = v
				}
			}
			var n int
			if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			p := cl.post("/staff/cases/new", form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", p.status)
			}
			if scByID(p.doc, tc.field+"-error") == nil {
				t.Errorf("no error beside #%s", tc.field)
			}
			summary := scByID(p.doc, "error-summary")
			if len(scElems(summary, "a", func(a *html.Node) bool { return scAttr(a, "href") == "#"+tc.field })) == 0 {
				t.Errorf("summary does not link #%s: %q", tc.field, scText(summary))
			}
			if tc.field != "new-name" && scAttr(scByID(p.doc, "new-name"), "value") != "Typed Name" {
				t.Error("typed name lost")
			}
			var m int
			if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases`).Scan(&m); err != nil {
				t.Fatal(err)
			}
			if m != n {
				t.Error("a refused entry stored a case")
			}
		})
	}
}

// TestCasePageDetails: represented person (ID-5), temporary number flag
// (ID-3), paused due date beside the legal one (DL-8), duplicate link and
// repeat flag (IN-2), tasks with answers.
func TestCasePageDetails(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, wf := f.env.Ctx, f.env.Workflow
	actor := workflow.StaffActor(f.dpoUserID)
	first := f.paper(f.org, f.env.Clock.Now().Add(-72*time.Hour), "in_person", nil)
	sub := f.paper(f.org, f.env.Clock.Now().Add(-48*time.Hour), "in_person", func(r *workflow.Request) {
		r.Hetu = "100190Y999P" // a temporary number
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Pikku Meikäläinen", "010200A9618"
	})
	if _, err := f.env.Pool.Exec(ctx, `UPDATE cases SET duplicate_of = $1 WHERE id = $2`, first.CaseID, sub.CaseID); err != nil {
		t.Fatal(err)
	}
	owned, _ := f.task(f.org, sub.CaseID, false)
	if err := wf.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: "nimi\tosoite\nPikku\tKatu 1", Attachments: []workflow.Attachment{{Filename: "ote.pdf", Data: []byte("%PDF")}}}); err != nil {
		t.Fatal(err)
	}
	if err := wf.Pause(ctx, f.org, sub.CaseID, actor, "waiting for the guardian's authority"); err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(5 * 24 * time.Hour)
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/cases/" + sub.Receipt)
	if p.status != http.StatusOK {
		t.Fatalf("case page = %d", p.status)
	}
	requester := scText(scByID(p.doc, "requester"))
	for _, s := range []string{"100190Y****", "temporary number", "Guardian", "Pikku Meikäläinen", "010200A****"} {
		if !strings.Contains(requester, s) {
			t.Errorf("requester facts lack %q: %s", s, requester)
		}
	}
	if strings.Contains(p.body, "999P") || strings.Contains(p.body, "9618") {
		t.Error("a whole henkilötunnus is on the page")
	}
	dl := scText(scByID(p.doc, "deadlines"))
	// Received 1.3., due Wed 1.4.; paused 5 days: 6.4. -> Tue 7.4. (Easter Monday 6.4.)
	if !strings.Contains(dl, "Legal due date 1 April 2026") || !strings.Contains(dl, "Due date allowing for the pause: 7 April 2026 (paused 5 days in total)") {
		t.Errorf("deadlines: %s", dl)
	}
	if a := scByID(p.doc, "duplicate-of"); scText(a) != first.Receipt || scAttr(a, "href") != "/staff/cases/"+first.Receipt {
		t.Errorf("duplicate link %q -> %q", scText(a), scAttr(a, "href"))
	}
	// IN-2: the earlier request was Maija's own; this one is about Pikku:
	// not a repeat (repeats are about the data subject).
	if r := scByID(p.doc, "repeat"); r != nil {
		t.Errorf("repeat flag %q on a request about another person", scText(r))
	}
	task := scText(scByID(p.doc, "task-"+strconv.FormatInt(owned.ID, 10)))
	for _, s := range []string{"Varhaiskasvatuksen asiakasrekisteri", "Data provided (extract)", "Pikku", "Files 1", "owner@espoo.test"} {
		if !strings.Contains(task, s) {
			t.Errorf("task lacks %q: %s", s, task)
		}
	}
	// The paused case offers resume, not pause (its state's actions only).
	acts := scFormActions(p.doc)
	base := "/staff/cases/" + sub.Receipt + "/actions/"
	for _, a := range workflow.StaffActions {
		offered := false
		for _, x := range acts {
			offered = offered || x == base+string(a)
		}
		// Not a document request: no FI-2 actions (on behalf: ID-5's is offered).
		notDoc := a != workflow.ActDocDecide && a != workflow.ActDocExtend
		if want := workflow.Allowed(workflow.StatePaused, a) && a != workflow.ActTriage && notDoc; offered != want {
			t.Errorf("paused case offers %s: %v, want %v", a, offered, want)
		}
	}
}

// TestTriageAndDPOAnswer: an emailed request is triaged on its page
// (issue 6), its identity confirmed, and the DPO answers the task of its
// queue (D-11), refusing the register with an RB-1 ground (D-12).
func TestTriageAndDPOAnswer(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	receipt := f.emailed(f.org)
	p := cl.get("/staff/cases/" + receipt)
	if v := scAttr(scByID(p.doc, "triage-email"), "value"); v != "maija@example.fi" {
		t.Errorf("triage form starts with email %q", v)
	}
	form := url.Values{"rights": {"access"}, "scope": {"chosen"}, "register": {strconv.FormatInt(f.regQueue, 10)},
		"lang": {"fi"}, "name": {"Maija Meikäläinen"}, "email": {"maija@example.fi"}, "details": {"kirjasto"}, "delivery": {"electronic"}}
	if p := cl.post("/staff/cases/"+receipt+"/actions/triage", form); p.status != http.StatusSeeOther {
		t.Fatalf("triage = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	c := f.caseByReceipt(f.org, receipt)
	if c.State != "awaiting_identity" || c.NeedsTriage {
		t.Fatalf("after triage: %s triage=%v", c.State, c.NeedsTriage)
	}
	if p := cl.post("/staff/cases/"+receipt+"/actions/verify_identity", url.Values{"method": {"matching_data"}}); p.status != http.StatusSeeOther {
		t.Fatalf("verify = %d", p.status)
	}
	tk, ok := f.task(f.org, c.ID, true)
	if !ok || tk.State != "open" {
		t.Fatalf("queue task: %+v", tk)
	}
	path := "/staff/cases/" + receipt + "/tasks/" + strconv.FormatInt(tk.ID, 10) + "/answer"
	// A ground RB-1 does not allow for access is refused beside the field.
	p = cl.postMultipart(path, url.Values{"answer": {"refused"}, "ground": {"art17_3_b"}, "comment": {"reasons"}}, nil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("refusal with a wrong ground = %d", p.status)
	}
	prefix := "task-" + strconv.FormatInt(tk.ID, 10) + "-answer-"
	if scByID(p.doc, prefix+"ground-error") == nil || scAttr(scByID(p.doc, prefix+"comment"), "aria-invalid") == "true" {
		t.Error("the ground's error is not beside the ground")
	}
	if scText(scByID(p.doc, prefix+"comment")) != "reasons" {
		t.Error("the typed comment was lost")
	}
	// Files go only with an extract, as on the owner's link (ValidateAnswer).
	p = cl.postMultipart(path, url.Values{"answer": {"refused"}, "ground": {"dpa_34"}, "comment": {"section 34 applies"}},
		map[string]string{"perustelu.txt": "liite"})
	if p.status != http.StatusUnprocessableEntity || scByID(p.doc, prefix+"files-error") == nil {
		t.Fatalf("refusal with a file = %d, error beside the files: %v", p.status, scByID(p.doc, prefix+"files-error") != nil)
	}
	p = cl.postMultipart(path, url.Values{"answer": {"refused"}, "ground": {"dpa_34"}, "comment": {"section 34 applies"}}, nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("DPO's refusal = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	tk, _ = f.task(f.org, c.ID, true)
	if tk.State != "answered" || tk.Answer != "refused" || tk.AnswerGround != "dpa_34" || tk.AnsweredBy != "staff:"+strconv.FormatInt(f.dpoUserID, 10) {
		t.Errorf("task after the DPO's answer: %s %s %s by %s", tk.State, tk.Answer, tk.AnswerGround, tk.AnsweredBy)
	}
	if c := f.caseByReceipt(f.org, receipt); c.State != "answer_ready" {
		t.Errorf("case after its last task = %s, want answer_ready", c.State)
	}
	page := cl.get("/staff/cases/" + receipt)
	task := scText(scByID(page.doc, "task-"+strconv.FormatInt(tk.ID, 10)))
	if !strings.Contains(task, "Restriction of access") || strings.Contains(task, "Files") || !strings.Contains(task, "Dana Dpo") {
		t.Errorf("answered task shows %q", task)
	}
}

// TestDevMail: the catcher's pages list caught mail newest first and show
// a message with clickable links; without a catcher they do not exist.
func TestDevMail(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	f.env.WorkAll("deliver_mail")
	msgs := f.env.Catcher.Messages()
	if len(msgs) < 2 {
		t.Fatalf("caught %d messages", len(msgs))
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/mail")
	if p.status != http.StatusOK {
		t.Fatalf("mail page = %d", p.status)
	}
	rows := scElems(scByID(p.doc, "mail-list"), "a", nil)
	if len(rows) != len(msgs) || scAttr(rows[0], "href") != "/staff/mail/"+msgs[0].ID {
		t.Fatalf("mail list has %d links, first %q; want %d, newest first", len(rows), scAttr(rows[0], "href"), len(msgs))
	}
	var task string
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == "owner@espoo.test" {
			task = m.ID
		}
	}
	if task == "" {
		t.Fatal("no task mail to the owner")
	}
	p = cl.get("/staff/mail/" + task)
	links := scElems(scByID(p.doc, "mail-text"), "a", func(a *html.Node) bool { return strings.Contains(scAttr(a, "href"), "/t/") })
	if len(links) == 0 {
		t.Errorf("the owner's task link is not clickable: %s", scText(scByID(p.doc, "mail-text")))
	}
	if frame := scByID(p.doc, "mail-html"); frame != nil {
		if v, ok := scAttrOK(frame, "sandbox"); !ok || v != "" {
			t.Error("the HTML part is not in a fully sandboxed frame")
		}
	}
	if p := cl.get("/staff/mail/999999"); p.status != http.StatusNotFound {
		t.Errorf("unknown message = %d", p.status)
	}
	// Without the catcher (real SMTP) there is no mail page.
	s, err := api.New(api.Deps{Config: f.env.Config, Pool: f.env.Pool, Logger: f.env.Logger, Catalog: f.env.Catalog,
		Keys: f.env.Keys, Workflow: f.env.Workflow, Now: f.env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	cl2 := (&scFx{t: t, base: ts.URL}).login(t, f.dpo)
	if p := cl2.get("/staff/mail"); p.status != http.StatusNotFound {
		t.Errorf("mail page without a catcher = %d, want 404", p.status)
	}
	if p := cl2.get("/staff/"); strings.Contains(p.body, `href="/staff/mail"`) {
		t.Error("the menu links the mail page without a catcher")
	}
}

// TestDevMailTenantIsolation (issue 16, item 1): each staff user sees only
// the caught mail of their own organisations; another organisation's
// message is a 404 even by its id, and mail no outbox row claims is shown
// to nobody.
func TestDevMailTenantIsolation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	f.paper(f.org2, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	f.env.WorkAll("deliver_mail")
	// A stray message (not from the outbox) reaches the catcher too.
	stray := f.env.Sender
	raw := "From: x@example.test\r\nTo: y@example.test\r\nSubject: stray\r\nMessage-ID: <stray@example.test>\r\n\r\nhello\r\n"
	if err := stray.Send(f.env.Ctx, "x@example.test", []string{"y@example.test"}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	owners := map[string]string{}
	for _, m := range f.env.Catcher.Messages() {
		if len(m.To) == 1 {
			owners[m.To[0]] = m.ID
		}
	}
	espoo, vantaa := owners["owner@espoo.test"], owners["owner@vantaa.test"]
	if espoo == "" || vantaa == "" || owners["y@example.test"] == "" {
		t.Fatalf("caught mail to %v", owners)
	}
	listed := func(cl *scClient) map[string]bool {
		p := cl.get("/staff/mail")
		if p.status != http.StatusOK {
			t.Fatalf("mail page = %d", p.status)
		}
		out := map[string]bool{}
		for _, a := range scElems(scByID(p.doc, "mail-list"), "a", nil) {
			out[strings.TrimPrefix(scAttr(a, "href"), "/staff/mail/")] = true
		}
		return out
	}
	cl, cl2 := f.login(t, f.dpo), f.login(t, f.dpo2)
	l1, l2 := listed(cl), listed(cl2)
	if !l1[espoo] || l1[vantaa] || l1[owners["y@example.test"]] {
		t.Errorf("Espoo's DPO lists %v (espoo %s, vantaa %s)", l1, espoo, vantaa)
	}
	if !l2[vantaa] || l2[espoo] || l2[owners["y@example.test"]] {
		t.Errorf("Vantaa's DPO lists %v (espoo %s, vantaa %s)", l2, espoo, vantaa)
	}
	if p := cl2.get("/staff/mail/" + espoo); p.status != http.StatusNotFound || strings.Contains(p.body, "/t/") {
		t.Errorf("Vantaa's DPO opening Espoo's task mail = %d", p.status)
	}
	if p := cl.get("/staff/mail/" + owners["y@example.test"]); p.status != http.StatusNotFound {
		t.Errorf("mail without an outbox row = %d, want 404", p.status)
	}
	if p := cl.get("/staff/mail/" + espoo); p.status != http.StatusOK {
		t.Errorf("Espoo's DPO opening Espoo's task mail = %d", p.status)
	}
}

// TestReceiptPastMillion (issue 16, item 9): the receipt sequence is
// shared and never resets; number 1,000,000 is found by the dashboard
// search, opens its case page, and the status page accepts it.
func TestReceiptPastMillion(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	if _, err := f.env.Pool.Exec(f.env.Ctx, `SELECT setval('case_receipt_seq', 999999)`); err != nil {
		t.Fatal(err)
	}
	sub := f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	if sub.Receipt != "RD-2026-1000000" {
		t.Fatalf("receipt %q, want RD-2026-1000000", sub.Receipt)
	}
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/?q=" + url.QueryEscape(" rd-2026-1000000 "))
	if p.status != http.StatusSeeOther || p.location() != "/staff/cases/RD-2026-1000000" {
		t.Fatalf("dashboard search: %d %q", p.status, p.location())
	}
	if p := cl.get("/staff/cases/RD-2026-1000000"); p.status != http.StatusOK || !strings.Contains(p.body, "RD-2026-1000000") {
		t.Fatalf("case page: %d", p.status)
	}
	// The status page takes the number (and answers as for any number).
	st := testenv.Client()
	stp := htmlFetch(t, st, formRequest(t, http.MethodGet, f.base+"/fi/o/"+f.org.Slug+"/status", nil))
	ans := htmlFetch(t, st, formRequest(t, http.MethodPost, f.base+"/fi/o/"+f.org.Slug+"/status",
		url.Values{"_csrf": {stp.csrf(t)}, "receipt": {"RD-2026-1000000"}}))
	if ans.status != http.StatusSeeOther || !strings.HasSuffix(ans.location(), "/status/code") {
		t.Fatalf("status page refused RD-2026-1000000: %d %v", ans.status, ans.summary())
	}
}

// TestCaseStoreIsolation: the store's dashboard queries never return
// another organisation's rows.
func TestCaseStoreIsolation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	f.emailed(f.org)
	q := store.New(f.env.Pool)
	rows, err := q.Dashboard(f.env.Ctx, store.DashboardFilter{OrgIDs: []int64{f.org2.ID}})
	if err != nil || len(rows) != 0 {
		t.Errorf("dashboard of the second organisation: %d rows, %v", len(rows), err)
	}
	queue, err := q.DPOQueue(f.env.Ctx, []int64{f.org2.ID})
	if err != nil || len(queue) != 0 {
		t.Errorf("DPO queue of the second organisation: %d rows, %v", len(queue), err)
	}
	tri, err := q.NeedingTriage(f.env.Ctx, []int64{f.org2.ID})
	if err != nil || len(tri) != 0 {
		t.Errorf("triage of the second organisation: %d rows, %v", len(tri), err)
	}
}

// TestSeveralOrganisations: a DPO of two organisations sees both on the
// dashboard (with the organisation named) and chooses one when entering.
func TestSeveralOrganisations(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.addUser(f.dpo, "", f.org2.ID, workflow.RoleDPO) // a second membership
	a := f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "", nil)
	b := f.paper(f.org2, f.env.Clock.Now().Add(-26*time.Hour), "", nil)
	cl := f.login(t, f.dpo)
	p := cl.get("/staff/")
	rows := scReceipts(scRows(p.doc))
	if len(rows) != 2 || rows[0] != b.Receipt || rows[1] != a.Receipt {
		t.Errorf("dashboard of two organisations = %v", rows)
	}
	if !strings.Contains(scText(scByID(p.doc, "cases")), "Vantaan kaupunki") {
		t.Error("the organisation is not named")
	}
	if got := scReceipts(scRows(cl.get("/staff/?org=" + f.org2.Slug).doc)); len(got) != 1 || got[0] != b.Receipt {
		t.Errorf("filtered by organisation = %v", got)
	}
	p = cl.get("/staff/cases/new")
	if links := scElems(scByID(p.doc, "org-choice"), "a", nil); len(links) != 2 {
		t.Fatalf("organisation choice has %d links", len(links))
	}
	p = cl.get("/staff/cases/new?org=" + f.org2.Slug)
	if sel := scByID(p.doc, "new-org"); sel == nil {
		t.Fatal("no organisation select on the form")
	}
	form := scClone(scNewCase)
	form.Set("org", f.org2.Slug)
	p = cl.post("/staff/cases/new", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("entering for the second organisation = %d", p.status)
	}
	if c := f.caseByReceipt(f.org2, strings.TrimPrefix(p.location(), "/staff/cases/")); c.OrgID != f.org2.ID {
		t.Errorf("entered into organisation %d", c.OrgID)
	}
}
