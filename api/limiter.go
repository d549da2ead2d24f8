package api

import (
	"sync"
	"time"
)

// limiter is a fixed-window counter per key (client IP, or a hash of an
// email address). One instance per process; with N instances each keeps its
// own count, which only loosens the limit by a factor N.
type limiter struct {
	mu   sync.Mutex
	now  func() time.Time
	hits map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, hits: map[string]*window{}}
}

// allow counts one hit for key and reports whether it is within max per
// period.
func (l *limiter) allow(key string, max int, period time.Duration) bool {
	ok, _ := l.allowUntil(key, max, period)
	return ok
}

// allowUntil is allow that also returns when key's window ends (when a
// refused caller may try again).
func (l *limiter) allowUntil(key string, max int, period time.Duration) (bool, time.Time) {
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
