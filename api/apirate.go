package api

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/store"
)

// apiRate bounds what one API token may ask of /api/v1: rate requests a
// second, in bursts of up to twice that (a token bucket per token). Every
// request a token creates mails a code to the address it names, so a
// token that leaks or an integration stuck in a loop would otherwise have
// the municipality's mail server send codes to any address at intake
// speed (a thousand a second here). The default (API_RATE, 20 a second)
// is far above what a municipality's own e-service sends: a news story
// brings thousands of requests an hour, about one a second.
//
// The bucket is in the database (table api_rate, D-24), so every instance
// spends the same budget. Writing it on every request would put one row
// that all of a token's requests update on the intake's path (issue 21),
// so an instance takes a lease of a few requests at a time and hands them
// out from memory: a busy token costs one statement every lease requests.
// A lease is taken from the shared bucket, so the rate holds across
// instances; what an instance holds unspent (at most lease-1) can only
// make one burst that much longer. A refusal is remembered until the
// bucket has refilled one request, so a token looping past its limit does
// not reach the database with every try.
//
// When the database cannot be asked, the instance counts in its own
// memory (the public pages' limiter does the same, limiter.go): bounded
// per instance, neither open nor closed.
type apiRate struct {
	rate  float64 // requests a second; <= 0: no limit
	burst float64
	lease int // requests taken from the database at once
	pool  *pgxpool.Pool
	warn  func(error)

	mu sync.Mutex
	by map[int64]*apiLease
	// mem is the fallback while the database is away.
	mem map[int64]*apiBucket
}

// apiLease is what this instance holds of one token's bucket.
type apiLease struct {
	mu      sync.Mutex
	held    int       // taken from the database, not yet handed out
	refused time.Time // the bucket had nothing for us until then
}

// apiBucket is one token's bucket in this process's memory.
type apiBucket struct {
	tokens float64
	at     time.Time
}

func newAPIRate(perSecond int, pool *pgxpool.Pool, warn func(error)) *apiRate {
	rate := float64(perSecond)
	return &apiRate{rate: rate, burst: 2 * rate, lease: apiLeaseSize(perSecond), pool: pool, warn: warn,
		by: map[int64]*apiLease{}, mem: map[int64]*apiBucket{}}
}

// apiLeaseSize: a tenth of a second's worth, at least one and at most 100
// (2 at the default rate of 20).
func apiLeaseSize(perSecond int) int { return max(1, min(perSecond/10, 100)) }

// take spends one request of token id at now; false with the time the
// next one is allowed.
func (a *apiRate) take(ctx context.Context, id int64, now time.Time) (bool, time.Time) {
	if a == nil || a.rate <= 0 {
		return true, time.Time{}
	}
	if a.pool == nil {
		return a.memTake(id, now)
	}
	a.mu.Lock()
	l := a.by[id]
	if l == nil {
		l = &apiLease{}
		a.by[id] = l
	}
	a.mu.Unlock()

	// One statement at a time per token and instance: the requests that
	// wait here get the rest of the lease it brings.
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held > 0 {
		l.held--
		return true, time.Time{}
	}
	if now.Before(l.refused) {
		return false, l.refused
	}
	ctx, cancel := context.WithTimeout(ctx, limitTimeout)
	defer cancel()
	got, left, err := store.New(a.pool).TakeAPIRate(ctx, id, now, a.rate, a.burst, a.lease)
	if err != nil {
		if a.warn != nil {
			a.warn(err)
		}
		return a.memTake(id, now)
	}
	if got == 0 {
		l.refused = now.Add(time.Duration((1 - left) / a.rate * float64(time.Second)))
		return false, l.refused
	}
	l.held = got - 1
	return true, time.Time{}
}

// memTake is take counted in this process's memory.
func (a *apiRate) memTake(id int64, now time.Time) (bool, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.mem[id]
	if b == nil {
		b = &apiBucket{tokens: a.burst, at: now}
		a.mem[id] = b
	}
	if now.After(b.at) {
		b.tokens = min(a.burst, b.tokens+now.Sub(b.at).Seconds()*a.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, time.Time{}
	}
	return false, now.Add(time.Duration((1 - b.tokens) / a.rate * float64(time.Second)))
}
