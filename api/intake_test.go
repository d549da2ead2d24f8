package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// The public request form (issue 5; legal.md IN-1..IN-3, ID-3, ID-5,
// FI-2, FI-3): every flow runs through the real server, PostgreSQL, River
// delivery jobs and the SMTP catcher.

type inFixture struct {
	env              *testenv.Env
	org              store.Org
	h                http.Handler
	regA, regB, regC int64
}

// newInFixture: an organisation with three registers in two sectors: A
// rests on consent (a), B on a legal obligation (c), C on a public task
// (e); each has an owner.
func newInFixture(t *testing.T) *inFixture {
	t.Helper()
	env := testenv.New(t)
	f := &inFixture{env: env, org: env.Org("testby", "Testikunta", "Testby", "fi")}
	f.regA = env.Register(f.org.ID, "Kirjaston asiakasrekisteri", "a", "kirjasto@testby.test")
	f.regB = env.Register(f.org.ID, "Oppilasrekisteri", "c", "rehtori@testby.test")
	f.regC = env.Register(f.org.ID, "Katuluparekisteri", "e", "katu@testby.test")
	for id, sector := range map[int64]string{f.regA: "Sivistystoimi", f.regB: "Sivistystoimi", f.regC: "Tekninen toimi"} {
		if _, err := env.Pool.Exec(env.Ctx, `UPDATE registers SET sector = $1 WHERE id = $2`, sector, id); err != nil {
			t.Fatal(err)
		}
	}
	f.h = env.Server().Handler()
	return f
}

// inBrowser drives the handler like a browser: a cookie jar, a client
// address of its own (rate limits count per address, D-19) and the CSRF
// token of the last page.
type inBrowser struct {
	t    *testing.T
	h    http.Handler
	jar  *cookiejar.Jar
	ip   string
	csrf string
}

var inBase, _ = url.Parse("http://rightsdesk.test/")

func (f *inFixture) browser(t *testing.T, ip string) *inBrowser {
	jar, _ := cookiejar.New(nil)
	return &inBrowser{t: t, h: f.h, jar: jar, ip: ip}
}

func (b *inBrowser) do(method, target string, body io.Reader, ctype string, hdr ...string) htmlPage {
	b.t.Helper()
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = b.ip + ":41000"
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	asBrowser(req)
	u := inBase.ResolveReference(&url.URL{Path: req.URL.Path})
	for _, ck := range b.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := rec.Result()
	b.jar.SetCookies(u, res.Cookies())
	p := htmlPage{status: res.StatusCode, header: res.Header, body: rec.Body.String(), resp: res}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		p.doc = htmlParse(b.t, p.body)
		for _, in := range htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "name") == "_csrf" }) {
			b.csrf = htmlAttr(in, "value")
		}
	}
	return p
}

func (b *inBrowser) get(target string) htmlPage { return b.do(http.MethodGet, target, nil, "") }

// post sends a form with the page's CSRF token unless the form has one.
func (b *inBrowser) post(target string, form url.Values) htmlPage {
	b.t.Helper()
	if _, ok := form["_csrf"]; !ok {
		form = inClone(form)
		form.Set("_csrf", b.csrf)
	}
	return b.do(http.MethodPost, target, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (b *inBrowser) cookie(name string) string {
	for _, c := range b.jar.Cookies(inBase) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func inClone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

// ---- HTML (helpers_test.go has the shared ones) --------------------------

func inMust(t *testing.T, p htmlPage, id string) *html.Node {
	t.Helper()
	n := htmlByID(p.doc, id)
	if n == nil {
		t.Fatalf("no element #%s (status %d)", id, p.status)
	}
	return n
}

// inSummary returns the error summary's links (href -> text).
func inSummary(t *testing.T, p htmlPage) map[string]string {
	t.Helper()
	s := inMust(t, p, "error-summary")
	if htmlAttr(s, "role") != "alert" || htmlAttr(s, "tabindex") != "-1" || len(htmlElems(s, func(n *html.Node) bool { return htmlIs(n, "h2") })) != 1 {
		t.Fatalf("error summary must be a focusable alert with a heading")
	}
	out := map[string]string{}
	for _, a := range htmlElems(s, func(n *html.Node) bool { return htmlIs(n, "a") }) {
		out[htmlAttr(a, "href")] = htmlText(a)
	}
	return out
}

// ---- flows ----------------------------------------------------------------

func (f *inFixture) path(lang, rest string) string { return "/" + lang + "/o/" + f.org.Slug + rest }

// inMinimal is IN-1's least: a right, a name and an email.
func inMinimal(lang, email string, rights ...string) url.Values {
	v := url.Values{"rights": rights, "name": {"Maija Meikäläinen"}, "email": {email}, "reply_lang": {lang},
		"scope": {"all"}, "period": {"all"}, "delivery": {"electronic"}, "behalf": {"self"}, "op": {"send"}}
	if slices.Contains(rights, "rectification") {
		v.Set("details", "Osoitteeni on väärin: oikea on Kuja 1.")
	}
	return v
}

// submit opens the form (for its CSRF token) and sends it.
func (f *inFixture) submit(b *inBrowser, lang string, form url.Values) htmlPage {
	b.t.Helper()
	if p := b.get(f.path(lang, "/request")); p.status != http.StatusOK {
		b.t.Fatalf("form: %d", p.status)
	}
	return b.post(f.path(lang, "/request"), form)
}

var inCodeRe = regexp.MustCompile(`\b(\d{6})\b`)

// code delivers queued mail and returns the newest code sent to email.
func (f *inFixture) code(t *testing.T, email string) string {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	code := ""
	for _, m := range f.env.Catcher.Messages() { // newest first
		if slices.Contains(m.To, email) && m.Headers.Get("X-Rightsdesk-Kind") == "code" {
			if c := inCodeRe.FindStringSubmatch(m.Text); c != nil {
				code = c[1]
				break
			}
		}
	}
	if code == "" {
		t.Fatalf("no code mail to %s", email)
	}
	return code
}

func (f *inFixture) cases(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, f.org.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *inFixture) caseByReceipt(t *testing.T, receipt string) store.Case {
	t.Helper()
	c, err := store.New(f.env.Pool).CaseByReceipt(f.env.Ctx, []int64{f.org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fileAndConfirm sends the form, enters the emailed code and returns the
// receipt page.
func (f *inFixture) fileAndConfirm(t *testing.T, b *inBrowser, lang string, form url.Values) (string, htmlPage) {
	t.Helper()
	p := f.submit(b, lang, form)
	if p.status != http.StatusSeeOther || p.location() != f.path(lang, "/confirm") {
		t.Fatalf("submit: %d %q", p.status, p.location())
	}
	if b.cookie("rd_pending") == "" {
		t.Fatal("no pending cookie")
	}
	if p = b.get(f.path(lang, "/confirm")); p.status != http.StatusOK {
		t.Fatalf("confirm page: %d", p.status)
	}
	code := inMust(t, p, "code")
	if htmlAttr(code, "autocomplete") != "one-time-code" || htmlAttr(code, "inputmode") != "numeric" {
		t.Fatalf("code input attributes")
	}
	p = b.post(f.path(lang, "/confirm"), url.Values{"code": {f.code(t, form.Get("email"))}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), f.path(lang, "/done/")) {
		t.Fatalf("confirm: %d %q", p.status, p.location())
	}
	receipt := strings.TrimPrefix(p.location(), f.path(lang, "/done/"))
	if b.cookie("rd_pending") != "" {
		t.Fatal("pending cookie kept after confirming")
	}
	done := b.get(p.location())
	if done.status != http.StatusOK {
		t.Fatalf("done page: %d", done.status)
	}
	return receipt, done
}

// IN-1, IN-3, FI-3: every right in every language files, confirms and
// gets a receipt with the right due date; tasks go to the owners; the
// receipt email is in the case's language.
func TestIntakeEveryRightEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			f := newInFixture(t)
			ctx := context.Background()
			for i, right := range workflow.Rights {
				email := fmt.Sprintf("%s-%s@example.test", lang, right)
				b := f.browser(t, "10.1."+strconv.Itoa(i)+".1")
				form := f.path(lang, "/request")
				p := b.get(form)
				due := workflow.CalendarFor(f.org).Compute(f.env.Clock.Now())
				// IN-3 before sending: the due date for "now".
				if got := htmlText(inMust(t, p, "due-now")); !strings.Contains(got, workflow.FormatDate(due.LegalDue, lang)) {
					t.Fatalf("%s: IN-3 due %q lacks %s", right, got, workflow.FormatDate(due.LegalDue, lang))
				}
				receipt, done := f.fileAndConfirm(t, b, lang, inMinimal(lang, email, string(right)))
				if !regexp.MustCompile(`^RD-2026-\d{6}$`).MatchString(receipt) || htmlText(inMust(t, done, "receipt")) != receipt {
					t.Fatalf("%s: receipt %q", right, receipt)
				}
				if got, want := htmlText(inMust(t, done, "due")), workflow.FormatDate(due.LegalDue, lang); got != want {
					t.Fatalf("%s: due %q, want %q", right, got, want)
				}
				if htmlByID(done.doc, "doc-due") != nil || htmlByID(done.doc, "duplicate") != nil {
					t.Fatalf("%s: no document request, no duplicate", right)
				}
				c := f.caseByReceipt(t, receipt)
				if c.Lang != lang || !slices.Equal(c.Rights, []string{string(right)}) || c.State != string(workflow.StateAwaitingIdentity) || c.Channel != "web" {
					t.Fatalf("%s: case %s %v %s %s", right, c.Lang, c.Rights, c.State, c.Channel)
				}
				if workflow.DueOf(c, workflow.CalendarFor(f.org), f.env.Clock.Now()).LegalDue != due.LegalDue {
					t.Fatalf("%s: stored legal due differs", right)
				}
				// D-10: every register, except that withdrawal of consent
				// reaches only the consent-based one; each with its owner.
				tasks, err := store.New(f.env.Pool).TasksOfCase(ctx, f.org.ID, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := map[int64]string{f.regA: "kirjasto@testby.test", f.regB: "rehtori@testby.test", f.regC: "katu@testby.test"}
				if right == workflow.RightWithdrawConsent {
					want = map[int64]string{f.regA: "kirjasto@testby.test"}
				}
				if len(tasks) != len(want) {
					t.Fatalf("%s: %d tasks, want %d", right, len(tasks), len(want))
				}
				for _, tk := range tasks {
					if want[tk.RegisterID] != tk.OwnerEmail || tk.Right != string(right) || tk.State != "waiting" {
						t.Fatalf("%s: task %+v", right, tk)
					}
				}
				// The receipt email, in the case's language (FI-3).
				f.env.WorkAll(jobargs.DeliverMail{}.Kind())
				var subject string
				for _, m := range f.env.Catcher.Messages() {
					if slices.Contains(m.To, email) && m.Headers.Get("X-Rightsdesk-Kind") == "receipt" {
						subject = m.Subject
						break
					}
				}
				if want := f.env.Catalog.T(lang, "mail.receipt.subject", receipt); subject != want {
					t.Fatalf("%s: receipt mail %q, want %q", right, subject, want)
				}
			}
		})
	}
}

// IN-1: chosen registers (one preselected from a register page) route to
// their owners only; FI-2 shows the document-request date; ID-5 stores the
// represented person apart from the representative.
func TestIntakeChosenRegistersOnBehalf(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.2.0.1")
	p := b.get(f.path("fi", "/request?register="+strconv.FormatInt(f.regC, 10)))
	if !htmlHasAttr(inMust(t, p, "scope-chosen"), "checked") || htmlHasAttr(inMust(t, p, "scope-all"), "checked") {
		t.Fatal("?register= picks chosen registers")
	}
	if !htmlHasAttr(inMust(t, p, fmt.Sprintf("register-%d", f.regC)), "checked") || htmlHasAttr(inMust(t, p, fmt.Sprintf("register-%d", f.regA)), "checked") {
		t.Fatal("?register= preselects exactly that register")
	}
	// Grouped by sector, each group a fieldset with a legend.
	groups := htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "fieldset") && htmlAttr(n, "class") == "intake-group" })
	if len(groups) != 2 {
		t.Fatalf("%d sector groups", len(groups))
	}
	form := inMinimal("fi", "huoltaja@example.test", "access")
	form.Set("scope", "chosen")
	form["register"] = []string{strconv.FormatInt(f.regA, 10), strconv.FormatInt(f.regC, 10)}
	form.Set("behalf", "other")
	form.Set("relation", "guardian")
	form.Set("subject_name", "Lapsi Meikäläinen")
	form.Set("subject_hetu", "010200A9618")
	form.Set("document_request", "1")
	form.Set("period", "range")
	form.Set("period_from", "1.1.2024")
	receipt, done := f.fileAndConfirm(t, b, "fi", form)
	dl := workflow.CalendarFor(f.org).Compute(f.env.Clock.Now())
	if got := htmlText(inMust(t, done, "doc-due")); got != workflow.FormatDate(dl.DocumentRequestDue, "fi") {
		t.Fatalf("FI-2 due %q", got)
	}
	// What happens next names the delivery chosen, not every one.
	if got, want := htmlText(inMust(t, done, "next-answer")), f.env.Catalog.T("fi", "mail.receipt.delivery."+form.Get("delivery")); got != want {
		t.Errorf("next step %q, want %q", got, want)
	}
	// One item a register: names with commas of their own must not run
	// together (found in an answer walkthrough).
	if items := htmlElems(inMust(t, done, "registers"), func(n *html.Node) bool { return htmlIs(n, "li") }); len(items) != 2 {
		t.Errorf("the receipt lists %d registers as items, want 2", len(items))
	}
	if got := htmlText(inMust(t, done, "registers")); !strings.Contains(got, "Kirjaston asiakasrekisteri") || !strings.Contains(got, "Katuluparekisteri") || strings.Contains(got, "Oppilasrekisteri") {
		t.Fatalf("registers on receipt: %q", got)
	}
	c := f.caseByReceipt(t, receipt)
	if c.AllRegisters || !c.DocumentRequest || c.PeriodFrom == nil || c.PeriodFrom.Format("2006-01-02") != "2024-01-01" {
		t.Fatalf("case %+v", c)
	}
	tasks, _ := store.New(f.env.Pool).TasksOfCase(f.env.Ctx, f.org.ID, c.ID)
	owners := map[int64]string{}
	for _, tk := range tasks {
		owners[tk.RegisterID] = tk.OwnerEmail
	}
	if len(owners) != 2 || owners[f.regA] != "kirjasto@testby.test" || owners[f.regC] != "katu@testby.test" {
		t.Fatalf("tasks %v", owners)
	}
	r, err := store.New(f.env.Pool).RequesterOf(f.env.Ctx, f.org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OnBehalf || r.Relation != "guardian" || r.SubjectName != "Lapsi Meikäläinen" || r.SubjectHetuMask != "010200A****" || r.Name != "Maija Meikäläinen" {
		t.Fatalf("ID-5 requester %+v", r)
	}
}

// Bad input: 422, a summary linking to each field, aria-invalid on the
// field, the workflow's message (ID-3 names the fault), every value kept,
// nothing stored.
func TestIntakeValidation(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	cases := []struct {
		name   string
		edit   func(url.Values)
		target string // element the summary links to
		key    string
	}{
		{"missing name", func(v url.Values) { v.Del("name") }, "name", "intake.err.name"},
		{"missing email", func(v url.Values) { v.Del("email") }, "email", "intake.err.email"},
		{"bad email", func(v url.Values) { v.Set("email", "maija@") }, "email", "intake.err.email_invalid"},
		{"no right", func(v url.Values) { v.Del("rights") }, "right-access", "intake.err.rights"},
		{"rectification without details", func(v url.Values) { v["rights"] = []string{"rectification"}; v.Set("details", " ") }, "details", "intake.err.details_rectification"},
		{"paper without address", func(v url.Values) { v.Set("delivery", "paper") }, "address", "intake.err.address_paper"},
		{"ID-3 hetu length", func(v url.Values) { v.Set("hetu", "131052-308") }, "hetu", "intake.err.hetu.length"},
		{"ID-3 hetu characters", func(v url.Values) { v.Set("hetu", "13105X-308T") }, "hetu", "intake.err.hetu.characters"},
		{"ID-3 hetu date", func(v url.Values) { v.Set("hetu", "320152-308T") }, "hetu", "intake.err.hetu.date"},
		{"ID-3 hetu century", func(v url.Values) { v.Set("hetu", "131052Q308T") }, "hetu", "intake.err.hetu.century"},
		// Issue 16, item 10: a birth date after today (the clock is at
		// 2026-03-03) is the ID-3 date fault; tomorrow already is.
		{"ID-3 hetu born in the future", func(v url.Values) { v.Set("hetu", "010127A002F") }, "hetu", "intake.err.hetu.date"},
		{"ID-3 hetu born tomorrow", func(v url.Values) { v.Set("hetu", "040326A002S") }, "hetu", "intake.err.hetu.date"},
		{"ID-3 hetu individual", func(v url.Values) { v.Set("hetu", "010100A001N") }, "hetu", "intake.err.hetu.individual"},
		{"ID-3 hetu check", func(v url.Values) { v.Set("hetu", "280453-111A") }, "hetu", "intake.err.hetu.check"},
		{"ID-5 on behalf without relation", func(v url.Values) { v.Set("behalf", "other"); v.Set("subject_name", "Lapsi") }, "relation-guardian", "intake.err.relation"},
		{"ID-5 on behalf without name", func(v url.Values) { v.Set("behalf", "other"); v.Set("relation", "guardian") }, "subject_name", "intake.err.subject_name"},
		{"ID-3 represented person's hetu", func(v url.Values) {
			v.Set("behalf", "other")
			v.Set("relation", "guardian")
			v.Set("subject_name", "Lapsi")
			v.Set("subject_hetu", "280453-111A")
		}, "subject_hetu", "intake.err.hetu.check"},
		{"chosen but none ticked", func(v url.Values) { v.Set("scope", "chosen") }, fmt.Sprintf("register-%d", f.regA), "intake.err.registers"},
		{"ticked but all chosen", func(v url.Values) { v.Set("register", strconv.FormatInt(f.regB, 10)) }, "scope-all", "intake.err.scope_conflict"},
		{"period without dates", func(v url.Values) { v.Set("period", "range") }, "period_from", "intake.err.period_missing"},
		{"period reversed", func(v url.Values) {
			v.Set("period", "range")
			v.Set("period_from", "2025-05-01")
			v.Set("period_to", "1.1.2025")
		}, "period_to", "intake.err.period_order"},
		{"bad phone", func(v url.Values) { v.Set("phone", "call me") }, "phone", "intake.err.phone"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lang := []string{"fi", "sv", "en"}[i%3]
			b := f.browser(t, "10.3.0."+strconv.Itoa(i+1))
			form := inMinimal(lang, "maija@example.test", "access")
			form.Set("phone", "040 123 4567")
			form.Set("details", "Vapaa teksti <säilyy>")
			tc.edit(form)
			p := f.submit(b, lang, form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", p.status)
			}
			links := inSummary(t, p)
			msg := f.env.Catalog.T(lang, tc.key)
			if links["#"+tc.target] != msg {
				t.Fatalf("summary %v lacks #%s %q", links, tc.target, msg)
			}
			for href := range links {
				if htmlByID(p.doc, strings.TrimPrefix(href, "#")) == nil {
					t.Fatalf("summary link %s leads nowhere", href)
				}
			}
			field := inMust(t, p, tc.target)
			if htmlAttr(field, "aria-invalid") != "true" {
				t.Fatalf("#%s lacks aria-invalid", tc.target)
			}
			// The field's own message is linked to it: to the field, or for
			// a radio or checkbox to its group.
			holder := field
			if ty := htmlAttr(field, "type"); ty == "radio" || ty == "checkbox" {
				for holder = field.Parent; holder != nil && !(htmlIs(holder, "fieldset") && htmlHasAttr(holder, "aria-describedby")); holder = holder.Parent {
				}
				if holder == nil {
					t.Fatalf("#%s is in no described fieldset", tc.target)
				}
			}
			found := false
			for _, id := range strings.Fields(htmlAttr(holder, "aria-describedby")) {
				if n := htmlByID(p.doc, id); n != nil && htmlText(n) == msg {
					found = true
				}
			}
			if !found {
				t.Fatalf("#%s: aria-describedby does not name the error", tc.target)
			}
			inKept(t, p, form)
			if n := f.cases(t); n != 0 {
				t.Fatalf("%d cases stored", n)
			}
		})
	}
}

// inKept checks that the re-rendered form holds every value sent.
func inKept(t *testing.T, p htmlPage, form url.Values) {
	t.Helper()
	for _, name := range []string{"name", "email", "phone", "hetu", "subject_name", "subject_hetu"} {
		n := htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "name") == name })
		if len(n) != 1 || htmlAttr(n[0], "value") != form.Get(name) {
			t.Fatalf("%s not kept", name)
		}
	}
	if got := htmlText(inMust(t, p, "details")); got != strings.Join(strings.Fields(form.Get("details")), " ") {
		t.Fatalf("details not kept: %q", got)
	}
	for _, name := range []string{"scope", "period", "delivery", "behalf", "reply_lang", "relation"} {
		checked := htmlElems(p.doc, func(n *html.Node) bool {
			return htmlIs(n, "input") && htmlAttr(n, "name") == name && htmlHasAttr(n, "checked")
		})
		want := form.Get(name)
		if want == "" && name != "relation" {
			t.Fatalf("test form lacks %s", name)
		}
		if want == "" {
			if len(checked) != 0 {
				t.Fatalf("%s checked from nowhere", name)
			}
			continue
		}
		if len(checked) != 1 || htmlAttr(checked[0], "value") != want {
			t.Fatalf("%s not kept", name)
		}
	}
	var rights []string
	for _, n := range htmlElems(p.doc, func(n *html.Node) bool {
		return htmlIs(n, "input") && htmlAttr(n, "name") == "rights" && htmlHasAttr(n, "checked")
	}) {
		rights = append(rights, htmlAttr(n, "value"))
	}
	if !slices.Equal(rights, form["rights"]) {
		t.Fatalf("rights %v not kept as %v", rights, form["rights"])
	}
	for _, id := range form["register"] {
		if !htmlHasAttr(inMust(t, p, "register-"+id), "checked") {
			t.Fatalf("register %s not kept", id)
		}
	}
}

// WCAG 2.1 AA semantics of the form, with errors shown: every control is
// labelled, every fieldset has a legend, every aria-describedby points at
// an element, ids are unique.
func TestIntakeFormAccessible(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.4.0.1")
	form := inMinimal("sv", "", "rectification")
	form.Set("delivery", "paper")
	form.Set("hetu", "1")
	for _, p := range []htmlPage{b.get(f.path("sv", "/request")), f.submit(b, "sv", form)} {
		ids := map[string]int{}
		for _, n := range htmlElems(p.doc, func(n *html.Node) bool { return htmlHasAttr(n, "id") }) {
			ids[htmlAttr(n, "id")]++
		}
		for id, n := range ids {
			if n > 1 {
				t.Fatalf("id %q used %d times", id, n)
			}
		}
		labels := map[string]bool{}
		for _, l := range htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "label") }) {
			labels[htmlAttr(l, "for")] = true
		}
		for _, n := range htmlElems(p.doc, func(n *html.Node) bool {
			return (htmlIs(n, "input") || htmlIs(n, "textarea") || htmlIs(n, "select")) && htmlAttr(n, "type") != "hidden"
		}) {
			if !labels[htmlAttr(n, "id")] {
				t.Fatalf("%s %q has no label", n.Data, htmlAttr(n, "name"))
			}
		}
		for _, fs := range htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "fieldset") }) {
			if fs.FirstChild == nil || len(htmlElems(fs, func(n *html.Node) bool { return htmlIs(n, "legend") })) == 0 {
				t.Fatalf("fieldset #%s has no legend", htmlAttr(fs, "id"))
			}
		}
		for _, n := range htmlElems(p.doc, func(n *html.Node) bool { return htmlHasAttr(n, "aria-describedby") }) {
			for _, id := range strings.Fields(htmlAttr(n, "aria-describedby")) {
				if ids[id] == 0 {
					t.Fatalf("aria-describedby %q of #%s points nowhere", id, htmlAttr(n, "id"))
				}
			}
		}
		if htmlAttr(htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "html") })[0], "lang") != "sv" {
			t.Fatal("page language")
		}
	}
}

// A register search keeps everything typed, never stores, and keeps
// ticked registers the search hides; Enter in the search box searches.
func TestIntakeRegisterSearchKeepsValues(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.5.0.1")
	// IN-1: "all registers" is the default, so the long list starts folded.
	if p := b.get(f.path("fi", "/request")); htmlHasAttr(inMust(t, p, "register-details"), "open") {
		t.Fatal("the register list is open by default")
	}
	form := inMinimal("fi", "maija@example.test", "access", "erasure")
	form.Set("scope", "chosen")
	form.Set("register", strconv.FormatInt(f.regC, 10))
	form.Set("q", "kirjasto")
	form.Set("op", "search")
	p := f.submit(b, "fi", form)
	if p.status != http.StatusOK {
		t.Fatalf("search: %d", p.status)
	}
	inKept(t, p, form)
	if !htmlHasAttr(inMust(t, p, "register-details"), "open") {
		t.Fatal("the register list is folded after a search")
	}
	if htmlByID(p.doc, fmt.Sprintf("register-%d", f.regB)) != nil || htmlByID(p.doc, fmt.Sprintf("register-%d", f.regA)) == nil {
		t.Fatal("the list is not filtered")
	}
	if htmlText(inMust(t, p, "search-status")) == "" || htmlByID(p.doc, "search-instead") != nil {
		t.Fatal("search status")
	}
	// Pressing Enter in the box: the default (send) button with a new term.
	form.Set("op", "send")
	form.Set("q", "oppilas")
	form.Set("q_applied", "kirjasto")
	p = b.post(f.path("fi", "/request"), form)
	if p.status != http.StatusOK || htmlByID(p.doc, "search-instead") == nil || htmlByID(p.doc, fmt.Sprintf("register-%d", f.regB)) == nil {
		t.Fatalf("enter in the search box: %d", p.status)
	}
	if n := f.cases(t); n != 0 {
		t.Fatalf("a search stored %d cases", n)
	}
	// The default button comes first and is out of the tab order.
	first := htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "button") && htmlAttr(n, "type") == "submit" })
	if len(first) == 0 || htmlAttr(first[0], "value") != "send" || htmlAttr(first[0], "tabindex") != "-1" {
		t.Fatal("the first submit button must send")
	}
}

// Oversize bodies are refused with 413; a post without the CSRF token with
// 403; neither stores anything.
func TestIntakeOversizeAndCSRF(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.6.0.1")
	big := inMinimal("fi", "maija@example.test", "access")
	big.Set("details", strings.Repeat("x", 200_000))
	if p := f.submit(b, "fi", big); p.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversize: %d", p.status)
	}
	form := inMinimal("fi", "maija@example.test", "access")
	form.Set("_csrf", "")
	if p := f.submit(b, "fi", form); p.status != http.StatusForbidden {
		t.Fatalf("no CSRF: %d", p.status)
	}
	form.Set("_csrf", "forged")
	if p := f.submit(b, "fi", form); p.status != http.StatusForbidden {
		t.Fatalf("forged CSRF: %d", p.status)
	}
	if n := f.cases(t); n != 0 {
		t.Fatalf("%d cases stored", n)
	}
	f.env.WorkAll()
	if len(f.env.Catcher.Messages()) != 0 {
		t.Fatal("mail sent for a refused post")
	}
}

// The code: wrong codes count down, five lock, a new code works, codes
// expire after 30 minutes, submissions after 24 hours (D-8).
func TestIntakeCodeFlow(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	lang := "en"
	t.Run("wrong, locked, resend", func(t *testing.T) {
		b := f.browser(t, "10.7.0.1")
		email := "wrong@example.test"
		if p := f.submit(b, lang, inMinimal(lang, email, "access")); p.status != http.StatusSeeOther {
			t.Fatalf("submit %d", p.status)
		}
		good := f.code(t, email)
		bad := fmt.Sprintf("%06d", (inAtoi(good)+1)%1_000_000)
		b.get(f.path(lang, "/confirm"))
		// Not a code at all: explained, not counted.
		p := b.post(f.path(lang, "/confirm"), url.Values{"code": {"abc"}})
		if p.status != http.StatusUnprocessableEntity || htmlText(inMust(t, p, "code-error")) != f.env.Catalog.T(lang, "intake.err.code_format") {
			t.Fatalf("format: %d", p.status)
		}
		for left := workflow.MaxCodeAttempts - 1; left >= 1; left-- {
			p = b.post(f.path(lang, "/confirm"), url.Values{"code": {bad}})
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong code: %d", p.status)
			}
			if got, want := htmlText(inMust(t, p, "code-error")), f.env.Catalog.T(lang, "intake.err.code_wrong", left); got != want {
				t.Fatalf("wrong code: %q, want %q", got, want)
			}
			if htmlAttr(inMust(t, p, "code"), "aria-invalid") != "true" || inSummary(t, p)["#code"] == "" {
				t.Fatal("wrong code not marked on the field")
			}
		}
		p = b.post(f.path(lang, "/confirm"), url.Values{"code": {bad}})
		if got := htmlText(inMust(t, p, "code-error")); got != f.env.Catalog.T(lang, "intake.err.code_locked") {
			t.Fatalf("fifth wrong code: %q", got)
		}
		// Even the right code no longer works.
		p = b.post(f.path(lang, "/confirm"), url.Values{"code": {good}})
		if htmlText(inMust(t, p, "code-error")) != f.env.Catalog.T(lang, "intake.err.code_locked") || inSummary(t, p)["#resend"] == "" {
			t.Fatal("locked: the summary leads to the new-code button")
		}
		p = b.post(f.path(lang, "/confirm/resend"), url.Values{})
		if p.status != http.StatusSeeOther || p.location() != f.path(lang, "/confirm") {
			t.Fatalf("resend: %d", p.status)
		}
		p = b.get(p.location())
		if !strings.Contains(p.body, f.env.Catalog.T(lang, "intake.confirm.resent")) {
			t.Fatal("resent notice")
		}
		fresh := f.code(t, email)
		p = b.post(f.path(lang, "/confirm"), url.Values{"code": {fresh[:3] + " " + fresh[3:]}})
		if p.status != http.StatusSeeOther || !strings.Contains(p.location(), "/done/") {
			t.Fatalf("new code: %d", p.status)
		}
		// Confirmed: the confirm page now leads to the receipt.
		if p := b.get(f.path(lang, "/confirm")); p.status != http.StatusOK || htmlByID(p.doc, "to-form") == nil {
			t.Fatalf("confirm page after done: %d", p.status)
		}
	})
	t.Run("too many codes", func(t *testing.T) {
		b := f.browser(t, "10.7.0.2")
		if p := f.submit(b, lang, inMinimal(lang, "many@example.test", "access")); p.status != http.StatusSeeOther {
			t.Fatalf("submit %d", p.status)
		}
		b.get(f.path(lang, "/confirm"))
		for i := 1; i < workflow.MaxCodesSent; i++ {
			if p := b.post(f.path(lang, "/confirm/resend"), url.Values{}); p.status != http.StatusSeeOther {
				t.Fatalf("resend %d: %d", i, p.status)
			}
		}
		// 409, not 429: waiting does not lift this limit, so there is no
		// Retry-After to promise (the message says what to do instead).
		p := b.post(f.path(lang, "/confirm/resend"), url.Values{})
		if p.status != http.StatusConflict || htmlText(inMust(t, p, "code-error")) != f.env.Catalog.T(lang, "intake.err.too_many_codes") ||
			p.header.Get("Retry-After") != "" {
			t.Fatalf("too many codes: %d (Retry-After %q)", p.status, p.header.Get("Retry-After"))
		}
	})
	t.Run("expired code", func(t *testing.T) {
		f := newInFixture(t)
		b := f.browser(t, "10.7.0.3")
		email := "late@example.test"
		f.submit(b, lang, inMinimal(lang, email, "access"))
		code := f.code(t, email)
		b.get(f.path(lang, "/confirm"))
		f.env.Clock.Advance(31 * time.Minute)
		p := b.post(f.path(lang, "/confirm"), url.Values{"code": {code}})
		if p.status != http.StatusUnprocessableEntity || htmlText(inMust(t, p, "code-error")) != f.env.Catalog.T(lang, "intake.err.code_expired") {
			t.Fatalf("expired: %d", p.status)
		}
		b.post(f.path(lang, "/confirm/resend"), url.Values{})
		b.get(f.path(lang, "/confirm"))
		p = b.post(f.path(lang, "/confirm"), url.Values{"code": {f.code(t, email)}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("after resend: %d", p.status)
		}
	})
	t.Run("submission gone after 24 h", func(t *testing.T) {
		f := newInFixture(t)
		b := f.browser(t, "10.7.0.4")
		email := "gone@example.test"
		f.submit(b, lang, inMinimal(lang, email, "access"))
		code := f.code(t, email)
		b.get(f.path(lang, "/confirm"))
		f.env.Clock.Advance(25 * time.Hour)
		p := b.post(f.path(lang, "/confirm"), url.Values{"code": {code}})
		if p.status != http.StatusGone || htmlAttr(inMust(t, p, "to-form"), "href") != f.path(lang, "/request") {
			t.Fatalf("gone: %d", p.status)
		}
		if !strings.Contains(p.body, f.env.Catalog.T(lang, "intake.gone.text")) || b.cookie("rd_pending") != "" {
			t.Fatal("gone page text or cookie")
		}
	})
	t.Run("no pending request", func(t *testing.T) {
		b := f.browser(t, "10.7.0.5")
		p := b.get(f.path(lang, "/confirm"))
		if p.status != http.StatusOK || htmlAttr(inMust(t, p, "to-form"), "href") != f.path(lang, "/request") {
			t.Fatalf("no pending: %d", p.status)
		}
		// A forged pending cookie is no better.
		b.jar.SetCookies(inBase, []*http.Cookie{{Name: "rd_pending", Value: "1.forged", Path: "/"}})
		if p := b.get(f.path(lang, "/confirm")); htmlByID(p.doc, "to-form") == nil || htmlByID(p.doc, "code") != nil {
			t.Fatal("forged pending cookie accepted")
		}
	})
}

func inAtoi(s string) int { n, _ := strconv.Atoi(s); return n }

// The receipt page is only for the browser that confirmed.
func TestIntakeDonePageIsPrivate(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.8.0.1")
	receipt, _ := f.fileAndConfirm(t, b, "sv", inMinimal("sv", "own@example.test", "access"))
	other := f.browser(t, "10.8.0.2")
	if p := other.get(f.path("sv", "/done/"+receipt)); p.status != http.StatusNotFound {
		t.Fatalf("another browser: %d", p.status)
	}
	// The cookie is bound to the organisation and the receipt.
	second := f.env.Org("other", "Muu", "Annan", "sv")
	if p := b.get("/sv/o/" + second.Slug + "/done/" + receipt); p.status != http.StatusNotFound {
		t.Fatalf("other organisation: %d", p.status)
	}
	if p := b.get(f.path("sv", "/done/RD-2026-999999")); p.status != http.StatusNotFound {
		t.Fatalf("other receipt: %d", p.status)
	}
	// The language switch keeps the page.
	if p := b.get(f.path("fi", "/done/"+receipt)); p.status != http.StatusOK {
		t.Fatalf("in Finnish: %d", p.status)
	}
}

// Issue 5: the same person, rights and registers twice within a day: the
// second is linked to the first (not dropped) for staff. Issue 16, item 2:
// the submitter is told nothing about the other request, neither with the
// same email nor (another person's) same henkilötunnus.
func TestIntakeDuplicateLinked(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	email := "twice@example.test"
	first, _ := f.fileAndConfirm(t, f.browser(t, "10.9.0.1"), "fi", inMinimal("fi", email, "access", "erasure"))
	f.env.Clock.Advance(2 * time.Hour)
	second, done := f.fileAndConfirm(t, f.browser(t, "10.9.0.2"), "fi", inMinimal("fi", email, "erasure", "access"))
	c1, c2 := f.caseByReceipt(t, first), f.caseByReceipt(t, second)
	if c2.DuplicateOf == nil || *c2.DuplicateOf != c1.ID {
		t.Fatalf("duplicate_of %v, want %d", c2.DuplicateOf, c1.ID)
	}
	if htmlByID(done.doc, "duplicate") != nil || strings.Contains(done.body, first) {
		t.Fatalf("the submitter is told about request %s", first)
	}
	// Different rights: not a duplicate.
	third, done := f.fileAndConfirm(t, f.browser(t, "10.9.0.3"), "fi", inMinimal("fi", email, "access"))
	if f.caseByReceipt(t, third).DuplicateOf != nil || htmlByID(done.doc, "duplicate") != nil {
		t.Fatal("different rights linked as a duplicate")
	}
	// Same henkilötunnus, another email (possibly another person typing
	// it): linked for staff, nothing shown to the submitter.
	withHetu := func(email string) url.Values {
		v := inMinimal("fi", email, "rectification")
		v.Set("hetu", "131052-308T")
		return v
	}
	fourth, _ := f.fileAndConfirm(t, f.browser(t, "10.9.0.4"), "fi", withHetu("first@example.test"))
	fifth, done := f.fileAndConfirm(t, f.browser(t, "10.9.0.5"), "fi", withHetu("someone.else@example.test"))
	if c := f.caseByReceipt(t, fifth); c.DuplicateOf == nil || *c.DuplicateOf != f.caseByReceipt(t, fourth).ID {
		t.Fatalf("same henkilötunnus not linked for staff: %v", c.DuplicateOf)
	}
	if htmlByID(done.doc, "duplicate") != nil || strings.Contains(done.body, fourth) || strings.Contains(done.body, "RD-2026-000004") {
		t.Fatalf("the submitter is told about another person's request %s", fourth)
	}
}

// Rate limits: 100 submissions per address per hour (issue 16, item 10:
// many residents share one address behind CGNAT or at a library), 5 per
// email per day; beyond them 429, the person told that nothing was stored
// and when to try again, and nothing is.
func TestIntakeRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		f := newInFixture(t)
		b := f.browser(t, "10.10.0.1")
		const perIP = 100
		for i := 0; i < perIP; i++ {
			if p := f.submit(b, "fi", inMinimal("fi", fmt.Sprintf("p%d@example.test", i), "access")); p.status != http.StatusSeeOther {
				t.Fatalf("submission %d from one address: %d", i, p.status)
			}
		}
		form := inMinimal("fi", "p100@example.test", "access")
		p := f.submit(b, "fi", form)
		if p.status != http.StatusTooManyRequests {
			t.Fatalf("%dth: %d", perIP+1, p.status)
		}
		ns := inMust(t, p, "not-stored")
		if htmlAttr(ns, "role") != "alert" || !strings.Contains(htmlText(ns), f.env.Catalog.T("fi", "intake.limit.title")) {
			t.Fatal("the person is not told that nothing was stored")
		}
		// When to try again: the window's end (the clock is at 10.00).
		if got := htmlTextSpaced(inMust(t, p, "retry-at")); !strings.Contains(got, "klo 11.00") || p.header.Get("Retry-After") != "3600" {
			t.Fatalf("retry: %q, Retry-After %q", got, p.header.Get("Retry-After"))
		}
		inKept(t, p, form)
		if n := f.cases(t); n != perIP {
			t.Fatalf("%d cases", n)
		}
		// Another address is not affected; an hour later this one is free.
		if p := f.submit(f.browser(t, "10.10.0.2"), "fi", inMinimal("fi", "q@example.test", "access")); p.status != http.StatusSeeOther {
			t.Fatalf("other address: %d", p.status)
		}
		f.env.Clock.Advance(time.Hour)
		if p := f.submit(b, "fi", form); p.status != http.StatusSeeOther {
			t.Fatalf("after an hour: %d", p.status)
		}
	})
	t.Run("per email", func(t *testing.T) {
		t.Parallel()
		f := newInFixture(t)
		for i := 0; i < 5; i++ {
			email := "Same@Example.test"
			if i%2 == 1 {
				email = "same@example.test"
			}
			if p := f.submit(f.browser(t, "10.11.0."+strconv.Itoa(i+1)), "sv", inMinimal("sv", email, "access")); p.status != http.StatusSeeOther {
				t.Fatalf("submission %d: %d", i, p.status)
			}
		}
		p := f.submit(f.browser(t, "10.11.1.1"), "sv", inMinimal("sv", "SAME@example.test", "access"))
		if p.status != http.StatusTooManyRequests || htmlByID(p.doc, "not-stored") == nil || htmlByID(p.doc, "retry-at") == nil {
			t.Fatalf("6th for one email: %d", p.status)
		}
		if n := f.cases(t); n != 5 {
			t.Fatalf("%d cases", n)
		}
	})
	t.Run("invalid forms are not counted", func(t *testing.T) {
		t.Parallel()
		f := newInFixture(t)
		b := f.browser(t, "10.12.0.1")
		bad := inMinimal("en", "typo@example.test", "access")
		bad.Del("name")
		for i := 0; i < 15; i++ {
			if p := f.submit(b, "en", bad); p.status != http.StatusUnprocessableEntity {
				t.Fatalf("invalid %d: %d", i, p.status)
			}
		}
		if p := f.submit(b, "en", inMinimal("en", "typo@example.test", "access")); p.status != http.StatusSeeOther {
			t.Fatalf("valid after corrections: %d", p.status)
		}
	})
}

func TestIntakeUnknownOrg(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.13.0.1")
	for _, p := range []string{"/fi/o/nowhere/request", "/fi/o/nowhere/confirm", "/fi/o/nowhere/done/RD-2026-000001"} {
		if got := b.get(p); got.status != http.StatusNotFound {
			t.Fatalf("%s: %d", p, got.status)
		}
	}
}
