package workflow_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 16, item 6: the number of argon2 hashes running at once never
// exceeds the semaphore's bound, however many sign-ins arrive together.
func TestLoginHashesBounded(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	a.Argon2Memory, a.HashMemoryMiB = 1024, 2 // 1 MiB per hash, 2 MiB budget: 2 at once
	if a.HashBound() != 2 {
		t.Fatalf("bound = %d, want 2 (2 MiB / 1 MiB)", a.HashBound())
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := a.Login(env.Ctx, fmt.Sprintf("nobody%d@x.example", i), "some password", "")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, workflow.ErrLoginFailed) {
			t.Errorf("unknown account: %v", err)
		}
	}
	running, peak := a.HashStats()
	if running != 0 || peak > 2 || peak < 1 {
		t.Fatalf("hashes: %d running, peak %d; want none left and a peak of at most 2", running, peak)
	}
}

// Issue 16, item 6: never more than LockAfter (5) wrong passwords are
// checked per account before it locks, also when sent in parallel; the
// rest are refused before hashing, saying when to try again, and the
// right password is then refused too.
func TestLoginParallelWrongPasswordsLock(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	org := env.Org("espoo", "Espoo", "Esbo", "fi")
	const pw = "the right password here"
	if _, err := a.AddUser(env.Ctx, workflow.NewStaff{Email: "p@x.example", OrgID: org.ID, Role: workflow.RoleDPO, Password: pw}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := a.Login(env.Ctx, "p@x.example", fmt.Sprintf("wrong password %d", i), "")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	checked, limited := 0, 0
	now := env.Clock.Now()
	for err := range errs {
		var le *workflow.LoginLimitedError
		switch {
		case errors.Is(err, workflow.ErrLoginFailed):
			checked++
		case errors.As(err, &le):
			limited++
			if !le.RetryAt.Equal(now.Add(workflow.LockBase)) {
				t.Errorf("retry at %s, want %s", le.RetryAt, now.Add(workflow.LockBase))
			}
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if checked != workflow.LockAfter || limited != 20-workflow.LockAfter {
		t.Fatalf("%d wrong passwords checked, %d refused before hashing; want %d and %d", checked, limited, workflow.LockAfter, 20-workflow.LockAfter)
	}
	if n, err := a.LoginFailuresInARow(env.Ctx, "P@x.example "); err != nil || n != workflow.LockAfter {
		t.Fatalf("failures in a row = %d, %v", n, err)
	}
	var le *workflow.LoginLimitedError
	if _, _, err := a.Login(env.Ctx, "p@x.example", pw, ""); !errors.As(err, &le) {
		t.Fatalf("the right password while locked: %v", err)
	}
	env.Clock.Advance(workflow.LockBase + time.Second)
	if _, _, err := a.Login(env.Ctx, "p@x.example", pw, ""); err != nil {
		t.Fatalf("the right password after the lock: %v", err)
	}
	if n, _ := a.LoginFailuresInARow(env.Ctx, "p@x.example"); n != 0 {
		t.Fatalf("failures after success = %d", n)
	}

	// An unknown email locks the same way: a lock tells nothing about an
	// account's existence.
	for range workflow.LockAfter {
		if _, _, err := a.Login(env.Ctx, "ghost@x.example", "whatever it is", ""); !errors.Is(err, workflow.ErrLoginFailed) {
			t.Fatalf("unknown email: %v", err)
		}
	}
	if _, _, err := a.Login(env.Ctx, "ghost@x.example", "whatever it is", ""); !errors.As(err, &le) {
		t.Fatalf("unknown email after %d failures: %v", workflow.LockAfter, err)
	}
}

// Issue 16, item 6 (per address, D-19): of parallel failures from one
// address IPLimit+1 are checked, the first to reserve; the rest are
// refused before hashing. (Without the address lock all of them could
// reserve before any counted, and then none was checked: a fresh clone's
// run saw 0 of 40.)
func TestLoginParallelAddressLimit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, err := a.Login(env.Ctx, fmt.Sprintf("n%d@x.example", i), "some password", "192.0.2.9")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	checked := 0
	var le *workflow.LoginLimitedError
	for err := range errs {
		switch {
		case errors.Is(err, workflow.ErrLoginFailed):
			checked++
		case !errors.As(err, &le):
			t.Errorf("unexpected: %v", err)
		}
	}
	if checked != workflow.IPLimit+1 {
		t.Fatalf("%d of 40 parallel attempts from one address were checked, want %d", checked, workflow.IPLimit+1)
	}
}
