package api

import (
	"sync"
	"time"
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
// Counted in this process's memory: N instances allow N times the rate.
// That is what the limit is for, a bound, not a quota; counting in the
// database (as the public pages' limits do) would put one row every
// request of a token updates on the intake's path (issue 21).
type apiRate struct {
	rate  float64 // requests a second; <= 0: no limit
	burst float64
	mu    sync.Mutex
	by    map[int64]*apiBucket
}

type apiBucket struct {
	tokens float64
	at     time.Time
}

func newAPIRate(perSecond int) *apiRate {
	return &apiRate{rate: float64(perSecond), burst: 2 * float64(perSecond), by: map[int64]*apiBucket{}}
}

// take spends one request of token id at now; false with the time the
// next one is allowed.
func (a *apiRate) take(id int64, now time.Time) (bool, time.Time) {
	if a == nil || a.rate <= 0 {
		return true, time.Time{}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b := a.by[id]
	if b == nil {
		b = &apiBucket{tokens: a.burst, at: now}
		a.by[id] = b
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
