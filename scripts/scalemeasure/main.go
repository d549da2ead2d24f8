// Command scalemeasure times the DPO dashboard's queries (issue 21) on two
// databases in one run, alternating between them so both see the same
// machine load, and prints each view's median and the ratio large/small.
// With -explain it also writes EXPLAIN (ANALYZE, BUFFERS) of every
// statement the views run on the large database.
//
// It is the measuring half of docs/scale.md: fill one database with
// `rightsdesk demo --cases 10000`, copy it (CREATE DATABASE small TEMPLATE
// big), grow the other with `rightsdesk demo --cases 1000000`, then
//
//	go run ./scripts/scalemeasure -small "host=... dbname=small" \
//	    -large "host=... dbname=rightsdesk" -key-file var/secret.key -org esimerkki
//
// The views are the store calls the handlers make: /staff/ (the first page
// and the band counts, also the DPO queue and triage list), a filtered view
// (right + state), the overdue band, a person search by email (through the
// blind index), the statistics page (stats_monthly and open tasks by unit)
// and the CSV export's first two batches of a filtered view (the first
// byte waits for the first batch only).
//
// With -mode http it times the same views as pages of two running
// servers instead (http.go): start `rightsdesk serve` on each database
// (DATABASE_URL, LISTEN_ADDR), add the same DPO to both (rightsdesk user
// add), then
//
//	go run ./scripts/scalemeasure -mode http -small-url http://127.0.0.1:8081 \
//	    -large-url http://127.0.0.1:8082 -email dpo@esimerkki.example -password-file PW -org esimerkki
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"rightsdesk/internal/sqltrace"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// viewsMatching selects the store mode's views by name (-views).
var viewsMatching string

type view struct {
	name string
	run  func(ctx context.Context, q *store.Q, orgID int64) error
}

func main() {
	small := flag.String("small", "", "connection string of the small (baseline) database")
	large := flag.String("large", "", "connection string of the large database")
	keyFile := flag.String("key-file", "", "the key file (DATA_DIR/secret.key) for the blind index of the person search")
	slug := flag.String("org", "esimerkki", "organisation slug")
	n := flag.Int("n", 21, "runs of each view per database (the median is reported)")
	explain := flag.String("explain", "", "write EXPLAIN (ANALYZE, BUFFERS) of the large database's statements here")
	mode := flag.String("mode", "store", "store: the store calls the handlers make, on two databases; http: the pages of two running servers")
	smallURL := flag.String("small-url", "", "http mode: the server on the small database, http://127.0.0.1:PORT")
	largeURL := flag.String("large-url", "", "http mode: the server on the large database, http://127.0.0.1:PORT")
	email := flag.String("email", "", "http mode: the DPO's sign-in email (the same account on both databases)")
	passwordFile := flag.String("password-file", "", "http mode: a file holding the DPO's password (never on the command line)")
	person := flag.String("person", "maija.meikalainen@demo.example", "the email the person search looks for")
	flag.IntVar(&csvFullRuns, "csv-full-runs", 0, "http mode: also time the whole CSV export, this many runs per server")
	flag.Int64Var(&unitID, "unit-id", 0, "http mode: also time the dashboard filtered by this unit id (the same on both servers)")
	flag.StringVar(&viewsMatching, "views", "", "store mode: time only the views whose name matches this regular expression")
	flag.Parse()
	if *mode == "http" {
		if *smallURL == "" || *largeURL == "" || *email == "" || *passwordFile == "" {
			flag.Usage()
			os.Exit(2)
		}
		if err := runHTTP(*smallURL, *largeURL, *email, *passwordFile, *slug, *person, *n); err != nil {
			fmt.Fprintln(os.Stderr, "scalemeasure:", err)
			os.Exit(1)
		}
		return
	}
	if *mode != "store" || *small == "" || *large == "" || *keyFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*small, *large, *keyFile, *slug, *n, *explain, *person); err != nil {
		fmt.Fprintln(os.Stderr, "scalemeasure:", err)
		os.Exit(1)
	}
}

func run(smallDSN, largeDSN, keyFile, slug string, n int, explainPath, person string) error {
	ctx := context.Background()
	current, old, err := secret.ReadKeyFile(keyFile)
	if err != nil {
		return err
	}
	keys, err := secret.NewRing(current, old)
	if err != nil {
		return err
	}
	store.UseKeys(keys)
	now := time.Now()
	today := workflow.HelsinkiDate(now).In(time.UTC)
	yesterday := today.AddDate(0, 0, -1)

	views := []view{
		{"default (page+counts+queue+triage)", func(ctx context.Context, q *store.Q, org int64) error {
			f := store.DashboardFilter{OrgIDs: []int64{org}, Limit: 50}
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			if _, err := q.Dashboard(ctx, f); err != nil {
				return err
			}
			if _, err := q.DPOQueue(ctx, f.OrgIDs); err != nil {
				return err
			}
			_, err := q.NeedingTriage(ctx, f.OrgIDs)
			return err
		}},
		{"filtered right=access state=in_progress", func(ctx context.Context, q *store.Q, org int64) error {
			f := store.DashboardFilter{OrgIDs: []int64{org}, States: []string{"in_progress"}, Right: "access", Limit: 50}
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			_, err := q.Dashboard(ctx, f)
			return err
		}},
		{"overdue band", func(ctx context.Context, q *store.Q, org int64) error {
			f := store.DashboardFilter{OrgIDs: []int64{org}, DueTo: &yesterday, Limit: 50}
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			_, err := q.Dashboard(ctx, f)
			return err
		}},
		{"person search by email", func(ctx context.Context, q *store.Q, org int64) error {
			p, err := q.EmailSearch(person)
			if err != nil {
				return err
			}
			f := store.DashboardFilter{OrgIDs: []int64{org}, States: allStates(), Person: p, Limit: 50}
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			_, err = q.Dashboard(ctx, f)
			return err
		}},
		{"stats page (year)", func(ctx context.Context, q *store.Q, org int64) error {
			from := time.Date(today.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			if _, err := q.StatsRefreshedAt(ctx, org); err != nil {
				return err
			}
			if _, _, err := q.StatsMonths(ctx, org, from, from.AddDate(1, 0, 0)); err != nil {
				return err
			}
			_, err := q.OpenTasksByUnit(ctx, org)
			return err
		}},
		{"CSV filtered: first batch (first byte)", func(ctx context.Context, q *store.Q, org int64) error {
			f := store.DashboardFilter{OrgIDs: []int64{org}, Right: "access", Limit: 500}
			_, err := q.Dashboard(ctx, f)
			return err
		}},
		{"CSV filtered: next batch (keyset)", func(ctx context.Context, q *store.Q, org int64) error {
			f := store.DashboardFilter{OrgIDs: []int64{org}, Right: "access", Limit: 500}
			rows, err := q.Dashboard(ctx, f)
			if err != nil || len(rows) == 0 {
				return err
			}
			last := rows[len(rows)-1]
			f.After = &store.DashboardCursor{Due: last.SortDue, ID: last.ID}
			_, err = q.Dashboard(ctx, f)
			return err
		}},
		{"CSV filtered: batches 1-20 (keyset)", func(ctx context.Context, q *store.Q, org int64) error {
			return csvBatches(ctx, q, store.DashboardFilter{OrgIDs: []int64{org}, Right: "access", Limit: 500}, 20)
		}},
		{"CSV channel=email: first two batches", func(ctx context.Context, q *store.Q, org int64) error {
			return csvBatches(ctx, q, store.DashboardFilter{OrgIDs: []int64{org}, Channel: "email", Limit: 500}, 2)
		}},
		{"unit filter (units + page + counts)", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 50)
			if err != nil {
				return err
			}
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			_, err = q.Dashboard(ctx, f)
			return err
		}},
		{"unit filter: band counts (open_unit_counts)", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 50)
			if err != nil {
				return err
			}
			_, err = q.CountDashboard(ctx, f, today)
			return err
		}},
		{"unit filter: band counts scanned (before branch unitcounts)", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 50)
			if err != nil {
				return err
			}
			_, err = q.CountDashboardScan(ctx, f, today)
			return err
		}},
		{"unit filter: page of 50", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 50)
			if err != nil {
				return err
			}
			_, err = q.Dashboard(ctx, f)
			return err
		}},
		{"unit and right filter: counts + page", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 50)
			if err != nil {
				return err
			}
			f.Right = "access"
			if _, err := q.CountDashboard(ctx, f, today); err != nil {
				return err
			}
			_, err = q.Dashboard(ctx, f)
			return err
		}},
		{"CSV unit filter: first two batches", func(ctx context.Context, q *store.Q, org int64) error {
			f, err := unitFilter(ctx, q, org, 500)
			if err != nil {
				return err
			}
			return csvBatches(ctx, q, f, 2)
		}},
	}

	if viewsMatching != "" {
		re, err := regexp.Compile(viewsMatching)
		if err != nil {
			return err
		}
		views = slices.DeleteFunc(views, func(v view) bool { return !re.MatchString(v.name) })
	}

	tr := &sqltrace.Recorder{}
	open := func(dsn string, trace bool) (*pgxpool.Pool, *store.Q, int64, int, error) {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			return nil, nil, 0, 0, err
		}
		if trace {
			cfg.ConnConfig.Tracer = tr
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, nil, 0, 0, err
		}
		q := store.New(pool)
		org, err := q.OrgBySlug(ctx, slug)
		if err != nil {
			pool.Close()
			return nil, nil, 0, 0, fmt.Errorf("org %s: %w", slug, err)
		}
		var cases int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, org.ID).Scan(&cases); err != nil {
			pool.Close()
			return nil, nil, 0, 0, err
		}
		return pool, q, org.ID, cases, nil
	}
	sp, sq, sOrg, sCases, err := open(smallDSN, false)
	if err != nil {
		return err
	}
	defer sp.Close()
	lp, lq, lOrg, lCases, err := open(largeDSN, true)
	if err != nil {
		return err
	}
	defer lp.Close()
	fmt.Printf("small: %d cases, large: %d cases, %d runs each (alternating), median ms\n", sCases, lCases, n)

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "view\tsmall ms\tlarge ms\tratio")
	var out strings.Builder
	for _, v := range views {
		// Warm both once (plans, caches), then alternate.
		if err := v.run(ctx, sq, sOrg); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		if err := v.run(ctx, lq, lOrg); err != nil {
			return fmt.Errorf("%s: %w", v.name, err)
		}
		var ts, tl []float64
		for range n {
			t0 := time.Now()
			if err := v.run(ctx, sq, sOrg); err != nil {
				return err
			}
			ts = append(ts, ms(time.Since(t0)))
			t0 = time.Now()
			if err := v.run(ctx, lq, lOrg); err != nil {
				return err
			}
			tl = append(tl, ms(time.Since(t0)))
		}
		ms, ml := median(ts), median(tl)
		fmt.Fprintf(w, "%s\t%.2f\t%.2f\t%.2f\n", v.name, ms, ml, ml/ms)

		if explainPath != "" {
			tr.Reset()
			if err := v.run(ctx, lq, lOrg); err != nil {
				return err
			}
			for _, st := range tr.Taken() {
				fmt.Fprintf(&out, "==== %s at %d cases ====\n%s\n\n", v.name, lCases, strings.TrimSpace(st.SQL))
				rows, err := lp.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+st.SQL, st.Args...)
				if err != nil {
					return err
				}
				lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				out.WriteString(strings.Join(lines, "\n") + "\n\n")
			}
		}
	}
	w.Flush()
	if explainPath != "" {
		return os.WriteFile(explainPath, []byte(out.String()), 0o644)
	}
	return nil
}

// allStates are every state: the page searches a person's cases in all
// of them (dashboardView in api/staff_cases.go).
func allStates() []string {
	var out []string
	for _, st := range workflow.States {
		out = append(out, string(st))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// csvBatches reads the first n batches of f's CSV export as the handler
// does (keyset after the last row). The view times all n: when a batch's
// cost grows with its position in the export, the total grows with n
// squared.
func csvBatches(ctx context.Context, q *store.Q, f store.DashboardFilter, n int) error {
	for range n {
		rows, err := q.Dashboard(ctx, f)
		if err != nil || len(rows) < f.Limit {
			return err
		}
		last := rows[len(rows)-1]
		f.After = &store.DashboardCursor{Due: last.SortDue, ID: last.ID}
	}
	return nil
}

// unitFilter is the dashboard filtered by the organisation's first unit
// (as the handler: the units are read for the filter's list).
func unitFilter(ctx context.Context, q *store.Q, org int64, limit int) (store.DashboardFilter, error) {
	f := store.DashboardFilter{OrgIDs: []int64{org}, Limit: limit}
	units, err := q.Units(ctx, f.OrgIDs)
	if err != nil {
		return f, err
	}
	if len(units) == 0 {
		return f, fmt.Errorf("organisation %d has no units: the unit filter needs one", org)
	}
	f.UnitID = units[0].ID
	for _, u := range units {
		f.UnitID = min(f.UnitID, u.ID)
	}
	return f, nil
}
