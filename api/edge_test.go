package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The edge (api/edge.go): every form is parsed there, whatever headers the
// browser sends, and must pass both CSRF checks, fetch metadata and token.

// rawPost sends form to the intake form as-is: only the headers given, none
// of asBrowser's defaults, so each CSRF path can be tried on its own.
func (f *inFixture) rawPost(t *testing.T, b *inBrowser, lang string, form url.Values, hdr map[string]string, token bool) htmlPage {
	t.Helper()
	if p := b.get(f.path(lang, "/request")); p.status != http.StatusOK {
		t.Fatalf("form: %d", p.status)
	}
	if token {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, f.path(lang, "/request"), strings.NewReader(form.Encode()))
	req.RemoteAddr = b.ip + ":41000"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	for _, ck := range b.jar.Cookies(inBase) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return htmlPage{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// The blocker of issue 15: with Sec-Fetch-Site, which every browser sends,
// the form arrived empty. Both the browser path and a plain client (curl,
// no fetch metadata) get through with the token; cross-origin posts and
// posts without the token are refused and store nothing.
func TestEdgeCSRFBothPaths(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	cases := []struct {
		name   string
		hdr    map[string]string
		token  bool
		status int
	}{
		{"browser same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}, true, http.StatusSeeOther},
		{"plain client, no fetch metadata", nil, true, http.StatusSeeOther},
		{"browser without token", map[string]string{"Sec-Fetch-Site": "same-origin"}, false, http.StatusForbidden},
		{"plain client without token", nil, false, http.StatusForbidden},
		{"cross-site with a valid token", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, true, http.StatusForbidden},
		{"same-site sibling with a valid token", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.example.com"}, true, http.StatusForbidden},
		{"old browser, foreign Origin", map[string]string{"Origin": "https://evil.example"}, true, http.StatusForbidden},
	}
	stored := 0
	for i, tc := range cases {
		b := f.browser(t, "10.7.0."+string(rune('1'+i)))
		form := inMinimal("fi", "edge"+string(rune('a'+i))+"@example.test", "access")
		p := f.rawPost(t, b, "fi", form, tc.hdr, tc.token)
		if p.status != tc.status {
			t.Errorf("%s: %d, want %d: %.300s", tc.name, p.status, tc.status, p.body)
		}
		if tc.status == http.StatusSeeOther {
			stored++
			if !strings.HasSuffix(p.header.Get("Location"), "/confirm") {
				t.Errorf("%s: went to %q, want the code page", tc.name, p.header.Get("Location"))
			}
		}
		if n := f.cases(t); n != stored {
			t.Errorf("%s: %d cases stored, want %d", tc.name, n, stored)
		}
	}
}

// Text that cannot be stored is a localized 422 naming the field (never the
// value), stores nothing and does not count against the rate limit.
func TestEdgeBadTextNamesTheField(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.7.1.1")
	want := map[string]string{"fi": "”Nimi”", "sv": "”Namn”", "en": "“Name”"}
	for i := 0; i < 12; i++ { // more than the per-address limit of valid submissions
		lang := []string{"fi", "sv", "en"}[i%3]
		form := inMinimal(lang, "bad@example.test", "access")
		form.Set("name", []string{"Maija\x00", "Maija \xff", "Maija\x1b[31m"}[i%3])
		p := f.submit(b, lang, form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, want[lang]) {
			t.Fatalf("bad name (%s) = %d, want 422 naming %s: %.400s", lang, p.status, want[lang], p.body)
		}
		if strings.Contains(p.body, "Maija") {
			t.Fatal("the refused value was echoed")
		}
	}
	if n := f.cases(t); n != 0 {
		t.Fatalf("%d cases stored from refused text", n)
	}
	if p := f.submit(b, "fi", inMinimal("fi", "good@example.test", "access")); p.status != http.StatusSeeOther {
		t.Fatalf("a valid request after refused ones = %d: refused posts must not count against the limit", p.status)
	}
}

// Issue 16 item 10: 10,000 register ids exceed Go's form field limit; the
// person is told so, not that their session expired.
func TestEdgeTooManyFields(t *testing.T) {
	t.Parallel()
	f := newInFixture(t)
	b := f.browser(t, "10.7.2.1")
	form := inMinimal("fi", "many@example.test", "access")
	form.Set("scope", "chosen")
	for i := 0; i < 10_001; i++ {
		form.Add("registers", "1")
	}
	p := f.submit(b, "fi", form)
	if p.status != http.StatusRequestEntityTooLarge || !strings.Contains(p.body, "liian monta kenttää") {
		t.Fatalf("10,001 fields = %d, want 413 saying there were too many fields: %.300s", p.status, p.body)
	}
	if n := f.cases(t); n != 0 {
		t.Fatalf("%d cases stored", n)
	}
}

// The JSON API checks decoded text the same way: a \u0000 escape is valid
// JSON that PostgreSQL refuses.
func TestEdgeJSONBadText(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	for _, body := range []string{
		`{"rights":["access"],"name":"Maija\u0000","email":"maija@example.test"}`,
		`{"rights":["access"],"name":"Maija","email":"maija@example.test","details":"x\u0007"}`,
	} {
		code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body)
		if code != http.StatusUnprocessableEntity || out["error"] != "error.badtext" || out["field"] == "" {
			t.Errorf("%q = %d %s, want 422 error.badtext with the field", body, code, raw)
		}
	}
	if n := f.cases(t); n != 0 {
		t.Fatalf("%d cases stored", n)
	}
}
