package workflow_test

import (
	"slices"
	"testing"

	"rightsdesk/workflow"
)

// TestSuppressOneGroup (issue 21): in one group (a total and its parts),
// no count from 1 to 4 is shown, and what is hidden is protected: a
// hidden part could be 5 or more for all the shown figures tell (the
// walkthrough's leaks: a total minus its shown parts; hidden parts whose
// total is their number; five answers of which the share says one was
// late).
func TestSuppressOneGroup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		total     int
		parts     []int
		wantTotal bool
		want      []bool
	}{
		{"all large", 30, []int{10, 12, 8}, false, []bool{false, false, false}},
		{"zero shown", 20, []int{20, 0}, false, []bool{false, false}},
		{"one small: the smallest other that can give it 5 goes too", 25, []int{3, 12, 10}, false, []bool{true, false, true}},
		{"two small, 6 between them: each could be 5", 30, []int{2, 4, 24}, false, []bool{true, true, false}},
		{"two small, 5 between them: neither could, the smallest large one goes", 40, []int{2, 3, 9, 26}, false, []bool{true, true, true, false}},
		{"four is small, five is not", 14, []int{4, 5, 5}, false, []bool{true, false, true}},
		{"small total hides everything", 4, []int{3, 1, 0}, true, []bool{true, true, false}},
		{"six hidden ones summing to 6: the total goes", 6, []int{1, 1, 1, 1, 1, 1}, true, []bool{true, true, true, true, true, true}},
		{"five answers, one late: the answers' count goes", 5, []int{4, 1}, true, []bool{true, true}},
	} {
		var sp workflow.Suppressor
		total, ids := sp.Cell(tc.total), make([]int, len(tc.parts))
		for i, n := range tc.parts {
			ids[i] = sp.Cell(n)
		}
		sp.Group(total, ids...)
		sp.Run()
		if got := sp.Get(total).Hidden; got != tc.wantTotal {
			t.Errorf("%s: total hidden = %v, want %v", tc.name, got, tc.wantTotal)
		}
		got := make([]bool, len(ids))
		for i, id := range ids {
			got[i] = sp.Get(id).Hidden
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: hidden = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSuppressCovers: a request may ask for several rights, so the
// rights of a month are no sum of its requests; a right's count is at
// most the month's requests, and together they are at least as many.
func TestSuppressCovers(t *testing.T) {
	t.Parallel()
	// 12 requests: access 11, erasure 3 (two asked for both). Erasure is
	// hidden; access may stay: nothing says erasure is 12 - 11.
	var sp workflow.Suppressor
	month, access, erasure := sp.Cell(12), sp.Cell(11), sp.Cell(3)
	sp.Covers(month, access, erasure)
	sp.Run()
	if !sp.Get(erasure).Hidden || sp.Get(access).Hidden || sp.Get(month).Hidden {
		t.Errorf("month %+v access %+v erasure %+v; want only erasure hidden", sp.Get(month), sp.Get(access), sp.Get(erasure))
	}
	// 6 requests, access 6, erasure 1 (one asked for both): erasure could
	// be 5 or 6 for all the figures tell.
	sp = workflow.Suppressor{}
	month, access, erasure = sp.Cell(6), sp.Cell(6), sp.Cell(1)
	sp.Covers(month, access, erasure)
	sp.Run()
	if !sp.Get(erasure).Hidden || sp.Get(access).Hidden {
		t.Errorf("access %+v erasure %+v; want erasure hidden, access shown", sp.Get(access), sp.Get(erasure))
	}
}

func TestMedianDays(t *testing.T) {
	t.Parallel()
	if m, n, ok := workflow.MedianDays(map[int]int{3: 2, 10: 1, 30: 2}); !ok || n != 5 || m != 10 {
		t.Errorf("median = %d of %d (%v), want 10 of 5", m, n, ok)
	}
	if m, _, _ := workflow.MedianDays(map[int]int{1: 1, 2: 1, 8: 1, 9: 1}); m != 2 {
		t.Errorf("even count median = %d, want the lower middle 2", m)
	}
	if _, _, ok := workflow.MedianDays(nil); ok {
		t.Error("median of nothing")
	}
}
