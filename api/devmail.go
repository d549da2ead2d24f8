package api

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The dev mail catcher's pages (embedded default or SMTP_URL=catcher only,
// s.Catcher != nil): DPOs and testers read what rightsdesk sent, e.g.
// owners' task links. Without the catcher the routes are 404s.
//
// Tenant isolation (issue 16, item 1): a caught message is matched by its
// Message-ID to the outbox row that sent it, and shown only to staff of
// that row's organisation. Mail no outbox row claims (or one without an
// organisation) is shown to nobody. Staff invitations are also shown to
// whoever manages the organisation's staff (CanManageStaff): a platform
// administrator sets up a new organisation and invites its first DPO
// (issue 19), an invitation no member could see otherwise; on the
// embedded default, with no real mailbox behind the catcher, it was out
// of reach.
//
// Only staff who can act for the organisation (its DPO or administrator)
// read its mail here: nearly every message carries a link that acts (an
// owner's task, a staff invitation, a requester's code), and a read-only
// viewer who opened an administrator's invitation became one (found in a
// walkthrough). A viewer is not offered the page.

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
	msgs, err := s.visibleMail(c, s.Catcher.Messages()) // newest first
	if err != nil {
		return err
	}
	for _, m := range msgs {
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
	if vis, err := s.visibleMail(c, []mail.Caught{m}); err != nil {
		return err
	} else if len(vis) == 0 {
		return errNotFound // another organisation's mail looks like none
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

// visibleMail keeps the messages whose outbox row belongs to one of the
// signed-in user's organisations, in the given order.
func (s *Server) visibleMail(c echo.Context, msgs []mail.Caught) ([]mail.Caught, error) {
	u := staffUser(c)
	if u == nil || len(msgs) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if m.MessageID != "" {
			ids = append(ids, m.MessageID)
		}
	}
	origins, err := store.New(s.Pool).OutboxOriginsByMessageID(c.Request().Context(), ids)
	if err != nil {
		return nil, err
	}
	var out []mail.Caught
	for _, m := range msgs {
		o, ok := origins[strings.Trim(strings.TrimSpace(m.MessageID), "<>")]
		if ok && (u.CanAct(o.OrgID) || o.Kind == workflow.MailStaffInvite && u.CanManageStaff(o.OrgID)) {
			out = append(out, m)
		}
	}
	return out, nil
}
