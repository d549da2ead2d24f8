package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
)

// The page frame (issue 15, api/chrome.go): the organisation's name in the
// header on its pages, links to the status page and to the accessibility
// statement (FI-4, Act 306/2019) in the footer, a skip link whose target
// takes focus, and group errors that read like field errors.

// chromeFrame checks the header and footer of a page: on an organisation's
// page (org != "") the brand is its name and links to its catalogue, and
// the footer links its status page (when resident) and its statement.
func chromeFrame(t *testing.T, what string, p htmlPage, lang, slug, name string, resident bool) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("%s: %d", what, p.status)
	}
	brand := htmlByID(p.doc, "brand")
	if brand == nil {
		t.Fatalf("%s: no #brand", what)
	}
	skip := htmlFirst(p.doc, func(n *html.Node) bool { return htmlIs(n, "a") && htmlHasClass(n, "skip") })
	main := htmlByID(p.doc, "main")
	// The skip link's target must take focus (issue 15): tabindex -1.
	if skip == nil || htmlAttr(skip, "href") != "#main" || main == nil || !htmlIs(main, "main") || htmlAttr(main, "tabindex") != "-1" {
		t.Errorf("%s: skip link or its focusable #main missing", what)
	}
	a11y := htmlByID(p.doc, "footer-a11y")
	status := htmlByID(p.doc, "footer-status")
	product := htmlText(htmlByID(p.doc, "product"))
	if !strings.HasPrefix(product, "rightsdesk") {
		t.Errorf("%s: product name not in the footer: %q", what, product)
	}
	if slug == "" {
		if htmlText(brand) != "rightsdesk" || htmlAttr(brand, "href") != "/"+lang+"/" {
			t.Errorf("%s: brand %q -> %q", what, htmlText(brand), htmlAttr(brand, "href"))
		}
		if status != nil {
			t.Errorf("%s: status link outside an organisation", what)
		}
		if htmlAttr(a11y, "href") != "/"+lang+"/accessibility" {
			t.Errorf("%s: statement link %q", what, htmlAttr(a11y, "href"))
		}
		return
	}
	base := "/" + lang + "/o/" + slug
	if htmlText(brand) != name || htmlAttr(brand, "href") != base+"/" {
		t.Errorf("%s: brand %q -> %q, want %q -> %q", what, htmlText(brand), htmlAttr(brand, "href"), name, base+"/")
	}
	if resident && htmlAttr(status, "href") != base+"/status" {
		t.Errorf("%s: footer status link %q", what, htmlAttr(status, "href"))
	}
	if !resident && status != nil {
		t.Errorf("%s: owner's page shows the resident's status link", what)
	}
	if htmlAttr(a11y, "href") != base+"/accessibility" {
		t.Errorf("%s: statement link %q", what, htmlAttr(a11y, "href"))
	}
}

// Issue 15: every public page of an organisation carries its name in the
// page's language (a bilingual Finnish-first organisation: Swedish readers
// see the Swedish name) and links the status page and the statement.
func TestChromeOrgPagesFrame(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	for _, lang := range i18n.Langs {
		b := f.browser(t, "10.9.0.1")
		name := f.org.Name(lang)
		if lang == "sv" && name != "Testby" {
			t.Fatalf("Swedish name %q", name)
		}
		chromeFrame(t, lang+" home", b.get("/"+lang+"/"), lang, "", "", true)
		chromeFrame(t, lang+" catalogue", b.get(f.path(lang, "/")), lang, f.org.Slug, name, true)
		chromeFrame(t, lang+" register", b.get(f.path(lang, "/registers/"+strconv.FormatInt(f.regA, 10))), lang, f.org.Slug, name, true)
		chromeFrame(t, lang+" form", b.get(f.path(lang, "/request")), lang, f.org.Slug, name, true)
		chromeFrame(t, lang+" status", b.get(f.path(lang, "/status")), lang, f.org.Slug, name, true)
		chromeFrame(t, lang+" statement", b.get(f.path(lang, "/accessibility")), lang, f.org.Slug, name, true)
		chromeFrame(t, lang+" product statement", b.get("/"+lang+"/accessibility"), lang, "", "", true)

		// The catalogue page links the status page in its body too.
		p := b.get(f.path(lang, "/"))
		if a := htmlByID(p.doc, "status-link"); htmlAttr(a, "href") != f.path(lang, "/status") || htmlText(a) != f.env.Catalog.T(lang, "chrome.status.link") {
			t.Errorf("%s catalogue: status link %q", lang, htmlAttr(a, "href"))
		}
	}
}

// Issue 15: the receipt page and the receipt mail lead to the status page,
// and the link works: it opens the form asking for the request number.
func TestChromeStatusLinkedFromReceipt(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	for i, lang := range i18n.Langs {
		email := "status-link-" + lang + "@example.test"
		b := f.browser(t, "10.9.1."+strconv.Itoa(i+1))
		receipt, done := f.fileAndConfirm(t, b, lang, inMinimal(lang, email, "access"))
		chromeFrame(t, lang+" receipt page", done, lang, f.org.Slug, f.org.Name(lang), true)
		a := htmlByID(done.doc, "status-link")
		if a == nil || htmlAttr(a, "href") != f.path(lang, "/status") {
			t.Fatalf("%s: receipt page has no status link", lang)
		}
		if htmlText(a) != f.env.Catalog.T(lang, "chrome.status.link") {
			t.Errorf("%s: status link text %q", lang, htmlText(a))
		}
		st := b.get(htmlAttr(a, "href"))
		if st.status != http.StatusOK || htmlByID(st.doc, "receipt") == nil {
			t.Fatalf("%s: following the link: %d", lang, st.status)
		}

		f.env.WorkAll(jobargs.DeliverMail{}.Kind())
		want := f.env.Config.BaseURL + f.path(lang, "/status")
		found := false
		for _, m := range f.env.Catcher.Messages() {
			if !slices.Contains(m.To, email) || m.Headers.Get("X-Rightsdesk-Kind") != "receipt" {
				continue
			}
			found = true
			if !strings.Contains(m.Subject, receipt) {
				t.Errorf("%s: receipt mail subject %q", lang, m.Subject)
			}
			if !strings.Contains(m.Text, f.env.Catalog.T(lang, "mail.receipt.status")+": "+want) {
				t.Errorf("%s: receipt mail text lacks the status link %q:\n%s", lang, want, m.Text)
			}
			hdoc := htmlParse(t, m.HTML)
			if htmlFirst(hdoc, func(n *html.Node) bool { return htmlIs(n, "a") && htmlAttr(n, "href") == want }) == nil {
				t.Errorf("%s: receipt mail HTML lacks <a href=%q>", lang, want)
			}
		}
		if !found {
			t.Fatalf("%s: no receipt mail", lang)
		}
	}
}

// Issue 15: "choose at least one request" is an error like the others: the
// group is invalid, described by its hint and the error, the error styled
// and listed in the summary, in fi, sv and en.
func TestChromeRightsGroupError(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	for i, lang := range i18n.Langs {
		b := f.browser(t, "10.9.2."+strconv.Itoa(i+1))
		form := inMinimal(lang, "group-"+lang+"@example.test")
		p := f.submit(b, lang, form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: no rights: %d", lang, p.status)
		}
		msg := f.env.Catalog.T(lang, "intake.err.rights")
		fs := htmlByID(p.doc, "rights")
		if fs == nil || !htmlIs(fs, "fieldset") {
			t.Fatalf("%s: no rights fieldset", lang)
		}
		if htmlAttr(fs, "aria-invalid") != "true" {
			t.Errorf("%s: rights group lacks aria-invalid", lang)
		}
		if ids := strings.Fields(htmlAttr(fs, "aria-describedby")); !slices.Contains(ids, "rights-error") || !slices.Contains(ids, "rights-hint") {
			t.Errorf("%s: rights group described by %q", lang, htmlAttr(fs, "aria-describedby"))
		}
		e := htmlByID(p.doc, "rights-error")
		if e == nil || !htmlHasClass(e, "error") || htmlText(e) != msg {
			t.Errorf("%s: rights error %q", lang, htmlText(e))
		}
		if s := inSummary(t, p); s["#right-access"] != msg {
			t.Errorf("%s: summary %v", lang, s)
		}
		for _, right := range []string{"access", "erasure"} {
			if htmlAttr(htmlByID(p.doc, "right-"+right), "aria-invalid") != "true" {
				t.Errorf("%s: checkbox %s not invalid", lang, right)
			}
		}
		// A valid group is neither invalid nor described by an error.
		form.Set("rights", "access")
		form.Set("email", "not-an-email")
		p = f.submit(b, lang, form)
		if fs := htmlByID(p.doc, "rights"); htmlHasAttr(fs, "aria-invalid") || strings.Contains(htmlAttr(fs, "aria-describedby"), "rights-error") {
			t.Errorf("%s: valid rights group marked invalid", lang)
		}
	}
	// The style that makes it look like an error: red text outside .field
	// and a red border on an invalid group.
	css := f.browser(t, "10.9.2.9").get("/static/site.css").body
	for _, rule := range []string{"fieldset[aria-invalid=true] {", "\n.error {", "#main:focus"} {
		if !strings.Contains(css, rule) {
			t.Errorf("site.css lacks %q", rule)
		}
	}
}

// Issue 15: organisations on the home page sorted by their display name in
// the page's language, with each language's collation (Å before Ä in
// Finnish and Swedish, both among the a's in English); not by slug nor by
// bytes.
func TestChromeHomeSortedByCollatedName(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, o := range []store.Org{env.Org("o1", "Ähtäri", "Ärla", "fi"), env.Org("o2", "Åland", "Åland", "fi"), env.Org("o3", "Bromarv", "Bromarv", "fi")} {
		env.Register(o.ID, "Asiakasrekisteri", "c", "") // open to residents
	}
	h := env.Server().Handler()
	want := map[string][]string{
		"fi": {"Bromarv", "Åland", "Ähtäri"},
		"sv": {"Bromarv", "Åland", "Ärla"},
		"en": {"Ähtäri", "Åland", "Bromarv"},
	}
	for _, lang := range i18n.Langs {
		jar, _ := cookiejar.New(nil)
		b := &inBrowser{t: t, h: h, jar: jar, ip: "10.9.3.1"}
		p := b.get("/" + lang + "/")
		var got []string
		for _, li := range htmlElems(p.doc, func(n *html.Node) bool { return htmlIs(n, "li") && htmlHasClass(n, "card") }) {
			got = append(got, htmlText(htmlFirst(li, func(n *html.Node) bool { return htmlIs(n, "strong") })))
		}
		if !slices.Equal(got, want[lang]) {
			t.Errorf("%s: order %q, want %q", lang, got, want[lang])
		}
	}
}

// FI-4 (Act 306/2019): the accessibility statement exists in each language
// under its own name, states conformance, known gaps, the feedback channel
// (the organisation's privacy contact on its pages) and the supervising
// authority (Lupa- ja valvontavirasto since 2026).
func TestChromeAccessibilityStatement(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	titles := map[string]string{"fi": "Saavutettavuusseloste", "sv": "Tillgänglighetsutlåtande", "en": "Accessibility statement"}
	authority := map[string]string{"fi": "Lupa- ja valvontavirasto", "sv": "Tillstånds- och tillsynsverket", "en": "Finnish Supervisory Agency"}
	for _, lang := range i18n.Langs {
		b := f.browser(t, "10.9.4.1")
		for _, path := range []string{"/" + lang + "/accessibility", f.path(lang, "/accessibility")} {
			p := b.get(path)
			if p.status != http.StatusOK {
				t.Fatalf("%s: %d", path, p.status)
			}
			if got := htmlText(htmlByID(p.doc, "a11y-title")); got != titles[lang] {
				t.Errorf("%s: title %q", path, got)
			}
			if !strings.Contains(htmlText(htmlByID(p.doc, "a11y-conformance")), "WCAG 2.1") {
				t.Errorf("%s: no conformance statement", path)
			}
			gaps := htmlByID(p.doc, "a11y-gaps")
			if gaps == nil || len(htmlElems(gaps.Parent, func(n *html.Node) bool { return htmlIs(n, "li") })) < 2 {
				t.Errorf("%s: known gaps not listed", path)
			}
			if !strings.Contains(htmlText(htmlByID(p.doc, "a11y-authority-contact")), authority[lang]) {
				t.Errorf("%s: authority %q", path, htmlText(htmlByID(p.doc, "a11y-authority-contact")))
			}
			if strings.Contains(p.body, "Etelä-Suomen aluehallintovirasto") || strings.Contains(p.body, "saavutettavuusvaatimukset.fi") {
				t.Errorf("%s: names the former authority", path)
			}
			back := "/" + lang + "/"
			if strings.Contains(path, "/o/") {
				back = f.path(lang, "/")
			}
			if htmlAttr(htmlByID(p.doc, "a11y-back"), "href") != back {
				t.Errorf("%s: back link %q", path, htmlAttr(htmlByID(p.doc, "a11y-back"), "href"))
			}
			contact := htmlByID(p.doc, "a11y-contact")
			mail := htmlFirst(contact, func(n *html.Node) bool { return htmlIs(n, "a") })
			if strings.Contains(path, "/o/") {
				if htmlAttr(mail, "href") != "mailto:"+f.org.PrivacyEmail {
					t.Errorf("%s: feedback channel %q, want the privacy contact", path, htmlAttr(mail, "href"))
				}
			} else if contact == nil || mail != nil {
				t.Errorf("%s: generic statement should point to the organisations' contacts", path)
			}
		}
	}
}

// Issue 15: a register owner's task page is the organisation's page too (its
// name in the header, its statement in the footer) but offers no resident's
// status link.
func TestChromeTaskPageFrame(t *testing.T) {
	t.Parallel()
	tc := newTaskCase(t, "access", "c", nil)
	b := newOwnerBrowser(t, tc.env, tc.ts)
	chromeFrame(t, "task page", b.get(tc.link), "fi", tc.org.Slug, tc.org.Name("fi"), false)
	sv := "/sv" + strings.TrimPrefix(tc.link, "/fi")
	chromeFrame(t, "task page sv", b.get(sv), "sv", tc.org.Slug, tc.org.Name("sv"), false)
}

// Every page names its icon, and a browser's own /favicon.ico request is
// sent to it (it was a 404 for each new browser, logged under /:lang).
func TestChromeIcon(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Org("o1", "Espoo", "Esbo", "fi")
	h := env.Server().Handler()
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	if body := get("/sv/").Body.String(); !strings.Contains(body, `<link rel="icon" href="/static/icon.svg" type="image/svg+xml">`) {
		t.Errorf("the home page links no icon")
	}
	if rec := get("/favicon.ico"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/static/icon.svg" {
		t.Errorf("/favicon.ico: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	rec := get("/static/icon.svg")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg") {
		t.Errorf("the icon: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}
