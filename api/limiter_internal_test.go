package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// limiterClock is a settable clock for limiter tests (D-16: no sleeping).
type limiterClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *limiterClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *limiterClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func limiterKeys(t testing.TB) *secret.Keys {
	t.Helper()
	k := make([]byte, 32)
	for i := range k {
		k[i] = byte(i*11 + 5)
	}
	keys, err := secret.New(k)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Issue 22, D-24: two instances on one database count the same tries: the
// 4th on B after 3 on A is refused, and says when the window that A's
// first try opened ends; once it has ended the count starts afresh.
func TestLimiterSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	keys := limiterKeys(t)
	clock := &limiterClock{t: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)}
	a := newLimiter(pool, keys, clock.now, quietLogger())
	b := newLimiter(pool, keys, clock.now, quietLogger())
	const key, max, period = "code:ip:203.0.113.7", 3, 15 * time.Minute
	first := clock.now()
	for i := range 3 {
		if ok, end := a.allowUntil(key, max, period); !ok || !end.Equal(first.Add(period)) {
			t.Fatalf("try %d on A: %v, window ends %v", i+1, ok, end)
		}
		clock.advance(time.Minute)
	}
	ok, end := b.allowUntil(key, max, period)
	if ok {
		t.Fatal("the 4th try on B after 3 on A was allowed: the instances count apart")
	}
	if !end.Equal(first.Add(period)) {
		t.Fatalf("B says try again at %v, want the end of A's window %v", end, first.Add(period))
	}
	if a.allow(key, max, period) {
		t.Fatal("A allowed a try after B refused one")
	}
	// Another key has a count of its own.
	if !b.allow("code:ip:203.0.113.8", max, period) {
		t.Fatal("another address was refused")
	}
	// The window ends 15 minutes after the first try: from then on the
	// count starts again, on either instance.
	clock.t = first.Add(period - time.Second)
	if b.allow(key, max, period) {
		t.Fatal("allowed a second before the window ends")
	}
	clock.t = first.Add(period)
	for i := range 3 {
		if ok, end := b.allowUntil(key, max, period); !ok || !end.Equal(first.Add(2*period)) {
			t.Fatalf("try %d of the new window: %v, ends %v", i+1, ok, end)
		}
	}
	if a.allow(key, max, period) {
		t.Fatal("the new window also holds across instances")
	}
}

// Issue 22 and the house rule on personal data: the table holds a keyed
// hash of each limiter key, never an address, an email or a plain hash of
// one (an unkeyed hash of an IPv4 address is undone by trying them all).
func TestLimiterStoresNoKeyInClear(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	clock := &limiterClock{t: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)}
	l := newLimiter(pool, limiterKeys(t), clock.now, quietLogger())
	keys := []string{"intake:ip:198.51.100.23", "taskcode:2001:db8::17", "intake:email:maija@example.test"}
	for _, k := range keys {
		l.allow(k, 5, time.Hour)
	}
	rows, err := pool.Query(context.Background(), `SELECT r::text, key_hash FROM rate_limits r`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var text string
		var h []byte
		if err := rows.Scan(&text, &h); err != nil {
			t.Fatal(err)
		}
		n++
		if len(h) != sha256.Size {
			t.Fatalf("key_hash of %d bytes", len(h))
		}
		for _, k := range keys {
			for _, clear := range []string{"198.51.100.23", "2001:db8::17", "maija", "example.test", k} {
				if strings.Contains(text, clear) || strings.Contains(text, hex.EncodeToString([]byte(clear))) {
					t.Fatalf("the row %q holds %q", text, clear)
				}
			}
			plain := sha256.Sum256([]byte(k))
			plain2 := sha256.Sum256([]byte("rate-limit\x00" + k))
			if bytes.Equal(h, plain[:]) || bytes.Equal(h, plain2[:]) {
				t.Fatalf("key_hash is an unkeyed hash of %q", k)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(keys) {
		t.Fatalf("%d rows for %d keys", n, len(keys))
	}
}

// logBuffer collects log output for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue 22: while the database is away the limits still hold, counted in
// the process's memory (bounded: at most the limit per instance), each
// hit waits at most limitTimeout, and the log says so once, without the
// address.
func TestLimiterFallsBackToMemoryWhenTheDatabaseIsAway(t *testing.T) {
	t.Parallel()
	dead := deadPool(t)
	var logs logBuffer
	clock := &limiterClock{t: time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)}
	l := newLimiter(dead, limiterKeys(t), clock.now, slog.New(slog.NewTextHandler(&logs, nil)))
	const key = "status:send:ip:192.0.2.44"
	for i := range 3 {
		start := time.Now()
		ok, end := l.allowUntil(key, 3, time.Hour)
		if !ok || !end.Equal(clock.now().Add(time.Hour)) {
			t.Fatalf("try %d during the outage: %v %v", i+1, ok, end)
		}
		if d := time.Since(start); d > limitTimeout+time.Second {
			t.Fatalf("a hit waited %v during the outage", d)
		}
	}
	if l.allow(key, 3, time.Hour) {
		t.Fatal("the 4th try during the outage was allowed: the fallback does not count")
	}
	out := logs.String()
	if got := strings.Count(out, "rate limits: database unavailable"); got != 1 {
		t.Fatalf("%d warnings, want 1 (throttled):\n%s", got, out)
	}
	if strings.Contains(out, "192.0.2.44") || strings.Contains(out, "nonexistent") {
		t.Fatalf("the warning names the address or the error's text:\n%s", out)
	}
}

// BenchmarkLimiter compares one hit counted in PostgreSQL (one INSERT ...
// ON CONFLICT round trip) with the per-process memory counter it replaced
// (the baseline), over 1000 addresses. The ratio is what the database
// costs each limited request (form submissions count two keys).
func BenchmarkLimiter(b *testing.B) {
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("intake:ip:10.%d.%d.%d", i/65536, i/256%256, i%256)
	}
	now := func() time.Time { return time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC) }
	b.Run("Baseline", func(b *testing.B) {
		l := newMemLimiter(now)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.allowUntil(keys[i%len(keys)], 1<<30, time.Hour)
			i++
		}
	})
	b.Run("Database", func(b *testing.B) {
		pool := pgtest.NewPool(b)
		l := newLimiter(pool, limiterKeys(b), now, quietLogger())
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			l.allowUntil(keys[i%len(keys)], 1<<30, time.Hour)
			i++
		}
	})
}

// D-24: while the database is away, an API token's limit is counted in
// this process's memory (as the public pages' limits are), so a token in a
// loop is still stopped at its burst, and the log says so once.
func TestAPIRateFallsBackToMemoryWhenTheDatabaseIsAway(t *testing.T) {
	t.Parallel()
	dead := deadPool(t)
	var logs logBuffer
	l := newLimiter(dead, limiterKeys(t), time.Now, slog.New(slog.NewTextHandler(&logs, nil)))
	a := newAPIRate(2, dead, l.warn)
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	for i := range 4 { // the burst
		if ok, _ := a.take(context.Background(), 7, now); !ok {
			t.Fatalf("request %d of the burst refused during the outage", i+1)
		}
	}
	ok, retry := a.take(context.Background(), 7, now)
	if ok || !retry.Equal(now.Add(500*time.Millisecond)) {
		t.Fatalf("past the burst during the outage: %v, retry %v; want refused until half a second", ok, retry)
	}
	if got := strings.Count(logs.String(), "rate limits: database unavailable"); got != 1 {
		t.Fatalf("%d warnings, want 1 (throttled):\n%s", got, logs.String())
	}
}

// deadPool is a pool whose database never answers: every statement fails
// at once, as during an outage.
func deadPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	dead, err := pgxpool.New(context.Background(), "host=/nonexistent-rdsock port=1 user=postgres dbname=x sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dead.Close)
	return dead
}

// BenchmarkAPIRate: what the per-token limit costs an API request (D-24),
// over 100 tokens with a budget that never runs out, against the memory
// bucket it replaced (the baseline). "Database" takes one request per
// statement (lease 1); "DefaultLease" takes leases of 2, API_RATE's
// default lease, so half the requests reach the database.
func BenchmarkAPIRate(b *testing.B) {
	now := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	run := func(b *testing.B, a *apiRate) {
		b.ReportAllocs()
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if ok, _ := a.take(ctx, int64(i%100)+1, now); !ok {
				b.Fatal("refused")
			}
			i++
		}
	}
	unlimited := func(pool *pgxpool.Pool, lease int) *apiRate {
		a := newAPIRate(1, pool, nil)
		a.rate, a.burst, a.lease = 1e12, 1e12, lease
		return a
	}
	b.Run("Baseline", func(b *testing.B) { run(b, unlimited(nil, 1)) })
	tokens := func(b *testing.B) *pgxpool.Pool {
		pool := pgtest.NewPool(b)
		ctx := context.Background()
		q := store.New(pool)
		org, err := q.UpsertOrg(ctx, store.Org{Slug: "espoo", NameFI: "Espoo", NameSV: "Esbo", PrimaryLang: "fi"})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			if id, err := q.InsertAPIToken(ctx, org, fmt.Sprint("t", i), []byte(fmt.Sprint("hash", i)), now); err != nil || id != int64(i)+1 {
				b.Fatalf("token %d: id %d, %v", i, id, err)
			}
		}
		return pool
	}
	b.Run("Database", func(b *testing.B) { run(b, unlimited(tokens(b), 1)) })
	b.Run("DefaultLease", func(b *testing.B) { run(b, unlimited(tokens(b), apiLeaseSize(20))) })
}
