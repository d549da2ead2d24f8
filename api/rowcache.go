package api

import (
	"sync"
	"time"

	"rightsdesk/internal/store"
)

// rowCache keeps rows every intake reads (the API token with its
// organisation, the organisation of a form's slug) for a second, so a
// burst of requests reads each once a second instead of once a request
// (issue 21: a round trip and its decoding per request). An entry is used
// only while this process has not written organisations or tokens since
// its row was read (store.OrgsGeneration): an edit or a revocation made
// here is seen by the next request. One made by another process (the
// CLI's `token revoke`, another instance) is seen within rowCacheTTL.
// Only found rows are kept (an unknown token or slug is asked each time),
// and at most rowCacheMax of them.
type rowCache[V any] struct {
	mu  sync.Mutex
	m   map[string]rowEntry[V]
	ttl time.Duration // 0: rowCacheTTL (tests set their own)
}

type rowEntry[V any] struct {
	v    V
	gen  uint64
	read time.Time // monotonic: the entry's age, whatever the injected clock says
}

const (
	rowCacheTTL = time.Second
	rowCacheMax = 1024
)

// get returns the entry of key while it is fresh.
func (c *rowCache[V]) get(key string) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[key]
	ttl := c.ttl
	c.mu.Unlock()
	if ttl == 0 {
		ttl = rowCacheTTL
	}
	if !ok || e.gen != store.OrgsGeneration() || time.Since(e.read) >= ttl {
		var zero V
		return zero, false
	}
	return e.v, true
}

// load returns key's row from the cache, or reads it with read and keeps
// it. The generation is taken before the read, so a write that lands
// while the row is being read leaves the entry already stale.
func (c *rowCache[V]) load(key string, read func() (V, error)) (V, error) {
	if v, ok := c.get(key); ok {
		return v, nil
	}
	gen, at := store.OrgsGeneration(), time.Now()
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= rowCacheMax {
		c.m = map[string]rowEntry[V]{}
	}
	c.m[key] = rowEntry[V]{v: v, gen: gen, read: at}
	c.mu.Unlock()
	return v, nil
}
