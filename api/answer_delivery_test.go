package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// lockedBuf is a log sink the server and the jobs write to concurrently.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newDeliveryFx is newSCFx with every log line kept, so the test can show
// the link's token never reaches a log (D-18).
func newDeliveryFx(t *testing.T) (*scFx, *lockedBuf) {
	t.Helper()
	logs := &lockedBuf{}
	env := testenv.New(t)
	env.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.Workflow.Logger = env.Logger
	f := &scFx{t: t, env: env}
	f.org = env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	f.org2 = env.Org("vantaa", "Vantaan kaupunki", "Vanda stad", "fi")
	f.regOwned = env.Register(f.org.ID, "Varhaiskasvatuksen asiakasrekisteri", "e", "owner@espoo.test")
	f.regQueue = env.Register(f.org.ID, "Kirjaston asiakasrekisteri", "a", "")
	f.regOwned2 = env.Register(f.org2.ID, "Vantaan rekisteri", "e", "owner@vantaa.test")
	f.auth = &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	f.dpo, f.viewer, f.dpo2 = "dpo@espoo.test", "viewer@espoo.test", "dpo@vantaa.test"
	f.dpoUserID = f.addUser(f.dpo, "Dana Dpo", f.org.ID, workflow.RoleDPO)
	f.addUser(f.viewer, "Veera Viewer", f.org.ID, workflow.RoleViewer)
	f.addUser(f.dpo2, "Ville Vantaa", f.org2.ID, workflow.RoleDPO)
	f.base = env.HTTP().URL
	return f, logs
}

// answerReady enters a request in lang and answers its two access tasks:
// an extract in the owned register, nothing found in the queue one.
func (f *scFx) answerReady(t *testing.T, lang string) workflow.Submission {
	t.Helper()
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) { r.Lang = lang })
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: "Datum\tHändelse\n7.1.2025\tAvgiftsbeslut\n"}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID),
		workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	return sub
}

// caughtMail returns the newest caught mail of kind to addr.
func (f *scFx) caughtMail(t *testing.T, kind, to string) mail.Caught {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == kind {
			return m
		}
	}
	t.Fatalf("no %s mail to %s", kind, to)
	return mail.Caught{}
}

// unlockAnswer opens an answer link's page in a new browser, asks for the
// code and enters the one mailed: the browser may then download.
func (f *scFx) unlockAnswer(t *testing.T, page string) *scClient {
	t.Helper()
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	p := res.get(page)
	if p.status != http.StatusOK {
		t.Fatalf("link page = %d", p.status)
	}
	res.csrf = p.csrf(t)
	f.enterAnswerCode(t, res, page)
	return res
}

// enterAnswerCode asks for the answer link's code in browser res (which
// has the page's CSRF token) and enters the one mailed.
func (f *scFx) enterAnswerCode(t *testing.T, res *scClient, page string) {
	t.Helper()
	if r := res.post(page+"/code", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send code = %d", r.status)
	}
	cm := answerCodeRe.FindStringSubmatch(f.caughtMail(t, "answer_code", scRequest.Email).Text)
	if cm == nil {
		t.Fatal("no code mail")
	}
	if r := res.post(page+"/verify", url.Values{"code": {cm[1]}}); r.status != http.StatusSeeOther {
		t.Fatalf("verify = %d: %v", r.status, r.summary())
	}
}

// auditActions counts a case's audit events by action, and fails the test
// for each event whose data (as JSON) leaks says carries a secret or
// personal data (D-25).
func auditActions(t *testing.T, f *scFx, caseID int64, leaks func(action, data string) bool) map[string]int {
	t.Helper()
	trail, err := store.New(f.env.Pool).AuditTrail(f.env.Ctx, f.org.ID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range trail {
		seen[ev.Action]++
		if b, _ := json.Marshal(ev.Data); leaks(ev.Action, string(b)) {
			t.Errorf("audit event %s carries a secret or personal data: %s", ev.Action, b)
		}
	}
	return seen
}

var (
	answerLinkRe = regexp.MustCompile(`http://rightsdesk\.test(/(?:fi|sv|en)/o/espoo/answer/([A-Za-z0-9_-]{20,}))`)
	answerCodeRe = regexp.MustCompile(`(?m)^\s+(\d{6})\s*$`)
)

// Issue 18, secure delivery: the DPO sends the answer; the requester gets
// a mail in the request's language (Swedish here) with Reply-To the
// privacy address and a link; the link's page mails a one-time code to
// the same address; the right code gives the stored PDF, a wrong one is
// refused, another browser with the link alone gets nothing, another
// organisation's URL is a 404, an expired link says how to get a new one.
// Every step is audited by ids; the token reaches neither logs nor audit.
func TestAnswerDeliveryByLink(t *testing.T) {
	t.Parallel()
	f, logs := newDeliveryFx(t)
	ctx := f.env.Ctx
	sub := f.answerReady(t, "sv")
	casePath := "/staff/cases/" + sub.Receipt
	sendPath := casePath + "/letters/send"

	// A viewer sees the case but cannot sign the answer off.
	viewer := f.login(t, f.viewer)
	if p := viewer.get(casePath); scByID(p.doc, "send-answer") != nil {
		t.Error("a viewer is offered Send the answer")
	}
	if p := viewer.post(sendPath, nil); p.status != http.StatusForbidden {
		t.Errorf("viewer send = %d, want 403", p.status)
	}

	dpo := f.login(t, f.dpo)
	if p := dpo.get(casePath); scByID(p.doc, "send-answer-submit") == nil {
		t.Fatal("the DPO's case page has no Send the answer")
	}
	if p := dpo.post(sendPath, nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d: %s", p.status, p.body)
	}
	// Issue 18: approved, the letter renders in a job; until then the
	// case page says so and offers no second approval.
	if p := dpo.get(casePath); scAttr(scByID(p.doc, "answer-render"), "data-render-state") != "pending" || scByID(p.doc, "send-answer") != nil {
		t.Error("the case page does not show the pending render")
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswerReady {
		t.Errorf("before the render the case is %s, want answer ready", c.State)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswered || c.AnsweredAt == nil {
		t.Errorf("after sending the case is %s, want answered", c.State)
	}
	// Sent once: the page no longer offers it, and a second post is refused.
	if p := dpo.get(casePath); scByID(p.doc, "send-answer") != nil {
		t.Error("Send the answer is still offered on an answered case")
	}
	if p := dpo.post(sendPath, nil); p.status != http.StatusConflict {
		t.Errorf("second send = %d, want 409", p.status)
	}

	// The stored answer: a PDF sealed with the case key (issue 16 item 4),
	// only the token's hash.
	var sealed []byte
	var hashLen int
	var deliveryID int64
	if err := f.env.Pool.QueryRow(ctx, `SELECT id, pdf, length(token_hash) FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).
		Scan(&deliveryID, &sealed, &hashLen); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("%PDF-")) {
		t.Error("the answer PDF is stored in clear")
	}
	stored, err := store.New(f.env.Pool).TakeAnswerPDF(ctx, f.org.ID, deliveryID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.env.Pool.Exec(ctx, `UPDATE answer_deliveries SET downloads = downloads - 1 WHERE id = $1`, deliveryID); err != nil {
		t.Fatal(err) // the read above is not a download
	}
	if !bytes.HasPrefix(stored, []byte("%PDF-")) || hashLen != 32 {
		t.Fatalf("stored answer: pdf %q…, token hash %d bytes", stored[:min(8, len(stored))], hashLen)
	}

	// The mail: Swedish, Reply-To the privacy address, the link.
	m := f.caughtMail(t, "answer_link", scRequest.Email)
	if !strings.Contains(m.Subject, "Svar på din begäran "+sub.Receipt) {
		t.Errorf("link mail subject %q", m.Subject)
	}
	if rt := m.Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) {
		t.Errorf("Reply-To %q, want %s", rt, f.org.PrivacyEmail)
	}
	lm := answerLinkRe.FindStringSubmatch(m.Text)
	if lm == nil {
		t.Fatalf("no answer link in the mail:\n%s", m.Text)
	}
	page, token := lm[1], lm[2]
	if !strings.Contains(m.Text, f.org.PrivacyEmail) {
		t.Error("the link mail does not say where to ask for a new link")
	}
	// Once sent, the stored copy of the mail no longer holds the token.
	var outboxText, outboxHTML string
	mails, err := store.New(f.env.Pool).OutboxByCase(ctx, f.org.ID, sub.CaseID) // bodies are sealed at rest
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range mails {
		if o.Kind == "answer_link" && o.State == "sent" {
			outboxText, outboxHTML = o.Text, o.HTML
		}
	}
	if strings.Contains(outboxText+outboxHTML, token) || !strings.Contains(outboxText, "/answer/…") {
		t.Errorf("the sent link mail's stored copy still carries the token")
	}

	// The page in Swedish; the file needs the code first.
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	p := res.get(page)
	if p.status != http.StatusOK || !strings.Contains(scText(p.doc), "Svar på din begäran") {
		t.Fatalf("answer page = %d: %.500s", p.status, p.body)
	}
	if p.header.Get("Referrer-Policy") != "no-referrer" || p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("answer page headers: %v", p.header)
	}
	if d := res.get(page + "/file"); d.status != http.StatusSeeOther || strings.HasPrefix(d.body, "%PDF") {
		t.Fatalf("file without a code = %d", d.status)
	}
	res.csrf = p.csrf(t)
	if d := res.post(page+"/code", nil); d.status != http.StatusSeeOther {
		t.Fatalf("send code = %d", d.status)
	}
	cm := f.caughtMail(t, "answer_code", scRequest.Email)
	cmatch := answerCodeRe.FindStringSubmatch(cm.Text)
	if cmatch == nil {
		t.Fatalf("no code in the code mail:\n%s", cm.Text)
	}
	code := cmatch[1]
	if rt := cm.Headers.Get("Reply-To"); !strings.Contains(rt, f.org.PrivacyEmail) {
		t.Errorf("code mail Reply-To %q", rt)
	}

	// A wrong code is refused and the file stays shut.
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if d := res.post(page+"/verify", url.Values{"code": {wrong}}); d.status != http.StatusUnprocessableEntity || len(d.summary()) != 1 {
		t.Errorf("wrong code = %d, summary %v", d.status, d.summary())
	}
	if d := res.get(page + "/file"); d.status != http.StatusSeeOther {
		t.Errorf("file after a wrong code = %d", d.status)
	}

	// A forwarded link alone: another browser cannot use the code.
	other := &scClient{t: t, base: f.base, c: testenv.Client()}
	op := other.get(page)
	other.csrf = op.csrf(t)
	if d := other.post(page+"/verify", url.Values{"code": {code}}); d.status != http.StatusSeeOther || d.location() != page {
		t.Errorf("code from a browser that did not ask = %d %q", d.status, d.location())
	}

	// The right code: the PDF.
	if d := res.post(page+"/verify", url.Values{"code": {code}}); d.status != http.StatusSeeOther {
		t.Fatalf("right code = %d: %v", d.status, d.summary())
	}
	if p := res.get(page); scByID(p.doc, "download-link") == nil {
		t.Fatal("no download link after the right code")
	}
	d := res.get(page + "/file")
	if d.status != http.StatusOK || d.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(d.body, "%PDF") {
		t.Fatalf("download = %d %q", d.status, d.header.Get("Content-Type"))
	}
	if d.body != string(stored) {
		t.Error("the download is not the stored answer")
	}
	if !strings.Contains(d.header.Get("Content-Disposition"), sub.Receipt+"-sv.pdf") {
		t.Errorf("Content-Disposition %q", d.header.Get("Content-Disposition"))
	}
	// The used code does not work again in a new browser.
	if d := other.post(page+"/verify", url.Values{"code": {code}}); d.status == http.StatusOK {
		t.Error("a used code opened the answer again")
	}

	// Another organisation's URL with the same token: 404.
	for _, u := range []string{"/sv/o/vantaa/answer/" + token, "/sv/o/vantaa/answer/" + token + "/file"} {
		if d := res.get(u); d.status != http.StatusNotFound || strings.HasPrefix(d.body, "%PDF") {
			t.Errorf("%s (other organisation) = %d", strings.Replace(u, token, "TOKEN", 1), d.status)
		}
	}
	if d := res.get("/sv/o/espoo/answer/unknown-token-abcdefghijklmnop"); d.status != http.StatusNotFound ||
		scByID(d.doc, "answer-gone") == nil || scAttr(scByID(d.doc, "answer-gone"), "data-reason") != "unknown" {
		t.Errorf("unknown token = %d", d.status)
	}

	// Audited by ids: the send, the code, the wrong try, the download.
	seen := auditActions(t, f, sub.CaseID, func(action, data string) bool {
		return strings.Contains(data, token) || strings.Contains(data, code) && strings.HasPrefix(action, "answer_") ||
			strings.Contains(data, scRequest.Email)
	})
	for _, a := range []string{"answer_link_sent", "answer_delivered", "mark_answered", "answer_code_sent", "answer_code_wrong", "answer_code_ok", "answer_downloaded"} {
		if seen[a] != 1 {
			t.Errorf("audit %s: %d events, want 1", a, seen[a])
		}
	}

	// The case timeline shows the sending and the download.
	casePage := dpo.get(casePath)
	tl := scText(casePage.doc)
	for _, want := range []string{"Answer sent as a link", "Answer delivered: the mail server accepted the link", "Answer downloaded", "Answer (right of access): sent", "downloaded 1 time."} {
		if !strings.Contains(tl, want) {
			t.Errorf("the case page lacks %q", want)
		}
	}
	// In words: no event by its code ("Event: answer_approved"), no id
	// ("render: 1"), no code word as a label or a value, in the timeline
	// and the list of mails (found in an answer walkthrough).
	eventCode := strings.TrimSuffix(f.env.Catalog.T("en", "timeline.other", ""), " ")
	for _, id := range []string{"timeline", "mail"} {
		sec := scText(scByID(casePage.doc, id))
		for _, code := range []string{eventCode, "answer_", "render:", "delivery:", "download:", "art19", "status_code", "_link", "_code", "confirmation", ": access"} {
			if strings.Contains(sec, code) {
				t.Errorf("#%s shows %q: %.300s", id, code, sec[max(0, strings.Index(sec, code)-100):])
			}
		}
	}

	// Expired: a clear page that says where to ask for a new link.
	f.env.Clock.Advance(workflow.AnswerLinkTTL + 26*time.Hour) // past the end of its last day, in Helsinki
	for _, u := range []string{page, page + "/file"} {
		d := res.get(u)
		g := scByID(d.doc, "answer-gone")
		if d.status != http.StatusGone || g == nil || scAttr(g, "data-reason") != "expired" ||
			!strings.Contains(scText(g), f.org.PrivacyEmail) || !strings.Contains(scText(d.doc), "Länken har gått ut") {
			t.Errorf("expired link %s = %d", strings.Replace(u, token, "TOKEN", 1), d.status)
		}
	}

	// Not in any log line.
	if l := logs.String(); strings.Contains(l, token) || !strings.Contains(l, "/answer/:token") {
		t.Errorf("logs: token present=%v, route logged=%v", strings.Contains(l, token), strings.Contains(l, "/answer/:token"))
	}
}

// The expired page in Finnish and English too, and a case whose
// requester has no email address cannot be sent as a link.
func TestAnswerDeliveryNoEmailAndLanguages(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Email, r.Address = "", "Testikatu 1, 02100 Espoo"
	})
	for _, tk := range f.tasks(f.org, sub.CaseID) {
		by := workflow.OwnerActor(tk.ID)
		if tk.OwnerEmail == "" {
			by = workflow.StaffActor(f.dpoUserID)
		}
		if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, tk.ID, by, workflow.TaskAnswer{Answer: "no_data"}); err != nil {
			t.Fatal(err)
		}
	}
	dpo := f.login(t, f.dpo)
	casePath := "/staff/cases/" + sub.Receipt
	if p := dpo.get(casePath); scByID(p.doc, "send-answer") == nil || scByID(p.doc, "send-answer-submit") != nil {
		t.Error("without an email address the page should explain, not offer the button")
	}
	if p := dpo.post(casePath+"/letters/send", nil); p.status != http.StatusConflict {
		t.Errorf("send without email = %d, want 409", p.status)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); workflow.State(c.State) != workflow.StateAnswerReady {
		t.Errorf("state %s after a refused send", c.State)
	}
	res := &scClient{t: t, base: f.base, c: testenv.Client()}
	for lang, want := range map[string]string{"fi": "Linkki ei toimi", "sv": "Länken fungerar inte", "en": "The link does not work"} {
		d := res.get("/" + lang + "/o/espoo/answer/no-such-token-0123456789")
		if d.status != http.StatusNotFound || !strings.Contains(scText(d.doc), want) || !strings.Contains(scText(d.doc), f.org.PrivacyEmail) {
			t.Errorf("%s unknown link page = %d", lang, d.status)
		}
	}
}

// Before the DPO sends an access answer, the case page names the
// registers whose Art 15 items the catalogue lacks, and which: the letter
// says "not stated" for them (a letter saying so for nearly everything
// went out without a word, found in an answer walkthrough).
func TestAnswerGapsShownBeforeSending(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat := f.env.Catalog
	sub := f.answerReady(t, "fi")
	dpo := f.login(t, f.dpo)
	gaps := func() map[string]string {
		t.Helper()
		p := dpo.get("/staff/cases/" + sub.Receipt)
		out := map[string]string{}
		for _, li := range htmlElems(scByID(p.doc, "send-answer-gaps"), func(n *html.Node) bool { return htmlIs(n, "li") }) {
			name := htmlText(htmlFirst(li, func(n *html.Node) bool { return htmlIs(n, "a") }))
			out[name] = strings.TrimPrefix(htmlText(li), name+": ")
		}
		return out
	}
	got := gaps()
	owned := "Varhaiskasvatuksen asiakasrekisteri"
	if len(got) != 2 || !strings.Contains(got[owned], cat.T("en", "letter.reg.categories")) || !strings.Contains(got[owned], cat.T("en", "letter.reg.retention")) ||
		strings.Contains(got[owned], cat.T("en", "letter.reg.purpose")) || strings.Contains(got[owned], cat.T("en", "letter.reg.basis")) {
		t.Fatalf("gaps %q", got)
	}
	// The DPO follows the register's link and fills in what is missing on
	// its page; a register whose catalogue entry is complete is not named.
	p := dpo.get("/staff/cases/" + sub.Receipt)
	link := htmlFirst(scByID(p.doc, "send-answer-gaps"), func(n *html.Node) bool { return htmlIs(n, "a") && htmlText(n) == owned })
	if link == nil {
		t.Fatal("no link to the register")
	}
	reg := dpo.get(htmlAttr(link, "href"))
	form := htmlFormValues(htmlForm(reg.doc, htmlAttr(link, "href")))
	for field, v := range map[string]string{"data_content": "Lapsen ja huoltajien nimet", "recipients": "Kela",
		"retention": "10 vuotta", "sources": "Huoltajat"} {
		if !form.Has(field) {
			t.Fatalf("the register page has no %s field", field)
		}
		form.Set(field, v)
	}
	if saved := dpo.post(htmlAttr(link, "href"), form); saved.status != http.StatusSeeOther {
		t.Fatalf("saving the register: %d %v", saved.status, saved.summary())
	}
	if got := gaps(); len(got) != 1 || got[owned] != "" {
		t.Errorf("after completing the register: gaps %q", got)
	}
}

// D-29: an electronic answer is delivered when the mail server accepts
// its link mail, so the case is answered then, not when the DPO sent it
// off: a link mail held back a day (a mail outage) answers a day later,
// and past the deadline that is a late answer in the statistics.
func TestAnswerDatedWhenItsLinkMailIsAccepted_D29(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	sub := f.answerReady(t, "fi")
	dpo := f.login(t, f.dpo)
	if p := dpo.post("/staff/cases/"+sub.Receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d", p.status)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs ran, want 1", n)
	}
	sent := f.caseByReceipt(f.org, sub.Receipt)
	if sent.AnsweredAt == nil || workflow.State(sent.State) != workflow.StateAnswered {
		t.Fatalf("after sending: %s, answered at %v", sent.State, sent.AnsweredAt)
	}
	f.env.Clock.Advance(26 * time.Hour)
	f.caughtMail(t, "answer_link", scRequest.Email)
	accepted := f.env.Clock.Now()
	got := f.caseByReceipt(f.org, sub.Receipt)
	if got.AnsweredAt == nil || got.AnsweredAt.Sub(accepted).Abs() > time.Millisecond {
		t.Errorf("answered at %v, want the link mail's acceptance %v (sent off %v)", got.AnsweredAt, accepted, sent.AnsweredAt)
	}
	// The link mail's later copies (a code mail, a second delivery of the
	// same mail) do not move it again.
	f.env.Clock.Advance(time.Hour)
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	if again := f.caseByReceipt(f.org, sub.Receipt); !again.AnsweredAt.Equal(*got.AnsweredAt) {
		t.Errorf("answered at moved again to %v", again.AnsweredAt)
	}
}
