package workflow_test

import (
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 18: an access answer is made only when every live access or
// portability task is answered; a register not yet answered must never
// read as "nothing found". Other rights' tasks and cancelled ones do not
// count.
func TestAccessLetterReady(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	answered := func(right string) store.Task { return store.Task{Right: right, State: "answered", AnsweredAt: &at} }
	open := func(right string) store.Task { return store.Task{Right: right, State: "open"} }
	cancelled := store.Task{Right: "access", State: "cancelled"}
	for _, c := range []struct {
		name  string
		tasks []store.Task
		want  bool
	}{
		{"all answered", []store.Task{answered("access"), answered("portability")}, true},
		{"one open", []store.Task{answered("access"), open("access")}, false},
		{"a waiting portability task", []store.Task{answered("access"), {Right: "portability", State: "waiting"}}, false},
		{"an open erasure task does not block", []store.Task{answered("access"), open("erasure")}, true},
		{"a cancelled task does not block", []store.Task{answered("access"), cancelled}, true},
		{"only cancelled", []store.Task{cancelled}, false},
		{"no access asked", []store.Task{answered("erasure")}, false},
		{"answered without a time", []store.Task{{Right: "access", State: "answered"}}, false},
	} {
		if got := workflow.AccessLetterReady(c.tasks); got != c.want {
			t.Errorf("%s: ready = %v, want %v", c.name, got, c.want)
		}
	}
}
