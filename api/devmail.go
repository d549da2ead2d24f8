package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

// The dev mail catcher's pages (embedded default only, s.Catcher != nil):
// DPOs and testers read what rightsdesk sent, e.g. owners' task links.
// Without the catcher the routes are 404s.

func (s *Server) devMailRoutes(g *echo.Group) {
	g.GET("/mail", s.devMailList)
	g.GET("/mail/:id", s.devMailShow)
}

type devMailListData struct {
	Messages []devMailItem
}

type devMailItem struct {
	ID, URL, To, Subject, At string
}

type devMailData struct {
	devMailItem
	From     string
	Segments []mailSegment
	HTML     string
}

// mailSegment is a run of a text body: plain text, or a link.
type mailSegment struct {
	Text string
	Link bool
}

var mailLinkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify splits text into plain runs and http(s) links, so the page can
// make links clickable without trusting the message's markup.
func mailLinkify(text string) []mailSegment {
	var out []mailSegment
	last := 0
	for _, m := range mailLinkPattern.FindAllStringIndex(text, -1) {
		if m[0] > last {
			out = append(out, mailSegment{Text: text[last:m[0]]})
		}
		link := strings.TrimRight(text[m[0]:m[1]], ".,;:)")
		out = append(out, mailSegment{Text: link, Link: true})
		last = m[0] + len(link)
	}
	if last < len(text) {
		out = append(out, mailSegment{Text: text[last:]})
	}
	return out
}

func (s *Server) devMailList(c echo.Context) error {
	if s.Catcher == nil {
		return errNotFound
	}
	lang := langOf(c)
	var d devMailListData
	for _, m := range s.Catcher.Messages() { // newest first
		d.Messages = append(d.Messages, devMailItem{ID: m.ID, URL: "/staff/mail/" + m.ID, To: strings.Join(m.To, ", "),
			Subject: m.Subject, At: caseTime(m.Received, lang)})
	}
	return s.render(c, http.StatusOK, "staff_mail", lang, s.Catalog.T(lang, "staffcase.mail.title"), d)
}

func (s *Server) devMailShow(c echo.Context) error {
	if s.Catcher == nil {
		return errNotFound
	}
	m, ok := s.Catcher.Get(c.Param("id"))
	if !ok {
		return errNotFound
	}
	lang := langOf(c)
	d := devMailData{
		devMailItem: devMailItem{ID: m.ID, To: strings.Join(m.To, ", "), Subject: m.Subject, At: caseTime(m.Received, lang)},
		From:        m.From, Segments: mailLinkify(m.Text), HTML: m.HTML,
	}
	// The HTML part is shown in a sandboxed iframe (srcdoc): no scripts,
	// no same-origin access, and the page's CSP still applies.
	return s.render(c, http.StatusOK, "staff_mail_show", lang, m.Subject, d)
}
