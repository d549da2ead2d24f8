package jobs_test

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// The periodic checkpoint job records every moved chain's head, signed;
// the DPO's daily digest quotes the latest checkpoint's digest, a copy
// outside the database (issue 16).
func TestAuditCheckpointJobAndDigest(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("anchor", "Ankkuri", "Ankare", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", ownerEmail)
	hel := workflow.Helsinki()
	enter(t, env, org, time.Date(2026, 1, 20, 12, 0, 0, 0, hel)) // overdue on 2026-03-03: the digest has something to say
	now := env.Clock.Now()

	insertAt(t, env, jobargs.AuditCheckpoint{}, now)
	env.WorkAll(jobargs.AuditCheckpoint{}.Kind())
	cp, err := store.New(env.Pool).LatestCheckpoint(ctx)
	if err != nil || cp.Chains != 1 {
		t.Fatalf("checkpoint after the job: %+v %v", cp, err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	insertAt(t, env, jobargs.DailyDigest{Day: "2026-03-03"}, now)
	env.WorkAll()
	got := mailsOf(env, "digest", org.DPOEmail)
	if len(got) != 1 {
		t.Fatalf("digest mails: %d", len(got))
	}
	d := hex.EncodeToString(cp.Digest)
	if !strings.Contains(got[0].Text, d) || !strings.Contains(got[0].HTML, d) || !strings.Contains(got[0].Text, "tarkistuspiste") {
		t.Errorf("digest lacks the checkpoint digest %s:\n%s", d, got[0].Text)
	}
}
