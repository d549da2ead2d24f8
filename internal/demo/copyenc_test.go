package demo

import (
	"bytes"
	"context"
	"testing"
	"time"

	"rightsdesk/internal/pgtest"
)

// TestCopyBufMatchesPgx: every kind of value the loader writes in binary
// COPY format (copyenc.go) is stored exactly as pgx stored the same Go
// value before: NULLs, empty bytea and text, arrays, jsonb, timestamps
// with microseconds in UTC and in Helsinki, and dates from times in other
// zones and around 2000-01-01 (the binary epoch).
func TestCopyBufMatchesPgx(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE enc (n int, i8 bigint, i4 int, b bool, t text, by bytea, byn bytea,
		ts timestamptz, tsn timestamptz, d date, dn date, arr text[], j jsonb)`); err != nil {
		t.Fatal(err)
	}
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	times := []time.Time{
		time.Date(2026, 3, 29, 3, 30, 15, 123456789, hel),
		time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 1, 0, 0, 0, hel), // 1999-12-31 in UTC
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
	}
	type row struct {
		i8  int64
		i4  int
		b   bool
		t   string
		by  []byte
		byn []byte
		ts  time.Time
		tsn any
		d   time.Time
		dn  any
		arr []string
		j   []byte
	}
	var rows []row
	for i, tm := range times {
		r := row{i8: -int64(i) * 1 << 40, i4: 7 - i, b: i%2 == 0, t: []string{"", "ä åÖ", "in_progress"}[i%3],
			by: []byte{}, ts: tm, tsn: nil, d: tm, dn: tm, arr: []string{"access", "erasure"}[:1+i%2], j: []byte(`{"a":[1,"x"]}`)}
		if i%2 == 1 {
			r.by, r.byn, r.tsn, r.dn = []byte{0, 1, 255}, []byte("x"), tm.Add(time.Microsecond), nil
		}
		rows = append(rows, r)
	}
	var c copyBuf
	for i, r := range rows {
		c.row(13)
		c.i4(i)
		c.i8(r.i8)
		c.i4(r.i4)
		c.boolean(r.b)
		c.text(r.t)
		c.bytea(r.by)
		c.byteaOrNull(r.byn)
		c.ts(r.ts)
		c.tsOrNull(r.tsn)
		c.date(r.d)
		c.dateOrNull(r.dn)
		c.textArray(r.arr)
		c.jsonb(r.j)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(c.data()),
		`COPY enc (n, i8, i4, b, t, by, byn, ts, tsn, d, dn, arr, j) FROM STDIN (FORMAT binary)`); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if _, err := pool.Exec(ctx, `INSERT INTO enc VALUES ($1 + 100, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			i, r.i8, r.i4, r.b, r.t, r.by, r.byn, r.ts, r.tsn, r.d, r.dn, r.arr, r.j); err != nil {
			t.Fatal(err)
		}
	}
	var differ, copied int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE p.n IS NULL OR (c.i8, c.i4, c.b, c.t, c.by, c.byn, c.ts, c.tsn, c.d, c.dn, c.arr, c.j::text)
			IS DISTINCT FROM (p.i8, p.i4, p.b, p.t, p.by, p.byn, p.ts, p.tsn, p.d, p.dn, p.arr, p.j::text)), count(*)
		FROM enc c LEFT JOIN enc p ON p.n = c.n + 100 WHERE c.n < 100`).Scan(&differ, &copied); err != nil {
		t.Fatal(err)
	}
	if copied != len(rows) || differ != 0 {
		t.Fatalf("%d rows copied, %d differ from what pgx stores", copied, differ)
	}
}
