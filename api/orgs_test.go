package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Organisations in the web UI (issue 19, D-29): the platform administrator
// creates them, each one's DPO edits its settings, and every organisation
// has the service's own privacy notice.

// addPlatformAdmin creates an account that is a platform administrator and
// a member of no organisation.
func (f *scFx) addPlatformAdmin(email string) {
	f.t.Helper()
	hash, err := workflow.HashPassword(scPassword, f.env.Config.Argon2Memory, f.env.Config.Argon2Time)
	if err != nil {
		f.t.Fatal(err)
	}
	q := store.New(f.env.Pool)
	id, err := q.InsertStaffUser(f.env.Ctx, store.StaffUser{Email: email, Name: "Pia Platform", PasswordHash: hash, Lang: "en", CreatedAt: f.env.Clock.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := q.SetPlatformAdmin(f.env.Ctx, id, true); err != nil {
		f.t.Fatal(err)
	}
}

// inputValue is the value of the form control named name (a textarea's
// text).
func inputValue(t *testing.T, doc *html.Node, name string) string {
	t.Helper()
	n := htmlFirst(doc, func(n *html.Node) bool {
		return (htmlIs(n, "input") || htmlIs(n, "textarea")) && htmlAttr(n, "name") == name && htmlAttr(n, "type") != "hidden"
	})
	if n == nil {
		t.Fatalf("no field %q", name)
	}
	if htmlIs(n, "textarea") {
		if n.FirstChild == nil {
			return ""
		}
		return n.FirstChild.Data // as typed, line breaks and all
	}
	return htmlAttr(n, "value")
}

func fieldError(doc *html.Node, name string) string { return htmlText(htmlByID(doc, "e-"+name)) }

// testikunta is the creation form of "Testikunta" (a new map each time:
// posting adds the client's _csrf to it).
func testikunta() url.Values {
	return url.Values{
		"slug": {"testikunta"}, "name-fi": {"Testikunta"}, "name-sv": {"Testkommun"}, "primary": {"fi"},
		"business-id": {"0100000-2"}, "dpo-name": {"Tiina Tietosuoja"}, "dpo-email": {"tietosuoja@testikunta.test"},
		"privacy-email": {"kirjaamo@testikunta.test"}, "has-bilingual": {"1"}, "bilingual": {"1"}, "has-eves-non-working": {"1"},
	}
}

func TestPlatformAdminCreatesOrganisation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.addPlatformAdmin("pia@platform.test")
	admin := f.login(t, "pia@platform.test")

	p := admin.get("/staff/admin/orgs")
	if p.status != http.StatusOK {
		t.Fatalf("admin page = %d", p.status)
	}
	// The primary language preselected is the administrator's own (fi
	// unless Swedish).
	checked := func(p htmlPage) string {
		for _, l := range []string{"fi", "sv"} {
			if htmlHasAttr(htmlByID(p.doc, "f-primary-"+l), "checked") {
				return l
			}
		}
		return ""
	}
	if got := checked(p); got != "fi" {
		t.Errorf("en: primary %q preselected, want fi", got)
	}
	admin.get("/staff/lang/sv")
	if got := checked(admin.get("/staff/admin/orgs")); got != "sv" {
		t.Errorf("sv: primary %q preselected, want sv", got)
	}
	admin.get("/staff/lang/en")
	if htmlByID(p.doc, "nav-orgs") == nil {
		t.Error("no Organisations link in the staff navigation")
	}
	// The account page (second factor, sign out everywhere) is reachable
	// from every staff page, not only by typing its address.
	if a := htmlByID(p.doc, "nav-account"); a == nil || htmlAttr(a, "href") != "/staff/account" {
		t.Error("no link to the account page in the staff navigation")
	}

	// Invalid slug and business id (its check digit): 422, a localized
	// message per field, every other value kept.
	bad := testikunta()
	bad.Set("slug", "Testi Kunta")
	bad.Set("business-id", "0100000-1")
	p = admin.post("/staff/admin/orgs", bad)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid create = %d: %.600s", p.status, p.body)
	}
	if got, want := fieldError(p.doc, "slug"), f.env.Catalog.T("en", "orgs.error.slug"); got != want {
		t.Errorf("slug error %q, want %q", got, want)
	}
	if got, want := fieldError(p.doc, "business-id"), f.env.Catalog.T("en", "orgs.error.business-id"); got != want {
		t.Errorf("business id error %q, want %q", got, want)
	}
	if got := p.summary(); len(got) != 2 || !strings.HasPrefix(got[0], "#f-slug:") || !strings.HasPrefix(got[1], "#f-business-id:") {
		t.Errorf("error summary %q", got)
	}
	// The new organisation's form has no logo field to choose again.
	if summary := htmlText(htmlByID(p.doc, "error-summary")); !strings.Contains(summary, f.env.Catalog.T("en", "orgs.form.kept")) || strings.Contains(summary, f.env.Catalog.T("en", "orgs.form.kept_logo")) {
		t.Errorf("error summary %q", summary)
	}
	for _, name := range []string{"slug", "name-fi", "name-sv", "business-id", "dpo-name", "dpo-email", "privacy-email"} {
		if got := inputValue(t, p.doc, name); got != bad.Get(name) {
			t.Errorf("%s lost: %q, want %q", name, got, bad.Get(name))
		}
	}
	if orgs, _ := store.New(f.env.Pool).Orgs(f.env.Ctx); len(orgs) != 2 {
		t.Fatalf("an invalid form created an organisation: %d", len(orgs))
	}

	// Valid: created, audited, listed with the link to invite its DPO.
	p = admin.post("/staff/admin/orgs", testikunta())
	if p.status != http.StatusSeeOther {
		t.Fatalf("create = %d: %v", p.status, p.summary())
	}
	o, err := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, "testikunta")
	if err != nil {
		t.Fatal(err)
	}
	if o.NameSV != "Testkommun" || o.BusinessID != "0100000-2" || !o.Bilingual || o.EvesNonWorking || o.RetentionYears != 2 {
		t.Errorf("stored %+v", o)
	}
	p = admin.get("/staff/admin/orgs")
	row := htmlByID(p.doc, "org-testikunta")
	if row == nil {
		t.Fatal("the new organisation is not listed")
	}
	invite := htmlFirst(row, func(n *html.Node) bool { return htmlHasClass(n, "invite") })
	if htmlAttr(invite, "href") != "/staff/orgs/testikunta/staff" {
		t.Errorf("invite link %q", htmlAttr(invite, "href"))
	}
	// The link invites the first DPO only where there is none: Espoo has
	// one, and its link is to its staff.
	if got, want := htmlText(invite), f.env.Catalog.T("en", "orgs.admin.invite"); got != want {
		t.Errorf("testikunta's link %q, want %q", got, want)
	}
	espoo := htmlFirst(htmlByID(p.doc, "org-espoo"), func(n *html.Node) bool { return htmlHasClass(n, "invite") })
	if got, want := htmlText(espoo), f.env.Catalog.T("en", "accounts.staff.title"); got != want {
		t.Errorf("espoo's link %q, want %q (it has a DPO)", got, want)
	}
	// Its invitation form offers the DPO's role first; Espoo's the least.
	selectedRole := func(path string) string {
		sel := htmlByID(admin.get(path).doc, "role")
		opt := htmlFirst(sel, func(n *html.Node) bool {
			return n.Data == "option" && slices.ContainsFunc(n.Attr, func(a html.Attribute) bool { return a.Key == "selected" })
		})
		return htmlAttr(opt, "value")
	}
	if got := selectedRole("/staff/orgs/testikunta/staff"); got != workflow.RoleDPO {
		t.Errorf("testikunta's invitation role %q, want dpo", got)
	}
	if got := selectedRole("/staff/orgs/espoo/staff"); got != workflow.RoleViewer {
		t.Errorf("espoo's invitation role %q, want viewer", got)
	}
	var actions []string
	rows, err := f.env.Pool.Query(f.env.Ctx, `SELECT action FROM audit_events WHERE org_id = $1`, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	if !slices.Contains(actions, "org.created") {
		t.Errorf("audit %v", actions)
	}

	// The same slug again: refused, never reused.
	p = admin.post("/staff/admin/orgs", testikunta())
	if p.status != http.StatusUnprocessableEntity || fieldError(p.doc, "slug") != f.env.Catalog.T("en", "orgs.error.slug.taken") {
		t.Errorf("second create = %d, %q", p.status, fieldError(p.doc, "slug"))
	}

	// Its DPO address is set, its catalogue empty: not yet open
	// (TestNewOrganisationOpensWhenReady); with a register it is on the
	// home page, with a working portal in fi and sv.
	anon := &scClient{t: t, base: f.base, c: newJarClient()}
	if strings.Contains(htmlText(anon.get("/fi/").doc), "Testikunta") {
		t.Error("the new organisation is on the home page before it has registers")
	}
	f.env.Register(o.ID, "Asiakasrekisteri", "e", "")
	home := anon.get("/fi/")
	if !strings.Contains(htmlText(home.doc), "Testikunta") {
		t.Error("the new organisation is not on the home page")
	}
	for _, path := range []string{"/fi/o/testikunta/", "/sv/o/testikunta/", "/fi/o/testikunta/request", "/fi/o/testikunta/privacy"} {
		if p := anon.get(path); p.status != http.StatusOK {
			t.Errorf("%s = %d", path, p.status)
		}
	}
	form := anon.get("/fi/o/testikunta/request")
	if a := htmlFirst(htmlByID(form.doc, "privacy-notice-link"), func(n *html.Node) bool { return htmlIs(n, "a") }); htmlAttr(a, "href") != "/fi/o/testikunta/privacy" {
		t.Error("the request form does not link the privacy notice")
	}
	if htmlAttr(htmlByID(form.doc, "footer-privacy"), "href") != "/fi/o/testikunta/privacy" {
		t.Error("the footer does not link the privacy notice")
	}

	// The platform administrator sees no organisation's requests (D-29).
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", nil)
	if p := admin.get("/staff/cases/" + sub.Receipt); p.status != http.StatusNotFound {
		t.Errorf("platform admin opened another organisation's case: %d", p.status)
	}
	if dash := admin.get("/staff/"); strings.Contains(dash.body, sub.Receipt) {
		t.Error("platform admin's dashboard lists a case")
	}
}

// A new organisation is set up unseen: residents neither find it nor file
// requests to it until its catalogue has a register and its settings have
// the DPO's address (shown to residents, Art 37(7), and where notices
// about requests go). A DPO account alone is not enough. The
// administrator's list and the catalogue say what is missing. Requests
// already made keep their pages whatever happens later.
func TestNewOrganisationOpensWhenReady(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat := f.env.Catalog
	f.addPlatformAdmin("pia@platform.test")
	admin := f.login(t, "pia@platform.test")
	form := testikunta()
	form.Set("dpo-email", "") // no DPO address yet
	if p := admin.post("/staff/admin/orgs", form); p.status != http.StatusSeeOther {
		t.Fatalf("create = %d: %v", p.status, p.summary())
	}
	o, err := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, "testikunta")
	if err != nil {
		t.Fatal(err)
	}
	openCell := func() string {
		t.Helper()
		row := htmlByID(admin.get("/staff/admin/orgs").doc, "org-testikunta")
		return htmlTextSpaced(htmlFirst(row, func(n *html.Node) bool { return htmlHasClass(n, "org-open") }))
	}
	// A resident's browser, with a CSRF token from an open organisation's
	// form (a form of this one cannot be loaded while it is closed).
	anon := &scClient{t: t, base: f.base, c: newJarClient()}
	anon.csrf, _ = htmlCSRF(anon.get("/fi/o/espoo/request").doc)
	if anon.csrf == "" {
		t.Fatal("no CSRF token on espoo's form")
	}
	request := url.Values{"rights": {"access"}, "scope": {"all"}, "name": {"Maija Meikäläinen"},
		"email": {"maija@example.test"}, "reply_lang": {"fi"}, "delivery": {"electronic"}, "behalf": {"self"}, "op": {"send"}}
	casesOf := func() int {
		var n int
		if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, o.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	closed := func(step string) {
		t.Helper()
		if strings.Contains(htmlText(anon.get("/fi/").doc), "Testikunta") {
			t.Errorf("%s: listed on the home page", step)
		}
		for _, lang := range []string{"fi", "sv"} {
			for _, path := range []string{"/" + lang + "/o/testikunta/", "/" + lang + "/o/testikunta/request"} {
				p := anon.get(path)
				if got, want := htmlText(htmlByID(p.doc, "error-message")), cat.T(lang, "error.org_not_open"); p.status != http.StatusNotFound || got != want {
					t.Errorf("%s: %s = %d %q, want 404 %q", step, path, p.status, got, want)
				}
			}
		}
		// A form sent anyway (a page kept open): told that nothing was stored.
		p := anon.post("/fi/o/testikunta/request", request)
		if got, want := htmlText(htmlByID(p.doc, "error-message")), cat.T("fi", "error.org_not_open_post"); p.status != http.StatusNotFound || got != want {
			t.Errorf("%s: POST = %d %q, want 404 %q", step, p.status, got, want)
		}
		if n := casesOf(); n != 0 {
			t.Errorf("%s: %d cases stored", step, n)
		}
	}
	want := func(step string, parts ...string) {
		t.Helper()
		if got, want := openCell(), strings.Join(parts, " "); got != want {
			t.Errorf("%s: the administrator's list says %q, want %q", step, got, want)
		}
	}

	closed("new")
	want("new", cat.T("en", "orgs.open.no"), cat.T("en", "orgs.open.need_registers"), cat.T("en", "orgs.open.need_dpo"))

	f.env.Register(o.ID, "Asiakasrekisteri", "e", "")
	closed("with a register")
	want("with a register", cat.T("en", "orgs.open.no"), cat.T("en", "orgs.open.need_dpo"))

	// The first DPO's account does not open it: residents would not see
	// whom to contact, and notices would go nowhere.
	f.addUser("dpo@testikunta.test", "Tiina Tietosuoja", o.ID, workflow.RoleDPO)
	closed("with a DPO account")
	want("with a DPO account", cat.T("en", "orgs.open.no"), cat.T("en", "orgs.open.need_dpo"))
	member := f.login(t, "dpo@testikunta.test")
	note := htmlFirst(member.get("/staff/registers?org=testikunta").doc, func(n *html.Node) bool { return htmlHasClass(n, "org-not-open") })
	if got := htmlTextSpaced(note); !strings.Contains(got, cat.T("en", "orgs.open.need_dpo")) || strings.Contains(got, cat.T("en", "orgs.open.need_registers")) {
		t.Errorf("the catalogue's note %q", got)
	}

	// The DPO's address in the settings opens it.
	setDPOEmail := func(addr string) {
		t.Helper()
		q := store.New(f.env.Pool)
		cur, err := q.OrgByID(f.env.Ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.DPOEmail = addr
		if err := q.UpdateOrg(f.env.Ctx, cur); err != nil {
			t.Fatal(err)
		}
	}
	setDPOEmail("tietosuoja@testikunta.test")
	want("open", cat.T("en", "orgs.open.yes"))
	if htmlFirst(member.get("/staff/registers?org=testikunta").doc, func(n *html.Node) bool { return htmlHasClass(n, "org-not-open") }) != nil {
		t.Error("an open organisation's catalogue says it is not open")
	}
	if !strings.Contains(htmlText(anon.get("/fi/").doc), "Testikunta") {
		t.Error("open, but not on the home page")
	}
	for _, path := range []string{"/fi/o/testikunta/", "/sv/o/testikunta/", "/fi/o/testikunta/request"} {
		if p := anon.get(path); p.status != http.StatusOK {
			t.Errorf("open: %s = %d", path, p.status)
		}
	}
	if p := anon.post("/fi/o/testikunta/request", request); p.status != http.StatusSeeOther {
		t.Fatalf("open: POST = %d %v", p.status, p.summary())
	}
	if n := casesOf(); n != 1 {
		t.Fatalf("open: %d cases stored, want 1", n)
	}
	confirm := "/fi/o/testikunta/confirm"
	if p := anon.get(confirm); p.status != http.StatusOK {
		t.Fatalf("open: %s = %d", confirm, p.status)
	}

	// The address removed: closed again; the request already made keeps
	// its code and status pages.
	setDPOEmail("")
	want("address removed", cat.T("en", "orgs.open.no"), cat.T("en", "orgs.open.need_dpo"))
	if p := anon.get("/fi/o/testikunta/request"); p.status != http.StatusNotFound {
		t.Errorf("address removed: the form = %d", p.status)
	}
	if p := anon.get(confirm); p.status != http.StatusOK {
		t.Errorf("address removed: the code page of the request made = %d", p.status)
	}
	if p := anon.get("/fi/o/testikunta/status"); p.status != http.StatusOK {
		t.Errorf("address removed: the status page = %d", p.status)
	}
}

// newJarClient is a signed-out browser.
func newJarClient() *http.Client { return testenv.Client() }

func TestOrgPagesRefuseOthers(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	// A DPO is not a platform administrator: 403 on the admin pages.
	if p := dpo.get("/staff/admin/orgs"); p.status != http.StatusForbidden {
		t.Errorf("DPO on admin page = %d", p.status)
	}
	if p := dpo.post("/staff/admin/orgs", testikunta()); p.status != http.StatusForbidden {
		t.Errorf("DPO creating = %d", p.status)
	}
	if _, err := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, "testikunta"); err == nil {
		t.Error("a DPO created an organisation")
	}
	// Org A's DPO cannot open or change org B's settings.
	if p := dpo.get("/staff/orgs/" + f.org2.Slug + "/settings"); p.status != http.StatusNotFound {
		t.Errorf("other org's settings = %d", p.status)
	}
	if p := dpo.post("/staff/orgs/"+f.org2.Slug+"/settings", url.Values{"name-fi": {"Hacked"}}); p.status != http.StatusNotFound {
		t.Errorf("other org's settings post = %d", p.status)
	}
	if o, _ := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, f.org2.Slug); o.NameFI != f.org2.NameFI {
		t.Error("org B's settings changed")
	}
	// A viewer of A cannot either.
	viewer := f.login(t, f.viewer)
	if p := viewer.get("/staff/orgs/" + f.org.Slug + "/settings"); p.status != http.StatusNotFound {
		t.Errorf("viewer's settings = %d", p.status)
	}
	// Signed out: to the sign-in page.
	anon := &scClient{t: t, base: f.base, c: newJarClient()}
	if p := anon.get("/staff/admin/orgs"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/staff/login") {
		t.Errorf("signed out = %d %s", p.status, p.location())
	}
}

// settingsForm is the whole settings form for f.org with the given changes.
func settingsForm(o store.Org, change map[string]string) url.Values {
	v := url.Values{
		"name-fi": {o.NameFI}, "name-sv": {o.NameSV}, "name-en": {"City of Espoo"}, "primary": {o.PrimaryLang},
		"business-id": {"0101263-6"}, "dpo-name": {"Dana Dpo"}, "dpo-email": {"dpo@espoo.test"}, "dpo-phone": {"+358 9 816 21"},
		"privacy-email": {o.PrivacyEmail}, "postal-address": {"PL 12\n02070 Espoon kaupunki"},
		"a11y-supervisor": {"Liikenne- ja viestintävirasto Traficom, saavutettavuusvalvonta"},
		"retention-years": {"5"}, "has-bilingual": {"1"}, "bilingual": {"1"}, "has-eves-non-working": {"1"}, "eves-non-working": {"1"},
	}
	for k, x := range change {
		v.Set(k, x)
	}
	return v
}

// postSettings sends the settings form as multipart with an optional logo.
func (c *scClient) postSettings(path string, form url.Values, logoName string, logo []byte) htmlPage {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	form.Set("_csrf", c.csrf)
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, err := w.CreateFormFile("logo", logoName)
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write(logo)
	if err := w.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	// A text chunk after the image data: re-encoding must drop it.
	out := b.Bytes()
	return append(out[:len(out)-12], append(pngChunk("tEXt", []byte("Comment\x00secret")), out[len(out)-12:]...)...)
}

func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// A privacy address routes emailed requests to its organisation, so a
// DPO could once take another organisation's published address for their
// own and receive its residents' requests (found by a cross-organisation
// probe). The settings and the administrator's new organisation refuse
// an address that is another's, in any case of letters, losing nothing
// typed; the CLI says the same.
func TestPrivacyAddressBelongsToOneOrganisation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	path := "/staff/orgs/" + f.org.Slug + "/settings"
	taken := strings.ToUpper(f.org2.PrivacyEmail)
	form := settingsForm(f.org, map[string]string{"privacy-email": taken, "dpo-phone": "+358 9 816 99"})
	p := dpo.postSettings(path, form, "", nil)
	if got, want := fieldError(p.doc, "privacy-email"), f.env.Catalog.T("en", "orgs.error.privacy-email.taken"); p.status != http.StatusUnprocessableEntity || got != want {
		t.Fatalf("another's address: %d %q, want 422 %q", p.status, got, want)
	}
	for _, name := range []string{"privacy-email", "dpo-phone"} {
		if got := inputValue(t, p.doc, name); got != form.Get(name) {
			t.Errorf("%s lost: %q, want %q", name, got, form.Get(name))
		}
	}
	if o, _ := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, f.org.Slug); o.PrivacyEmail != f.org.PrivacyEmail || o.DPOPhone != "" {
		t.Errorf("saved anyway: %q %q", o.PrivacyEmail, o.DPOPhone)
	}
	if o, err := store.New(f.env.Pool).OrgByPrivacyEmail(f.env.Ctx, f.org2.PrivacyEmail); err != nil || o.ID != f.org2.ID {
		t.Errorf("the address routes to %v (%v), want %s", o.Slug, err, f.org2.Slug)
	}
	// Its own address, in other letters, is still its own.
	if p := dpo.postSettings(path, settingsForm(f.org, map[string]string{"privacy-email": strings.ToUpper(f.org.PrivacyEmail)}), "", nil); p.status != http.StatusSeeOther {
		t.Errorf("own address = %d: %v", p.status, p.summary())
	}

	f.addPlatformAdmin("pia@platform.test")
	admin := f.login(t, "pia@platform.test")
	create := testikunta()
	create.Set("privacy-email", f.org2.PrivacyEmail)
	p = admin.post("/staff/admin/orgs", create)
	if got, want := fieldError(p.doc, "privacy-email"), f.env.Catalog.T("en", "orgs.error.privacy-email.taken"); p.status != http.StatusUnprocessableEntity || got != want {
		t.Errorf("new organisation with another's address: %d %q, want 422 %q", p.status, got, want)
	}
	if _, err := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, "testikunta"); err == nil {
		t.Error("created anyway")
	}
}

func TestOrgSettings(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	dpo := f.login(t, f.dpo)
	path := "/staff/orgs/" + f.org.Slug + "/settings"
	p := dpo.get(path)
	if p.status != http.StatusOK {
		t.Fatalf("settings = %d", p.status)
	}
	if got := inputValue(t, p.doc, "name-fi"); got != f.org.NameFI {
		t.Errorf("name-fi shows %q", got)
	}

	// Invalid y-tunnus, retention under 2 years and an SVG with a script:
	// each field's own localized message; the other inputs kept; nothing
	// saved.
	evil := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>`)
	form := settingsForm(f.org, map[string]string{"business-id": "0101263-7", "retention-years": "1"})
	p = dpo.postSettings(path, form, "logo.svg", evil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid save = %d", p.status)
	}
	if summary := htmlText(htmlByID(p.doc, "error-summary")); !strings.Contains(summary, f.env.Catalog.T("en", "orgs.form.kept_logo")) {
		t.Errorf("the settings' error summary does not say to choose the logo again: %q", summary)
	}
	for field, key := range map[string]string{"business-id": "orgs.error.business-id", "retention-years": "orgs.error.retention-years", "logo": "orgs.error.logo.unsafe"} {
		if got, want := fieldError(p.doc, field), f.env.Catalog.T("en", key); got != want {
			t.Errorf("%s error %q, want %q", field, got, want)
		}
	}
	for _, name := range []string{"name-en", "dpo-phone", "postal-address", "a11y-supervisor", "business-id", "retention-years"} {
		if got := inputValue(t, p.doc, name); got != form.Get(name) {
			t.Errorf("%s lost: %q, want %q", name, got, form.Get(name))
		}
	}
	if o, _ := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, f.org.Slug); o.NameEN != "" || o.LogoType != "" {
		t.Error("an invalid form saved something")
	}
	// D-28: 0 years is refused like 1, not quietly read as the default.
	p = dpo.postSettings(path, settingsForm(f.org, map[string]string{"retention-years": "0"}), "", nil)
	if got, want := fieldError(p.doc, "retention-years"), f.env.Catalog.T("en", "orgs.error.retention-years"); p.status != http.StatusUnprocessableEntity || got != want {
		t.Errorf("retention 0: status %d, error %q; want 422, %q", p.status, got, want)
	}

	// In Swedish, the messages are Swedish.
	if sv := dpo.get("/staff/lang/sv"); sv.status != http.StatusSeeOther {
		t.Fatal("language switch")
	}
	p = dpo.postSettings(path, settingsForm(f.org, map[string]string{"business-id": "123"}), "logo.png", []byte("not a png"))
	if got, want := fieldError(p.doc, "business-id"), f.env.Catalog.T("sv", "orgs.error.business-id"); got != want || !strings.Contains(got, "FO-numret") {
		t.Errorf("sv business id error %q", got)
	}
	if got := fieldError(p.doc, "logo"); got != f.env.Catalog.T("sv", "orgs.error.logo.format") {
		t.Errorf("sv logo error %q", got)
	}
	dpo.get("/staff/lang/en")

	// Valid, with a PNG logo: saved, re-encoded, audited by field names.
	logo := testPNG(t)
	form = settingsForm(f.org, nil)
	p = dpo.postSettings(path, form, "logo.png", logo)
	if p.status != http.StatusSeeOther {
		t.Fatalf("save = %d: %v", p.status, p.summary())
	}
	o, err := store.New(f.env.Pool).OrgBySlug(f.env.Ctx, f.org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if o.NameEN != "City of Espoo" || o.BusinessID != "0101263-6" || o.DPOPhone != "+358 9 816 21" || !o.EvesNonWorking ||
		o.PostalAddress != "PL 12\n02070 Espoon kaupunki" || o.RetentionYears != 5 || o.LogoType != "png" || !o.Bilingual {
		t.Errorf("saved %+v", o)
	}
	stored, typ, err := store.New(f.env.Pool).OrgLogo(f.env.Ctx, o.ID)
	if err != nil || typ != "png" {
		t.Fatal(err, typ)
	}
	if bytes.Contains(stored, []byte("secret")) {
		t.Error("the PNG was stored as sent, not re-encoded")
	}
	if img, err := png.Decode(bytes.NewReader(stored)); err != nil || img.Bounds().Dx() != 8 {
		t.Errorf("stored logo does not decode: %v", err)
	}
	var data []byte
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT data FROM audit_events WHERE org_id = $1 AND action = 'org.changed' ORDER BY id DESC LIMIT 1`, o.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Fields []string `json:"fields"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name_en", "business_id", "dpo_phone", "postal_address", "a11y_supervisor", "retention_years", "eves_non_working", "logo"} {
		if !slices.Contains(ev.Fields, want) {
			t.Errorf("audit fields %v lack %s", ev.Fields, want)
		}
	}
	// Field names only: no value of any setting in the event.
	for _, v := range []string{"City of Espoo", "0101263-6", "816 21", "Espoon kaupunki", "Traficom", "Dana"} {
		if bytes.Contains(data, []byte(v)) {
			t.Errorf("audit event holds a value: %s", data)
		}
	}
	// The logo is served as a PNG on the organisation's pages.
	anon := &scClient{t: t, base: f.base, c: newJarClient()}
	lp := anon.get("/fi/o/" + f.org.Slug + "/logo")
	if lp.status != http.StatusOK || lp.header.Get("Content-Type") != "image/png" || lp.body != string(stored) {
		t.Errorf("logo = %d %s", lp.status, lp.header.Get("Content-Type"))
	}

	// The organisation's pages carry the logo and its accessibility
	// supervisor.
	a11y := anon.get("/fi/o/" + f.org.Slug + "/accessibility")
	if got := htmlText(htmlByID(a11y.doc, "a11y-authority-contact")); !strings.Contains(got, "Traficom") {
		t.Errorf("accessibility supervisor %q", got)
	}
	if img := htmlFirst(htmlByID(a11y.doc, "brand"), func(n *html.Node) bool { return htmlIs(n, "img") }); htmlAttr(img, "src") != "/fi/o/"+f.org.Slug+"/logo" {
		t.Error("no logo in the organisation's header")
	}

	// A clean SVG is accepted and served with a sandboxing policy.
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs><rect width="10" height="10" fill="url(#g)"/><use xlink:href="#g"/></svg>`)
	if p := dpo.postSettings(path, settingsForm(f.org, nil), "logo.svg", svg); p.status != http.StatusSeeOther {
		t.Fatalf("svg save = %d: %v", p.status, p.summary())
	}
	lp = anon.get("/fi/o/" + f.org.Slug + "/logo")
	if lp.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(lp.header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("svg served as %s with %q", lp.header.Get("Content-Type"), lp.header.Get("Content-Security-Policy"))
	}

	// The privacy notice shows the settings, in fi and sv.
	for _, lang := range []string{"fi", "sv"} {
		p := anon.get("/" + lang + "/o/" + f.org.Slug + "/privacy")
		if p.status != http.StatusOK {
			t.Fatalf("%s privacy notice = %d", lang, p.status)
		}
		name := o.Name(lang)
		if got := htmlText(htmlByID(p.doc, "controller")); !strings.Contains(got, name) || !strings.Contains(got, "0101263-6") {
			t.Errorf("%s controller %q", lang, got)
		}
		if got := htmlText(htmlByID(p.doc, "dpo")); !strings.Contains(got, "Dana Dpo") || !strings.Contains(got, "dpo@espoo.test") || !strings.Contains(got, "+358 9 816 21") {
			t.Errorf("%s DPO %q", lang, got)
		}
		if got, want := htmlText(htmlByID(p.doc, "retention")), f.env.Catalog.T(lang, "privacy.retention.text", 5); got != want {
			t.Errorf("%s retention %q, want %q", lang, got, want)
		}
		if got := htmlText(htmlByID(p.doc, "ombudsman")); !strings.Contains(got, "tietosuoja@om.fi") {
			t.Errorf("%s ombudsman %q", lang, got)
		}
		if got := htmlText(htmlByID(p.doc, "controller-address")); !strings.Contains(got, "02070 Espoon kaupunki") {
			t.Errorf("%s address %q", lang, got)
		}
		h1 := htmlText(htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "h1") }))
		if h1 != f.env.Catalog.T(lang, "privacy.title", name) {
			t.Errorf("%s title %q", lang, h1)
		}
	}
	if p := anon.get("/fi/o/nosuch/privacy"); p.status != http.StatusNotFound {
		t.Errorf("unknown org's notice = %d", p.status)
	}
}

// A new organisation's DPO signs in to an empty dashboard: it says that
// residents cannot reach the organisation yet, why, and links the import
// and the settings; the menu links the settings (walkthrough: nothing
// said what to do next, and no menu item led to the settings). Once it
// has a register and the DPO's address, the note is gone. A viewer has
// neither the note nor the menu item.
func TestNewDPOIsToldWhatOpensTheOrganisation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	org := f.env.Org("uusikunta", "Uusikunta", "Nykommun", "fi")
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE organisations SET dpo_email = '' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	f.addUser("uusi-dpo@uusikunta.test", "Ulla Uusi", org.ID, workflow.RoleDPO)
	f.addUser("uusi-viewer@uusikunta.test", "Ville Viewer", org.ID, workflow.RoleViewer)
	dpo := f.login(t, "uusi-dpo@uusikunta.test")
	note := func(p htmlPage) *html.Node {
		return htmlFirst(p.doc, func(n *html.Node) bool { return htmlHasClass(n, "org-not-open") })
	}
	p := dpo.get("/staff/")
	n := note(p)
	if n == nil {
		t.Fatal("the dashboard does not say the organisation is closed to residents")
	}
	cat := f.env.Catalog
	for _, key := range []string{"orgs.open.no", "orgs.open.need_registers", "orgs.open.need_dpo"} {
		if !strings.Contains(htmlText(n), cat.T("en", key)) {
			t.Errorf("the note lacks %q: %q", key, htmlText(n))
		}
	}
	links := map[string]bool{}
	for _, a := range htmlElems(n, func(x *html.Node) bool { return htmlIs(x, "a") }) {
		links[htmlAttr(a, "href")] = true
	}
	if !links["/staff/orgs/uusikunta/import"] || !links["/staff/orgs/uusikunta/settings"] {
		t.Errorf("the note links %v", links)
	}
	nav := htmlByID(p.doc, "nav-settings")
	if nav == nil {
		t.Fatal("no Settings in the menu")
	}
	if r := dpo.get(htmlAttr(nav, "href")); r.status != http.StatusSeeOther || r.location() != "/staff/orgs/uusikunta/settings" {
		t.Errorf("Settings = %d %q", r.status, r.location())
	}
	if r := dpo.get("/staff/orgs/uusikunta/settings"); r.status != http.StatusOK {
		t.Errorf("settings page = %d", r.status)
	}

	// A register and the DPO's address open it: no note.
	f.env.Register(org.ID, "Uusi rekisteri", "e", "")
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE organisations SET dpo_email = 'dpo@uusikunta.test' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	if n := note(dpo.get("/staff/")); n != nil {
		t.Errorf("an open organisation's dashboard says %q", htmlText(n))
	}

	viewer := f.login(t, "uusi-viewer@uusikunta.test")
	if _, err := f.env.Pool.Exec(f.env.Ctx, `UPDATE organisations SET dpo_email = '' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	if p := viewer.get("/staff/"); note(p) != nil || htmlByID(p.doc, "nav-settings") != nil {
		t.Error("a viewer is shown the note or the Settings menu item")
	}
	if r := viewer.get("/staff/settings"); r.status != http.StatusNotFound {
		t.Errorf("viewer Settings = %d", r.status)
	}
}
