package workflow_test

import (
	"strings"
	"testing"
	"time"

	"rightsdesk/workflow"
)

// Benchmarks are read as ratios against a baseline measured in the same
// run (house rule 6; scripts/benchreport pairs X with XBaseline). Case
// names must not end in "-digits": go test appends -GOMAXPROCS there.

// deadlineInputs are receipt instants that take the calendar's different
// paths (legal.md §2).
var deadlineInputs = []struct {
	name     string
	received time.Time
}{
	// DL-3: raw end 2026-04-03 is Good Friday, rolls over Easter to 04-07.
	{"Easter_roll_Mar2026", time.Date(2026, 3, 3, 10, 0, 0, 0, workflow.Helsinki())},
	// DL-2: 31 January + 1 month clamps to 28 February.
	{"month_end_clamp_Jan2026", time.Date(2026, 1, 31, 12, 0, 0, 0, workflow.Helsinki())},
	// DL-7/DL-9: raw end on Midsummer Eve 2026 (Friday 19 June).
	{"Midsummer_eve_May2026", time.Date(2026, 5, 19, 9, 0, 0, 0, workflow.Helsinki())},
	// DL-3: raw end on Christmas Eve rolls over Christmas and the weekend.
	{"Christmas_Nov2026", time.Date(2026, 11, 24, 15, 0, 0, 0, workflow.Helsinki())},
	// DL-4: 23:30 UTC on New Year's Eve is already 1 January in Helsinki.
	{"UTC_new_year_Dec2025", time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)},
}

// BenchmarkDeadline is Calendar.Compute per receipt date: every deadline
// of a request, holidays and eves included.
func BenchmarkDeadline(b *testing.B) {
	cal := workflow.Calendar{}
	for _, in := range deadlineInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = cal.Compute(in.received)
			}
		})
	}
}

// BenchmarkDeadlineBaseline is the raw time.AddDate(0, 1, 0) of the same
// inputs: the least any deadline computation does.
func BenchmarkDeadlineBaseline(b *testing.B) {
	for _, in := range deadlineInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = in.received.AddDate(0, 1, 0)
			}
		})
	}
}

// hetuInputs are henkilötunnukset of the kinds a form receives (ID-3).
var hetuInputs = []struct{ name, hetu string }{
	{"valid", "131052-308T"},
	{"valid_lowercase_spaced", "  280453-111a "},
	{"valid_2000s", "010200A9618"},
	{"bad_check_char", "131052-308G"},
	{"bad_date", "320152-308T"},
}

// BenchmarkParseHetu is ParseHetu: normalise, check length, characters,
// date, century, individual number and check character.
func BenchmarkParseHetu(b *testing.B) {
	for _, in := range hetuInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = workflow.ParseHetu(in.hetu)
			}
		})
	}
}

// BenchmarkParseHetuBaseline only normalises the same input (trim, upper
// case) and checks its length: the floor under any validation.
func BenchmarkParseHetuBaseline(b *testing.B) {
	for _, in := range hetuInputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := strings.ToUpper(strings.TrimSpace(in.hetu))
				_ = len(s) == 11
			}
		})
	}
}
