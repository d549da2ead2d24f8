package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The HTTP mode (-mode http) times the pages as the DPO's browser sees
// them: two running `rightsdesk serve`, one on each database, signed in
// as the same DPO; every view is requested N times from each server in
// turn (the order flips every run, so neither always goes first) and the
// medians and their ratio large/small are printed. A page's time is to
// its last byte; the CSV export's is to the end of its first data row
// (the file is streamed in batches of 500; the first byte, the header,
// may leave before the first batch is read), with -csv-full-runs also to
// its last byte.
//
// Each answer must be 200 and carry the page's own marker: a redirect to
// the sign-in page or an error page fails the run instead of being timed.

// httpView is one page: how to request it and what its body must contain.
type httpView struct {
	name      string
	method    string
	path      string
	form      url.Values // POST body (the CSRF token is added)
	marker    string     // the body must contain this
	firstByte bool       // time to the first data row, not the last byte
}

// site is one running server, signed in.
type site struct {
	base   string
	client *http.Client
	csrf   string
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn opens a session as email on base and keeps its cookies.
func signIn(base, email, password string) (*site, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		return nil, fmt.Errorf("server URL must be http://127.0.0.1:PORT, got %q", base)
	}
	jar, _ := cookiejar.New(nil)
	s := &site{base: strings.TrimRight(base, "/"), client: &http.Client{
		Timeout: 5 * time.Minute,
		Jar:     jar,
		// One connection, kept alive: the timing is of the server's work,
		// not of TCP set-up.
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	body, status, err := s.get("/staff/login")
	if err != nil {
		return nil, err
	}
	m := csrfField.FindSubmatch(body)
	if status != http.StatusOK || m == nil {
		return nil, fmt.Errorf("%s/staff/login: status %d, CSRF token found: %v", s.base, status, m != nil)
	}
	form := url.Values{"_csrf": {string(m[1])}, "email": {email}, "password": {password}}
	resp, err := s.client.PostForm(s.base+"/staff/login", form)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/staff/login") {
		return nil, fmt.Errorf("%s: sign-in answered %d to %q (wrong password, or a second factor is due)", s.base, resp.StatusCode, resp.Header.Get("Location"))
	}
	// The dashboard's own token for the POSTed person search.
	body, status, err = s.get("/staff/")
	if err != nil {
		return nil, err
	}
	if m = csrfField.FindSubmatch(body); status != http.StatusOK || m == nil {
		return nil, fmt.Errorf("%s/staff/: status %d after signing in, CSRF token found: %v", s.base, status, m != nil)
	}
	s.csrf = string(m[1])
	return s, nil
}

func (s *site) get(path string) ([]byte, int, error) {
	resp, err := s.client.Get(s.base + path)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return b, resp.StatusCode, err
}

// fetch requests v once and returns the time to the end of the answer (or
// of the CSV's first row) and the length read.
func (s *site) fetch(v httpView, whole bool) (time.Duration, int, error) {
	var body io.Reader
	if v.method == http.MethodPost {
		f := url.Values{"_csrf": {s.csrf}}
		for k, vs := range v.form {
			f[k] = vs
		}
		body = strings.NewReader(f.Encode())
	}
	req, err := http.NewRequest(v.method, s.base+v.path, body)
	if err != nil {
		return 0, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	t0 := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var b []byte
	if v.firstByte && !whole {
		// Read to the end of the first data row (the header line and one
		// row: two newlines) and stop. The status line and the header
		// line may come before the first batch is read, so the first
		// byte alone would not time the query.
		buf := make([]byte, 4096)
		for bytes.Count(b, []byte("\n")) < 2 {
			k, rerr := resp.Body.Read(buf)
			b = append(b, buf[:k]...)
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				return 0, 0, rerr
			}
		}
	} else if b, err = io.ReadAll(resp.Body); err != nil {
		return 0, 0, err
	}
	tLast := time.Now()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("%s %s: status %d (%s)", v.method, v.path, resp.StatusCode, resp.Header.Get("Location"))
	}
	if !bytes.Contains(b, []byte(v.marker)) {
		return 0, 0, fmt.Errorf("%s %s: the answer lacks %q: %.300s", v.method, v.path, v.marker, b)
	}
	return tLast.Sub(t0), len(b), nil
}

// csvFullRuns: also read the CSV export to its end, this many times
// (-csv-full-runs; at 1M cases a whole filtered export takes about a
// minute here).
var csvFullRuns int

// unitID, when set (-unit-id), adds the dashboard filtered by that unit
// (the same id on both servers).
var unitID int64

func runHTTP(smallURL, largeURL, email, passwordFile, slug, person string, n int) error {
	pw, err := os.ReadFile(passwordFile)
	if err != nil {
		return err
	}
	password := strings.TrimRight(string(pw), "\r\n")
	small, err := signIn(smallURL, email, password)
	if err != nil {
		return err
	}
	large, err := signIn(largeURL, email, password)
	if err != nil {
		return err
	}
	org := url.PathEscape(slug)
	// Markers: the dashboard's band counts (the overdue one current in the
	// overdue band), the chosen state, the person search's result, the
	// statistics page's charts, the CSV's byte-order mark.
	views := []httpView{
		{name: "GET /staff/ (default)", method: http.MethodGet, path: "/staff/", marker: `id="count-overdue"`},
		{name: "GET /staff/?right=access&state=in_progress", method: http.MethodGet, path: "/staff/?right=access&state=in_progress", marker: `value="in_progress" selected`},
		{name: "GET /staff/?band=overdue", method: http.MethodGet, path: "/staff/?band=overdue", marker: `aria-current="true" id="count-overdue"`},
		{name: "POST /staff/search (person by email)", method: http.MethodPost, path: "/staff/search", form: url.Values{"person": {person}}, marker: `id="person-result"`},
		{name: "GET /staff/orgs/" + slug + "/stats", method: http.MethodGet, path: "/staff/orgs/" + org + "/stats", marker: `id="stats-charts"`},
		{name: "GET /staff/cases.csv?right=access&state=in_progress", method: http.MethodGet, path: "/staff/cases.csv?right=access&state=in_progress", marker: "\uFEFF", firstByte: true},
	}
	if unitID != 0 {
		id := strconv.FormatInt(unitID, 10)
		views = append(views[:3:3], append([]httpView{
			{name: "GET /staff/?unit=" + id, method: http.MethodGet, path: "/staff/?unit=" + id, marker: `value="` + id + `" selected`},
			{name: "GET /staff/?unit=" + id + "&right=access", method: http.MethodGet, path: "/staff/?unit=" + id + "&right=access", marker: `value="` + id + `" selected`},
		}, views[3:]...)...)
	}
	fmt.Printf("HTTP: small %s, large %s, %d runs each (alternating, order flipped every run), median ms\n", smallURL, largeURL, n)
	// Each line is printed as soon as its view is done (a long run can be
	// read, or stopped, on the way).
	line := func(name string, a, b float64, ns, nl int) {
		fmt.Printf("%-62s %9.1f %9.1f %7.2f %9d %9d\n", name, a, b, b/a, ns, nl)
	}
	fmt.Printf("%-62s %9s %9s %7s %9s %9s\n", "view", "small ms", "large ms", "ratio", "small B", "large B")
	for _, v := range views {
		// Warm both once (templates, plans, caches).
		for _, s := range []*site{small, large} {
			if _, _, err := s.fetch(v, false); err != nil {
				return err
			}
		}
		runs := func(n int, whole bool) (ls, ll []float64, ns, nl int, err error) {
			for i := range n {
				order := []*site{small, large}
				if i%2 == 1 {
					order = []*site{large, small}
				}
				for _, s := range order {
					last, size, err := s.fetch(v, whole)
					if err != nil {
						return nil, nil, 0, 0, err
					}
					if s == small {
						ls, ns = append(ls, ms(last)), size
					} else {
						ll, nl = append(ll, ms(last)), size
					}
				}
			}
			return ls, ll, ns, nl, nil
		}
		ls, ll, ns, nl, err := runs(n, false)
		if err != nil {
			return err
		}
		if !v.firstByte {
			line(v.name, median(ls), median(ll), ns, nl)
			continue
		}
		line(v.name+": first row", median(ls), median(ll), ns, nl)
		if csvFullRuns > 0 {
			ls, ll, ns, nl, err := runs(csvFullRuns, true)
			if err != nil {
				return err
			}
			line(fmt.Sprintf("%s: whole file (%d runs)", v.name, csvFullRuns), median(ls), median(ll), ns, nl)
		}
	}
	return nil
}
