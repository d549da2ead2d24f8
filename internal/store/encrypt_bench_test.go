package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// BenchmarkIntakeEncrypted measures what envelope encryption (issue 16
// item 4) costs intake: a case and its requester stored through the store
// (a data key made and wrapped, details and five personal fields sealed,
// an email blind index) against the same rows inserted in clear with plain
// SQL, in the same run, each in its own transaction. Read the "x_plain"
// metric: the ratio of the encrypted path to the plain one.
func BenchmarkIntakeEncrypted(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	keys, err := secret.NewRing("bench:"+fmt.Sprintf("%064x", 7), nil)
	if err != nil {
		b.Fatal(err)
	}
	q0 := store.New(pool).WithKeys(keys)
	org, err := q0.UpsertOrg(ctx, store.Org{Slug: "bench", NameFI: "B", NameSV: "B", PrimaryLang: "fi"})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	n := 0
	newCase := func() store.Case {
		n++
		return store.Case{OrgID: org, Receipt: fmt.Sprintf("RD-B-%07d", n), Rights: []string{"access"},
			Details: "Pyydän kaikki tietoni kirjaston ja varhaiskasvatuksen rekistereistä.", Delivery: "electronic",
			Lang: "fi", Channel: "web", State: "received", ReceivedAt: now, RawEnd: now, LegalDue: now, SafeTarget: now, CreatedAt: now}
	}
	req := store.Requester{Name: "Maija Meikäläinen", Email: "maija@example.test", Phone: "0401234567",
		Address: "Kirkkokatu 1, 00100 Helsinki", HetuMask: "131052-****"}
	encrypted := func() {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			q := store.New(tx).WithKeys(keys)
			id, err := q.InsertCase(ctx, newCase())
			if err != nil {
				return err
			}
			r := req
			r.CaseID, r.OrgID = id, org
			return q.UpsertRequester(ctx, r)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	plain := func() {
		c := newCase()
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var id int64
			if err := tx.QueryRow(ctx, `INSERT INTO cases (org_id, receipt, rights, details, delivery, lang, channel, state,
				received_at, raw_end, legal_due, safe_target, created_at, updated_at)
				VALUES ($1, $2, $3, convert_to($4, 'UTF8'), $5, $6, $7, $8, $9, $10, $10, $10, $9, $9) RETURNING id`,
				c.OrgID, c.Receipt, c.Rights, c.Details, c.Delivery, c.Lang, c.Channel, c.State, c.ReceivedAt,
				c.RawEnd.Format("2006-01-02")).Scan(&id); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO requesters (case_id, org_id, name, email, phone, address, hetu_mask)
				VALUES ($1, $2, convert_to($3, 'UTF8'), convert_to($4, 'UTF8'), convert_to($5, 'UTF8'), convert_to($6, 'UTF8'), $7)`,
				id, org, req.Name, req.Email, req.Phone, req.Address, req.HetuMask)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for range 20 { // warm up both paths
		encrypted()
		plain()
	}
	var tEnc, tPlain time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first, so drift hits both alike.
		t0 := time.Now()
		if i%2 == 0 {
			encrypted()
			t1 := time.Now()
			plain()
			tEnc, tPlain = tEnc+t1.Sub(t0), tPlain+time.Since(t1)
		} else {
			plain()
			t1 := time.Now()
			encrypted()
			tPlain, tEnc = tPlain+t1.Sub(t0), tEnc+time.Since(t1)
		}
	}
	b.ReportMetric(float64(tEnc.Microseconds())/float64(b.N), "µs_encrypted/op")
	b.ReportMetric(float64(tPlain.Microseconds())/float64(b.N), "µs_plain/op")
	b.ReportMetric(float64(tEnc)/float64(tPlain), "x_plain")
}
