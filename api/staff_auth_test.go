package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"rightsdesk/api"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

const staffPW = "correct horse battery staple"

// staffFixture is a running server with one organisation and one DPO.
type staffFixture struct {
	env   *testenv.Env
	base  string
	org   store.Org
	email string
	auth  *workflow.StaffAuth
}

func newStaffFixture(t *testing.T) *staffFixture {
	t.Helper()
	env := testenv.New(t)
	f := &staffFixture{env: env, base: env.HTTP().URL, org: env.Org("espoo", "Espoo", "Esbo", "fi"), email: "dpo@espoo.example"}
	f.auth = &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	f.addUser(t, f.email, "Dana Dpo", "fi", f.org.ID, workflow.RoleDPO)
	return f
}

func (f *staffFixture) addUser(t *testing.T, email, name, lang string, orgID int64, role string) {
	t.Helper()
	if _, err := f.auth.AddUser(f.env.Ctx, workflow.NewStaff{Email: email, Name: name, Lang: lang, OrgID: orgID, Role: role, Password: staffPW}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
}

// stBrowser is a cookie-keeping client that does not follow redirects.
type stBrowser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (f *staffFixture) client(t *testing.T) *stBrowser {
	return &stBrowser{t: t, base: f.base, c: testenv.Client()}
}

func (b *stBrowser) do(req *http.Request) htmlPage {
	b.t.Helper()
	return htmlFetch(b.t, b.c, req)
}

func (b *stBrowser) get(path string, hdr ...string) htmlPage {
	b.t.Helper()
	req := formRequest(b.t, http.MethodGet, b.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.do(req)
}

func (b *stBrowser) post(path string, form url.Values) htmlPage {
	b.t.Helper()
	return b.do(formRequest(b.t, http.MethodPost, b.base+path, form))
}

// login opens the sign-in page (for the CSRF pair) and signs in.
func (b *stBrowser) login(email, password, next string) htmlPage {
	b.t.Helper()
	lp := b.get("/staff/login")
	if lp.status != http.StatusOK {
		b.t.Fatalf("GET /staff/login = %d", lp.status)
	}
	form := url.Values{"_csrf": {lp.csrf(b.t)}, "email": {email}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	return b.post("/staff/login", form)
}

// tryLogin signs in from a fresh browser (same client address).
func (f *staffFixture) tryLogin(t *testing.T, email, password string) htmlPage {
	t.Helper()
	return f.client(t).login(email, password, "")
}

func (f *staffFixture) mustLogin(t *testing.T, email string) {
	t.Helper()
	f.client(t).mustLogin(email)
}

func (b *stBrowser) mustLogin(email string) {
	b.t.Helper()
	if p := b.login(email, staffPW, ""); p.status != http.StatusSeeOther || p.location() != "/staff/" {
		b.t.Fatalf("login = %d to %q, want 303 to /staff/", p.status, p.location())
	}
}

func (b *stBrowser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.base + "/staff/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signedIn reports whether /staff/account shows the account page.
func (b *stBrowser) signedIn() bool {
	b.t.Helper()
	p := b.get("/staff/account")
	switch {
	case p.status == http.StatusOK:
		return true
	case p.status == http.StatusSeeOther && strings.HasPrefix(p.location(), "/staff/login"):
		return false
	}
	b.t.Fatalf("GET /staff/account = %d %q", p.status, p.location())
	return false
}

func stSessionRows(t *testing.T, env *testenv.Env) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM staff_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStaffLoginShowsAccount(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	vantaa := f.env.Org("vantaa", "Vantaa", "Vanda", "fi")
	if _, err := f.auth.AddUser(f.env.Ctx, workflow.NewStaff{Email: f.email, OrgID: vantaa.ID, Role: workflow.RoleViewer}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	f.env.Org("kokkola", "Kokkola", "Karleby", "fi") // not a member
	b := f.client(t)

	lp := b.get("/staff/login")
	if lp.status != http.StatusOK || lp.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login page: %d, Cache-Control %q", lp.status, lp.header.Get("Cache-Control"))
	}
	form := htmlFirst(lp.doc, func(n *html.Node) bool { return htmlIs(n, "form") && htmlAttr(n, "action") == "/staff/login" })
	if form == nil || htmlAttr(form, "method") != "post" {
		t.Fatal("no sign-in form")
	}
	for _, id := range []string{"email", "password"} {
		in := htmlByID(form, id)
		label := htmlFirst(form, func(n *html.Node) bool { return htmlIs(n, "label") && htmlAttr(n, "for") == id })
		if in == nil || label == nil || htmlTextSpaced(label) == "" {
			t.Errorf("field %s lacks an input or a label", id)
		}
	}
	if in := htmlByID(form, "password"); htmlAttr(in, "type") != "password" || htmlAttr(in, "autocomplete") != "current-password" {
		t.Errorf("password input: %v", in.Attr)
	}

	p := b.post("/staff/login", url.Values{"_csrf": {lp.csrf(t)}, "email": {"  DPO@Espoo.Example "}, "password": {staffPW}})
	if p.status != http.StatusSeeOther || p.location() != "/staff/" {
		t.Fatalf("login = %d to %q", p.status, p.location())
	}
	var set *http.Cookie
	for _, c := range p.resp.Cookies() {
		if c.Name == "rd_session" {
			set = c
		}
	}
	if set == nil || !set.HttpOnly || set.SameSite != http.SameSiteLaxMode || set.Path != "/staff" || set.Secure || len(set.Value) < 40 {
		t.Fatalf("session cookie %+v", set)
	}
	acc := b.get("/staff/account")
	if acc.status != http.StatusOK || acc.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("account: %d", acc.status)
	}
	facts := htmlTextSpaced(htmlFirst(acc.doc, func(n *html.Node) bool { return htmlIs(n, "dl") }))
	if !strings.Contains(facts, "Dana Dpo") || !strings.Contains(facts, "dpo@espoo.example") {
		t.Errorf("account facts %q", facts)
	}
	var rows []string
	for _, tr := range htmlFindAll(acc.doc, func(n *html.Node) bool { return htmlIs(n, "tr") && n.Parent != nil && htmlIs(n.Parent, "tbody") }) {
		rows = append(rows, htmlTextSpaced(tr))
	}
	if strings.Join(rows, "|") != "Espoo Tietosuojavastaava|Vantaa Lukija" {
		t.Errorf("memberships %q", rows)
	}
	// The layout's staff navigation appears with a sign-out form.
	if htmlFirst(acc.doc, func(n *html.Node) bool { return htmlIs(n, "form") && htmlAttr(n, "action") == "/staff/logout" }) == nil {
		t.Error("no sign-out form on a staff page")
	}
	// Signed in, the sign-in page sends the user on.
	if p := b.get("/staff/login?next=/staff/account"); p.status != http.StatusSeeOther || p.location() != "/staff/account" {
		t.Errorf("login page when signed in: %d %q", p.status, p.location())
	}
}

// Every refusal reads the same (issue 12): no account's existence, state
// or lock is told.
func TestStaffLoginRefusalsLookAlike(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	f.addUser(t, "gone@espoo.example", "", "fi", f.org.ID, workflow.RoleViewer)
	if err := f.auth.DisableUser(f.env.Ctx, "gone@espoo.example", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	const failed = "#password: Väärä sähköpostiosoite tai salasana, tai tili on lukittu. Yritä hetken kuluttua uudelleen."
	for _, tc := range []struct {
		name, email, password string
	}{
		{"wrong password", f.email, "not the password at all"},
		{"unknown user", "nobody@espoo.example", staffPW},
		{"disabled user", "gone@espoo.example", staffPW},
		{"overlong password", f.email, strings.Repeat("x", 5000)},
	} {
		b := f.client(t)
		p := b.login(tc.email, tc.password, "")
		if p.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d", tc.name, p.status)
		}
		if got := p.summary(); len(got) != 1 || got[0] != failed {
			t.Errorf("%s: summary %q", tc.name, got)
		}
		if in := htmlByID(p.doc, "email"); htmlAttr(in, "value") != tc.email {
			t.Errorf("%s: email not kept: %q", tc.name, htmlAttr(in, "value"))
		}
		pw := htmlByID(p.doc, "password")
		if htmlAttr(pw, "value") != "" || htmlAttr(pw, "aria-invalid") != "true" || htmlAttr(pw, "aria-describedby") != "password-error" || htmlByID(p.doc, "password-error") == nil {
			t.Errorf("%s: password field %v", tc.name, pw.Attr)
		}
		if b.cookie("rd_session") != nil {
			t.Errorf("%s: a session cookie was set", tc.name)
		}
	}
	if n := stSessionRows(t, f.env); n != 0 {
		t.Fatalf("%d sessions after refusals", n)
	}

	// Empty fields: an error summary linking to each field.
	b := f.client(t)
	b.get("/staff/lang/en")
	lp := b.get("/staff/login")
	p := b.post("/staff/login", url.Values{"_csrf": {lp.csrf(t)}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: %d", p.status)
	}
	want := []string{"#email: Enter your email address.", "#password: Enter your password."}
	if got := p.summary(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("empty form summary %q", got)
	}
	if htmlAttr(htmlByID(p.doc, "email"), "aria-describedby") != "email-error" {
		t.Error("email field not tied to its error")
	}
}

// Lockout with back-off (issue 12): five failures lock the account for a
// minute, each further failure doubles the lock.
func TestStaffLockoutBacksOff(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	clock := f.env.Clock
	for i := range 5 {
		if p := f.tryLogin(t, f.email, "wrong password "+string(rune('a'+i))); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, p.status)
		}
	}
	// Issue 16, item 6: a locked sign-in is a 429 that says when to try
	// again (in the page and in Retry-After), decided before hashing.
	locked := func(when string) {
		t.Helper()
		p := f.tryLogin(t, f.email, staffPW)
		if p.status != http.StatusTooManyRequests || len(p.summary()) != 1 || !strings.Contains(p.summary()[0], "Yritä uudelleen") ||
			!strings.Contains(p.summary()[0], " klo ") || p.header.Get("Retry-After") == "" {
			t.Fatalf("%s: the right password got %d %q %q, want the refusal with a time", when, p.status, p.summary(), p.header.Get("Retry-After"))
		}
	}
	locked("just locked")
	clock.Advance(59 * time.Second)
	locked("after 59 s")
	clock.Advance(2 * time.Second)
	f.mustLogin(t, f.email) // the lock expired; success clears the count

	// Four failures do not lock again (the count restarted).
	for range 4 {
		f.tryLogin(t, f.email, "wrong")
	}
	f.mustLogin(t, f.email)

	for range 5 {
		f.tryLogin(t, f.email, "wrong")
	}
	clock.Advance(61 * time.Second)
	f.tryLogin(t, f.email, "wrong") // sixth failure in a row: two minutes
	clock.Advance(90 * time.Second)
	locked("90 s into a 2 min lock")
	clock.Advance(31 * time.Second)
	f.mustLogin(t, f.email)
}

// Per address (D-19): more than 20 failures in 15 minutes refuse the
// address for 15 minutes, whatever accounts were tried.
func TestStaffIPLockout(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	f.addUser(t, "other@espoo.example", "", "fi", f.org.ID, workflow.RoleDPO)
	clock := f.env.Clock
	for i := range 20 {
		f.tryLogin(t, "nobody"+string(rune('a'+i))+"@espoo.example", "whatever password")
		clock.Advance(10 * time.Second)
	}
	f.mustLogin(t, f.email) // 20 failures are still allowed
	f.tryLogin(t, "nobody@espoo.example", "whatever password")
	last := clock.Now()
	if p := f.tryLogin(t, "other@espoo.example", staffPW); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "900" {
		t.Fatalf("21 failures: right password got %d (Retry-After %q)", p.status, p.header.Get("Retry-After"))
	}
	// Another address is not affected.
	if !stLoginFrom(t, f, "192.0.2.44:5555", "other@espoo.example") {
		t.Fatal("another address was refused")
	}
	clock.Set(last.Add(15*time.Minute - time.Second))
	if p := f.tryLogin(t, "other@espoo.example", staffPW); p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") != "1" {
		t.Fatalf("14:59 into the block: %d (Retry-After %q)", p.status, p.header.Get("Retry-After"))
	}
	clock.Set(last.Add(15*time.Minute + time.Second))
	f.mustLogin(t, "other@espoo.example")
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT failed_logins FROM staff_users WHERE email = 'other@espoo.example'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("refusals of a blocked address counted on the account: %d, %v", n, err)
	}
}

// stLoginFrom signs in through the handler with another client address.
func stLoginFrom(t *testing.T, f *staffFixture, remote, email string) bool {
	t.Helper()
	h := f.env.Server().Handler()
	req := httptest.NewRequest(http.MethodGet, "/staff/login", nil)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	doc, err := html.Parse(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	tok := htmlPage{doc: doc}.csrf(t)
	form := url.Values{"_csrf": {tok}, "email": {email}, "password": {staffPW}}
	req = httptest.NewRequest(http.MethodPost, "/staff/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code == http.StatusSeeOther
}

func TestStaffSessionTimeouts(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	clock := f.env.Clock

	t.Run("idle", func(t *testing.T) {
		b := f.client(t)
		b.mustLogin(f.email)
		clock.Advance(29 * time.Minute)
		if !b.signedIn() {
			t.Fatal("signed out after 29 idle minutes")
		}
		clock.Advance(29 * time.Minute)
		if !b.signedIn() {
			t.Fatal("use did not keep the session alive")
		}
		clock.Advance(31 * time.Minute)
		p := b.get("/staff/account")
		if p.status != http.StatusSeeOther || p.location() != "/staff/login?next=%2Fstaff%2Faccount" {
			t.Fatalf("after 31 idle minutes: %d %q", p.status, p.location())
		}
		if b.cookie("rd_session") != nil {
			t.Error("expired session cookie not cleared")
		}
	})
	t.Run("absolute", func(t *testing.T) {
		b := f.client(t)
		b.mustLogin(f.email)
		for elapsed := 25 * time.Minute; elapsed <= 11*time.Hour+40*time.Minute; elapsed += 25 * time.Minute {
			clock.Advance(25 * time.Minute)
			if !b.signedIn() {
				t.Fatalf("signed out while active, %s after signing in", elapsed)
			}
		}
		clock.Advance(19 * time.Minute) // 11:59 since sign-in
		if !b.signedIn() {
			t.Fatal("signed out before the absolute lifetime")
		}
		clock.Advance(2 * time.Minute) // 12:01
		if b.signedIn() {
			t.Fatal("session outlived its absolute lifetime")
		}
	})
}

func TestStaffLogoutEndsSession(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	b := f.client(t)
	b.mustLogin(f.email)
	old := b.cookie("rd_session").Value
	acc := b.get("/staff/account")
	p := b.post("/staff/logout", url.Values{"_csrf": {acc.csrf(t)}})
	if p.status != http.StatusSeeOther || p.location() != "/staff/login" {
		t.Fatalf("logout: %d %q", p.status, p.location())
	}
	if b.cookie("rd_session") != nil {
		t.Error("session cookie kept")
	}
	lp := b.get("/staff/login")
	if flash := htmlFirst(lp.doc, func(n *html.Node) bool { return htmlAttr(n, "class") == "flash" }); flash == nil || htmlTextSpaced(flash) != "Olet kirjautunut ulos." {
		t.Error("no signed-out message")
	}
	// The old cookie value is dead on the server, not just forgotten.
	thief := f.client(t)
	u, _ := url.Parse(f.base + "/staff/")
	thief.c.Jar.SetCookies(u, []*http.Cookie{{Name: "rd_session", Value: old, Path: "/staff"}})
	if thief.signedIn() {
		t.Fatal("the old session cookie still works after logout")
	}
	var revoked int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM staff_sessions WHERE revoked_at IS NOT NULL`).Scan(&revoked); err != nil || revoked != 1 {
		t.Fatalf("revoked sessions: %d, %v", revoked, err)
	}
}

func TestStaffRevokeAllSessions(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	f.addUser(t, "colleague@espoo.example", "", "fi", f.org.ID, workflow.RoleDPO)
	laptop, phone, colleague := f.client(t), f.client(t), f.client(t)
	laptop.mustLogin(f.email)
	phone.mustLogin(f.email)
	colleague.mustLogin("colleague@espoo.example")
	acc := laptop.get("/staff/account")
	p := laptop.post("/staff/account/revoke-all", url.Values{"_csrf": {acc.csrf(t)}})
	if p.status != http.StatusSeeOther || p.location() != "/staff/login" {
		t.Fatalf("revoke-all: %d %q", p.status, p.location())
	}
	if laptop.signedIn() || phone.signedIn() {
		t.Fatal("a session survived revoke-all")
	}
	if !colleague.signedIn() {
		t.Fatal("revoke-all ended another user's session")
	}
	lp := laptop.get("/staff/login")
	if flash := htmlFirst(lp.doc, func(n *html.Node) bool { return htmlAttr(n, "class") == "flash" }); flash == nil || htmlTextSpaced(flash) != f.env.Catalog.T("fi", "staff.account.revoked") {
		t.Error("no sessions-ended message")
	}
}

// CSRF (echo's double-submit token): a missing or wrong token is 403 and
// changes nothing.
func TestStaffCSRF(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	b := f.client(t)
	for _, tok := range []string{"", "forged-token"} {
		b.get("/staff/login") // has the CSRF cookie
		form := url.Values{"email": {f.email}, "password": {staffPW}}
		if tok != "" {
			form.Set("_csrf", tok)
		}
		if p := b.post("/staff/login", form); p.status != http.StatusForbidden {
			t.Fatalf("login with CSRF token %q: %d", tok, p.status)
		}
	}
	if n := stSessionRows(t, f.env); n != 0 || b.cookie("rd_session") != nil {
		t.Fatalf("a login without a CSRF token made a session (%d)", n)
	}
	// No CSRF cookie at all.
	fresh := f.client(t)
	if p := fresh.post("/staff/login", url.Values{"_csrf": {"x"}, "email": {f.email}, "password": {staffPW}}); p.status != http.StatusForbidden {
		t.Fatalf("login without the CSRF cookie: %d", p.status)
	}

	b.mustLogin(f.email)
	for _, path := range []string{"/staff/logout", "/staff/account/revoke-all"} {
		if p := b.post(path, url.Values{"_csrf": {"forged"}}); p.status != http.StatusForbidden {
			t.Errorf("%s with a forged token: %d", path, p.status)
		}
		if p := b.post(path, url.Values{}); p.status != http.StatusForbidden {
			t.Errorf("%s without a token: %d", path, p.status)
		}
	}
	if !b.signedIn() {
		t.Fatal("a forged sign-out ended the session")
	}
	var revoked int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM staff_sessions WHERE revoked_at IS NOT NULL`).Scan(&revoked); err != nil || revoked != 0 {
		t.Fatalf("revoked sessions after forged posts: %d, %v", revoked, err)
	}
}

func TestStaffLoginNext(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	b := f.client(t)
	p := b.get("/staff/account")
	if p.status != http.StatusSeeOther || p.location() != "/staff/login?next=%2Fstaff%2Faccount" {
		t.Fatalf("unauthenticated GET: %d %q", p.status, p.location())
	}
	// Unauthenticated POSTs are refused, not redirected.
	lp := b.get("/staff/login?next=%2Fstaff%2Faccount")
	if p := b.post("/staff/account/revoke-all", url.Values{"_csrf": {lp.csrf(t)}}); p.status != http.StatusForbidden {
		t.Fatalf("unauthenticated POST: %d", p.status)
	}
	next := htmlFirst(lp.doc, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "name") == "next" })
	if next == nil || htmlAttr(next, "value") != "/staff/account" {
		t.Fatal("login form does not carry next")
	}
	if p := b.login(f.email, staffPW, "/staff/account"); p.status != http.StatusSeeOther || p.location() != "/staff/account" {
		t.Fatalf("login with next: %d %q", p.status, p.location())
	}

	for _, evil := range []string{
		"https://evil.example/staff/",
		"//evil.example/staff/",
		"///evil.example",
		"/\\evil.example",
		"/staff\\..\\evil",
		"/staff/../evil",
		"/staff/%2e%2e/evil",
		"/staffevil",
		"staff/account",
		"javascript:alert(1)",
		"/staff/\r\nSet-Cookie: x=1",
		"/staff/login",
		"/staff/lang/en",
		"http:/staff/",
	} {
		b := f.client(t)
		lp := b.get("/staff/login?next=" + url.QueryEscape(evil))
		if n := htmlFirst(lp.doc, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "name") == "next" }); n != nil {
			t.Errorf("next %q rendered into the form", evil)
		}
		if p := b.login(f.email, staffPW, evil); p.location() != "/staff/" {
			t.Errorf("next %q: redirected to %q", evil, p.location())
		}
	}
}

func TestStaffLanguage(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	f.addUser(t, "berit@espoo.example", "Berit", "sv", f.org.ID, workflow.RoleAdmin)
	b := f.client(t)

	htmlLang := func(p htmlPage) string {
		return htmlAttr(htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "html") }), "lang")
	}
	h1 := func(p htmlPage) string {
		return htmlTextSpaced(htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "h1") }))
	}

	if p := b.get("/staff/login", "Accept-Language", "sv-FI,sv;q=0.9"); htmlLang(p) != "sv" || h1(p) != "Logga in" {
		t.Fatalf("Accept-Language sv: %q %q", htmlLang(p), h1(p))
	}
	// The user's own language when no cookie says otherwise.
	b.mustLogin("berit@espoo.example")
	if p := b.get("/staff/account"); htmlLang(p) != "sv" || h1(p) != "Mitt konto" {
		t.Fatalf("user language: %q %q", htmlLang(p), h1(p))
	}

	for _, tc := range []struct{ path, referer, want string }{
		{"/staff/lang/en", f.base + "/staff/account", "/staff/account"},
		{"/staff/lang/en", f.base + "/staff/login?next=%2Fstaff%2Faccount", "/staff/login?next=%2Fstaff%2Faccount"},
		{"/staff/lang/en", "https://evil.example/staff/account", "/staff/"},
		{"/staff/lang/en", f.base + "/fi/", "/staff/"},
		{"/staff/lang/en", f.base + "/staff/lang/sv", "/staff/"},
		{"/staff/lang/en", "", "/staff/"},
		{"/staff/lang/en?next=%2Fstaff%2Faccount", "", "/staff/account"},
		{"/staff/lang/en?next=%2F%2Fevil.example", "", "/staff/"},
	} {
		p := b.get(tc.path, "Referer", tc.referer)
		if p.status != http.StatusSeeOther || p.location() != tc.want {
			t.Errorf("%s from %q: %d %q, want %q", tc.path, tc.referer, p.status, p.location(), tc.want)
		}
	}
	c := b.cookie("rd_lang")
	if c == nil || c.Value != "en" {
		t.Fatalf("rd_lang cookie %+v", c)
	}
	if p := b.get("/staff/account"); htmlLang(p) != "en" || h1(p) != "Your account" {
		t.Fatalf("chosen language: %q %q", htmlLang(p), h1(p))
	}
	if p := b.get("/staff/lang/de"); p.status != http.StatusNotFound {
		t.Errorf("unknown language: %d", p.status)
	}
}

// D-20: /api/v1 takes "Authorization: Bearer <token>"; every use is
// audited with the route pattern, never the real path (D-18).
func TestAPITokenMiddleware(t *testing.T) {
	t.Parallel()
	f := newStaffFixture(t)
	srv := f.env.Server()
	srv.Echo().GET("/api/v1/probe/:id", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"org": api.APIOrg(c), "actor": api.APIActor(c)})
	}, api.RequireAPIToken(srv))
	tok, err := f.auth.AddAPIToken(f.env.Ctx, f.org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	call := func(auth string) (int, string, http.Header) {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/probe/secret-value", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code, strings.TrimSpace(rec.Body.String()), rec.Header()
	}
	for _, bad := range []string{"", "Bearer", "Bearer ", "Basic " + tok, tok, "Bearer rdt_nope", "Bearer " + tok + "x"} {
		code, body, hdr := call(bad)
		if code != http.StatusUnauthorized || !strings.Contains(body, `"error":"error.unauthorized"`) || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("Authorization %q: %d %s", bad, code, body)
		}
	}
	f.env.Clock.Advance(time.Minute)
	code, body, _ := call("Bearer " + tok)
	if code != http.StatusOK || body != `{"actor":"token:erp","org":`+strconv.FormatInt(f.org.ID, 10)+`}` {
		t.Fatalf("valid token: %d %s", code, body)
	}
	if code, _, _ := call("bearer  " + tok); code != http.StatusOK {
		t.Errorf("lower-case scheme: %d", code)
	}
	list, _ := f.auth.APITokens(f.env.Ctx, f.org.ID)
	if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(f.env.Clock.Now()) {
		t.Errorf("last_used_at %v", list[0].LastUsedAt)
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(f.env.Ctx, f.org.ID, 0)
	for _, ev := range trail {
		if ev.Action == "api_token.use" {
			t.Errorf("token use on the organisation's chain (D-20): %+v", ev)
		}
	}
	if err := f.auth.RevokeAPIToken(context.Background(), f.org.ID, "erp", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := call("Bearer " + tok); code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", code)
	}
}
