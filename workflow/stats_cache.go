package workflow

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"

	"rightsdesk/internal/store"
)

// statsCache keeps suppressed months' tables by their input: finding a
// suppression that cannot be undone takes up to a few hundred
// milliseconds for a middling organisation, and the figures change only
// when the hourly refresh changes stats_monthly. Keyed by the rows
// themselves, an entry is never stale; each process keeps its own (what
// it holds follows from the database).
type statsCache struct {
	mu sync.Mutex
	m  map[[32]byte]StatsYear
}

const statsCacheSize = 256

func statsKey(year, nMonths int, rows []store.StatsRow, days []store.StatsDays) [32]byte {
	h := sha256.New()
	w := func(vs ...int64) {
		for _, v := range vs {
			_ = binary.Write(h, binary.LittleEndian, v)
		}
	}
	w(int64(year), int64(nMonths), int64(len(rows)))
	for _, r := range rows {
		w(r.Month.Unix(), int64(len(r.Dimension)), int64(len(r.Value)))
		h.Write([]byte(r.Dimension + r.Value))
		w(int64(r.Received), int64(r.Answered), int64(r.OnTime))
	}
	w(int64(len(days)))
	for _, d := range days {
		w(d.Month.Unix(), int64(d.Days), int64(d.N))
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// months is buildStatsMonths, remembered (a nil cache remembers nothing).
func (c *statsCache) months(y StatsYear, nMonths int, rows []store.StatsRow, days []store.StatsDays) StatsYear {
	if c == nil {
		return buildStatsMonths(y, nMonths, rows, days)
	}
	k := statsKey(y.Year, nMonths, rows, days)
	c.mu.Lock()
	got, ok := c.m[k]
	c.mu.Unlock()
	if !ok {
		got = buildStatsMonths(StatsYear{Year: y.Year}, nMonths, rows, days)
		c.mu.Lock()
		if c.m == nil || len(c.m) >= statsCacheSize {
			c.m = map[[32]byte]StatsYear{}
		}
		c.m[k] = got
		c.mu.Unlock()
	}
	// A copy: callers may change what they get.
	got.RefreshedAt = y.RefreshedAt
	got.Months = slices.Clone(got.Months)
	got.Breakdowns = slices.Clone(got.Breakdowns)
	for i, b := range got.Breakdowns {
		b.Cells = slices.Clone(b.Cells)
		for m := range b.Cells {
			b.Cells[m] = slices.Clone(b.Cells[m])
		}
		b.Totals = slices.Clone(b.Totals)
		b.Values = slices.Clone(b.Values)
		got.Breakdowns[i] = b
	}
	return got
}
