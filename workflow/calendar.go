package workflow

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	// DL-4 needs Europe/Helsinki even in a scratch or distroless image that
	// has no system zoneinfo; embedding it here covers the binary and tests.
	_ "time/tzdata"
)

// Date is a civil (calendar) date with no time of day and no zone. Deadlines
// are dates in law (DL-2), so they are never stored as instants that could
// shift a day when formatted in another zone.
//
// The zero Date means "no date": it marshals to JSON null and SQL NULL.
// Values built with a composite literal should be valid (see IsValid);
// NewDate, ParseDate and the arithmetic methods always return valid dates.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d, normalising out-of-range values the way
// time.Date does (NewDate(2025, 2, 29) is 2025-03-01).
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// DateOf returns the date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

var helsinki = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		// Unreachable: time/tzdata is embedded above.
		panic("workflow: loading Europe/Helsinki: " + err.Error())
	}
	return loc
})

// Helsinki returns the Europe/Helsinki location, the zone in which receipt
// dates are taken (DL-4).
func Helsinki() *time.Location { return helsinki() }

// HelsinkiDate returns the Europe/Helsinki local date of t (DL-4): a request
// arriving at 23:30 local time on the 31st is received on the 31st, even
// though it is still the 31st at 21:30 UTC.
func HelsinkiDate(t time.Time) Date {
	return DateOf(t.In(helsinki()))
}

// ParseDate parses a date in the form "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parsing date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// MustParseDate is like ParseDate but panics on error. It is meant for
// constants and tests.
func MustParseDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// utc is the date's midnight in UTC: UTC has no DST, so day arithmetic on it
// never skips or repeats a day.
func (d Date) utc() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// In returns the start of the date (midnight) in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == Date{} }

// IsValid reports whether d names a real day (not 2025-02-30).
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// String returns the date as "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns d plus n calendar days (n may be negative).
func (d Date) AddDays(n int) Date { return DateOf(d.utc().AddDate(0, 0, n)) }

// AddMonths returns the same-numbered day n months later, or the last day of
// that month when it is shorter (DL-2, Regulation 1182/71 art 3(2)(c)).
// time.AddDate would instead overflow 31 January into 3 March.
func (d Date) AddMonths(n int) Date {
	first := time.Date(d.Year, d.Month+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	y, m := first.Year(), first.Month()
	return Date{Year: y, Month: m, Day: min(d.Day, daysIn(y, m))}
}

// DaysSince returns the number of days from e to d (negative if d is
// before e).
func (d Date) DaysSince(e Date) int {
	// Unix seconds rather than time.Duration, which overflows after 292 years.
	return int((d.utc().Unix() - e.utc().Unix()) / (24 * 60 * 60))
}

// Compare returns -1 if d is before e, 0 if they are equal, +1 if after.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(int(d.Month), int(e.Month))
	default:
		return cmpInt(d.Day, e.Day)
	}
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// MarshalText implements encoding.TextMarshaler; the zero Date is "".
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	if !d.IsValid() {
		return nil, fmt.Errorf("marshalling invalid date %s", d)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; "" is the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON encodes d as "YYYY-MM-DD", and the zero Date as null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	b, err := d.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes "YYYY-MM-DD", and "" as the zero Date; null leaves
// d unchanged, as encoding/json does for its own types.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("decoding date: want a JSON string: %w", err)
	}
	return d.UnmarshalText([]byte(s))
}

// Value implements driver.Valuer for PostgreSQL date columns: midnight UTC,
// whose Y-M-D drivers (pgx, lib/pq) send unchanged. The zero Date is NULL.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	if !d.IsValid() {
		return nil, fmt.Errorf("storing invalid date %s", d)
	}
	return d.utc(), nil
}

// Scan implements sql.Scanner. pgx delivers a date column as a time.Time at
// midnight UTC; its Y-M-D is taken in its own location so that a driver
// using another zone cannot shift the day. NULL scans as the zero Date.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = DateOf(v)
	case string:
		return d.UnmarshalText([]byte(v))
	case []byte:
		return d.UnmarshalText(v)
	default:
		return fmt.Errorf("scanning date: unsupported type %T", src)
	}
	return nil
}

// Calendar decides which days are working days in Finland. The zero value
// is the default setting (eves are working days for legal_due, DL-9).
type Calendar struct {
	// EvesNonWorking makes Midsummer Eve and Christmas Eve non-working days
	// for legal_due, extended_due and paused due dates (DL-9, DL-11): they
	// are not public holidays, but many offices are closed.
	EvesNonWorking bool
}

// evesClosed is c with eves non-working, as safe_target (DL-7) and Openness
// Act deadlines (FI-2) always require, whatever the setting says.
func (c Calendar) evesClosed() Calendar {
	c.EvesNonWorking = true
	return c
}

// Easter returns Gregorian Easter Sunday of year, by the anonymous Gregorian
// (Meeus/Jones/Butcher) algorithm, so that DL-10 holidays are computed for
// any year rather than typed in by hand.
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{Year: year, Month: time.Month(month), Day: day}
}

// IsHoliday reports whether d is a Finnish public holiday (DL-10) and names
// it. Eves are not holidays (see IsEve). When two holidays coincide (Ascension
// Day on May Day, as in 2008), the fixed one is named.
func (Calendar) IsHoliday(d Date) (bool, string) {
	switch {
	case d.Month == time.January && d.Day == 1:
		return true, "New Year's Day"
	case d.Month == time.January && d.Day == 6:
		return true, "Epiphany"
	case d.Month == time.May && d.Day == 1:
		return true, "May Day"
	case d.Month == time.December && d.Day == 6:
		return true, "Independence Day"
	case d.Month == time.December && d.Day == 25:
		return true, "Christmas Day"
	case d.Month == time.December && d.Day == 26:
		return true, "St Stephen's Day"
	case d.Month == time.June && d.Day >= 20 && d.Day <= 26 && d.Weekday() == time.Saturday:
		return true, "Midsummer Day"
	case isAllSaintsDay(d):
		return true, "All Saints' Day"
	}
	// Easter-based holidays fall between 20 March (Good Friday) and 13 June
	// (latest Pentecost); skip the arithmetic outside that window.
	if d.Month < time.March || d.Month > time.June {
		return false, ""
	}
	switch d.DaysSince(Easter(d.Year)) {
	case -2:
		return true, "Good Friday"
	case 0:
		return true, "Easter Sunday"
	case 1:
		return true, "Easter Monday"
	case 39:
		return true, "Ascension Day"
	case 49:
		return true, "Pentecost"
	}
	return false, ""
}

// isAllSaintsDay: the Saturday between 31 October and 6 November (DL-10).
func isAllSaintsDay(d Date) bool {
	if d.Weekday() != time.Saturday {
		return false
	}
	return (d.Month == time.October && d.Day == 31) ||
		(d.Month == time.November && d.Day <= 6)
}

// IsEve reports whether d is Midsummer Eve (the Friday 19-25 June) or
// Christmas Eve (24 December), and names it (DL-9).
func (Calendar) IsEve(d Date) (bool, string) {
	switch {
	case d.Month == time.December && d.Day == 24:
		return true, "Christmas Eve"
	case d.Month == time.June && d.Day >= 19 && d.Day <= 25 && d.Weekday() == time.Friday:
		return true, "Midsummer Eve"
	}
	return false, ""
}

// IsWorkingDay reports whether d is a working day: not a Saturday, Sunday or
// public holiday (DL-3), nor an eve when EvesNonWorking is set (DL-9).
func (c Calendar) IsWorkingDay(d Date) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if ok, _ := c.IsHoliday(d); ok {
		return false
	}
	if c.EvesNonWorking {
		if ok, _ := c.IsEve(d); ok {
			return false
		}
	}
	return true
}

// RollForward returns d if it is a working day, else the next working day
// after it: how a deadline falling on a closed day moves (DL-3).
func (c Calendar) RollForward(d Date) Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// RollBack returns d if it is a working day, else the last working day
// before it (DL-7 safe_target).
func (c Calendar) RollBack(d Date) Date {
	for !c.IsWorkingDay(d) {
		d = d.AddDays(-1)
	}
	return d
}

// NextWorkingDay returns the first working day strictly after d.
func (c Calendar) NextWorkingDay(d Date) Date {
	return c.RollForward(d.AddDays(1))
}

// WorkingDaysBefore returns the working day n working days before d, counting
// only days strictly before d: with d a Monday and no holidays, n = 1 is the
// Friday before. It places reminders ("3 working days before safe_target").
// n <= 0 returns d unchanged.
func (c Calendar) WorkingDaysBefore(d Date, n int) Date {
	for ; n > 0; n-- {
		d = c.RollBack(d.AddDays(-1))
	}
	return d
}

// WorkingDaysBetween counts the working days in the half-open range [a, b),
// negated when b is before a. For any d and n >= 0,
// WorkingDaysBetween(WorkingDaysBefore(d, n), d) == n.
func (c Calendar) WorkingDaysBetween(a, b Date) int {
	if b.Before(a) {
		return -c.WorkingDaysBetween(b, a)
	}
	n := 0
	for ; a.Before(b); a = a.AddDays(1) {
		if c.IsWorkingDay(a) {
			n++
		}
	}
	return n
}
