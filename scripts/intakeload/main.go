// Command intakeload is the intake part of `make bench` (issue 21): it
// files requests through a running rightsdesk on 127.0.0.1 (the JSON API
// with an API token and an Idempotency-Key, and the public web form with
// its CSRF token) and measures them against pgbench on the same
// PostgreSQL in the same run:
//
//   - baseline: raw single-row INSERT transactions (one autocommit INSERT
//     of a small row, pgbench -M prepared);
//   - intake SQL: pgbench running the intake's own statements (intake.sql
//     beside this file: the case, its key, the requester, the audit event
//     and chain head, the outbox row written claimed for the fast path's
//     send, and the idempotency key, in one transaction), which shows what
//     Go, HTTP, the mail and River add.
//
// For each client count it prints throughput, p50 and p99, and the ratios.
// Every measure of one client count runs back to back, so the ratios hold
// even on a machine shared with other work (the absolute numbers do not).
//
// Usage:
//
//	intakeload -base http://127.0.0.1:PORT -token rdt_... -org raseborg \
//	    -pgbench /usr/lib/postgresql/15/bin/pgbench -pgdsn 'host=/tmp/rdpgX port=5432 user=postgres dbname=rightsdesk' \
//	    [-clients 1,8,32,100] [-duration 10s]
//
// With -large-base URL -large-token T it compares two servers instead, one
// on a small database (-base) and one on a large one, in alternating
// rounds, without pgbench (compare.go): the intake's cost at 10k and at 1M
// cases.
//
// Any answer but 201 (API) or 303 (form) is an error and makes it exit 1.
// It refuses any host but 127.0.0.1.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

//go:embed intake.sql
var intakeSQL string

const baselineSQL = "INSERT INTO intake_bench_baseline (payload) VALUES ('x');\n"

// settleBenchMail cancels the intake script's outbox rows (claimed for a
// day, intake.sql), which nobody will send; the server's own are claimed
// for 105 s at most.
const settleBenchMail = `UPDATE outbox SET state = 'cancelled', claimed_until = NULL WHERE state = 'pending' AND claimed_until > now() + interval '12 hours'`

func main() {
	base := flag.String("base", "", "server URL, http://127.0.0.1:PORT")
	token := flag.String("token", "", "API token of the organisation (rightsdesk token add)")
	org := flag.String("org", "raseborg", "organisation slug")
	pgbench := flag.String("pgbench", "", "pgbench binary")
	pgdsn := flag.String("pgdsn", "", "connection string of the server's database, for pgbench")
	maxPG := flag.Int("pgbench-max-clients", 70, "pgbench clients at most (the server's pool also needs connections under max_connections)")
	clientsFlag := flag.String("clients", "1,8,32,100", "client counts, comma separated")
	duration := flag.Duration("duration", 15*time.Second, "length of each measure")
	form := flag.Bool("form", true, "also measure the web form")
	rounds := flag.Int("rounds", 3, "each measure is split into this many rounds, interleaved, so a change in the machine's other load falls on all of them alike")
	largeBase := flag.String("large-base", "", "compare mode: a second server, on a larger database (-base is the smaller); no pgbench")
	largeToken := flag.String("large-token", "", "compare mode: API token of the organisation on -large-base")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		fatal(fmt.Errorf("-base must be http://127.0.0.1:PORT, got %q", *base))
	}
	var clients []int
	for _, s := range strings.Split(*clientsFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-clients: %q", s))
		}
		clients = append(clients, n)
	}
	if *largeBase != "" {
		lu, err := url.Parse(*largeBase)
		if err != nil || lu.Scheme != "http" || lu.Hostname() != "127.0.0.1" || lu.Port() == "" {
			fatal(fmt.Errorf("-large-base must be http://127.0.0.1:PORT, got %q", *largeBase))
		}
		if *token == "" || *largeToken == "" {
			fatal(errors.New("-token and -large-token are required"))
		}
		small := &loader{base: u.String(), token: *token, org: *org}
		large := &loader{base: lu.String(), token: *largeToken, org: *org}
		for _, l := range []*loader{small, large} {
			if r := l.run(l.api, 4, 2*time.Second); r.errors > 0 {
				fatal(fmt.Errorf("warm-up of %s: %d of %d API requests failed (first: %v)", l.base, r.errors, r.done, r.firstErr))
			}
		}
		stdout, stderr = os.Stdout, os.Stderr
		if compare(small, large, clients, *rounds, *duration, *form) {
			os.Exit(1)
		}
		return
	}
	if *token == "" || *pgbench == "" || *pgdsn == "" {
		fatal(errors.New("-token, -pgbench and -pgdsn are required"))
	}
	dir, err := os.MkdirTemp("", "intakeload")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	pg := &pgRunner{bin: *pgbench, dsn: *pgdsn, dir: dir}
	if err := pg.setup(*org); err != nil {
		fatal(err)
	}

	ld := &loader{base: u.String(), token: *token, org: *org}
	// Warm up: connections, prepared statements, templates.
	if r := ld.run(ld.api, 4, 2*time.Second); r.errors > 0 {
		fatal(fmt.Errorf("warm-up: %d of %d API requests failed (first: %v)", r.errors, r.done, r.firstErr))
	}
	if err := pg.fillSizes(); err != nil {
		fatal(err)
	}

	var rows []row
	failed := false
	for _, c := range clients {
		pc := min(c, *maxPG)
		r := row{clients: c, pgClients: pc}
		// pgbench needs a few seconds per run to connect its clients and
		// settle (more with many clients on a busy machine): rounds of at
		// least 5 s plus 200 ms a client.
		minSlice := 5*time.Second + time.Duration(pc)*200*time.Millisecond
		n := max(min(*rounds, int(*duration/minSlice)), 1)
		slice := max(*duration/time.Duration(n), minSlice)
		var pgErr error
		for range n {
			b, err := pg.run("baseline", baselineSQL, pc, slice)
			if err != nil {
				pgErr = err
				break
			}
			is, err := pg.run("intake", intakeSQL, pc, slice)
			if err != nil {
				pgErr = err
				break
			}
			// The script's mails stay pending, claimed for a day; left in
			// place, the server's mail backstop reads all of them every
			// 30 s while the HTTP measures run (tens of thousands by the
			// last round).
			if _, err := pg.psql(settleBenchMail); err != nil {
				pgErr = err
				break
			}
			r.baseline.add(b)
			r.intakeSQL.add(is)
			r.api.add(ld.run(ld.api, c, slice))
			if *form {
				r.form.add(ld.run(ld.form, c, slice))
			}
		}
		if pgErr != nil {
			fmt.Fprintf(os.Stderr, "intakeload: %d clients not measured: %v\n", c, pgErr)
			failed = true
			continue
		}
		r.baseline.done(n)
		r.intakeSQL.done(n)
		slices.Sort(r.api.latencies)
		slices.Sort(r.form.latencies)
		for _, x := range []result{r.api, r.form} {
			if x.errors > 0 {
				fmt.Fprintf(os.Stderr, "intakeload: %d clients: %d of %d requests failed (first: %v)\n", c, x.errors, x.done, x.firstErr)
				failed = true
			}
		}
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "intakeload: %d clients measured\n", c)
	}
	report(os.Stdout, rows, *duration, *form)
	fmt.Println("Goals: POST /api/v1/requests and the form >= 0.150x the baseline at 8 and 32 clients; p99/p50 <= 10x at 100 clients.")
	if failed {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "intakeload:", err)
	os.Exit(2)
}

// ---- pgbench -------------------------------------------------------------

type pgRunner struct {
	bin, dsn, dir string
}

func (p *pgRunner) psql(sql string) (string, error) {
	psql := filepath.Join(filepath.Dir(p.bin), "psql")
	if _, err := os.Stat(psql); err != nil {
		psql = "psql"
	}
	out, err := exec.Command(psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", p.dsn, "-c", sql).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// setup creates the baseline table and finds the organisation's id for
// the intake script.
func (p *pgRunner) setup(org string) error {
	if _, err := p.psql(`CREATE TABLE IF NOT EXISTS intake_bench_baseline (id bigserial PRIMARY KEY, payload text NOT NULL)`); err != nil {
		return err
	}
	id, err := p.psql(fmt.Sprintf(`SELECT id FROM organisations WHERE slug = '%s'`, strings.ReplaceAll(org, "'", "")))
	if err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("no organisation %q", org)
	}
	intakeSQL = strings.ReplaceAll(intakeSQL, ":org_id", id)
	return nil
}

var bytesRe = regexp.MustCompile(`\{\{bytes:([a-z_]+)\.([a-z_]+)\}\}`)

// fillSizes replaces each {{bytes:TABLE.COLUMN}} of the intake script with
// random (incompressible, like sealed data) bytes as long as the column's
// average over the server's latest intakes (the code mails for outbox).
func (p *pgRunner) fillSizes() error {
	var err error
	sizes := map[string]string{}
	intakeSQL = bytesRe.ReplaceAllStringFunc(intakeSQL, func(m string) string {
		sm := bytesRe.FindStringSubmatch(m)
		table, col := sm[1], sm[2]
		n, ok := sizes[m]
		if !ok {
			where := ""
			if table == "outbox" {
				where = "WHERE kind = 'code'"
			}
			out, err2 := p.psql(fmt.Sprintf(`SELECT coalesce(round(avg(length(%s))), 16)::int FROM (SELECT %s FROM %s %s ORDER BY ctid DESC LIMIT 200) s`,
				col, col, table, where))
			if err2 != nil {
				err = err2
				return m
			}
			n, sizes[m] = out, out
		}
		k, _ := strconv.Atoi(n)
		b := make([]byte, max(k, 1))
		_, _ = rand.Read(b)
		return `'\x` + hex.EncodeToString(b) + `'::bytea`
	})
	return err
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
var latRe = regexp.MustCompile(`latency average = ([0-9.]+) ms`)

type pgResult struct {
	tps     float64
	latency time.Duration
}

// add sums rounds; done averages them (rounds are of equal length).
func (p *pgResult) add(o pgResult) { p.tps += o.tps; p.latency += o.latency }
func (p *pgResult) done(n int) {
	n = max(n, 1)
	p.tps /= float64(n)
	p.latency /= time.Duration(n)
}

func (p *pgRunner) run(name, script string, clients int, d time.Duration) (pgResult, error) {
	f := filepath.Join(p.dir, name+".sql")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		return pgResult{}, err
	}
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, 8)),
		"-T", strconv.Itoa(max(1, int(d.Round(time.Second).Seconds()))), "-f", f, p.dsn}
	out, err := exec.Command(p.bin, args...).CombinedOutput()
	if err != nil {
		return pgResult{}, fmt.Errorf("pgbench %s at %d clients: %v\n%s", name, clients, err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil || bytes.Contains(out, []byte("actually processed: 0\n")) {
		return pgResult{}, fmt.Errorf("pgbench %s: no tps in its output:\n%s", name, out)
	}
	r := pgResult{}
	r.tps, _ = strconv.ParseFloat(string(m[1]), 64)
	if l := latRe.FindSubmatch(out); l != nil {
		ms, _ := strconv.ParseFloat(string(l[1]), 64)
		r.latency = time.Duration(ms * float64(time.Millisecond))
	}
	return r, nil
}

// ---- HTTP -----------------------------------------------------------------

type loader struct {
	base, token, org string
	seq              atomic.Int64
}

type result struct {
	done, errors int
	firstErr     error
	elapsed      time.Duration
	latencies    []time.Duration
}

// worker sends one request; its state (a cookie jar) lives in the closure.
type worker func() error

func (l *loader) run(newWorker func() (worker, error), c int, d time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var r result
	var wg sync.WaitGroup
	workers := make([]worker, c)
	for i := range workers {
		w, err := newWorker()
		if err != nil {
			return result{errors: 1, done: 1, firstErr: err}
		}
		workers[i] = w
	}
	start := time.Now()
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				t0 := time.Now()
				err := w()
				dt := time.Since(t0)
				mu.Lock()
				r.done++
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.latencies = append(r.latencies, dt)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	slices.Sort(r.latencies)
	return r
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Timeout:       30 * time.Second,
		Jar:           jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// api files one request through POST /api/v1/requests: a new person and
// a new Idempotency-Key each time (integrations send one).
func (l *loader) api() (worker, error) {
	client := newClient()
	return func() error {
		n := l.seq.Add(1)
		body, _ := json.Marshal(map[string]any{
			"rights": []string{"access"}, "name": "Maija Meikäläinen", "email": fmt.Sprintf("bench%d@example.test", n),
			"details": "Pyydän kaikki tietoni.", "lang": "fi",
		})
		req, err := http.NewRequest(http.MethodPost, l.base+"/api/v1/requests", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+l.token)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), n))
		return expect(client.Do(req))(http.StatusCreated)
	}, nil
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// form files one request through the public form like a browser: its
// CSRF token from the form page (once per worker), a client address of
// its own per request (the per-address limit, D-19, trusted from
// 127.0.0.1 as load.sh sets TRUSTED_PROXIES) and a new person.
func (l *loader) form() (worker, error) {
	client := newClient()
	page := l.base + "/fi/o/" + l.org + "/request"
	resp, err := client.Get(page)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	m := csrfRe.FindSubmatch(b)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("GET form: status %d, CSRF token found: %v", resp.StatusCode, m != nil)
	}
	csrf := string(m[1])
	return func() error {
		n := l.seq.Add(1)
		v := url.Values{"_csrf": {csrf}, "rights": {"access"}, "scope": {"all"}, "period": {"all"}, "delivery": {"electronic"},
			"behalf": {"self"}, "name": {"Maija Meikäläinen"}, "email": {fmt.Sprintf("form%d@example.test", n)},
			"details": {"Pyydän kaikki tietoni."}, "reply_lang": {"fi"}}
		req, err := http.NewRequest(http.MethodPost, page, strings.NewReader(v.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255))
		return expect(client.Do(req))(http.StatusSeeOther)
	}, nil
}

func expect(resp *http.Response, err error) func(int) error {
	return func(status int) error {
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
}

// add merges a round into r.
func (r *result) add(o result) {
	r.done += o.done
	r.errors += o.errors
	if r.firstErr == nil {
		r.firstErr = o.firstErr
	}
	r.elapsed += o.elapsed
	r.latencies = append(r.latencies, o.latencies...)
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.latencies)) / r.elapsed.Seconds()
}

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.999999) - 1
	return r.latencies[max(min(i, len(r.latencies)-1), 0)]
}

// ---- report ---------------------------------------------------------------

type row struct {
	clients, pgClients  int
	baseline, intakeSQL pgResult
	api, form           result
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3fx", a/b)
}

func report(w io.Writer, rows []row, d time.Duration, form bool) {
	fmt.Fprintf(w, "\nIntake load (issue 21): %s per measure, in interleaved rounds, in this run.\n", d)
	fmt.Fprintln(w, "baseline = pgbench, one autocommit single-row INSERT per transaction (-M prepared);")
	fmt.Fprintln(w, "intake SQL = pgbench running the intake's own statements in one transaction (scripts/intakeload/intake.sql).")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "clients\tpath\treq/s\tvs baseline\tvs intake SQL\tp50\tp99\tp99/p50\t")
	for _, r := range rows {
		note := ""
		if r.pgClients != r.clients {
			note = fmt.Sprintf(" (pgbench %d clients)", r.pgClients)
		}
		fmt.Fprintf(tw, "%d\tpgbench baseline%s\t%.0f\t\t\t%s\t\t\t\n", r.clients, note, r.baseline.tps, r.baseline.latency.Round(time.Microsecond))
		fmt.Fprintf(tw, "%d\tpgbench intake SQL%s\t%.0f\t%s\t\t%s\t\t\t\n", r.clients, note, r.intakeSQL.tps,
			ratio(r.intakeSQL.tps, r.baseline.tps), r.intakeSQL.latency.Round(time.Microsecond))
		paths := []struct {
			name string
			r    result
		}{{"POST /api/v1/requests", r.api}}
		if form {
			paths = append(paths, struct {
				name string
				r    result
			}{"POST web form", r.form})
		}
		for _, p := range paths {
			p50, p99 := p.r.percentile(50), p.r.percentile(99)
			fmt.Fprintf(tw, "%d\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", r.clients, p.name, p.r.rps(),
				ratio(p.r.rps(), r.baseline.tps), ratio(p.r.rps(), r.intakeSQL.tps),
				p50.Round(time.Microsecond), p99.Round(time.Microsecond), ratio(float64(p99), float64(p50)))
		}
	}
	tw.Flush()
}
