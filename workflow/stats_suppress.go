package workflow

import (
	"slices"
	"sort"
)

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

// Suppressor decides which counts of the statistics are hidden, across
// every table of the page at once; the CSV, the annual report and the
// charts show the same figures.
//
// The rule, in plain words:
//
//  1. A count from 1 to 4 is hidden (primary suppression). Zero is
//     shown, so the reader knows a hidden count is at least 1.
//  2. The reader is assumed to know how the figures hang together: a
//     total is the sum of its parts (Group: a month's requests by channel
//     and by outcome, a column's months, the year's values); a request
//     asks for one right or more (Covers; a month whose requests each
//     asked for one is a Group, as a reader who guesses so would be
//     right); and an on-time share is the on-time answers over the
//     answers, so it stands for two counts, on time and late, which are
//     cells of their own (Unseen: printed nowhere) and the share is shown
//     only when both are and its answers number 5 or more.
//  3. Protected means: from everything shown and those relations, every
//     hidden count could still be something else, and a hidden count under
//     5 could be 5 or more. The reader can neither work a figure out nor
//     even tell that it is small. A total minus its shown parts, a column
//     of hidden counts whose total equals their number, a share of five
//     answers all fail this.
//  4. It is shown, not assumed: for each hidden count the Suppressor finds
//     values for all the hidden counts that agree with every shown figure
//     and every relation and give that count such a value - a second set
//     of tables no reader could tell from the true one (search: a bounded
//     depth-first search over whole numbers; a search over its budget
//     counts as failed, so doubt hides more, never less).
//  5. Where no such values exist, the shown non-zero counts sharing a
//     relation with it are hidden too, ring after ring until they do, and
//     one ring more; then they are shown again one by one, totals first
//     and then the largest (Unseen ones last), each when the count keeps
//     such values without it (secondary suppression, widen). Hiding more
//     never undoes an earlier count's protection (the newly hidden counts
//     can keep their true values), so each count is settled once; and with
//     every non-zero count of some related tables hidden, five times all of
//     them fits every relation, so this ends. A last pass shows again each
//     secondary count, in the same order, that every hidden count can do
//     without.
//
// Medians are not counts: a median of 5 or more answers fixes no count
// (due dates differ with extensions and pauses), so a median is shown when
// its answers' count is shown and is 5 or more. Not covered: a reader who
// keeps the page of one hour and compares it with the next (a month's
// figures change as its requests are answered, open tasks change all
// the time).
type Suppressor struct {
	n      []int
	hidden []bool
	total  []bool // the total of some relation: shown again first
	unseen []bool // printed nowhere, only read from a share: hidden first
	cons   []sdcCons
	byCell [][]int
	// scratch of component and search
	mark, cmark, local []int
	gen                int
	ceil               int64
	// Budget bounds one search (nodes); 0 is the default.
	Budget int
}

// sdcCons is sum(coef*x) == 0, or <= 0 when le.
type sdcCons struct {
	ids  []int
	coef []int
	le   bool
}

// sdcInf stands for "no upper bound" (a bound far above any count).
const sdcInf = int64(1) << 40

// Cell adds a count and returns its id.
func (s *Suppressor) Cell(n int) int {
	s.n = append(s.n, n)
	s.hidden = append(s.hidden, small(n))
	s.total = append(s.total, false)
	s.unseen = append(s.unseen, false)
	return len(s.n) - 1
}

// Unseen adds a count no table prints, which a reader still learns from
// a share (the on-time and the late answers behind "80 %"): hiding it
// costs only that share, so it is hidden before any printed count.
func (s *Suppressor) Unseen(n int) int {
	id := s.Cell(n)
	s.unseen[id] = true
	return id
}

// Group records that the cell total is the sum of the cells parts.
func (s *Suppressor) Group(total int, parts ...int) {
	c := sdcCons{ids: append([]int{total}, parts...), coef: []int{-1}}
	for range parts {
		c.coef = append(c.coef, 1)
	}
	s.total[total] = true
	s.cons = append(s.cons, c)
}

// Covers records that each of parts is at most total and together they
// are at least total: requests by right, where a request may ask for
// several rights but asks for one at least.
func (s *Suppressor) Covers(total int, parts ...int) {
	for _, p := range parts {
		s.cons = append(s.cons, sdcCons{ids: []int{p, total}, coef: []int{1, -1}, le: true})
	}
	c := sdcCons{ids: append([]int{total}, parts...), coef: []int{1}, le: true}
	for range parts {
		c.coef = append(c.coef, -1)
	}
	s.cons = append(s.cons, c)
}

// Get returns a cell as shown.
func (s *Suppressor) Get(id int) StatsCell { return StatsCell{N: s.n[id], Hidden: s.hidden[id]} }

// Run applies the rule: primary suppression is done as cells are added;
// this hides further cells until every hidden one is protected.
func (s *Suppressor) Run() {
	s.byCell = make([][]int, len(s.n))
	for k, c := range s.cons {
		for _, id := range c.ids {
			s.byCell[id] = append(s.byCell[id], k)
		}
	}
	settled := make([]bool, len(s.n))
	for {
		c := -1
		for id, h := range s.hidden {
			if h && !settled[id] && (c < 0 || s.n[id] < s.n[c]) {
				c = id
			}
		}
		if c < 0 {
			break
		}
		w := s.witness(c)
		if w == nil {
			w = s.widen(c)
		}
		s.settle(settled, w)
		settled[c] = true
	}
	// Show again what the order of the work hid needlessly: each
	// secondary cell, totals first and then the largest, when every
	// hidden cell related to it keeps a witness without it.
	var second []int
	for id, h := range s.hidden {
		if h && !small(s.n[id]) {
			second = append(second, id)
		}
	}
	s.preferShown(second)
	for _, id := range second {
		s.hidden[id] = false
		var related []int
		seen := map[int]bool{}
		for _, k := range s.byCell[id] {
			for _, x := range s.cons[k].ids {
				if s.hidden[x] && !seen[x] {
					cells, _ := s.component(x)
					for _, y := range cells {
						seen[y] = true
					}
					related = append(related, cells...)
				}
			}
		}
		ok := make([]bool, len(s.n))
		for _, x := range related {
			if ok[x] {
				continue
			}
			w := s.witness(x)
			if w == nil {
				s.hidden[id] = true
				break
			}
			s.settle(ok, w)
		}
	}
}

// settle marks the cells a witness protects: a small one it gives 5 or
// more, another it gives any other value.
func (s *Suppressor) settle(settled []bool, w *sdcWitness) {
	if w == nil {
		return
	}
	for i, id := range w.cells {
		v, n := w.vals[i], int64(s.n[id])
		if (n < StatsMinCell && v >= StatsMinCell) || (n >= StatsMinCell && v != n) {
			settled[id] = true
		}
	}
}

// preferShown orders cells by what is best kept shown: totals, then the
// largest counts, and last the counts no table prints (Unseen).
func (s *Suppressor) preferShown(ids []int) {
	rank := func(id int) int {
		switch {
		case s.unseen[id]:
			return 2
		case s.total[id]:
			return 0
		}
		return 1
	}
	slices.SortStableFunc(ids, func(a, b int) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return s.n[b] - s.n[a]
	})
}

// targets are the values a hidden cell must be shown able to take: 5 or
// more when it is small, else anything but its own.
func (s *Suppressor) targets(c int) [][2]int64 {
	if n := int64(s.n[c]); n < StatsMinCell {
		return [][2]int64{{StatsMinCell, sdcInf}}
	} else {
		return [][2]int64{{n + 1, sdcInf}, {1, n - 1}}
	}
}

// sdcWitness is values for hidden cells (the others keep theirs).
type sdcWitness struct {
	cells []int
	vals  []int64
}

// witness is values of the hidden cells related to c that agree with
// every shown cell and relation and give c a target value; nil when none
// was found.
func (s *Suppressor) witness(c int) *sdcWitness {
	for _, t := range s.targets(c) {
		if w := s.search(c, t[0], t[1]); w != nil {
			return w
		}
	}
	return nil
}

// component is the hidden cells connected to c through relations, c
// first, and the relations that touch them.
func (s *Suppressor) component(c int) ([]int, []int) {
	if len(s.mark) != len(s.n) {
		s.mark, s.cmark = make([]int, len(s.n)), make([]int, len(s.cons))
	}
	s.gen++
	s.mark[c] = s.gen
	cells, cons := []int{c}, []int(nil)
	for i := 0; i < len(cells); i++ {
		for _, k := range s.byCell[cells[i]] {
			if s.cmark[k] == s.gen {
				continue
			}
			s.cmark[k] = s.gen
			cons = append(cons, k)
			for _, id := range s.cons[k].ids {
				if s.hidden[id] && s.mark[id] != s.gen {
					s.mark[id] = s.gen
					cells = append(cells, id)
				}
			}
		}
	}
	return cells, cons
}

// search looks for a witness giving c a value in [lo, hi]: a depth-first
// search over the hidden cells related to c, the bounds of all of them
// narrowed by every relation after each choice, true values tried first.
func (s *Suppressor) search(c int, lo, hi int64) *sdcWitness {
	cells, consIDs := s.component(c)
	if len(s.local) != len(s.n) {
		s.local = make([]int, len(s.n))
	}
	for i, id := range cells {
		s.local[id] = i // valid where s.mark[id] == s.gen
	}
	type term struct{ v, coef int }
	type lcons struct {
		terms []term
		k     int64 // the shown cells' part of the sum
		le    bool
	}
	homogeneous := true
	cons := make([]lcons, len(consIDs))
	varCons := make([][]int, len(cells))
	for j, k := range consIDs {
		sc := s.cons[k]
		lc := lcons{le: sc.le}
		for i, id := range sc.ids {
			if s.hidden[id] {
				v := s.local[id]
				lc.terms = append(lc.terms, term{v, sc.coef[i]})
				varCons[v] = append(varCons[v], j)
			} else if s.n[id] != 0 {
				lc.k += int64(sc.coef[i] * s.n[id])
				homogeneous = false
			}
		}
		cons[j] = lc
	}
	if homogeneous {
		// No shown count but zeros: every hidden one times f fits too.
		n := int64(s.n[c])
		f := max(2, (lo+n-1)/n)
		if n*f <= hi {
			w := &sdcWitness{cells: cells, vals: make([]int64, len(cells))}
			for i, id := range cells {
				w.vals[i] = int64(s.n[id]) * f
			}
			return w
		}
	}
	nv := len(cells)
	lb, ub := make([]int64, nv), make([]int64, nv)
	// A ceiling well above every count: a witness needs no more, and
	// finite bounds keep the narrowing short.
	if s.ceil == 0 {
		s.ceil = StatsMinCell
		for _, n := range s.n {
			s.ceil = max(s.ceil, int64(n))
		}
		s.ceil = 2*s.ceil + 10
	}
	for i := range cells {
		lb[i], ub[i] = 1, s.ceil
	}
	lb[0], ub[0] = max(lb[0], lo), min(ub[0], hi)
	if lb[0] > ub[0] {
		return nil
	}
	type undo struct {
		v      int
		lo, hi int64
	}
	trail := make([]undo, 0, 4*nv)
	inQ := make([]bool, len(cons))
	queue := make([]int, 0, 2*len(cons))
	propagate := func(start []int) bool {
		queue = queue[:0]
		for _, j := range start {
			if !inQ[j] {
				inQ[j] = true
				queue = append(queue, j)
			}
		}
		ok := true
		for q := 0; q < len(queue) && ok; q++ {
			j := queue[q]
			inQ[j] = false
			lc := cons[j]
			mn, mx := lc.k, lc.k
			for _, t := range lc.terms {
				if t.coef > 0 {
					mn += lb[t.v]
					mx += ub[t.v]
				} else {
					mn -= ub[t.v]
					mx -= lb[t.v]
				}
			}
			if mn > 0 || (!lc.le && mx < 0) {
				ok = false
				break
			}
			for _, t := range lc.terms {
				nl, nh := lb[t.v], ub[t.v]
				if t.coef > 0 {
					nh = min(nh, lb[t.v]-mn)
					if !lc.le {
						nl = max(nl, ub[t.v]-mx)
					}
				} else {
					nl = max(nl, mn+ub[t.v])
					if !lc.le {
						nh = min(nh, mx+lb[t.v])
					}
				}
				if nl > nh {
					ok = false
					break
				}
				if nl != lb[t.v] || nh != ub[t.v] {
					trail = append(trail, undo{t.v, lb[t.v], ub[t.v]})
					lb[t.v], ub[t.v] = nl, nh
					for _, j2 := range varCons[t.v] {
						if !inQ[j2] {
							inQ[j2] = true
							queue = append(queue, j2)
						}
					}
				}
			}
		}
		for _, j := range queue {
			inQ[j] = false
		}
		return ok
	}
	back := func(mark int) {
		for len(trail) > mark {
			u := trail[len(trail)-1]
			trail = trail[:len(trail)-1]
			lb[u.v], ub[u.v] = u.lo, u.hi
		}
	}
	all := make([]int, len(cons))
	for j := range all {
		all[j] = j
	}
	budget := s.Budget
	if budget == 0 {
		budget = 3000
	}
	guess := make([]int64, nv)
	// broken is the first relation v breaks, -1 when none.
	broken := func(v []int64) int {
		for j, lc := range cons {
			sum := lc.k
			for _, t := range lc.terms {
				sum += int64(t.coef) * v[t.v]
			}
			if sum > 0 || (!lc.le && sum != 0) {
				return j
			}
		}
		return -1
	}
	nodes := 0
	var dfs func(changed []int) bool
	dfs = func(changed []int) bool {
		if nodes++; nodes > budget || !propagate(changed) {
			return false
		}
		// Most witnesses move a few cells and leave the rest at their
		// true values (nearest within the bounds): try that first.
		for i := range lb {
			guess[i] = min(max(int64(s.n[cells[i]]), lb[i]), ub[i])
		}
		bad := broken(guess)
		if bad < 0 {
			copy(lb, guess)
			return true
		}
		// Branch where the guess breaks a relation: on its cell with
		// the fewest values left.
		pick := -1
		for _, t := range cons[bad].terms {
			if i := t.v; lb[i] < ub[i] && (pick < 0 || ub[i]-lb[i] < ub[pick]-lb[pick]) {
				pick = i
			}
		}
		if pick < 0 {
			return false // all its cells fixed, and propagation let it pass: cannot happen
		}
		g := guess[pick]
		l0, u0 := lb[pick], ub[pick]
		for d := int64(0); g-d >= l0 || g+d <= u0; d++ {
			for _, x := range [2]int64{g + d, g - d} {
				if x < l0 || x > u0 || (d == 0 && x != g) {
					continue
				}
				mark := len(trail)
				trail = append(trail, undo{pick, lb[pick], ub[pick]})
				lb[pick], ub[pick] = x, x
				if dfs(varCons[pick]) {
					return true
				}
				back(mark)
				if nodes > budget {
					return false
				}
			}
		}
		return false
	}
	if !dfs(all) {
		return nil
	}
	return &sdcWitness{cells: cells, vals: lb}
}

// widen hides rings of shown non-zero cells around c until c has a
// witness, then shows again each of them that the witness leaves at its
// value, and tries the rest one by one (totals first, then the largest).
func (s *Suppressor) widen(c int) *sdcWitness {
	var released []int
	var w *sdcWitness
	// ring hides the shown non-zero cells sharing a relation with c's
	// hidden ones; false when there are none.
	ring := func() bool {
		_, consIDs := s.component(c)
		var r []int
		for _, k := range consIDs {
			for _, id := range s.cons[k].ids {
				if !s.hidden[id] && s.n[id] != 0 && !slices.Contains(r, id) {
					r = append(r, id)
				}
			}
		}
		for _, id := range r {
			s.hidden[id] = true
		}
		released = append(released, r...)
		return len(r) > 0
	}
	for w == nil {
		if !ring() {
			return nil // cannot happen: with every related count hidden, five times them all fits
		}
		w = s.witness(c)
	}
	// One ring more, so that a total can be shown again by hiding some
	// parts further out instead.
	if ring() {
		if w2 := s.witness(c); w2 != nil {
			w = w2
		}
	}
	// Show them again one by one, totals first and then the largest, each
	// while the rest are still hidden (the year's total is worth more
	// than any part): at once when the witness leaves it as it is, else
	// if another witness does without it.
	s.preferShown(released)
	for _, id := range released {
		w = s.showIf(c, id, w)
	}
	return w
}

// showIf shows id again if c keeps a witness (w, when it leaves id as
// it is); it returns c's witness.
func (s *Suppressor) showIf(c, id int, w *sdcWitness) *sdcWitness {
	for i, x := range w.cells {
		if x == id && w.vals[i] == int64(s.n[id]) {
			s.hidden[id] = false
			return w
		}
	}
	s.hidden[id] = false
	if w2 := s.witness(c); w2 != nil {
		return w2
	}
	s.hidden[id] = true
	return w
}
