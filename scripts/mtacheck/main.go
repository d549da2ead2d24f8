// Command mtacheck drives a running rightsdesk against a private Postfix
// (issue 17, "Tested against a real MTA"); scripts/test-mta.sh sets up
// Postfix and runs it (make test-mta). It is not a test: `go test ./...`
// never runs it, so `make test` does not need Postfix.
//
// It starts `rightsdesk serve` (embedded database in a temporary DATA_DIR,
// SMTP_URL pointing at Postfix, SMTP_LISTEN for inbound mail) and checks:
//
//   - a request in Finnish and one in Swedish (the web form, as a browser
//     posts it) deliver their code mail; the code from the delivered mail
//     confirms the request; the receipt arrives; the DPO verifies identity
//     and the owners' task mails arrive;
//   - Postfix stopped for -outage while requests come in, then started:
//     every queued mail is delivered exactly once, promptly, and every
//     resident can confirm with the code that arrived late;
//   - a 550 for one address shows on the DPO's dashboard; after the address
//     is fixed (the refusal removed from Postfix), "send again" delivers the
//     mail once;
//   - a request emailed in ISO-8859-1 with an attachment becomes a case that
//     shows the sender's words, and its file downloads byte for byte.
//
// At the end it prints sent, delivered, duplicates and lost (matched by
// Message-ID between the outbox and the Maildir) and exits 1 on any failure.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/smtp"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/encoding/charmap"

	rdmail "rightsdesk/internal/mail"
	"rightsdesk/internal/pgembed"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

const (
	org         = "kokkola"
	privacyAddr = "tietosuoja@kokkola.example" // the seed's privacy address
	dpoEmail    = "dpo.mta@kokkola.example"
	dpoPassword = "mta-check-Salasana-2026"
	wrongAddr   = "wrong.address@resident.example" // refused with 550 by the access file
)

type checker struct {
	work, conf, bin string
	smtpPort        int
	outage          time.Duration
	base            string // http://127.0.0.1:PORT
	listen          string // SMTP_LISTEN
	pool            *pgxpool.Pool
	failures        []string
	dpo             *http.Client
}

func main() {
	c := &checker{}
	flag.StringVar(&c.work, "work", "", "temporary directory made by test-mta.sh (Maildir under mail/inbox)")
	flag.StringVar(&c.conf, "postfix-conf", "", "the private Postfix's configuration directory")
	flag.IntVar(&c.smtpPort, "smtp-port", 2526, "the private Postfix's port on 127.0.0.1")
	flag.DurationVar(&c.outage, "outage", 2*time.Minute, "how long Postfix is stopped")
	flag.StringVar(&c.bin, "bin", "bin/rightsdesk", "the rightsdesk binary")
	flag.Parse()
	if c.work == "" || c.conf == "" {
		log.Fatal("mtacheck: -work and -postfix-conf are required (run scripts/test-mta.sh)")
	}
	log.SetFlags(log.Ltime)
	os.Exit(c.run())
}

func (c *checker) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	log.Printf("FAIL: %s", msg)
	c.failures = append(c.failures, msg)
}

// must ends the run at a failure the later checks cannot go on without.
func (c *checker) must(err error, what string) {
	if err != nil {
		c.fail("%s: %v", what, err)
		panic(errStop)
	}
}

var errStop = errors.New("stop")

func (c *checker) run() (rc int) {
	ctx := context.Background()
	stop, err := c.startRightsdesk(ctx)
	if err != nil {
		log.Printf("FAIL: start rightsdesk: %v", err)
		return 1
	}
	defer stop()
	defer func() {
		if r := recover(); r != nil && r != errStop {
			panic(r)
		}
		counts := c.counts(ctx)
		fmt.Printf("\nmta counts: sent %d, delivered %d, duplicates %d, lost %d (outage %s)\n",
			counts.sent, counts.delivered, counts.duplicates, counts.lost, c.outage)
		if counts.duplicates > 0 || counts.lost > 0 {
			c.failures = append(c.failures, "duplicates or lost mail")
		}
		if len(c.failures) > 0 {
			fmt.Printf("mta check FAILED (%d):\n", len(c.failures))
			for _, f := range c.failures {
				fmt.Println("  -", f)
			}
			rc = 1
			return
		}
		fmt.Println("mta check passed")
	}()

	c.dpo = c.staffLogin()

	// 1. One request in Finnish and one in Swedish.
	log.Print("step 1: a request in fi and one in sv: code, receipt and task mails")
	subjects := map[string]string{}
	for _, lang := range []string{"fi", "sv"} {
		email := "asukas." + lang + "@resident.example"
		r := c.submit(lang, email)
		raw := c.waitDelivered(ctx, "code", email, 1, time.Minute)
		if pr, err := rdmail.ParseReceived(raw); err == nil {
			subjects[lang] = pr.Subject
		}
		code := c.codeFrom(raw)
		receipt := c.confirm(r, lang, code)
		c.waitDelivered(ctx, "receipt", email, 1, time.Minute)
		c.verifyIdentity(receipt)
		n := c.waitTasks(ctx, receipt, time.Minute)
		log.Printf("  %s: code confirmed, receipt %s delivered, %d task mails delivered", lang, receipt, n)
	}

	if subjects["fi"] == "" || subjects["fi"] == subjects["sv"] {
		c.fail("the Swedish request's code mail has the Finnish subject %q", subjects["sv"])
	}

	// 2. Postfix stopped for a while.
	c.outageStep(ctx)

	// 3. A 550 for one address.
	c.refusedStep(ctx)

	// 4. A request emailed in Latin-1 with an attachment.
	c.inboundStep(ctx)

	// Everything the steps caused (triage mail to the DPO included) has
	// left: no row pending, then a quiet period for late duplicates.
	c.waitOutboxSettled(ctx, 2*time.Minute)
	time.Sleep(15 * time.Second)
	return 0
}

// ---- rightsdesk -------------------------------------------------------------

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (c *checker) startRightsdesk(ctx context.Context) (func(), error) {
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort())
	c.listen = fmt.Sprintf("127.0.0.1:%d", freePort())
	c.base = "http://" + httpAddr
	dataDir := filepath.Join(c.work, "rightsdesk")
	env := append(os.Environ(),
		"DATA_DIR="+dataDir,
		"LISTEN_ADDR="+httpAddr,
		"BASE_URL="+c.base,
		fmt.Sprintf("SMTP_URL=smtp://127.0.0.1:%d", c.smtpPort),
		"MAIL_FROM=Tietosuoja MTA-testi <no-reply@rightsdesk.test>",
		"SMTP_LISTEN="+c.listen,
		"ARGON2_MEMORY_KIB=8192", "ARGON2_TIME=1",
	)
	logf, err := os.Create(filepath.Join(c.work, "rightsdesk.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
		logf.Close()
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get(c.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("not ready after 3 minutes (see %s)", logf.Name())
		}
		time.Sleep(500 * time.Millisecond)
	}
	log.Printf("rightsdesk serve on %s, inbound SMTP on %s, mail to 127.0.0.1:%d", c.base, c.listen, c.smtpPort)

	add := exec.Command(c.bin, "user", "add", "--email", dpoEmail, "--org", org, "--role", "dpo")
	add.Env = env
	add.Stdin = strings.NewReader(dpoPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		stop()
		return nil, fmt.Errorf("user add: %v: %s", err, out)
	}
	cluster, err := pgembed.Start(ctx, pgembed.Options{DataDir: filepath.Join(dataDir, "pg"), Attach: true})
	if err != nil {
		stop()
		return nil, fmt.Errorf("attach to the embedded database: %w", err)
	}
	c.pool, err = pgxpool.New(ctx, cluster.DSN("rightsdesk"))
	if err != nil {
		stop()
		return nil, err
	}
	return func() { c.pool.Close(); _ = cluster.Stop(context.Background()); stop() }, nil
}

// ---- HTTP -------------------------------------------------------------------

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 60 * time.Second}
}

func (c *checker) csrf(cl *http.Client) string {
	u, _ := url.Parse(c.base + "/")
	for _, ck := range cl.Jar.Cookies(u) {
		if ck.Name == "rd_csrf" {
			return ck.Value
		}
	}
	return ""
}

func (c *checker) get(cl *http.Client, path string) (int, string, string) {
	resp, err := cl.Get(c.base + path)
	c.must(err, "GET "+path)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, string(b)
}

func (c *checker) post(cl *http.Client, path string, form url.Values) (int, string, string) {
	form.Set("_csrf", c.csrf(cl))
	resp, err := cl.PostForm(c.base+path, form)
	c.must(err, "POST "+path)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Request.URL.Path, string(b)
}

func (c *checker) staffLogin() *http.Client {
	cl := newClient()
	c.get(cl, "/staff/login")
	st, path, _ := c.post(cl, "/staff/login", url.Values{"email": {dpoEmail}, "password": {dpoPassword}})
	if st != 200 || path != "/staff/" {
		c.must(fmt.Errorf("status %d at %s", st, path), "DPO sign-in")
	}
	return cl
}

// submit posts the request form as a browser does and returns the
// resident's browser (it holds the pending request's cookie).
func (c *checker) submit(lang, email string) *http.Client {
	cl := newClient()
	base := "/" + lang + "/o/" + org
	c.get(cl, base+"/request")
	st, path, _ := c.post(cl, base+"/request", url.Values{
		"rights": {"access"}, "scope": {"all"}, "period": {"all"}, "delivery": {"electronic"}, "behalf": {"self"},
		"name": {"MTA Testi " + lang}, "email": {email}, "reply_lang": {lang},
		"details": {"Pyyntö / Begäran " + lang},
	})
	if st != 200 || path != base+"/confirm" {
		c.must(fmt.Errorf("status %d at %s", st, path), "request form in "+lang)
	}
	return cl
}

var doneRE = regexp.MustCompile(`/done/([^/?#]+)$`)

func (c *checker) confirm(cl *http.Client, lang, code string) string {
	base := "/" + lang + "/o/" + org
	st, path, _ := c.post(cl, base+"/confirm", url.Values{"code": {code}})
	m := doneRE.FindStringSubmatch(path)
	if st != 200 || m == nil {
		c.must(fmt.Errorf("status %d at %s", st, path), "confirming with the mailed code ("+lang+")")
	}
	return m[1]
}

func (c *checker) verifyIdentity(receipt string) {
	st, path, _ := c.post(c.dpo, "/staff/cases/"+receipt+"/actions/verify_identity",
		url.Values{"method": {"strong_eid"}, "note": {"mta check"}})
	if st != 200 || !strings.HasPrefix(path, "/staff/cases/"+receipt) {
		c.must(fmt.Errorf("status %d at %s", st, path), "verify identity of "+receipt)
	}
}

// ---- the outbox and the Maildir ---------------------------------------------

type outRow struct {
	ID        int64
	Kind, To  string
	MessageID string
	State     string
	Attempts  int
}

func (c *checker) rows(ctx context.Context, where string, args ...any) []outRow {
	return c.rowsTo(ctx, "", where, args...)
}

// rowsTo reads the outbox rows matching where and, when to is not "",
// sent to to: the address is sealed at rest (issue 16 item 4), so it is
// compared after the store opens it with the server's key.
func (c *checker) rowsTo(ctx context.Context, to, where string, args ...any) []outRow {
	rows, err := c.pool.Query(ctx, `SELECT id, kind, message_id, state, attempts FROM outbox `+where+` ORDER BY id`, args...)
	c.must(err, "read outbox")
	var out []outRow
	for rows.Next() {
		var r outRow
		c.must(rows.Scan(&r.ID, &r.Kind, &r.MessageID, &r.State, &r.Attempts), "scan outbox")
		out = append(out, r)
	}
	rows.Close()
	q := store.New(c.pool).WithKeys(c.keys())
	kept := out[:0]
	for _, r := range out {
		o, err := q.OutboxByID(ctx, r.ID)
		c.must(err, "open outbox row")
		r.To = o.To
		if to == "" || strings.EqualFold(r.To, to) {
			kept = append(kept, r)
		}
	}
	return kept
}

// keys is the server's keyring, read from the secret key it generated in
// its DATA_DIR (D-17).
func (c *checker) keys() *secret.Keys {
	master, _, err := secret.LoadOrCreate(filepath.Join(c.work, "rightsdesk"))
	c.must(err, "read the server's secret key")
	k, err := secret.New(master)
	c.must(err, "keyring")
	return k
}

type delivered struct {
	file string
	raw  []byte
}

// maildir maps each Message-ID ("<...>") in the Maildir to its copies.
func (c *checker) maildir() map[string][]delivered {
	out := map[string][]delivered{}
	for _, sub := range []string{"new", "cur"} {
		dir := filepath.Join(c.work, "mail", "inbox", sub)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			r, err := rdmail.ParseReceived(raw)
			if err != nil || r.MessageID == "" {
				continue
			}
			id := "<" + strings.Trim(r.MessageID, "<> ") + ">"
			out[id] = append(out[id], delivered{file: e.Name(), raw: raw})
		}
	}
	return out
}

// waitDelivered waits until want mails of kind to addr are in the Maildir
// and returns the newest.
func (c *checker) waitDelivered(ctx context.Context, kind, to string, want int, within time.Duration) []byte {
	deadline := time.Now().Add(within)
	for {
		rows := c.rowsTo(ctx, to, `WHERE kind = $1`, kind)
		md := c.maildir()
		var got [][]byte
		for _, r := range rows {
			if d := md[r.MessageID]; len(d) > 0 {
				got = append(got, d[0].raw)
			}
		}
		if len(got) >= want {
			return got[len(got)-1]
		}
		if time.Now().After(deadline) {
			c.must(fmt.Errorf("%d of %d delivered within %s (outbox rows %d)", len(got), want, within, len(rows)), kind+" mail")
		}
		time.Sleep(time.Second)
	}
}

var codeRE = regexp.MustCompile(`(?m)^\s+(\d{6})\s*$`)

func (c *checker) codeFrom(raw []byte) string {
	r, err := rdmail.ParseReceived(raw)
	c.must(err, "parse code mail")
	m := codeRE.FindStringSubmatch(r.Text)
	if m == nil {
		c.must(errors.New("no six-digit code in the text part"), "code mail")
	}
	if strings.Contains(r.Subject, m[1]) {
		c.fail("the code stands in the subject")
	}
	return m[1]
}

// waitTasks waits for the task mails of a case to be delivered and
// returns how many there are (at least one: the seed gives every register
// an owner).
func (c *checker) waitTasks(ctx context.Context, receipt string, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		rows := c.rows(ctx, `WHERE kind = 'task' AND case_id = (SELECT id FROM cases WHERE receipt = $1)`, receipt)
		md := c.maildir()
		n := 0
		for _, r := range rows {
			if len(md[r.MessageID]) > 0 {
				n++
			}
		}
		if len(rows) > 0 && n == len(rows) {
			return n
		}
		if time.Now().After(deadline) {
			c.must(fmt.Errorf("%d of %d delivered within %s", n, len(rows), within), "task mails of "+receipt)
		}
		time.Sleep(time.Second)
	}
}

func (c *checker) waitOutboxSettled(ctx context.Context, within time.Duration) {
	deadline := time.Now().Add(within)
	for {
		pending := c.rows(ctx, `WHERE state = 'pending'`)
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.fail("%d mails still pending after %s", len(pending), within)
			return
		}
		time.Sleep(time.Second)
	}
}

type counts struct{ sent, delivered, duplicates, lost int }

func (c *checker) counts(ctx context.Context) (n counts) {
	defer func() {
		if r := recover(); r != nil && r != errStop {
			panic(r)
		}
	}()
	md := c.maildir()
	for _, r := range c.rows(ctx, ``) {
		copies := len(md[r.MessageID])
		if !strings.HasSuffix(r.MessageID, "@rightsdesk.test>") {
			c.fail("outbox %d: Message-ID %s is not in MAIL_FROM's domain", r.ID, r.MessageID)
		}
		if r.State == "sent" {
			n.sent++
		}
		switch {
		case copies > 0:
			n.delivered++
			n.duplicates += copies - 1
		case r.State == "sent":
			n.lost++ // rightsdesk says sent, the mailbox does not have it
			c.fail("outbox %d (%s) marked sent but not in the mailbox", r.ID, r.Kind)
		default:
			n.lost++ // never left
			c.fail("outbox %d (%s) not delivered: %s after %d attempts", r.ID, r.Kind, r.State, r.Attempts)
		}
	}
	return n
}

// ---- Postfix ------------------------------------------------------------------

func (c *checker) postfix(args ...string) {
	out, err := exec.Command("postfix", append([]string{"-c", c.conf}, args...)...).CombinedOutput()
	c.must(err, fmt.Sprintf("postfix %s: %s", strings.Join(args, " "), out))
}

func (c *checker) outageStep(ctx context.Context) {
	log.Printf("step 2: Postfix stopped for %s while requests come in", c.outage)
	// A confirmed request whose identity the DPO verifies during the
	// outage: its owners' task mails wait too.
	pre := "katko.tehtava@resident.example"
	precl := c.submit("fi", pre)
	preReceipt := c.confirm(precl, "fi", c.codeFrom(c.waitDelivered(ctx, "code", pre, 1, time.Minute)))
	c.waitDelivered(ctx, "receipt", pre, 1, time.Minute)
	c.postfix("stop")
	stoppedAt := time.Now()
	c.verifyIdentity(preReceipt)
	type pending struct {
		lang, email string
		cl          *http.Client
	}
	var reqs []pending
	for i, lang := range []string{"fi", "sv", "fi", "sv", "fi", "sv", "fi", "sv"} {
		email := fmt.Sprintf("katko.%d.%s@resident.example", i, lang)
		reqs = append(reqs, pending{lang, email, c.submit(lang, email)})
	}
	time.Sleep(time.Until(stoppedAt.Add(c.outage)))
	queued := c.rows(ctx, `WHERE state <> 'sent'`)
	kinds := map[string]int{}
	for _, r := range queued {
		kinds[r.Kind]++
	}
	if kinds["code"] != len(reqs) || kinds["task"] == 0 {
		c.fail("waiting during the outage: %v, want %d code mails and the task mails", kinds, len(reqs))
	}
	c.postfix("start")
	startedAt := time.Now()
	// Promptly: the backoff is capped (10 s doubling to 5 min), so the
	// next attempt comes within about the outage again, at most ~5 min.
	within := min(c.outage+30*time.Second, 5*time.Minute+30*time.Second)
	codes := make([]string, len(reqs))
	for i, r := range reqs {
		codes[i] = c.codeFrom(c.waitDelivered(ctx, "code", r.email, 1, within-time.Since(startedAt)))
	}
	took := time.Since(startedAt)
	for _, r := range queued {
		if r.Kind == "code" {
			continue
		}
		c.waitDelivered(ctx, r.Kind, r.To, 1, within-time.Since(startedAt))
	}
	c.waitTasks(ctx, preReceipt, within-time.Since(startedAt))
	log.Printf("  %d mails were waiting %v; every code mail delivered %s after Postfix started (allowed %s), task mails too",
		len(queued), kinds, took.Round(time.Second), within)
	for i, r := range reqs {
		receipt := c.confirm(r.cl, r.lang, codes[i])
		c.waitDelivered(ctx, "receipt", r.email, 1, time.Minute)
		log.Printf("  %s (%s) confirmed with the code that arrived after the outage", receipt, r.lang)
	}
}

func (c *checker) refusedStep(ctx context.Context) {
	log.Print("step 3: a 550 for one address, shown on the dashboard, sent again after the fix")
	cl := c.submit("fi", wrongAddr)
	deadline := time.Now().Add(time.Minute)
	var row outRow
	for {
		rows := c.rowsTo(ctx, wrongAddr, `WHERE kind = 'code'`)
		if len(rows) == 1 && rows[0].State == "failed" {
			row = rows[0]
			break
		}
		if time.Now().After(deadline) {
			c.must(fmt.Errorf("rows %+v", rows), "refused mail not marked failed within a minute")
		}
		time.Sleep(time.Second)
	}
	_, _, dash := c.get(c.dpo, "/staff/")
	action := fmt.Sprintf("/staff/mail/failed/%d/retry", row.ID)
	if !strings.Contains(dash, action) || !strings.Contains(dash, wrongAddr) {
		c.must(errors.New("no failed row with its address and send again"), "dashboard after a 550")
	}
	if !strings.Contains(dash, "5.1.1") {
		c.fail("the dashboard does not show the server's answer (5.1.1)")
	}
	// Fix the address: the mailbox exists now.
	c.must(os.WriteFile(filepath.Join(c.conf, "access"), nil, 0o644), "clear the access file")
	c.postfix("reload")
	time.Sleep(2 * time.Second)
	st, path, _ := c.post(c.dpo, action, url.Values{})
	if st != 200 || path != "/staff/" {
		c.must(fmt.Errorf("status %d at %s", st, path), "send again")
	}
	raw := c.waitDelivered(ctx, "code", wrongAddr, 1, time.Minute)
	receipt := c.confirm(cl, "fi", c.codeFrom(raw))
	c.waitDelivered(ctx, "receipt", wrongAddr, 1, time.Minute)
	_, _, dash = c.get(c.dpo, "/staff/")
	if strings.Contains(dash, action) {
		c.fail("the failed row is still on the dashboard after delivery")
	}
	log.Printf("  refused, shown, sent again, delivered, %s confirmed", receipt)
}

func (c *checker) inboundStep(ctx context.Context) {
	log.Print("step 4: a request emailed in ISO-8859-1 with an attachment")
	words := "Hyvä tietosuojavastaava, pyydän jäljennöksen tiedoistani. Möten i Åbo: även dessa uppgifter."
	latin := func(s string) []byte {
		b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
		c.must(err, "encode Latin-1")
		return b
	}
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	_, _ = w.Write(latin(words + "\r\n\r\nTerveisin\r\nMäkelä\r\n"))
	_ = w.Close()
	file := []byte("%PDF-1.4\n% skannattu kirje / inskannat brev\n" + strings.Repeat("x", 3000) + "\n%%EOF\n")
	msgID := fmt.Sprintf("<mta-%d@resident.example>", time.Now().UnixNano())
	var m bytes.Buffer
	fmt.Fprintf(&m, "From: =?ISO-8859-1?Q?Matti_M=E4kel=E4?= <matti.makela@resident.example>\r\n")
	fmt.Fprintf(&m, "To: %s\r\nSubject: =?ISO-8859-1?Q?Tietopyynt=F6?=\r\nMessage-ID: %s\r\n", privacyAddr, msgID)
	fmt.Fprintf(&m, "Date: %s\r\nMIME-Version: 1.0\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&m, "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n")
	fmt.Fprintf(&m, "Content-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n", qp.String())
	// The name only as RFC 2231 in ISO-8859-1 (no Content-Type name to
	// fall back on): the standard library alone decodes only UTF-8 there.
	fmt.Fprintf(&m, "--b1\r\nContent-Type: application/pdf\r\n")
	fmt.Fprintf(&m, "Content-Disposition: attachment; filename*=ISO-8859-1''kirje_M%%E4kel%%E4.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(file)
	for len(enc) > 76 {
		m.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	m.WriteString(enc + "\r\n--b1--\r\n")
	c.must(smtp.SendMail(c.listen, nil, "matti.makela@resident.example", []string{privacyAddr}, m.Bytes()), "send to SMTP_LISTEN")

	var receipt string
	err := c.pool.QueryRow(ctx, `SELECT c.receipt FROM inbound_messages i JOIN cases c ON c.id = i.case_id
		WHERE i.message_id = $1`, msgID).Scan(&receipt)
	c.must(err, "no case for the emailed request")
	_, _, page := c.get(c.dpo, "/staff/cases/"+receipt)
	if !strings.Contains(page, "pyydän jäljennöksen tiedoistani") || !strings.Contains(page, "Möten i Åbo") {
		c.fail("case %s does not show the sender's words", receipt)
	}
	if !strings.Contains(page, "/staff/cases/"+receipt+"/email") {
		c.fail("case %s does not link its original message", receipt)
	}
	// The original message's page lists the files.
	_, _, emailPage := c.get(c.dpo, "/staff/cases/"+receipt+"/email")
	fileRE := regexp.MustCompile(`/staff/cases/` + regexp.QuoteMeta(receipt) + `/email/files/(\d+)`)
	fm := fileRE.FindString(emailPage + page)
	if fm == "" {
		c.fail("case %s has no link to the attached file", receipt)
		return
	}
	nameRE := regexp.MustCompile(`href="` + regexp.QuoteMeta(fm) + `"[^>]*>([^<]*)</a>`)
	if nm := nameRE.FindStringSubmatch(page); nm == nil || nm[1] != "kirje_Mäkelä.pdf" {
		shown := "(none)"
		if nm != nil {
			shown = nm[1]
		}
		c.fail("case %s names the file %q, want kirje_Mäkelä.pdf (RFC 2231, Latin-1)", receipt, shown)
	}
	st, _, got := c.get(c.dpo, fm)
	if st != 200 || got != string(file) {
		c.fail("the attached file downloads as %d bytes (status %d), want the %d sent", len(got), st, len(file))
	}
	log.Printf("  case %s shows the Latin-1 text and its file (%d bytes)", receipt, len(file))
}
