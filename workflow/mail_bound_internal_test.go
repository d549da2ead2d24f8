package workflow

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"rightsdesk/internal/i18n"
	"rightsdesk/templates"
)

func testComposer(tb testing.TB) *composer {
	tb.Helper()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := newComposer(cat)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// renderPerMail is how a mail was rendered before issue 21: its
// templates cloned and bound to the language for this one mail.
func (c *composer) renderPerMail(kind, lang string, data any) (string, string, string, error) {
	b, err := c.bind(kind, lang)
	if err != nil {
		return "", "", "", err
	}
	var sb, tb, hb bytes.Buffer
	if err := b.text.ExecuteTemplate(&sb, "subject", data); err != nil {
		return "", "", "", err
	}
	if err := b.text.ExecuteTemplate(&tb, "text", data); err != nil {
		return "", "", "", err
	}
	if err := b.html.ExecuteTemplate(&hb, "html", data); err != nil {
		return "", "", "", err
	}
	return sb.String(), tb.String(), hb.String(), nil
}

// Issue 21: the code mail (ID-2) rendered from the templates bound once
// per language is what a fresh clone per mail renders, in every language,
// also from many goroutines at once (the first run escapes the HTML part),
// and each language keeps its own words.
func TestIssue21BoundMailTemplatesRenderLikeAFreshClone(t *testing.T) {
	t.Parallel()
	c := testComposer(t)
	var wg sync.WaitGroup
	subjects := map[string]string{}
	var mu sync.Mutex
	for _, lang := range i18n.Langs {
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				data := codeMail{Lang: lang, Code: fmt.Sprintf("%06d", 123450+g), OrgName: "Raseborg <&> \"stad\"", Minutes: 30}
				subj, text, html, err := c.render("code", lang, data)
				if err != nil {
					t.Errorf("%s: %v", lang, err)
					return
				}
				ws, wt, wh, err := c.renderPerMail("code", lang, data)
				if err != nil {
					t.Errorf("%s: %v", lang, err)
					return
				}
				if subj != strings.TrimSpace(ws) || text != strings.TrimSpace(wt)+"\n" || html != wh {
					t.Errorf("%s: bound render differs from a fresh clone:\n%q\n%q", lang, html, wh)
				}
				if !bytes.Contains([]byte(text), []byte(data.Code)) || !bytes.Contains([]byte(html), []byte(data.Code)) {
					t.Errorf("%s: the code is missing from the mail", lang)
				}
				if bytes.Contains([]byte(html), []byte("<&>")) {
					t.Errorf("%s: the organisation's name is not escaped in the HTML part", lang)
				}
				mu.Lock()
				subjects[lang] = subj
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	if subjects["fi"] == subjects["sv"] || subjects["fi"] == subjects["en"] {
		t.Errorf("languages share a subject: %q", subjects)
	}
	if _, _, _, err := c.render("no-such-kind", "fi", nil); err == nil {
		t.Error("an unknown mail kind rendered")
	}
}

// BenchmarkIssue21CodeMail compares, in one run, the code mail rendered
// from the templates bound once per language (Bound) with its baseline, a
// clone per mail as before (Baseline): the ratio is what issue 21's change
// saves per intake on the Go side.
func BenchmarkIssue21CodeMail(b *testing.B) {
	c := testComposer(b)
	data := codeMail{Lang: "fi", Code: "123456", OrgName: "Raseborg", Minutes: 30}
	b.Run("Bound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := c.render("code", "fi", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Baseline", func(b *testing.B) { // a clone per mail
		b.ReportAllocs()
		for b.Loop() {
			if _, _, _, err := c.renderPerMail("code", "fi", data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
