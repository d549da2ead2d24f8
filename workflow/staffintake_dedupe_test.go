package workflow_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

const dedupeRequest = "From: Anna Andersson <anna@example.test>\r\n" +
	"To: privacy@dedupe.test\r\n" +
	"Subject: Tietopyyntö\r\n" +
	"Date: Tue, 03 Mar 2026 10:00:00 +0200\r\n" +
	"Message-ID: <retry-1@example.test>\r\n" +
	"\r\n" +
	"Pyydän jäljennöksen tiedoistani.\r\n"

// counts returns the organisation's cases, stored messages and queued
// "triage needed" mails.
func dedupeCounts(t *testing.T, env *testenv.Env, orgID int64) (cases, messages, mails int) {
	t.Helper()
	err := env.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM cases WHERE org_id = $1),
		(SELECT count(*) FROM inbound_messages WHERE org_id = $1),
		(SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'triage_needed')`, orgID).Scan(&cases, &messages, &mails)
	if err != nil {
		t.Fatal(err)
	}
	return cases, messages, mails
}

// Issue 6, DL-4: a message the sender's MTA delivers again (after our 451)
// is the same request: one case per organisation, the first delivery's
// receipt (and receipt time), one mail to the DPO. The Message-ID decides,
// per organisation; a message without one is never taken for another.
func TestReceiveEmailDedupesRetriedDelivery_DL4(t *testing.T) {
	t.Parallel()
	noID := strings.Replace(dedupeRequest, "Message-ID: <retry-1@example.test>\r\n", "", 1)
	for _, c := range []struct {
		name      string
		first     string // the first delivery's raw message ("" = dedupeRequest)
		second    string // the second delivery's raw message
		sameCase  bool
		otherOrg  bool // the second delivery goes to another organisation
		wantCases int
	}{
		{"same message again", "", dedupeRequest, true, false, 1},
		{"same Message-ID, header spelled otherwise", "", strings.Replace(dedupeRequest, "Message-ID: <", "message-id:   <", 1), true, false, 1},
		{"another message", "", strings.Replace(dedupeRequest, "<retry-1@", "<retry-2@", 1), false, false, 2},
		{"same message to another organisation", "", dedupeRequest, false, true, 1},
		{"no Message-ID", noID, noID, false, false, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			ctx := context.Background()
			org := env.Org("dedupe", "Tuplakunta", "Dubbelby", "fi")
			other := env.Org("toinen", "Toinenkunta", "Andraby", "fi")
			first := c.first
			if first == "" {
				first = dedupeRequest
			}
			arrival := env.Clock.Now()
			r1, err := env.Workflow.ReceiveEmail(ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "anna@example.test",
				Raw: []byte(first), ReceivedAt: arrival})
			if err != nil || r1 == "" {
				t.Fatalf("first delivery: %q, %v", r1, err)
			}
			env.Clock.Advance(15 * time.Minute) // the MTA retries a quarter of an hour later
			to := org
			if c.otherOrg {
				to = other
			}
			r2, err := env.Workflow.ReceiveEmail(ctx, to, workflow.InboundMail{To: to.PrivacyEmail, From: "anna@example.test",
				Raw: []byte(c.second), ReceivedAt: env.Clock.Now()})
			if err != nil || r2 == "" {
				t.Fatalf("second delivery: %q, %v", r2, err)
			}
			if (r1 == r2) != c.sameCase {
				t.Errorf("receipts %s and %s; same case wanted: %v", r1, r2, c.sameCase)
			}
			cases, messages, mails := dedupeCounts(t, env, org.ID)
			if cases != c.wantCases || messages != c.wantCases || mails != c.wantCases {
				t.Errorf("organisation holds %d cases, %d messages, %d DPO mails; want %d each", cases, messages, mails, c.wantCases)
			}
			if c.otherOrg {
				if cases, messages, mails := dedupeCounts(t, env, other.ID); cases != 1 || messages != 1 || mails != 1 {
					t.Errorf("other organisation holds %d cases, %d messages, %d DPO mails; want 1 each", cases, messages, mails)
				}
			}
			if c.sameCase {
				var received int64
				if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1 AND receipt = $2 AND received_at = $3`,
					org.ID, r1, arrival).Scan(&received); err != nil || received != 1 {
					t.Errorf("the case's receipt time is not the first arrival (%d, %v)", received, err)
				}
			}
		})
	}
}

// Two deliveries of one message at the same moment still make one case:
// the database's unique index decides, the loser returns the winner's
// receipt.
func TestReceiveEmailDedupeConcurrent(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("samaan", "Samaankunta", "Samby", "fi")
	const n = 4
	receipts := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			receipts[i], errs[i] = env.Workflow.ReceiveEmail(ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "anna@example.test",
				Raw: []byte(dedupeRequest), ReceivedAt: env.Clock.Now()})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || receipts[i] == "" || receipts[i] != receipts[0] {
			t.Errorf("delivery %d: %q, %v (first %q)", i, receipts[i], errs[i], receipts[0])
		}
	}
	if cases, messages, mails := dedupeCounts(t, env, org.ID); cases != 1 || messages != 1 || mails != 1 {
		t.Errorf("%d cases, %d messages, %d DPO mails; want 1 each", cases, messages, mails)
	}
}
