package jobs

import (
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Mail retries count from the service's clock (D-16), start quickly and
// never wait more than five minutes, so a code mailed after an outage is
// still alive when it arrives (issue 17).
func TestDeliverMailRetryUsesServiceClockAndCaps(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC) // far from the real date on purpose
	w := &DeliverMailWorker{d: Deps{Workflow: &workflow.Service{Now: func() time.Time { return now }}}}
	want := map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 5: 32 * time.Second, 8: 256 * time.Second, 9: 5 * time.Minute, 25: 5 * time.Minute}
	for attempt, d := range want {
		j := &river.Job[jobargs.DeliverMail]{JobRow: &rivertype.JobRow{Attempt: attempt}}
		if got := w.NextRetry(j).Sub(now); got != d {
			t.Errorf("attempt %d: retry after %v, want %v", attempt, got, d)
		}
	}
}
