package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// ---- helpers (prefixed: the package's test files share one namespace) ----

// catSeed imports a seed document into a new organisation and returns the
// organisation and the parsed document.
func catSeed(t *testing.T, env *testenv.Env, slug, fi, sv, lang, file string) (store.Org, *registers.Result) {
	t.Helper()
	org := env.Org(slug, fi, sv, lang)
	b, err := os.ReadFile("../internal/seed/seeddata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := registers.Parse(string(b), registers.Options{SourceFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	return org, res
}

func catGet(t *testing.T, h http.Handler, path string) (int, *html.Node) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, htmlParse(t, rec.Body.String())
}

// catSel matches "tag", "#id", "tag#id", "tag.class" and "tag[attr]".
func catSel(sel string) func(*html.Node) bool {
	tag, id, class, attr := sel, "", "", ""
	if i := strings.IndexByte(sel, '['); i >= 0 {
		tag, attr = sel[:i], strings.TrimSuffix(sel[i+1:], "]")
	}
	if i := strings.IndexByte(tag, '#'); i >= 0 {
		tag, id = tag[:i], tag[i+1:]
	}
	if i := strings.IndexByte(tag, '.'); i >= 0 {
		tag, class = tag[:i], tag[i+1:]
	}
	return func(n *html.Node) bool {
		if tag != "" && n.Data != tag {
			return false
		}
		if v, _ := htmlLookupAttr(n, "id"); id != "" && v != id {
			return false
		}
		if class != "" && !htmlHasClass(n, class) {
			return false
		}
		if _, ok := htmlLookupAttr(n, attr); attr != "" && !ok {
			return false
		}
		return true
	}
}

func catAll(n *html.Node, sel string) []*html.Node { return htmlElems(n, catSel(sel)) }

func catOne(t *testing.T, n *html.Node, sel string) *html.Node {
	t.Helper()
	all := catAll(n, sel)
	if len(all) != 1 {
		t.Fatalf("%d elements match %q, want 1", len(all), sel)
	}
	return all[0]
}

// catRegisterLinks are the org page's links to register pages.
func catRegisterLinks(doc *html.Node, prefix string) []*html.Node {
	return htmlElems(doc, func(n *html.Node) bool {
		href, _ := htmlLookupAttr(n, "href")
		return n.Data == "a" && strings.HasPrefix(href, prefix)
	})
}

// ---- public pages --------------------------------------------------------

// The organisation page lists every register of a seed, grouped by its
// published sector or unit, with the published language marked (D-5).
func TestCatalogueOrgPageGroupsSeeds(t *testing.T) {
	t.Parallel()
	seeds := []struct{ slug, fi, sv, lang, file string }{
		{"jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt"},
		{"kronoby", "Kruunupyy", "Kronoby", "sv", "001_kronoby.txt"},
		{"raseborg", "Raasepori", "Raseborg", "sv", "002_raseborg.txt"},
		{"kokkola", "Kokkola", "Karleby", "fi", "003_kokkola.txt"},
		{"esimerkki", "Esimerkkikaupunki", "Exempelstad", "fi", "004_esimerkki.txt"},
	}
	for _, sd := range seeds {
		t.Run(sd.slug, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			org, res := catSeed(t, env, sd.slug, sd.fi, sd.sv, sd.lang, sd.file)
			h := env.Server().Handler()
			for _, lang := range []string{"fi", "sv", "en"} {
				code, doc := catGet(t, h, "/"+lang+"/o/"+sd.slug+"/")
				if code != http.StatusOK {
					t.Fatalf("%s: status %d", lang, code)
				}
				if got := htmlText(catOne(t, doc, "h1")); got != org.Name(lang) {
					t.Errorf("%s: h1 %q, want %q", lang, got, org.Name(lang))
				}
				if href, _ := htmlLookupAttr(catOne(t, doc, "a#make-request"), "href"); href != "/"+lang+"/o/"+sd.slug+"/request" {
					t.Errorf("%s: make-request href %q", lang, href)
				}
				// Every register once, under the heading of its sector
				// (else unit), in the published language.
				want := map[string]string{} // name -> group
				for _, r := range res.Registers {
					g := r.Sector
					if g == "" {
						g = r.Unit
					}
					want[r.Name] = g
				}
				seen := map[string]bool{}
				for _, sec := range catAll(doc, "section.register-group") {
					title := ""
					if hs := catAll(sec, "h3"); len(hs) == 1 {
						title = htmlText(hs[0])
					}
					for _, a := range catRegisterLinks(sec, "/"+lang+"/o/"+sd.slug+"/registers/") {
						name := htmlText(a)
						if g, ok := want[name]; !ok || g != title {
							t.Errorf("%s: %q under %q, want under %q", lang, name, title, g)
						}
						l, has := htmlLookupAttr(a, "lang")
						if wantLang := res.Language; wantLang != lang && (!has || l != wantLang) || wantLang == lang && has {
							t.Errorf("%s: %q lang=%q (%v), published in %s", lang, name, l, has, res.Language)
						}
						seen[name] = true
					}
				}
				if len(seen) != len(want) {
					t.Errorf("%s: %d registers listed, want %d", lang, len(seen), len(want))
				}
			}
		})
	}
}

// Search (?q=) works without JavaScript and finds every register whose
// name, purpose or data content contains the word (more are found by the
// stems and the curated words: catalogue_search_test.go); LIKE wildcards
// and unknown words find nothing.
func TestCatalogueSearch(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, res := catSeed(t, env, "jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt")
	h := env.Server().Handler()
	for _, q := range []string{"bibliotek", "PERSONAL", "zzzz", "%", "_"} {
		var want []string
		for _, r := range res.Registers {
			hay := strings.ToLower(r.Name + "\x00" + r.Purpose + "\x00" + r.DataContent)
			if strings.Contains(hay, strings.ToLower(q)) {
				want = append(want, r.Name)
			}
		}
		code, doc := catGet(t, h, "/fi/o/jakobstad/?q="+url.QueryEscape(q))
		if code != http.StatusOK {
			t.Fatalf("%q: status %d", q, code)
		}
		var got []string
		for _, a := range catRegisterLinks(doc, "/fi/o/jakobstad/registers/") {
			got = append(got, htmlText(a))
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("q=%q: %q not found; got %v", q, w, got)
			}
		}
		if len(want) == 0 && len(got) != 0 {
			t.Errorf("q=%q: found %v", q, got)
		}
		if len(got) >= len(res.Registers) {
			t.Errorf("q=%q: every register found", q)
		}
		if v, _ := htmlLookupAttr(catOne(t, doc, "input#q"), "value"); v != q {
			t.Errorf("q=%q: search box value %q", q, v)
		}
		status := htmlText(catOne(t, doc, "#search-status"))
		if !strings.Contains(status, q) {
			t.Errorf("q=%q: status %q", q, status)
		}
	}
	if len(catAll(func() *html.Node { _, d := catGet(t, h, "/fi/o/jakobstad/"); return d }(), "#search-status")) != 0 {
		t.Error("search status shown without a search")
	}
}

// The register page shows the published fields with their language (D-5),
// the legal basis explained in the reader's language, omits empty fields,
// and links to the form with the register preselected.
func TestCatalogueRegisterPage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org, res := catSeed(t, env, "kokkola", "Kokkola", "Karleby", "fi", "003_kokkola.txt")
	want := res.Registers[0]
	regs, err := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{})
	if err != nil || len(regs) != 1 {
		t.Fatal(regs, err)
	}
	id := strconv.FormatInt(regs[0].ID, 10)
	h := env.Server().Handler()
	for _, lang := range []string{"fi", "sv", "en"} {
		code, doc := catGet(t, h, "/"+lang+"/o/kokkola/registers/"+id)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d", lang, code)
		}
		h1 := catOne(t, doc, "h1#register-name")
		if htmlText(h1) != want.Name {
			t.Errorf("%s: h1 %q", lang, htmlText(h1))
		}
		if l, has := htmlLookupAttr(h1, "lang"); (lang == "fi") == has || (has && l != "fi") {
			t.Errorf("%s: h1 lang=%q has=%v", lang, l, has)
		}
		facts := map[string]*html.Node{}
		dl := catOne(t, doc, "dl#register-facts")
		for dt := dl.FirstChild; dt != nil; dt = dt.NextSibling {
			if dt.Type == html.ElementNode && dt.Data == "dt" {
				dd := dt.NextSibling
				for dd != nil && dd.Type != html.ElementNode {
					dd = dd.NextSibling
				}
				facts[htmlText(dt)] = dd
			}
		}
		T := func(key string) string { return env.Catalog.T(lang, key) }
		published := []struct{ key, value string }{
			{"catalogue.field.purpose", want.Purpose}, {"catalogue.field.data_content", want.DataContent},
			{"catalogue.field.retention", want.Retention}, {"catalogue.field.sources", want.Sources},
			{"catalogue.field.recipients", want.Recipients}, {"catalogue.field.systems", want.Systems},
			{"catalogue.field.unit", want.Unit}, {"catalogue.field.contact", want.Contact},
			{"catalogue.field.legal_basis_text", want.LegalBasisText},
		}
		for _, p := range published {
			dd, ok := facts[T(p.key)]
			if p.value == "" {
				if ok {
					t.Errorf("%s: empty %s shown", lang, p.key)
				}
				continue
			}
			if !ok || htmlText(dd) != strings.Join(strings.Fields(p.value), " ") {
				t.Errorf("%s: %s missing or wrong", lang, p.key)
				continue
			}
			if l, has := htmlLookupAttr(dd, "lang"); (lang != "fi") != has || (has && l != "fi") {
				t.Errorf("%s: %s lang=%q", lang, p.key, l)
			}
		}
		// The basis (c) explained in the reader's language, unmarked.
		dd, ok := facts[T("catalogue.field.legal_basis")]
		if !ok || htmlText(dd) != T("catalogue.basis.c") {
			t.Errorf("%s: legal basis %v", lang, ok)
		} else if _, has := htmlLookupAttr(dd, "lang"); has {
			t.Errorf("%s: explained basis carries a lang attribute", lang)
		}
		if dd, ok := facts[T("catalogue.field.controller")]; !ok || htmlText(dd) != org.Names() {
			t.Errorf("%s: controller", lang)
		}
		if href, _ := htmlLookupAttr(catOne(t, doc, "a#request-register"), "href"); href != "/"+lang+"/o/kokkola/request?register="+id {
			t.Errorf("%s: request link %q", lang, href)
		}
		if len(catAll(doc, "#elsewhere-title")) != 0 {
			t.Errorf("%s: elsewhere notice without a new controller", lang)
		}
	}

	// D-7 / RD-2: the new controller and its contact are shown.
	err = env.Workflow.UpdateRegister(env.Ctx, org.ID, regs[0].ID, 1, workflow.RegisterEdit{
		Name: want.Name, LegalBasis: "c", ControllerElsewhere: true,
		ElsewhereName: "Keski-Pohjanmaan hyvinvointialue", ElsewhereContact: "kirjaamo@soite.test",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, doc := catGet(t, h, "/sv/o/kokkola/registers/"+id)
	if htmlText(catOne(t, doc, "#elsewhere-name")) != "Keski-Pohjanmaan hyvinvointialue" ||
		htmlText(catOne(t, doc, "#elsewhere-contact")) != "kirjaamo@soite.test" {
		t.Error("elsewhere notice lacks the new controller")
	}
}

// Unknown organisations, other organisations' registers and malformed ids
// are 404s.
func TestCatalogueNotFound(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := env.Org("a", "A", "A", "fi")
	b := env.Org("b", "B", "B", "fi")
	idA := env.Register(a.ID, "Rekisteri A", "c", "")
	idB := env.Register(b.ID, "Rekisteri B", "c", "")
	h := env.Server().Handler()
	if code, _ := catGet(t, h, fmt.Sprintf("/fi/o/a/registers/%d", idA)); code != http.StatusOK {
		t.Fatalf("own register: %d", code)
	}
	for _, p := range []string{
		"/fi/o/nowhere/",
		"/fi/o/nowhere/registers/1",
		fmt.Sprintf("/fi/o/a/registers/%d", idB),
		fmt.Sprintf("/sv/o/b/registers/%d", idA),
		"/fi/o/a/registers/abc",
		"/fi/o/a/registers/-1",
		"/fi/o/a/registers/99999999",
		"/xx/o/a/",
	} {
		if code, _ := catGet(t, h, p); code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", p, code)
		}
	}
}

// ---- JSON API --------------------------------------------------------------

func TestV1Registers(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org, res := catSeed(t, env, "jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt")
	regs, _ := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{})
	// An owner's address is staff data, not catalogue data.
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, regs[0].ID, 1, workflow.RegisterEdit{
		Name: regs[0].Name, LegalBasis: "e", OwnerEmail: "secret.owner@jakobstad.test"}); err != nil {
		t.Fatal(err)
	}
	h := env.Server().Handler()
	get := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		body, _ := io.ReadAll(rec.Body)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: content type %q", path, ct)
		}
		return rec.Code, body
	}
	code, body := get("/api/v1/orgs/jakobstad/registers")
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	if strings.Contains(string(body), "secret.owner") || strings.Contains(string(body), "owner_email") {
		t.Error("the public API shows owners")
	}
	var out struct {
		Organisation map[string]any   `json:"organisation"`
		Registers    []map[string]any `json:"registers"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if out.Organisation["slug"] != "jakobstad" || out.Organisation["primary_lang"] != "sv" || len(out.Registers) != len(res.Registers) {
		t.Fatalf("organisation %v, %d registers", out.Organisation, len(out.Registers))
	}
	for _, r := range out.Registers {
		for _, k := range []string{"id", "name", "language", "purpose", "controller", "unit", "legal_basis", "data_content", "sector", "url"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("register lacks %q: %v", k, r)
			}
		}
		if !strings.HasPrefix(r["url"].(string), "http://rightsdesk.test/sv/o/jakobstad/registers/") {
			t.Errorf("url %v", r["url"])
		}
	}
	code, body = get("/api/v1/orgs/jakobstad/registers?q=bibliotek")
	if json.Unmarshal(body, &out) != nil || code != http.StatusOK || len(out.Registers) == 0 || len(out.Registers) >= len(res.Registers) {
		t.Errorf("search: %d, %d registers", code, len(out.Registers))
	}
	code, body = get("/api/v1/orgs/nowhere/registers")
	var e map[string]string
	if code != http.StatusNotFound || json.Unmarshal(body, &e) != nil || e["error"] != "error.notfound" {
		t.Errorf("unknown org: %d %s", code, body)
	}
}

// ---- staff pages -----------------------------------------------------------

// catLogin signs a new staff member in with role in org and returns a
// client holding the session.
func catLogin(t *testing.T, env *testenv.Env, ts *httptest.Server, email, role string, orgID int64) *http.Client {
	t.Helper()
	const pw = "correct horse battery staple"
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: 64, Argon2Time: 1}
	if _, err := auth.AddUser(env.Ctx, workflow.NewStaff{Email: email, Name: "Test", Lang: "en", OrgID: orgID, Role: role, Password: pw}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	c := testenv.Client()
	_, doc := catDo(t, c, http.MethodGet, ts.URL+"/staff/login", nil)
	csrf := catCSRF(t, doc)
	resp, _ := catDo(t, c, http.MethodPost, ts.URL+"/staff/login", url.Values{"email": {email}, "password": {pw}, "_csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: status %d", resp.StatusCode)
	}
	return c
}

func catDo(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, *html.Node) {
	t.Helper()
	p := htmlFetch(t, c, formRequest(t, method, u, form))
	if p.doc == nil { // parsed whatever the content type
		p.doc = htmlParse(t, p.body)
	}
	return p.resp, p.doc
}

func catCSRF(t *testing.T, doc *html.Node) string {
	t.Helper()
	v, ok := htmlCSRF(doc)
	if !ok {
		t.Fatal("no _csrf field")
	}
	return v
}

func TestStaffRegisters(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a, resA := catSeed(t, env, "jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt")
	b, _ := catSeed(t, env, "kokkola", "Kokkola", "Karleby", "fi", "003_kokkola.txt")
	regsA, _ := store.New(env.Pool).Registers(env.Ctx, a.ID, store.RegisterFilter{})
	regsB, _ := store.New(env.Pool).Registers(env.Ctx, b.ID, store.RegisterFilter{})
	ts := env.HTTP()
	dpo := catLogin(t, env, ts, "dpo@a.test", workflow.RoleDPO, a.ID)
	viewer := catLogin(t, env, ts, "viewer@a.test", workflow.RoleViewer, a.ID)
	rows := func(c *http.Client, query string) []string {
		t.Helper()
		resp, doc := catDo(t, c, http.MethodGet, ts.URL+"/staff/registers"+query, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list%s: status %d", query, resp.StatusCode)
		}
		var ids []string
		for _, tr := range catAll(doc, "tr[data-register]") {
			id, _ := htmlLookupAttr(tr, "data-register")
			ids = append(ids, id)
		}
		return ids
	}
	// Only the user's organisation; every register has no owner yet (D-11).
	if got := rows(dpo, ""); len(got) != len(resA.Registers) {
		t.Errorf("list: %d rows, want %d", len(got), len(resA.Registers))
	}
	if got := rows(dpo, "?owner=none"); len(got) != len(resA.Registers) {
		t.Errorf("no-owner list: %d rows", len(got))
	}
	if resp, _ := catDo(t, dpo, http.MethodGet, ts.URL+"/staff/registers?org=kokkola", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another organisation's list: %d", resp.StatusCode)
	}
	target := regsA[0]
	page := fmt.Sprintf("%s/staff/registers/%d", ts.URL, target.ID)
	resp, doc := catDo(t, dpo, http.MethodGet, page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	csrf := catCSRF(t, doc)
	if v, _ := htmlLookupAttr(catOne(t, doc, "input#f-name"), "value"); v != target.Name {
		t.Errorf("name field %q", v)
	}
	form := url.Values{"_csrf": {csrf}, "name": {target.Name}, "owner_name": {"Ägare"}, "owner_email": {"not an address"},
		"legal_basis": {"e"}, "notes": {"n"}}

	// Invalid: 422, error summary linking the field, field marked invalid.
	resp, doc = catDo(t, dpo, http.MethodPost, page, form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid save: %d", resp.StatusCode)
	}
	if href, _ := htmlLookupAttr(catOne(t, catOne(t, doc, "div.errors"), "a"), "href"); href != "#f-owner_email" {
		t.Errorf("error summary links %q", href)
	}
	in := catOne(t, doc, "input#f-owner_email")
	if v, _ := htmlLookupAttr(in, "aria-invalid"); v != "true" {
		t.Error("owner email not aria-invalid")
	}
	if v, _ := htmlLookupAttr(in, "aria-describedby"); !strings.Contains(v, "e-owner_email") {
		t.Errorf("aria-describedby %q", v)
	}
	if v, _ := htmlLookupAttr(in, "value"); v != "not an address" {
		t.Errorf("submitted value lost: %q", v)
	}

	// Valid: saved, flash, redirect; marked edited (D-3); audited.
	form.Set("owner_email", "owner@a.test")
	resp, _ = catDo(t, dpo, http.MethodPost, page, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/staff/registers/%d", target.ID) {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, doc = catDo(t, dpo, http.MethodGet, page, nil)
	if got := htmlText(catOne(t, doc, "div.flash")); got != env.Catalog.T("en", "catalogue.flash.saved") {
		t.Errorf("flash %q", got)
	}
	got, err := store.New(env.Pool).Register(env.Ctx, a.ID, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerEmail != "owner@a.test" || got.OwnerName != "Ägare" || got.LegalBasis != "e" || got.Notes != "n" ||
		!got.Edited("owner_email") || !got.Edited("legal_basis") {
		t.Errorf("saved %+v", got)
	}
	// The page names the edited fields in words, not column names.
	var words []string
	for _, f := range got.EditedFields {
		words = append(words, env.Catalog.T("en", "catalogue.edited."+f))
	}
	if shown := htmlText(catOne(t, doc, "#edited-fields")); shown != strings.Join(words, ", ") || strings.Contains(shown, "_") {
		t.Errorf("edited fields shown as %q, want %q", shown, strings.Join(words, ", "))
	}
	if got := rows(dpo, "?owner=none"); len(got) != len(resA.Registers)-1 || slices.Contains(got, strconv.FormatInt(target.ID, 10)) {
		t.Errorf("no-owner list after the save: %v", got)
	}

	// A viewer sees the form disabled and cannot save.
	resp, doc = catDo(t, viewer, http.MethodGet, page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("viewer form: %d", resp.StatusCode)
	}
	catOne(t, doc, "#readonly")
	catOne(t, doc, "fieldset[disabled]")
	for _, b := range catAll(doc, "button") {
		if htmlText(b) == env.Catalog.T("en", "catalogue.form.save") {
			t.Error("viewer sees a save button")
		}
	}
	form.Set("_csrf", catCSRF(t, doc))
	form.Set("owner_email", "viewer-was-here@a.test")
	if resp, _ := catDo(t, viewer, http.MethodPost, page, form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer save: %d", resp.StatusCode)
	}
	if got, _ := store.New(env.Pool).Register(env.Ctx, a.ID, target.ID); got.OwnerEmail != "owner@a.test" {
		t.Errorf("viewer's save changed the owner to %q", got.OwnerEmail)
	}

	// Another organisation's register: 404 for both GET and POST.
	other := fmt.Sprintf("%s/staff/registers/%d", ts.URL, regsB[0].ID)
	if resp, _ := catDo(t, dpo, http.MethodGet, other, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other org GET: %d", resp.StatusCode)
	}
	form.Set("_csrf", csrf)
	if resp, _ := catDo(t, dpo, http.MethodPost, other, form); resp.StatusCode != http.StatusNotFound {
		t.Errorf("other org POST: %d", resp.StatusCode)
	}
	if got, _ := store.New(env.Pool).Register(env.Ctx, b.ID, regsB[0].ID); got.OwnerEmail != "" {
		t.Error("another organisation's register was changed")
	}
}

// legal.md §3 (Art 15(1)(a)-(d), (g)) and Art 19: the access answer
// quotes a register's purpose, data content, disclosures and recipients,
// retention and sources from the catalogue; owners see the recipients
// when they answer a rectification, erasure or restriction. Jakobstad's
// table publishes none of them, and the case page sends the DPO to the
// register's page to fill them in: the DPO can write each there, a later
// import keeps the DPO's texts (D-3) and still updates registers and
// fields the DPO left alone.
func TestRegisterArt15TextsEditedByDPO(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org, res := catSeed(t, env, "jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt")
	q := store.New(env.Pool)
	regs, err := q.Registers(env.Ctx, org.ID, store.RegisterFilter{})
	if err != nil || len(regs) < 2 {
		t.Fatalf("%d registers (%v)", len(regs), err)
	}
	target, other := regs[0], regs[1]
	ts := env.HTTP()
	dpo := catLogin(t, env, ts, "dpo@a.test", workflow.RoleDPO, org.ID)
	page := fmt.Sprintf("%s/staff/registers/%d", ts.URL, target.ID)
	resp, doc := catDo(t, dpo, http.MethodGet, page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	imported := map[string]string{"purpose": target.Purpose, "data_content": target.DataContent,
		"recipients": target.Recipients, "retention": target.Retention, "sources": target.Sources}
	for field, want := range imported {
		ta := catOne(t, doc, "textarea#f-"+field)
		if got := htmlText(ta); got != want {
			t.Errorf("%s field %q, want the imported %q", field, got, want)
		}
		if htmlAttr(ta, "lang") != "sv" { // D-5: the register's language
			t.Errorf("%s field lang %q", field, htmlAttr(ta, "lang"))
		}
	}
	// As the browser sends it, with one text too long.
	action := fmt.Sprintf("/staff/registers/%d", target.ID)
	form := htmlFormValues(htmlForm(doc, action))
	form.Set("retention", strings.Repeat("x", 4001))

	// Too long: 422, the summary links the field, every text is kept.
	form.Set("purpose", "Kundregister för småbarnspedagogiken")
	resp, doc = catDo(t, dpo, http.MethodPost, page, form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", resp.StatusCode)
	}
	if href, _ := htmlLookupAttr(catOne(t, catOne(t, doc, "div.errors"), "a"), "href"); href != "#f-retention" {
		t.Errorf("error summary links %q", href)
	}
	if got := htmlFormValues(htmlForm(doc, action)); got.Get("retention") != form.Get("retention") || got.Get("purpose") != form.Get("purpose") {
		t.Error("the submitted texts were lost")
	}
	if got, _ := q.Register(env.Ctx, org.ID, target.ID); len(got.EditedFields) != 0 {
		t.Errorf("a refused form saved %v", got.EditedFields)
	}

	mine := map[string]string{
		"purpose":      "Planering och ordnande av småbarnspedagogik",
		"data_content": "Barnets och vårdnadshavarnas namn och kontaktuppgifter",
		"recipients":   "Folkpensionsanstalten (FPA)\nSkatteförvaltningen",
		"retention":    "Tio år efter att kundrelationen upphört",
		"sources":      "Vårdnadshavarna",
	}
	for field, v := range mine {
		form.Set(field, "  "+v+"\n")
	}
	if resp, _ := catDo(t, dpo, http.MethodPost, page, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	got, err := q.Register(env.Ctx, org.ID, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	saved := map[string]string{"purpose": got.Purpose, "data_content": got.DataContent,
		"recipients": got.Recipients, "retention": got.Retention, "sources": got.Sources}
	for field, want := range mine {
		if saved[field] != want || !got.Edited(field) {
			t.Errorf("saved %s %q, edited %v", field, saved[field], got.EditedFields)
		}
	}
	if len(got.EditedFields) != len(mine) || got.Name != target.Name || got.OwnerEmail != target.OwnerEmail {
		t.Errorf("the form changed more than the texts: edited %v", got.EditedFields)
	}
	// The page names what the DPO edited, in the reader's language.
	_, doc = catDo(t, dpo, http.MethodGet, page, nil)
	if e := htmlText(catOne(t, doc, "#edited-fields")); !strings.Contains(e, env.Catalog.T("en", "catalogue.edited.purpose")) ||
		!strings.Contains(e, env.Catalog.T("en", "catalogue.edited.sources")) {
		t.Errorf("edited fields shown as %q", e)
	}

	// The next import brings new texts for both registers: the DPO's stay,
	// the other register takes the import's.
	for i := range res.Registers {
		r := &res.Registers[i]
		r.Purpose, r.DataContent, r.Recipients, r.Retention, r.Sources = "Ny P", "Ny D", "Ny R", "Ny L", "Ny K"
	}
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	got, _ = q.Register(env.Ctx, org.ID, target.ID)
	if got.Purpose != mine["purpose"] || got.DataContent != mine["data_content"] || got.Recipients != mine["recipients"] ||
		got.Retention != mine["retention"] || got.Sources != mine["sources"] {
		t.Errorf("the import overwrote the DPO's texts: %+v", got)
	}
	if o, _ := q.Register(env.Ctx, org.ID, other.ID); o.Purpose != "Ny P" || o.DataContent != "Ny D" || o.Recipients != "Ny R" ||
		o.Retention != "Ny L" || o.Sources != "Ny K" {
		t.Errorf("a register the DPO did not edit kept its texts after the import: %+v", o)
	}
}

// D-3: an import named a register's unit wrongly, and the DPO fixes it
// on the register's page: one of the organisation's units, or a new one,
// or none. The change is audited as the page's other edits (the field's
// name only), and a later import keeps the DPO's unit while it still
// updates the units of the registers the DPO left alone.
func TestRegisterUnitEditedByDPO_D3(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org, res := catSeed(t, env, "jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt")
	other, _ := catSeed(t, env, "kokkola", "Kokkola", "Karleby", "fi", "003_kokkola.txt")
	q := store.New(env.Pool)
	// The import names two units: the first register's is wrong.
	for i := range res.Registers {
		res.Registers[i].Unit = "Bildningsväsendet"
	}
	res.Registers[0].Unit = "Tekniska väsendet"
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	regs, err := q.Registers(env.Ctx, org.ID, store.RegisterFilter{})
	if err != nil || len(regs) < 2 {
		t.Fatalf("%d registers (%v)", len(regs), err)
	}
	var target, left store.Register
	for _, r := range regs {
		switch {
		case r.UnitName == "Tekniska väsendet":
			target = r
		case left.ID == 0:
			left = r
		}
	}
	if target.ID == 0 || left.UnitName != "Bildningsväsendet" {
		t.Fatalf("the import's units: %q and %q", target.UnitName, left.UnitName)
	}
	units, err := q.Units(env.Ctx, []int64{org.ID})
	if err != nil {
		t.Fatal(err)
	}
	unitID := func(name string) string {
		for _, u := range units {
			if u.Name == name {
				return strconv.FormatInt(u.ID, 10)
			}
		}
		t.Fatalf("no unit %q among %v", name, units)
		return ""
	}
	otherUnit, err := q.EnsureUnit(env.Ctx, other.ID, "Kokkolan yksikkö")
	if err != nil {
		t.Fatal(err)
	}

	ts := env.HTTP()
	dpo := catLogin(t, env, ts, "dpo@a.test", workflow.RoleDPO, org.ID)
	page := fmt.Sprintf("%s/staff/registers/%d", ts.URL, target.ID)
	action := fmt.Sprintf("/staff/registers/%d", target.ID)
	resp, doc := catDo(t, dpo, http.MethodGet, page, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("form: %d", resp.StatusCode)
	}
	// The list: none, the organisation's units (not another's), a new one;
	// the register's unit chosen.
	sel := catOne(t, doc, "select#f-unit")
	var values []string
	for _, o := range catAll(sel, "option") {
		values = append(values, htmlAttr(o, "value"))
	}
	want := []string{""}
	for _, u := range units {
		want = append(want, strconv.FormatInt(u.ID, 10))
	}
	want = append(want, "new")
	if !slices.Equal(values, want) || slices.Contains(values, strconv.FormatInt(otherUnit, 10)) {
		t.Errorf("unit choices %v, want %v", values, want)
	}
	form := htmlFormValues(htmlForm(doc, action))
	if form.Get("unit") != unitID("Tekniska väsendet") {
		t.Errorf("the form's unit is %q, want the register's", form.Get("unit"))
	}

	// A unit of another organisation, and a new unit without a name, are
	// refused with the field named; nothing is saved.
	for _, tc := range []struct{ unit, name, field string }{
		{strconv.FormatInt(otherUnit, 10), "", "unit"},
		{"new", "  ", "unit_new"},
	} {
		f := htmlFormValues(htmlForm(doc, action))
		f.Set("unit", tc.unit)
		f.Set("unit_new", tc.name)
		resp, edoc := catDo(t, dpo, http.MethodPost, page, f)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("unit %q: %d, want 422", tc.unit, resp.StatusCode)
		}
		if href, _ := htmlLookupAttr(catOne(t, catOne(t, edoc, "div.errors"), "a"), "href"); href != "#f-"+tc.field {
			t.Errorf("unit %q: the error summary links %q", tc.unit, href)
		}
	}
	if got, _ := q.Register(env.Ctx, org.ID, target.ID); got.UnitName != "Tekniska väsendet" || len(got.EditedFields) != 0 {
		t.Errorf("a refused unit saved: %q, edited %v", got.UnitName, got.EditedFields)
	}

	// One of the organisation's units.
	form.Set("unit", unitID("Bildningsväsendet"))
	if resp, _ := catDo(t, dpo, http.MethodPost, page, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	got, err := q.Register(env.Ctx, org.ID, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UnitName != "Bildningsväsendet" || !slices.Equal(got.EditedFields, []string{"unit"}) {
		t.Errorf("saved unit %q, edited %v", got.UnitName, got.EditedFields)
	}
	// A new unit: added to the organisation's and chosen.
	_, doc = catDo(t, dpo, http.MethodGet, page, nil)
	if e := htmlText(catOne(t, doc, "#edited-fields")); e != env.Catalog.T("en", "catalogue.edited.unit") {
		t.Errorf("edited fields shown as %q", e)
	}
	form = htmlFormValues(htmlForm(doc, action))
	form.Set("unit", "new")
	form.Set("unit_new", " Ungdomsservice ")
	if resp, _ := catDo(t, dpo, http.MethodPost, page, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save a new unit: %d", resp.StatusCode)
	}
	if got, _ = q.Register(env.Ctx, org.ID, target.ID); got.UnitName != "Ungdomsservice" {
		t.Errorf("the new unit saved as %q", got.UnitName)
	}
	if units, _ = q.Units(env.Ctx, []int64{org.ID}); unitID("Ungdomsservice") != strconv.FormatInt(got.UnitID, 10) {
		t.Error("the new unit is not the organisation's")
	}
	_, doc = catDo(t, dpo, http.MethodGet, page, nil)
	if v := htmlFormValues(htmlForm(doc, action)); v.Get("unit") != unitID("Ungdomsservice") || v.Get("unit_new") != "" {
		t.Errorf("the page after the new unit: unit %q, new %q", v.Get("unit"), v.Get("unit_new"))
	}

	// Audited as the page's other edits: the field's name, no value.
	evs, err := q.AuditTrail(env.Ctx, org.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	edits := 0
	for _, ev := range evs {
		if ev.Action != "register_edited" {
			continue
		}
		edits++
		b, _ := json.Marshal(ev.Data)
		if !strings.Contains(string(b), `"fields":["unit"]`) || strings.Contains(string(b), "Ungdomsservice") {
			t.Errorf("register_edited %s", b)
		}
	}
	if edits != 2 {
		t.Errorf("%d register_edited events, want 2", edits)
	}

	// A later import names the units again, and a new one for the others:
	// the DPO's unit stays, the other registers take the import's.
	for i := range res.Registers {
		res.Registers[i].Unit = "Social- och hälsovården"
	}
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	if got, _ = q.Register(env.Ctx, org.ID, target.ID); got.UnitName != "Ungdomsservice" {
		t.Errorf("the import overwrote the DPO's unit with %q", got.UnitName)
	}
	if l, _ := q.Register(env.Ctx, org.ID, left.ID); l.UnitName != "Social- och hälsovården" {
		t.Errorf("a register the DPO left alone kept its unit %q after the import", l.UnitName)
	}
}
