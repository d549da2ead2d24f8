package store_test

import (
	"context"
	"testing"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// BenchmarkRegisterSearch: a resident's search in a catalogue of 5,000
// registers (a large city), against one round trip to the database
// (Baseline, as BenchmarkDashboard's). Issue 15: stems and curated words
// cost one extra round trip, and the trigram index keeps the search from
// reading every register.
func BenchmarkRegisterSearch(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	q := store.New(pool)
	org, err := q.UpsertOrg(ctx, store.Org{Slug: "bench-search", NameFI: "Iso", NameSV: "Stor", PrimaryLang: "fi"})
	if err != nil {
		b.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO registers (org_id, norm_name, name, purpose, data_content)
		 SELECT $1, 'r' || i, 'Rekisteri ' || md5(i::text), 'Tarkoitus ' || md5((i * 7)::text), 'Tiedot ' || md5((i * 13)::text)
		 FROM generate_series(1, 5000) AS i`,
		`INSERT INTO registers (org_id, norm_name, name, purpose)
		 VALUES ($1, 'lsr', 'Lastensuojelun asiakasrekisteri', 'Lastensuojelulain mukaiset palvelut'),
		        ($1, 'vak', 'Varhaiskasvatuksen tietovaranto', 'Varhaiskasvatuksen ja esiopetuksen järjestäminen')`,
	} {
		if _, err := pool.Exec(ctx, sql, org); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE registers`); err != nil {
		b.Fatal(err)
	}
	search := func(query string, want int) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				regs, err := q.Registers(ctx, org, store.RegisterFilter{Query: query, Lang: "fi"})
				if err != nil {
					b.Fatal(err)
				}
				n = len(regs)
			}
			if n != want {
				b.Fatalf("q=%q: %d registers, want %d", query, n, want)
			}
		}
	}
	b.Run("Word", search("lapsi", 1))
	b.Run("Inflected", search("päivähoitoon", 1))
	b.Run("Phrase", search("day care", 1))
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var one int
			if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
}
