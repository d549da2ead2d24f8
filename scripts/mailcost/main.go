// Command mailcost measures what an intake costs with its code mail
// delivered (issue 21, docs/scale.md section 12): two or more running
// rightsdesk servers, each on its own PostgreSQL (e.g. one with MAIL_FAST=0,
// every mail through River, and one with the fast path), in alternating
// rounds. Each round, per server: wait until no mail is pending, read the
// PostgreSQL CPU (postmaster and its children, /proc) and the WAL position,
// file requests through the JSON API (or the web form) with C clients for
// D, wait until every mail is sent, read both again. It prints req/s
// during the load, the time the mail took to drain after it, and
// PostgreSQL CPU ms and WAL bytes per intake, delivery included.
//
//	mailcost -server river,http://127.0.0.1:P1,TOKEN1,'host=/tmp/s1 port=X user=postgres dbname=rightsdesk',/path/pgdata1 \
//	         -server fast,http://127.0.0.1:P2,TOKEN2,'host=...',/path/pgdata2 [-clients 8,32] [-duration 10s] [-rounds 3] [-form]
//
// Only 127.0.0.1 is accepted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

type server struct {
	label, base, token, dsn, pgdata string
	pool                            *pgxpool.Pool
	seq                             atomic.Int64
}

type servers []*server

func (s *servers) String() string { return "" }
func (s *servers) Set(v string) error {
	p := strings.SplitN(v, ",", 5)
	if len(p) != 5 {
		return fmt.Errorf("want label,base,token,pgdsn,pgdata: %q", v)
	}
	u, err := url.Parse(p[1])
	if err != nil || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("base must be http://127.0.0.1:PORT: %q", p[1])
	}
	*s = append(*s, &server{label: p[0], base: p[1], token: p[2], dsn: p[3], pgdata: p[4]})
	return nil
}

type tally struct {
	reqs, errs   int
	firstErr     error
	load, drain  time.Duration
	cpuMS        float64
	walBytes     float64
	loadAtStarts []string
}

func main() {
	var ss servers
	flag.Var(&ss, "server", "label,base URL,API token,PostgreSQL DSN,PGDATA (repeat)")
	clientsFlag := flag.String("clients", "8,32", "client counts")
	duration := flag.Duration("duration", 10*time.Second, "load per round and server")
	rounds := flag.Int("rounds", 3, "alternating rounds")
	form := flag.Bool("form", false, "file through the web form instead of the API")
	flag.Parse()
	if len(ss) < 1 {
		fatal(fmt.Errorf("no -server"))
	}
	ctx := context.Background()
	for _, s := range ss {
		p, err := pgxpool.New(ctx, s.dsn)
		if err != nil {
			fatal(err)
		}
		s.pool = p
	}
	path := "POST /api/v1/requests"
	if *form {
		path = "POST web form"
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "clients\tserver\tpath\treq/s\tdrain after load\tPG CPU ms/intake\tWAL bytes/intake\tload averages at round starts\t\n")
	for _, c := range parseClients(*clientsFlag) {
		t := make([]tally, len(ss))
		for r := range *rounds {
			for k := range ss {
				i := k
				if r%2 == 1 {
					i = len(ss) - 1 - k
				}
				if err := round(ctx, ss[i], &t[i], c, *duration, *form); err != nil {
					fatal(fmt.Errorf("%s: %w", ss[i].label, err))
				}
			}
		}
		for i, s := range ss {
			x := t[i]
			if x.errs > 0 {
				fmt.Fprintf(os.Stderr, "mailcost: %s: %d of %d requests failed (first: %v)\n", s.label, x.errs, x.reqs, x.firstErr)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%.0f\t%s\t%.2f\t%.0f\t%s\t\n", c, s.label, path,
				float64(x.reqs-x.errs)/x.load.Seconds(), (x.drain / time.Duration(*rounds)).Round(time.Millisecond),
				x.cpuMS/float64(x.reqs-x.errs), x.walBytes/float64(x.reqs-x.errs), strings.Join(x.loadAtStarts, " "))
		}
	}
	tw.Flush()
}

func parseClients(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-clients: %q", f))
		}
		out = append(out, n)
	}
	return out
}

// round runs one measure against s and adds it to t.
func round(ctx context.Context, s *server, t *tally, clients int, d time.Duration, form bool) error {
	if _, err := drain(ctx, s); err != nil {
		return err
	}
	la, _ := os.ReadFile("/proc/loadavg")
	t.loadAtStarts = append(t.loadAtStarts, strings.Fields(string(la))[0])
	cpu0, err := pgCPU(s.pgdata)
	if err != nil {
		return err
	}
	var wal0 string
	if err := s.pool.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&wal0); err != nil {
		return err
	}
	n, errs, took, first := load(s, clients, d, form)
	drained, err := drain(ctx, s)
	if err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond) // the backends' CPU is counted
	cpu1, err := pgCPU(s.pgdata)
	if err != nil {
		return err
	}
	var wal float64
	if err := s.pool.QueryRow(ctx, `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)`, wal0).Scan(&wal); err != nil {
		return err
	}
	t.reqs += n
	t.errs += errs
	if t.firstErr == nil {
		t.firstErr = first
	}
	t.load += took
	t.drain += drained
	t.cpuMS += cpu1 - cpu0
	t.walBytes += wal
	return nil
}

// drain waits until no mail is pending and no mail job is due or running
// (2 minutes at most).
func drain(ctx context.Context, s *server) (time.Duration, error) {
	start := time.Now()
	for {
		var pending int
		if err := s.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM outbox WHERE state = 'pending')
			+ (SELECT count(*) FROM river_job WHERE kind = 'deliver_mail' AND state IN ('available', 'running', 'retryable')
			   OR (kind = 'deliver_mail' AND state = 'scheduled' AND scheduled_at <= now()))`).Scan(&pending); err != nil {
			return 0, err
		}
		if pending == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > 2*time.Minute {
			return 0, fmt.Errorf("%d mails or mail jobs still pending after 2 minutes", pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pgCPU is the CPU milliseconds of the postmaster of pgdata, its reaped
// children and its live children.
func pgCPU(pgdata string) (float64, error) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	pm := strings.SplitN(string(b), "\n", 2)[0]
	ticks := func(pid string, withChildren bool) (int64, string) {
		st, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			return 0, ""
		}
		s := string(st)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // f[0] is field 3 (state)
		var n int64
		last := 15
		if withChildren {
			last = 17
		}
		for i := 14; i <= last; i++ {
			v, _ := strconv.ParseInt(f[i-3], 10, 64)
			n += v
		}
		return n, f[1] // ppid
	}
	total, _ := ticks(pm, true)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		if n, ppid := ticks(d.Name(), false); ppid == pm {
			total += n
		}
	}
	return float64(total) * 1000 / 100, nil // USER_HZ is 100 on Linux
}

// load files requests with c clients for d.
func load(s *server, c int, d time.Duration, form bool) (n, errs int, took time.Duration, first error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		w, err := newWorker(s, form)
		if err != nil {
			return 1, 1, time.Second, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				err := w()
				mu.Lock()
				n++
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return n, errs, time.Since(start), first
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// newWorker is one client: the JSON API with a new person and
// Idempotency-Key each time, or the web form like a browser (as
// scripts/intakeload files them).
func newWorker(s *server, form bool) (func() error, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Timeout: 30 * time.Second, Jar: jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if !form {
		return func() error {
			n := s.seq.Add(1)
			body, _ := json.Marshal(map[string]any{"rights": []string{"access"}, "name": "Maija Meikäläinen",
				"email": fmt.Sprintf("cost%d@example.test", n), "details": "Pyydän kaikki tietoni.", "lang": "fi"})
			req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/requests", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+s.token)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("cost-%d-%d", time.Now().UnixNano(), n))
			resp, err := client.Do(req)
			return expect(resp, err, http.StatusCreated)
		}, nil
	}
	page := s.base + "/fi/o/raseborg/request"
	resp, err := client.Get(page)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(b)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on %s", page)
	}
	csrf := string(m[1])
	return func() error {
		n := s.seq.Add(1)
		v := url.Values{"_csrf": {csrf}, "rights": {"access"}, "scope": {"all"}, "period": {"all"}, "delivery": {"electronic"},
			"behalf": {"self"}, "name": {"Maija Meikäläinen"}, "email": {fmt.Sprintf("costform%d@example.test", n)},
			"details": {"Pyydän kaikki tietoni."}, "reply_lang": {"fi"}}
		req, _ := http.NewRequest(http.MethodPost, page, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255))
		resp, err := client.Do(req)
		return expect(resp, err, http.StatusSeeOther)
	}, nil
}

func expect(resp *http.Response, err error, status int) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		return fmt.Errorf("status %d, want %d: %.200s", resp.StatusCode, status, b)
	}
	return nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mailcost:", err)
	os.Exit(1)
}
