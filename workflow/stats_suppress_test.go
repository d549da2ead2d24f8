package workflow_test

import (
	"testing"

	"rightsdesk/workflow"
)

// TestSuppressOneGroup (issue 21): in one group (a total and its parts),
// no cell from fewer than 5 requests, and no total that gives a hidden cell
// away by subtraction.
func TestSuppressOneGroup(t *testing.T) {
	t.Parallel()
	hid := func(cs []workflow.StatsCell) []bool {
		out := make([]bool, len(cs))
		for i, c := range cs {
			out[i] = c.Hidden
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		total     int
		parts     []int
		wantTotal bool
		want      []bool
	}{
		{"all large", 30, []int{10, 12, 8}, false, []bool{false, false, false}},
		{"zero shown", 20, []int{20, 0}, false, []bool{false, false}},
		{"one small: the smallest other hidden too (subtraction)", 25, []int{3, 12, 10}, false, []bool{true, false, true}},
		{"two small: neither derivable", 30, []int{2, 4, 24}, false, []bool{true, true, false}},
		{"four is small, five is not", 14, []int{4, 5, 5}, false, []bool{true, true, false}},
		{"small total hides everything", 4, []int{3, 1, 0}, true, []bool{true, true, false}},
		{"one small and nothing else to hide: the total goes", 8, []int{3, 0, 5}, false, []bool{true, false, true}},
		{"one small, only part: total hidden", 7, []int{3}, true, []bool{true}},
	} {
		var sp workflow.Suppressor
		total, ids := sp.Cell(tc.total), make([]int, len(tc.parts))
		for i, n := range tc.parts {
			ids[i] = sp.Cell(n)
		}
		sp.Group(total, ids...)
		sp.Run()
		gotT, got := sp.Get(total), make([]workflow.StatsCell, len(ids))
		for i, id := range ids {
			got[i] = sp.Get(id)
		}
		if gotT.Hidden != tc.wantTotal {
			t.Errorf("%s: total hidden = %v, want %v", tc.name, gotT.Hidden, tc.wantTotal)
		}
		g := hid(got)
		for i := range g {
			if g[i] != tc.want[i] {
				t.Errorf("%s: hidden = %v, want %v", tc.name, g, tc.want)
				break
			}
		}
		// Whatever the case: a shown cell is 0 or at least 5, and a
		// single hidden part never sits beside a shown total.
		nh := 0
		for _, c := range got {
			if !c.Hidden && c.N > 0 && c.N < workflow.StatsMinCell {
				t.Errorf("%s: small cell %d shown", tc.name, c.N)
			}
			if c.Hidden {
				nh++
			}
		}
		if nh == 1 && !gotT.Hidden {
			t.Errorf("%s: one hidden part beside a shown total", tc.name)
		}
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
