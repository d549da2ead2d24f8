package pdf

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

// The accessible HTML twin of a letter (issue 18; Act 306/2019): fpdf
// cannot tag a PDF for screen readers, so every letter is also offered as
// an HTML page with the same content. The same drawing code runs: each
// text primitive (title1, heading, subheading, para, bullets, field, box,
// the extract table, the authority block, the signature) also writes its
// semantic HTML when d.h is set, so the two cannot drift apart. Headings
// are h1-h3, the extract a table with th scope="col", the page's lang the
// letter's language. Page furniture (the running head, "sivu 1 / 3", the
// window envelope's address field) has no HTML counterpart; the
// letterhead's organisation, date, number and recipient are at the top.

// htmlStyle is the page's only style; HTMLStyleHash allows it in a CSP.
const htmlStyle = `body{font-family:"DejaVu Sans",Verdana,sans-serif;max-width:48rem;margin:1rem auto;padding:0 1rem;line-height:1.5;color:#111}` +
	`p,dd{white-space:pre-line}dl.field{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:0 1rem;margin:.3rem 0}` +
	`dt{font-weight:bold}dd{margin:0}.box{background:#eee;border-left:.4rem solid #333;padding:.5rem 1rem;margin:1rem 0}` +
	`.table-wrap{overflow-x:auto}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #888;padding:.2rem .4rem;text-align:left;vertical-align:top}` +
	`th{background:#eee}header{border-bottom:1px solid #aaa;margin-bottom:1rem}` +
	`@media (max-width:30rem){dl.field{display:block}}`

// HTMLStyleHash is the CSP source of the HTML letters' style element.
var HTMLStyleHash = func() string {
	s := sha256.Sum256([]byte(htmlStyle))
	return "'sha256-" + base64.StdEncoding.EncodeToString(s[:]) + "'"
}()

type htmlOut struct {
	b strings.Builder
}

func esc(s string) string { return html.EscapeString(strings.TrimRight(s, "\r\n")) }

func (d *doc) hw(format string, args ...any) {
	if d.h != nil {
		fmt.Fprintf(&d.h.b, format, args...)
	}
}

// HTML renders l as an accessible HTML document (UTF-8).
func (r *Renderer) HTML(l Letter) (out []byte, err error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	d := newDoc(r.cat, &l)
	defer func() { // as in Render: a letter fpdf cannot draw is an error
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("rendering %s letter: drawing failed", l.Kind)
		}
	}()
	d.h = &htmlOut{}
	title := d.title() + " " + l.RequestNumber
	d.hw("<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n",
		esc(l.Lang), esc(title), htmlStyle)
	d.hw("<header>\n<p><strong>%s</strong></p>\n", esc(l.Org.Name))
	if len(l.Org.Address) > 0 {
		d.hw("<p>%s</p>\n", esc(strings.Join(l.Org.Address, "\n")))
	}
	d.hw("<p>%s</p>\n", esc(d.t("letter."+string(l.Kind)+".doctype")))
	d.hw("<dl class=\"field\"><dt>%s</dt><dd>%s</dd></dl>\n", esc(d.t("letter.date")), esc(d.instantDate(l.Date)))
	d.hw("<dl class=\"field\"><dt>%s</dt><dd>%s</dd></dl>\n", esc(d.t("letter.request_number")), esc(l.RequestNumber))
	if l.Recipient.Name != "" {
		d.hw("<p>%s</p>\n", esc(strings.Join(l.Recipient.Lines(), "\n")))
	}
	d.hw("</header>\n<main>\n")
	d.body()
	if err := d.p.Error(); err != nil {
		return nil, fmt.Errorf("rendering %s letter: %w", l.Kind, err)
	}
	d.hw("</main>\n</body>\n</html>\n")
	return []byte(d.h.b.String()), nil
}

func (d *doc) htmlTable(t table) {
	if d.h == nil {
		return
	}
	d.hw("<div class=\"table-wrap\"><table>\n")
	if t.named() {
		d.hw("<thead><tr>")
		for _, h := range t.header {
			d.hw("<th scope=\"col\">%s</th>", esc(h))
		}
		d.hw("</tr></thead>\n")
	}
	d.hw("<tbody>\n")
	for _, r := range t.rows {
		d.hw("<tr>")
		for _, c := range r {
			d.hw("<td>%s</td>", esc(c))
		}
		d.hw("</tr>\n")
	}
	d.hw("</tbody>\n</table></div>\n")
}
