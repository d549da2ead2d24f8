package api

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/registers"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// renderer holds every page parsed once at start-up: each
// templates/pages/NAME.html is parsed with the layout and renders as NAME.
type renderer struct {
	cat   *i18n.Catalog
	pages map[string]*template.Template
}

func newRenderer(cat *i18n.Catalog) (*renderer, error) {
	funcs := template.FuncMap{
		"date": func(d any) string {
			switch v := d.(type) {
			case workflow.Date:
				if v.IsZero() {
					return ""
				}
				return v.String()
			case *workflow.Date:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.String()
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(workflow.Helsinki()).Format("2006-01-02 15:04")
			case *time.Time:
				if v == nil {
					return ""
				}
				return v.In(workflow.Helsinki()).Format("2006-01-02 15:04")
			}
			return fmt.Sprint(d)
		},
		"join":     strings.Join,
		"contains": func(list []string, s string) bool { return contains(list, s) },
		"add":      func(a, b int) int { return a + b },
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(templates.FS, "pages/layout.html")
	if err != nil {
		return nil, err
	}
	// Shared partials (pages/_*.html) are available to every page.
	partials, _ := fs.Glob(templates.FS, "pages/_*.html")
	if len(partials) > 0 {
		if base, err = base.ParseFS(templates.FS, partials...); err != nil {
			return nil, err
		}
	}
	files, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{cat: cat, pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templates.FS, f)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Render implements echo.Renderer; data must be *Page.
func (r *renderer) Render(w io.Writer, name string, data any, c echo.Context) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// Page is what every page template sees: .T for messages, .Data for the
// page's own typed struct.
type Page struct {
	i18n.Translator
	Title     string
	CSRF      string
	Flash     string
	Home      string
	Path      string // current path without the language prefix, for language links
	LangLinks []LangLink
	Staff     *StaffUser
	DevMail   bool
	// SettingsNav: the user keeps some organisation's settings (its DPO
	// or administrator): the menu links them.
	SettingsNav bool
	// NewCaseNav: the user may enter a request for some organisation (not
	// a viewer only, whom the form refuses).
	NewCaseNav bool
	Data       any
	Org        *PageOrg // the organisation whose page this is (api/chrome.go)
	A11yURL    string   // its accessibility statement
	// RetryAt: a limit refused the request (429); when to try again.
	RetryAt string
}

// Date writes a date or an instant as the page's readers write it
// (terms.md: never ISO in fi or sv): {{$.Date $r.MissingSince}}.
func (p *Page) Date(d any) string {
	switch v := d.(type) {
	case workflow.Date:
		return workflow.FormatDate(v, p.Lang)
	case *workflow.Date:
		if v == nil {
			return ""
		}
		return workflow.FormatDate(*v, p.Lang)
	case time.Time:
		return workflow.FormatDateTime(v, p.Lang)
	case *time.Time:
		if v == nil {
			return ""
		}
		return workflow.FormatDateTime(*v, p.Lang)
	}
	return fmt.Sprint(d)
}

// Warning writes an importer warning (stored in English, registers
// warnings.go) in the page's language: {{$.Warning .}}. A text the table
// does not know is shown as it is.
func (p *Page) Warning(w string) string {
	key, args, ok := registers.WarningMessage(w)
	if !ok || !p.C.Has(p.Lang, key) {
		return w
	}
	return p.T(key, args...)
}

// LangLink is one entry of the language switcher.
type LangLink struct {
	Lang, Label, Href string
	Current           bool
}

var langLabels = map[string]string{"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}

// page builds the common page frame for the request.
func (s *Server) page(c echo.Context, lang, title string, data any) *Page {
	p := &Page{
		Translator: i18n.Translator{C: s.Catalog, Lang: lang},
		Title:      title,
		Data:       data,
	}
	if tok, ok := c.Get("csrf").(string); ok {
		p.CSRF = tok
	}
	if u, ok := c.Get(ctxStaff).(*StaffUser); ok {
		p.Staff = u
		p.DevMail = s.Catcher != nil && u.ActsAnywhere()
		p.SettingsNav = len(u.ActingOrgIDs()) > 0
		p.NewCaseNav = p.SettingsNav
	}
	reqPath := c.Request().URL.Path
	if p.Staff != nil || strings.HasPrefix(reqPath, "/staff") {
		p.Home = "/staff/"
		for _, l := range i18n.Langs {
			p.LangLinks = append(p.LangLinks, LangLink{Lang: l, Label: langLabels[l], Href: "/staff/lang/" + l + "?next=" + url.QueryEscape(reqPath), Current: l == lang})
		}
	} else {
		p.Home = "/" + lang + "/"
		rest := reqPath
		if len(rest) >= 3 && i18n.Valid(rest[1:3]) && (len(rest) == 3 || rest[3] == '/') {
			rest = rest[3:]
		}
		// Token pages (task, download) keep their path; the token is in
		// the path already and the link stays on our own origin.
		for _, l := range i18n.Langs {
			href := "/" + l + rest
			if rest == "" {
				href = "/" + l + "/"
			}
			p.LangLinks = append(p.LangLinks, LangLink{Lang: l, Label: langLabels[l], Href: href, Current: l == lang})
		}
	}
	p.frameOrg(c)
	p.RetryAt = s.retryAtText(c, lang)
	if f, err := c.Cookie("rd_flash"); err == nil && f.Value != "" {
		p.Flash = s.Catalog.T(lang, f.Value)
		c.SetCookie(&http.Cookie{Name: "rd_flash", Path: "/", MaxAge: -1})
	}
	return p
}

// render writes a page with status.
func (s *Server) render(c echo.Context, status int, name, lang, title string, data any) error {
	return c.Render(status, name, s.page(c, lang, title, data))
}

// flash sets a one-shot message key shown on the next page.
func flash(c echo.Context, key string) {
	c.SetCookie(&http.Cookie{Name: "rd_flash", Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// renderForm renders a form page that holds personal data: never cached,
// and its title says "Error:" first when the form has errors, so screen
// reader users hear it at once (WCAG 3.3.1).
func (s *Server) renderForm(c echo.Context, status int, name, lang, titleKey string, hasErrors bool, data any) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	title := s.Catalog.T(lang, titleKey)
	if hasErrors {
		title = s.Catalog.T(lang, "intake.errors.title_prefix") + " " + title
	}
	return s.render(c, status, name, lang, title, data)
}
