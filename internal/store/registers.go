package store

import "context"

// RegisterCounts returns the number of registers per organisation id.
func (q *Q) RegisterCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := q.db.Query(ctx, `SELECT org_id, count(*) FROM registers GROUP BY org_id`)
	if err != nil {
		return nil, mapErr(err, "counting registers")
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, mapErr(err, "counting registers")
		}
		out[id] = n
	}
	return out, mapErr(rows.Err(), "counting registers")
}
