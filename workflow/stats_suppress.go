package workflow

import "sort"

// StatsMinCell is the smallest count the statistics show (issue 21): a
// cell from 1 to 4 requests could identify someone (the Raseborg text
// promises statistics never do). Zero is shown.
const StatsMinCell = 5

// StatsCell is one count of the statistics, and whether it is hidden.
type StatsCell struct {
	N      int
	Hidden bool
}

// small: a count that must not be shown.
func small(n int) bool { return n > 0 && n < StatsMinCell }

// SuppressShare hides a share or median computed from n requests when n is
// small (or zero: nothing to show).
func SuppressShare(n int) bool { return n < StatsMinCell }

// MedianDays is the median of a histogram (days -> requests), the lower
// middle for an even count; ok is false for an empty histogram.
func MedianDays(hist map[int]int) (median int, n int, ok bool) {
	var keys []int
	for d, k := range hist {
		keys = append(keys, d)
		n += k
	}
	if n == 0 {
		return 0, 0, false
	}
	sort.Ints(keys)
	mid, seen := (n+1)/2, 0
	for _, d := range keys {
		seen += hist[d]
		if seen >= mid {
			return d, n, true
		}
	}
	return keys[len(keys)-1], n, true
}

// Suppressor hides cells across several tables that share figures (a
// month's requests are the total of its rights, channels and outcomes,
// and a part of the year's total). Each group is an equation total =
// sum of parts; primary suppression hides every count from 1 to 4, and
// secondary suppression then hides, in every group with exactly one
// hidden member, its smallest other non-zero member, until no group has
// exactly one: no hidden cell follows from a shown total minus shown
// parts. A group whose parts may overlap (a request asking for two
// rights) is treated the same way, which only hides more.
type Suppressor struct {
	n      []int
	hidden []bool
	groups [][]int // total first, then parts
}

// Cell adds a count and returns its id.
func (s *Suppressor) Cell(n int) int {
	s.n = append(s.n, n)
	s.hidden = append(s.hidden, small(n))
	return len(s.n) - 1
}

// Group records that the cell total is the sum of the cells parts.
func (s *Suppressor) Group(total int, parts ...int) {
	s.groups = append(s.groups, append([]int{total}, parts...))
}

// Run applies secondary suppression until every group is safe.
func (s *Suppressor) Run() {
	for changed := true; changed; {
		changed = false
		for _, g := range s.groups {
			hidden, pick := 0, -1
			for _, id := range g {
				if s.hidden[id] {
					hidden++
					continue
				}
				if s.n[id] > 0 && (pick < 0 || s.n[id] < s.n[pick]) {
					pick = id
				}
			}
			if hidden == 1 && pick >= 0 {
				s.hidden[pick] = true
				changed = true
			}
		}
	}
}

// Get returns a cell as shown.
func (s *Suppressor) Get(id int) StatsCell { return StatsCell{N: s.n[id], Hidden: s.hidden[id]} }
