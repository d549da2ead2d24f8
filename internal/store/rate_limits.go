package store

import (
	"context"
	"errors"
	"math"
	"time"
)

// Rate limits of the public pages held in the database (issue 22, D-24):
// one fixed window per key, counted by one statement per hit, so every
// instance on the database sees the same count. The key is a keyed hash
// made by the caller: no address or email reaches this table.

// HitRateLimit counts one hit for keyHash at now and returns the hits in
// its window (this one included) and the window's end. A window that
// ended at or before now starts afresh at now and ends at now+period.
// The count stops at max+1: a flood needs no exact tally, only "over".
func (q *Q) HitRateLimit(ctx context.Context, keyHash []byte, now time.Time, period time.Duration, max int) (hits int, end time.Time, err error) {
	ceiling := int64(max) + 1
	if ceiling > math.MaxInt32 {
		ceiling = math.MaxInt32
	}
	err = q.db.QueryRow(ctx, `
		INSERT INTO rate_limits AS r (key_hash, window_start, window_end, hits)
		VALUES ($1, $2, $3, 1)
		ON CONFLICT (key_hash) DO UPDATE SET
			window_start = CASE WHEN r.window_end <= $2 THEN $2 ELSE r.window_start END,
			window_end   = CASE WHEN r.window_end <= $2 THEN $3 ELSE r.window_end END,
			hits         = CASE WHEN r.window_end <= $2 THEN 1 ELSE least(r.hits + 1, $4::integer) END
		RETURNING hits, window_end`, keyHash, now, now.Add(period), ceiling).Scan(&hits, &end)
	return hits, end, mapErr(err, "rate limit")
}

// PruneRateLimits deletes windows that ended at or before now (the
// periodic sweep): an ended window counts nothing any more.
func (q *Q) PruneRateLimits(ctx context.Context, now time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM rate_limits WHERE window_end <= $1`, now)
	return tag.RowsAffected(), mapErr(err, "pruning rate limits")
}

// RateHit is one key's hit of HitRateLimits.
type RateHit struct {
	KeyHash []byte
	Period  time.Duration
	Max     int
	// Filled in by HitRateLimits: the hits in the window (this one
	// included, at most Max+1) and the window's end.
	Hits int
	End  time.Time
}

// HitRateLimits counts one hit for each of several distinct keys in one
// statement (one round trip: a form submission is limited per address and
// per email), with HitRateLimit's rules per key.
func (q *Q) HitRateLimits(ctx context.Context, now time.Time, hits []RateHit) error {
	keys := make([][]byte, len(hits))
	ends := make([]time.Time, len(hits))
	ceilings := make([]int32, len(hits))
	for i, h := range hits {
		keys[i], ends[i] = h.KeyHash, now.Add(h.Period)
		ceilings[i] = int32(min(int64(h.Max)+1, math.MaxInt32))
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO rate_limits AS r (key_hash, window_start, window_end, hits)
		SELECT k, $2, e, 1 FROM unnest($1::bytea[], $3::timestamptz[]) AS u(k, e)
		ON CONFLICT (key_hash) DO UPDATE SET
			window_start = CASE WHEN r.window_end <= $2 THEN $2 ELSE r.window_start END,
			window_end   = CASE WHEN r.window_end <= $2 THEN excluded.window_end ELSE r.window_end END,
			hits         = CASE WHEN r.window_end <= $2 THEN 1
			                    ELSE least(r.hits + 1, ($4::integer[])[array_position($1::bytea[], r.key_hash)]) END
		RETURNING key_hash, hits, window_end`, keys, now, ends, ceilings)
	if err != nil {
		return mapErr(err, "rate limits")
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k []byte
		var got int
		var end time.Time
		if err := rows.Scan(&k, &got, &end); err != nil {
			return mapErr(err, "rate limits")
		}
		for i := range hits {
			if string(hits[i].KeyHash) == string(k) {
				hits[i].Hits, hits[i].End = got, end
				n++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return mapErr(err, "rate limits")
	}
	if n != len(hits) {
		return mapErr(errors.New("rate limits: a key was not counted (keys must be distinct)"), "rate limits")
	}
	return nil
}
