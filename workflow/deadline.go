package workflow

import (
	"fmt"
	"io"
	"time"
)

// Deadlines are the dates that follow from a request's receipt (legal.md §2).
// All are rolled, stored values: callers never re-derive them from RawEnd.
type Deadlines struct {
	// ReceivedDate is the Europe/Helsinki date of receipt (DL-4).
	ReceivedDate Date `json:"received_date"`
	// RawEnd is receipt + 1 month under Regulation 1182/71 (DL-2).
	RawEnd Date `json:"raw_end"`
	// LegalDue is RawEnd rolled forward to a working day (DL-3, DL-9).
	LegalDue Date `json:"legal_due"`
	// SafeTarget is the last working day on or before RawEnd, eves always
	// closed (DL-7): the internal goal dashboards warn from.
	SafeTarget Date `json:"safe_target"`
	// ExtendedDue is receipt + 3 months, rolled like LegalDue (DL-5, DL-11).
	// It applies only once an extension is decided; see EffectiveDue.
	ExtendedDue Date `json:"extended_due"`
	// DocumentRequestDue is receipt + 14 days under Act 150/1930 (FI-2).
	DocumentRequestDue Date `json:"document_request_due"`
	// DocumentRequestExtendedDue is receipt + 1 month under Act 150/1930
	// (FI-2), for large or hard document requests.
	DocumentRequestExtendedDue Date `json:"document_request_extended_due"`
}

// Compute returns the deadlines for a request received at the instant
// received, whose date is taken in Europe/Helsinki (DL-4).
func (c Calendar) Compute(received time.Time) Deadlines {
	return c.ComputeDate(HelsinkiDate(received))
}

// ComputeDate returns the deadlines for a request received on the date
// received, e.g. the date stamped on a paper letter.
func (c Calendar) ComputeDate(received Date) Deadlines {
	// DL-2: the day of receipt is not counted and a month ends on the
	// same-numbered day, so receipt + 1 calendar month (clamped) is the end.
	raw := received.AddMonths(1)
	strict := c.evesClosed()
	return Deadlines{
		ReceivedDate: received,
		RawEnd:       raw,
		LegalDue:     c.RollForward(raw),                   // DL-3, DL-9
		SafeTarget:   strict.RollBack(raw),                 // DL-7: eves always closed
		ExtendedDue:  c.RollForward(received.AddMonths(3)), // DL-5, DL-11
		// FI-2: Act 150/1930 also skips the day of receipt; 2 weeks is 14
		// days, and its month lands on the same date as DL-2's. A last day
		// on a weekend, holiday or eve moves on, whatever EvesNonWorking says.
		DocumentRequestDue:         strict.RollForward(received.AddDays(14)),
		DocumentRequestExtendedDue: strict.RollForward(raw),
	}
}

// PausedDue returns the due date of a request received at received whose
// case was paused for pausedDays calendar days in total (DL-8): the receipt
// date moves forward by the pause, then DL-2 and DL-3 apply, honouring
// EvesNonWorking (DL-11). It is shown beside LegalDue, never instead of it.
// A negative pausedDays counts as 0: a pause never shortens the period.
func (c Calendar) PausedDue(received time.Time, pausedDays int) Date {
	return c.PausedDueDate(HelsinkiDate(received), pausedDays)
}

// PausedDueDate is PausedDue for a receipt date.
func (c Calendar) PausedDueDate(received Date, pausedDays int) Date {
	return c.RollForward(received.AddDays(max(pausedDays, 0)).AddMonths(1))
}

// CanExtend reports whether an extension may still be decided on today: up
// to and including LegalDue (DL-11), since the person must be told within
// the first month (DL-5).
func (d Deadlines) CanExtend(today Date) bool {
	return !today.After(d.LegalDue)
}

// EffectiveDue is the date dashboards sort by and reminders count back from:
// ExtendedDue once extended, else LegalDue (DL-11).
func (d Deadlines) EffectiveDue(extended bool) Date {
	if extended {
		return d.ExtendedDue
	}
	return d.LegalDue
}

// WriteText writes one aligned "name  date (Day)" line per deadline, named by
// its JSON key, for the CLI.
func (d Deadlines) WriteText(w io.Writer) error {
	rows := []struct {
		name string
		date Date
	}{
		{"received_date", d.ReceivedDate},
		{"raw_end", d.RawEnd},
		{"legal_due", d.LegalDue},
		{"safe_target", d.SafeTarget},
		{"extended_due", d.ExtendedDue},
		{"document_request_due", d.DocumentRequestDue},
		{"document_request_extended_due", d.DocumentRequestExtendedDue},
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.name))
	}
	for _, r := range rows {
		value := "-"
		if !r.date.IsZero() {
			value = fmt.Sprintf("%s (%.3s)", r.date, r.date.Weekday())
		}
		if _, err := fmt.Fprintf(w, "%-*s  %s\n", width, r.name, value); err != nil {
			return err
		}
	}
	return nil
}
