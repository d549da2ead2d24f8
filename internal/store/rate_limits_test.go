package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// Issue 22, D-24: one statement counts a hit. Parallel hits on one key
// (as from several instances) are each counted once; the count stops at
// max+1; a window that has ended starts afresh; the prune deletes only
// ended windows.
func TestHitRateLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	key := []byte("0123456789abcdef0123456789abcdef")
	const max, period = 40, time.Hour

	var wg sync.WaitGroup
	seen := make(chan int, 30)
	for range 30 {
		wg.Go(func() {
			n, end, err := q.HitRateLimit(ctx, key, now, period, max)
			if err != nil || !end.Equal(now.Add(period)) {
				t.Errorf("hit: %d %v %v", n, end, err)
			}
			seen <- n
		})
	}
	wg.Wait()
	close(seen)
	got := map[int]bool{}
	for n := range seen {
		got[n] = true
	}
	for i := 1; i <= 30; i++ {
		if !got[i] {
			t.Fatalf("parallel hits returned %v: count %d missing (a lost or doubled update)", got, i)
		}
	}
	for i := 31; i <= 45; i++ {
		n, _, err := q.HitRateLimit(ctx, key, now.Add(time.Minute), period, max)
		if err != nil {
			t.Fatal(err)
		}
		if want := min(i, max+1); n != want {
			t.Fatalf("hit %d: count %d, want %d", i, n, want)
		}
	}
	// A second key, opened later, outlives the first one's window.
	other := []byte("fedcba9876543210fedcba9876543210")
	if _, _, err := q.HitRateLimit(ctx, other, now.Add(30*time.Minute), period, max); err != nil {
		t.Fatal(err)
	}
	if n, err := q.PruneRateLimits(ctx, now.Add(period-time.Second)); err != nil || n != 0 {
		t.Fatalf("pruned %d before any window ended (%v)", n, err)
	}
	if n, err := q.PruneRateLimits(ctx, now.Add(period)); err != nil || n != 1 {
		t.Fatalf("pruned %d at the first window's end, want 1 (%v)", n, err)
	}
	// The other key's window ended at 30+60 minutes and was not pruned:
	// the upsert starts it afresh itself.
	n, end, err := q.HitRateLimit(ctx, other, now.Add(90*time.Minute), period, max)
	if err != nil || n != 1 || !end.Equal(now.Add(150*time.Minute)) {
		t.Fatalf("after the window ended: count %d, end %v (%v); want 1 and a new window", n, end, err)
	}
}

// D-24: a form submission's two limits (address, email) are counted in one
// statement, each key with its own period and ceiling; a window that ended
// starts afresh for its key alone.
func TestHitRateLimitsTwoKeysOneStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	q := store.New(pgtest.NewPool(t))
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	ip, email := []byte("ip-key-hash-0123456789abcdef0123"), []byte("email-key-hash-0123456789abcdef0")
	hit := func(at time.Time) []store.RateHit {
		t.Helper()
		h := []store.RateHit{{KeyHash: ip, Period: time.Hour, Max: 3}, {KeyHash: email, Period: 24 * time.Hour, Max: 1}}
		if err := q.HitRateLimits(ctx, at, h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	h := hit(now)
	if h[0].Hits != 1 || h[1].Hits != 1 || !h[0].End.Equal(now.Add(time.Hour)) || !h[1].End.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("first hit: %+v", h)
	}
	for range 5 {
		h = hit(now.Add(time.Minute))
	}
	// The ceilings are per key: max+1.
	if h[0].Hits != 4 || h[1].Hits != 2 {
		t.Fatalf("after six hits: ip %d (want 4), email %d (want 2)", h[0].Hits, h[1].Hits)
	}
	// Two hours later the address's window has ended, the email's not.
	h = hit(now.Add(2 * time.Hour))
	if h[0].Hits != 1 || !h[0].End.Equal(now.Add(3*time.Hour)) || h[1].Hits != 2 || !h[1].End.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("two hours later: %+v", h)
	}
}
