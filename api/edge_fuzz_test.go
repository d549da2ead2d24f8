package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// Issue 16 item 7: the form decoder at the edge answers any body with a
// 4xx or a form whose every accepted value is storable text; never a
// panic or a 500.
func FuzzEdgeForm(f *testing.F) {
	f.Add("application/x-www-form-urlencoded", "name=Maija&details=p%C3%A4%C3%A4sy")
	f.Add("application/x-www-form-urlencoded", "name=%00&x=%ff%fe")
	f.Add("application/x-www-form-urlencoded", "a=1;b=2&%zz=3&=&&")
	f.Add("multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"n\"\r\n\r\nv\x00\r\n--b--\r\n")
	f.Add("multipart/form-data", "--b\r\n")
	f.Add("text/plain", "x=y")
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest(http.MethodPost, "/fi/o/x/request", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		err := parseForm(r)
		if err != nil {
			var he *echo.HTTPError
			if !errors.As(err, &he) || he.Code < 400 || he.Code >= 500 {
				t.Fatalf("parseForm error %v is not a 4xx", err)
			}
			return
		}
		if _, ok := checkValues(r.PostForm); ok {
			for k, vs := range r.PostForm {
				if !goodText(k) {
					t.Fatalf("key %q passed", k)
				}
				for _, v := range vs {
					if !goodText(v) || strings.ContainsRune(v, 0) {
						t.Fatalf("value %q passed", v)
					}
				}
			}
		}
	})
}

// The typed code (intake, status page, download) is six ASCII digits or
// refused, whatever was typed.
func FuzzTypedCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "12-34-56", "١٢٣٤٥٦", "12345", "1234567", "\x00123456", ""} {
		f.Add(s)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, typed string) {
		form := url.Values{"code": {typed}}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c := e.NewContext(r, httptest.NewRecorder())
		code, ok := typedCode(c)
		if ok && (len(code) != 6 || strings.Trim(code, "0123456789") != "") {
			t.Fatalf("%q accepted as %q", typed, code)
		}
	})
}

// The Idempotency-Key header is accepted only as 1 to 255 printable ASCII
// characters (issue 16 item 8): it is stored and compared as is.
func FuzzIdempotencyKey(f *testing.F) {
	for _, s := range []string{"abc-123", "", " ", strings.Repeat("k", 255), strings.Repeat("k", 256), "ä", "a\x00b", "a\tb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if !validIdempotencyKey(k) {
			return
		}
		if k == "" || len(k) > maxIdempotencyKey {
			t.Fatalf("length %d accepted", len(k))
		}
		for i := 0; i < len(k); i++ {
			if k[i] <= ' ' || k[i] > '~' {
				t.Fatalf("%q accepted", k)
			}
		}
	})
}
