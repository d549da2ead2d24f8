package registers

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// htmlText returns the readable text of a web page: the <main> element (or
// role=main) when there is one, else the body; navigation, page headers
// and footers outside it, asides, cookie banners, skip links, forms,
// scripts and styles are dropped. Block elements end lines, list items
// become "• " lines and table cells are separated by tabs, so that tables
// and notices read as they do from text.
func htmlText(b []byte) (string, error) {
	r, err := charset.NewReader(bytes.NewReader(b), "text/html")
	if err != nil {
		r = bytes.NewReader(b)
	}
	doc, err := html.Parse(r)
	if err != nil {
		return "", err
	}
	root := findMain(doc)
	if root == nil {
		root = doc
	}
	w := &htmlWriter{}
	w.walk(root, root != doc)
	return w.text(), nil
}

func findMain(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && (n.DataAtom == atom.Main || attr(n, "role") == "main") {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := findMain(c); m != nil {
			return m
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return strings.ToLower(a.Val)
		}
	}
	return ""
}

// chromeClass: class or id words of page furniture.
var chromeClass = []string{"cookie", "consent", "gdpr", "skip-link", "skiplink", "skip-to", "breadcrumb", "sr-only", "screen-reader",
	"visually-hidden", "visuallyhidden", "site-header", "site-footer", "main-menu", "mainmenu", "navbar", "navigation", "share", "social",
	"some-links", "language-switch", "lang-switch", "search-form", "searchform"}

func isChrome(n *html.Node, inMain bool) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Nav, atom.Aside, atom.Form, atom.Iframe, atom.Svg,
		atom.Button, atom.Select, atom.Img, atom.Picture, atom.Video, atom.Audio, atom.Canvas, atom.Object, atom.Head, atom.Dialog:
		return true
	case atom.Header, atom.Footer:
		// A page header or footer; an article's own header (its title)
		// inside <main> is content.
		return !inMain
	}
	for _, a := range n.Attr {
		if a.Key == "hidden" {
			return true
		}
	}
	if attr(n, "aria-hidden") == "true" {
		return true
	}
	switch attr(n, "role") {
	case "navigation", "banner", "contentinfo", "search", "dialog", "alertdialog":
		return true
	}
	cls := attr(n, "class") + " " + attr(n, "id")
	for _, c := range chromeClass {
		if strings.Contains(cls, c) {
			return true
		}
	}
	return false
}

type htmlWriter struct {
	lines []string
	cur   strings.Builder
	pre   int
}

func (w *htmlWriter) endLine() {
	s := w.cur.String()
	w.cur.Reset()
	if strings.TrimSpace(s) == "" {
		return
	}
	w.lines = append(w.lines, strings.TrimRight(s, " "))
}

func (w *htmlWriter) blank() {
	w.endLine()
	if n := len(w.lines); n > 0 && w.lines[n-1] != "" {
		w.lines = append(w.lines, "")
	}
}

func (w *htmlWriter) text() string {
	w.endLine()
	return strings.TrimSpace(strings.Join(w.lines, "\n")) + "\n"
}

func (w *htmlWriter) walk(n *html.Node, inMain bool) {
	switch n.Type {
	case html.TextNode:
		t := n.Data
		if w.pre == 0 {
			t = strings.Join(strings.Fields(t), " ")
			if t == "" {
				if strings.TrimSpace(n.Data) == "" && len(n.Data) > 0 && w.cur.Len() > 0 {
					w.cur.WriteByte(' ')
				}
				return
			}
			if startsSpace(n.Data) && w.cur.Len() > 0 {
				w.cur.WriteByte(' ')
			}
			w.cur.WriteString(t)
			if endsSpace(n.Data) {
				w.cur.WriteByte(' ')
			}
			return
		}
		for i, part := range strings.Split(t, "\n") {
			if i > 0 {
				w.endLine()
			}
			w.cur.WriteString(part)
		}
		return
	case html.ElementNode:
		if isChrome(n, inMain) {
			return
		}
		if n.DataAtom == atom.Main || attr(n, "role") == "main" {
			inMain = true
		}
	case html.DocumentNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Br:
		w.endLine()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.P, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Blockquote, atom.Section, atom.Article:
		w.blank()
	case atom.Tr, atom.Div, atom.Dt, atom.Dd, atom.Address, atom.Figcaption, atom.Caption, atom.Hr, atom.Title:
		w.endLine()
	case atom.Li:
		w.endLine()
		w.cur.WriteString("• ")
	case atom.Pre:
		w.blank()
		w.pre++
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
			if hasCellBefore(c) {
				w.cur.WriteByte('\t')
			}
			w.walkCell(c, inMain)
			continue
		}
		w.walk(c, inMain)
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.P, atom.Table, atom.Ul, atom.Ol, atom.Dl, atom.Blockquote, atom.Section, atom.Article:
		w.blank()
	case atom.Tr, atom.Div, atom.Dt, atom.Dd, atom.Li, atom.Address, atom.Figcaption, atom.Caption, atom.Title:
		w.endLine()
	case atom.Pre:
		w.pre--
		w.blank()
	}
}

// walkCell writes a table cell's content on the current line: paragraphs
// and line breaks inside a cell become spaces.
func (w *htmlWriter) walkCell(n *html.Node, inMain bool) {
	sub := &htmlWriter{}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		sub.walk(c, inMain)
	}
	w.cur.WriteString(strings.Join(strings.Fields(sub.text()), " "))
}

func hasCellBefore(n *html.Node) bool {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode && (p.DataAtom == atom.Td || p.DataAtom == atom.Th) {
			return true
		}
	}
	return false
}

func startsSpace(s string) bool { return s != "" && strings.ContainsRune(" \t\n\r\f", rune(s[0])) }
func endsSpace(s string) bool   { return s != "" && strings.ContainsRune(" \t\n\r\f", rune(s[len(s)-1])) }
