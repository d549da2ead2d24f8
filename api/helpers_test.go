package api_test

import (
	"cmp"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// Shared helpers of the package's page tests: parsing pages with
// golang.org/x/net/html and selecting on the tree (not substrings), and
// fetching pages and posting forms with a cookie-jar client
// (testenv.Client()).

// ---- pages ------------------------------------------------------------------

// htmlPage is one response: the body, and its parsed tree when the
// response is text/html.
type htmlPage struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
	resp   *http.Response // body already read and closed
}

func (p htmlPage) location() string { return p.header.Get("Location") }

// csrf is the form token of the page's first _csrf field; a page without
// one fails the test.
func (p htmlPage) csrf(t *testing.T) string {
	t.Helper()
	v, _ := htmlCSRF(p.doc)
	if v == "" {
		t.Fatal("page has no CSRF token")
	}
	return v
}

// summary returns the error summary's entries as "#field: message".
func (p htmlPage) summary() []string {
	box := htmlByID(p.doc, "error-summary")
	if box == nil {
		return nil
	}
	var out []string
	for _, a := range htmlElems(box, func(n *html.Node) bool { return htmlIs(n, "a") }) {
		out = append(out, htmlAttr(a, "href")+": "+htmlTextSpaced(a))
	}
	return out
}

// htmlFetch sends req with c (redirects are the client's business), reads
// the body and parses it when it is HTML.
func htmlFetch(t *testing.T, c *http.Client, req *http.Request) htmlPage {
	t.Helper()
	asBrowser(req)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := htmlPage{status: resp.StatusCode, header: resp.Header, body: string(body), resp: resp}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		p.doc = htmlParse(t, p.body)
	}
	return p
}

// formRequest builds a request to u; a non-nil form is sent URL-encoded.
func formRequest(t *testing.T, method, u string, form url.Values) *http.Request {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// asBrowser adds what every current browser sends with a form post: fetch
// metadata and the Origin. The CSRF middleware once skipped parsing the form
// when it saw Sec-Fetch-Site, so the tests post the way browsers do. A test
// that sets either header itself keeps its own.
func asBrowser(req *http.Request) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return
	}
	if req.Header.Get("Sec-Fetch-Site") == "" {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	if req.Header.Get("Origin") == "" {
		req.Header.Set("Origin", "http://"+req.Host)
	}
}

// ---- the tree ---------------------------------------------------------------

func htmlParse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// htmlFindAll returns every node below n (n included, text nodes too) for
// which pred holds, in document order; a nil n has none.
func htmlFindAll(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n == nil {
			return
		}
		if pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// htmlElems is htmlFindAll over element nodes only.
func htmlElems(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	return htmlFindAll(n, func(x *html.Node) bool { return x.Type == html.ElementNode && pred(x) })
}

// htmlFirst is the first element for which pred holds, or nil.
func htmlFirst(n *html.Node, pred func(*html.Node) bool) *html.Node {
	if all := htmlElems(n, pred); len(all) > 0 {
		return all[0]
	}
	return nil
}

func htmlIs(n *html.Node, tag string) bool { return n.Type == html.ElementNode && n.Data == tag }

func htmlByID(doc *html.Node, id string) *html.Node {
	return htmlFirst(doc, func(n *html.Node) bool { return htmlAttr(n, "id") == id })
}

// htmlLookupAttr is the value of attribute key and whether n has it.
func htmlLookupAttr(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func htmlAttr(n *html.Node, key string) string {
	v, _ := htmlLookupAttr(n, key)
	return v
}

func htmlHasAttr(n *html.Node, key string) bool {
	_, ok := htmlLookupAttr(n, key)
	return ok
}

func htmlHasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(htmlAttr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// htmlForm is the page's form that posts to action (nil when none).
func htmlForm(doc *html.Node, action string) *html.Node {
	return htmlFirst(doc, func(n *html.Node) bool { return htmlIs(n, "form") && htmlAttr(n, "action") == action })
}

// htmlFormValues is what a browser submits for form as it stands: its
// named inputs (checkboxes and radios when checked), textareas (their
// text as written) and selects (the selected option, else the first).
func htmlFormValues(form *html.Node) url.Values {
	v := url.Values{}
	for _, n := range htmlElems(form, func(n *html.Node) bool { return htmlAttr(n, "name") != "" }) {
		name := htmlAttr(n, "name")
		switch {
		case htmlIs(n, "input"):
			switch htmlAttr(n, "type") {
			case "checkbox", "radio":
				if htmlHasAttr(n, "checked") {
					v.Add(name, cmp.Or(htmlAttr(n, "value"), "on"))
				}
			case "submit", "button", "file":
			default:
				v.Add(name, htmlAttr(n, "value"))
			}
		case htmlIs(n, "textarea"):
			var sb strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				sb.WriteString(c.Data)
			}
			v.Add(name, sb.String())
		case htmlIs(n, "select"):
			opts := htmlElems(n, func(o *html.Node) bool { return htmlIs(o, "option") })
			if len(opts) == 0 {
				continue
			}
			pick := opts[0]
			for _, o := range opts {
				if htmlHasAttr(o, "selected") {
					pick = o
				}
			}
			if htmlHasAttr(pick, "value") { // value="" is sent as ""
				v.Add(name, htmlAttr(pick, "value"))
			} else {
				v.Add(name, htmlText(pick))
			}
		}
	}
	return v
}

// htmlCSRF is the value of the first _csrf input and whether there is one.
func htmlCSRF(doc *html.Node) (string, bool) {
	in := htmlFirst(doc, func(n *html.Node) bool { return htmlIs(n, "input") && htmlAttr(n, "name") == "_csrf" })
	if in == nil {
		return "", false
	}
	return htmlAttr(in, "value"), true
}

// htmlText is the text below n with whitespace collapsed ("" for nil).
func htmlText(n *html.Node) string {
	return htmlTextBreaking(n, func(*html.Node) bool { return false })
}

// htmlTextSpaced is htmlText with a space between any two text nodes.
func htmlTextSpaced(n *html.Node) string {
	return htmlTextBreaking(n, func(x *html.Node) bool { return x.Type == html.TextNode })
}

// htmlTextBreaking is htmlText with a space before every node for which
// brk holds.
func htmlTextBreaking(n *html.Node, brk func(*html.Node) bool) string {
	var sb strings.Builder
	for _, x := range htmlFindAll(n, func(*html.Node) bool { return true }) {
		if brk(x) {
			sb.WriteString(" ")
		}
		if x.Type == html.TextNode {
			sb.WriteString(x.Data)
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}
