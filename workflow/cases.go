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

// Due is a case's deadline picture (DL-7, DL-8, DL-11).
type Due struct {
	ReceivedDate Date
	RawEnd       Date
	LegalDue     Date
	SafeTarget   Date
	ExtendedDue  Date // zero unless extended
	// PausedDue is the due date moved by the days the case was (or is)
	// paused; shown beside LegalDue, never instead of it (DL-8). Zero when
	// never paused.
	PausedDue Date
	// Effective is what dashboards sort by and reminders count back from
	// (D-13): ExtendedDue when extended, else LegalDue.
	Effective Date
	// OwnerTarget is the date owners are asked to answer by: the safe
	// target, moved by pauses and extension.
	OwnerTarget Date
	DocDue      Date
	DocExtended Date
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
	}
	days := PausedDaysAt(c, now)
	if days > 0 {
		d.PausedDue = cal.PausedDueDate(d.ReceivedDate, days)
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
	return d
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
