package api

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// The public pages' limits (form submissions, status look-ups, code entry,
// task links) are fixed windows per key (client IP, or a keyed hash of an
// email address or a receipt).
//
// Issue 22, D-24: they are counted in PostgreSQL (table rate_limits), so N
// instances on one database allow the same tries as one. The table holds a
// keyed hash of each key, never the key: an address is personal data.

// limitTimeout bounds one hit's statement: a database that answers slower
// than this is treated as away (see allowUntil).
const limitTimeout = 2 * time.Second

// limiter counts hits in the database and falls back to a per-process
// memory counter when the database cannot be asked.
type limiter struct {
	pool   *pgxpool.Pool
	keys   *secret.Keys
	now    func() time.Time
	logger *slog.Logger
	mem    *memLimiter
	// lastWarn (unix seconds) throttles the "counting in memory" warning to
	// one a minute: an outage must not flood the log.
	lastWarn atomic.Int64
}

func newLimiter(pool *pgxpool.Pool, keys *secret.Keys, now func() time.Time, logger *slog.Logger) *limiter {
	return &limiter{pool: pool, keys: keys, now: now, logger: logger, mem: newMemLimiter(now)}
}

// allow counts one hit for key and reports whether it is within max per
// period.
func (l *limiter) allow(key string, max int, period time.Duration) bool {
	ok, _ := l.allowUntil(key, max, period)
	return ok
}

// allowUntil is allow that also returns when key's window ends (when a
// refused caller may try again). One round trip: an INSERT ... ON CONFLICT
// DO UPDATE ... RETURNING.
//
// When the database cannot be asked, the hit is counted in this process's
// memory instead: neither fully open nor closed, but bounded by the limit
// per instance (what every instance had before issue 22). Why not closed:
// every action these limits guard needs the database itself (a submission
// is stored, a code checked against its stored hash, a status read, a mail
// queued), so during an outage it already answers a localized 503 with
// Retry-After; refusing first would turn that into a 429 telling a
// resident, wrongly, that they tried too often. Why not wide open: a
// failure of this statement alone (a timeout under load while other
// statements pass) must not lift the limit.
func (l *limiter) allowUntil(key string, max int, period time.Duration) (bool, time.Time) {
	if l.pool == nil || l.keys == nil {
		return l.mem.allowUntil(key, max, period)
	}
	// The handlers' calls take no context (the interface predates the
	// database); the timeout bounds the wait instead.
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	hits, end, err := store.New(l.pool).HitRateLimit(ctx, l.keyHash(key), l.now(), period, max)
	if err != nil {
		l.warn(err)
		return l.mem.allowUntil(key, max, period)
	}
	return hits <= max, end
}

// limit is one key's limit for allowAllUntil.
type limit struct {
	key    string
	max    int
	period time.Duration
}

// allowAllUntil counts one hit for each of several distinct keys in one
// round trip (a form submission is limited per address and per email) and
// allows when every key is within its limit; a refusal says when the last
// of the refusing windows ends. Every key is counted even when another
// refuses: one statement, and a refused try is still a try.
func (l *limiter) allowAllUntil(limits ...limit) (bool, time.Time) {
	memory := func() (bool, time.Time) {
		ok, retry := true, time.Time{}
		for _, lm := range limits {
			if fine, end := l.mem.allowUntil(lm.key, lm.max, lm.period); !fine {
				ok = false
				retry = later(retry, end)
			}
		}
		return ok, retry
	}
	if l.pool == nil || l.keys == nil {
		return memory()
	}
	hits := make([]store.RateHit, len(limits))
	for i, lm := range limits {
		hits[i] = store.RateHit{KeyHash: l.keyHash(lm.key), Period: lm.period, Max: lm.max}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limitTimeout)
	defer cancel()
	if err := store.New(l.pool).HitRateLimits(ctx, l.now(), hits); err != nil {
		l.warn(err)
		return memory()
	}
	ok, retry := true, time.Time{}
	for _, h := range hits {
		if h.Hits > h.Max {
			ok = false
			retry = later(retry, h.End)
		}
	}
	return ok, retry
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// keyHash is the keyed hash stored for key. After a key rotation the same
// key hashes differently, which only starts its window afresh.
func (l *limiter) keyHash(key string) []byte {
	return l.keys.BlindIndex("rate-limit\x00" + key)
}

// warn logs a database failure without the key (it may hold an address)
// and without the error's text beyond its kind.
func (l *limiter) warn(err error) {
	now := time.Now().Unix()
	last := l.lastWarn.Load()
	if now-last < 60 || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.logger.Warn("rate limits: database unavailable, counting in this process's memory",
		slog.Bool("outage", classifyOutage(err) != outageNone))
}

// memLimiter is a fixed-window counter per key in this process's memory:
// the limiter's fallback while the database is away, and the baseline of
// BenchmarkLimiter.
type memLimiter struct {
	mu   sync.Mutex
	now  func() time.Time
	hits map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newMemLimiter(now func() time.Time) *memLimiter {
	return &memLimiter{now: now, hits: map[string]*window{}}
}

// allowUntil counts one hit for key; see limiter.allowUntil.
func (l *memLimiter) allowUntil(key string, max int, period time.Duration) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.hits[key]
	if w == nil || now.Sub(w.start) >= period {
		if len(l.hits) > 100_000 { // bound memory under a flood
			for k, v := range l.hits {
				if now.Sub(v.start) >= period {
					delete(l.hits, k)
				}
			}
		}
		w = &window{start: now}
		l.hits[key] = w
	}
	w.n++
	return w.n <= max, w.start.Add(period)
}
