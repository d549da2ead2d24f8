package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Staff accounts in the web UI (issue 19): invitations, removal and
// forgotten passwords, through the real server, real PostgreSQL and the
// SMTP catcher, with the server's log captured.

// syncBuffer is a log sink shared by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// acctFixture is a staffFixture whose server logs into a buffer.
type acctFixture struct {
	*staffFixture
	log *syncBuffer
}

func newAcctFixture(t *testing.T) *acctFixture {
	t.Helper()
	env := testenv.New(t)
	buf := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.Logger, env.Workflow.Logger = logger, logger
	f := &staffFixture{env: env, base: env.HTTP().URL, org: env.Org("espoo", "Espoo", "Esbo", "fi"), email: "dpo@espoo.example"}
	f.auth = &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	f.addUser(t, f.email, "Dana Dpo", "fi", f.org.ID, workflow.RoleDPO)
	return &acctFixture{staffFixture: f, log: buf}
}

var linkPattern = regexp.MustCompile(`https?://[^/\s]+(/staff/(?:invite|reset)/[A-Za-z0-9_-]+)`)

// mailsTo delivers queued mail and returns the messages to addr, newest
// first.
func (f *acctFixture) mailsTo(t *testing.T, addr string) []mail.Caught {
	t.Helper()
	f.env.WorkAll()
	var out []mail.Caught
	for _, m := range f.env.Catcher.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

// linkIn is the path of the invitation or reset link in a mail.
func linkIn(t *testing.T, m mail.Caught) string {
	t.Helper()
	sm := linkPattern.FindStringSubmatch(m.Text)
	if sm == nil {
		t.Fatalf("no link in mail %q:\n%s", m.Subject, m.Text)
	}
	return sm[1]
}

// noSecrets fails when the server's log or any audit event holds one of
// the secrets (tokens, passwords, secrets, email addresses: D-25, rule 7).
func (f *acctFixture) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	logs := f.log.String()
	rows, err := f.env.Pool.Query(f.env.Ctx, `SELECT action, data::text FROM audit_events`)
	if err != nil {
		t.Fatal(err)
	}
	var audit strings.Builder
	for rows.Next() {
		var a, d string
		if err := rows.Scan(&a, &d); err != nil {
			t.Fatal(err)
		}
		audit.WriteString(a + " " + d + "\n")
	}
	rows.Close()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q", s)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("audit data holds %q", s)
		}
	}
}

func (f *acctFixture) auditActions(t *testing.T, orgID int64) []string {
	t.Helper()
	rows, err := f.env.Pool.Query(f.env.Ctx, `SELECT action FROM audit_events WHERE org_id = $1 AND case_id IS NULL ORDER BY seq`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func (b *stBrowser) postWithCSRF(pagePath, action string, form url.Values) htmlPage {
	b.t.Helper()
	p := b.get(pagePath)
	if p.status != http.StatusOK {
		b.t.Fatalf("GET %s = %d", pagePath, p.status)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", p.csrf(b.t))
	return b.post(action, form)
}

func (f *acctFixture) invite(t *testing.T, b *stBrowser, slug, email, role, lang string) htmlPage {
	t.Helper()
	page := "/staff/orgs/" + slug + "/staff"
	return b.postWithCSRF(page, page+"/invite", url.Values{"email": {email}, "role": {role}, "lang": {lang}})
}

func roleOf(t *testing.T, f *acctFixture, email string, orgID int64) string {
	t.Helper()
	var role string
	err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT m.role FROM memberships m JOIN staff_users u ON u.id = m.user_id
		WHERE lower(u.email) = lower($1) AND m.org_id = $2`, email, orgID).Scan(&role)
	if err != nil {
		return ""
	}
	return role
}

func TestInviteMailLinkPasswordSignsInWithRole(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	dpo := f.client(t)
	dpo.mustLogin(f.email)

	p := f.invite(t, dpo, "espoo", "Ville.Viewer@Espoo.example", workflow.RoleViewer, "sv")
	if p.status != http.StatusSeeOther || p.location() != "/staff/orgs/espoo/staff" {
		t.Fatalf("invite = %d to %q", p.status, p.location())
	}
	list := dpo.get("/staff/orgs/espoo/staff")
	// The form says what each role may do (walkthrough: three names and
	// nothing more).
	help := htmlByID(list.doc, "role-help")
	pageLang := htmlAttr(htmlFirst(list.doc, func(n *html.Node) bool { return htmlIs(n, "html") }), "lang")
	for _, role := range []string{workflow.RoleDPO, workflow.RoleViewer, workflow.RoleAdmin} {
		li := htmlFirst(help, func(n *html.Node) bool { return htmlIs(n, "li") && htmlAttr(n, "data-role") == role })
		if want := f.env.Catalog.T(pageLang, "staff.role."+role+".help"); li == nil || !strings.Contains(htmlText(li), want) {
			t.Errorf("role %s is not explained: %q", role, htmlText(li))
		}
	}
	inv := htmlByID(list.doc, "invites")
	if inv == nil || !strings.Contains(htmlText(inv), "ville.viewer@espoo.example") {
		t.Fatalf("the pending invitation is not listed: %s", htmlText(inv))
	}

	mails := f.mailsTo(t, "ville.viewer@espoo.example")
	if len(mails) != 1 {
		t.Fatalf("%d invitation mails, want 1", len(mails))
	}
	if !strings.Contains(mails[0].Subject, "Inbjudan") || !strings.Contains(mails[0].Text, "Esbo") {
		t.Errorf("the invitation is not in Swedish (the chosen language): %q\n%s", mails[0].Subject, mails[0].Text)
	}
	link := linkIn(t, mails[0])
	token := strings.TrimPrefix(link, "/staff/invite/")

	newb := f.client(t)
	page := newb.get(link)
	if page.status != http.StatusOK {
		t.Fatalf("GET invitation = %d", page.status)
	}
	if lang := htmlAttr(htmlFirst(page.doc, func(n *html.Node) bool { return htmlIs(n, "html") }), "lang"); lang != "sv" {
		t.Errorf("invitation page lang = %q, want sv", lang)
	}
	// The CLI's rules: at least 12 characters, typed twice alike.
	short := newb.post(link, url.Values{"_csrf": {page.csrf(t)}, "name": {"Ville"}, "password": {"short"}, "password2": {"short"}})
	if short.status != http.StatusUnprocessableEntity || newb.cookie("rd_session") != nil {
		t.Fatalf("short password = %d", short.status)
	}
	differ := newb.post(link, url.Values{"_csrf": {page.csrf(t)}, "name": {"Ville"}, "password": {"long enough password 1"}, "password2": {"long enough password 2"}})
	if differ.status != http.StatusUnprocessableEntity {
		t.Fatalf("differing passwords = %d", differ.status)
	}
	const pw = "a new long viewer password"
	ok := newb.post(link, url.Values{"_csrf": {page.csrf(t)}, "name": {"Ville Viewer"}, "password": {pw}, "password2": {pw}})
	if ok.status != http.StatusSeeOther || ok.location() != "/staff/" {
		t.Fatalf("accept = %d to %q, want 303 to /staff/", ok.status, ok.location())
	}
	if !newb.signedIn() {
		t.Fatal("not signed in after accepting the invitation")
	}
	if r := roleOf(t, f, "ville.viewer@espoo.example", f.org.ID); r != workflow.RoleViewer {
		t.Errorf("role = %q, want viewer", r)
	}
	// The new account signs in with its password, too.
	if p := f.client(t).login("ville.viewer@espoo.example", pw, ""); p.status != http.StatusSeeOther {
		t.Errorf("sign-in with the new password = %d", p.status)
	}
	// Single use: the link is refused now, in the invitation's language.
	again := f.client(t).get(link)
	if again.status != http.StatusGone {
		t.Fatalf("used link = %d, want 410", again.status)
	}
	if got, want := htmlText(htmlByID(again.doc, "link-reason")), f.env.Catalog.T("sv", "accounts.link.used"); got != want {
		t.Errorf("used link says %q, want %q", got, want)
	}
	if got := f.auditActions(t, f.org.ID); !containsAll(got, "staff.invite", "staff.invite_accept") {
		t.Errorf("audit actions = %v", got)
	}
	f.noSecrets(t, token, pw, "ville.viewer@espoo.example", "Ville Viewer")
}

// An invitation to an address that has an account already is accepted
// only by that account, signed in. The link alone once added the account
// to the inviting organisation: a DPO who saw the mail (the development
// mail page, a shared inbox) could add another organisation's DPO and,
// by removing the membership again, end all of that DPO's sessions at
// will (found by a cross-organisation probe).
func TestInviteOfExistingAccountNeedsItsSignIn(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	cat := f.env.Catalog
	vantaa := f.env.Org("vantaa", "Vantaa", "Vanda", "fi")
	const other = "dpo@vantaa.example"
	f.addUser(t, other, "Ville Vantaa", "fi", vantaa.ID, workflow.RoleDPO)
	victim := f.client(t)
	victim.mustLogin(other)

	dpo := f.client(t)
	dpo.mustLogin(f.email)
	if p := f.invite(t, dpo, "espoo", other, workflow.RoleViewer, "fi"); p.status != http.StatusSeeOther {
		t.Fatalf("invite = %d", p.status)
	}
	mails := f.mailsTo(t, other)
	if len(mails) != 1 {
		t.Fatalf("%d invitation mails", len(mails))
	}
	link := linkIn(t, mails[0])

	says := func(p htmlPage, key string) {
		t.Helper()
		if got, want := htmlText(htmlByID(p.doc, "invite-existing")), cat.T("fi", key); got != want {
			t.Errorf("the page says %q, want %q", got, want)
		}
	}
	hasAccept := func(p htmlPage) bool {
		return htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "button") && htmlAttr(n, "type") == "submit" }) != nil
	}
	// Signed out, and signed in as the inviting DPO: told to sign in as
	// the invited account, no button, and a POST changes nothing.
	for name, b := range map[string]*stBrowser{"signed out": f.client(t), "another account": dpo} {
		p := b.get(link)
		if p.status != http.StatusOK {
			t.Fatalf("%s: GET = %d", name, p.status)
		}
		if name == "signed out" {
			says(p, "accounts.invite.sign_in_first")
			if a := htmlByID(p.doc, "invite-sign-in"); htmlAttr(a, "href") != "/staff/login?next="+url.QueryEscape(link) {
				t.Errorf("sign-in link %q", htmlAttr(a, "href"))
			}
		} else {
			says(p, "accounts.invite.other_account")
		}
		if hasAccept(p) {
			t.Errorf("%s: the page offers to accept", name)
		}
		if r := b.post(link, url.Values{"_csrf": {p.csrf(t)}}); r.status != http.StatusForbidden {
			t.Errorf("%s: POST = %d, want 403", name, r.status)
		}
		if r := roleOf(t, f, other, f.org.ID); r != "" {
			t.Fatalf("%s: the account was added as %q without its sign-in", name, r)
		}
	}
	if !victim.signedIn() {
		t.Fatal("the invited account's session ended")
	}

	// The account itself, through the sign-in link: back to the
	// invitation, which it accepts; its session goes on.
	owner := f.client(t)
	if p := owner.login(other, staffPW, link); p.status != http.StatusSeeOther || p.location() != link {
		t.Fatalf("sign-in from the invitation = %d to %q, want back to it", p.status, p.location())
	}
	p := owner.get(link)
	says(p, "accounts.invite.existing")
	if !hasAccept(p) {
		t.Fatal("no button to accept")
	}
	if r := owner.post(link, url.Values{"_csrf": {p.csrf(t)}}); r.status != http.StatusSeeOther || r.location() != "/staff/" {
		t.Fatalf("accept = %d to %q", r.status, r.location())
	}
	if r := roleOf(t, f, other, f.org.ID); r != workflow.RoleViewer {
		t.Errorf("role = %q, want viewer", r)
	}
	if !owner.signedIn() || !victim.signedIn() {
		t.Error("accepting ended a session")
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestInviteLinksRefusedWithLocalizedPage(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	dpo := f.client(t)
	dpo.mustLogin(f.email)
	f.invite(t, dpo, "espoo", "late@espoo.example", workflow.RoleViewer, "en")
	f.invite(t, dpo, "espoo", "gone@espoo.example", workflow.RoleDPO, "fi")
	late := linkIn(t, f.mailsTo(t, "late@espoo.example")[0])
	gone := linkIn(t, f.mailsTo(t, "gone@espoo.example")[0])

	// Re-sending replaces the link: the first one stops working.
	list := dpo.get("/staff/orgs/espoo/staff")
	row := htmlFirst(list.doc, func(n *html.Node) bool {
		return htmlAttr(n, "data-invite") != "" && strings.Contains(htmlText(n), "gone@espoo.example")
	})
	if row == nil {
		t.Fatal("no invitation row for gone@")
	}
	id := htmlAttr(row, "data-invite")
	if p := dpo.post("/staff/orgs/espoo/staff/invites/"+id+"/resend", url.Values{"_csrf": {list.csrf(t)}}); p.status != http.StatusSeeOther {
		t.Fatalf("resend = %d", p.status)
	}
	ms := f.mailsTo(t, "gone@espoo.example")
	if len(ms) != 2 {
		t.Fatalf("%d mails to gone@ after re-sending, want 2", len(ms))
	}
	fresh := linkIn(t, ms[0])
	if fresh == gone {
		t.Fatal("re-sending kept the same link")
	}
	if p := f.client(t).get(gone); p.status != http.StatusNotFound {
		t.Errorf("replaced link = %d, want 404", p.status)
	}
	if p := f.client(t).get(fresh); p.status != http.StatusOK {
		t.Errorf("new link = %d, want 200", p.status)
	}
	// Revoked: refused.
	list = dpo.get("/staff/orgs/espoo/staff")
	row = htmlFirst(list.doc, func(n *html.Node) bool {
		return htmlAttr(n, "data-invite") != "" && strings.Contains(htmlText(n), "gone@espoo.example")
	})
	if p := dpo.post("/staff/orgs/espoo/staff/invites/"+htmlAttr(row, "data-invite")+"/revoke", url.Values{"_csrf": {list.csrf(t)}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke = %d", p.status)
	}
	if p := f.client(t).get(fresh); p.status != http.StatusNotFound {
		t.Errorf("revoked link = %d, want 404", p.status)
	}

	// Forged: a well-formed token nobody issued.
	forged := f.client(t).get("/staff/invite/" + strings.Repeat("A", 43))
	if forged.status != http.StatusNotFound || htmlByID(forged.doc, "link-reason") == nil {
		t.Errorf("forged token = %d, want the 404 link page", forged.status)
	}
	// Tampered: one character of a real token changed.
	flip := "A"
	if strings.HasSuffix(late, "A") {
		flip = "B"
	}
	tampered := late[:len(late)-1] + flip
	if p := f.client(t).get(tampered); p.status != http.StatusNotFound {
		t.Errorf("tampered token = %d, want 404", p.status)
	}

	// Expired after 7 days, in the invitation's language (en).
	f.env.Clock.Advance(workflow.InviteTTL + time.Second)
	b := f.client(t)
	exp := b.get(late, "Accept-Language", "fi")
	if exp.status != http.StatusGone {
		t.Fatalf("expired link = %d, want 410", exp.status)
	}
	if got, want := htmlText(htmlByID(exp.doc, "link-reason")), f.env.Catalog.T("en", "accounts.link.expired"); got != want {
		t.Errorf("expired link says %q, want %q", got, want)
	}
	// Posting to it creates nothing.
	lp := b.get("/staff/login")
	post := b.post(late, url.Values{"_csrf": {lp.csrf(t)}, "name": {"Late"}, "password": {"long enough password"}, "password2": {"long enough password"}})
	if post.status != http.StatusGone || roleOf(t, f, "late@espoo.example", f.org.ID) != "" {
		t.Errorf("posting to an expired link = %d", post.status)
	}
}

func TestViewerCannotInvite(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	f.addUser(t, "viewer@espoo.example", "Vera", "fi", f.org.ID, workflow.RoleViewer)
	b := f.client(t)
	b.mustLogin("viewer@espoo.example")
	if p := b.get("/staff/orgs/espoo/staff"); p.status != http.StatusForbidden {
		t.Errorf("viewer GET staff page = %d, want 403", p.status)
	}
	lp := b.get("/staff/account")
	p := b.post("/staff/orgs/espoo/staff/invite", url.Values{"_csrf": {lp.csrf(t)}, "email": {"x@espoo.example"}, "role": {"dpo"}, "lang": {"fi"}})
	if p.status != http.StatusForbidden {
		t.Errorf("viewer POST invite = %d, want 403", p.status)
	}
	if n := len(f.mailsTo(t, "x@espoo.example")); n != 0 {
		t.Errorf("%d invitation mails sent by a viewer", n)
	}
}

func TestDPOCannotSeeAnotherOrgsStaff(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	vantaa := f.env.Org("vantaa", "Vantaa", "Vanda", "fi")
	f.addUser(t, "dpo@vantaa.example", "Veikko", "fi", vantaa.ID, workflow.RoleDPO)
	var vid int64
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT id FROM staff_users WHERE email = 'dpo@vantaa.example'`).Scan(&vid); err != nil {
		t.Fatal(err)
	}
	b := f.client(t)
	b.mustLogin(f.email)
	p := b.get("/staff/orgs/vantaa/staff")
	if p.status != http.StatusNotFound || strings.Contains(p.body, "dpo@vantaa.example") {
		t.Errorf("espoo's DPO GET vantaa's staff = %d, want 404 without its staff", p.status)
	}
	lp := b.get("/staff/account")
	if p := b.post("/staff/orgs/vantaa/staff/invite", url.Values{"_csrf": {lp.csrf(t)}, "email": {"y@vantaa.example"}, "role": {"dpo"}, "lang": {"fi"}}); p.status != http.StatusNotFound {
		t.Errorf("espoo's DPO invites to vantaa = %d, want 404", p.status)
	}
	// Removing vantaa's DPO through espoo's page finds no such member.
	if p := b.post("/staff/orgs/espoo/staff/members/"+itoa(vid)+"/remove", url.Values{"_csrf": {lp.csrf(t)}}); p.status != http.StatusNotFound {
		t.Errorf("removing another organisation's member = %d, want 404", p.status)
	}
	if r := roleOf(t, f, "dpo@vantaa.example", vantaa.ID); r != workflow.RoleDPO {
		t.Errorf("vantaa's DPO role = %q after espoo's attempt", r)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestPlatformAdminInvitesFirstDPO(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	empty := f.env.Org("testikunta", "Testikunta", "Testkommun", "fi")
	f.addUser(t, "root@platform.example", "Root", "en", f.org.ID, workflow.RoleViewer)
	if err := f.auth.SetPlatformAdmin(f.env.Ctx, "root@platform.example", true); err != nil {
		t.Fatal(err)
	}
	b := f.client(t)
	b.mustLogin("root@platform.example")
	p := b.get("/staff/orgs/testikunta/staff")
	if p.status != http.StatusOK || htmlByID(p.doc, "no-members") == nil {
		t.Fatalf("platform admin GET an empty organisation's staff = %d (no-members shown: %v)", p.status, htmlByID(p.doc, "no-members") != nil)
	}
	if p := f.invite(t, b, "testikunta", "first.dpo@testikunta.example", workflow.RoleDPO, "fi"); p.status != http.StatusSeeOther {
		t.Fatalf("platform admin invites the first DPO = %d", p.status)
	}
	invite := f.mailsTo(t, "first.dpo@testikunta.example")[0]
	link := linkIn(t, invite)
	// On the embedded default the invitation is read in the dev mail
	// catcher: the platform admin finds it there (no member of the new
	// organisation exists to see it); another organisation's DPO does not.
	if p := b.get("/staff/mail"); !strings.Contains(p.body, "/staff/mail/"+invite.ID+`"`) {
		t.Error("the platform admin's dev mail list lacks the invitation")
	}
	if p := b.get("/staff/mail/" + invite.ID); p.status != http.StatusOK || !strings.Contains(p.body, link) {
		t.Errorf("platform admin opening the invitation in the dev mail = %d", p.status)
	}
	espooDPO := f.client(t)
	espooDPO.mustLogin(f.email)
	if p := espooDPO.get("/staff/mail/" + invite.ID); p.status != http.StatusNotFound {
		t.Errorf("espoo's DPO opening testikunta's invitation = %d, want 404", p.status)
	}
	nb := f.client(t)
	page := nb.get(link)
	const pw = "first dpo's long password"
	if p := nb.post(link, url.Values{"_csrf": {page.csrf(t)}, "name": {"Ensi"}, "password": {pw}, "password2": {pw}}); p.status != http.StatusSeeOther {
		t.Fatalf("accept = %d", p.status)
	}
	if r := roleOf(t, f, "first.dpo@testikunta.example", empty.ID); r != workflow.RoleDPO {
		t.Fatalf("role = %q, want dpo", r)
	}
	// The new DPO manages the organisation's staff in turn.
	if p := nb.get("/staff/orgs/testikunta/staff"); p.status != http.StatusOK {
		t.Errorf("new DPO GET staff page = %d", p.status)
	}
	// The platform admin's viewer role in espoo does not open espoo's page.
	if p := b.get("/staff/orgs/espoo/staff"); p.status != http.StatusOK {
		t.Errorf("platform admin GET espoo staff = %d (a platform administrator sees every organisation's staff)", p.status)
	}

	// But it invites only a first DPO, and never its own account: either
	// would make it a member of an organisation and let it read the
	// requests D-29 keeps from it (found by a cross-organisation probe).
	// Testikunta has its DPO now; a third organisation has none.
	cat := f.env.Catalog
	if p := f.invite(t, b, "testikunta", "second@platform.example", workflow.RoleDPO, "fi"); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(htmlText(p.doc), cat.T("en", "accounts.invite.admin_has_dpo")) {
		t.Errorf("platform admin inviting into an organisation with a DPO = %d", p.status)
	}
	f.env.Org("kolmas", "Kolmas", "Tredje", "fi")
	if p := f.invite(t, b, "kolmas", "ROOT@platform.example", workflow.RoleDPO, "fi"); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(htmlText(p.doc), cat.T("en", "accounts.invite.admin_self")) {
		t.Errorf("platform admin inviting itself = %d", p.status)
	}
	if n := len(f.mailsTo(t, "second@platform.example")) + len(f.mailsTo(t, "root@platform.example")); n != 0 {
		t.Errorf("%d invitations sent", n)
	}
	// Nor does it remove the staff of an organisation with its own DPO.
	var dpoID int64
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT id FROM staff_users WHERE email = 'first.dpo@testikunta.example'`).Scan(&dpoID); err != nil {
		t.Fatal(err)
	}
	if p := b.postWithCSRF("/staff/orgs/testikunta/staff", "/staff/orgs/testikunta/staff/members/"+strconv.FormatInt(dpoID, 10)+"/remove", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("platform admin removing testikunta's DPO = %d", p.status)
	}
	if r := roleOf(t, f, "first.dpo@testikunta.example", empty.ID); r != workflow.RoleDPO {
		t.Errorf("testikunta's DPO's role is now %q", r)
	}
}

func TestRemoveMemberEndsSessionsAndDisables(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	f.addUser(t, "leaver@espoo.example", "Leo", "fi", f.org.ID, workflow.RoleViewer)
	leaver := f.client(t)
	leaver.mustLogin("leaver@espoo.example")
	dpo := f.client(t)
	dpo.mustLogin(f.email)
	list := dpo.get("/staff/orgs/espoo/staff")
	row := htmlFirst(list.doc, func(n *html.Node) bool {
		return htmlAttr(n, "data-user") != "" && strings.Contains(htmlText(n), "leaver@espoo.example")
	})
	if row == nil {
		t.Fatal("leaver not listed")
	}
	// The DPO's own row has no remove button.
	self := htmlFirst(list.doc, func(n *html.Node) bool {
		return htmlAttr(n, "data-user") != "" && strings.Contains(htmlText(n), f.email)
	})
	if htmlFirst(self, func(n *html.Node) bool { return htmlIs(n, "form") }) != nil {
		t.Error("the DPO's own row offers removal")
	}
	p := dpo.post("/staff/orgs/espoo/staff/members/"+htmlAttr(row, "data-user")+"/remove", url.Values{"_csrf": {list.csrf(t)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("remove = %d", p.status)
	}
	if leaver.signedIn() {
		t.Error("the removed member's session still works")
	}
	if p := f.tryLogin(t, "leaver@espoo.example", staffPW); p.status != http.StatusUnauthorized {
		t.Errorf("removed member signs in = %d, want 401 (account disabled)", p.status)
	}
	if got := f.auditActions(t, f.org.ID); !containsAll(got, "staff.remove") {
		t.Errorf("audit actions = %v", got)
	}
}

// resetAnswer is the part of the reset answer a person sees, without the
// per-browser CSRF token.
func resetAnswer(p htmlPage) string {
	return htmlText(htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "main") }))
}

func (f *acctFixture) askReset(t *testing.T, b *stBrowser, email string) htmlPage {
	t.Helper()
	return b.postWithCSRF("/staff/reset", "/staff/reset", url.Values{"email": {email}})
}

func TestResetKnownAndUnknownAnswerAlike(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	known := f.askReset(t, f.client(t), f.email)
	unknown := f.askReset(t, f.client(t), "nobody@espoo.example")
	if known.status != http.StatusOK || unknown.status != known.status {
		t.Fatalf("statuses known %d, unknown %d", known.status, unknown.status)
	}
	if a, b := resetAnswer(known), resetAnswer(unknown); a != b || htmlByID(known.doc, "reset-sent") == nil {
		t.Errorf("answers differ:\nknown:   %s\nunknown: %s", a, b)
	}
	if strings.Contains(known.body, f.email) {
		t.Error("the answer echoes the address")
	}
	// The same work was done: one request row and one job each.
	var rows, jobs int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT (SELECT count(*) FROM password_reset_requests WHERE email_enc IS NOT NULL),
		(SELECT count(*) FROM river_job WHERE kind = 'password_reset')`).Scan(&rows, &jobs); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || jobs != 2 {
		t.Errorf("requests %d, jobs %d, want 2 and 2", rows, jobs)
	}
	if n := len(f.mailsTo(t, f.email)); n != 1 {
		t.Errorf("%d mails to the known address, want 1", n)
	}
	if n := len(f.mailsTo(t, "nobody@espoo.example")); n != 0 {
		t.Errorf("%d mails to the unknown address, want 0", n)
	}
	// The typed addresses are forgotten once the job ran.
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM password_reset_requests WHERE email_enc IS NOT NULL`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("encrypted addresses kept: %d (%v)", rows, err)
	}
	f.noSecrets(t, f.email, "nobody@espoo.example")
}

func TestResetLinkSetsPasswordAndEndsOtherSessions(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	other := f.client(t)
	other.mustLogin(f.email)

	b := f.client(t)
	f.askReset(t, b, f.email)
	ms := f.mailsTo(t, f.email)
	if len(ms) != 1 {
		t.Fatalf("%d reset mails", len(ms))
	}
	link := linkIn(t, ms[0])
	token := strings.TrimPrefix(link, "/staff/reset/")
	page := b.get(link)
	if page.status != http.StatusOK {
		t.Fatalf("GET reset link = %d", page.status)
	}
	if p := b.post(link, url.Values{"_csrf": {page.csrf(t)}, "password": {"short"}, "password2": {"short"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("short password = %d", p.status)
	}
	const pw = "the brand new password"
	p := b.post(link, url.Values{"_csrf": {page.csrf(t)}, "password": {pw}, "password2": {pw}})
	if p.status != http.StatusSeeOther || p.location() != "/staff/" {
		t.Fatalf("set password = %d to %q", p.status, p.location())
	}
	if !b.signedIn() {
		t.Error("not signed in after setting the password")
	}
	if other.signedIn() {
		t.Error("the other session still works after the reset")
	}
	if p := f.tryLogin(t, f.email, staffPW); p.status != http.StatusUnauthorized {
		t.Errorf("old password = %d, want 401", p.status)
	}
	if p := f.client(t).login(f.email, pw, ""); p.status != http.StatusSeeOther {
		t.Errorf("new password = %d, want 303", p.status)
	}
	if p := f.client(t).get(link); p.status != http.StatusGone {
		t.Errorf("used reset link = %d, want 410", p.status)
	}
	if got := f.auditActions(t, f.org.ID); !containsAll(got, "staff.password_reset") {
		t.Errorf("audit actions = %v", got)
	}
	f.noSecrets(t, token, pw, f.email)
}

func TestResetLinkExpiresAfterAnHour(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	f.askReset(t, f.client(t), f.email)
	link := linkIn(t, f.mailsTo(t, f.email)[0])
	f.env.Clock.Advance(workflow.ResetTTL + time.Second)
	p := f.client(t).get(link)
	if p.status != http.StatusGone {
		t.Fatalf("expired reset link = %d, want 410", p.status)
	}
	if got, want := htmlText(htmlByID(p.doc, "link-reason")), f.env.Catalog.T("fi", "accounts.link.expired"); got != want {
		t.Errorf("expired reset link says %q, want %q", got, want)
	}
}

func TestResetRateLimitedPerAddressAndIP(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	b := f.client(t)
	for i := 0; i < workflow.ResetPerEmail+2; i++ {
		if p := f.askReset(t, b, f.email); p.status != http.StatusOK {
			t.Fatalf("request %d = %d", i+1, p.status)
		}
	}
	// Over the per-address limit the answer stays the same but no more
	// links are sent.
	if n := len(f.mailsTo(t, f.email)); n != workflow.ResetPerEmail {
		t.Errorf("%d reset mails, want %d", n, workflow.ResetPerEmail)
	}
	for i := workflow.ResetPerEmail + 2; i < workflow.ResetPerIP; i++ {
		f.askReset(t, b, "someone"+itoa(int64(i))+"@espoo.example")
	}
	p := f.askReset(t, b, "another@espoo.example")
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("request over the address limit = %d (Retry-After %q), want 429", p.status, p.header.Get("Retry-After"))
	}
	f.env.Clock.Advance(workflow.ResetWindow + time.Second)
	if p := f.askReset(t, b, "another@espoo.example"); p.status != http.StatusOK {
		t.Errorf("after the window = %d, want 200", p.status)
	}
}

// The development mail page is for staff who can act: a read-only viewer
// who opened an administrator's invitation there became an administrator
// (found in a walkthrough), and owners' task links and requesters' codes
// act too. A viewer sees none of the organisation's mail and is not
// offered the page; its DPO still reads it all.
func TestDevMailNotShownToViewers(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	f.addUser(t, "lasse.lukija@espoo.example", "Lasse Lukija", "fi", f.org.ID, workflow.RoleViewer)
	dpo := f.client(t)
	dpo.mustLogin(f.email)
	if p := f.invite(t, dpo, "espoo", "new.admin@espoo.example", workflow.RoleAdmin, "fi"); p.status != http.StatusSeeOther {
		t.Fatalf("invite = %d", p.status)
	}
	invite := f.mailsTo(t, "new.admin@espoo.example")[0]
	if p := dpo.get("/staff/mail/" + invite.ID); p.status != http.StatusOK {
		t.Errorf("the DPO opening the invitation = %d, want 200", p.status)
	}
	if p := dpo.get("/staff/"); !strings.Contains(p.body, `href="/staff/mail"`) {
		t.Error("the DPO's navigation lacks the mail page")
	}
	viewer := f.client(t)
	viewer.mustLogin("lasse.lukija@espoo.example")
	if p := viewer.get("/staff/mail/" + invite.ID); p.status != http.StatusNotFound {
		t.Errorf("a viewer opening an administrator's invitation = %d, want 404", p.status)
	}
	if p := viewer.get("/staff/mail"); strings.Contains(p.body, "/staff/mail/") {
		t.Error("a viewer's mail list shows messages")
	}
	if p := viewer.get("/staff/"); strings.Contains(p.body, `href="/staff/mail"`) {
		t.Error("a viewer is offered the mail page")
	}
}

// A staff user's language switch is their language for mail too (breach
// reminders, escalations): the switch changed only the pages, and mail
// stayed in the language of the invitation (found in a walkthrough).
// Signed out, the switch changes nobody's account.
func TestStaffLanguageSwitchSetsMailLanguage(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	lang := func() string {
		t.Helper()
		var l string
		if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT lang FROM staff_users WHERE email = $1`, f.email).Scan(&l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	anon := f.client(t)
	if p := anon.get("/staff/lang/sv"); p.status != http.StatusSeeOther || lang() != "fi" {
		t.Fatalf("signed out switch = %d, account language %q", p.status, lang())
	}
	dpo := f.client(t)
	dpo.mustLogin(f.email)
	if p := dpo.get("/staff/lang/sv"); p.status != http.StatusSeeOther {
		t.Fatalf("switch = %d", p.status)
	}
	if got := lang(); got != "sv" {
		t.Errorf("account language after switching to Swedish = %q", got)
	}
}
