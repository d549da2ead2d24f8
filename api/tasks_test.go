package api_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// ---- HTML helpers (selectors on the parsed page, not substrings) --------

// taskSel finds elements by tag and attribute values (attr=value pairs).
func taskSel(n *html.Node, tag string, attrs ...string) []*html.Node {
	return htmlElems(n, func(x *html.Node) bool {
		if x.Data != tag {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if htmlAttr(x, attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	})
}

// taskFacts reads a dl.facts as dt text -> dd text.
func taskFacts(dl *html.Node) map[string]string {
	out := map[string]string{}
	if dl == nil {
		return out
	}
	var dt string
	for c := dl.FirstChild; c != nil; c = c.NextSibling {
		switch c.Data {
		case "dt":
			dt = htmlText(c)
		case "dd":
			out[dt] = htmlText(c)
		}
	}
	return out
}

// ---- the owner's browser -------------------------------------------------

type ownerBrowser struct {
	t      *testing.T
	env    *testenv.Env
	base   string
	client *http.Client
	csrf   string
}

func newOwnerBrowser(t *testing.T, env *testenv.Env, ts *httptest.Server) *ownerBrowser {
	return &ownerBrowser{t: t, env: env, base: ts.URL, client: testenv.Client()}
}

func (b *ownerBrowser) do(req *http.Request) htmlPage {
	b.t.Helper()
	r := htmlFetch(b.t, b.client, req)
	if v, ok := htmlCSRF(r.doc); ok {
		b.csrf = v
	}
	return r
}

func (b *ownerBrowser) get(path string) htmlPage {
	b.t.Helper()
	return b.do(formRequest(b.t, http.MethodGet, b.base+path, nil))
}

// post sends a form with the page's CSRF token (unless withCSRF is false).
func (b *ownerBrowser) post(path string, form url.Values, withCSRF bool) htmlPage {
	b.t.Helper()
	if withCSRF {
		form.Set("_csrf", b.csrf)
	}
	return b.do(formRequest(b.t, http.MethodPost, b.base+path, form))
}

type taskUpload struct {
	name, contentType string
	data              []byte
}

// postMultipart sends the answer form as a browser does (with the CSRF
// token, and an empty file part when no file is chosen).
func (b *ownerBrowser) postMultipart(path string, form url.Values, files []taskUpload) htmlPage {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", b.csrf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if len(files) == 0 {
		files = []taskUpload{{contentType: "application/octet-stream"}}
	}
	for _, f := range files {
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="files"; filename="` + f.name + `"`}
		h["Content-Type"] = []string{f.contentType}
		w, err := mw.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// verify walks the code flow: ask for a code, enter it, land on the task.
func (b *ownerBrowser) verify(link, ownerEmail string) htmlPage {
	b.t.Helper()
	if r := b.get(link); r.status != http.StatusOK || htmlByID(r.doc, "code") == nil {
		b.t.Fatalf("verify page: %d", r.status)
	}
	if r := b.post(link+"/code", url.Values{}, true); r.status != http.StatusSeeOther {
		b.t.Fatalf("send code: %d", r.status)
	}
	code := taskMailedCode(b.t, b.env, ownerEmail)
	b.get(link) // the code form, with a fresh CSRF token
	if r := b.post(link+"/verify", url.Values{"code": {code}}, true); r.status != http.StatusSeeOther {
		b.t.Fatalf("verify: %d %s", r.status, r.body)
	}
	r := b.get(link)
	if r.status != http.StatusOK || len(taskSel(r.doc, "dl", "id", "task-person")) == 0 {
		b.t.Fatalf("task page after verification: %d", r.status)
	}
	return r
}

// ---- the case ------------------------------------------------------------

var taskLinkRe = regexp.MustCompile(`https?://[^/\s]+(/(?:fi|sv|en)/t/[A-Za-z0-9_-]{43})`)
var taskCodeRe = regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)

func taskMailed(t *testing.T, env *testenv.Env, to, kind string, re *regexp.Regexp) string {
	t.Helper()
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range env.Catcher.Messages() { // newest first
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == kind {
			if s := re.FindStringSubmatch(m.Text); s != nil {
				return s[1]
			}
		}
	}
	t.Fatalf("no %s mail to the owner", kind)
	return ""
}

func taskMailedCode(t *testing.T, env *testenv.Env, to string) string {
	return taskMailed(t, env, to, "task_code", taskCodeRe)
}

type taskCase struct {
	env    *testenv.Env
	ts     *httptest.Server
	org    store.Org
	caseID int64
	taskID int64
	link   string // /fi/t/TOKEN
	owner  string
}

const taskOwner = "rehtori@koulu.test"

// newTaskCase: a counter request (identity established on the spot) for
// one right against one register with the given basis: the case is in
// progress and the owner's link mailed.
func newTaskCase(t *testing.T, right, basis string, edit func(*workflow.Request)) *taskCase {
	t.Helper()
	env := testenv.New(t)
	tc := &taskCase{env: env, org: env.Org("koulu", "Koulukunta", "Skolby", "fi"), owner: taskOwner}
	reg := env.Register(tc.org.ID, "Oppilasrekisteri", basis, tc.owner)
	r := workflow.Request{Rights: []string{right}, RegisterIDs: []int64{reg}, Name: "Maija Meikäläinen",
		Email: "maija@example.test", Lang: "fi", Hetu: "131052-308T", Details: "Osoitteeni on väärin",
		PeriodFrom: "2024-01-01", PeriodTo: "2025-12-31"}
	if edit != nil {
		edit(&r)
	}
	sub, err := env.Workflow.EnterRequest(context.Background(), tc.org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: r, Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person", Authority: workflow.AuthorityShown})
	if err != nil {
		t.Fatal(err)
	}
	tc.caseID = sub.CaseID
	ts, err := store.New(env.Pool).TasksOfCase(context.Background(), tc.org.ID, tc.caseID)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tasks: %v %v", ts, err)
	}
	tc.taskID = ts[0].ID
	tc.link = taskMailed(t, env, tc.owner, "task", taskLinkRe)
	tc.ts = env.HTTP()
	return tc
}

func (tc *taskCase) task(t *testing.T) store.Task {
	t.Helper()
	tk, err := store.New(tc.env.Pool).TaskByID(context.Background(), tc.taskID)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (tc *taskCase) caseRow(t *testing.T) store.Case {
	t.Helper()
	c, err := store.New(tc.env.Pool).CaseByID(context.Background(), tc.org.ID, tc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (tc *taskCase) T(lang, key string, args ...any) string {
	return tc.env.Catalog.T(lang, key, args...)
}

// checkErrorSummary: every link of the error summary leads to an element
// of the page, and a linked form field is marked invalid.
func checkErrorSummary(t *testing.T, doc *html.Node) []string {
	t.Helper()
	sum := htmlByID(doc, "error-summary")
	if sum == nil {
		t.Fatal("no error summary")
	}
	var ids []string
	for _, a := range taskSel(sum, "a") {
		id := strings.TrimPrefix(htmlAttr(a, "href"), "#")
		el := htmlByID(doc, id)
		if el == nil {
			t.Errorf("error summary links to #%s, which is not on the page", id)
			continue
		}
		if (el.Data == "input" || el.Data == "textarea" || el.Data == "select") && htmlAttr(el, "aria-invalid") != "true" {
			t.Errorf("#%s is not marked aria-invalid", id)
		}
		ids = append(ids, id)
	}
	return ids
}

// ---- tests ---------------------------------------------------------------

// Issue 6: a new browser needs the mailed code; before it the page shows
// only what the task email said; after it the request (henkilötunnus
// masked, ID-4), the RB-1 choices, and the form.
func TestTaskPageCodeThenForm(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "c", nil)
	b := newOwnerBrowser(t, tc.env, tc.ts)

	r := b.get(tc.link)
	if r.status != http.StatusOK {
		t.Fatalf("GET task: %d", r.status)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == "rd_owner" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("rd_owner cookie %+v", cookie)
	}
	if forms := taskSel(r.doc, "form", "action", tc.link+"/code"); len(forms) != 1 {
		t.Fatalf("no 'send me a code' form")
	}
	for _, secret := range []string{"Maija", "131052", "Osoitteeni"} {
		if strings.Contains(r.body, secret) {
			t.Errorf("unverified page shows %q", secret)
		}
	}
	if len(taskSel(r.doc, "form", "action", tc.link+"/answer")) != 0 {
		t.Error("answer form before verification")
	}

	// Ask for a code; the page then asks for it.
	if r := b.post(tc.link+"/code", url.Values{}, true); r.status != http.StatusSeeOther || r.header.Get("Location") != tc.link {
		t.Fatalf("send code: %d %s", r.status, r.header.Get("Location"))
	}
	code := taskMailedCode(t, tc.env, tc.owner)
	r = b.get(tc.link)
	in := htmlByID(r.doc, "code")
	if in == nil || in.Data != "input" || htmlAttr(in, "autocomplete") != "one-time-code" {
		t.Fatalf("no code input")
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	r = b.post(tc.link+"/verify", url.Values{"code": {wrong}}, true)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong code: %d", r.status)
	}
	if ids := checkErrorSummary(t, r.doc); !slices.Equal(ids, []string{"code"}) {
		t.Errorf("error summary %v", ids)
	}
	if got := htmlText(htmlByID(r.doc, "code-error")); got != tc.T("fi", "task.err.code") {
		t.Errorf("code error %q", got)
	}
	if r := b.post(tc.link+"/verify", url.Values{"code": {code}}, true); r.status != http.StatusSeeOther {
		t.Fatalf("right code: %d", r.status)
	}

	r = b.get(tc.link)
	if taskSel(r.doc, "html", "lang", "fi") == nil {
		t.Error("page not in Finnish")
	}
	c := tc.caseRow(t)
	due := workflow.FormatDate(workflow.DueOf(c, workflow.CalendarFor(tc.org), tc.env.Clock.Now()).OwnerTarget, "fi")
	facts := taskFacts(htmlByID(r.doc, "task-facts"))
	for label, want := range map[string]string{
		tc.T("fi", "task.fact.org"):      "Koulukunta",
		tc.T("fi", "task.fact.receipt"):  c.Receipt,
		tc.T("fi", "task.fact.register"): "Oppilasrekisteri",
		tc.T("fi", "task.fact.basis"):    tc.T("fi", "basis.c"),
		tc.T("fi", "task.fact.right"):    tc.T("fi", "right.access") + " " + tc.T("fi", "task.right.access.help"),
		tc.T("fi", "task.fact.due"):      due,
	} {
		if facts[label] != want {
			t.Errorf("%s = %q, want %q", label, facts[label], want)
		}
	}
	person := taskFacts(htmlByID(r.doc, "task-person"))
	if person[tc.T("fi", "task.fact.requester")] != "Maija Meikäläinen" || person[tc.T("fi", "task.fact.hetu")] != "131052-****" {
		t.Errorf("person %v", person)
	}
	if got := htmlText(htmlByID(r.doc, "find-hint")); got != tc.T("fi", "task.person.find_hint") {
		t.Errorf("with a henkilötunnus, the hint says %q", got)
	}
	if strings.Contains(r.body, "131052-308T") {
		t.Error("the full henkilötunnus is on the page (ID-4)")
	}
	asked := taskFacts(htmlByID(r.doc, "task-asked"))
	if asked[tc.T("fi", "task.fact.details")] != "Osoitteeni on väärin" || asked[tc.T("fi", "task.fact.period")] != "1.1.2024 – 31.12.2025" ||
		asked[tc.T("fi", "task.fact.delivery")] != tc.T("fi", "delivery.electronic") {
		t.Errorf("asked %v", asked)
	}
	// RB-1: access answers; grounds without id5_guardian (no representative).
	var answers []string
	for _, in := range taskSel(r.doc, "input", "name", "answer") {
		answers = append(answers, htmlAttr(in, "value"))
	}
	if !slices.Equal(answers, []string{"extract", "no_data", "refused"}) {
		t.Errorf("answers %v", answers)
	}
	var grounds, labels []string
	for _, o := range taskSel(htmlByID(r.doc, "ground"), "option") {
		if v := htmlAttr(o, "value"); v != "" {
			grounds, labels = append(grounds, v), append(labels, htmlText(o))
		}
	}
	if !slices.Equal(grounds, []string{"art15_4_others", "dpa_34"}) || labels[0] != tc.T("fi", "ground.art15_4_others") {
		t.Errorf("grounds %v %v", grounds, labels)
	}
	if htmlByID(r.doc, "guardian") != nil || htmlByID(r.doc, "basis-notice") != nil {
		t.Error("guardian or D-11 notice on a plain (c) access task")
	}
	// Language links stay on the task.
	var langs []string
	for _, a := range taskSel(r.doc, "a", "hreflang", "sv") {
		langs = append(langs, htmlAttr(a, "href"))
	}
	if want := "/sv" + strings.TrimPrefix(tc.link, "/fi"); !slices.Contains(langs, want) {
		t.Errorf("language links %v, want %s", langs, want)
	}
	// Swedish page of the same task.
	if r := b.get("/sv" + strings.TrimPrefix(tc.link, "/fi")); len(taskSel(r.doc, "html", "lang", "sv")) == 0 ||
		htmlText(taskSel(r.doc, "h2", "id", "answer-form")[0]) != tc.T("sv", "task.form.heading") {
		t.Error("no Swedish task page")
	}

	// Another browser without the cookie must verify again.
	other := newOwnerBrowser(t, tc.env, tc.ts)
	r2 := other.get(tc.link)
	if htmlByID(r2.doc, "task-person") != nil || strings.Contains(r2.body, "Maija") {
		t.Error("a second browser sees the request without a code")
	}
	if r := other.post(tc.link+"/answer", url.Values{"answer": {"no_data"}}, true); r.status != http.StatusForbidden {
		t.Errorf("answer from an unverified browser: %d", r.status)
	}
	if tk := tc.task(t); tk.State != "open" {
		t.Errorf("task %s after an unverified answer", tk.State)
	}
}

// Issue 6: an extract with a typed table and a file; the confirmation
// stays viewable read-only; the case becomes "answer ready" and the DPO's
// mail is queued; the file is the owner's to download, nobody else's.
func TestTaskAnswerExtractWithFile(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "c", nil)
	b := newOwnerBrowser(t, tc.env, tc.ts)
	b.verify(tc.link, tc.owner)

	// CSRF missing: refused, nothing saved.
	if r := b.post(tc.link+"/answer", url.Values{"answer": {"no_data"}}, false); r.status != http.StatusForbidden {
		t.Fatalf("answer without CSRF: %d", r.status)
	}
	if tk := tc.task(t); tk.State != "open" {
		t.Fatalf("task %s", tk.State)
	}

	pdf := []byte("%PDF-1.4 extract of Maija")
	r := b.postMultipart(tc.link+"/answer", url.Values{"answer": {"extract"}, "extract": {"nimi\tluokka\nMaija\t9B"},
		"comment": {"Tiedot oppilashallinnosta"}, "ground": {"dpa_34"}},
		[]taskUpload{{name: `C:\\temp\\ote 1.pdf`, contentType: "application/pdf", data: pdf}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d %s", r.status, r.body)
	}
	tk := tc.task(t)
	if tk.State != "answered" || tk.Answer != "extract" || tk.AnswerGround != "" || tk.AnsweredBy != string(workflow.OwnerActor(tk.ID)) {
		t.Errorf("task %+v", tk)
	}
	if c := tc.caseRow(t); c.State != string(workflow.StateAnswerReady) {
		t.Errorf("case %s, want answer_ready", c.State)
	}
	mails, err := store.New(tc.env.Pool).OutboxByCase(context.Background(), tc.org.ID, tc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(mails, func(m store.OutboxRow) bool { return m.Kind == "answer_ready" && m.To == tc.org.DPOEmail }) {
		t.Error("no answer_ready mail to the DPO")
	}

	r = b.get(tc.link)
	if r.status != http.StatusOK {
		t.Fatalf("revisit: %d", r.status)
	}
	if len(taskSel(r.doc, "form", "action", tc.link+"/answer")) != 0 || len(taskSel(r.doc, "form", "action", tc.link+"/reassign")) != 0 {
		t.Error("an answered task still offers forms")
	}
	given := taskFacts(htmlByID(r.doc, "task-given"))
	if given[tc.T("fi", "task.given.answer")] != tc.T("fi", "answer.extract") || given[tc.T("fi", "task.given.comment")] != "Tiedot oppilashallinnosta" {
		t.Errorf("given %v", given)
	}
	if th := taskSel(htmlByID(r.doc, "task-extract"), "th"); len(th) != 2 || htmlText(th[0]) != "nimi" {
		t.Errorf("extract table header %d", len(th))
	}
	links := taskSel(htmlByID(r.doc, "task-files"), "a")
	if len(links) != 1 || htmlText(links[0]) != "ote 1.pdf" {
		t.Fatalf("files %v", len(links))
	}
	href := htmlAttr(links[0], "href")
	f := b.get(href)
	if f.status != http.StatusOK || f.body != string(pdf) || f.header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(f.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("file: %d %q %q", f.status, f.header.Get("Content-Type"), f.header.Get("Content-Disposition"))
	}
	if f := newOwnerBrowser(t, tc.env, tc.ts).get(href); f.status != http.StatusForbidden {
		t.Errorf("file from another browser: %d", f.status)
	}
	if f := b.get(tc.link + "/files/999999"); f.status != http.StatusNotFound {
		t.Errorf("unknown file: %d", f.status)
	}

	// A second answer is refused.
	if r := b.postMultipart(tc.link+"/answer", url.Values{"answer": {"no_data"}}, nil); r.status != http.StatusConflict {
		t.Errorf("second answer: %d", r.status)
	}
}

// RB-1 and D-11 on the page: only allowed answers and grounds are
// offered; a disallowed answer or ground is refused with 422 and nothing
// is saved; an allowed one is.
func TestTaskRB1Choices(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, right, basis string
		answers, grounds   []string
		notice, noGrounds  bool
		bad                url.Values
		badField           string
		good               url.Values
	}{
		{name: "RB1 erasure on (c)", right: "erasure", basis: "c",
			answers: []string{"erased", "no_data", "refused"}, grounds: []string{"art17_3_b", "art17_3_d", "art17_3_e"},
			bad: url.Values{"answer": {"refused"}, "ground": {"art21_compelling"}, "comment": {"x"}}, badField: "ground",
			good: url.Values{"answer": {"refused"}, "ground": {"art17_3_b"}, "comment": {"Kirjanpitolaki 2:10"}}},
		// RB-1: 17(3)(d) and 17(3)(e) do not depend on the basis (issue 20).
		{name: "RB1 erasure on (a)", right: "erasure", basis: "a",
			answers: []string{"erased", "no_data", "refused"}, grounds: []string{"art17_3_d", "art17_3_e"},
			bad: url.Values{"answer": {"refused"}, "ground": {"art17_3_b"}, "comment": {"x"}}, badField: "ground",
			good: url.Values{"answer": {"erased"}, "recipients_none": {"1"}}},
		{name: "RB1 objection on (c)", right: "objection", basis: "c",
			answers: []string{"no_data", "refused"}, grounds: []string{"art21_basis"},
			bad: url.Values{"answer": {"stopped"}}, badField: "answer",
			good: url.Values{"answer": {"refused"}, "ground": {"art21_basis"}, "comment": {"Lakisääteinen"}}},
		// Art 21(1) names legal claims itself: the owner cites it, not
		// erasure's 17(3)(e) (found in a walkthrough).
		{name: "RB1 objection on (e)", right: "objection", basis: "e",
			answers: []string{"stopped", "no_data", "refused"}, grounds: []string{"art21_compelling", "art21_legal_claims"},
			bad: url.Values{"answer": {"refused"}, "ground": {"art17_3_e"}, "comment": {"x"}}, badField: "ground",
			good: url.Values{"answer": {"refused"}, "ground": {"art21_legal_claims"}, "comment": {"Vahingonkorvauskanne vireillä"}}},
		{name: "rectification", right: "rectification", basis: "e",
			answers: []string{"rectified", "no_data", "refused"}, grounds: []string{"art16_accurate"},
			bad: url.Values{"answer": {"rectified"}}, badField: "changes",
			good: url.Values{"answer": {"rectified"}, "changes": {"Osoite korjattu"}, "recipients_told": {"Kela"}}},
		// Art 19: who was told of a restriction, or that nobody was.
		{name: "Art19 restriction names the recipients told", right: "restriction", basis: "e",
			answers: []string{"restricted", "no_data", "refused"}, grounds: []string{"art18_not_met"},
			bad: url.Values{"answer": {"restricted"}}, badField: "recipients_told",
			good: url.Values{"answer": {"restricted"}, "recipients_told": {"Kela\nVerohallinto"}}},
		{name: "restriction", right: "restriction", basis: "e",
			answers: []string{"restricted", "no_data", "refused"}, grounds: []string{"art18_not_met"},
			bad: url.Values{"answer": {"refused"}, "ground": {"art18_not_met"}}, badField: "comment",
			good: url.Values{"answer": {"restricted"}, "recipients_none": {"1"}}},
		{name: "D11 unknown basis, portability", right: "portability", basis: "unknown",
			answers: []string{"extract", "no_data", "refused"}, notice: true, noGrounds: true,
			bad: url.Values{"answer": {"refused"}, "ground": {"art20_basis"}, "comment": {"x"}}, badField: "ground",
			good: url.Values{"answer": {"extract"}, "extract": {"a\tb"}}},
		// RB-1: withdrawing consent on a consent-based register offers no
		// refusal: no ground could be cited (issue 20).
		{name: "RB1 withdraw consent on (a)", right: "withdraw_consent", basis: "a",
			answers: []string{"stopped", "no_data"},
			bad:     url.Values{"answer": {"refused"}, "comment": {"x"}}, badField: "answer",
			good: url.Values{"answer": {"stopped"}}},
		{name: "D11 unknown basis, withdraw consent", right: "withdraw_consent", basis: "unknown",
			answers: []string{"stopped", "no_data", "refused"}, notice: true, noGrounds: true,
			bad: url.Values{"answer": {"elsewhere"}}, badField: "answer",
			good: url.Values{"answer": {"stopped"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tc := newTaskCase(t, c.right, c.basis, func(r *workflow.Request) { r.Hetu = "" })
			b := newOwnerBrowser(t, tc.env, tc.ts)
			r := b.verify(tc.link, tc.owner)
			var answers []string
			for _, in := range taskSel(r.doc, "input", "name", "answer") {
				answers = append(answers, htmlAttr(in, "value"))
			}
			if !slices.Equal(answers, c.answers) {
				t.Errorf("answers %v, want %v", answers, c.answers)
			}
			var grounds []string
			if sel := htmlByID(r.doc, "ground"); sel != nil && sel.Data == "select" {
				for _, o := range taskSel(sel, "option") {
					if v := htmlAttr(o, "value"); v != "" {
						grounds = append(grounds, v)
					}
				}
			}
			if !slices.Equal(grounds, c.grounds) {
				t.Errorf("grounds %v, want %v", grounds, c.grounds)
			}
			if got := htmlByID(r.doc, "basis-notice") != nil; got != c.notice {
				t.Errorf("D-11 notice shown %v, want %v", got, c.notice)
			}
			if c.noGrounds {
				if p := htmlByID(r.doc, "ground"); p == nil || p.Data != "p" || htmlText(p) != tc.T("fi", "task.form.no_grounds") {
					t.Error("no D-11 explanation at the refusal")
				}
			}
			if person := taskFacts(htmlByID(r.doc, "task-person")); person[tc.T("fi", "task.fact.hetu")] != tc.T("fi", "task.hetu_none") {
				t.Errorf("no henkilötunnus given: %v", person)
			}
			// ... and the hint does not ask to search by a date of birth
			// the owner was not given.
			if got := htmlText(htmlByID(r.doc, "find-hint")); got != tc.T("fi", "task.person.find_hint_nohetu") {
				t.Errorf("no henkilötunnus given, the hint says %q", got)
			}

			r = b.postMultipart(tc.link+"/answer", c.bad, nil)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("disallowed answer: %d", r.status)
			}
			found := false
			for _, e := range taskSel(htmlByID(r.doc, "error-summary"), "a") {
				found = found || strings.TrimPrefix(htmlAttr(e, "href"), "#") == c.badField ||
					(c.badField == "answer" && strings.HasPrefix(htmlAttr(e, "href"), "#answer-"))
			}
			if !found {
				t.Errorf("no error for %s: %s", c.badField, htmlText(htmlByID(r.doc, "error-summary")))
			}
			checkErrorSummary(t, r.doc)
			if tk := tc.task(t); tk.State != "open" || tk.Answer != "" {
				t.Fatalf("disallowed answer saved: %s %s", tk.State, tk.Answer)
			}
			// The form keeps what was typed.
			if v := c.bad.Get("comment"); v != "" && htmlText(htmlByID(r.doc, "comment")) != v {
				t.Error("comment not kept")
			}
			if r := b.postMultipart(tc.link+"/answer", c.good, nil); r.status != http.StatusSeeOther {
				t.Fatalf("allowed answer: %d %s", r.status, htmlText(htmlByID(r.doc, "error-summary")))
			}
			if tk := tc.task(t); tk.State != "answered" || tk.Answer != c.good.Get("answer") || tk.AnswerGround != c.good.Get("ground") {
				t.Errorf("saved %s %s %s", tk.State, tk.Answer, tk.AnswerGround)
			}
			if tk := tc.task(t); tk.RecipientsTold != c.good.Get("recipients_told") || tk.RecipientsNone != (c.good.Get("recipients_none") == "1") {
				t.Errorf("Art 19 saved as %q none=%v", tk.RecipientsTold, tk.RecipientsNone)
			}
		})
	}
}

// ID-5: on a request made for someone else the page shows both persons
// (masked) and offers the guardian restriction with its grounds.
func TestTaskOnBehalfGuardian(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "e", func(r *workflow.Request) {
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Matti Meikäläinen", "010200A9618"
	})
	b := newOwnerBrowser(t, tc.env, tc.ts)
	r := b.verify(tc.link, tc.owner)
	person := taskFacts(htmlByID(r.doc, "task-person"))
	if person[tc.T("fi", "task.fact.representative")] != "Maija Meikäläinen" || person[tc.T("fi", "task.fact.subject")] != "Matti Meikäläinen" ||
		person[tc.T("fi", "task.fact.subject_hetu")] != "010200A****" || person[tc.T("fi", "task.fact.relation")] != tc.T("fi", "relation.guardian") {
		t.Errorf("person %v", person)
	}
	if strings.Contains(r.body, "010200A9618") {
		t.Error("full henkilötunnus on the page")
	}
	var gg []string
	for _, o := range taskSel(htmlByID(r.doc, "guardian_ground"), "option") {
		if v := htmlAttr(o, "value"); v != "" {
			gg = append(gg, v)
		}
	}
	if !slices.Equal(gg, []string{"id5_guardian", "dpa_34"}) {
		t.Errorf("guardian grounds %v", gg)
	}
	if in := htmlByID(r.doc, "guardian"); in == nil || htmlAttr(in, "type") != "checkbox" {
		t.Fatal("no guardian checkbox")
	}
	var grounds []string
	for _, o := range taskSel(htmlByID(r.doc, "ground"), "option") {
		grounds = append(grounds, htmlAttr(o, "value"))
	}
	if !slices.Contains(grounds, "id5_guardian") {
		t.Errorf("refusal grounds %v lack id5_guardian", grounds)
	}

	// The restriction without its ground: the error is at the guardian
	// ground, and what was typed is kept.
	r = b.postMultipart(tc.link+"/answer", url.Values{"answer": {"extract"}, "extract": {"a\tb"}, "guardian": {"1"}}, nil)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no ground: %d", r.status)
	}
	if ids := checkErrorSummary(t, r.doc); !slices.Equal(ids, []string{"guardian_ground"}) {
		t.Errorf("errors %v", ids)
	}
	if htmlText(htmlByID(r.doc, "extract")) != "a b" || !htmlHasAttr(htmlByID(r.doc, "guardian"), "checked") {
		t.Error("form not kept")
	}
	r = b.postMultipart(tc.link+"/answer", url.Values{"answer": {"extract"}, "extract": {"a\tb"}, "guardian": {"1"},
		"guardian_ground": {"id5_guardian"}, "comment": {"Alaikäisen kielto"}}, nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d %s", r.status, htmlText(htmlByID(r.doc, "error-summary")))
	}
	tk := tc.task(t)
	if !tk.GuardianRestricted || tk.AnswerGround != "id5_guardian" {
		t.Errorf("task %v %q", tk.GuardianRestricted, tk.AnswerGround)
	}
	given := taskFacts(htmlByID(b.get(tc.link).doc, "task-given"))
	if given[tc.T("fi", "task.given.guardian")] != tc.T("fi", "ground.id5_guardian") {
		t.Errorf("given %v", given)
	}
}

// Issue 6: the owner passes the task on; the colleague gets a new link,
// the old one shows "no longer works", and the colleague's task needs
// the colleague's own code.
func TestTaskReassignByOwner(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "erasure", "c", nil)
	b := newOwnerBrowser(t, tc.env, tc.ts)
	b.verify(tc.link, tc.owner)

	r := b.post(tc.link+"/reassign", url.Values{"name": {"Kaisa Kollega"}, "email": {"kaisa@"}}, true)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad email: %d", r.status)
	}
	if ids := checkErrorSummary(t, r.doc); !slices.Equal(ids, []string{"reassign-email"}) {
		t.Errorf("errors %v", ids)
	}
	if v := htmlAttr(htmlByID(r.doc, "reassign-name"), "value"); v != "Kaisa Kollega" {
		t.Errorf("name not kept: %q", v)
	}
	r = b.post(tc.link+"/reassign", url.Values{"name": {"Kaisa Kollega"}, "email": {"kaisa@koulu.test"}}, true)
	if r.status != http.StatusOK || htmlByID(r.doc, "reassigned") == nil {
		t.Fatalf("reassign: %d", r.status)
	}
	if got := htmlText(htmlByID(r.doc, "reassigned")); got != tc.T("fi", "task.reassigned.body", "Kaisa Kollega", "kaisa@koulu.test") {
		t.Errorf("confirmation %q", got)
	}
	if tk := tc.task(t); tk.OwnerEmail != "kaisa@koulu.test" || tk.OwnerName != "Kaisa Kollega" {
		t.Errorf("task owner %s %s", tk.OwnerName, tk.OwnerEmail)
	}

	r = b.get(tc.link)
	if r.status != http.StatusNotFound {
		t.Errorf("old link: %d", r.status)
	}
	if g := htmlByID(r.doc, "task-gone"); g == nil || htmlAttr(g, "data-reason") != "unknown" {
		t.Error("old link does not show the 'no longer works' page")
	}

	newLink := taskMailed(t, tc.env, "kaisa@koulu.test", "task", taskLinkRe)
	// The mail says who passed the task on: Kaisa is not the register's
	// owner in the catalogue, so it does not say she is.
	for _, m := range tc.env.Catcher.Messages() {
		if slices.Contains(m.To, "kaisa@koulu.test") && m.Headers.Get("X-Rightsdesk-Kind") == "task" {
			body := strings.Join(strings.Fields(m.Text), " ")
			if !strings.Contains(body, tc.T("fi", "mail.task.passed", "Owner of Oppilasrekisteri", "Koulukunta")) ||
				strings.Contains(body, "Olet rekisterin vastuuhenkilö") {
				t.Errorf("the passed task's mail says:\n%s", m.Text)
			}
			if html := strings.Join(strings.Fields(m.HTML), " "); !strings.Contains(html, "Owner of Oppilasrekisteri siirsi") {
				t.Errorf("the HTML part does not name who passed it on:\n%s", m.HTML)
			}
		}
	}
	r = b.get(newLink)
	if r.status != http.StatusOK || htmlByID(r.doc, "task-person") != nil {
		t.Fatalf("the old owner's browser opens the colleague's task: %d", r.status)
	}
	kaisa := newOwnerBrowser(t, tc.env, tc.ts)
	r = kaisa.verify(newLink, "kaisa@koulu.test")
	if len(taskSel(r.doc, "form", "action", newLink+"/answer")) != 1 {
		t.Error("colleague gets no form")
	}

	// Passed on by the DPO: the mail says so.
	if err := tc.env.Workflow.ReassignTask(tc.env.Ctx, tc.org, tc.taskID, workflow.StaffActor(1), "Lauri Laine", "lauri@koulu.test"); err != nil {
		t.Fatal(err)
	}
	taskMailed(t, tc.env, "lauri@koulu.test", "task", taskLinkRe)
	for _, m := range tc.env.Catcher.Messages() {
		if slices.Contains(m.To, "lauri@koulu.test") && !strings.Contains(strings.Join(strings.Fields(m.Text), " "), tc.T("fi", "mail.task.passed_dpo", "Koulukunta")) {
			t.Errorf("the DPO's passed task's mail says:\n%s", m.Text)
		}
	}
}

// An expired link shows a localized page naming the organisation's DPO.
func TestTaskLinkExpired(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "c", nil)
	exp := tc.task(t).TokenExpiresAt
	if exp == nil {
		t.Fatal("no expiry")
	}
	tc.env.Clock.Set(exp.Add(time.Minute))
	b := newOwnerBrowser(t, tc.env, tc.ts)
	for _, lang := range []string{"fi", "sv", "en"} {
		r := b.get("/" + lang + strings.TrimPrefix(tc.link, "/fi"))
		if r.status != http.StatusGone {
			t.Errorf("%s: %d", lang, r.status)
			continue
		}
		if g := htmlByID(r.doc, "task-gone"); g == nil || htmlAttr(g, "data-reason") != "expired" {
			t.Errorf("%s: not the expired page", lang)
		}
		if h := taskSel(r.doc, "h1"); len(h) == 0 || htmlText(h[0]) != tc.T(lang, "task.gone.title") {
			t.Errorf("%s: heading", lang)
		}
		if a := htmlByID(r.doc, "dpo-email"); a == nil || htmlText(a) != tc.org.DPOEmail || htmlAttr(a, "href") != "mailto:"+tc.org.DPOEmail {
			t.Errorf("%s: no DPO email", lang)
		}
	}
	u, _ := url.Parse(b.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "rd_csrf" {
			b.csrf = c.Value // the gone page has no form to take it from
		}
	}
	if r := b.post(tc.link+"/code", url.Values{}, true); r.status != http.StatusGone {
		t.Errorf("code for an expired link: %d", r.status)
	}
	var codes int
	if err := tc.env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM task_codes WHERE task_id = $1`, tc.taskID).Scan(&codes); err != nil || codes != 0 {
		t.Errorf("a code was issued for an expired link (%d, %v)", codes, err)
	}
}

func TestTaskUnknownLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ts := env.HTTP()
	b := newOwnerBrowser(t, env, ts)
	r := b.get("/fi/t/" + strings.Repeat("A", 43))
	if r.status != http.StatusNotFound || htmlByID(r.doc, "task-gone") == nil {
		t.Errorf("unknown token: %d", r.status)
	}
	if r := b.get("/xx/t/abc"); r.status != http.StatusNotFound {
		t.Errorf("unknown language: %d", r.status)
	}
}

// FI-3 (Language Act §10): the answer goes out in the requester's
// language, and an owner's reasons for a refusal go into it as written.
// A task page in another language (D-22: the register's) says which, so
// a Swedish requester's letter does not carry Finnish reasons unawares.
func TestTaskPageNamesTheAnswersLanguage_FI3(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ caseLang, want string }{{"sv", "task.answer_lang.sv"}, {"fi", ""}} {
		tc := newTaskCase(t, "erasure", "e", func(r *workflow.Request) { r.Lang = c.caseLang })
		b := newOwnerBrowser(t, tc.env, tc.ts)
		p := b.verify(tc.link, tc.owner)
		if len(taskSel(p.doc, "form", "action", tc.link+"/answer")) != 1 {
			t.Fatalf("%s case: no answer form", c.caseLang)
		}
		note := htmlText(htmlByID(p.doc, "answer-lang"))
		if c.want == "" && note != "" {
			t.Errorf("a Finnish case's Finnish task page names the language: %q", note)
		}
		if c.want != "" && (note != tc.T("fi", c.want) || !strings.Contains(note, "ruotsiksi")) {
			t.Errorf("a Swedish case's Finnish task page says %q", note)
		}
	}
}
