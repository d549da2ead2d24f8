package workflow

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

// composer renders templates/mail/KIND.tmpl: each file defines "subject",
// "text" and "html" and is rendered per language with .T for messages.
// The text part uses text/template, the html part html/template (escaped).
type composer struct {
	cat  *i18n.Catalog
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
	// bound holds, per kind and supported language, the templates with
	// .T and .N bound to that language, cloned once at start (issue 21):
	// a clone per mail, and html/template escaping each clone anew on its
	// first run, cost more CPU than the rest of the code mail. Templates
	// are safe to execute concurrently; html/template escapes a bound
	// copy once, on its first run, under its own lock.
	bound map[string]map[string]boundMail
}

// boundMail is one kind's templates bound to one language.
type boundMail struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

func newComposer(cat *i18n.Catalog) (*composer, error) {
	files, err := fs.Glob(templates.FS, "mail/*.tmpl")
	if err != nil {
		return nil, err
	}
	c := &composer{cat: cat, text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{},
		bound: map[string]map[string]boundMail{}}
	tfuncs := texttemplate.FuncMap{"T": func(string, ...any) string { return "" }, "N": func(string, int, ...any) string { return "" }}
	hfuncs := htmltemplate.FuncMap{"T": func(string, ...any) string { return "" }, "N": func(string, int, ...any) string { return "" }}
	// Files named _*.tmpl are partials (blocks several mails share, e.g.
	// the refusal's remedies): parsed into every mail, not mails themselves.
	var partials []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			b, err := fs.ReadFile(templates.FS, f)
			if err != nil {
				return nil, err
			}
			partials = append(partials, string(b))
		}
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".tmpl")
		if strings.HasPrefix(name, "_") {
			continue
		}
		b, err := fs.ReadFile(templates.FS, f)
		if err != nil {
			return nil, err
		}
		tt, err := texttemplate.New(name).Funcs(tfuncs).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		ht, err := htmltemplate.New(name).Funcs(hfuncs).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("mail template %s: %w", name, err)
		}
		for _, p := range partials {
			if _, err := tt.Parse(p); err != nil {
				return nil, fmt.Errorf("mail partial in %s: %w", name, err)
			}
			if _, err := ht.Parse(p); err != nil {
				return nil, fmt.Errorf("mail partial in %s: %w", name, err)
			}
		}
		for _, part := range []string{"subject", "text", "html"} {
			if tt.Lookup(part) == nil {
				return nil, fmt.Errorf("mail template %s: no %q block", name, part)
			}
		}
		c.text[name], c.html[name] = tt, ht
		c.bound[name] = map[string]boundMail{}
		for _, lang := range i18n.Langs {
			b, err := c.bind(name, lang)
			if err != nil {
				return nil, fmt.Errorf("mail template %s (%s): %w", name, lang, err)
			}
			c.bound[name][lang] = b
		}
	}
	return c, nil
}

// bind clones kind's templates with .T and .N in lang.
func (c *composer) bind(kind, lang string) (boundMail, error) {
	tr := func(key string, args ...any) string { return c.cat.T(lang, key, args...) }
	nr := func(key string, n int, args ...any) string { return c.cat.N(lang, key, n, args...) }
	ttc, err := c.text[kind].Clone()
	if err != nil {
		return boundMail{}, err
	}
	ttc.Funcs(texttemplate.FuncMap{"T": tr, "N": nr})
	htc, err := c.html[kind].Clone()
	if err != nil {
		return boundMail{}, err
	}
	htc.Funcs(htmltemplate.FuncMap{"T": tr, "N": nr})
	return boundMail{text: ttc, html: htc}, nil
}

// render returns subject, text and HTML of a mail in lang.
func (c *composer) render(kind, lang string, data any) (subject, text, html string, err error) {
	b, ok := c.bound[kind][lang]
	if !ok {
		if _, known := c.text[kind]; !known {
			return "", "", "", fmt.Errorf("no mail template %q", kind)
		}
		// A language outside i18n.Langs: bound for this mail only, as
		// before (the catalog falls back for its messages).
		var err error
		if b, err = c.bind(kind, lang); err != nil {
			return "", "", "", err
		}
	}
	ttc, htc := b.text, b.html
	var sb, tb, hb bytes.Buffer
	if err := ttc.ExecuteTemplate(&sb, "subject", data); err != nil {
		return "", "", "", err
	}
	if err := ttc.ExecuteTemplate(&tb, "text", data); err != nil {
		return "", "", "", err
	}
	if err := htc.ExecuteTemplate(&hb, "html", data); err != nil {
		return "", "", "", err
	}
	return strings.TrimSpace(sb.String()), strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}
