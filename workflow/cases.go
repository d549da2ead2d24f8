package workflow

import (
	"context"
	"fmt"
	"time"

	"rightsdesk/internal/store"
)

// Actor names who did something, for the audit trail: "resident",
// "system", "staff:<id>", "owner:<task id>".
type Actor string

const (
	ActorResident Actor = "resident"
	ActorSystem   Actor = "system"
)

// StaffActor is the actor of a signed-in staff member.
func StaffActor(userID int64) Actor { return Actor(fmt.Sprintf("staff:%d", userID)) }

// OwnerActor is the actor of a register owner answering through a link.
func OwnerActor(taskID int64) Actor { return Actor(fmt.Sprintf("owner:%d", taskID)) }

// dateOf converts a PostgreSQL date (midnight UTC) to a Date.
func dateOf(t time.Time) Date { return DateOf(t.UTC()) }

func datePtr(t *time.Time) Date {
	if t == nil {
		return Date{}
	}
	return dateOf(*t)
}

// dbDate converts a Date for a PostgreSQL date column.
func dbDate(d Date) time.Time { return d.In(time.UTC) }

func dbDatePtr(d Date) *time.Time {
	if d.IsZero() {
		return nil
	}
	t := dbDate(d)
	return &t
}

// Clock names a running deadline (D-23): which one a case's urgency is.
type Clock string

const (
	ClockNone Clock = "" // nothing runs (a closed case, a decided document-only request)
	// ClockGDPR: the one-month GDPR deadline, legal_due (DL-1, DL-3).
	ClockGDPR Clock = "gdpr"
	// ClockExtended: the GDPR deadline extended by two months (DL-5).
	ClockExtended Clock = "extended"
	// ClockFI2TwoWeeks: an undecided document request (FI-2, 621/1999 §14).
	ClockFI2TwoWeeks Clock = "fi2_two_weeks"
	// ClockFI2OneMonth: a document request extended to one month (FI-2).
	ClockFI2OneMonth Clock = "fi2_one_month"
)

// Clocks lists every clock (labels: "clock.<name>").
var Clocks = []Clock{ClockGDPR, ClockExtended, ClockFI2TwoWeeks, ClockFI2OneMonth}

// Due is a case's deadline picture (DL-7, DL-8, DL-11, FI-2, D-23). It is
// the one place a case's effective dates are computed: every page, mail,
// reminder and digest reads them here.
type Due struct {
	ReceivedDate Date
	RawEnd       Date
	LegalDue     Date
	SafeTarget   Date
	ExtendedDue  Date // zero unless extended
	// PausedDue is the due date moved by the days the case was (or is)
	// paused; shown beside LegalDue, never instead of it (DL-8). Zero when
	// never paused; equal to LegalDue on the day a pause starts.
	PausedDue Date
	// PausedExtendedDue is ExtendedDue moved by the same days (DL-8,
	// DL-11): receipt + pause + 3 months, rolled. Zero unless both.
	PausedExtendedDue Date
	// PausedEffective is the paused date beside Effective: PausedExtendedDue
	// when extended, else PausedDue.
	PausedEffective Date
	// Effective is what dashboards sort by and reminders count back from
	// (D-13): ExtendedDue when extended, else LegalDue.
	Effective Date
	// OwnerTarget is the date owners are asked to answer by: the safe
	// target, moved by pauses and extension (D-23), or the document
	// request's when that comes first.
	OwnerTarget Date
	DocDue      Date
	DocExtended Date
	// DocRuns: an undecided document request (FI-2); DocEffective is its
	// running due date (DocExtended once extended to one month).
	DocRuns      bool
	DocEffective Date
	// DocDeadline is a document request's due date whether it runs or
	// not (DocExtended once extended), DocClock its clock; zero and
	// ClockNone for a case that asks for no documents.
	DocDeadline Date
	DocClock    Clock
	// GDPR: the request asks for a GDPR right, so the GDPR dates above
	// are its deadline; without it (a request for documents alone) they
	// are computed but are no deadline of the request (FI-2).
	GDPR bool
	// Urgent is the case's earliest running deadline and UrgentClock which
	// one it is (D-23); zero and ClockNone when nothing runs. The database
	// stores the same as cases.urgent_due / urgent_clock.
	Urgent      Date
	UrgentClock Clock
}

// DueOf computes the deadline picture of a case at now.
func DueOf(c store.Case, cal Calendar, now time.Time) Due {
	// D-30: the eves count as the case was received, whatever the
	// organisation says today.
	cal.EvesNonWorking = c.EvesNonWorking
	d := Due{
		ReceivedDate: HelsinkiDate(c.ReceivedAt),
		RawEnd:       dateOf(c.RawEnd),
		LegalDue:     dateOf(c.LegalDue),
		SafeTarget:   dateOf(c.SafeTarget),
		ExtendedDue:  datePtr(c.ExtendedDue),
		DocDue:       datePtr(c.DocDue),
		DocExtended:  datePtr(c.DocExtendedDue),
		GDPR:         c.GDPR,
	}
	if c.DocumentRequest && !d.DocDue.IsZero() {
		d.DocDeadline, d.DocClock = d.DocDue, ClockFI2TwoWeeks
		if c.DocExtendedAt != nil {
			d.DocDeadline, d.DocClock = d.DocExtended, ClockFI2OneMonth
		}
	}
	days := PausedDaysAt(c, now)
	if days > 0 || c.PausedAt != nil {
		// A case paused today shows its paused date too (equal to the
		// legal due date), so the pause is visible.
		d.PausedDue = cal.PausedDueDate(d.ReceivedDate, days)
		d.PausedEffective = d.PausedDue
		if !d.ExtendedDue.IsZero() {
			d.PausedExtendedDue = cal.RollForward(d.ReceivedDate.AddDays(days).AddMonths(3))
			d.PausedEffective = d.PausedExtendedDue
		}
	}
	d.Effective = d.LegalDue
	if !d.ExtendedDue.IsZero() {
		d.Effective = d.ExtendedDue
	}
	shifted := d.ReceivedDate.AddDays(days)
	closed := Calendar{EvesNonWorking: true} // safe targets always treat eves as closed (DL-7, DL-9)
	if !d.ExtendedDue.IsZero() {
		d.OwnerTarget = closed.RollBack(shifted.AddMonths(3))
	} else {
		d.OwnerTarget = closed.RollBack(shifted.AddMonths(1))
	}
	open := State(c.State).Open()
	if c.DocumentRequest && c.DocDecidedAt == nil {
		d.DocEffective = d.DocDue
		docRaw := d.ReceivedDate.AddDays(14)
		if c.DocExtendedAt != nil {
			d.DocEffective, docRaw = d.DocExtended, d.ReceivedDate.AddMonths(1)
		}
		d.DocRuns = open && !d.DocEffective.IsZero()
		// D-23: the owners' answer is needed for the decision too; the
		// Openness Act knows no pause, so its target does not move.
		if t := closed.RollBack(docRaw); d.DocRuns && (!c.GDPR || t.Before(d.OwnerTarget)) {
			d.OwnerTarget = t
		}
	}
	if open {
		if c.GDPR {
			d.Urgent, d.UrgentClock = d.Effective, ClockGDPR
			if !d.ExtendedDue.IsZero() {
				d.UrgentClock = ClockExtended
			}
		}
		if d.DocRuns && (d.UrgentClock == ClockNone || !d.DocEffective.After(d.Urgent)) {
			d.Urgent, d.UrgentClock = d.DocEffective, ClockFI2TwoWeeks
			if c.DocExtendedAt != nil {
				d.UrgentClock = ClockFI2OneMonth
			}
		}
	}
	return d
}

// UrgencyOf is the date and clock a case's urgency is shown and ordered
// by (D-23): its earliest running deadline, or, when nothing runs any
// more, its effective due under the GDPR clock (the dashboard's order for
// closed cases, cases_org_state_urgent); a request for documents alone
// has only its FI-2 clock, so its FI-2 due date.
func UrgencyOf(d Due) (Date, Clock) {
	if d.UrgentClock != ClockNone {
		return d.Urgent, d.UrgentClock
	}
	if !d.GDPR && d.DocClock != ClockNone {
		return d.DocDeadline, d.DocClock
	}
	if !d.ExtendedDue.IsZero() {
		return d.Effective, ClockExtended
	}
	return d.Effective, ClockGDPR
}

// PausedDaysAt counts the calendar days a case has been paused, including
// a pause still running at now (DL-8).
func PausedDaysAt(c store.Case, now time.Time) int {
	n := c.PausedDays
	if c.PausedAt != nil {
		n += HelsinkiDate(now).DaysSince(HelsinkiDate(*c.PausedAt))
	}
	return n
}

// Band is a dashboard urgency band (issue 12).
type Band string

const (
	BandOverdue Band = "overdue"
	BandWeek    Band = "week"  // due within 7 days
	BandLater   Band = "later" // later
)

// BandOf places a due date relative to today.
func BandOf(effective Date, today Date) Band {
	switch {
	case effective.Before(today):
		return BandOverdue
	case !effective.After(today.AddDays(7)):
		return BandWeek
	}
	return BandLater
}

// audit appends an event to the case's chain in q's transaction.
func (s *Service) audit(ctx context.Context, q *store.Q, orgID, caseID int64, actor Actor, action string, data map[string]any) error {
	return q.AppendAudit(ctx, s.Keys, store.AuditEvent{OrgID: orgID, CaseID: caseID, Actor: string(actor), Action: action, Data: maskAuditData(data), At: s.Now()})
}

// maskAuditData masks henkilötunnus-shaped text in an event's string values
// (issue 16 item 3, D-25): events hold no free text (withText keeps it in
// case_notes), and this is the belt to those braces.
func maskAuditData(data map[string]any) map[string]any {
	for k, v := range data {
		data[k] = maskAuditValue(v)
	}
	return data
}

func maskAuditValue(v any) any {
	switch x := v.(type) {
	case string:
		return MaskHetuInText(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = MaskHetuInText(s)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = maskAuditValue(e)
		}
		return out
	case map[string]any:
		return maskAuditData(x)
	}
	return v
}
