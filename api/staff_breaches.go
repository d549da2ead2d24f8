package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The breach log (legal.md §6, BR; issue 21), scoped like the register
// pages: /staff/breaches lists the breaches of the signed-in user's
// organisations (?org=SLUG narrows it), /staff/breaches/ID is one breach;
// another organisation's breach is a 404, a viewer reads but cannot act
// (403).

func (s *Server) staffBreachRoutes(g *echo.Group) {
	g.GET("/breaches", s.staffBreachList)
	g.GET("/breaches/new", s.staffBreachNewForm)
	g.POST("/breaches/new", s.staffBreachCreate)
	g.GET("/breaches/:id", s.staffBreachPage)
	g.POST("/breaches/:id", s.staffBreachSave)
	g.POST("/breaches/:id/notification", s.staffBreachNotify)
	g.POST("/breaches/:id/persons", s.staffBreachPersons)
	g.POST("/breaches/:id/close", s.staffBreachClose)
	g.GET("/breaches/:id/breach.pdf", s.staffBreachPDF)
}

func breachURL(id int64) string { return "/staff/breaches/" + strconv.FormatInt(id, 10) }

// clockText is a breach clock as the list and the page say it.
func (s *Server) breachClockText(lang string, b store.Breach, c workflow.BreachClock) string {
	switch {
	case b.State == workflow.BreachClosed:
		return s.Catalog.T(lang, "breach.clock.closed", workflow.FormatDateTime(derefTime(b.ClosedAt), lang))
	case b.OmbudsmanNotifiedAt != nil:
		return s.Catalog.T(lang, "breach.clock.notified", workflow.FormatDateTime(*b.OmbudsmanNotifiedAt, lang))
	case b.Decision == workflow.DecisionNotNotify:
		return s.Catalog.T(lang, "breach.clock.not_notify")
	case c.Overdue && c.Hours >= 48:
		// Days and hours past two days ("41 d 22 h", not "982 h 37 min").
		return s.Catalog.T(lang, "breach.clock.over_days", c.Hours/24, c.Hours%24)
	case c.Overdue:
		return s.Catalog.T(lang, "breach.clock.over", c.Hours, c.Minutes)
	}
	return s.Catalog.T(lang, "breach.clock.left", c.Hours, c.Minutes)
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// ---- list ------------------------------------------------------------------

type breachListData struct {
	Orgs     []store.Org
	OrgSlug  string
	MultiOrg bool
	CanNew   bool
	Sections []breachSection
}

type breachSection struct {
	Org  store.Org
	Rows []breachRow
}

type breachRow struct {
	ID       int64
	No       int
	Title    string
	Aware    string
	Deadline string
	Clock    string
	Urgent   bool // running and under 24 h left, or overdue
	Overdue  bool
	State    string
}

func (s *Server) staffBreachList(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	u := staffUser(c)
	orgs, err := s.staffOrgs(c)
	if err != nil {
		return err
	}
	d := breachListData{Orgs: orgs, OrgSlug: c.QueryParam("org"), MultiOrg: len(orgs) > 1}
	if d.OrgSlug != "" && !slices.ContainsFunc(orgs, func(o store.Org) bool { return o.Slug == d.OrgSlug }) {
		return errNotFound // not one of the user's organisations
	}
	now := s.Now()
	q := store.New(s.Pool)
	for _, o := range orgs {
		if u.CanAct(o.ID) {
			d.CanNew = true
		}
		if d.OrgSlug != "" && o.Slug != d.OrgSlug {
			continue
		}
		all, err := q.Breaches(ctx, o.ID)
		if err != nil {
			return err
		}
		// Open first: those whose clock runs by time left, then the
		// other open ones; closed ones last, newest first (the query's
		// order within each group).
		rank := func(b store.Breach) int {
			switch {
			case b.State != workflow.BreachOpen:
				return 2
			case workflow.BreachClockOf(b, now).Running:
				return 0
			}
			return 1
		}
		slices.SortStableFunc(all, func(a, b store.Breach) int { return rank(a) - rank(b) })
		sec := breachSection{Org: o}
		for _, b := range all {
			clk := workflow.BreachClockOf(b, now)
			sec.Rows = append(sec.Rows, breachRow{
				ID: b.ID, No: b.No, Title: b.Title, Aware: s.breachTime(lang, b.AwareAt, breachCrossesDST(b)),
				Deadline: s.breachTime(lang, clk.Deadline, breachCrossesDST(b)), Clock: s.breachClockText(lang, b, clk),
				Urgent: clk.Running && (clk.Overdue || clk.Hours < 24), Overdue: clk.Running && clk.Overdue,
				State: s.Catalog.T(lang, "breach.state."+b.State),
			})
		}
		d.Sections = append(d.Sections, sec)
	}
	return s.render(c, http.StatusOK, "staff_breaches", lang, s.Catalog.T(lang, "breach.list.title"), d)
}

// ---- one breach --------------------------------------------------------------

type breachOption struct {
	Value, Label string
	Selected     bool
}

type breachPageData struct {
	IsNew    bool
	Org      store.Org
	Orgs     []store.Org // the organisations a new breach can be recorded for
	OrgSlug  string
	B        store.Breach
	CanAct   bool
	Closed   bool
	Notified bool
	Late     bool
	Deadline string
	// DeadlineText heads the clock: "notify by" while it runs, else when
	// the limit ends or ended; Aware is when the clock started. Both
	// carry the UTC offset when the clock crosses a change of summer time.
	DeadlineText string
	Aware        string
	ClockText    string
	DecisionText string // what was decided, once the clock no longer runs
	Reason       string // the reasoning of a decision not to notify
	ClosedText   string
	Running      bool
	Overdue      bool
	Values       map[string]string
	Errors       workflow.FieldErrors
	ErrorTitle   string
	ErrorList    []fieldError
	Risks        []breachOption
	Decisions    []breachOption
	History      []breachEvent
	PDFURL       string
	Action       string
	// The forms' fields, in order.
	Record, Assessment, Notify, Persons []breachFieldView
}

// breachFieldView is one input of a breach form.
type breachFieldView struct {
	Name, Label, Hint, Value, Error string
	Kind                            string // text, datetime, count, textarea, risk, decision
	Max                             int
	Options                         []breachOption
	// Offsets: the choice between summer and standard time, offered only
	// for a time in the hour that occurs twice (OffsetName posts it).
	Offsets                  []breachOption
	OffsetName, OffsetLegend string
}

// breachFieldKinds are the inputs that are not one-line text.
var breachFieldKinds = map[string]string{
	"aware_at": "datetime", "occurred_at": "datetime", "notified_at": "datetime", "persons_at": "datetime",
	"subject_count": "count", "record_count": "count", "risk": "risk", "decision": "decision",
	"nature": "textarea", "subject_categories": "textarea", "record_categories": "textarea", "consequences": "textarea",
	"measures": "textarea", "contact": "textarea", "decision_reason": "textarea", "delay_reason": "textarea",
	"persons_how": "textarea", "persons_not_needed_reason": "textarea",
}

func (s *Server) breachFieldViews(lang string, d *breachPageData, names []string) []breachFieldView {
	var out []breachFieldView
	for _, n := range names {
		v := breachFieldView{Name: n, Label: s.breachFieldLabel(lang, n), Value: d.Values[n], Kind: breachFieldKinds[n], Max: 10000}
		if v.Kind == "" {
			v.Kind, v.Max = "text", 200
		}
		for _, hk := range []string{"breach.form." + n + "_hint", map[string]string{"subject_count": "breach.form.count_hint", "record_count": "breach.form.count_hint",
			"delay_reason": "breach.notify.delay_reason_hint"}[n]} {
			if hk != "" && s.Catalog.Has(lang, hk) {
				v.Hint = s.Catalog.T(lang, hk)
				break
			}
		}
		if key, ok := d.Errors[n]; ok {
			v.Error = s.Catalog.T(lang, key)
		}
		if v.Kind == "datetime" {
			v.OffsetName = n + "_offset"
			if two := workflow.AmbiguousLocal(v.Value); two != nil {
				v.OffsetLegend = s.Catalog.T(lang, "breach.offset.legend")
				for i, t := range two {
					off := workflow.OffsetOf(t)
					v.Offsets = append(v.Offsets, breachOption{Value: off, Selected: d.Values[v.OffsetName] == off,
						Label: s.Catalog.T(lang, []string{"breach.offset.summer", "breach.offset.standard"}[i], workflow.FormatDateTime(t, lang))})
				}
			}
		}
		switch v.Kind {
		case "risk":
			v.Options = d.Risks
		case "decision":
			v.Options = d.Decisions
		}
		out = append(out, v)
	}
	return out
}

type breachEvent struct {
	When, Who, What, Fields string
}

// staffBreach finds the :id breach among the user's organisations; any
// other is a 404.
func (s *Server) staffBreach(c echo.Context) (store.Breach, store.Org, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return store.Breach{}, store.Org{}, err
	}
	u := staffUser(c)
	if u == nil || len(u.Roles) == 0 {
		return store.Breach{}, store.Org{}, errNotFound
	}
	q := store.New(s.Pool)
	b, err := q.BreachInOrgs(c.Request().Context(), u.OrgIDs(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.CanSee(b.OrgID)) {
		return store.Breach{}, store.Org{}, errNotFound
	}
	if err != nil {
		return b, store.Org{}, err
	}
	org, err := q.OrgByID(c.Request().Context(), b.OrgID)
	return b, org, err
}

func localValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(workflow.Helsinki()).Format(workflow.LocalDateTimeLayout)
}

func countValue(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// breachValues are a stored breach's form values.
func breachValues(b store.Breach) map[string]string {
	return map[string]string{
		"title": b.Title, "aware_at": localValue(&b.AwareAt), "occurred_at": localValue(b.OccurredAt), "nature": b.Nature,
		"subject_categories": b.SubjectCategories, "subject_count": countValue(b.SubjectCount),
		"record_categories": b.RecordCategories, "record_count": countValue(b.RecordCount),
		"consequences": b.Consequences, "measures": b.Measures, "contact": b.Contact, "risk": b.Risk,
		"decision": b.Decision, "decision_reason": b.DecisionReason,
		"notified_at": localValue(b.OmbudsmanNotifiedAt), "reference": b.OmbudsmanReference, "delay_reason": b.DelayReason,
		"persons_at": localValue(b.PersonsNotifiedAt), "persons_how": b.PersonsHow,
		"persons_not_needed_reason": b.PersonsNotNeededReason,
		"aware_at_offset":           offsetValue(&b.AwareAt), "occurred_at_offset": offsetValue(b.OccurredAt),
		"notified_at_offset": offsetValue(b.OmbudsmanNotifiedAt), "persons_at_offset": offsetValue(b.PersonsNotifiedAt),
	}
}

// offsetValue is a stored time's UTC offset as the form's choice posts
// it: with its wall-clock time it names one instant, in the hour that
// occurs twice as well.
func offsetValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return workflow.OffsetOf(*t)
}

// breachFormFields are the fields each form posts.
var (
	breachEditFields    = []string{"title", "aware_at", "occurred_at", "nature", "subject_categories", "subject_count", "record_categories", "record_count", "consequences", "measures", "contact", "risk", "decision", "decision_reason"}
	breachNotifyFields  = []string{"notified_at", "reference", "delay_reason"}
	breachPersonsFields = []string{"persons_at", "persons_how", "persons_not_needed_reason"}
)

// posted overlays the posted values of fields on values.
func posted(c echo.Context, values map[string]string, fields []string) map[string]string {
	for _, f := range fields {
		values[f] = c.FormValue(f)
		if breachFieldKinds[f] == "datetime" {
			values[f+"_offset"] = c.FormValue(f + "_offset")
		}
	}
	return values
}

func breachInputOf(v map[string]string) workflow.BreachInput {
	return workflow.BreachInput{
		Title: v["title"], AwareAt: v["aware_at"], OccurredAt: v["occurred_at"], Nature: v["nature"],
		SubjectCategories: v["subject_categories"], SubjectCount: v["subject_count"],
		RecordCategories: v["record_categories"], RecordCount: v["record_count"], Consequences: v["consequences"],
		Measures: v["measures"], Contact: v["contact"], Risk: v["risk"], Decision: v["decision"],
		DecisionReason: v["decision_reason"], AwareAtOffset: v["aware_at_offset"], OccurredAtOffset: v["occurred_at_offset"],
	}
}

func (s *Server) renderBreach(c echo.Context, status int, d *breachPageData) error {
	lang := langOf(c)
	u := staffUser(c)
	now := s.Now()
	d.CanAct = u.CanAct(d.Org.ID)
	if d.Values == nil {
		d.Values = breachValues(d.B)
	}
	for _, r := range workflow.BreachRisks {
		d.Risks = append(d.Risks, breachOption{Value: r, Label: s.Catalog.T(lang, "breach.risk."+r), Selected: d.Values["risk"] == r})
	}
	for _, v := range workflow.BreachDecisions {
		key := v
		if key == "" {
			key = "none"
		}
		d.Decisions = append(d.Decisions, breachOption{Value: v, Label: s.Catalog.T(lang, "breach.decision."+key), Selected: d.Values["decision"] == v})
	}
	d.Record = s.breachFieldViews(lang, d, breachEditFields[:11])
	d.Assessment = s.breachFieldViews(lang, d, breachEditFields[11:])
	d.Notify = s.breachFieldViews(lang, d, breachNotifyFields)
	d.Persons = s.breachFieldViews(lang, d, breachPersonsFields)
	if d.ErrorTitle == "" {
		d.ErrorTitle = s.Catalog.T(lang, "breach.form.errors")
	}
	for _, f := range workflow.BreachFields {
		if key, ok := d.Errors[f]; ok {
			d.ErrorList = append(d.ErrorList, fieldError{Field: f, Message: s.Catalog.T(lang, key)})
		}
	}
	title := s.Catalog.T(lang, "breach.new.title")
	if !d.IsNew {
		b := d.B
		clk := workflow.BreachClockOf(b, now)
		d.Closed, d.Notified = b.State == workflow.BreachClosed, b.OmbudsmanNotifiedAt != nil
		d.Late = d.Notified && b.OmbudsmanNotifiedAt.After(clk.Deadline)
		withOffset := breachCrossesDST(b)
		d.Deadline = s.breachTime(lang, clk.Deadline, withOffset)
		d.Aware = s.Catalog.T(lang, "breach.clock.aware", s.breachTime(lang, b.AwareAt, withOffset))
		switch {
		case clk.Running:
			d.DeadlineText = s.Catalog.T(lang, "breach.clock.deadline", d.Deadline)
		case clk.Overdue:
			d.DeadlineText = s.Catalog.T(lang, "breach.clock.limit_past", d.Deadline)
		default:
			d.DeadlineText = s.Catalog.T(lang, "breach.clock.limit_future", d.Deadline)
		}
		d.ClockText = s.breachClockText(lang, b, clk)
		// A closed or notified breach, or one decided not to be notified,
		// no longer asks to notify: the page says what was decided (a
		// closed not-notified breach still read "Notify ... by"; found in
		// a walkthrough).
		switch {
		case b.OmbudsmanNotifiedAt != nil:
			d.DecisionText = s.Catalog.T(lang, "breach.clock.decided_notified", s.breachTime(lang, *b.OmbudsmanNotifiedAt, withOffset))
		case b.Decision == workflow.DecisionNotNotify:
			d.DecisionText = s.Catalog.T(lang, "breach.clock.decided_not_notify")
			d.Reason = b.DecisionReason
		}
		if d.Closed {
			d.ClosedText = s.Catalog.T(lang, "breach.closed.note", workflow.FormatDateTime(derefTime(b.ClosedAt), lang))
		}
		d.Running, d.Overdue = clk.Running, clk.Running && clk.Overdue
		d.PDFURL = breachURL(b.ID) + "/breach.pdf"
		d.Action = breachURL(b.ID)
		title = s.Catalog.T(lang, "breach.page.title", b.No)
		if err := s.breachHistory(c, d); err != nil {
			return err
		}
	} else {
		d.Action = "/staff/breaches/new"
	}
	if len(d.Errors) > 0 {
		title = s.Catalog.T(lang, "intake.errors.title_prefix") + " " + title
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "staff_breach", lang, title, d)
}

// breachHistory fills the decision trail from the audit events (field
// names and codes only, D-25).
func (s *Server) breachHistory(c echo.Context, d *breachPageData) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	q := store.New(s.Pool)
	evs, err := q.BreachEvents(ctx, d.Org.ID, d.B.ID)
	if err != nil {
		return err
	}
	names, err := staffNamesOf(ctx, q, evs)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		e := breachEvent{When: workflow.FormatDateTime(ev.At, lang), Who: s.caseActorLabel(lang, ev.Actor, names, nil)}
		if ev.Action == "breach_reminded" {
			e.What = s.breachReminderText(lang, ev)
		} else {
			e.What = s.caseLabel(lang, "breach.action.", ev.Action)
		}
		if fs, ok := ev.Data["fields"].([]any); ok {
			var labels []string
			for _, f := range fs {
				name, _ := f.(string)
				labels = append(labels, s.breachFieldLabel(lang, name))
			}
			e.Fields = strings.Join(labels, ", ")
		}
		d.History = append(d.History, e)
	}
	return nil
}

// breachCrossesDST: b's times carry their UTC offset (workflow.BreachCrossesDST).
func breachCrossesDST(b store.Breach) bool { return workflow.BreachCrossesDST(b.AwareAt) }

// breachTime is t as the pages write it, with its UTC offset when asked.
func (s *Server) breachTime(lang string, t time.Time, withOffset bool) string {
	out := workflow.FormatDateTime(t, lang)
	if withOffset {
		out += " " + s.Catalog.T(lang, "breach.offset.utc", strings.TrimPrefix(strings.TrimSuffix(workflow.OffsetOf(t), ":00"), "+0"))
	}
	return out
}

// breachReminderText says when a reminder went out: so many hours
// before the limit, at it, or after it (a reminder sent late, the workers
// having been down, recorded hours_before 0 and read "0 h before the
// limit"; found in a walkthrough). Older events lack "overdue": their
// time against the limit they recorded tells.
func (s *Server) breachReminderText(lang string, ev store.AuditEvent) string {
	h, _ := ev.Data["hours_before"].(float64)
	if h > 0 {
		return s.Catalog.T(lang, "breach.action.breach_reminded", int(h))
	}
	overdue, _ := ev.Data["overdue"].(bool)
	if due, err := time.Parse(time.RFC3339, fmt.Sprint(ev.Data["due"])); err == nil && ev.At.Sub(due) >= time.Minute {
		overdue = true
	}
	if overdue {
		return s.Catalog.T(lang, "breach.action.breach_reminded_after")
	}
	return s.Catalog.T(lang, "breach.action.breach_reminded_at")
}

// breachFieldLabel is a field's label on the form.
func (s *Server) breachFieldLabel(lang, field string) string {
	switch field {
	case "notified_at":
		return s.Catalog.T(lang, "breach.notify.at")
	case "reference", "delay_reason":
		return s.Catalog.T(lang, "breach.notify."+field)
	case "persons_at":
		return s.Catalog.T(lang, "breach.persons.at")
	case "persons_how":
		return s.Catalog.T(lang, "breach.persons.how")
	case "persons_not_needed_reason":
		return s.Catalog.T(lang, "breach.persons.not_needed")
	}
	return s.caseLabel(lang, "breach.form.", field)
}

// breachNewOrgs are the organisations the user may record a breach for.
func (s *Server) breachNewOrgs(c echo.Context) ([]store.Org, error) {
	u := staffUser(c)
	orgs, err := s.staffOrgs(c)
	if err != nil {
		return nil, err
	}
	var out []store.Org
	for _, o := range orgs {
		if u.CanAct(o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) staffBreachNewForm(c echo.Context) error {
	orgs, err := s.breachNewOrgs(c)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		return errForbidden
	}
	d := &breachPageData{IsNew: true, Orgs: orgs, Org: orgs[0], OrgSlug: c.QueryParam("org")}
	if d.OrgSlug != "" {
		i := slices.IndexFunc(orgs, func(o store.Org) bool { return o.Slug == d.OrgSlug })
		if i < 0 {
			return errNotFound
		}
		d.Org = orgs[i]
	}
	d.OrgSlug = d.Org.Slug
	now := s.Now()
	contact := strings.TrimSpace(strings.Join(nonEmpty(d.Org.DPOName, d.Org.DPOEmail), ", "))
	d.Values = map[string]string{"aware_at": localValue(&now), "risk": workflow.RiskUnassessed, "contact": contact}
	return s.renderBreach(c, http.StatusOK, d)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func (s *Server) staffBreachCreate(c echo.Context) error {
	orgs, err := s.breachNewOrgs(c)
	if err != nil {
		return err
	}
	slug := c.FormValue("org")
	i := slices.IndexFunc(orgs, func(o store.Org) bool { return o.Slug == slug })
	if i < 0 {
		if u := staffUser(c); len(orgs) == 0 && len(u.Roles) > 0 {
			return errForbidden
		}
		return errNotFound
	}
	org := orgs[i]
	values := posted(c, map[string]string{}, breachEditFields)
	b, err := s.Workflow.CreateBreach(c.Request().Context(), org, staffUser(c).ID, breachInputOf(values))
	var fe workflow.FieldErrors
	if errors.As(err, &fe) {
		return s.renderBreach(c, http.StatusUnprocessableEntity, &breachPageData{IsNew: true, Orgs: orgs, Org: org, OrgSlug: org.Slug, Values: values, Errors: fe})
	}
	if err != nil {
		return err
	}
	flash(c, "breach.flash.created")
	return c.Redirect(http.StatusSeeOther, breachURL(b.ID))
}

func (s *Server) staffBreachPage(c echo.Context) error {
	b, org, err := s.staffBreach(c)
	if err != nil {
		return err
	}
	return s.renderBreach(c, http.StatusOK, &breachPageData{Org: org, B: b})
}

// breachAct runs one change of the DPO's (admin or dpo only): fields are
// the posted form's; on FieldErrors the page shows them with the posted
// values, errTitle heading the summary.
func (s *Server) breachAct(c echo.Context, fields []string, errTitle, done string,
	fn func(b store.Breach, values map[string]string, actor int64) error) error {
	b, org, err := s.staffBreach(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden
	}
	values := posted(c, breachValues(b), fields)
	err = fn(b, values, u.ID)
	var fe workflow.FieldErrors
	switch {
	case errors.As(err, &fe):
		d := &breachPageData{Org: org, B: b, Values: values, Errors: fe}
		if errTitle != "" {
			d.ErrorTitle = s.Catalog.T(langOf(c), errTitle)
		}
		return s.renderBreach(c, http.StatusUnprocessableEntity, d)
	case errors.Is(err, workflow.ErrBreachClosed):
		flash(c, "breach.flash.is_closed")
		return c.Redirect(http.StatusSeeOther, breachURL(b.ID))
	case err != nil:
		return err
	}
	flash(c, done)
	return c.Redirect(http.StatusSeeOther, breachURL(b.ID))
}

func (s *Server) staffBreachSave(c echo.Context) error {
	return s.breachAct(c, breachEditFields, "", "breach.flash.saved", func(b store.Breach, v map[string]string, actor int64) error {
		return s.Workflow.UpdateBreach(c.Request().Context(), b.OrgID, b.ID, actor, breachInputOf(v))
	})
}

func (s *Server) staffBreachNotify(c echo.Context) error {
	return s.breachAct(c, breachNotifyFields, "", "breach.flash.notified", func(b store.Breach, v map[string]string, actor int64) error {
		return s.Workflow.RecordNotification(c.Request().Context(), b.OrgID, b.ID, actor,
			workflow.NotificationInput{At: v["notified_at"], AtOffset: v["notified_at_offset"], Reference: v["reference"], DelayReason: v["delay_reason"]})
	})
}

func (s *Server) staffBreachPersons(c echo.Context) error {
	return s.breachAct(c, breachPersonsFields, "", "breach.flash.persons", func(b store.Breach, v map[string]string, actor int64) error {
		return s.Workflow.RecordPersons(c.Request().Context(), b.OrgID, b.ID, actor,
			workflow.PersonsInput{At: v["persons_at"], AtOffset: v["persons_at_offset"], How: v["persons_how"], NotNeededReason: v["persons_not_needed_reason"]})
	})
}

func (s *Server) staffBreachClose(c echo.Context) error {
	return s.breachAct(c, nil, "breach.close.errors", "breach.flash.closed", func(b store.Breach, _ map[string]string, actor int64) error {
		return s.Workflow.CloseBreach(c.Request().Context(), b.OrgID, b.ID, actor)
	})
}

// staffBreachPDF is one breach laid out along the Ombudsman's
// notification form, in the reader's language.
func (s *Server) staffBreachPDF(c echo.Context) error {
	b, org, err := s.staffBreach(c)
	if err != nil {
		return err
	}
	// The reader's language unless ?lang= asks for another, as the
	// statistics report takes it: the Ombudsman's form may be filled in
	// Finnish by a DPO who reads Swedish (found in a walkthrough).
	lang := langOf(c)
	if l := c.QueryParam("lang"); l != "" {
		if l != "fi" && l != "sv" && l != "en" {
			return echo.NewHTTPError(http.StatusBadRequest, "error.badrequest")
		}
		lang = l
	}
	body, err := s.breachPDF(lang, org, b)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="breach-`+strconv.Itoa(b.No)+`-`+lang+`.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", body)
}

// breachPDF renders b for the Ombudsman's notification form in lang.
func (s *Server) breachPDF(lang string, org store.Org, b store.Breach) ([]byte, error) {
	return pdf.New(s.Catalog).RenderBreach(pdf.Breach{
		Lang: lang, OrgName: org.Name(lang), BusinessID: org.BusinessID, No: b.No, Title: b.Title, State: b.State,
		OccurredAt: derefTime(b.OccurredAt), AwareAt: b.AwareAt, Deadline: workflow.BreachDeadline(b.AwareAt),
		Nature: b.Nature, SubjectCategories: b.SubjectCategories, SubjectCount: b.SubjectCount,
		RecordCategories: b.RecordCategories, RecordCount: b.RecordCount, Consequences: b.Consequences,
		Measures: b.Measures, Contact: b.Contact, Risk: b.Risk, Decision: b.Decision, DecisionReason: b.DecisionReason,
		NotifiedAt: derefTime(b.OmbudsmanNotifiedAt), Reference: b.OmbudsmanReference, DelayReason: b.DelayReason,
		PersonsAt: derefTime(b.PersonsNotifiedAt), PersonsHow: b.PersonsHow, PersonsNotNeeded: b.PersonsNotNeededReason,
		Printed: s.Now(), WithOffset: breachCrossesDST(b),
	})
}
