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

// PluralCategory returns the CLDR cardinal plural category of the integer
// n in lang. Finnish, Swedish and English share one rule (CLDR: "one" when
// i = 1 and v = 0, else "other"): 1 rekisteri, 2 rekisteriä; 1 register,
// 2 register; 1 register, 2 registers. A language with more categories
// adds its rule here.
func PluralCategory(lang string, n int) string {
	switch lang {
	case "fi", "sv", "en":
		if n == 1 || n == -1 {
			return "one"
		}
	}
	return "other"
}

// N returns the plural form of key for the count n in lang. A plural
// message is stored as KEY (the "other" form: "%d rekisteriä") and
// KEY.one ("%d rekisteri"); N picks KEY.one when n takes the "one" form
// and the catalogue has it, else KEY. The message is formatted with args,
// or with n alone when no args are given.
func (c *Catalog) N(lang, key string, n int, args ...any) string {
	if cat := PluralCategory(lang, n); cat != "other" {
		if k := key + "." + cat; c.Has(lang, k) {
			key = k
		}
	}
	if len(args) == 0 {
		// A message may name no count at all ("Linkit ovat
		// henkilökohtaisia."): then there is nothing to format.
		m, ok := c.Raw(lang, key)
		if !ok {
			m, _ = c.Raw("en", key)
		}
		if !strings.Contains(m, "%") {
			return c.T(lang, key)
		}
		args = []any{n}
	}
	return c.T(lang, key, args...)
}

// PluralKeys lists the keys that have a "one" form (KEY.one) in any
// language, sorted.
func (c *Catalog) PluralKeys() []string {
	seen := map[string]bool{}
	for _, m := range c.msgs {
		for k := range m {
			if base, ok := strings.CutSuffix(k, ".one"); ok {
				seen[base] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Raw returns the unformatted message of key in lang and whether it exists.
func (c *Catalog) Raw(lang, key string) (string, bool) {
	m, ok := c.msgs[lang][key]
	return m, ok
}

// Texts returns every message of lang by key (a copy), for checks over
// the whole catalogue such as the terms test.
func (c *Catalog) Texts(lang string) map[string]string {
	out := make(map[string]string, len(c.msgs[lang]))
	for k, v := range c.msgs[lang] {
		out[k] = v
	}
	return out
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

// N translates key in the plural form for the count n (see Catalog.N):
// {{.N "home.registers" .Registers}}.
func (t Translator) N(key string, n int, args ...any) string {
	return t.C.N(t.Lang, key, n, args...)
}
