package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Issue 20, "Talking with the requester while the clock waits" (DL-8,
// ID-5): pausing asks the requester, who answers on the status page with
// text and files; the DPO is told and resumes. The requester may withdraw
// the request there.

// rqMails delivers queued mail and returns the messages of kind.
func rqMails(t *testing.T, env *testenv.Env, kind string) []mail.Caught {
	t.Helper()
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	var out []mail.Caught
	for _, m := range env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == kind {
			out = append(out, m)
		}
	}
	return out
}

// rqStatus opens the status page of receipt as the requester would: the
// number, the emailed code, the status.
func rqStatus(t *testing.T, f *scFx, lang, receipt string) (*scClient, htmlPage) {
	t.Helper()
	r := &scClient{t: t, base: f.base, c: testenv.Client()}
	base := "/" + lang + "/o/" + f.org.Slug + "/status"
	tok, _ := htmlCSRF(r.get(base).doc)
	r.csrf = tok
	if p := r.post(base, url.Values{"receipt": {receipt}}); p.status != http.StatusSeeOther {
		t.Fatalf("status form = %d", p.status)
	}
	var codes []mail.Caught
	for _, m := range rqMails(t, f.env, "status_code") {
		if strings.Contains(m.Subject+m.Text, receipt) {
			codes = append(codes, m)
		}
	}
	if len(codes) == 0 {
		t.Fatal("no status code mailed")
	}
	code := stCodeRe.FindStringSubmatch(codes[0].Text) // the newest: an earlier view used the ones before
	if code == nil {
		t.Fatal("no code in the mail")
	}
	tok, _ = htmlCSRF(r.get(base + "/code").doc)
	r.csrf = tok
	if p := r.post(base+"/code", url.Values{"code": {code[1]}}); p.status != http.StatusSeeOther {
		t.Fatalf("code = %d", p.status)
	}
	p := r.get(base + "/view")
	if p.status != http.StatusOK {
		t.Fatalf("status view = %d", p.status)
	}
	if tok, _ := htmlCSRF(p.doc); tok != "" {
		r.csrf = tok
	}
	return r, p
}

var rqPDF = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

// DL-8, ID-5: pause -> the requester's mail in their language -> an
// answer with a file on the status page -> the DPO's mail and flag ->
// resume.
func TestDL8PauseAsksRequesterWhoAnswersWithFile(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) { r.Lang = "sv" })
	cl := f.login(t, f.dpo)
	by := f.env.Clock.Now().In(workflow.Helsinki()).AddDate(0, 0, 14)
	needed := "Skicka beslutet om vårdnad."
	path := "/staff/cases/" + c.Receipt
	// The date must be after today.
	if p := cl.post(path+"/actions/pause", url.Values{"reason": {"guardianship"}, "needed": {needed}, "by": {"2020-01-01"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("pause with a past date = %d", p.status)
	}
	if p := cl.post(path+"/actions/pause", url.Values{"reason": {"guardianship"}, "needed": {needed}, "by": {by.Format(time.DateOnly)}}); p.status != http.StatusSeeOther {
		t.Fatalf("pause = %d", p.status)
	}
	asked := rqMails(t, f.env, "pause_asked")
	if len(asked) != 1 || !slices.Contains(asked[0].To, "maija@example.fi") {
		t.Fatalf("pause mails: %d", len(asked))
	}
	// The question asks for a reply: it must reach the DPO (issue 17).
	if rt := asked[0].Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) {
		t.Errorf("the pause's question has Reply-To %q", rt)
	}
	wantBy := workflow.FormatDate(workflow.DateOf(by), "sv")
	if m := asked[0]; !strings.Contains(m.Text, needed) || !strings.Contains(m.Text, wantBy) ||
		!strings.Contains(m.Text, "statussidan") || !strings.Contains(m.Text, "/sv/o/"+f.org.Slug+"/status") {
		t.Fatalf("the requester's mail lacks what, by when (%s) or where:\n%s", wantBy, m.Text)
	}

	r, view := rqStatus(t, f, "sv", c.Receipt)
	if n := scByID(view.doc, "ask-needed"); n == nil || !strings.Contains(scText(n), needed) {
		t.Fatalf("the status page does not show what is asked")
	}
	if n := scByID(view.doc, "ask-by"); n == nil || !strings.Contains(scText(n), wantBy) {
		t.Fatal("the status page does not show by when")
	}
	if scByID(view.doc, "replied") != nil {
		t.Error("the status page says an answer was sent before any was")
	}
	reply := "/sv/o/" + f.org.Slug + "/status/reply"
	// A file that is no PDF or picture is refused, whatever its name.
	if p := r.postMultipart(reply, url.Values{"reply": {"se bilagan"}}, map[string]string{"beslut.pdf": "<html><script>x</script></html>"}); p.status != http.StatusUnprocessableEntity || scByID(p.doc, "files-error") == nil {
		t.Fatalf("an HTML file = %d", p.status)
	}
	if p := r.postMultipart(reply, url.Values{"reply": {""}}, nil); p.status != http.StatusUnprocessableEntity || scByID(p.doc, "reply-error") == nil {
		t.Fatalf("an empty answer = %d", p.status)
	}
	if p := r.postMultipart(reply, url.Values{"reply": {"Här är beslutet."}}, map[string]string{"vårdnadsbeslut.pdf": rqPDF}); p.status != http.StatusSeeOther {
		t.Fatalf("answer = %d", p.status)
	}
	// The status page says the answer went, and offers to send more (it
	// showed the empty form again as if unanswered; found in a walkthrough).
	view = r.get("/sv/o/" + f.org.Slug + "/status/view")
	if n := scByID(view.doc, "replied"); n == nil || !strings.Contains(scText(n), "Du svarade") {
		t.Errorf("the status page after the answer lacks the note: %q", scText(n))
	}
	if b := scByID(view.doc, "send-reply"); b == nil || scText(b) != f.env.Catalog.T("sv", "status.reply.submit_more") {
		t.Error("the form after the answer does not offer to send more")
	}
	// Sealed under the case key: neither the text nor the file is stored
	// in the clear.
	var plain bool
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT bool_or(position('Här är'::bytea IN r.body) > 0 OR position('%PDF'::bytea IN rf.data) > 0
		OR position('vårdnad'::bytea IN rf.filename) > 0)
		FROM case_replies r JOIN case_reply_files rf ON rf.reply_id = r.id WHERE r.case_id = $1`, c.CaseID).Scan(&plain); err != nil || plain {
		t.Fatalf("reply stored in the clear: %v %v", plain, err)
	}
	// The audit trail names ids only.
	var data string
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT data::text FROM audit_events WHERE case_id = $1 AND action = 'requester_replied'`, c.CaseID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(data, "Här") || strings.Contains(data, "pdf") || !strings.Contains(data, "reply_files") {
		t.Fatalf("audit data %s", data)
	}
	told := rqMails(t, f.env, "requester_replied")
	if len(told) != 1 || !slices.Contains(told[0].To, f.org.DPOEmail) || !strings.Contains(told[0].Text, c.Receipt) || strings.Contains(told[0].Text, "Här") {
		t.Fatalf("DPO mails: %d", len(told))
	}

	page := cl.get(path)
	if scByID(page.doc, "reply-pending") == nil {
		t.Fatal("no flag on the case page")
	}
	replies := scByID(page.doc, "replies")
	if replies == nil || !strings.Contains(scText(replies), "Här är beslutet.") || !strings.Contains(scText(replies), "vårdnadsbeslut.pdf") {
		t.Fatalf("replies on the case page: %q", scText(replies))
	}
	link := regexp.MustCompile(`href="(/staff/cases/[^"]+/replies/files/\d+)"`).FindStringSubmatch(page.body)
	if link == nil {
		t.Fatal("no download link")
	}
	dl := cl.get(link[1])
	if dl.status != http.StatusOK || dl.body != rqPDF || !strings.HasPrefix(dl.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download = %d %q", dl.status, dl.header.Get("Content-Disposition"))
	}
	// Another organisation's DPO cannot fetch it.
	if p := f.login(t, f.dpo2).get(link[1]); p.status != http.StatusNotFound {
		t.Fatalf("other organisation = %d", p.status)
	}

	if p := cl.post(path+"/actions/resume", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("resume = %d", p.status)
	}
	if scByID(cl.get(path).doc, "reply-pending") != nil {
		t.Fatal("the flag stays after resuming")
	}
	// No longer paused: the status page asks nothing and refuses answers.
	if p := r.postMultipart(reply, url.Values{"reply": {"mer"}}, nil); p.status != http.StatusConflict {
		t.Fatalf("answer after resume = %d", p.status)
	}
}

// Pausing without a question asks nothing and mails nobody.
func TestDL8PauseWithoutQuestion(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	cl := f.login(t, f.dpo)
	if p := cl.post("/staff/cases/"+c.Receipt+"/actions/pause", url.Values{"reason": {"x"}}); p.status != http.StatusSeeOther {
		t.Fatalf("pause = %d", p.status)
	}
	if n := len(rqMails(t, f.env, "pause_asked")); n != 0 {
		t.Fatalf("%d mails", n)
	}
	_, view := rqStatus(t, f, "fi", c.Receipt)
	if scByID(view.doc, "ask") != nil {
		t.Fatal("the status page asks although nothing was asked")
	}
}

// The requester withdraws on the status page after a confirm step: the
// case is withdrawn, open tasks cancelled, their owners and the DPO told.
func TestRequesterWithdrawsOnStatusPage(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	r, view := rqStatus(t, f, "fi", c.Receipt)
	if scByID(view.doc, "withdraw") == nil {
		t.Fatal("no withdraw link")
	}
	base := "/fi/o/" + f.org.Slug + "/status/withdraw"
	confirm := r.get(base)
	if confirm.status != http.StatusOK || scByID(confirm.doc, "confirm-withdraw") == nil {
		t.Fatalf("confirm page = %d", confirm.status)
	}
	if tok, _ := htmlCSRF(confirm.doc); tok != "" {
		r.csrf = tok
	}
	// Without the confirmation nothing happens.
	if p := r.post(base, url.Values{}); p.status != http.StatusSeeOther || f.caseByReceipt(f.org, c.Receipt).State == "withdrawn" {
		t.Fatalf("unconfirmed = %d", p.status)
	}
	if p := r.post(base, url.Values{"confirm": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("withdraw = %d", p.status)
	}
	if st := f.caseByReceipt(f.org, c.Receipt).State; st != "withdrawn" {
		t.Fatalf("state %s", st)
	}
	var open int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM tasks WHERE case_id = $1 AND state IN ('open', 'waiting')`, c.CaseID).Scan(&open); err != nil || open != 0 {
		t.Fatalf("open tasks %d %v", open, err)
	}
	owners := rqMails(t, f.env, "task_cancelled")
	if len(owners) != 1 || !slices.Contains(owners[0].To, "owner@espoo.test") || !strings.Contains(owners[0].Text, c.Receipt) {
		t.Fatalf("owner mails: %d", len(owners))
	}
	if dpo := rqMails(t, f.env, "requester_withdrew"); len(dpo) != 1 || !slices.Contains(dpo[0].To, f.org.DPOEmail) {
		t.Fatalf("DPO mails: %d", len(dpo))
	}
	var actor string
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT actor FROM audit_events WHERE case_id = $1 AND action = 'withdraw'`, c.CaseID).Scan(&actor); err != nil || actor != "resident" {
		t.Fatalf("audit actor %q %v", actor, err)
	}
	// The status page no longer offers it.
	if p := r.get("/fi/o/" + f.org.Slug + "/status/view"); scByID(p.doc, "withdraw") != nil {
		t.Fatal("withdraw offered again")
	}
}

var (
	rqISODate   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	rqColonTime = regexp.MustCompile(`(^|[^\d])\d{1,2}:\d{2}([^\d]|$)`)
)

// rqPeopleDates fails when fi or sv text meant for people shows an ISO
// date or a colon time (terms.md: 2.12.2026 klo 14.05, 2.12.2026 kl.
// 14.05).
func rqPeopleDates(t *testing.T, what, text string) {
	t.Helper()
	if m := rqISODate.FindString(text); m != "" {
		t.Errorf("%s shows an ISO date %q", what, m)
	}
	if m := rqColonTime.FindString(text); m != "" {
		t.Errorf("%s shows a colon time %q", what, m)
	}
}

// Issue 20, "Dates and times as people write them": the main fi and sv
// pages and mails show no ISO date and no colon time.
func TestDatesAsPeopleWriteThemFiSv(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	// 14.37 Helsinki time: a colon time would read 14:37.
	f.env.Clock.Advance(14*time.Hour + 37*time.Minute)
	fi := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	sv := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) { r.Lang = "sv" })
	actor := workflow.StaffActor(f.dpoUserID)
	if err := f.env.Workflow.Extend(f.env.Ctx, f.org, fi.CaseID, actor, "monta rekisteriä"); err != nil {
		t.Fatal(err)
	}
	by := f.env.Clock.Now().In(workflow.Helsinki()).AddDate(0, 0, 10).Format(time.DateOnly)
	for _, c := range []workflow.Submission{fi, sv} {
		if err := f.env.Workflow.PauseAsking(f.env.Ctx, f.org, c.CaseID, actor, "odotetaan", "valtakirja", by); err != nil {
			t.Fatal(err)
		}
	}
	f.env.Clock.Advance(2 * time.Hour)
	cl := f.login(t, f.dpo)
	if p := cl.get("/staff/lang/fi"); p.status != http.StatusSeeOther {
		t.Fatalf("language = %d", p.status)
	}
	pages := []string{"/staff/", "/staff/cases/" + fi.Receipt, "/staff/cases/" + sv.Receipt, "/staff/registers",
		"/staff/registers/" + strconv.FormatInt(f.regOwned, 10), "/staff/print"}
	for _, path := range pages {
		p := cl.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s = %d", path, p.status)
		}
		rqPeopleDates(t, "fi "+path, scText(p.doc))
	}
	for _, c := range []struct {
		lang string
		sub  workflow.Submission
	}{{"fi", fi}, {"sv", sv}} {
		_, view := rqStatus(t, f, c.lang, c.sub.Receipt)
		rqPeopleDates(t, c.lang+" status page", scText(view.doc))
	}
	msgs := rqMails(t, f.env, "pause_asked")
	if len(msgs) != 2 {
		t.Fatalf("pause mails %d", len(msgs))
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	all := f.env.Catcher.Messages()
	if len(all) < 5 {
		t.Fatalf("only %d mails", len(all))
	}
	for _, m := range all { // every mail here is in fi or sv
		kind := m.Headers.Get("X-Rightsdesk-Kind")
		rqPeopleDates(t, "mail "+kind, m.Subject+"\n"+m.Text)
	}
}

// RD-2, D-7: the DPO forwards a request for a register whose controller
// is elsewhere, by email to that controller, with the requester's consent
// recorded; the requester is told where to turn in their language.
func TestRD2ForwardWithConsent(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	other := "kirjaamo@hyvinvointialue.test"
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE registers SET controller_elsewhere = true,
		elsewhere_name = 'Länsi-Uudenmaan hyvinvointialue', elsewhere_contact = $2 WHERE id = $1`, f.regOwned, other); err != nil {
		t.Fatal(err)
	}
	c := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) { r.Lang = "sv" })
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + c.Receipt + "/forward"
	reg := strconv.FormatInt(f.regOwned, 10)
	if p := cl.post(path, url.Values{"register": {reg}, "consent_method": {"by_phone"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("without consent = %d", p.status)
	}
	if n := len(rqMails(t, f.env, "forwarded")); n != 0 {
		t.Fatalf("forwarded without consent: %d", n)
	}
	// A register whose controller is this organisation is not forwarded.
	if p := cl.post(path, url.Values{"register": {strconv.FormatInt(f.regQueue, 10)}, "consent": {"yes"}, "consent_method": {"by_phone"}}); p.status != http.StatusConflict {
		t.Fatalf("own register = %d", p.status)
	}
	if p := cl.post(path, url.Values{"register": {reg}, "consent": {"yes"}, "consent_method": {"by_phone"}}); p.status != http.StatusSeeOther {
		t.Fatalf("forward = %d", p.status)
	}
	fw := rqMails(t, f.env, "forwarded")
	if len(fw) != 1 || !slices.Contains(fw[0].To, other) || !strings.Contains(fw[0].Text, "Maija Meikäläinen") {
		t.Fatalf("forwarded mails: %d", len(fw))
	}
	told := rqMails(t, f.env, "forward_told")
	if len(told) != 1 || !slices.Contains(told[0].To, "maija@example.fi") || !strings.Contains(told[0].Text, "Länsi-Uudenmaan hyvinvointialue") ||
		!strings.Contains(told[0].Text, other) || !strings.Contains(told[0].Text, "Vart du kan vända dig") {
		t.Fatalf("requester mails: %d %v", len(told), told)
	}
	for _, m := range append(fw, told...) {
		if rt := m.Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) {
			t.Errorf("%s mail has Reply-To %q", m.Headers.Get("X-Rightsdesk-Kind"), rt)
		}
	}
	var data string
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT data::text FROM audit_events WHERE case_id = $1 AND action = 'forward'`, c.CaseID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(data, `"consent_method": "by_phone"`) || !strings.Contains(data, `"consent": true`) || strings.Contains(data, other) {
		t.Fatalf("audit data %s", data)
	}
}
