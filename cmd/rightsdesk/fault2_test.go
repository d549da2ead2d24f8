package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 22, fault tests (2) to (4). Test (1) and the helpers they share
// (submit, submitAnswer, start, dataDir) are in fault_test.go and
// serve_test.go; `make test-fault` runs them all with -v for the counts.

// loadResult is one request of a load loop and every answer it got.
type loadResult struct {
	key     string
	answers []apiAnswer
}

// acked is the receipt of the request's 201, or "".
func (r loadResult) acked() string {
	for _, a := range r.answers {
		if a.status == http.StatusCreated {
			return a.receipt
		}
	}
	return ""
}

// loadLoop runs n clients posting API requests (keys prefix-0001, ...)
// until stop is set. Each request is sent once; the caller retries what
// was not acknowledged, as an integration would.
type loadLoop struct {
	mu      sync.Mutex
	results []loadResult
	seq     atomic.Int64
	acked   atomic.Int64
	stop    atomic.Bool
	wg      sync.WaitGroup
}

func runLoad(n int, client *http.Client, base func() string, token, prefix string) *loadLoop {
	l := &loadLoop{}
	for range n {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stop.Load() {
				key := fmt.Sprintf("%s-%04d", prefix, l.seq.Add(1))
				a := submitAnswer(client, base(), token, key)
				if a.status == http.StatusCreated {
					l.acked.Add(1)
				}
				l.mu.Lock()
				l.results = append(l.results, loadResult{key: key, answers: []apiAnswer{a}})
				l.mu.Unlock()
				if a.status == http.StatusServiceUnavailable || a.status == 0 {
					time.Sleep(50 * time.Millisecond) // a client honouring the outage, briefly
				}
			}
		}()
	}
	return l
}

func (l *loadLoop) finish() []loadResult {
	l.stop.Store(true)
	l.wg.Wait()
	return l.results
}

// waitAcked waits until n requests of the loop were acknowledged.
func (l *loadLoop) waitAcked(t *testing.T, n int64, p *proc) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); l.acked.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests acknowledged in a minute:\n%s", l.acked.Load(), p.output())
		}
	}
}

// storedCounts checks, in the organisation's data, that every receipt
// acknowledged to a key is stored under that key, and counts cases,
// idempotency keys and half-written cases (no idempotency record or no
// outbox mail). lost lists the keys whose acknowledged receipt is not
// stored.
func storedCounts(t *testing.T, pool *pgxpool.Pool, orgID int64, receipts map[string]string) (cases, keys, halfWritten int, lost []string) {
	t.Helper()
	ctx := context.Background()
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, orgID).Scan(&cases); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_idempotency WHERE org_id = $1`, orgID).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, `
		SELECT count(*) FROM cases c WHERE c.org_id = $1 AND (
			NOT EXISTS (SELECT 1 FROM api_idempotency i WHERE i.org_id = c.org_id AND i.case_id = c.id)
			OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.org_id = c.org_id AND o.case_id = c.id))`, orgID).Scan(&halfWritten); err != nil {
		t.Fatal(err)
	}
	for key, receipt := range receipts {
		var got string
		err := pool.QueryRow(ctx, `SELECT c.receipt FROM api_idempotency i JOIN cases c ON c.id = i.case_id
			WHERE i.org_id = $1 AND i.idem_key = $2`, orgID, key).Scan(&got)
		if err != nil || got != receipt {
			lost = append(lost, fmt.Sprintf("%s: acknowledged as %s, stored as %q (%v)", key, receipt, got, err))
		}
	}
	sort.Strings(lost)
	return cases, keys, halfWritten, lost
}

// embeddedPool connects the test to the embedded cluster of a running
// serve, as the postgres superuser over its Unix socket (postmaster.pid
// names the port and the socket directory).
func embeddedPool(t *testing.T, dir string) *pgxpool.Pool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pg", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		t.Fatalf("postmaster.pid: %q", b)
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		t.Fatalf("postmaster.pid port: %q", lines[3])
	}
	dsn := fmt.Sprintf("host=%s port=%d user=postgres dbname=rightsdesk sslmode=disable", strings.TrimSpace(lines[4]), port)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Issue 22, fault test (2): the embedded PostgreSQL's postmaster killed
// with SIGKILL while API clients submit requests. serve restarts it by
// itself (pgembed.Supervise); /readyz is 503 while it is down and 200
// after; /healthz stays 200 (the restart succeeds); requests during the
// outage get 503 with Retry-After, never a 500 or a dropped connection;
// and no acknowledged request is lost: unacknowledged ones, retried with
// their Idempotency-Key, are stored exactly once.
func TestFaultPostmasterKilledUnderLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := dataDir(t)
	p := start(t, []string{"API_RATE=0"}, "--data-dir", dir) // six clients on one token: crashes, not the limit
	base := "http://" + p.addr
	cmd := exec.Command(binary(t), "token", "add", "--org", "kokkola", "--name", "fault2", "--data-dir", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output() // the token alone on stdout
	if err != nil {
		t.Fatalf("token add: %v\n%s", err, stderr.String())
	}
	token := strings.TrimSpace(string(out))

	// /readyz and /healthz watched every 20 ms from before the kill.
	var (
		probeMu           sync.Mutex
		readyCodes        = map[int]int{}
		healthBad         []int
		down, up          time.Time // first 503 of /readyz after the kill, first 200 after that
		killed            time.Time
		probeStop         atomic.Bool
		probeWG           sync.WaitGroup
		statusClient      = &http.Client{Timeout: 5 * time.Second}
		readyAfterRestart = make(chan struct{})
	)
	probe := func(path string) int {
		resp, err := statusClient.Get(base + path)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	probeWG.Add(1)
	go func() {
		defer probeWG.Done()
		for !probeStop.Load() {
			rc, hc := probe("/readyz"), probe("/healthz")
			now := time.Now()
			probeMu.Lock()
			if !killed.IsZero() {
				readyCodes[rc]++
				if rc == http.StatusServiceUnavailable && down.IsZero() {
					down = now
				}
				if rc == http.StatusOK && !down.IsZero() && up.IsZero() {
					up = now
					close(readyAfterRestart)
				}
			}
			if hc != http.StatusOK {
				healthBad = append(healthBad, hc)
			}
			probeMu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()

	client := &http.Client{Timeout: 15 * time.Second}
	load := runLoad(6, client, func() string { return base }, token, "pgkill")
	load.waitAcked(t, 40, p)
	old := postmasterPid(t, dir)
	probeMu.Lock()
	killed = time.Now()
	probeMu.Unlock()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-readyAfterRestart:
	case <-time.After(60 * time.Second):
		load.finish()
		probeStop.Store(true)
		probeWG.Wait()
		t.Fatalf("/readyz not 200 again within 60s of the kill (answers %v):\n%s", readyCodes, p.output())
	}
	ackedAtRecovery := load.acked.Load()
	// Load goes on after the recovery until 20 more are acknowledged.
	load.waitAcked(t, ackedAtRecovery+20, p)
	results := load.finish()
	probeStop.Store(true)
	probeWG.Wait()
	if pid := postmasterPid(t, dir); pid == old || !alive(pid) {
		t.Fatalf("postmaster not replaced: old %d new %d", old, pid)
	}

	// The answers during the outage: 201 or 503 with Retry-After only.
	codes := map[int]int{}
	outcomes := map[string]int{}
	for _, r := range results {
		a := r.answers[0]
		codes[a.status]++
		if a.status == http.StatusServiceUnavailable {
			outcomes[a.outcome]++
			if a.retryAfter == "" {
				t.Errorf("%s: 503 without Retry-After", r.key)
			}
		}
		if a.status != http.StatusCreated && a.status != http.StatusServiceUnavailable {
			t.Errorf("%s: answered %d during the outage (want 201 or 503; 0 is no answer)", r.key, a.status)
		}
	}
	if t.Failed() {
		for _, l := range strings.Split(p.output(), "\n") {
			if strings.Contains(l, "level=ERROR") {
				t.Log(l)
			}
		}
	}
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no request met the outage (answers %v): the test did not test it", codes)
	}
	if len(healthBad) > 0 {
		t.Errorf("/healthz failed during a restart that succeeded: %v", healthBad)
	}

	// Retry every unacknowledged request with its key, as an integration
	// would after a 503: each is stored once (a 503 "unknown" whose commit
	// had gone through answers with the first receipt).
	pool := embeddedPool(t, dir)
	var orgID int64
	if err := pool.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'kokkola'`).Scan(&orgID); err != nil {
		t.Fatal(err)
	}
	storedUnacked := 0
	receipts := map[string]string{}
	acknowledged := 0
	for i, r := range results {
		if rc := r.acked(); rc != "" {
			acknowledged++
			receipts[r.key] = rc
			continue
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_idempotency WHERE org_id = $1 AND idem_key = $2`, orgID, r.key).Scan(&n); err != nil {
			t.Fatal(err)
		}
		storedUnacked += n
		again := submitAnswer(client, base, token, r.key)
		results[i].answers = append(results[i].answers, again)
		if again.status != http.StatusCreated {
			t.Fatalf("retry of %s after the recovery: %d %s", r.key, again.status, again.outcome)
		}
		receipts[r.key] = again.receipt
	}
	cases, keys, halfWritten, lost := storedCounts(t, pool, orgID, receipts)
	for _, l := range lost {
		t.Error(l)
	}
	// Cases the seed made before the test are not the load's.
	var seeded int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases c WHERE c.org_id = $1 AND NOT EXISTS
		(SELECT 1 FROM api_idempotency i WHERE i.org_id = c.org_id AND i.case_id = c.id)`, orgID).Scan(&seeded); err != nil {
		t.Fatal(err)
	}
	stored := cases - seeded
	duplicated := stored - keys
	probeMu.Lock()
	t.Logf("fault (kill -9 of the embedded postmaster under API submissions): sent %d, acknowledged %d, stored %d (of which %d unacknowledged but stored, answered again by their Idempotency-Key), duplicated %d, lost %d, half-written %d",
		len(results), acknowledged, stored, storedUnacked, duplicated, len(lost), halfWritten-seeded)
	t.Logf("answers during the load: %v (503 outcomes %v); /readyz after the kill %v: 503 from %s to %s after the kill",
		codes, outcomes, readyCodes, down.Sub(killed).Round(time.Millisecond), up.Sub(killed).Round(time.Millisecond))
	probeMu.Unlock()
	if duplicated != 0 || stored != len(results) || keys != len(results) {
		t.Fatalf("sent %d, stored %d cases for %d keys", len(results), stored, keys)
	}
	if halfWritten != seeded {
		t.Fatalf("%d cases half-written", halfWritten-seeded)
	}
	for _, l := range strings.Split(p.output(), "\n") {
		if strings.Contains(l, "pgembed: ") && !strings.Contains(l, "initialized new cluster") {
			t.Log(l)
		}
	}
	p.stop(t, syscall.SIGTERM)
}

// mailOutage is how long fault test (3) keeps the mail server down:
// FAULT_MAIL_OUTAGE (a Go duration; `make test-fault` sets 2m), else 30s
// so that `make test` stays short.
func mailOutage(t *testing.T) time.Duration {
	t.Helper()
	v := os.Getenv("FAULT_MAIL_OUTAGE")
	if v == "" {
		return 30 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("FAULT_MAIL_OUTAGE=%q: want a Go duration such as 2m", v)
	}
	return d
}

// smtpServers is the test's outgoing mail server on one 127.0.0.1 port,
// stopped and started again: a catcher (a real go-smtp server) per run of
// it, the messages of all runs counted together.
type smtpServers struct {
	addr string
	runs []*mail.Catcher
}

func (s *smtpServers) start(t *testing.T) {
	t.Helper()
	c := mail.NewCatcherWithOptions(nil, mail.CatcherOptions{MaxMessages: 1 << 20})
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var err error
	for i := 0; i < 50; i++ { // the port of the stopped run: retry briefly
		var got string
		if got, err = c.Start(addr); err == nil {
			s.addr = got
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("starting the SMTP server on %s again: %v", addr, err)
	}
	s.runs = append(s.runs, c)
	t.Cleanup(func() { c.Close() })
}

func (s *smtpServers) stop() { s.runs[len(s.runs)-1].Close() }

// received counts the messages of all runs by Message-ID (without <>).
func (s *smtpServers) received() map[string]int {
	n := map[string]int{}
	for _, c := range s.runs {
		for _, m := range c.Messages() {
			n[strings.Trim(m.MessageID, "<> ")]++
		}
	}
	return n
}

// kindTo counts the messages of all runs of one kind (X-Rightsdesk-Kind)
// by recipient.
func (s *smtpServers) kindTo(kind string) map[string]int {
	n := map[string]int{}
	for _, c := range s.runs {
		for _, m := range c.Messages() {
			if m.Headers.Get("X-Rightsdesk-Kind") == kind {
				for _, to := range m.To {
					n[to]++
				}
			}
		}
	}
	return n
}

// Issue 22, fault test (3): the outgoing mail server (SMTP_URL, a real SMTP
// server on 127.0.0.1) stopped for FAULT_MAIL_OUTAGE while requests are
// submitted, then started again on the same port. Afterwards every mail of
// the outbox is delivered exactly once: each sent row's Message-ID arrived
// once at the server, none twice, none missing, none left pending, failed
// or cancelled (D-14).
func TestFaultMailServerDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	outage := mailOutage(t)
	dsn, pool, orgID, token := faultOrg(t, "vantaa")
	var srv smtpServers
	srv.start(t)
	env := []string{"DATABASE_URL=" + dsn, "SECRET_KEY=" + testSecretKey, "SMTP_URL=smtp://" + srv.addr,
		"MAIL_FROM=Tietosuoja <tietosuoja@vantaa.test>", "LOG_JSON=false", "API_RATE=0"}
	p := start(t, env, "--data-dir", dataDir(t))
	base := "http://" + p.addr
	client := &http.Client{Timeout: 15 * time.Second}

	// submitFor posts requests from 2 clients, each pausing between
	// requests, for d; every one must be acknowledged (mail is not on the
	// request's path).
	sent := 0
	submitFor := func(prefix string, d time.Duration) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		end := time.Now().Add(d)
		for c := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(end); i++ {
					key := fmt.Sprintf("%s-%d-%04d", prefix, c, i)
					if a := submitAnswer(client, base, token, key); a.status != http.StatusCreated {
						t.Errorf("%s: %d %s while the mail server is down", key, a.status, a.outcome)
						return
					}
					mu.Lock()
					sent++
					mu.Unlock()
					time.Sleep(250 * time.Millisecond)
				}
			}()
		}
		wg.Wait()
	}
	outboxStates := func() map[string]int {
		rows, err := pool.Query(ctx, `SELECT state, count(*) FROM outbox WHERE org_id = $1 GROUP BY state`, orgID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := map[string]int{}
		for rows.Next() {
			var s string
			var c int
			if err := rows.Scan(&s, &c); err != nil {
				t.Fatal(err)
			}
			n[s] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return n
	}

	submitFor("before", 3*time.Second)
	srv.stop()
	down := time.Now()
	submitFor("during", outage)
	if t.Failed() {
		t.FailNow()
	}
	pendingAtRestart := outboxStates()["pending"]
	srv.start(t)
	up := time.Now()
	if pendingAtRestart == 0 {
		t.Fatalf("no mail waited for the server (outbox %v): the outage was not tested", outboxStates())
	}

	// Retries back off (1 s doubling, at most 5 min: jobs/deliver_mail.go),
	// so the last mails go out within about the outage's length again.
	deadline := up.Add(outage + 2*time.Minute)
	var states map[string]int
	for {
		states = outboxStates()
		if states["pending"] == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails still pending %s after the server came back (outbox %v)", states["pending"],
				time.Since(up).Round(time.Second), states)
		}
		time.Sleep(500 * time.Millisecond)
	}
	drained := time.Since(up)
	time.Sleep(2 * time.Second) // a late duplicate would arrive now

	ids := map[string]bool{}
	rows, err := pool.Query(ctx, `SELECT message_id FROM outbox WHERE org_id = $1 AND state = 'sent'`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[strings.Trim(id, "<> ")] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	delivered, duplicated, missing, unknown := 0, 0, 0, 0
	for id, n := range got {
		delivered += n
		if n > 1 {
			duplicated += n - 1
			t.Errorf("Message-ID %s delivered %d times; the server's log of it:\n%s", id, n, logOfOutbox(p.output(), id))
		}
		if !ids[id] {
			unknown++
			t.Errorf("Message-ID %s delivered but not a sent outbox row", id)
		}
	}
	for id := range ids {
		if got[id] == 0 {
			missing++
			t.Errorf("outbox mail %s marked sent but never arrived", id)
		}
	}
	var cases int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, orgID).Scan(&cases); err != nil {
		t.Fatal(err)
	}
	t.Logf("fault (mail server down for %s): requests sent %d, acknowledged %d, stored %d; mails %d (%d waiting when the server came back), delivered %d, duplicated %d, lost %d, not in the outbox %d; outbox %v; all delivered %s after the server came back (%s after it went down)",
		outage, sent, sent, cases, len(ids), pendingAtRestart, delivered, duplicated, missing, unknown, states,
		drained.Round(time.Second), time.Since(down).Round(time.Second))
	if cases != sent {
		t.Errorf("%d requests acknowledged, %d cases stored", sent, cases)
	}
	if states["failed"]+states["cancelled"] != 0 {
		t.Errorf("outbox %v: a temporary outage failed or cancelled mail", states)
	}
	p.stop(t, syscall.SIGTERM)
}

// startWorker runs `rightsdesk worker` and waits until its River client
// runs.
func startWorker(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := launch(t, env, append([]string{"worker"}, args...)...)
	for deadline := time.Now().Add(90 * time.Second); !strings.Contains(p.output(), "worker running"); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-p.done:
			t.Fatalf("worker exited early: %v\n%s", err, p.output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker did not start:\n%s", p.output())
		}
	}
	return p
}

// countBy runs a two-column (text, count) query into a map.
func countBy(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) map[string]int {
	t.Helper()
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := map[string]int{}
	for rows.Next() {
		var k string
		var c int
		if err := rows.Scan(&k, &c); err != nil {
			t.Fatal(err)
		}
		n[k] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 22, fault test (4), scale out: two `rightsdesk serve` and one
// `rightsdesk worker` on one database (D-24). The periodic jobs (digest,
// refresh_stats, retention purge, ...) are enqueued once, by River's
// elected leader; every due reminder is sent once (one mail, one audit
// event per task) although three processes fetch jobs; the DPOs' digest
// goes out once per recipient; and the sign-in lock counts failures across
// instances: five wrong passwords spread over both servers lock the
// account on either.
//
// Time: the cases are entered by the test's own workflow service with its
// settable clock (testenv, D-16) as received a month ago, so their owner
// target is a few days ahead and the first reminder is already due at the
// real time the binaries run on; no clock inside the binaries is faked.
//
// Not parallel: the test's own service seals the cases it enters with the
// process's keyring (store.UseKeys), which the in-process command tests of
// this package replace with theirs (testSecretKey, a rotated key). Run
// beside them, some cases were sealed under a key the binaries do not
// hold: their mails failed "no key with this id" and the check below
// found them still waiting (the flake of closing note 4). Run alone, the
// ring is testenv's from testenv.New on.
func TestFaultTwoInstancesOneDatabase(t *testing.T) {
	ctx := context.Background()
	env := testenv.New(t)
	// Received about a month ago: the latest day whose owner target (DL-7)
	// is still ahead while its first reminder (5 working days before) is
	// past, and whose legal due date falls within the digest's week,
	// whatever today's date and holidays.
	today := workflow.HelsinkiDate(time.Now())
	var received time.Time
	for back := 20; back <= 45 && received.IsZero(); back++ {
		day := today.AddDays(-back)
		d := workflow.Calendar{}.ComputeDate(day)
		if d.SafeTarget.After(today) && (workflow.Calendar{EvesNonWorking: true}).WorkingDaysBefore(d.SafeTarget, 5).Before(today) &&
			!d.LegalDue.After(today.AddDays(6)) {
			received = day.In(workflow.Helsinki()).Add(10 * time.Hour)
		}
	}
	if received.IsZero() {
		t.Fatalf("no receipt date a month before %s has its owner target ahead, its first reminder past and its due date within a week", today)
	}
	env.Clock.Set(received)
	org := env.Org("tampere", "Tampere", "Tammerfors", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "owner1@tampere.test")
	env.Register(org.ID, "Henkilöstörekisteri", "c", "owner2@tampere.test")
	enter := func(n int) {
		for i := range n {
			_, err := env.Workflow.EnterRequest(ctx, org, workflow.StaffActor(1), workflow.PaperRequest{
				Request: workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: fmt.Sprintf("Resident %d", i),
					Email: fmt.Sprintf("resident%d@example.test", i), Lang: "fi"},
				Channel: "paper", ReceivedAt: received, IdentityMethod: "in_person"})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	const pw = "the right password here"
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: time.Now, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1,
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour}
	if _, err := auth.AddUser(ctx, workflow.NewStaff{Email: "kirsi@tampere.test", OrgID: org.ID, Role: workflow.RoleDPO, Password: pw}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	enter(4) // before the instances start: the leader's first digest lists them

	var srv smtpServers
	srv.start(t)
	key := make([]byte, 32) // testenv's key, so the binaries read what the test wrote
	for i := range key {
		key[i] = byte(i*7 + 3)
	}
	procEnv := []string{"DATABASE_URL=" + env.Pool.Config().ConnString(), "SECRET_KEY=" + hex.EncodeToString(key),
		"SMTP_URL=smtp://" + srv.addr, "MAIL_FROM=Tietosuoja <tietosuoja@tampere.test>", "LOG_JSON=false",
		"ARGON2_MEMORY_KIB=64", "ARGON2_TIME=1", "API_RATE=0"}
	dataA, dataB := dataDir(t), dataDir(t)
	a := start(t, procEnv, "--data-dir", dataA)
	b := start(t, procEnv, "--data-dir", dataB)
	w := startWorker(t, procEnv, "--data-dir", dataDir(t))
	started := time.Now()
	enter(12) // while three processes fetch jobs

	var tasks int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE org_id = $1 AND state = 'open' AND owner_email <> ''`, org.ID).Scan(&tasks); err != nil {
		t.Fatal(err)
	}
	// A reminder the three processes already worked may be rescheduled (its
	// next reminder): it counts as due too, or the check races the workers.
	var dueReminders, dueEscalations int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'task_reminder' AND (scheduled_at <= now() OR attempted_at IS NOT NULL)),
			count(*) FILTER (WHERE kind = 'task_escalation' AND scheduled_at <= now() + interval '5 minutes')
		FROM river_job`).Scan(&dueReminders, &dueEscalations); err != nil {
		t.Fatal(err)
	}
	if tasks != 32 || dueReminders < tasks || dueEscalations != 0 {
		t.Fatalf("setup: %d open tasks (want 32), %d reminder jobs due (want at least one per task), %d escalations due (want none): received %s",
			tasks, dueReminders, dueEscalations, received)
	}

	// Sign-in limits across instances (issue 16 item 6, D-24): a right
	// password works; then 5 wrong ones, alternating between the servers,
	// lock the account on both, the right password included.
	login := func(p *proc, password string) (int, string) {
		c := testenv.Client()
		base := "http://" + p.addr
		resp, err := c.Get(base + "/staff/login")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := csrfRe.FindSubmatch(page)
		if m == nil {
			t.Fatal("no CSRF token on the sign-in page")
		}
		resp, err = c.PostForm(base+"/staff/login", url.Values{"_csrf": {string(m[1])}, "email": {"kirsi@tampere.test"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if code, _ := login(b, pw); code != http.StatusSeeOther {
		t.Fatalf("sign-in with the right password on B: %d", code)
	}
	for i, p := range []*proc{a, b, a, b, a} {
		if code, _ := login(p, "a wrong password "+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401 (not yet locked)", i+1, code)
		}
	}
	lockedB, retryB := login(b, "a wrong password 6")
	lockedA, _ := login(a, pw)
	if lockedB != http.StatusTooManyRequests || retryB == "" || lockedA != http.StatusTooManyRequests {
		t.Errorf("after 5 wrong passwords over two servers (3 on A, 2 on B): B answers %d (Retry-After %q), the right password on A %d; want 429 on both: the lock is per instance",
			lockedB, retryB, lockedA)
	}

	// Wait until every due reminder job ran and the outbox is empty.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var pendingJobs, pendingMail int
		if err := env.Pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM river_job WHERE kind IN ('task_reminder', 'deliver_mail', 'daily_digest')
					AND scheduled_at <= now() AND state NOT IN ('completed', 'cancelled', 'discarded')),
				(SELECT count(*) FROM outbox WHERE org_id = $1 AND state = 'pending')`, org.ID).Scan(&pendingJobs, &pendingMail); err != nil {
			t.Fatal(err)
		}
		if pendingJobs == 0 && pendingMail == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes %d due jobs and %d mails still waiting:\nA:\n%s\nB:\n%s\nworker:\n%s", pendingJobs, pendingMail, a.output(), b.output(), w.output())
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a second run of anything would show now

	// Periodic jobs: enqueued once each by the one leader.
	periodic := countBy(t, env.Pool, `SELECT kind, count(*) FROM river_job WHERE kind IN
		('daily_digest', 'refresh_stats', 'retention_purge', 'purge_unconfirmed', 'sweep', 'audit_checkpoint', 'heartbeat') GROUP BY kind`)
	minutes := int(time.Since(started)/time.Minute) + 1
	for _, k := range []string{"daily_digest", "refresh_stats", "retention_purge", "purge_unconfirmed", "sweep", "audit_checkpoint"} {
		if periodic[k] != 1 {
			t.Errorf("periodic job %s enqueued %d times, want once", k, periodic[k])
		}
	}
	if periodic["heartbeat"] < 1 || periodic["heartbeat"] > minutes+1 {
		t.Errorf("heartbeat (every minute) enqueued %d times in %d minutes", periodic["heartbeat"], minutes)
	}
	var leaders int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_leader`).Scan(&leaders); err != nil {
		t.Fatal(err)
	}

	// Reminders: one mail and one audit event per task.
	perTask := countBy(t, env.Pool, `SELECT task_id::text, count(*) FROM outbox WHERE org_id = $1 AND kind = 'reminder' GROUP BY task_id`, org.ID)
	remindedTwice := 0
	for id, n := range perTask {
		if n != 1 {
			remindedTwice++
			t.Errorf("task %s: %d reminder mails", id, n)
		}
	}
	audits := countBy(t, env.Pool, `SELECT action, count(*) FROM audit_events WHERE org_id = $1 AND action IN ('task_reminded', 'digest_sent') GROUP BY action`, org.ID)
	if len(perTask) != tasks || audits["task_reminded"] != tasks {
		t.Errorf("%d of %d tasks reminded by mail, %d reminder events: want every task once", len(perTask), tasks, audits["task_reminded"])
	}
	// Digest: one per recipient (the DPO address and the DPO account), one event.
	// (Counted at the SMTP server: the outbox keeps addresses sealed.)
	digests := srv.kindTo("digest")
	digestMails := 0
	for _, n := range digests {
		digestMails += n
	}
	if len(digests) != 2 || digestMails != 2 || audits["digest_sent"] != 1 {
		t.Errorf("digest: %d mails to %d recipients, %d digest_sent events; want one mail to each of 2, one event", digestMails, len(digests), audits["digest_sent"])
	}

	// Every outbox mail arrived once at the SMTP server.
	ids := countBy(t, env.Pool, `SELECT message_id, count(*) FROM outbox WHERE org_id = $1 AND state = 'sent' GROUP BY message_id`, org.ID)
	got := srv.received()
	duplicated, lost := 0, 0
	for id := range ids {
		switch n := got[strings.Trim(id, "<> ")]; {
		case n == 0:
			lost++
		case n > 1:
			duplicated += n - 1
		}
	}
	if duplicated != 0 || lost != 0 {
		t.Errorf("mail: %d duplicated, %d lost at the SMTP server", duplicated, lost)
	}
	// Which process worked the reminder and mail jobs (River's client ids).
	byClient := countBy(t, env.Pool, `SELECT attempted_by[array_upper(attempted_by, 1)], count(*) FROM river_job
		WHERE kind IN ('task_reminder', 'deliver_mail') AND state = 'completed' GROUP BY 1`)
	t.Logf("fault (two serve + one worker on one database): tasks %d, reminders due %d, reminder mails sent %d, duplicated %d, lost %d; digest mails %d to %d recipients (%d digest events); periodic jobs enqueued %v by %d leader; mails at the SMTP server %d (duplicated %d, lost %d); jobs worked per process %v",
		tasks, dueReminders, len(perTask), remindedTwice, tasks-len(perTask), digestMails, len(digests), audits["digest_sent"], periodic, leaders, len(ids), duplicated, lost, byClient)
	t.Logf("sign-in lock across instances: after 3 wrong passwords on A and 2 on B, B answered %d (Retry-After %s s), the right password on A %d", lockedB, retryB, lockedA)

	// Leader handover: both servers stop; the worker leads (if it did not
	// already) and runs the periodic jobs on start again. The day's digest
	// is not sent twice (unique by day, and one digest_sent per day).
	leader := func() string {
		var id string
		if err := env.Pool.QueryRow(ctx, `SELECT coalesce((SELECT leader_id FROM river_leader), '')`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := leader()
	a.stop(t, syscall.SIGTERM)
	b.stop(t, syscall.SIGTERM)
	next := ""
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if next = leader(); next != "" && next != first {
			break
		}
		if time.Now().After(deadline) {
			break // the worker was the leader all along (next == first), or nobody took over
		}
	}
	if next == "" {
		t.Fatalf("no River leader 30 s after both servers stopped:\n%s", w.output())
	}
	time.Sleep(5 * time.Second) // the new leader's run-on-start jobs
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		var running int
		if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE scheduled_at <= now()
			AND state NOT IN ('completed', 'cancelled', 'discarded')`).Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running == 0 || time.Now().After(deadline) {
			break
		}
	}
	after := countBy(t, env.Pool, `SELECT kind, count(*) FROM river_job WHERE kind IN
		('daily_digest', 'refresh_stats', 'retention_purge', 'purge_unconfirmed', 'sweep', 'audit_checkpoint') GROUP BY kind`)
	audits = countBy(t, env.Pool, `SELECT action, count(*) FROM audit_events WHERE org_id = $1 AND action IN ('task_reminded', 'digest_sent') GROUP BY action`, org.ID)
	digestsAfter := 0
	for _, n := range srv.kindTo("digest") {
		digestsAfter += n
	}
	t.Logf("leader handover (both servers stopped; leader %s -> %s): periodic jobs enqueued %v in all; digest mails %d, digest events %d, reminder events %d",
		first, next, after, digestsAfter, audits["digest_sent"], audits["task_reminded"])
	if after["daily_digest"] != 1 || digestsAfter != 2 || audits["digest_sent"] != 1 || audits["task_reminded"] != tasks {
		t.Errorf("after the handover: %d digest jobs, %d digest mails, %d digest events, %d reminder events; want 1, 2, 1, %d",
			after["daily_digest"], digestsAfter, audits["digest_sent"], audits["task_reminded"], tasks)
	}
	w.stop(t, syscall.SIGTERM)
}

// logOfOutbox is the lines of a server's log that name the outbox row of
// Message-ID id (outbox-N.HASH@domain): ids, kinds and SMTP codes, never
// addresses or content (D-18).
func logOfOutbox(log, id string) string {
	num, _, _ := strings.Cut(strings.TrimPrefix(id, "outbox-"), ".")
	var b strings.Builder
	for line := range strings.Lines(log) {
		if strings.Contains(line, "outbox="+num+" ") || strings.HasSuffix(strings.TrimSpace(line), "outbox="+num) {
			b.WriteString(line)
		}
	}
	return b.String()
}
