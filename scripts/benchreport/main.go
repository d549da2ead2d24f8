// Command benchreport reports Go benchmarks as ratios against baselines
// measured in the same run (house rule 6): for every benchmark X it finds
// its baseline, prints ns/op(X) / ns/op(baseline) and both allocation
// counts. Absolute numbers depend on the machine; the ratios are what a
// change is judged by.
//
// Usage:
//
//	go test -run '^$' -bench . -benchmem ./... | go run ./scripts/benchreport
//	go run ./scripts/benchreport [-bench RE] [-count N] [-benchtime D] PACKAGES...
//
// With packages it runs go test itself; without, it reads go test's output
// from standard input. Either way the raw output is passed through as it
// arrives and the report follows it. With -count > 1 each benchmark's
// median is used.
//
// A benchmark's baseline is, in this order: the benchmark whose name has
// "Baseline" appended to one of its path elements, the innermost first
// (BenchmarkIntake/SubmitWeb -> BenchmarkIntake/SubmitWebBaseline,
// BenchmarkDeadline/x -> BenchmarkDeadlineBaseline/x); else a sibling named
// Baseline, the nearest first (BenchmarkDashboard/FirstPage ->
// BenchmarkDashboard/Baseline). Benchmarks are paired within their package.
//
// A benchmark that measures its baseline itself, in the same run, and
// reports the ratio as a metric needs no sibling: a unit naming two
// measures, "large/small" (BenchmarkMaintainedCountsScale: the query at 1M
// over the same query at 10k), or one starting "x_" ("x_plain": times
// the plain variant). These are listed after the table with their ratio.
//
// It exits 1 when go test failed (a FAIL or panic line, or its exit status),
// when no benchmark was found, or when a benchmark has no baseline.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	bench := flag.String("bench", ".", "with packages: go test -bench")
	count := flag.Int("count", 1, "with packages: go test -count")
	benchtime := flag.String("benchtime", "", "with packages: go test -benchtime (empty: go test's default)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go test -bench . -benchmem PKGS | benchreport\n       benchreport [flags] PKGS...\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	var in io.Reader = os.Stdin
	var cmd *exec.Cmd
	if flag.NArg() > 0 {
		args := []string{"test", "-run", "^$", "-bench", *bench, "-benchmem", "-count", strconv.Itoa(*count)}
		if *benchtime != "" {
			args = append(args, "-benchtime", *benchtime)
		}
		cmd = exec.Command("go", append(args, flag.Args()...)...)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			fatal(err)
		}
		if err := cmd.Start(); err != nil {
			fatal(err)
		}
		in = out
	}

	run, err := parse(in, os.Stdout)
	if err != nil {
		fatal(err)
	}
	if cmd != nil {
		if err := cmd.Wait(); err != nil {
			run.failed = append(run.failed, "go test: "+err.Error())
		}
	}
	fmt.Println()
	missing := report(os.Stdout, run)
	status := 0
	for _, f := range run.failed {
		fmt.Fprintln(os.Stderr, "benchreport: failure:", f)
		status = 1
	}
	if len(run.results) == 0 {
		fmt.Fprintln(os.Stderr, "benchreport: no benchmark results")
		status = 1
	}
	for _, m := range missing {
		fmt.Fprintf(os.Stderr, "benchreport: %s %s has no baseline (name one %sBaseline, or add a sibling named Baseline)\n", m.pkg, m.name, lastElem(m.name))
		status = 1
	}
	os.Exit(status)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchreport:", err)
	os.Exit(1)
}

// sample is one result line's metrics: unit -> value (ns/op, B/op,
// allocs/op, MB/s, custom ones).
type sample map[string]float64

// key names a benchmark within its package.
type key struct{ pkg, name string }

type runOutput struct {
	cpu     string
	order   []key
	results map[key][]sample
	failed  []string
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output, copying every line to echo.
func parse(r io.Reader, echo io.Writer) (*runOutput, error) {
	run := &runOutput{results: map[key][]sample{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	pkg, pending := "", ""
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
			continue
		case strings.HasPrefix(line, "cpu: "):
			run.cpu = strings.TrimPrefix(line, "cpu: ")
			continue
		case strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "panic: "):
			run.failed = append(run.failed, line)
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		// A benchmark that writes output splits its name from its numbers.
		if pending != "" && isDigits(fields[0]) {
			fields = append([]string{pending}, fields...)
		}
		pending = ""
		if !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		if len(fields) == 1 {
			pending = fields[0]
			continue
		}
		if len(fields) < 4 || !isDigits(fields[1]) {
			continue
		}
		s := sample{}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			s[fields[i+1]] = v
		}
		if _, ok := s["ns/op"]; !ok {
			continue
		}
		k := key{pkg, fields[0]}
		if _, seen := run.results[k]; !seen {
			run.order = append(run.order, k)
		}
		run.results[k] = append(run.results[k], s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	stripProcs(run)
	return run, nil
}

// stripProcs removes go test's -GOMAXPROCS suffix when every name has the
// same one (it is absent when GOMAXPROCS is 1).
func stripProcs(run *runOutput) {
	if len(run.order) == 0 {
		return
	}
	suffix := procsSuffix.FindString(run.order[0].name)
	if suffix == "" {
		return
	}
	for _, k := range run.order {
		if !strings.HasSuffix(k.name, suffix) {
			return
		}
	}
	results := map[key][]sample{}
	for i, k := range run.order {
		s := key{k.pkg, strings.TrimSuffix(k.name, suffix)}
		results[s] = run.results[k]
		run.order[i] = s
	}
	run.results = results
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// isBaseline reports whether any path element of name is a baseline's.
func isBaseline(name string) bool {
	for _, e := range strings.Split(name, "/") {
		if strings.HasSuffix(e, "Baseline") {
			return true
		}
	}
	return false
}

func lastElem(name string) string { return name[strings.LastIndexByte(name, '/')+1:] }

// baselineOf returns the key of k's baseline, following the rules in the
// package comment.
func baselineOf(run *runOutput, k key) (key, bool) {
	elems := strings.Split(k.name, "/")
	for i := len(elems) - 1; i >= 0; i-- {
		c := slices.Clone(elems)
		c[i] += "Baseline"
		if b := (key{k.pkg, strings.Join(c, "/")}); run.results[b] != nil {
			return b, true
		}
	}
	for i := len(elems) - 1; i >= 1; i-- {
		b := key{k.pkg, strings.Join(elems[:i], "/") + "/Baseline"}
		if run.results[b] != nil {
			return b, true
		}
	}
	return key{}, false
}

// median of one metric over a benchmark's samples (-count runs).
func median(ss []sample, unit string) (float64, bool) {
	var v []float64
	for _, s := range ss {
		if x, ok := s[unit]; ok {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// report prints one row per benchmark that is not a baseline and returns
// those without one.
func report(w io.Writer, run *runOutput) (missing []key) {
	var selfMeasured []key
	runs := 0
	for _, ss := range run.results {
		runs = max(runs, len(ss))
	}
	fmt.Fprintf(w, "Benchmarks as ratios to baselines of the same run (median of %d run(s) each", runs)
	if run.cpu != "" {
		fmt.Fprintf(w, "; cpu: %s", run.cpu)
	}
	fmt.Fprintln(w, ")")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tbaseline\tns/op\tbaseline ns/op\tratio\tallocs/op\tbaseline allocs/op\tB/op\tbaseline B/op\t")
	pkg := ""
	for _, k := range run.order {
		if isBaseline(k.name) {
			continue
		}
		b, ok := baselineOf(run, k)
		if !ok {
			if len(ratioUnits(run.results[k])) == 0 {
				missing = append(missing, k)
			} else {
				selfMeasured = append(selfMeasured, k)
			}
			continue
		}
		if k.pkg != pkg {
			pkg = k.pkg
			fmt.Fprintf(tw, "%s\t\t\t\t\t\t\t\t\t\n", pkg)
		}
		ns, _ := median(run.results[k], "ns/op")
		bns, _ := median(run.results[b], "ns/op")
		ratio := "n/a"
		if bns > 0 {
			ratio = fmt.Sprintf("%.1fx", ns/bns)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			strings.TrimPrefix(k.name, "Benchmark"), strings.TrimPrefix(b.name, "Benchmark"),
			num(ns), num(bns), ratio,
			metric(run.results[k], "allocs/op"), metric(run.results[b], "allocs/op"),
			metric(run.results[k], "B/op"), metric(run.results[b], "B/op"))
	}
	tw.Flush()
	if len(selfMeasured) > 0 {
		fmt.Fprintln(w, "\nBenchmarks that measure their own baseline in the same run (ratio metrics):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		pkg = ""
		for _, k := range selfMeasured {
			if k.pkg != pkg {
				pkg = k.pkg
				fmt.Fprintf(tw, "%s\t\t\n", pkg)
			}
			var ratios []string
			for _, u := range ratioUnits(run.results[k]) {
				ratios = append(ratios, metric(run.results[k], u)+" "+u)
			}
			fmt.Fprintf(tw, "%s\t%s\t\n", strings.TrimPrefix(k.name, "Benchmark"), strings.Join(ratios, ", "))
		}
		tw.Flush()
	}
	return missing
}

// ratioUnits are the units of the benchmark's metrics that are ratios it
// measured itself (see the package comment), sorted.
func ratioUnits(ss []sample) []string {
	var out []string
	for _, s := range ss {
		for u := range s {
			if isRatioUnit(u) && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	slices.Sort(out)
	return out
}

// isRatioUnit: "large/small" or "x_plain" are ratios; ns/op, B/op, MB/s,
// "µs_plain/op" (per operation or per second) are not.
func isRatioUnit(u string) bool {
	if strings.HasPrefix(u, "x_") {
		return true
	}
	num, den, ok := strings.Cut(u, "/")
	return ok && num != "" && den != "op" && den != "s" && !strings.Contains(den, "/")
}

func metric(ss []sample, unit string) string {
	v, ok := median(ss, unit)
	if !ok {
		return "-"
	}
	return num(v)
}

func num(v float64) string {
	switch {
	case v >= 100 || v == float64(int64(v)):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
