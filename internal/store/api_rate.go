package store

import (
	"context"
	"time"
)

// TakeAPIRate takes up to want requests from API token tokenID's bucket
// (migration 043, D-24) at now: the bucket refills at rate a second up to
// burst and starts full. It returns how many it got (0 when less than one
// is left) and what is left after the take, from which a refused caller
// works out when one more will be there. One statement; the row's lock
// orders the takes of several instances.
func (q *Q) TakeAPIRate(ctx context.Context, tokenID int64, now time.Time, rate, burst float64, want int) (granted int, left float64, err error) {
	err = q.db.QueryRow(ctx, `
		INSERT INTO api_rate AS r (token_id, level, at, granted)
		VALUES ($1, $5 - least($4::integer, floor($5)), $2, least($4::integer, floor($5)))
		ON CONFLICT (token_id) DO UPDATE SET
			level   = api_rate_level(r.level, r.at, $2, $3, $5)
			          - least($4::integer, floor(api_rate_level(r.level, r.at, $2, $3, $5))),
			granted = least($4::integer, floor(api_rate_level(r.level, r.at, $2, $3, $5))),
			at      = greatest(r.at, $2)
		RETURNING granted, level`, tokenID, now, rate, want, burst).Scan(&granted, &left)
	return granted, left, mapErr(err, "API rate")
}
