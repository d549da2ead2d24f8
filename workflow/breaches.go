package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// The breach log (legal.md §6, BR). Art 33(1): the Data Protection
// Ombudsman is notified within 72 hours of becoming aware, counted in
// elapsed hours (aware Fri 20 Jun 2025 14:30 -> notify by Mon 23 Jun 2025
// 14:30), so a daylight saving change in between moves the limit's wall
// clock time by an hour, never the hours themselves. Art 33(5): every
// breach is documented, notified or not. Art 34: the persons are told
// when the risk to them is high.

// BreachLimit is the time from aware_at to notify the Ombudsman in.
const BreachLimit = 72 * time.Hour

// BreachReminderHours are when the DPOs are reminded: 24 h and 6 h before
// the limit, and at it. Nearest last.
var BreachReminderHours = []int{24, 6, 0}

// Breach risk levels and decisions (the columns' values).
const (
	RiskUnassessed = "unassessed"
	RiskNone       = "none" // unlikely to result in a risk: no notification (Art 33(1))
	RiskSome       = "risk"
	RiskHigh       = "high" // the persons are informed as well (Art 34)

	DecisionNotify    = "notify"
	DecisionNotNotify = "not_notify"

	BreachOpen   = "open"
	BreachClosed = "closed"
)

// BreachRisks and BreachDecisions list the form's choices in order.
var (
	BreachRisks     = []string{RiskUnassessed, RiskNone, RiskSome, RiskHigh}
	BreachDecisions = []string{"", DecisionNotify, DecisionNotNotify}
)

// BreachDeadline is the Art 33(1) limit of a breach the organisation
// became aware of at aware.
func BreachDeadline(aware time.Time) time.Time { return aware.Add(BreachLimit) }

// BreachClock is a breach's 72-hour clock at one moment.
type BreachClock struct {
	Deadline time.Time
	// Running: open, not notified and no decision not to notify; the
	// clock matters (and reminds) only then.
	Running bool
	Overdue bool // the limit has passed (running or not)
	// Hours and Minutes left before the limit, or past it when Overdue.
	Hours, Minutes int
}

// BreachClockOf is b's clock at now, in elapsed time.
func BreachClockOf(b store.Breach, now time.Time) BreachClock {
	c := BreachClock{Deadline: BreachDeadline(b.AwareAt)}
	c.Running = b.State == BreachOpen && b.OmbudsmanNotifiedAt == nil && b.Decision != DecisionNotNotify
	left := c.Deadline.Sub(now)
	if left <= 0 {
		c.Overdue = true
		left = -left
	}
	left = left.Truncate(time.Minute)
	c.Hours, c.Minutes = int(left/time.Hour), int(left%time.Hour/time.Minute)
	return c
}

// LocalDateTimeLayout is the value format of <input type="datetime-local">.
const LocalDateTimeLayout = "2006-01-02T15:04"

// ParseLocalDateTime reads a Helsinki wall-clock time (datetime-local,
// seconds optional). In the hour that occurs twice when daylight saving
// ends, the earlier instant is taken (the forms ask which one is meant:
// ParseLocalDateTimeAt).
// A time in the hour skipped when daylight saving begins never showed on
// a clock: it is refused (localTimeError), not moved an hour on unseen.
func ParseLocalDateTime(raw string) (time.Time, bool) {
	t, _, ok := parseLocal(raw)
	return t, ok
}

// parseLocal is ParseLocalDateTime that also says whether raw fell in
// the spring's skipped hour.
func parseLocal(raw string) (t time.Time, skipped, ok bool) {
	raw = strings.TrimSpace(raw)
	for _, layout := range []string{LocalDateTimeLayout, "2006-01-02T15:04:05"} {
		t, err := time.ParseInLocation(layout, raw, Helsinki())
		if err != nil {
			continue
		}
		if t.Format(layout) != raw {
			return time.Time{}, true, false // Go moved it out of the gap
		}
		if alt := t.Add(-time.Hour); alt.In(Helsinki()).Format(layout) == raw {
			t = alt
		}
		return t, false, true
	}
	return time.Time{}, false, false
}

// localTimeError is the message key for a time ParseLocalDateTime
// refused: one in the skipped hour says why.
func localTimeError(raw string) string {
	if _, skipped, _ := parseLocal(raw); skipped {
		return "breach.error.skipped_hour"
	}
	return "breach.error.datetime"
}

// Offsets of Helsinki time, as a form's choice in the hour that occurs
// twice posts them: summer time (EEST) and standard time (EET).
const (
	OffsetSummer   = "+03:00"
	OffsetStandard = "+02:00"
)

// AmbiguousLocal is the two instants a Helsinki wall-clock time names in
// the hour that occurs twice when daylight saving ends (25 Oct 2026
// 03:30 is 00:30 UTC in summer time and 01:30 UTC an hour later), the
// earlier first; nil for any other time.
func AmbiguousLocal(raw string) []time.Time {
	t, _, ok := parseLocal(raw)
	if !ok {
		return nil
	}
	layout := LocalDateTimeLayout
	if len(strings.TrimSpace(raw)) > len(layout) {
		layout = "2006-01-02T15:04:05"
	}
	if later := t.Add(time.Hour); later.In(Helsinki()).Format(layout) == t.In(Helsinki()).Format(layout) {
		return []time.Time{t, later}
	}
	return nil
}

// BreachCrossesDST: the 72 hours from aware cross a change to or from
// summer time, or begin or end in the hour that occurs twice. The
// breach's times then carry their UTC offset: the clock time alone is
// ambiguous, or reads as 71 or 73 hours.
func BreachCrossesDST(aware time.Time) bool {
	due := BreachDeadline(aware)
	local := func(t time.Time) string { return t.In(Helsinki()).Format(LocalDateTimeLayout) }
	return OffsetOf(aware) != OffsetOf(due) || AmbiguousLocal(local(aware)) != nil || AmbiguousLocal(local(due)) != nil
}

// OffsetOf is t's offset from UTC in Helsinki ("+03:00").
func OffsetOf(t time.Time) string { return t.In(Helsinki()).Format("-07:00") }

// ParseLocalDateTimeAt reads a Helsinki wall-clock time as the form
// posted it, with offset the DPO's choice (OffsetSummer, OffsetStandard)
// when the time falls in the hour that occurs twice: without one such a
// time is refused (breach.error.ambiguous_hour), never taken as one of
// the two unasked (found in a walkthrough). The error is a message key.
func ParseLocalDateTimeAt(raw, offset string) (time.Time, string) {
	t, ok := ParseLocalDateTime(raw)
	if !ok {
		return time.Time{}, localTimeError(raw)
	}
	if two := AmbiguousLocal(raw); two != nil {
		for _, c := range two {
			if OffsetOf(c) == strings.TrimSpace(offset) {
				return c, ""
			}
		}
		return time.Time{}, "breach.error.ambiguous_hour"
	}
	return t, ""
}

// BreachInput is the DPO's record of a breach as typed: times as
// datetime-local values in Helsinki time, counts as digits (empty: not
// known).
type BreachInput struct {
	Title             string
	AwareAt           string
	OccurredAt        string
	Nature            string
	SubjectCategories string
	SubjectCount      string
	RecordCategories  string
	RecordCount       string
	Consequences      string
	Measures          string
	Contact           string
	Risk              string
	Decision          string
	DecisionReason    string
	// The offsets chosen for a time in the hour that occurs twice.
	AwareAtOffset, OccurredAtOffset string
}

// Field limits (characters).
const (
	maxBreachTitle = 200
	maxBreachText  = 10000
	maxBreachCount = 100_000_000
)

// BreachFields are the form's fields in order (error summaries).
var BreachFields = []string{"title", "aware_at", "occurred_at", "nature", "subject_categories", "subject_count",
	"record_categories", "record_count", "consequences", "measures", "contact", "risk", "decision", "decision_reason",
	"notified_at", "reference", "delay_reason", "persons_at", "persons_how", "persons_not_needed_reason", "persons"}

// apply validates in against now and writes it into b; errors are keyed
// by form field with message keys of the breach locale.
func (in BreachInput) apply(b *store.Breach, now time.Time) FieldErrors {
	fe := FieldErrors{}
	trim := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	b.Title = trim(in.Title)
	if b.Title == "" {
		fe.Add("title", "breach.error.title")
	} else if utf8.RuneCountInString(b.Title) > maxBreachTitle {
		fe.Add("title", "breach.error.too_long")
	}
	aware, bad := ParseLocalDateTimeAt(in.AwareAt, in.AwareAtOffset)
	switch {
	case strings.TrimSpace(in.AwareAt) == "":
		fe.Add("aware_at", "breach.error.aware_at")
	case bad != "":
		fe.Add("aware_at", bad)
	case aware.After(now):
		fe.Add("aware_at", "breach.error.future")
	default:
		b.AwareAt = aware
	}
	b.OccurredAt = nil
	if strings.TrimSpace(in.OccurredAt) != "" {
		occ, bad := ParseLocalDateTimeAt(in.OccurredAt, in.OccurredAtOffset)
		switch {
		case bad != "":
			fe.Add("occurred_at", bad)
		case occ.After(now):
			fe.Add("occurred_at", "breach.error.future")
		case !aware.IsZero() && occ.After(aware):
			fe.Add("occurred_at", "breach.error.occurred_after_aware")
		default:
			b.OccurredAt = &occ
		}
	}
	count := func(field, raw string) *int {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return nil
		}
		n, err := strconv.Atoi(strings.ReplaceAll(raw, " ", ""))
		if err != nil || n < 0 || n > maxBreachCount {
			fe.Add(field, "breach.error.count")
			return nil
		}
		return &n
	}
	b.SubjectCount = count("subject_count", in.SubjectCount)
	b.RecordCount = count("record_count", in.RecordCount)
	texts := []struct {
		field string
		dst   *string
		v     string
	}{
		{"nature", &b.Nature, in.Nature},
		{"subject_categories", &b.SubjectCategories, in.SubjectCategories},
		{"record_categories", &b.RecordCategories, in.RecordCategories},
		{"consequences", &b.Consequences, in.Consequences},
		{"measures", &b.Measures, in.Measures},
		{"contact", &b.Contact, in.Contact},
		{"decision_reason", &b.DecisionReason, in.DecisionReason},
	}
	for _, t := range texts {
		*t.dst = trim(t.v)
		if utf8.RuneCountInString(*t.dst) > maxBreachText {
			fe.Add(t.field, "breach.error.too_long")
		}
	}
	b.Risk = strings.TrimSpace(in.Risk)
	if b.Risk == "" {
		b.Risk = RiskUnassessed
	}
	if !slices.Contains(BreachRisks, b.Risk) {
		fe.Add("risk", "breach.error.choice")
	}
	b.Decision = strings.TrimSpace(in.Decision)
	if !slices.Contains(BreachDecisions, b.Decision) {
		fe.Add("decision", "breach.error.choice")
	}
	// Art 33(1): only a breach unlikely to result in a risk goes
	// unnotified.
	if b.Decision == DecisionNotNotify && (b.Risk == RiskSome || b.Risk == RiskHigh) {
		fe.Add("decision", "breach.error.not_notify_with_risk")
	}
	if b.OmbudsmanNotifiedAt != nil && b.Decision == DecisionNotNotify {
		fe.Add("decision", "breach.error.already_notified")
	}
	return fe
}

// breachFieldValues are the comparable values of a breach per form
// field: the audit trail names the fields that changed, never their text.
func breachFieldValues(b store.Breach) map[string]string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	n := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	return map[string]string{
		"title": b.Title, "aware_at": b.AwareAt.UTC().Format(time.RFC3339), "occurred_at": ts(b.OccurredAt),
		"nature": b.Nature, "subject_categories": b.SubjectCategories, "subject_count": n(b.SubjectCount),
		"record_categories": b.RecordCategories, "record_count": n(b.RecordCount), "consequences": b.Consequences,
		"measures": b.Measures, "contact": b.Contact, "risk": b.Risk, "decision": b.Decision,
		"decision_reason": b.DecisionReason, "notified_at": ts(b.OmbudsmanNotifiedAt), "reference": b.OmbudsmanReference,
		"delay_reason": b.DelayReason, "persons_at": ts(b.PersonsNotifiedAt), "persons_how": b.PersonsHow,
		"persons_not_needed_reason": b.PersonsNotNeededReason,
	}
}

// changedFields lists, in form order, the fields whose values differ.
func changedFields(old, cur store.Breach) []string {
	a, b := breachFieldValues(old), breachFieldValues(cur)
	var out []string
	for _, f := range BreachFields {
		if a[f] != b[f] {
			out = append(out, f)
		}
	}
	return out
}

// breachAudit appends an event to the organisation's chain: the breach's
// id and number, field names, and codes (risk, decision, state), never
// the free text (D-25).
func (s *Service) breachAudit(ctx context.Context, q *store.Q, b store.Breach, actor Actor, action string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["breach"], data["no"] = b.ID, b.No
	return s.audit(ctx, q, b.OrgID, 0, actor, action, data)
}

// ErrBreachClosed: a closed breach is not changed any more.
var ErrBreachClosed = errors.New("breach closed")

// CreateBreach records a new breach in org's log, schedules its reminders
// and audits it (field names only).
func (s *Service) CreateBreach(ctx context.Context, org store.Org, actorStaffID int64, in BreachInput) (store.Breach, error) {
	now := s.Now()
	b := store.Breach{OrgID: org.ID, State: BreachOpen, CreatedAt: now, UpdatedAt: now}
	if actorStaffID != 0 {
		b.CreatedBy = &actorStaffID
	}
	if fe := in.apply(&b, now); len(fe) > 0 {
		return b, fe
	}
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		if err := q.LockOrg(ctx, org.ID); err != nil {
			return err
		}
		var err error
		if b.ID, b.No, err = q.InsertBreach(ctx, b); err != nil {
			return err
		}
		if err := s.scheduleBreachReminders(ctx, tx, b); err != nil {
			return err
		}
		var fields []string
		vals := breachFieldValues(b)
		for _, f := range BreachFields {
			if vals[f] != "" {
				fields = append(fields, f)
			}
		}
		return s.breachAudit(ctx, q, b, StaffActor(actorStaffID), "breach_created",
			map[string]any{"fields": fields, "risk": b.Risk, "decision": b.Decision})
	})
	return b, err
}

// UpdateBreach saves the DPO's edit of an open breach. A changed aware_at
// moves the limit and schedules the reminders of the new one.
func (s *Service) UpdateBreach(ctx context.Context, orgID, id, actorStaffID int64, in BreachInput) error {
	return s.changeBreach(ctx, orgID, id, actorStaffID, "breach_edited", func(b *store.Breach, now time.Time) FieldErrors {
		return in.apply(b, now)
	})
}

// changeBreach runs one change of an open breach: fn validates and
// applies it; the fields that changed are audited under action.
func (s *Service) changeBreach(ctx context.Context, orgID, id, actorStaffID int64, action string,
	fn func(b *store.Breach, now time.Time) FieldErrors) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		old, err := q.BreachForUpdate(ctx, orgID, id)
		if err != nil {
			return err
		}
		if old.State != BreachOpen {
			return ErrBreachClosed
		}
		now := s.Now()
		b := old
		if fe := fn(&b, now); len(fe) > 0 {
			return fe
		}
		fields := changedFields(old, b)
		if len(fields) == 0 {
			return nil
		}
		b.UpdatedAt = now
		if err := q.UpdateBreach(ctx, b); err != nil {
			return err
		}
		if !old.AwareAt.Equal(b.AwareAt) || old.Decision != b.Decision {
			if err := s.scheduleBreachReminders(ctx, tx, b); err != nil {
				return err
			}
		}
		data := map[string]any{"fields": fields, "risk": b.Risk, "decision": b.Decision}
		if b.OmbudsmanNotifiedAt != nil {
			data["notified_at"] = b.OmbudsmanNotifiedAt.UTC().Format(time.RFC3339)
			data["late"] = b.OmbudsmanNotifiedAt.After(BreachDeadline(b.AwareAt))
		}
		return s.breachAudit(ctx, q, b, StaffActor(actorStaffID), action, data)
	})
}

// NotificationInput records the notification to the Ombudsman (Art
// 33(1)): when (Helsinki datetime-local), the Ombudsman's reference, and
// the reasons for a delay past the 72 hours (Art 33(1), second sentence).
type NotificationInput struct {
	At          string
	AtOffset    string // the offset chosen in the hour that occurs twice
	Reference   string
	DelayReason string
}

// RecordNotification records that the Ombudsman was notified; the
// decision becomes "notify" and the reminders stop.
func (s *Service) RecordNotification(ctx context.Context, orgID, id, actorStaffID int64, in NotificationInput) error {
	return s.changeBreach(ctx, orgID, id, actorStaffID, "breach_notified", func(b *store.Breach, now time.Time) FieldErrors {
		fe := FieldErrors{}
		at, bad := ParseLocalDateTimeAt(in.At, in.AtOffset)
		ok := bad == ""
		switch {
		case strings.TrimSpace(in.At) == "":
			fe.Add("notified_at", "breach.error.notified_at")
		case !ok:
			fe.Add("notified_at", bad)
		case at.After(now):
			fe.Add("notified_at", "breach.error.future")
		case at.Before(b.AwareAt):
			fe.Add("notified_at", "breach.error.before_aware")
		}
		b.OmbudsmanReference = strings.TrimSpace(in.Reference)
		b.DelayReason = strings.TrimSpace(strings.ReplaceAll(in.DelayReason, "\r\n", "\n"))
		if utf8.RuneCountInString(b.OmbudsmanReference) > maxBreachTitle {
			fe.Add("reference", "breach.error.too_long")
		}
		if utf8.RuneCountInString(b.DelayReason) > maxBreachText {
			fe.Add("delay_reason", "breach.error.too_long")
		}
		if ok && at.After(BreachDeadline(b.AwareAt)) && b.DelayReason == "" {
			fe.Add("delay_reason", "breach.error.delay_reason")
		}
		if len(fe) > 0 {
			return fe
		}
		b.OmbudsmanNotifiedAt = &at
		b.Decision = DecisionNotify
		return nil
	})
}

// PersonsInput records the information to the persons (Art 34): when and
// how they were told, or why that was not needed (34(3)).
type PersonsInput struct {
	At              string
	AtOffset        string // the offset chosen in the hour that occurs twice
	How             string
	NotNeededReason string
}

// RecordPersons records the information given to the persons, or the
// reason it was not needed: one or the other.
func (s *Service) RecordPersons(ctx context.Context, orgID, id, actorStaffID int64, in PersonsInput) error {
	return s.changeBreach(ctx, orgID, id, actorStaffID, "breach_persons", func(b *store.Breach, now time.Time) FieldErrors {
		fe := FieldErrors{}
		raw := strings.TrimSpace(in.At)
		how := strings.TrimSpace(strings.ReplaceAll(in.How, "\r\n", "\n"))
		reason := strings.TrimSpace(strings.ReplaceAll(in.NotNeededReason, "\r\n", "\n"))
		switch {
		case raw == "" && how == "" && reason == "":
			fe.Add("persons", "breach.error.persons_missing")
		case (raw != "" || how != "") && reason != "":
			fe.Add("persons", "breach.error.persons_both")
		case reason != "":
			b.PersonsNotifiedAt, b.PersonsHow, b.PersonsNotNeededReason = nil, "", reason
		default:
			at, bad := ParseLocalDateTimeAt(raw, in.AtOffset)
			switch {
			case raw == "":
				fe.Add("persons_at", "breach.error.persons_at")
			case bad != "":
				fe.Add("persons_at", bad)
			case at.After(now):
				fe.Add("persons_at", "breach.error.future")
			case at.Before(b.AwareAt):
				fe.Add("persons_at", "breach.error.before_aware")
			default:
				b.PersonsNotifiedAt = &at
			}
			if how == "" {
				fe.Add("persons_how", "breach.error.persons_how")
			}
			b.PersonsHow, b.PersonsNotNeededReason = how, ""
		}
		for f, v := range map[string]string{"persons_how": how, "persons_not_needed_reason": reason} {
			if utf8.RuneCountInString(v) > maxBreachText {
				fe.Add(f, "breach.error.too_long")
			}
		}
		return fe
	})
}

// CloseCheck lists what the breach's Art 33(5) record still lacks before
// it can be closed: the facts, the effects and the remedial action; the
// risk assessment; for a breach not notified, the decision not to notify
// and its reasoning; for a high risk, the Art 34 information (or why it
// was not needed). Empty when it can be closed.
func CloseCheck(b store.Breach) FieldErrors {
	fe := FieldErrors{}
	if b.Nature == "" {
		fe.Add("nature", "breach.error.close.nature")
	}
	if b.Consequences == "" {
		fe.Add("consequences", "breach.error.close.consequences")
	}
	if b.Measures == "" {
		fe.Add("measures", "breach.error.close.measures")
	}
	if b.Risk == RiskUnassessed {
		fe.Add("risk", "breach.error.close.risk")
	}
	if b.OmbudsmanNotifiedAt == nil {
		switch b.Decision {
		case "":
			fe.Add("decision", "breach.error.close.decision")
		case DecisionNotify:
			fe.Add("decision", "breach.error.close.notify_pending")
		}
		if b.DecisionReason == "" {
			fe.Add("decision_reason", "breach.error.close.decision_reason")
		}
	}
	if b.Risk == RiskHigh && b.PersonsNotifiedAt == nil && b.PersonsNotNeededReason == "" {
		fe.Add("persons", "breach.error.close.persons")
	}
	return fe
}

// CloseBreach closes a breach whose record is complete (CloseCheck);
// otherwise it returns the FieldErrors of what is missing.
func (s *Service) CloseBreach(ctx context.Context, orgID, id, actorStaffID int64) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		b, err := q.BreachForUpdate(ctx, orgID, id)
		if err != nil {
			return err
		}
		if b.State != BreachOpen {
			return ErrBreachClosed
		}
		if fe := CloseCheck(b); len(fe) > 0 {
			return fe
		}
		now := s.Now()
		b.State, b.ClosedAt, b.UpdatedAt = BreachClosed, &now, now
		if err := q.UpdateBreach(ctx, b); err != nil {
			return err
		}
		return s.breachAudit(ctx, q, b, StaffActor(actorStaffID), "breach_closed",
			map[string]any{"state": b.State, "notified": b.OmbudsmanNotifiedAt != nil, "risk": b.Risk, "decision": b.Decision})
	})
}

// breachReminderUnique: one pending reminder per breach, stage and
// deadline. Completed jobs are left out on purpose: a decision taken back
// schedules the stages again, and breach_reminders keeps each one to a
// single mail.
var breachReminderUnique = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
		rivertype.JobStateRunning, rivertype.JobStateScheduled},
}

// scheduleBreachReminders inserts b's reminders in tx (D-16: River jobs
// with ScheduledAt). Stages already past are inserted too and run at
// once; the worker sends only the nearest of those.
func (s *Service) scheduleBreachReminders(ctx context.Context, tx pgx.Tx, b store.Breach) error {
	if !BreachClockOf(b, s.Now()).Running {
		return nil
	}
	due := BreachDeadline(b.AwareAt)
	for _, h := range BreachReminderHours {
		at := due.Add(-time.Duration(h) * time.Hour)
		args := jobargs.BreachReminder{BreachID: b.ID, HoursBefore: h, Due: due.Unix()}
		if _, err := s.River.InsertTx(ctx, tx, args, jobOpts(at, &breachReminderUnique)); err != nil {
			return fmt.Errorf("scheduling breach reminder: %w", err)
		}
	}
	return nil
}

// BreachReminderAt is when a reminder job is due.
func BreachReminderAt(a jobargs.BreachReminder) time.Time {
	return time.Unix(a.Due, 0).Add(-time.Duration(a.HoursBefore) * time.Hour)
}

// OutcomeEarly: the job ran before its time (it should wait).
const OutcomeEarly JobOutcome = "early"

// breachMail is the data of a breach reminder: the breach's number, its
// limit and the time left; never its description.
type breachMail struct {
	Lang, OrgName, Deadline, Link string
	No, Hours, Minutes            int
	AtLimit                       bool
}

// SendBreachReminder mails the organisation's DPOs (its DPO address and
// every account with the dpo role) that a breach's 72-hour limit is near
// or has come, unless the Ombudsman was notified, the decision is not to
// notify, or the breach is closed. Each stage goes out once per deadline.
func (s *Service) SendBreachReminder(ctx context.Context, a jobargs.BreachReminder) (JobOutcome, error) {
	pre, err := store.New(s.Pool).BreachByID(ctx, a.BreachID)
	if errors.Is(err, store.ErrNotFound) {
		return OutcomeStale, nil
	}
	if err != nil {
		return "", err
	}
	org, err := store.New(s.Pool).OrgByID(ctx, pre.OrgID)
	if err != nil {
		return "", err
	}
	var out JobOutcome
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		b, err := q.BreachForUpdate(ctx, org.ID, a.BreachID)
		if err != nil {
			return err
		}
		now := s.Now()
		clock := BreachClockOf(b, now)
		due := clock.Deadline
		switch {
		case !clock.Running, due.Unix() != a.Due:
			out = OutcomeStale
			return nil
		case now.Before(BreachReminderAt(a)):
			out = OutcomeEarly
			return nil
		}
		// Late (the workers were down): when a nearer stage is due as
		// well, that one alone is sent.
		for _, h := range BreachReminderHours {
			if h < a.HoursBefore && !now.Before(due.Add(-time.Duration(h)*time.Hour)) {
				out = OutcomeStale
				return nil
			}
		}
		fresh, err := q.MarkBreachReminder(ctx, b.ID, a.HoursBefore, due, now)
		if err != nil {
			return err
		}
		if !fresh {
			out = OutcomeDone
			return nil
		}
		to := []store.Recipient{}
		if org.DPOEmail != "" {
			to = append(to, store.Recipient{Email: org.DPOEmail, Lang: org.PrimaryLang})
		}
		staff, err := q.StaffWithRole(ctx, org.ID, RoleDPO)
		if err != nil {
			return err
		}
		seen, sent := map[string]bool{}, 0
		for _, r := range append(to, staff...) {
			key := strings.ToLower(strings.TrimSpace(r.Email))
			if key == "" || seen[key] {
				continue
			}
			seen[key] = true
			lang := r.Lang
			if lang != "fi" && lang != "sv" && lang != "en" {
				lang = org.PrimaryLang
			}
			deadline := FormatDateTime(due, lang)
			if BreachCrossesDST(b.AwareAt) {
				deadline += " " + s.Catalog.T(lang, "breach.offset.utc", strings.TrimPrefix(strings.TrimSuffix(OffsetOf(due), ":00"), "+0"))
			}
			m := breachMail{Lang: lang, OrgName: org.Name(lang), Deadline: deadline,
				Link: s.BaseURL + "/staff/breaches/" + strconv.FormatInt(b.ID, 10), No: b.No,
				Hours: clock.Hours, Minutes: clock.Minutes, AtLimit: a.HoursBefore == 0 || clock.Overdue}
			if err := s.queueMail(ctx, tx, Mail{OrgID: org.ID, Kind: "breach_reminder", To: r.Email, Lang: lang, Data: m}); err != nil {
				return err
			}
			sent++
		}
		out = OutcomeSent
		// hours_before is the stage; overdue says the limit had passed
		// when it went out (a late run of the last stage).
		return s.breachAudit(ctx, q, b, ActorSystem, "breach_reminded",
			map[string]any{"hours_before": a.HoursBefore, "overdue": clock.Overdue, "due": due.UTC().Format(time.RFC3339), "recipients": sent})
	})
	if err != nil {
		return "", fmt.Errorf("breach %d: %w", a.BreachID, err)
	}
	return out, nil
}
