package workflow_test

import (
	"bytes"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rightsdesk/workflow"
)

// day parses "Fri 2025-01-31" (the legal.md table's notation) and fails the
// test if the weekday is wrong, so a typo in a table cannot go unnoticed.
func day(t testing.TB, s string) workflow.Date {
	t.Helper()
	wd, date, ok := strings.Cut(s, " ")
	if !ok {
		return workflow.MustParseDate(s)
	}
	d, err := workflow.ParseDate(date)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Weekday().String()[:3]; got != wd {
		t.Fatalf("%s is a %s, not %s", date, got, wd)
	}
	return d
}

// noonHelsinki is the receipt instant the worked examples assume.
func noonHelsinki(d workflow.Date) time.Time {
	return d.In(workflow.Helsinki()).Add(12 * time.Hour)
}

// TestComputeWorkedExamples is legal.md §2's table of worked examples
// (DL-1, DL-2, DL-3, DL-5, DL-7, DL-9, DL-11), each row under both settings of
// EvesNonWorking. Empty "eves" columns mean the same date either way.
func TestComputeWorkedExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		received, rawEnd    string
		legalDue, legalEves string
		safeTarget          string
		extendedDue         string
	}{
		{
			// DL-1: within one month of receipt, on an ordinary working day.
			name:     "DL-1_one_month_from_receipt",
			received: "Mon 2026-09-14", rawEnd: "Wed 2026-10-14", legalDue: "Wed 2026-10-14",
			safeTarget: "Wed 2026-10-14", extendedDue: "Mon 2026-12-14",
		},
		{
			name:     "DL-2_end_of_January_to_28_February",
			received: "Fri 2025-01-31", rawEnd: "Fri 2025-02-28", legalDue: "Fri 2025-02-28",
			safeTarget: "Fri 2025-02-28", extendedDue: "Wed 2025-04-30",
		},
		{
			name:     "DL-2_leap_year_29_February",
			received: "Wed 2024-01-31", rawEnd: "Thu 2024-02-29", legalDue: "Thu 2024-02-29",
			safeTarget: "Thu 2024-02-29", extendedDue: "Tue 2024-04-30",
		},
		{
			name:     "DL-3_Sunday_rolls_to_Monday",
			received: "Fri 2025-06-20", rawEnd: "Sun 2025-07-20", legalDue: "Mon 2025-07-21",
			safeTarget: "Fri 2025-07-18", extendedDue: "Mon 2025-09-22",
		},
		{
			name:     "DL-9_Midsummer_Eve",
			received: "Tue 2026-05-19", rawEnd: "Fri 2026-06-19",
			legalDue: "Fri 2026-06-19", legalEves: "Mon 2026-06-22",
			safeTarget: "Thu 2026-06-18", extendedDue: "Wed 2026-08-19",
		},
		{
			name:     "DL-9_Christmas_Eve",
			received: "Mon 2025-11-24", rawEnd: "Wed 2025-12-24",
			legalDue: "Wed 2025-12-24", legalEves: "Mon 2025-12-29",
			safeTarget: "Tue 2025-12-23", extendedDue: "Tue 2026-02-24",
		},
		{
			name:     "DL-10_Good_Friday_to_after_Easter_Monday",
			received: "Tue 2026-03-03", rawEnd: "Fri 2026-04-03", legalDue: "Tue 2026-04-07",
			safeTarget: "Thu 2026-04-02", extendedDue: "Wed 2026-06-03",
		},
		{
			name:     "DL-11_extended_due_on_New_Year_rolls",
			received: "Thu 2026-10-01", rawEnd: "Sun 2026-11-01", legalDue: "Mon 2026-11-02",
			safeTarget: "Fri 2026-10-30", extendedDue: "Mon 2027-01-04",
		},
	}
	for _, tt := range tests {
		for _, eves := range []bool{false, true} {
			name := tt.name
			if eves {
				name += "_EvesNonWorking"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				want := workflow.Deadlines{
					ReceivedDate: day(t, tt.received),
					RawEnd:       day(t, tt.rawEnd),
					LegalDue:     day(t, tt.legalDue),
					SafeTarget:   day(t, tt.safeTarget),
					ExtendedDue:  day(t, tt.extendedDue),
				}
				if eves && tt.legalEves != "" {
					want.LegalDue = day(t, tt.legalEves)
				}
				cal := workflow.Calendar{EvesNonWorking: eves}
				got := cal.Compute(noonHelsinki(want.ReceivedDate))
				// The FI-2 dates have their own test.
				got.DocumentRequestDue, got.DocumentRequestExtendedDue = workflow.Date{}, workflow.Date{}
				if got != want {
					t.Errorf("Compute(%s)\n got %+v\nwant %+v", tt.received, got, want)
				}
				if p := cal.PausedDue(noonHelsinki(want.ReceivedDate), 0); p != want.LegalDue {
					t.Errorf("DL-8: PausedDue(%s, 0) = %s, want legal_due %s", tt.received, p, want.LegalDue)
				}
			})
		}
	}
}

// TestDL4HelsinkiReceiptDate: the receipt date is the Helsinki local date,
// whatever zone the instant arrives in.
func TestDL4HelsinkiReceiptDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, instant, want string
	}{
		{"late_evening_local_winter", "2025-01-31T23:30:00+02:00", "2025-01-31"},
		{"same_instant_in_UTC", "2025-01-31T21:30:00Z", "2025-01-31"},
		{"past_local_midnight_winter", "2025-01-31T22:00:00Z", "2025-02-01"},
		{"late_evening_local_summer", "2025-06-30T20:59:59Z", "2025-06-30"},
		{"past_local_midnight_summer", "2025-06-30T21:00:00Z", "2025-07-01"},
		{"DST_start_night", "2025-03-30T00:59:59Z", "2025-03-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			instant, err := time.Parse(time.RFC3339, tt.instant)
			if err != nil {
				t.Fatal(err)
			}
			if got := workflow.HelsinkiDate(instant); got.String() != tt.want {
				t.Errorf("HelsinkiDate(%s) = %s, want %s", tt.instant, got, tt.want)
			}
			if got := workflow.HelsinkiDate(instant.UTC()); got.String() != tt.want {
				t.Errorf("HelsinkiDate(%s in UTC) = %s, want %s", tt.instant, got, tt.want)
			}
		})
	}

	t.Run("Compute_uses_local_date", func(t *testing.T) {
		t.Parallel()
		instant := time.Date(2025, time.January, 31, 21, 30, 0, 0, time.UTC)
		got := workflow.Calendar{}.Compute(instant)
		if got.ReceivedDate != day(t, "Fri 2025-01-31") || got.RawEnd != day(t, "Fri 2025-02-28") {
			t.Errorf("Compute(%s) = received %s, raw_end %s; want 2025-01-31, 2025-02-28",
				instant, got.ReceivedDate, got.RawEnd)
		}
	})
}

// TestDL10Easter checks the computed Easter against known dates.
func TestDL10Easter(t *testing.T) {
	t.Parallel()
	tests := map[int]string{
		1818: "1818-03-22", // earliest possible
		1943: "1943-04-25", // latest possible
		2000: "2000-04-23",
		2008: "2008-03-23",
		2019: "2019-04-21",
		2024: "2024-03-31",
		2025: "2025-04-20",
		2026: "2026-04-05",
		2027: "2027-03-28",
		2038: "2038-04-25",
		2285: "2285-03-22",
	}
	for year, want := range tests {
		if got := workflow.Easter(year); got.String() != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
		if got := workflow.Easter(year).Weekday(); got != time.Sunday {
			t.Errorf("Easter(%d) is a %s", year, got)
		}
	}
}

// TestDL10Holidays lists every public holiday of a year and checks that
// nothing else is one.
func TestDL10Holidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		year int
		want map[string]string // date -> name
	}{
		{2026, map[string]string{
			"2026-01-01": "New Year's Day",
			"2026-01-06": "Epiphany",
			"2026-04-03": "Good Friday",
			"2026-04-05": "Easter Sunday",
			"2026-04-06": "Easter Monday",
			"2026-05-01": "May Day",
			"2026-05-14": "Ascension Day",
			"2026-05-24": "Pentecost",
			"2026-06-20": "Midsummer Day",
			"2026-10-31": "All Saints' Day",
			"2026-12-06": "Independence Day",
			"2026-12-25": "Christmas Day",
			"2026-12-26": "St Stephen's Day",
		}},
		{2025, map[string]string{
			"2025-01-01": "New Year's Day",
			"2025-01-06": "Epiphany",
			"2025-04-18": "Good Friday",
			"2025-04-20": "Easter Sunday",
			"2025-04-21": "Easter Monday",
			"2025-05-01": "May Day",
			"2025-05-29": "Ascension Day",
			"2025-06-08": "Pentecost",
			"2025-06-21": "Midsummer Day",
			"2025-11-01": "All Saints' Day",
			"2025-12-06": "Independence Day",
			"2025-12-25": "Christmas Day",
			"2025-12-26": "St Stephen's Day",
		}},
		// Ascension Day falls on May Day: one day, named once.
		{2008, map[string]string{
			"2008-01-01": "New Year's Day",
			"2008-01-06": "Epiphany",
			"2008-03-21": "Good Friday",
			"2008-03-23": "Easter Sunday",
			"2008-03-24": "Easter Monday",
			"2008-05-01": "May Day",
			"2008-05-11": "Pentecost",
			"2008-06-21": "Midsummer Day",
			"2008-11-01": "All Saints' Day",
			"2008-12-06": "Independence Day",
			"2008-12-25": "Christmas Day",
			"2008-12-26": "St Stephen's Day",
		}},
	}
	var cal workflow.Calendar
	for _, tt := range tests {
		got := map[string]string{}
		for d := workflow.NewDate(tt.year, 1, 1); d.Year == tt.year; d = d.AddDays(1) {
			if ok, name := cal.IsHoliday(d); ok {
				got[d.String()] = name
			}
		}
		if len(got) != len(tt.want) {
			t.Errorf("%d: %d holidays, want %d: %v", tt.year, len(got), len(tt.want), got)
		}
		for date, name := range tt.want {
			if got[date] != name {
				t.Errorf("%d: IsHoliday(%s) = %q, want %q", tt.year, date, got[date], name)
			}
		}
	}
}

func TestDL9Eves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date string
		want string
	}{
		{"Fri 2026-06-19", "Midsummer Eve"},
		{"Fri 2025-06-20", "Midsummer Eve"},
		{"Fri 2021-06-25", "Midsummer Eve"},
		{"Fri 2020-06-19", "Midsummer Eve"},
		{"Fri 2026-06-26", ""}, // the Friday after Midsummer Day
		{"Fri 2026-06-12", ""},
		{"Thu 2026-12-24", "Christmas Eve"},
		{"Sat 2022-12-24", "Christmas Eve"},
		{"Wed 2025-12-31", ""},
	}
	for _, tt := range tests {
		ok, name := workflow.Calendar{}.IsEve(day(t, tt.date))
		if ok != (tt.want != "") || name != tt.want {
			t.Errorf("IsEve(%s) = %v, %q; want %q", tt.date, ok, name, tt.want)
		}
		if ok, _ := (workflow.Calendar{}).IsHoliday(day(t, tt.date)); ok && tt.want != "" {
			t.Errorf("IsHoliday(%s) = true: eves are not public holidays", tt.date)
		}
	}

	// DL-9: the setting decides whether a weekday eve is worked.
	eve := day(t, "Thu 2026-12-24")
	if !(workflow.Calendar{}).IsWorkingDay(eve) {
		t.Errorf("default calendar: %s should be a working day", eve)
	}
	if (workflow.Calendar{EvesNonWorking: true}).IsWorkingDay(eve) {
		t.Errorf("EvesNonWorking: %s should not be a working day", eve)
	}
}

// TestFI2DocumentRequests: Act 150/1930 dates, worked out by hand. The eves
// are closed here under both settings.
func TestFI2DocumentRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, received string
		due, extended  string
	}{
		// +14 = Tue 17 Mar; +1 month = Good Friday 3 Apr -> Easter -> Tue 7 Apr.
		{"FI-2_plain_and_Easter", "Tue 2026-03-03", "Tue 2026-03-17", "Tue 2026-04-07"},
		// +14 = Fri 25 Dec, Sat 26 Dec, Sun 27 -> Mon 28; +1 month = Mon 11 Jan.
		{"FI-2_Christmas_Day", "Fri 2026-12-11", "Mon 2026-12-28", "Mon 2027-01-11"},
		// +14 = Christmas Eve Thu 24 Dec, then 25, 26, 27 -> Mon 28;
		// +1 month = Sun 10 Jan -> Mon 11 Jan.
		{"FI-2_Christmas_Eve", "Thu 2026-12-10", "Mon 2026-12-28", "Mon 2027-01-11"},
		// +14 = Midsummer Eve Fri 19 Jun, Midsummer Day, Sunday -> Mon 22;
		// +1 month = Sun 5 Jul -> Mon 6 Jul.
		{"FI-2_Midsummer_Eve", "Fri 2026-06-05", "Mon 2026-06-22", "Mon 2026-07-06"},
		// +14 = Tue 2 Jun; +1 month = Midsummer Eve Fri 19 Jun -> Mon 22,
		// where legal_due (default setting) stays on the eve.
		{"FI-2_month_on_Midsummer_Eve", "Tue 2026-05-19", "Tue 2026-06-02", "Mon 2026-06-22"},
		// +14 = May Day Fri 1 May -> Mon 4; +1 month = Sun 17 May -> Mon 18.
		{"FI-2_May_Day", "Fri 2026-04-17", "Mon 2026-05-04", "Mon 2026-05-18"},
		// +14 = Independence Day Mon 6 Dec -> Tue 7; +1 month = Wed 22 Dec.
		{"FI-2_Independence_Day", "Mon 2027-11-22", "Tue 2027-12-07", "Wed 2027-12-22"},
		// +14 = Fri 14 Feb; +1 month = the month's last day, Fri 28 Feb.
		{"FI-2_month_end", "Fri 2025-01-31", "Fri 2025-02-14", "Fri 2025-02-28"},
		// Received on a Saturday: +14 = Sat 7 Feb -> Mon 9; +1 month = Tue 24 Feb.
		{"FI-2_weekend", "Sat 2026-01-24", "Mon 2026-02-09", "Tue 2026-02-24"},
	}
	for _, tt := range tests {
		for _, eves := range []bool{false, true} {
			name := tt.name
			if eves {
				name += "_EvesNonWorking"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				got := workflow.Calendar{EvesNonWorking: eves}.ComputeDate(day(t, tt.received))
				if want := day(t, tt.due); got.DocumentRequestDue != want {
					t.Errorf("EvesNonWorking=%v: document_request_due = %s, want %s", eves, got.DocumentRequestDue, want)
				}
				if want := day(t, tt.extended); got.DocumentRequestExtendedDue != want {
					t.Errorf("EvesNonWorking=%v: document_request_extended_due = %s, want %s", eves, got.DocumentRequestExtendedDue, want)
				}
			})
		}
	}
}

func TestDL8PausedDue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		received string
		paused   int
		eves     bool
		want     string
	}{
		{"DL-8_no_pause", "Fri 2025-01-31", 0, false, "Fri 2025-02-28"},
		// Receipt moves to Sat 1 Feb; 1 Mar is a Saturday -> Mon 3 Mar.
		{"DL-8_one_day_crosses_month_end", "Fri 2025-01-31", 1, false, "Mon 2025-03-03"},
		{"DL-8_ten_days", "Fri 2025-01-31", 10, false, "Mon 2025-03-10"},
		// Receipt moves to Wed 31 Jan 2024 -> leap-year 29 Feb.
		{"DL-8_lands_on_leap_day", "Mon 2024-01-29", 2, false, "Thu 2024-02-29"},
		// Receipt moves to Thu 27 Nov; Sat 27 Dec, Sun -> Mon 29 Dec.
		{"DL-8_DL-3_rolls_over_weekend", "Mon 2025-11-24", 3, false, "Mon 2025-12-29"},
		{"DL-11_paused_on_eve_default", "Mon 2026-05-18", 1, false, "Fri 2026-06-19"},
		{"DL-11_paused_on_eve_EvesNonWorking", "Mon 2026-05-18", 1, true, "Mon 2026-06-22"},
		{"DL-8_negative_counts_as_zero", "Fri 2025-01-31", -5, false, "Fri 2025-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cal := workflow.Calendar{EvesNonWorking: tt.eves}
			received := day(t, tt.received)
			want := day(t, tt.want)
			if got := cal.PausedDueDate(received, tt.paused); got != want {
				t.Errorf("PausedDueDate(%s, %d) = %s, want %s", received, tt.paused, got, want)
			}
			if got := cal.PausedDue(noonHelsinki(received), tt.paused); got != want {
				t.Errorf("PausedDue(%s, %d) = %s, want %s", received, tt.paused, got, want)
			}
		})
	}
}

func TestDL11CanExtendAndEffectiveDue(t *testing.T) {
	t.Parallel()
	d := workflow.Calendar{}.ComputeDate(day(t, "Fri 2025-06-20")) // legal_due Mon 2025-07-21
	tests := []struct {
		today string
		want  bool
	}{
		{"Fri 2025-06-20", true},
		{"Sun 2025-07-20", true}, // raw_end: still in time
		{"Mon 2025-07-21", true}, // legal_due inclusive
		{"Tue 2025-07-22", false},
		{"Mon 2025-09-22", false},
	}
	for _, tt := range tests {
		if got := d.CanExtend(day(t, tt.today)); got != tt.want {
			t.Errorf("CanExtend(%s) = %v, want %v (legal_due %s)", tt.today, got, tt.want, d.LegalDue)
		}
	}
	if got := d.EffectiveDue(false); got != d.LegalDue {
		t.Errorf("EffectiveDue(false) = %s, want legal_due %s", got, d.LegalDue)
	}
	if got := d.EffectiveDue(true); got != d.ExtendedDue {
		t.Errorf("EffectiveDue(true) = %s, want extended_due %s", got, d.ExtendedDue)
	}
}

func TestWorkingDays(t *testing.T) {
	t.Parallel()
	var cal workflow.Calendar
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"zero_is_same_day", "Thu 2026-04-02", 0, "Thu 2026-04-02"},
		{"three_before_safe_target", "Thu 2026-04-02", 3, "Mon 2026-03-30"},
		{"over_Easter", "Tue 2026-04-07", 1, "Thu 2026-04-02"},
		{"from_a_Sunday", "Sun 2026-03-08", 1, "Fri 2026-03-06"},
		{"over_Christmas", "Mon 2025-12-29", 2, "Tue 2025-12-23"},
	}
	for _, tt := range tests {
		from, want := day(t, tt.from), day(t, tt.want)
		if got := cal.WorkingDaysBefore(from, tt.n); got != want {
			t.Errorf("%s: WorkingDaysBefore(%s, %d) = %s, want %s", tt.name, from, tt.n, got, want)
		}
		if got := cal.WorkingDaysBetween(want, from); got != tt.n {
			t.Errorf("%s: WorkingDaysBetween(%s, %s) = %d, want %d", tt.name, want, from, got, tt.n)
		}
		if got := cal.WorkingDaysBetween(from, want); got != -tt.n {
			t.Errorf("%s: WorkingDaysBetween(%s, %s) = %d, want %d", tt.name, from, want, got, -tt.n)
		}
	}
	if got, want := cal.NextWorkingDay(day(t, "Thu 2026-04-02")), day(t, "Tue 2026-04-07"); got != want {
		t.Errorf("NextWorkingDay(2026-04-02) = %s, want %s", got, want)
	}
	if got, want := cal.NextWorkingDay(day(t, "Mon 2026-03-02")), day(t, "Tue 2026-03-03"); got != want {
		t.Errorf("NextWorkingDay(2026-03-02) = %s, want %s", got, want)
	}
}

// TestDeadlineProperties checks the invariants of DL-2..DL-11 and FI-2 for
// every receipt date 2000-01-01..2100-12-31 under both settings.
func TestDeadlineProperties(t *testing.T) {
	t.Parallel()
	for _, eves := range []bool{false, true} {
		name := "default"
		if eves {
			name = "EvesNonWorking"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cal := workflow.Calendar{EvesNonWorking: eves}
			strict := workflow.Calendar{EvesNonWorking: true}
			last := workflow.NewDate(2100, 12, 31)
			for r := workflow.NewDate(2000, 1, 1); !r.After(last); r = r.AddDays(1) {
				d := cal.ComputeDate(r)
				fail := func(format string, args ...any) {
					t.Helper()
					t.Fatalf("received %s: "+format, append([]any{r}, args...)...)
				}
				if n := d.RawEnd.DaysSince(r); n < 28 || n > 31 {
					fail("DL-2: raw_end %s is %d days on", d.RawEnd, n)
				}
				if d.RawEnd.Day != r.Day && d.RawEnd.AddDays(1).Day != 1 {
					fail("DL-2: raw_end %s is neither the same day nor a month end", d.RawEnd)
				}
				if d.LegalDue.Before(d.RawEnd) || !cal.IsWorkingDay(d.LegalDue) {
					fail("DL-3: legal_due %s before raw_end %s or not a working day", d.LegalDue, d.RawEnd)
				}
				for x := d.RawEnd.AddDays(1); x.Before(d.LegalDue); x = x.AddDays(1) {
					if cal.IsWorkingDay(x) {
						fail("DL-3: working day %s between raw_end %s and legal_due %s", x, d.RawEnd, d.LegalDue)
					}
				}
				if d.SafeTarget.After(d.RawEnd) || !strict.IsWorkingDay(d.SafeTarget) {
					fail("DL-7: safe_target %s after raw_end %s or not a working day", d.SafeTarget, d.RawEnd)
				}
				if ok, _ := cal.IsEve(d.SafeTarget); ok {
					fail("DL-7: safe_target %s is an eve", d.SafeTarget)
				}
				if d.ExtendedDue.Before(d.LegalDue) || !cal.IsWorkingDay(d.ExtendedDue) {
					fail("DL-5: extended_due %s before legal_due %s or not a working day", d.ExtendedDue, d.LegalDue)
				}
				if !d.CanExtend(d.LegalDue) || d.CanExtend(d.LegalDue.AddDays(1)) {
					fail("DL-11: CanExtend must hold up to legal_due %s inclusive only", d.LegalDue)
				}
				if p := cal.PausedDueDate(r, 0); p != d.LegalDue {
					fail("DL-8: unpaused due %s != legal_due %s", p, d.LegalDue)
				}
				if p := cal.PausedDueDate(r, 7); p.Before(d.LegalDue) {
					fail("DL-8: paused due %s before legal_due %s", p, d.LegalDue)
				}
				if d.DocumentRequestDue.Before(r.AddDays(14)) || !strict.IsWorkingDay(d.DocumentRequestDue) {
					fail("FI-2: document_request_due %s", d.DocumentRequestDue)
				}
				if d.DocumentRequestExtendedDue.Before(d.RawEnd) || !strict.IsWorkingDay(d.DocumentRequestExtendedDue) {
					fail("FI-2: document_request_extended_due %s", d.DocumentRequestExtendedDue)
				}
				n := r.Day % 11 // vary the reminder distance cheaply
				if got := cal.WorkingDaysBetween(cal.WorkingDaysBefore(r, n), r); got != n {
					fail("WorkingDaysBetween(WorkingDaysBefore(r, %d), r) = %d", n, got)
				}
			}
		})
	}
}

func TestDeadlinesWriteText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	d := workflow.Calendar{}.ComputeDate(day(t, "Tue 2026-03-03"))
	if err := d.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	want := `received_date                  2026-03-03 (Tue)
raw_end                        2026-04-03 (Fri)
legal_due                      2026-04-07 (Tue)
safe_target                    2026-04-02 (Thu)
extended_due                   2026-06-03 (Wed)
document_request_due           2026-03-17 (Tue)
document_request_extended_due  2026-04-07 (Tue)
`
	if got := buf.String(); got != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", got, want)
	}
}

func TestDeadlinesJSON(t *testing.T) {
	t.Parallel()
	d := workflow.Calendar{}.ComputeDate(day(t, "Tue 2026-03-03"))
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"received_date":"2026-03-03","raw_end":"2026-04-03","legal_due":"2026-04-07",` +
		`"safe_target":"2026-04-02","extended_due":"2026-06-03","document_request_due":"2026-03-17",` +
		`"document_request_extended_due":"2026-04-07"}`
	if string(b) != want {
		t.Errorf("json.Marshal = %s\nwant %s", b, want)
	}
	var back workflow.Deadlines
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != d {
		t.Errorf("round trip = %+v, want %+v", back, d)
	}
}

func TestDate(t *testing.T) {
	t.Parallel()

	t.Run("ParseDate", func(t *testing.T) {
		t.Parallel()
		for _, bad := range []string{"", "2025-02-29", "2025-2-01", "2025-13-01", "01.02.2025", "2025-01-01T00:00:00Z"} {
			if d, err := workflow.ParseDate(bad); err == nil {
				t.Errorf("ParseDate(%q) = %s, want error", bad, d)
			}
		}
		if d, err := workflow.ParseDate("2024-02-29"); err != nil || d != (workflow.Date{Year: 2024, Month: time.February, Day: 29}) {
			t.Errorf("ParseDate(2024-02-29) = %v, %v", d, err)
		}
	})

	t.Run("AddMonths_DL-2", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			from string
			n    int
			want string
		}{
			{"2025-01-31", 1, "2025-02-28"},
			{"2024-01-31", 1, "2024-02-29"},
			{"2025-03-31", 1, "2025-04-30"},
			{"2025-01-31", 3, "2025-04-30"},
			{"2025-11-30", 3, "2026-02-28"},
			{"2025-12-15", 1, "2026-01-15"},
			{"2025-03-31", -1, "2025-02-28"},
			{"2025-01-15", 12, "2026-01-15"},
		}
		for _, tt := range tests {
			if got := workflow.MustParseDate(tt.from).AddMonths(tt.n); got.String() != tt.want {
				t.Errorf("%s.AddMonths(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		}
	})

	t.Run("arithmetic_and_order", func(t *testing.T) {
		t.Parallel()
		a, b := workflow.MustParseDate("2024-02-28"), workflow.MustParseDate("2024-03-01")
		if got := a.AddDays(2); got != b {
			t.Errorf("AddDays(2) = %s, want %s", got, b)
		}
		if got := b.DaysSince(a); got != 2 {
			t.Errorf("DaysSince = %d, want 2", got)
		}
		if got := workflow.MustParseDate("2100-01-01").DaysSince(workflow.MustParseDate("1700-01-01")); got != 146097 {
			t.Errorf("DaysSince over 400 years = %d, want 146097", got)
		}
		if !a.Before(b) || a.After(b) || !b.After(a) || a.Compare(a) != 0 || a.Compare(b) != -1 || b.Compare(a) != 1 {
			t.Errorf("ordering of %s and %s is wrong", a, b)
		}
		if got := workflow.NewDate(2025, 2, 29); got.String() != "2025-03-01" {
			t.Errorf("NewDate(2025, 2, 29) = %s, want normalised 2025-03-01", got)
		}
		if (workflow.Date{Year: 2025, Month: 2, Day: 29}).IsValid() || !a.IsValid() {
			t.Errorf("IsValid is wrong")
		}
		if got := a.In(workflow.Helsinki()); got.Format(time.RFC3339) != "2024-02-28T00:00:00+02:00" {
			t.Errorf("In(Helsinki) = %s", got.Format(time.RFC3339))
		}
	})

	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		type doc struct {
			D workflow.Date  `json:"d"`
			Z workflow.Date  `json:"z"`
			P *workflow.Date `json:"p"`
		}
		b, err := json.Marshal(doc{D: workflow.MustParseDate("2026-03-03")})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"d":"2026-03-03","z":null,"p":null}`; string(b) != want {
			t.Errorf("Marshal = %s, want %s", b, want)
		}
		var got doc
		if err := json.Unmarshal([]byte(`{"d":"2026-03-03","z":null,"p":"2024-02-29"}`), &got); err != nil {
			t.Fatal(err)
		}
		if got.D.String() != "2026-03-03" || !got.Z.IsZero() || got.P == nil || got.P.String() != "2024-02-29" {
			t.Errorf("Unmarshal = %+v", got)
		}
		for _, bad := range []string{`{"d":"2026-02-30"}`, `{"d":20260303}`, `{"d":"2026-03-03T00:00:00Z"}`} {
			if err := json.Unmarshal([]byte(bad), &got); err == nil {
				t.Errorf("Unmarshal(%s) succeeded, want error", bad)
			}
		}
	})

	t.Run("SQL", func(t *testing.T) {
		t.Parallel()
		var (
			_ driver.Valuer = workflow.Date{}
			_ sql.Scanner   = (*workflow.Date)(nil)
		)
		want := workflow.MustParseDate("2026-03-03")
		v, err := want.Value()
		if err != nil {
			t.Fatal(err)
		}
		if tv, ok := v.(time.Time); !ok || !tv.Equal(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Value() = %#v, want midnight UTC 2026-03-03", v)
		}
		if v, err := (workflow.Date{}).Value(); v != nil || err != nil {
			t.Errorf("zero Value() = %v, %v; want NULL", v, err)
		}
		if _, err := (workflow.Date{Year: 2025, Month: 2, Day: 30}).Value(); err == nil {
			t.Errorf("invalid date Value() succeeded")
		}
		sources := []any{
			time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), // what pgx returns for date
			time.Date(2026, 3, 3, 0, 0, 0, 0, workflow.Helsinki()),
			"2026-03-03",
			[]byte("2026-03-03"),
		}
		for _, src := range sources {
			var got workflow.Date
			if err := got.Scan(src); err != nil || got != want {
				t.Errorf("Scan(%#v) = %s, %v; want %s", src, got, err, want)
			}
		}
		got := want
		if err := got.Scan(nil); err != nil || !got.IsZero() {
			t.Errorf("Scan(nil) = %s, %v; want zero", got, err)
		}
		if err := got.Scan(int64(20260303)); err == nil {
			t.Errorf("Scan(int64) succeeded")
		}
	})
}
