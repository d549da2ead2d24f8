package workflow_test

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/chart"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// The statistics' promise (issue 21, the QA walkthrough's finding): no
// figure from 1 to 4 requests is shown, nor one that can be worked out
// from what is shown. These tests attack what the page, the CSV and the
// annual report show, as someone holding all three would: every shown
// figure, every relation the tables' headings state (a row's parts sum
// to its total, a column's months to the year, a request asks for at
// least one right, the on-time share is the on-time answers over the
// answers, rounded), that counts are whole numbers and that a hidden
// count is not 0 (zeros are shown). For every hidden figure they then
// look for values of all the hidden figures that agree with everything
// shown and give it another value, and, for a count under 5, a value of 5
// or more: the reader can then neither work the figure out nor even tell
// that it is under 5. They know nothing of how the suppression chose what
// to hide; they read strings.

// genReq is one generated request.
type genReq struct {
	month    int // received in this month of the year (0-based); -1: the year before
	channel  string
	outcome  string
	rights   []string
	answered int // answered in this month (0-based), -1 not in the year
	onTime   bool
	days     int
}

type statsScenario struct {
	name    string
	nMonths int
	reqs    []genReq
	units   []int
}

const attackYear = 2025

// rows aggregates the scenario as stats_monthly would hold it.
func (sc statsScenario) rows() ([]store.StatsRow, []store.StatsDays, []store.UnitCount) {
	type key struct {
		m          int
		dim, value string
	}
	agg := map[key]*store.StatsRow{}
	get := func(m int, dim, value string) *store.StatsRow {
		k := key{m, dim, value}
		if agg[k] == nil {
			agg[k] = &store.StatsRow{Month: time.Date(attackYear, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC), Dimension: dim, Value: value}
		}
		return agg[k]
	}
	days := map[[2]int]int{}
	for _, r := range sc.reqs {
		if r.month >= 0 {
			get(r.month, "all", "").Received++
			get(r.month, "channel", r.channel).Received++
			get(r.month, "outcome", r.outcome).Received++
			for _, rt := range r.rights {
				get(r.month, "right", rt).Received++
			}
		}
		if r.answered >= 0 {
			a := get(r.answered, "all", "")
			a.Answered++
			if r.onTime {
				a.OnTime++
			}
			days[[2]int{r.answered, r.days}]++
		}
	}
	var rows []store.StatsRow
	for _, r := range agg {
		rows = append(rows, *r)
	}
	slices.SortFunc(rows, func(a, b store.StatsRow) int {
		return strings.Compare(a.Month.Format("2006-01")+a.Dimension+a.Value, b.Month.Format("2006-01")+b.Dimension+b.Value)
	})
	var ds []store.StatsDays
	for k, n := range days {
		ds = append(ds, store.StatsDays{Month: time.Date(attackYear, time.Month(k[0]+1), 1, 0, 0, 0, 0, time.UTC), Days: k[1], N: n})
	}
	slices.SortFunc(ds, func(a, b store.StatsDays) int {
		return a.Month.Compare(b.Month)*1000 + a.Days - b.Days
	})
	var units []store.UnitCount
	for i, n := range sc.units {
		if n > 0 {
			units = append(units, store.UnitCount{Unit: fmt.Sprintf("Yksikkö %d", i+1), Open: n})
		}
	}
	slices.SortStableFunc(units, func(a, b store.UnitCount) int { return b.Open - a.Open })
	return rows, ds, units
}

// truth is what the tables would show without suppression, keyed as the
// attacker names the figures.
func (sc statsScenario) truth() map[string]int {
	t := map[string]int{}
	for _, r := range sc.reqs {
		if r.month >= 0 && r.month < sc.nMonths {
			m := strconv.Itoa(r.month)
			t["R"+m]++
			t["R"]++
			t["channel:"+r.channel+":"+m]++
			t["channel:"+r.channel]++
			t["outcome:"+r.outcome+":"+m]++
			t["outcome:"+r.outcome]++
			for _, rt := range r.rights {
				t["right:"+rt+":"+m]++
				t["right:"+rt]++
			}
		}
		if r.answered >= 0 && r.answered < sc.nMonths {
			m := strconv.Itoa(r.answered)
			t["A"+m]++
			t["A"]++
			if r.onTime {
				t["ok"+m]++
				t["ok"]++
			} else {
				t["late"+m]++
				t["late"]++
			}
		}
	}
	for i, n := range sc.units {
		t["unit:"+fmt.Sprintf("Yksikkö %d", i+1)] = n
		t["units"] += n
	}
	return t
}

// ---- the attacker's model: whole numbers, linear relations, bounds ----

const atkCap = 1_000_000

type atkVar struct {
	name   string
	lo, hi int
	shown  bool
	latent bool // not printed anywhere (the on-time and late counts behind a share)
}

type atkLin struct {
	ids  []int
	coef []int
	le   bool // sum <= 0, else sum == 0
}

type atkPred struct {
	ids  []int
	ok   func(v []int) bool
	what string
}

type atkModel struct {
	t     *testing.T
	vars  []atkVar
	byKey map[string]int
	lins  []atkLin
	preds []atkPred
}

// figure reads a shown count (a number, or ".." for hidden) under key; the
// same figure printed twice (a month's requests in four tables) is one
// unknown, and must read the same everywhere.
func (a *atkModel) figure(key, s string) int {
	a.t.Helper()
	s = strings.TrimSpace(s)
	lo, hi, shown := 1, atkCap, false
	if s != workflow.StatsHiddenMark {
		n, err := strconv.Atoi(s)
		if err != nil {
			a.t.Fatalf("%s reads %q: neither a count nor %q", key, s, workflow.StatsHiddenMark)
		}
		if n > 0 && n < workflow.StatsMinCell {
			a.t.Errorf("%s shows %d: a count under %d", key, n, workflow.StatsMinCell)
		}
		lo, hi, shown = n, n, true
	}
	if id, ok := a.byKey[key]; ok {
		v := &a.vars[id]
		if v.shown != shown || (shown && v.lo != lo) {
			a.t.Errorf("%s is printed as %d (shown %v) in one place and %q in another", key, v.lo, v.shown, s)
		}
		if shown && !v.shown { // what one place shows, the reader knows
			v.lo, v.hi, v.shown = lo, hi, true
		}
		return id
	}
	a.vars = append(a.vars, atkVar{name: key, lo: lo, hi: hi, shown: shown})
	a.byKey[key] = len(a.vars) - 1
	return len(a.vars) - 1
}

func (a *atkModel) latent(key string, lo int) int {
	a.vars = append(a.vars, atkVar{name: key, lo: lo, hi: atkCap, latent: true})
	a.byKey[key] = len(a.vars) - 1
	return len(a.vars) - 1
}

// sum: total = sum of parts.
func (a *atkModel) sum(total int, parts ...int) {
	l := atkLin{ids: append([]int{total}, parts...), coef: []int{-1}}
	for range parts {
		l.coef = append(l.coef, 1)
	}
	a.lins = append(a.lins, l)
}

// covers: every part is at most total, and the parts together at least
// total (a request asks for one right or more).
func (a *atkModel) covers(total int, parts ...int) {
	for _, p := range parts {
		a.lins = append(a.lins, atkLin{ids: []int{p, total}, coef: []int{1, -1}, le: true})
	}
	l := atkLin{ids: append([]int{total}, parts...), coef: []int{1}, le: true}
	for range parts {
		l.coef = append(l.coef, -1)
	}
	a.lins = append(a.lins, l)
}

var pctRe = regexp.MustCompile(`^(\d+)\s*%$`)

// share reads an on-time share: ok of answered, rounded to whole percent
// (half up), as the page prints it.
func (a *atkModel) share(key, s string, ok, late, answered int) {
	a.t.Helper()
	s = strings.TrimSpace(s)
	switch {
	case s == "–":
		a.vars[answered].hi = min(a.vars[answered].hi, 0)
	case s == workflow.StatsHiddenMark:
		// Hidden beside a shown count of answers: on-time and late are
		// both hidden counts (a shown 0 or 5+ would not hide it), so
		// neither is 0. An attacker who knows the rule knows that much.
		if a.vars[answered].shown {
			a.vars[ok].lo, a.vars[late].lo = 1, 1
		}
	default:
		m := pctRe.FindStringSubmatch(strings.ReplaceAll(s, "\u00a0", " "))
		if m == nil {
			a.t.Fatalf("%s reads %q: not a share", key, s)
		}
		p, _ := strconv.Atoi(m[1])
		a.preds = append(a.preds, atkPred{ids: []int{ok, answered}, what: key + " = " + s, ok: func(v []int) bool {
			return v[1] > 0 && (v[0]*100+v[1]/2)/v[1] == p
		}})
		if n := a.vars[answered]; n.shown && n.lo > 0 { // the share then bounds the count
			lo, hi := -1, -1
			for k := 0; k <= n.lo; k++ {
				if (k*100+n.lo/2)/n.lo == p {
					if lo < 0 {
						lo = k
					}
					hi = k
				}
			}
			if lo < 0 {
				a.t.Fatalf("%s = %s of %d answers: no count rounds to it", key, s, n.lo)
			}
			a.vars[ok].lo, a.vars[ok].hi = max(a.vars[ok].lo, lo), min(a.vars[ok].hi, hi)
		}
	}
}

// propagate narrows the bounds to what every relation allows; false when
// some relation cannot hold.
func (a *atkModel) propagate(lo, hi []int) bool {
	for changed := true; changed; {
		changed = false
		for _, l := range a.lins {
			mn, mx := 0, 0
			for i, id := range l.ids {
				if l.coef[i] > 0 {
					mn += lo[id]
					mx += hi[id]
				} else {
					mn -= hi[id]
					mx -= lo[id]
				}
			}
			if mn > 0 || (!l.le && mx < 0) {
				return false
			}
			for i, id := range l.ids {
				// coef*x <= -(mn - own min) ; and, for ==, coef*x >= -(mx - own max)
				if l.coef[i] > 0 {
					if nh := -(mn - lo[id]); nh < hi[id] {
						hi[id], changed = nh, true
					}
					if !l.le {
						if nl := -(mx - hi[id]); nl > lo[id] {
							lo[id], changed = nl, true
						}
					}
				} else {
					if nl := mn + hi[id]; nl > lo[id] {
						lo[id], changed = nl, true
					}
					if !l.le {
						if nh := mx + lo[id]; nh < hi[id] {
							hi[id], changed = nh, true
						}
					}
				}
				if lo[id] > hi[id] {
					return false
				}
			}
		}
	}
	return true
}

// broken is the unknowns of the first relation v breaks; nil when none.
func (a *atkModel) broken(v []int) []int {
	for _, l := range a.lins {
		s := 0
		for i, id := range l.ids {
			s += l.coef[i] * v[id]
		}
		if s > 0 || (!l.le && s != 0) {
			return l.ids
		}
	}
	for _, p := range a.preds {
		var vs []int
		for _, id := range p.ids {
			vs = append(vs, v[id])
		}
		if !p.ok(vs) {
			return p.ids
		}
	}
	return nil
}

// holds checks a full assignment against every relation, directly.
func (a *atkModel) holds(v []int) string {
	for id, x := range a.vars {
		if v[id] < x.lo || v[id] > x.hi {
			return fmt.Sprintf("%s = %d outside %d..%d", x.name, v[id], x.lo, x.hi)
		}
	}
	for _, l := range a.lins {
		s := 0
		for i, id := range l.ids {
			s += l.coef[i] * v[id]
		}
		if s > 0 || (!l.le && s != 0) {
			var names []string
			for _, id := range l.ids {
				names = append(names, fmt.Sprintf("%s=%d", a.vars[id].name, v[id]))
			}
			return "relation broken: " + strings.Join(names, " ")
		}
	}
	for _, p := range a.preds {
		var vs []int
		for _, id := range p.ids {
			vs = append(vs, v[id])
		}
		if !p.ok(vs) {
			return "broken: " + p.what
		}
	}
	return ""
}

// witness looks for values of every unknown agreeing with all that is
// shown and with target in [lo, hi]; guess orders the values tried (the
// true ones first: any order finds what exists). It looks near the
// target first: only the unknowns within d relations of it may leave
// their guessed values, d = 1, 2, ... and at last all of them (keeping
// an unknown at one value is a narrower search for the same proof).
func (a *atkModel) witness(target, tlo, thi int, guess []int, budget int) ([]int, bool) {
	dist := make([]int, len(a.vars))
	for i := range dist {
		dist[i] = -1
	}
	dist[target] = 0
	frontier, far := []int{target}, 0
	for len(frontier) > 0 {
		var next []int
		for _, l := range a.lins {
			if !slices.ContainsFunc(l.ids, func(id int) bool { return slices.Contains(frontier, id) }) {
				continue
			}
			for _, id := range l.ids {
				if dist[id] < 0 && !a.vars[id].shown {
					dist[id] = far + 1
					next = append(next, id)
				}
			}
		}
		for _, p := range a.preds {
			for _, id := range p.ids {
				if dist[id] < 0 && !a.vars[id].shown && slices.ContainsFunc(p.ids, func(x int) bool { return slices.Contains(frontier, x) }) {
					dist[id] = far + 1
					next = append(next, id)
				}
			}
		}
		frontier = next
		if len(next) > 0 {
			far++
		}
	}
	for d := 1; ; d++ {
		b := budget / 20 // near: small searches; the last, over everything, gets it all
		if d > far {
			b = budget
		}
		if v, ok := a.witnessNear(target, tlo, thi, guess, b, func(id int) bool { return d > far || (id >= 0 && dist[id] >= 0 && dist[id] <= d) }); ok {
			return v, true
		}
		if d > far {
			return nil, false
		}
	}
}

// witnessNear is witness with the unknowns free() says no to held at
// their guessed values.
func (a *atkModel) witnessNear(target, tlo, thi int, guess []int, budget int, free func(int) bool) ([]int, bool) {
	// Values far above every true one are no better witnesses: look
	// below a ceiling (a smaller space to search, the same proof).
	ceil := 0
	for _, g := range guess {
		ceil = max(ceil, g)
	}
	ceil = 2*ceil + 10
	lo, hi := make([]int, len(a.vars)), make([]int, len(a.vars))
	for i, v := range a.vars {
		lo[i], hi[i] = v.lo, min(v.hi, max(ceil, v.lo))
		if !free(i) && i != target {
			lo[i], hi[i] = guess[i], guess[i]
		}
	}
	lo[target], hi[target] = max(lo[target], tlo), min(hi[target], thi)
	nodes := 0
	var dfs func(lo, hi []int) []int
	dfs = func(lo, hi []int) []int {
		if nodes++; nodes > budget || !a.propagate(lo, hi) {
			return nil
		}
		// The guess, moved into the bounds, may already be a solution;
		// if not, branch on an open unknown of a relation it breaks.
		v := make([]int, len(lo))
		for i := range v {
			v[i] = min(max(guess[i], lo[i]), hi[i])
		}
		ids := a.broken(v)
		if ids == nil {
			return v
		}
		pick := -1
		for _, i := range ids {
			if lo[i] < hi[i] && (pick < 0 || hi[i]-lo[i] < hi[pick]-lo[pick]) {
				pick = i
			}
		}
		if pick < 0 {
			return nil // broken with all its unknowns fixed: a share that does not round right
		}
		g := min(max(guess[pick], lo[pick]), hi[pick])
		for d := 0; g-d >= lo[pick] || g+d <= hi[pick]; d++ {
			for _, x := range []int{g + d, g - d} {
				if x < lo[pick] || x > hi[pick] || (d == 0 && x != g+d) {
					continue
				}
				l2, h2 := slices.Clone(lo), slices.Clone(hi)
				l2[pick], h2[pick] = x, x
				if v := dfs(l2, h2); v != nil {
					return v
				}
				if nodes > budget {
					return nil
				}
			}
		}
		return nil
	}
	v := dfs(lo, hi)
	if v == nil && nodes > budget && free(-1) {
		a.t.Logf("search for %s in %d..%d: over %d nodes", a.vars[target].name, tlo, thi, budget)
	}
	return v, v != nil
}

// attack reads the view as its reader would and checks every hidden figure.
func attack(t *testing.T, sc statsScenario, v workflow.StatsView, truth map[string]int) (hidden int) {
	t.Helper()
	a := &atkModel{t: t, byKey: map[string]int{}}
	tables := map[string]workflow.StatsTable{}
	for _, tb := range v.Tables {
		tables[tb.ID] = tb
	}
	ov := tables["overview"]
	if len(ov.Rows) != sc.nMonths {
		t.Fatalf("overview has %d months, want %d", len(ov.Rows), sc.nMonths)
	}
	var R, A, OK, LATE []int
	for m, row := range ov.Rows {
		ms := strconv.Itoa(m)
		R = append(R, a.figure("R"+ms, row[1]))
		A = append(A, a.figure("A"+ms, row[2]))
		OK = append(OK, a.latent("ok"+ms, 0))
		LATE = append(LATE, a.latent("late"+ms, 0))
		a.sum(A[m], OK[m], LATE[m])
	}
	rTot, aTot := a.figure("R", ov.Foot[1]), a.figure("A", ov.Foot[2])
	okTot, lateTot := a.latent("ok", 0), a.latent("late", 0)
	a.sum(rTot, R...)
	a.sum(aTot, A...)
	a.sum(okTot, OK...)
	a.sum(lateTot, LATE...)
	a.sum(aTot, okTot, lateTot)
	for m, row := range ov.Rows {
		a.share("share"+strconv.Itoa(m), row[3], OK[m], LATE[m], A[m])
	}
	a.share("share", ov.Foot[3], okTot, lateTot, aTot)

	dims := map[string][]string{}
	for _, d := range workflow.StatsDimensions {
		dims[d.Name] = d.Values
	}
	for _, dim := range []string{"right", "channel", "outcome"} {
		tb, ok := tables["by-"+dim]
		if !ok {
			t.Fatalf("no table by-%s", dim)
		}
		vals := dims[dim]
		cols := make([][]int, len(vals))
		for m, row := range tb.Rows {
			ms := strconv.Itoa(m)
			var parts []int
			for j, val := range vals {
				id := a.figure(dim+":"+val+":"+ms, row[1+j])
				parts = append(parts, id)
				cols[j] = append(cols[j], id)
			}
			if dim == "right" {
				a.covers(R[m], parts...)
				asked := 0
				for _, val := range vals {
					asked += truth[dim+":"+val+":"+ms]
				}
				if asked == truth["R"+ms] {
					// Most requests ask for one right: a reader who
					// guesses so is right in this month.
					a.sum(R[m], parts...)
				}
				continue
			}
			a.sum(a.figure("R"+ms, row[1+len(vals)]), parts...)
		}
		var tots []int
		for j, val := range vals {
			tot := a.figure(dim+":"+val, tb.Foot[1+j])
			a.sum(tot, cols[j]...)
			tots = append(tots, tot)
		}
		if dim != "right" {
			a.sum(a.figure("R", tb.Foot[1+len(vals)]), tots...)
		}
	}
	un := tables["units"]
	var us []int
	for _, row := range un.Rows {
		us = append(us, a.figure("unit:"+row[0], row[1]))
	}
	a.sum(a.figure("units", un.Foot[1]), us...)

	// The truth agrees with what is shown (else the attack proves nothing).
	guess := make([]int, len(a.vars))
	for i, x := range a.vars {
		guess[i] = truth[x.name]
	}
	if why := a.holds(guess); why != "" {
		t.Fatalf("the true figures do not fit what is shown: %s", why)
	}
	lo, hi := make([]int, len(a.vars)), make([]int, len(a.vars))
	for i, x := range a.vars {
		lo[i], hi[i] = x.lo, x.hi
	}
	if !a.propagate(lo, hi) {
		t.Fatal("the shown figures contradict each other")
	}
	const budget = 200_000
	for id, x := range a.vars {
		tv := truth[x.name]
		switch {
		case x.shown:
			continue
		case x.latent && (tv == 0 || tv >= workflow.StatsMinCell):
			continue // a share's parts are secret only when small
		case !x.latent:
			hidden++
		}
		if tv < workflow.StatsMinCell {
			if w, ok := a.witness(id, workflow.StatsMinCell, atkCap, guess, budget); !ok {
				t.Errorf("%s: %s (truly %d) cannot be %d or more: the reader knows it is a small count", sc.name, x.name, tv, workflow.StatsMinCell)
			} else if why := a.holds(w); why != "" || w[id] < workflow.StatsMinCell {
				t.Fatalf("%s: bad witness for %s: %s", sc.name, x.name, why)
			}
			continue
		}
		up, okUp := a.witness(id, tv+1, atkCap, guess, budget)
		down, okDown := a.witness(id, 0, tv-1, guess, budget)
		if !okUp && !okDown {
			t.Errorf("%s: %s (truly %d, hidden) is determined by what is shown", sc.name, x.name, tv)
		}
		for _, w := range [][]int{up, down} {
			if w != nil && (a.holds(w) != "" || w[id] == tv) {
				t.Fatalf("%s: bad witness for %s: %s", sc.name, x.name, a.holds(w))
			}
		}
	}
	return hidden
}

// ---- the scenarios ----

var attackRights = []string{"access", "rectification", "erasure", "restriction", "portability", "objection", "withdraw_consent"}

// qaEsimerkki is the walkthrough's Esimerkkikaupunki 2025: about nine
// requests a month, one open request in each of the last six months,
// two refusals and eight withdrawals over the year.
func qaEsimerkki() statsScenario {
	sc := statsScenario{name: "esimerkki 2025 (QA)", nMonths: 12, units: []int{12, 7, 3, 1}}
	recv := []int{9, 9, 10, 9, 9, 9, 10, 9, 9, 9, 9, 9}
	withdrawn := []int{1, 0, 2, 0, 1, 1, 0, 1, 0, 1, 1, 0}
	for m, n := range recv {
		for i := range n {
			r := genReq{month: m, channel: []string{"web", "web", "web", "web", "web", "web", "email", "email", "paper", "phone"}[i], rights: []string{"access"}, answered: -1}
			switch {
			case m >= 6 && i == 0:
				r.outcome = "open"
			case (m == 2 || m == 8) && i == 1:
				r.outcome = "refused"
			case i >= 2 && i < 2+withdrawn[m]:
				r.outcome = "withdrawn"
			default:
				r.outcome = "answered"
				r.answered, r.onTime, r.days = min(m+1, 11), i != 5, 20+i
			}
			if i == 4 {
				r.rights = []string{"erasure"}
			}
			sc.reqs = append(sc.reqs, r)
		}
	}
	return sc
}

// qaRaseborg is Raseborg 2025: 28 requests, 24 answered, two refused and
// two withdrawn in four months.
func qaRaseborg() statsScenario {
	sc := statsScenario{name: "raseborg 2025 (QA)", nMonths: 12, units: []int{4, 2, 1}}
	recv := []int{3, 2, 2, 3, 2, 3, 1, 2, 3, 2, 3, 2}
	other := map[int]string{1: "refused", 4: "withdrawn", 7: "refused", 10: "withdrawn"}
	for m, n := range recv {
		for i := range n {
			r := genReq{month: m, channel: []string{"email", "paper", "web"}[i], outcome: "answered", rights: []string{"access"}, answered: min(m+1, 11), onTime: true, days: 25}
			if o, ok := other[m]; ok && i == 0 {
				r.outcome, r.answered = o, -1
			}
			sc.reqs = append(sc.reqs, r)
		}
	}
	return sc
}

// qaOnTime: a month of five answers, four of them on time (80 % gave the
// late one away).
func qaOnTime() statsScenario {
	sc := statsScenario{name: "on-time share (QA)", nMonths: 3}
	for m, n := range []int{12, 5, 9} {
		for i := range n {
			sc.reqs = append(sc.reqs, genReq{month: m, channel: "web", outcome: "answered", rights: []string{"access"},
				answered: m, onTime: !(m == 1 && i == 0), days: 10 + i})
		}
	}
	return sc
}

// randomScenario draws requests at about rate a month.
func randomScenario(seed uint64, rate float64, nMonths int) statsScenario {
	rng := rand.New(rand.NewPCG(seed, 21))
	sc := statsScenario{name: fmt.Sprintf("random seed %d rate %.1f months %d", seed, rate, nMonths), nMonths: nMonths}
	pick := func(ws []float64) int {
		x, s := rng.Float64(), 0.0
		for i, w := range ws {
			if s += w; x < s {
				return i
			}
		}
		return len(ws) - 1
	}
	channels := []string{"web", "email", "paper", "phone", "counter", "api"}
	outcomes := []string{"answered", "refused", "withdrawn", "open"}
	for m := -1; m < nMonths; m++ {
		n := int(rate*(0.4+1.2*rng.Float64()) + 0.5)
		for range n {
			r := genReq{month: m, channel: channels[pick([]float64{.55, .25, .1, .05, .04, .01})], answered: -1}
			r.outcome = outcomes[pick([]float64{.88, .04, .05, .03})]
			if m >= nMonths-2 && rng.Float64() < 0.5 {
				r.outcome = "open"
			}
			r.rights = []string{attackRights[pick([]float64{.6, .12, .15, .04, .03, .03, .03})]}
			if rng.Float64() < 0.1 {
				if o := attackRights[rng.IntN(len(attackRights))]; o != r.rights[0] {
					r.rights = append(r.rights, o)
				}
			}
			if r.outcome == "answered" {
				r.answered = m + rng.IntN(2)
				if r.answered >= nMonths {
					r.answered, r.outcome = -1, "open"
				}
				r.onTime, r.days = rng.Float64() < 0.85, 5+rng.IntN(40)
			}
			sc.reqs = append(sc.reqs, r)
		}
	}
	for range rng.IntN(7) {
		sc.units = append(sc.units, []int{1, 2, 3, 4, 6, 9, 15, 30}[rng.IntN(8)])
	}
	return sc
}

func attackScenarios(short bool) []statsScenario {
	out := []statsScenario{qaEsimerkki(), qaRaseborg(), qaOnTime()}
	seeds := 6
	if short {
		seeds = 2
	}
	for seed := range uint64(seeds) {
		for _, rate := range []float64{0.7, 2.5, 6, 12, 30} {
			out = append(out, randomScenario(seed+1, rate, []int{12, 12, 5, 1}[seed%4]))
		}
	}
	return out
}

func statsService(t *testing.T) *workflow.Service {
	t.Helper()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	return &workflow.Service{Catalog: cat, Now: func() time.Time { return time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC) }}
}

// TestStatsAttack: for the walkthrough's three leaks and generated years
// of small, middling and large organisations, no hidden figure of the
// page can be worked out, nor shown to be under 5, from all that is shown.
func TestStatsAttack(t *testing.T) {
	t.Parallel()
	s := statsService(t)
	for _, sc := range attackScenarios(testing.Short()) {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			rows, days, units := sc.rows()
			y := workflow.BuildStatsYear(workflow.StatsYear{Year: attackYear}, sc.nMonths, rows, days, units)
			v := s.StatsView(y, "fi", false)
			hidden := attack(t, sc, v, sc.truth())
			t.Logf("%d figures hidden", hidden)
			checkCharts(t, v)
		})
	}
}

// checkCharts: a chart draws a bar or a point only for a shown figure
// (its length would give a hidden one away), and labels it as the table does.
func checkCharts(t *testing.T, v workflow.StatsView) {
	t.Helper()
	for _, c := range v.Charts {
		shown := map[string]bool{}
		for _, row := range c.Table.Rows {
			for _, s := range row[1:] {
				shown[s] = true
			}
		}
		for _, it := range c.Drawing.Items {
			if tx, ok := it.(chart.Text); ok && tx.S == workflow.StatsHiddenMark && !shown[workflow.StatsHiddenMark] {
				t.Errorf("chart %s labels a figure hidden that its table shows", c.ID)
			}
		}
		bars, marks := 0, 0
		for _, it := range c.Drawing.Items {
			switch r := it.(type) {
			case chart.Rect:
				if r.Y > 2 || c.ID == "chart-units" { // not a legend swatch
					bars++
				}
			case chart.Marker:
				if r.Y > 7 {
					marks++
				}
			}
		}
		want := 0
		for _, row := range c.Table.Rows {
			for _, s := range row[1:] {
				if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), " %")); err == nil && n > 0 {
					want++
				}
			}
		}
		if got := bars + marks; c.ID != "chart-median" && got != want {
			t.Errorf("chart %s draws %d bars for %d shown figures", c.ID, got, want)
		}
	}
}

// TestStatsAttackDownloads: the CSV and the annual report show exactly
// the page's figures, so holding all three tells no more than the page.
func TestStatsAttackDownloads(t *testing.T) {
	t.Parallel()
	s := statsService(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("this test needs pdftotext (poppler-utils): run scripts/deps.sh test")
	}
	for _, sc := range []statsScenario{qaEsimerkki(), qaRaseborg(), randomScenario(3, 6, 5)} {
		rows, days, units := sc.rows()
		y := workflow.BuildStatsYear(workflow.StatsYear{Year: attackYear}, sc.nMonths, rows, days, units)
		for _, lang := range []string{"fi", "sv", "en"} {
			v := s.StatsView(y, lang, false)
			tables := map[string]workflow.StatsTable{}
			for _, tb := range v.Tables {
				tables[tb.ID] = tb
			}
			// CSV: the month's figures of the overview and the breakdowns,
			// side by side.
			b, err := s.StatsCSV(y, lang)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(recs[0][3], "%") {
				t.Errorf("%s %s: the CSV's on-time column %q does not say it is a percentage", sc.name, lang, recs[0][3])
			}
			for i := range sc.nMonths + 1 {
				var want []string
				for _, id := range []string{"overview", "by-right", "by-channel", "by-outcome"} {
					row := tables[id].Foot
					if i < sc.nMonths {
						row = tables[id].Rows[i]
					}
					for _, c := range row[1:] {
						c = strings.TrimSpace(strings.TrimSuffix(c, "%"))
						if c == "–" {
							c = ""
						}
						want = append(want, c)
					}
				}
				if got := recs[1+i][1:]; !slices.Equal(got, want) {
					t.Errorf("%s %s: CSV row %d = %v, the page shows %v", sc.name, lang, i, got, want)
				}
			}
			// The report: every row of every table, as pdftotext reads it.
			pdfBytes, err := s.StatsReportPDF("Esimerkkikaupunki", y, lang)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "r.pdf")
			if err := os.WriteFile(file, pdfBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", file, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			lines := map[string]bool{}
			for _, l := range strings.Split(string(out), "\n") {
				lines[strings.Join(strings.Fields(l), " ")] = true
			}
			// A month's heading in a narrow column wraps whole or not at
			// all ("maali" over "s" in the walkthrough's report).
			var months []string
			for m := 1; m <= 12; m++ {
				months = append(months, s.Catalog.T(lang, "statspage.month."+strconv.Itoa(m)))
			}
			for l := range lines {
				for _, tok := range strings.Fields(l) {
					for _, m := range months {
						if tok != m && len([]rune(tok)) >= 3 && strings.HasPrefix(m, tok) && !slices.Contains(months, tok) {
							t.Errorf("%s %s: the report breaks the month %q: %q", sc.name, lang, m, l)
						}
					}
				}
			}
			for _, tb := range v.Tables {
				rs := append(slices.Clone(tb.Rows), tb.Foot)
				if strings.HasPrefix(tb.ID, "by-") { // the report turns these: values down, months across
					rs = nil
					for j := 1; j < len(tb.Head); j++ {
						r := []string{tb.Head[j]}
						for _, row := range tb.Rows {
							r = append(r, row[j])
						}
						rs = append(rs, append(r, tb.Foot[j]))
					}
				}
				for _, r := range rs {
					if want := strings.Join(strings.Fields(strings.Join(r, " ")), " "); !lines[want] {
						t.Errorf("%s %s: the report has no line %q (table %s)", sc.name, lang, want, tb.ID)
					}
				}
			}
		}
	}
}
