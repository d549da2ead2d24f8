// Command loadgen is the load script's request generator (house rule 6):
// it sends GET requests to a rightsdesk on 127.0.0.1, one page after the
// other, and reports each page's throughput and p50/p95 latency as ratios
// to the first page's, the baseline measured in the same run.
//
// Usage:
//
//	loadgen -base http://127.0.0.1:PORT [-n 2000] [-c 8] [-max 30s] /readyz /fi/ ...
//	loadgen -base http://127.0.0.1:PORT -wait 120s    # wait until /readyz answers 200
//
// Each page gets a short sequential warm-up, then n requests from c
// workers, stopped after -max whatever the count. Any answer but 200 (a
// redirect included) is an error; errors make it exit 1. It refuses any
// host but 127.0.0.1: it is a benchmark, not a tool to load others.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

func main() {
	base := flag.String("base", "", "server URL, http://127.0.0.1:PORT")
	n := flag.Int("n", 2000, "requests per page")
	c := flag.Int("c", 8, "concurrent requests")
	maxTime := flag.Duration("max", 30*time.Second, "time limit per page")
	warmup := flag.Int("warmup", 20, "sequential warm-up requests per page (not measured)")
	wait := flag.Duration("wait", 0, "only wait up to this long for GET /readyz to answer 200, then exit")
	flag.Parse()

	u, err := url.Parse(*base)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		fatal(fmt.Errorf("-base must be http://127.0.0.1:PORT, got %q", *base))
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{MaxIdleConnsPerHost: *c, MaxConnsPerHost: *c},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if *wait > 0 {
		if err := waitReady(client, u.String()+"/readyz", *wait); err != nil {
			fatal(err)
		}
		return
	}
	if flag.NArg() == 0 || *n < 1 || *c < 1 {
		fatal(errors.New("usage: loadgen -base URL [-n N] [-c C] [-max D] BASELINE_PATH [PATH ...]"))
	}

	var results []result
	for _, path := range flag.Args() {
		target := u.String() + path
		for range *warmup {
			_ = get(client, target)
		}
		r := load(client, target, *n, *c, *maxTime)
		r.path = path
		results = append(results, r)
	}
	report(os.Stdout, results, *n, *c, *maxTime)
	for _, r := range results {
		if r.errors > 0 {
			fmt.Fprintf(os.Stderr, "loadgen: GET %s: %d of %d requests failed (first: %v)\n", r.path, r.errors, r.done, r.firstErr)
			os.Exit(1)
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}

func waitReady(client *http.Client, target string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var err error
	for time.Now().Before(deadline) {
		if err = get(client, target); err == nil {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("GET %s not ready after %s: %v", target, limit, err)
}

// get fetches target and reads the whole body; anything but 200 is an
// error.
func get(client *http.Client, target string) error {
	resp, err := client.Get(target)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

type result struct {
	path      string
	done      int
	errors    int
	firstErr  error
	elapsed   time.Duration
	latencies []time.Duration // of successful requests
	stopped   bool            // the time limit ended the run
}

// load sends n requests (fewer if maxTime passes first) from c workers.
func load(client *http.Client, target string, n, c int, maxTime time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), maxTime)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var r result
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(n) {
				t0 := time.Now()
				err := get(client, target)
				d := time.Since(t0)
				mu.Lock()
				r.done++
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.latencies = append(r.latencies, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.stopped = r.done < n
	slices.Sort(r.latencies)
	return r
}

func (r result) rps() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.done) / r.elapsed.Seconds()
}

// percentile is the nearest-rank percentile p (0-100) of the sorted
// latencies.
func (r result) percentile(p int) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := (len(r.latencies)*p + 99) / 100
	return r.latencies[max(i-1, 0)]
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func report(w io.Writer, results []result, n, c int, maxTime time.Duration) {
	base := results[0]
	fmt.Fprintf(w, "Load: %d GET requests per page, concurrency %d, at most %s each; ratios to GET %s of the same run\n",
		n, c, maxTime, base.path)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "page\trequests\terrors\treq/s\treq/s ratio\tp50\tp50 ratio\tp95\tp95 ratio\t")
	for _, r := range results {
		name := "GET " + r.path
		if r.stopped {
			name += " (time limit)"
		}
		p50, p95 := r.percentile(50), r.percentile(95)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t\n", name, r.done, r.errors,
			r.rps(), ratio(r.rps(), base.rps()),
			p50.Round(time.Microsecond), ratio(float64(p50), float64(base.percentile(50))),
			p95.Round(time.Microsecond), ratio(float64(p95), float64(base.percentile(95))))
	}
	tw.Flush()
}
