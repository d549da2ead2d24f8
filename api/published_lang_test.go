package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/jobs/jobargs"
)

// effectiveLang is the language a screen reader reads n in: the lang of
// the nearest element, n's own included, that sets one.
func effectiveLang(n *html.Node) string {
	for ; n != nil; n = n.Parent {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "lang" {
					return a.Val
				}
			}
		}
	}
	return ""
}

// publishedLangs checks every text of the page's body that is exactly one
// of the published texts (a register's name or purpose, the key) is read
// in the language it was published in (the value), and that each text
// named in must appears.
func publishedLangs(t *testing.T, what string, p htmlPage, texts map[string]string, must ...string) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("%s: %d", what, p.status)
	}
	seen := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "head" {
			return // the <title> is the page's own sentence
		}
		if n.Type == html.TextNode {
			txt := strings.TrimSpace(n.Data)
			if want, ok := texts[txt]; ok {
				seen[txt] = true
				if got := effectiveLang(n.Parent); got != want {
					t.Errorf("%s: %q is read as %q, published in %q (<%s>)", what, txt, got, want, n.Parent.Data)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(p.doc)
	for _, m := range must {
		if !seen[m] {
			t.Errorf("%s: %q not on the page", what, m)
		}
	}
}

// D-5: published text stays as published and is marked with its language
// for screen readers wherever a page in another language shows it: the
// catalogue (list and register page), the request form's register list,
// the receipt page and the status page (registers a withdrawal of consent
// does not reach). A Finnish register on a Swedish page carries lang="fi",
// a Swedish one on a Finnish page lang="sv"; on a page of its own language
// it needs none.
func TestPublishedTextCarriesItsLang_D5(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	ctx := f.env.Ctx
	for _, u := range []struct {
		id            int64
		lang, purpose string
	}{
		{f.regA, "fi", "Kirjaston lainaus- ja asiakastiedot"},
		{f.regB, "fi", "Oppilaiden opintotiedot"},
		{f.regC, "sv", "Tillstånd att använda gatuområden"},
	} {
		if _, err := f.env.Pool.Exec(ctx, `UPDATE registers SET language = $2, purpose = $3 WHERE id = $1`, u.id, u.lang, u.purpose); err != nil {
			t.Fatal(err)
		}
	}
	texts := map[string]string{
		"Kirjaston asiakasrekisteri": "fi", "Kirjaston lainaus- ja asiakastiedot": "fi",
		"Oppilasrekisteri": "fi", "Oppilaiden opintotiedot": "fi",
		"Katuluparekisteri": "sv", "Tillstånd att använda gatuområden": "sv",
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	for i, lang := range []string{"sv", "fi", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := f.browser(t, "10.40.0."+strconv.Itoa(i+1))
			publishedLangs(t, "catalogue", b.get(f.path(lang, "/")), texts,
				"Kirjaston asiakasrekisteri", "Oppilasrekisteri", "Katuluparekisteri", "Tillstånd att använda gatuområden")
			for _, r := range []int64{f.regA, f.regC} {
				publishedLangs(t, "register page", b.get(f.path(lang, "/registers/"+id(r))), texts)
			}
			publishedLangs(t, "Oppilasrekisteri's page", b.get(f.path(lang, "/registers/"+id(f.regB))), texts, "Oppilasrekisteri", "Oppilaiden opintotiedot")
			publishedLangs(t, "request form", b.get(f.path(lang, "/request?register="+id(f.regA))), texts,
				"Kirjaston asiakasrekisteri", "Oppilaiden opintotiedot", "Katuluparekisteri")

			// Withdrawal of consent chosen for two registers whose basis is
			// not consent: the receipt lists them, the status page says
			// the withdrawal does not reach them.
			email := "kieli." + lang + "@example.test"
			form := inMinimal(lang, email, "withdraw_consent")
			form.Set("scope", "chosen")
			form["register"] = []string{id(f.regB), id(f.regC)}
			receipt, done := f.fileAndConfirm(t, b, lang, form)
			publishedLangs(t, "receipt", done, texts, "Oppilasrekisteri", "Katuluparekisteri")
			sb := f.browser(t, "10.41.0."+strconv.Itoa(i+1))
			f.stAsk(t, sb, lang, receipt)
			f.env.WorkAll(jobargs.DeliverMail{}.Kind())
			var code []string
			for _, m := range f.env.Catcher.Messages() { // newest first
				if slices.Contains(m.To, email) && m.Headers.Get("X-Rightsdesk-Kind") == "status_code" {
					code = stCodeRe.FindStringSubmatch(m.Text)
					break
				}
			}
			if code == nil {
				t.Fatal("no status code mail")
			}
			p := sb.post(f.path(lang, "/status/code"), url.Values{"code": {code[1]}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("status code: %d", p.status)
			}
			view := sb.get(p.location())
			if htmlByID(view.doc, "consent-not") == nil {
				t.Fatal("the status page does not list the registers consent does not reach")
			}
			publishedLangs(t, "status", view, texts, "Oppilasrekisteri", "Katuluparekisteri")
		})
	}
}
