// Command loginload is the sign-in memory probe of `make bench` (issue 16,
// item 6): it sends N sign-ins at once, each from its own client address
// (X-Forwarded-For; the server must trust 127.0.0.1 as its proxy) and for
// its own email, so neither the address block nor the per-email lock
// stops them and every one wants an argon2 hash. Meanwhile it samples the
// server's resident memory from /proc/PID/status and prints the peak. It
// exits 1 when the peak exceeds -max-rss-mib.
//
//	loginload -base http://127.0.0.1:PORT -pid PID [-n 100] [-max-rss-mib 300]
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func main() {
	base := flag.String("base", "", "server URL, http://127.0.0.1:PORT")
	pid := flag.Int("pid", 0, "the server's process id (its memory is sampled)")
	n := flag.Int("n", 100, "parallel sign-ins")
	maxRSS := flag.Int("max-rss-mib", 300, "fail when the server's peak resident memory exceeds this")
	flag.Parse()
	if *base == "" || *pid == 0 {
		fmt.Fprintln(os.Stderr, "usage: loginload -base URL -pid PID [-n 100] [-max-rss-mib 300]")
		os.Exit(2)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: *n, MaxConnsPerHost: 0}}
	resp, err := client.Get(*base + "/staff/login")
	if err != nil {
		fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		fatal(fmt.Errorf("no CSRF token on the sign-in page (%d)", resp.StatusCode))
	}
	token := string(m[1])

	before := rssKiB(*pid, "VmRSS")
	var peak atomic.Int64
	peak.Store(before)
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rssKiB(*pid, "VmRSS"); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	type answer struct {
		status int
		took   time.Duration
	}
	answers := make([]answer, *n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range *n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"_csrf": {token}, "email": {fmt.Sprintf("load%d@example.test", i)}, "password": {"not the password " + strconv.Itoa(i)}}
			req, _ := http.NewRequest(http.MethodPost, *base+"/staff/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Origin", *base)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.77.%d.%d", i/250, i%250+1))
			<-start
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				answers[i] = answer{status: -1, took: time.Since(t0)}
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answers[i] = answer{status: resp.StatusCode, took: time.Since(t0)}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	total := time.Since(t0)
	close(stop)
	<-sampled

	statuses := map[int]int{}
	var took []time.Duration
	for _, a := range answers {
		statuses[a.status]++
		took = append(took, a.took)
	}
	slices.Sort(took)
	peakMiB := float64(peak.Load()) / 1024
	fmt.Printf("Sign-in memory probe: %d parallel sign-ins (own address and email each) in %s\n", *n, total.Round(time.Millisecond))
	fmt.Printf("  answers: %v (401 = checked and refused, 429 = waited too long for a hashing slot)\n", statuses)
	fmt.Printf("  latency p50 %s, max %s\n", took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	fmt.Printf("  server RSS: %.0f MiB before, peak %.0f MiB during (limit %d MiB); VmHWM %.0f MiB\n",
		float64(before)/1024, peakMiB, *maxRSS, float64(rssKiB(*pid, "VmHWM"))/1024)
	if statuses[-1] > 0 || statuses[http.StatusInternalServerError] > 0 {
		fatal(fmt.Errorf("%d connection errors, %d server errors", statuses[-1], statuses[500]))
	}
	if peakMiB > float64(*maxRSS) {
		fatal(fmt.Errorf("peak RSS %.0f MiB exceeds %d MiB", peakMiB, *maxRSS))
	}
}

// rssKiB reads a memory line (VmRSS, VmHWM) of /proc/PID/status, in KiB.
func rssKiB(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return 0
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loginload:", err)
	os.Exit(1)
}
