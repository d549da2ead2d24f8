package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// compare is the -large-base mode (issue 21: "the cost of one intake must
// not grow with the number of stored cases or events: measure at 10k and
// at 1M cases, ratio <= 1.2"): the same intake load against two servers,
// one on a small database (-base, -token) and one on a large one
// (-large-base, -large-token), in alternating rounds (the order flips
// every round) so both see the same machine load. No pgbench: the
// baseline here is the small database. It prints each side's req/s, p50
// and p99 and the ratios large/small (req/s small/large, so that > 1
// always means the large database is slower).
func compare(small, large *loader, clients []int, rounds int, d time.Duration, form bool) (failed bool) {
	type side struct{ api, form result }
	type cmpRow struct {
		clients      int
		small, large side
	}
	var rows []cmpRow
	slice := max(d/time.Duration(max(rounds, 1)), time.Second)
	for _, c := range clients {
		r := cmpRow{clients: c}
		for i := range max(rounds, 1) {
			order := []*loader{small, large}
			if i%2 == 1 {
				order = []*loader{large, small}
			}
			for _, l := range order {
				s := &r.small
				if l == large {
					s = &r.large
				}
				s.api.add(l.run(l.api, c, slice))
				if form {
					s.form.add(l.run(l.form, c, slice))
				}
			}
		}
		for _, x := range []*result{&r.small.api, &r.small.form, &r.large.api, &r.large.form} {
			slices.Sort(x.latencies)
			if x.errors > 0 {
				fmt.Fprintf(stderr, "intakeload: %d clients: %d of %d requests failed (first: %v)\n", c, x.errors, x.done, x.firstErr)
				failed = true
			}
		}
		rows = append(rows, r)
		fmt.Fprintf(stderr, "intakeload: %d clients measured\n", c)
	}
	fmt.Fprintf(stdout, "\nIntake at two database sizes (issue 21): %s per path and server, in %d alternating rounds.\n", d, max(rounds, 1))
	fmt.Fprintf(stdout, "small = %s, large = %s; ratio = large/small for p50 and p99, small/large for req/s (> 1: slower on the large database).\n", small.base, large.base)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "clients\tpath\tsmall req/s\tlarge req/s\tratio\tsmall p50\tlarge p50\tratio\tsmall p99\tlarge p99\tratio\t")
	for _, r := range rows {
		paths := []struct {
			name         string
			small, large result
		}{{"POST /api/v1/requests", r.small.api, r.large.api}}
		if form {
			paths = append(paths, struct {
				name         string
				small, large result
			}{"POST web form", r.small.form, r.large.form})
		}
		for _, p := range paths {
			s50, l50 := p.small.percentile(50), p.large.percentile(50)
			s99, l99 := p.small.percentile(99), p.large.percentile(99)
			fmt.Fprintf(tw, "%d\t%s\t%.0f\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.clients, p.name,
				p.small.rps(), p.large.rps(), ratio(p.small.rps(), p.large.rps()),
				s50.Round(time.Microsecond), l50.Round(time.Microsecond), ratio(float64(l50), float64(s50)),
				s99.Round(time.Microsecond), l99.Round(time.Microsecond), ratio(float64(l99), float64(s99)))
		}
	}
	tw.Flush()
	return failed
}

var stdout, stderr io.Writer
