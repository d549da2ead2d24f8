package mail

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText turns an HTML mail body into plain text for reading: the text
// of the document, paragraphs and line breaks kept, scripts, styles and
// the head dropped, entities decoded. Links keep their target after the
// text when it differs, so the DPO sees where it pointed.
func HTMLText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	skip := 0 // inside <script>, <style>, <head>, <title>
	var href []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip == 0 {
				b.WriteString(collapseSpace(string(z.Text())))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Head, atom.Title:
				if tt == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
				continue
			case atom.Br:
				b.WriteString("\n")
			case atom.P, atom.Div, atom.Tr, atom.Table, atom.Blockquote, atom.Pre,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Hr:
				b.WriteString("\n")
				if a == atom.P && end {
					b.WriteString("\n")
				}
			case atom.Li:
				if !end {
					b.WriteString("\n- ")
				}
			case atom.Td, atom.Th:
				if end {
					b.WriteString("\t")
				}
			case atom.A:
				if !end {
					target := ""
					for hasAttr {
						var k, v []byte
						k, v, hasAttr = z.TagAttr()
						if string(k) == "href" {
							target = string(v)
						}
					}
					href = append(href, target)
				} else if n := len(href); n > 0 {
					t := href[n-1]
					href = href[:n-1]
					if (strings.HasPrefix(t, "http://") || strings.HasPrefix(t, "https://")) && !strings.HasSuffix(b.String(), t) {
						b.WriteString(" <" + t + ">")
					}
				}
			}
		}
	}
}

var spaceRun = regexp.MustCompile(`[ \t\r\n\f\x{00A0}]+`)

// collapseSpace folds HTML white space as a browser does (non-breaking
// spaces included: Outlook writes &nbsp; for every empty line).
func collapseSpace(s string) string {
	return spaceRun.ReplaceAllString(s, " ")
}

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidyText trims every line and leaves at most one empty line in a row.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
