package jobs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// FI-2, D-23: the digest lists a document request by its two weeks,
// named as the Openness Act's clock, while a GDPR request received the
// same day is not yet due. DL-8, DL-11: a case paused and extended shows
// the paused date of the extended deadline (receipt + pause + 3 months),
// not receipt + pause + 1 month.
func TestDigestFI2ClockAndPausedExtended_DL8_DL11(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("kello", "Kellokunta", "Klockby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	hel := workflow.Helsinki()
	actor := workflow.StaffActor(1)

	// Received 2026-02-10: legal_due 2026-03-10, extended 2026-05-10 (Sun)
	// -> 2026-05-11. Paused on 2026-03-03 for 10 days: paused due
	// 2026-03-20, paused extended due 2026-05-20.
	ext := enter(t, env, org, time.Date(2026, 2, 10, 12, 0, 0, 0, hel))
	if err := env.Workflow.Extend(ctx, org, ext.caseID, actor, "Monta rekisteriä"); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.Pause(ctx, org, ext.caseID, actor, "Tarkennus"); err != nil {
		t.Fatal(err)
	}
	// A document request and a GDPR request received on 2026-03-03.
	doc, err := env.Workflow.EnterRequest(ctx, org, actor, workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, DocumentRequest: true, AllRegisters: true,
			Name: "Test Person", Email: "p@x.test", Lang: "fi"},
		Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	gdpr := enter(t, env, org, env.Clock.Now())
	env.Clock.Advance(10 * 24 * time.Hour) // 2026-03-13

	if _, err := env.Workflow.SendDigests(ctx, workflow.MustParseDate("2026-03-13")); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	got := mailsOf(env, "digest", org.DPOEmail)
	if len(got) != 1 {
		t.Fatalf("digest mails: %d", len(got))
	}
	text := got[0].Text
	line := lineWith(text, doc.Receipt)
	if !strings.Contains(line, "17.3.2026") || !strings.Contains(line, "asiakirjapyyntö, julkisuuslaki (2 viikkoa)") {
		t.Errorf("the document request's line %q lacks its two weeks (17.3.2026) and clock:\n%s", line, text)
	}
	if strings.Contains(text, gdpr.receipt) || strings.Contains(text, ext.receipt) {
		t.Errorf("the digest of 13.3. lists requests not due within 7 days:\n%s", text)
	}

	if _, err := env.Workflow.SendDigests(ctx, workflow.MustParseDate("2026-05-05")); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	got = mailsOf(env, "digest", org.DPOEmail)
	if len(got) != 2 {
		t.Fatalf("digest mails: %d", len(got))
	}
	may := got[0]
	if !strings.Contains(may.Text, "5.5.2026") {
		may = got[1]
	}
	line = lineWith(may.Text, ext.receipt)
	if !strings.Contains(line, "11.5.2026") || !strings.Contains(line, "20.5.2026") || strings.Contains(line, "20.3.2026") {
		t.Errorf("paused and extended: line %q, want due 11.5.2026 and paused 20.5.2026 (not 20.3.2026):\n%s", line, may.Text)
	}
}

func lineWith(text, s string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
