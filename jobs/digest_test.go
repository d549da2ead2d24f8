package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// hrefs lists the links of a mail's HTML part.
func hrefs(t *testing.T, m mail.Caught) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(m.HTML))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			for _, a := range n.Attr {
				if a.Key == "href" {
					out = append(out, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func addStaff(t *testing.T, env *testenv.Env, orgID int64, email, lang, role string, disabled bool) {
	t.Helper()
	ctx := context.Background()
	q := store.New(env.Pool)
	id, err := q.InsertStaffUser(ctx, store.StaffUser{Email: email, Name: email, PasswordHash: "x", Lang: lang, CreatedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetMembership(ctx, orgID, id, role); err != nil {
		t.Fatal(err)
	}
	if disabled {
		if err := q.DisableStaffUser(ctx, id, env.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
}

// The daily digest lists each organisation's open cases that are overdue
// or due within 7 days by effective due date (D-13), to the DPO address
// and the DPO accounts in their languages, once a day however often it
// runs; an organisation with nothing due gets no mail.
func TestDailyDigest_D13(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("digest", "Digestikunta", "Digestby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	quiet := env.Org("quiet", "Hiljainen", "Tyst", "fi")
	env.Register(quiet.ID, "Rekisteri", "c", ownerEmail)
	hel := workflow.Helsinki()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, hel) }

	// On 2026-03-03 (the Env clock):
	overdue := enter(t, env, org, day(1, 20))   // legal_due 2026-02-20
	thisWeek := enter(t, env, org, day(2, 5))   // legal_due 2026-03-05
	lastDay := enter(t, env, org, day(2, 10))   // legal_due 2026-03-10: day + 7, still "this week"
	later := enter(t, env, org, day(2, 11))     // legal_due 2026-03-11: later
	withdrawn := enter(t, env, org, day(1, 21)) // overdue but withdrawn
	if err := env.Workflow.Withdraw(ctx, org, withdrawn.caseID, workflow.StaffActor(1), "by phone"); err != nil {
		t.Fatal(err)
	}
	enter(t, env, quiet, day(2, 20)) // legal_due 2026-03-20
	// Extended while the first month ran: legal_due 2026-02-16 has passed,
	// but the effective due is extended_due 2026-04-15 (D-13).
	now := env.Clock.Now()
	env.Clock.Set(day(2, 1))
	extended := enter(t, env, org, day(1, 15))
	if err := env.Workflow.Extend(ctx, org, extended.caseID, workflow.StaffActor(1), "Many registers"); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(now)

	addStaff(t, env, org.ID, "dpo.sv@digest.test", "sv", "dpo", false)
	addStaff(t, env, org.ID, "DPO@digest.test", "en", "dpo", false) // the DPO address again: one mail
	addStaff(t, env, org.ID, "viewer@digest.test", "fi", "viewer", false)
	addStaff(t, env, org.ID, "gone@digest.test", "fi", "dpo", true)
	env.WorkAll(jobargs.DeliverMail{}.Kind())

	first := insertAt(t, env, jobargs.DailyDigest{Day: "2026-03-03"}, now)
	again := insertAt(t, env, jobargs.DailyDigest{Day: "2026-03-03"}, now)
	if first.UniqueSkippedAsDuplicate || !again.UniqueSkippedAsDuplicate {
		t.Fatalf("a day's digest job must be unique: %v %v", first.UniqueSkippedAsDuplicate, again.UniqueSkippedAsDuplicate)
	}
	env.WorkAll()
	got := mailsOf(env, "digest", "")
	if len(got) != 2 {
		t.Fatalf("digest mails: %d", len(got))
	}
	byTo := map[string]mail.Caught{}
	for _, m := range got {
		byTo[m.To[0]] = m
	}
	fi, sv := byTo[org.DPOEmail], byTo["dpo.sv@digest.test"]
	if fi.Raw == nil || sv.Raw == nil {
		t.Fatalf("digest recipients: %v", byTo)
	}
	if want := "Tietosuojapyynnöt 3.3.2026: 1 myöhässä, 2:n määräpäivä 7 päivän sisällä"; fi.Subject != want {
		t.Errorf("subject %q, want %q", fi.Subject, want)
	}
	if !strings.Contains(sv.Subject, "1 försenad, 2 med sista dag") || !strings.Contains(sv.Text, "Försenade") {
		t.Errorf("Swedish digest: %q %q", sv.Subject, sv.Text)
	}
	base := "http://rightsdesk.test/staff/cases/"
	wantLinks := []string{base + overdue.receipt, base + thisWeek.receipt, base + lastDay.receipt, "http://rightsdesk.test/staff/cases"}
	for _, m := range []mail.Caught{fi, sv} {
		links := hrefs(t, m)
		if strings.Join(links, " ") != strings.Join(wantLinks, " ") {
			t.Errorf("digest to %v links %v, want %v", m.To, links, wantLinks)
		}
		for _, not := range []fix{later, withdrawn, extended} {
			if strings.Contains(m.Text, not.receipt) {
				t.Errorf("digest lists %s", not.receipt)
			}
		}
		if strings.Contains(m.Text, "Test Person") || strings.Contains(m.Text, "p@x.test") {
			t.Error("requester data in the digest")
		}
	}
	// The text: overdue first, then this week, each with its due date.
	od, wk := strings.Index(fi.Text, "Myöhässä ("), strings.Index(fi.Text, "Määräpäivä 7 päivän sisällä (")
	if od < 0 || wk < od || !strings.Contains(fi.Text[od:wk], overdue.receipt) || !strings.Contains(fi.Text[od:wk], "20.2.2026") ||
		!strings.Contains(fi.Text[wk:], thisWeek.receipt) || !strings.Contains(fi.Text[wk:], "10.3.2026") {
		t.Errorf("digest text:\n%s", fi.Text)
	}

	// Once a day: running the day again sends nothing; the next day does.
	if n, err := env.Workflow.SendDigests(ctx, workflow.MustParseDate("2026-03-03")); err != nil || n != 0 {
		t.Fatalf("second run the same day: %d %v", n, err)
	}
	env.Clock.Set(now.Add(24 * time.Hour))
	if n, err := env.Workflow.SendDigests(ctx, workflow.MustParseDate("2026-03-04")); err != nil || n != 2 {
		t.Fatalf("next day: %d %v", n, err)
	}
	var events int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'digest_sent' AND case_id IS NULL AND org_id = $1`, org.ID).Scan(&events); err != nil || events != 2 {
		t.Errorf("digest audit events: %d %v", events, err)
	}
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'digest' AND org_id = $1`, quiet.ID).Scan(&events); err != nil || events != 0 {
		t.Errorf("digest for an organisation with nothing due: %d", events)
	}
}

// Two digest runs racing for the same day (two instances, or a retry
// while the first still runs) send one digest.
func TestDailyDigestConcurrentRunsSendOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("race", "Kilpakunta", "Kapplöpningsby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	enter(t, env, org, time.Date(2026, 2, 2, 12, 0, 0, 0, workflow.Helsinki()))
	day := workflow.MustParseDate("2026-03-03")
	errs := make(chan error, 4)
	counts := make(chan int, 4)
	for range 4 {
		go func() {
			n, err := env.Workflow.SendDigests(context.Background(), day)
			counts <- n
			errs <- err
		}()
	}
	total := 0
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		total += <-counts
	}
	if total != 1 {
		t.Fatalf("digests queued by 4 concurrent runs: %d", total)
	}
}
