package workflow

import (
	"context"
	"time"

	"rightsdesk/internal/store"
)

// StatsDimensions are the breakdowns of the statistics, each with its
// values in the order the page, the CSV and the report show them.
var StatsDimensions = []StatsDimension{
	{Name: "right", Values: rightValues()},
	{Name: "channel", Values: []string{"web", "email", "paper", "phone", "counter", "api"}},
	{Name: "outcome", Values: []string{"answered", "refused", "withdrawn", "open"}},
}

// StatsDimension is one breakdown (by right, channel or outcome).
type StatsDimension struct {
	Name   string
	Values []string
}

func rightValues() []string {
	out := make([]string, len(Rights))
	for i, r := range Rights {
		out[i] = string(r)
	}
	return out
}

// StatsMonth is one month of the overview: requests received (by month
// of receipt), answered (by month of answer), the on-time share of the
// answers (percent) and their median days, each hidden when it comes from
// fewer than StatsMinCell requests.
type StatsMonth struct {
	Month              time.Time // first day (zero for the year's total)
	Received, Answered StatsCell
	OnTimePct          int
	OnTimeHidden       bool // also when nothing was answered
	MedianDays         int
	MedianHidden       bool
}

// StatsBreakdown is a dimension's counts of received requests, per month
// and value, with the year's total per value (the month's total is the
// overview's Received).
type StatsBreakdown struct {
	StatsDimension
	Cells  [][]StatsCell // [month][value]
	Totals []StatsCell   // [value]
}

// StatsUnit is the open tasks of a unit now ("" is registers with no unit).
type StatsUnit struct {
	Unit string
	Open StatsCell
}

// StatsYear is an organisation's statistics of one calendar year, with
// small-count suppression applied across all of its tables at once.
type StatsYear struct {
	Year        int
	Months      []StatsMonth // January to the last month with figures (the current month in the current year)
	Total       StatsMonth
	Breakdowns  []StatsBreakdown
	Units       []StatsUnit
	OpenTasks   StatsCell
	RefreshedAt time.Time // zero: never refreshed
}

// StatsForYear reads the organisation's monthly statistics of year (from
// stats_monthly, never from the cases) and the open tasks by unit.
func (s *Service) StatsForYear(ctx context.Context, orgID int64, year int) (StatsYear, error) {
	q := store.New(s.Pool)
	y := StatsYear{Year: year}
	var err error
	if y.RefreshedAt, err = q.StatsRefreshedAt(ctx, orgID); err != nil {
		return y, err
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	rows, days, err := q.StatsMonths(ctx, orgID, from, from.AddDate(1, 0, 0))
	if err != nil {
		return y, err
	}
	units, err := q.OpenTasksByUnit(ctx, orgID)
	if err != nil {
		return y, err
	}
	today := HelsinkiDate(s.Now())
	nMonths := 12
	switch {
	case year == today.Year:
		nMonths = int(today.Month)
	case year > today.Year:
		nMonths = 0
	}
	y = s.stats.months(y, nMonths, rows, days)
	y.Units, y.OpenTasks = statsUnits(units)
	return y, nil
}

// buildStatsYear lays the rows out and suppresses small counts.
func buildStatsYear(y StatsYear, nMonths int, rows []store.StatsRow, days []store.StatsDays, units []store.UnitCount) StatsYear {
	y = buildStatsMonths(y, nMonths, rows, days)
	y.Units, y.OpenTasks = statsUnits(units)
	return y
}

// buildStatsMonths lays out the months' tables and suppresses them.
func buildStatsMonths(y StatsYear, nMonths int, rows []store.StatsRow, days []store.StatsDays) StatsYear {
	type key struct {
		m          int
		dim, value string
	}
	byKey := map[key]store.StatsRow{}
	for _, r := range rows {
		m := int(r.Month.Month()) - 1
		if m >= nMonths {
			nMonths = m + 1 // figures of a month not yet counted as past: show them
		}
		byKey[key{m, r.Dimension, r.Value}] = r
	}
	hist := make([]map[int]int, nMonths)
	yearHist := map[int]int{}
	for i := range hist {
		hist[i] = map[int]int{}
	}
	for _, d := range days {
		if m := int(d.Month.Month()) - 1; m < nMonths {
			hist[m][d.Days] += d.N
			yearHist[d.Days] += d.N
		}
	}

	var sp Suppressor
	recv := make([]int, nMonths)
	ans := make([]int, nMonths)
	ok := make([]int, nMonths)
	late := make([]int, nMonths)
	sumRecv, sumAns, sumOnTime := 0, 0, 0
	for m := range nMonths {
		r := byKey[key{m, "all", ""}]
		recv[m], ans[m] = sp.Cell(r.Received), sp.Cell(r.Answered)
		// The on-time share shows the on-time and late counts behind it
		// (5 answers at 80 % is one late): they are cells of their own.
		ok[m], late[m] = sp.Unseen(r.OnTime), sp.Unseen(r.Answered-r.OnTime)
		sp.Group(ans[m], ok[m], late[m])
		sumRecv += r.Received
		sumAns += r.Answered
		sumOnTime += r.OnTime
	}
	totRecv, totAns := sp.Cell(sumRecv), sp.Cell(sumAns)
	totOK, totLate := sp.Unseen(sumOnTime), sp.Unseen(sumAns-sumOnTime)
	sp.Group(totRecv, recv...)
	sp.Group(totAns, ans...)
	sp.Group(totOK, ok...)
	sp.Group(totLate, late...)
	sp.Group(totAns, totOK, totLate)

	cells := make([][][]int, len(StatsDimensions))
	totals := make([][]int, len(StatsDimensions))
	for di, dim := range StatsDimensions {
		cells[di] = make([][]int, nMonths)
		colSum := make([]int, len(dim.Values))
		for m := range nMonths {
			cells[di][m] = make([]int, len(dim.Values))
			for vi, v := range dim.Values {
				n := byKey[key{m, dim.Name, v}].Received
				cells[di][m][vi] = sp.Cell(n)
				colSum[vi] += n
			}
			asked := 0
			for vi := range dim.Values {
				asked += byKey[key{m, dim.Name, dim.Values[vi]}].Received
			}
			if dim.Name == "right" && asked != byKey[key{m, "all", ""}].Received {
				// Some request asked for several rights: the month's
				// requests are no sum of them, only a floor.
				sp.Covers(recv[m], cells[di][m]...)
			} else {
				// Each asked for one (or the breakdown is a partition):
				// a reader who takes the rights as a partition, as most
				// months are, is right.
				sp.Group(recv[m], cells[di][m]...)
			}
		}
		totals[di] = make([]int, len(dim.Values))
		for vi := range dim.Values {
			totals[di][vi] = sp.Cell(colSum[vi])
			col := make([]int, nMonths)
			for m := range nMonths {
				col[m] = cells[di][m][vi]
			}
			sp.Group(totals[di][vi], col...)
		}
		if dim.Name != "right" {
			sp.Group(totRecv, totals[di]...)
		}
	}

	sp.Run()

	month := func(rc, an, okID, lateID int, h map[int]int) StatsMonth {
		out := StatsMonth{Received: sp.Get(rc), Answered: sp.Get(an)}
		a := out.Answered
		out.OnTimeHidden = a.Hidden || a.N < StatsMinCell || sp.Get(okID).Hidden || sp.Get(lateID).Hidden
		if !out.OnTimeHidden {
			out.OnTimePct = (sp.Get(okID).N*100 + a.N/2) / a.N
		}
		med, n, okm := MedianDays(h)
		out.MedianHidden = a.Hidden || !okm || n < StatsMinCell
		if !out.MedianHidden {
			out.MedianDays = med
		}
		return out
	}
	y.Months = make([]StatsMonth, nMonths)
	for m := range nMonths {
		y.Months[m] = month(recv[m], ans[m], ok[m], late[m], hist[m])
		y.Months[m].Month = time.Date(y.Year, time.Month(m+1), 1, 0, 0, 0, 0, time.UTC)
	}
	y.Total = month(totRecv, totAns, totOK, totLate, yearHist)
	for di, dim := range StatsDimensions {
		b := StatsBreakdown{StatsDimension: dim, Cells: make([][]StatsCell, nMonths), Totals: make([]StatsCell, len(dim.Values))}
		for m := range nMonths {
			b.Cells[m] = make([]StatsCell, len(dim.Values))
			for vi := range dim.Values {
				b.Cells[m][vi] = sp.Get(cells[di][m][vi])
			}
		}
		for vi := range dim.Values {
			b.Totals[vi] = sp.Get(totals[di][vi])
		}
		y.Breakdowns = append(y.Breakdowns, b)
	}
	return y
}

// statsUnits is the open tasks by unit and their total, suppressed on
// their own: they share no figure with the months' tables.
func statsUnits(units []store.UnitCount) ([]StatsUnit, StatsCell) {
	var sp Suppressor
	sum := 0
	ids := make([]int, len(units))
	for i, u := range units {
		ids[i] = sp.Cell(u.Open)
		sum += u.Open
	}
	total := sp.Cell(sum)
	sp.Group(total, ids...)
	sp.Run()
	out := make([]StatsUnit, len(units))
	for i, u := range units {
		out[i] = StatsUnit{Unit: u.Unit, Open: sp.Get(ids[i])}
	}
	return out, sp.Get(total)
}
