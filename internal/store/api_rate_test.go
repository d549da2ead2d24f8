package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// D-24: an API token's bucket is one row that every instance takes from.
// Parallel takes (as from several instances at one moment) never hand out
// more than the burst between them; the bucket refills at the rate, up to
// the burst; a take past what is left gets nothing and says what is left.
func TestTakeAPIRateSharedBucket_D24(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	org := seedOrgs(ctx, t, pool, "espoo")[0]
	token, err := q.InsertAPIToken(ctx, org, "erp", []byte("hash-of-the-token"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	const rate, burst = 5.0, 10.0

	var wg sync.WaitGroup
	got := make(chan int, 16)
	for range 16 {
		wg.Go(func() {
			n, _, err := q.TakeAPIRate(ctx, token, now, rate, burst, 3)
			if err != nil {
				t.Error(err)
			}
			got <- n
		})
	}
	wg.Wait()
	close(got)
	total := 0
	for n := range got {
		if n < 0 || n > 3 {
			t.Fatalf("a take of 3 got %d", n)
		}
		total += n
	}
	if total != burst {
		t.Fatalf("16 parallel takes of 3 from a full bucket of %v got %d in all", burst, total)
	}
	n, left, err := q.TakeAPIRate(ctx, token, now.Add(100*time.Millisecond), rate, burst, 3)
	if err != nil || n != 0 || left < 0.49 || left > 0.51 {
		t.Fatalf("a tenth of a second later: got %d, left %v (%v); want 0 and half a request", n, left, err)
	}
	n, left, err = q.TakeAPIRate(ctx, token, now.Add(time.Second), rate, burst, 3)
	if err != nil || n != 3 || left < 1.99 || left > 2.01 {
		t.Fatalf("a second later: got %d, left %v (%v); want 3 of the 5 refilled, 2 left", n, left, err)
	}
	// A long pause refills to the burst, no more; a clock that went back
	// refills nothing.
	if n, left, err = q.TakeAPIRate(ctx, token, now.Add(time.Hour), rate, burst, 100); err != nil || n != burst || left != 0 {
		t.Fatalf("an hour later, taking 100: got %d, left %v (%v); want the burst", n, left, err)
	}
	if n, _, err = q.TakeAPIRate(ctx, token, now.Add(time.Minute), rate, burst, 1); err != nil || n != 0 {
		t.Fatalf("with the clock back: got %d (%v), want 0", n, err)
	}
	// A revoked and deleted token takes its bucket with it.
	if _, err := pool.Exec(ctx, `DELETE FROM api_tokens WHERE id = $1`, token); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_rate`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d buckets left after the token was deleted (%v)", rows, err)
	}
}
