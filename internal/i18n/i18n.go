// Package i18n holds the fi/sv/en message catalogues: JSON files with dotted
// keys (templates/locales/AREA.LANG.json), merged per language at start-up.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Langs are the supported languages, fi and sv first (FI-3); en is a
// courtesy language.
var Langs = []string{"fi", "sv", "en"}

// Valid reports whether lang is supported.
func Valid(lang string) bool {
	for _, l := range Langs {
		if l == lang {
			return true
		}
	}
	return false
}

// Catalog maps language -> key -> message.
type Catalog struct {
	msgs map[string]map[string]string
}

// Load reads every locales/*.LANG.json in fsys.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "locales/*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, l := range Langs {
		c.msgs[l] = map[string]string{}
	}
	for _, f := range files {
		base := strings.TrimSuffix(path.Base(f), ".json")
		dot := strings.LastIndexByte(base, '.')
		if dot < 0 || !Valid(base[dot+1:]) {
			return nil, fmt.Errorf("locale file %s: name must be AREA.{fi,sv,en}.json", f)
		}
		lang := base[dot+1:]
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("locale file %s: %w", f, err)
		}
		for k, v := range m {
			if _, dup := c.msgs[lang][k]; dup {
				return nil, fmt.Errorf("locale file %s: key %q defined twice", f, k)
			}
			c.msgs[lang][k] = v
		}
	}
	return c, nil
}

// T returns the message for key in lang, formatted with args (fmt verbs).
// A missing key renders as the key itself so it is visible, never blank.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		m, ok = c.msgs["en"][key]
		if !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Missing lists keys present in some language but absent in another, as
// "lang: key" lines (the completeness test uses it).
func (c *Catalog) Missing() []string {
	all := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			all[k] = true
		}
	}
	var out []string
	for _, l := range Langs {
		for k := range all {
			if _, ok := c.msgs[l][k]; !ok {
				out = append(out, l+": "+k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Translator binds a catalog to one language, for templates.
type Translator struct {
	C    *Catalog
	Lang string
}

// T translates in the bound language.
func (t Translator) T(key string, args ...any) string { return t.C.T(t.Lang, key, args...) }
