package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"rightsdesk/internal/sqltrace"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// Issue 21: the dashboard at city scale costs at most 2x its cost at
// 10k cases, and one intake (SubmitAPI's transaction) at most 1.2x. The same database is filled with `rightsdesk demo` data to
// 10k cases over ten years (the ...Baseline benchmarks, which benchreport
// divides by), then grown with closed history to DEMO_BENCH_CASES
// (default 200k: 1M takes longer than make bench's ten minutes on two
// busy cores) and measured again: a city's open backlog does not grow
// with its years of answered requests, and the dashboard must not either.
//
// Each measure is one dashboard view as the handler reads it: the first
// page (50 rows) and the band counts. EXPLAIN (ANALYZE, BUFFERS) of both
// queries at both sizes goes to DEMO_BENCH_EXPLAIN (default
// var/bench/explain-dashboard.txt at the repository root).
func BenchmarkDemoScale(b *testing.B) {
	large := 200_000
	if s := os.Getenv("DEMO_BENCH_CASES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 10_000 {
			b.Fatalf("DEMO_BENCH_CASES=%q: want a number above 10000 (the baseline's size)", s)
		}
		large = n
	}
	explainPath := os.Getenv("DEMO_BENCH_EXPLAIN")
	if explainPath == "" {
		explainPath = filepath.Join("..", "..", "var", "bench", "explain-dashboard.txt")
	}
	ctx := context.Background()
	keys, err := secret.New([]byte("demo dashboard benchmark key 32b"))
	if err != nil {
		b.Fatal(err)
	}
	store.UseKeys(keys)
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, workflow.Helsinki())
	today := workflow.HelsinkiDate(now).In(time.UTC)

	// A pool that records the dashboard's SQL, to EXPLAIN it as run.
	tr := &sqltrace.Recorder{}
	cfg, err := pgxpool.ParseConfig(pgtest.ConnString(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tr
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	q := store.New(pool)
	org := store.Org{Slug: "helsinki", NameFI: "Helsingin kaupunki", NameSV: "Helsingfors stad", PrimaryLang: "fi"}
	orgID, err := q.UpsertOrg(ctx, org)
	if err != nil {
		b.Fatal(err)
	}
	if org, err = q.OrgByID(ctx, orgID); err != nil {
		b.Fatal(err)
	}
	for i, name := range []string{"Asiakasrekisteri", "Varhaiskasvatus", "Kirjasto", "Terveydenhuolto", "Sosiaalihuolto", "Henkilöstö"} {
		owner := ""
		if i%3 != 2 {
			owner = fmt.Sprintf("owner%d@helsinki.test", i)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO registers (org_id, norm_name, name, legal_basis, owner_email) VALUES ($1, lower($2), $2, 'e', $3)`,
			orgID, name, owner); err != nil {
			b.Fatal(err)
		}
	}

	// Intake (issue 21 goal c): one API request's transaction at 10k and
	// at the large count must cost the same (ratio <= 1.2).
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		b.Fatal(err)
	}
	wf := &workflow.Service{Pool: pool, Keys: keys, Catalog: cat, Logger: testenv.Quiet(), Now: func() time.Time { return now },
		BaseURL: "http://rightsdesk.test", MailFrom: "rightsdesk <no-reply@rightsdesk.test>", ReminderDays: []int{5, 2}, TaskLinkTTL: 60 * 24 * time.Hour}
	if wf.River, err = jobs.NewClient(pool, nil, jobs.Options{}, wf.Logger); err != nil {
		b.Fatal(err)
	}
	if err := wf.Init(); err != nil {
		b.Fatal(err)
	}
	intakeReq := workflow.Request{Rights: []string{"access"}, AllRegisters: true, Name: "Maija Meikäläinen",
		Email: "maija@example.test", Lang: "fi", Details: "Pyydän tietoni."}
	sent := 0
	intake := func(name string) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				// A new person each time: the same email would make every
				// intake compare with all the earlier ones (IN-2 repeats).
				sent++
				req := intakeReq
				req.Email = fmt.Sprintf("person%d@example.test", sent)
				if _, err := wf.SubmitAPI(ctx, org, req, workflow.TokenActor("bench")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}

	views := []struct {
		name string
		f    store.DashboardFilter
	}{
		{"Default", store.DashboardFilter{OrgIDs: []int64{orgID}, Limit: 50}},
		{"Filtered", store.DashboardFilter{OrgIDs: []int64{orgID}, States: []string{"in_progress"}, Right: "access", Limit: 50}},
	}
	var explain strings.Builder
	measure := func(size string, baseline bool) {
		suffix := ""
		if baseline {
			suffix = "Baseline"
		}
		for _, v := range views {
			// The page holds the view's first Limit cases, or all of them
			// when it has fewer: the demo's backlog is its recent months
			// (134 open cases of 10k spread over 10 years), and the
			// closed history added for the large run leaves it as it was.
			c, err := q.CountDashboard(ctx, v.f, today)
			if err != nil {
				b.Fatal(err)
			}
			want := min(v.f.Limit, c.Overdue+c.Week+c.Later)
			if want < 20 {
				b.Fatalf("%s at %s cases: %d cases in the view, too few to measure a page", v.name, size, c.Overdue+c.Week+c.Later)
			}
			b.Logf("%s view at %s cases: %d cases listed, a page of %d", v.name, size, c.Overdue+c.Week+c.Later, want)
			b.Run(v.name+suffix, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					rows, err := q.Dashboard(ctx, v.f)
					if err != nil {
						b.Fatal(err)
					}
					if len(rows) != want {
						b.Fatalf("%s: page of %d rows, want %d", v.name, len(rows), want)
					}
					if _, err := q.CountDashboard(ctx, v.f, today); err != nil {
						b.Fatal(err)
					}
				}
			})
			tr.Reset()
			if _, err := q.Dashboard(ctx, v.f); err != nil {
				b.Fatal(err)
			}
			if _, err := q.CountDashboard(ctx, v.f, today); err != nil {
				b.Fatal(err)
			}
			for _, st := range tr.Taken() {
				fmt.Fprintf(&explain, "==== %s view at %s cases ====\n%s\n\n", v.name, size, strings.TrimSpace(st.SQL))
				rows, err := pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+st.SQL, st.Args...)
				if err != nil {
					b.Fatal(err)
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					b.Fatal(err)
				}
				explain.WriteString(strings.Join(lines, "\n") + "\n\n")
			}
		}
	}
	fill := func(n int, history bool) {
		t0 := time.Now()
		if _, err := demo.Generate(ctx, pool, keys, org, demo.Options{Cases: n, Seed: uint64(n), Now: now, Years: 10, History: history}); err != nil {
			b.Fatal(err)
		}
		b.Logf("demo: %d cases in %s", n, time.Since(t0).Round(time.Millisecond))
	}
	fill(10_000, false)
	measure("10k", true)
	intake("IntakeBaseline")
	fill(large-10_000, true) // closed history: the backlog stays as it was

	measure(strconv.Itoa(large/1000)+"k", false)
	intake("Intake")
	if err := os.MkdirAll(filepath.Dir(explainPath), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(explainPath, []byte(explain.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("EXPLAIN (ANALYZE, BUFFERS) written to %s", explainPath)
}
