package main

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A benchmark with a Baseline sibling gets its ratio in the table; one
// that reports a ratio it measured itself (large/small, x_plain) is listed
// with it; one with neither is missing, which fails make bench.
func TestReportBaselinesAndSelfMeasuredRatios(t *testing.T) {
	const out = `goos: linux
pkg: rightsdesk/internal/store
cpu: Test CPU
BenchmarkDashboard/FirstPage-2         	     950	   1186362 ns/op	  132095 B/op	     624 allocs/op
BenchmarkDashboard/Baseline-2          	   30434	     36296 ns/op	     412 B/op	       6 allocs/op
BenchmarkQueueBoxes/DPOQueue-2         	     237	   4352555 ns/op	         2.308 large-ms/op	         1.129 large/small	         2.044 small-ms/op	  276033 B/op	    2836 allocs/op
BenchmarkIntakeEncrypted-2             	     885	   1579799 ns/op	         1.906 x_plain	      1036 µs_encrypted/op	       543.5 µs_plain/op	    7742 B/op	     146 allocs/op
BenchmarkImportPDF200-2                	       2	 842741150 ns/op	   0.50 MB/s	30666656 B/op	  485199 allocs/op
PASS
`
	run, err := parse(strings.NewReader(out), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var w strings.Builder
	missing := report(&w, run)
	if want := []key{{"rightsdesk/internal/store", "BenchmarkImportPDF200"}}; !slices.Equal(missing, want) {
		t.Errorf("missing %v, want %v", missing, want)
	}
	got := w.String()
	for _, want := range []string{`Dashboard/FirstPage\s+Dashboard/Baseline\s+1186362\s+36296\s+32.7x`,
		`QueueBoxes/DPOQueue\s+1.13 large/small\s`, `IntakeEncrypted\s+1.91 x_plain\s`} {
		if !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "µs_plain/op x") || strings.Contains(got, "MB/s") {
		t.Errorf("a rate or per-op metric was reported as a ratio:\n%s", got)
	}
}

func TestIsRatioUnit(t *testing.T) {
	for u, want := range map[string]bool{
		"large/small": true, "x_plain": true, "encrypted/plain": true,
		"ns/op": false, "B/op": false, "allocs/op": false, "MB/s": false, "µs_plain/op": false,
		"large-ms/op": false, "letters/s": false, "/x": false, "a/b/c": false,
	} {
		if got := isRatioUnit(u); got != want {
			t.Errorf("isRatioUnit(%q) = %v, want %v", u, got, want)
		}
	}
}
