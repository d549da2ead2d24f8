package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// faultResult is one submission of the fault test.
type faultResult struct {
	key     string
	receipt string // set when acknowledged (201)
}

// submit posts one API request with its Idempotency-Key; it returns the
// receipt of a 201, or "" when the answer never came or was not 201.
func submit(c *http.Client, base, token, key string) string {
	return submitAnswer(c, base, token, key).receipt
}

// apiAnswer is what one POST /api/v1/requests got back.
type apiAnswer struct {
	status     int    // 0: no answer (connection refused or broken)
	receipt    string // set on 201
	retryAfter string // the Retry-After header
	outcome    string // a 503's "outcome": not_stored or unknown
}

// submitAnswer posts one API request with its Idempotency-Key and reports
// the answer as it came.
func submitAnswer(c *http.Client, base, token, key string) apiAnswer {
	body := fmt.Sprintf(`{"rights":["access"],"name":"Fault Test","email":"fault@example.test","details":"%s"}`, key)
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/requests", strings.NewReader(body))
	if err != nil {
		return apiAnswer{}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.Do(req)
	if err != nil {
		return apiAnswer{}
	}
	defer resp.Body.Close()
	a := apiAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	var out struct{ Receipt, Outcome string }
	b, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(b, &out) == nil {
		a.outcome = out.Outcome
		if resp.StatusCode == http.StatusCreated {
			a.receipt = out.Receipt
		}
	}
	return a
}

// faultOrg gives a fault test its own database (pgtest), an organisation
// (slug, DPO and privacy addresses under example.test) and an API token of
// it: the DSN for the binary, a pool for the test's own checks.
func faultOrg(t *testing.T, slug string) (dsn string, pool *pgxpool.Pool, orgID int64, token string) {
	t.Helper()
	ctx := context.Background()
	dsn = pgtest.ConnString(t)
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	orgID, err = store.New(pool).UpsertOrg(ctx, store.Org{Slug: slug, NameFI: "Espoo", NameSV: "Esbo", PrimaryLang: "fi",
		DPOEmail: "dpo@" + slug + ".test", PrivacyEmail: "privacy@" + slug + ".test"})
	if err != nil {
		t.Fatal(err)
	}
	// A register, so that the organisation takes requests (store.Org.Open).
	if _, err := pool.Exec(ctx, `INSERT INTO registers (org_id, norm_name, name, language, legal_basis, purpose, sector)
		VALUES ($1, 'asiakasrekisteri', 'Asiakasrekisteri', 'fi', 'e', 'Asiakkaat', 'Palvelut')`, orgID); err != nil {
		t.Fatal(err)
	}
	auth := &workflow.StaffAuth{Pool: pool, Keys: testKeys(t), Now: time.Now}
	token, err = auth.AddAPIToken(ctx, orgID, "fault", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	return dsn, pool, orgID, token
}

// Issue 22, fault test (1): requests through the JSON API in a loop, the
// server killed with SIGKILL mid-load and started again; unanswered
// requests retried with their Idempotency-Key as an integration would.
// Every acknowledged request is stored once, with its idempotency record
// and its outbox mail, none half-written, and every mail goes out after
// the restart. `make test-fault` runs it with -v for the counts.
func TestFaultKill9UnderSubmissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn, pool, orgID, token := faultOrg(t, "espoo")
	// API_RATE=0: six clients in a loop on one token test crashes, not the limit.
	env := []string{"DATABASE_URL=" + dsn, "SECRET_KEY=" + testSecretKey, "SMTP_URL=catcher", "LOG_JSON=false", "API_RATE=0"}
	p := start(t, env, "--data-dir", dataDir(t))

	// Load: 6 clients in a loop; SIGKILL once 40 are acknowledged.
	client := &http.Client{Timeout: 10 * time.Second}
	var (
		mu      sync.Mutex
		results []faultResult
		seq     atomic.Int64
		acked   atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
	)
	base := "http://" + p.addr
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				key := fmt.Sprintf("fault-%04d", seq.Add(1))
				r := faultResult{key: key, receipt: submit(client, base, token, key)}
				if r.receipt != "" {
					acked.Add(1)
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); acked.Load() < 40; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests acknowledged in a minute:\n%s", acked.Load(), p.output())
		}
	}
	p.stop(t, syscall.SIGKILL) // the requests in flight lose their answer
	stop.Store(true)
	wg.Wait()

	// Which unacknowledged requests were stored all the same (the answer
	// lost with the process)?
	storedBefore := map[string]bool{}
	rows, err := pool.Query(ctx, `SELECT idem_key FROM api_idempotency WHERE org_id = $1`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		storedBefore[k] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	p = start(t, env, "--data-dir", dataDir(t))
	restarted := time.Now()
	base = "http://" + p.addr
	sent, acknowledged, storedUnacked := len(results), 0, 0
	receipts := map[string]string{}
	for _, r := range results {
		if r.receipt != "" {
			acknowledged++
			receipts[r.key] = r.receipt
			continue
		}
		if storedBefore[r.key] {
			storedUnacked++
		}
		// The integration retries with the same key.
		again := submit(client, base, token, r.key)
		if again == "" {
			t.Fatalf("retry of %s after the restart failed", r.key)
		}
		receipts[r.key] = again
	}

	// Stored: one case per key, with its idempotency record and its mail.
	var cases, keys, halfWritten int
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
	lost := 0
	for key, receipt := range receipts {
		var got string
		err := pool.QueryRow(ctx, `SELECT c.receipt FROM api_idempotency i JOIN cases c ON c.id = i.case_id
			WHERE i.org_id = $1 AND i.idem_key = $2`, orgID, key).Scan(&got)
		if err != nil || got != receipt {
			lost++
			t.Errorf("%s: acknowledged as %s, stored as %q (%v)", key, receipt, got, err)
		}
	}
	duplicated := cases - keys
	t.Logf("fault (kill -9 under API submissions): sent %d, acknowledged %d, stored %d (of which %d unacknowledged but stored before the kill, answered again by their Idempotency-Key), duplicated %d, lost %d, half-written %d",
		sent, acknowledged, cases, storedUnacked, duplicated, lost, halfWritten)
	if duplicated != 0 || halfWritten != 0 || cases != sent {
		t.Fatalf("sent %d, stored %d cases for %d keys, %d half-written", sent, cases, keys, halfWritten)
	}

	// Every mail goes out after the restart. A delivery job the killed
	// process had fetched stays "running" until River's rescuer frees it
	// (workflow.MailRescueAfter): those are waited for too, and counted.
	var orphaned int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deliver_mail' AND state = 'running'
		AND attempted_at < $1`, restarted).Scan(&orphaned); err != nil {
		t.Fatal(err)
	}
	deadline := restarted.Add(workflow.MailRescueAfter + time.Minute)
	for {
		var pending, sentMails int
		if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'sent')
			FROM outbox WHERE org_id = $1`, orgID).Scan(&pending, &sentMails); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			t.Logf("mail after the restart: %d sent in %s (%d delivery jobs left running by the kill, rescued by River)",
				sentMails, time.Since(restarted).Round(time.Second), orphaned)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails still pending %s after the restart (%d delivery jobs were left running by the kill)",
				pending, time.Since(restarted).Round(time.Second), orphaned)
		}
		time.Sleep(500 * time.Millisecond)
	}
	p.stop(t, syscall.SIGTERM)
}
