package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The DPO's case work (issue 12): the dashboard of open cases, the case
// page with its actions, and entering a request that came by letter, phone
// or at the counter. Isolation: the organisation always comes from the
// signed-in user's memberships; another organisation's case is a 404
// whatever the URL (by receipt, task id or action), and a viewer sees but
// cannot act (403).

func (s *Server) staffCaseRoutes(g *echo.Group) {
	g.GET("/", s.staffDashboard)
	g.POST("/search", s.staffPersonSearch)       // issue 21: by email or henkilötunnus, never in a URL
	g.GET("/cases.csv", s.staffCasesCSV)         // issue 21: the current view
	g.POST("/search/cases.csv", s.staffCasesCSV) // issue 21: a person search's view
	g.GET("", s.staffDashboardSlash)
	g.GET("/cases/new", s.staffNewCaseForm)
	g.POST("/cases/new", s.staffNewCase)
	g.GET("/cases/:receipt", s.staffCasePage)
	g.POST("/cases/:receipt/actions/:action", s.staffCaseAction)
	g.POST("/cases/:receipt/assign", s.staffCaseAssign) // issue 21
	g.POST("/cases/:receipt/tasks/:task/reassign", s.staffTaskReassign)
	g.POST("/cases/:receipt/tasks/:task/answer", s.staffTaskAnswer)
	g.POST("/cases/:receipt/tasks/:task/letter", s.staffTaskLetter) // the DPO's version of the owner's letter texts
	g.GET("/cases/:receipt/tasks/:task/files/:id", s.staffTaskFile)
	g.GET("/cases/:receipt/documents/:id", s.staffDocumentFile) // FI-2: given with the decision
	g.GET("/cases/:receipt/letters/access.pdf", s.staffAccessLetter)
	g.GET("/cases/:receipt/letters/access.zip", s.staffAccessExport) // issue 18, Art 20
	g.GET("/cases/:receipt/letters/access.html", s.staffAccessHTML)  // issue 18, Act 306/2019
	g.POST("/cases/:receipt/letters/send", s.staffSendAnswer)
	g.POST("/cases/:receipt/tasks/:task/withheld", s.staffTaskWithheld)              // issue 18, 15(4)
	g.POST("/cases/:receipt/tasks/:task/withheld/remove", s.staffTaskWithheldRemove) // issue 18, 15(4)
	g.GET("/cases/:receipt/email", s.staffCaseEmail)
	g.GET("/cases/:receipt/email/files/:id", s.staffCaseEmailFile)
	g.GET("/cases/:receipt/replies/files/:id", s.staffReplyFile) // issue 20
	g.POST("/cases/:receipt/forward", s.staffForward)            // issue 20, RD-2, D-7
	g.POST("/cases/:receipt/reveal", s.staffCaseReveal)          // issue 16 item 11
	g.POST("/mail/failed/:id/retry", s.staffRetryMail)
	s.printRoutes(g)                                                 // issue 18, IN-1
	g.GET("/cases/:receipt/letters/:name", s.staffCaseLetter)        // issue 18: refusal.pdf, extension.pdf, receipt.pdf
	g.POST("/cases/:receipt/letters/:kind/send", s.staffSendLetter)  // issue 18
	g.POST("/cases/:receipt/deliveries/:id/renew", s.staffRenewLink) // issue 18: a new link
}

// staffRetryMail queues a failed email again (issue 6: a failure is shown
// to the DPO, who can send it again once the cause is fixed). Another
// organisation's mail is not found.
func (s *Server) staffRetryMail(c echo.Context) error {
	u := staffUser(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	for _, orgID := range u.OrgIDs() {
		failed, err := store.New(s.Pool).FailedOutbox(ctx, []int64{orgID}, s.Workflow.MailStuckBefore())
		if err != nil {
			return err
		}
		for _, m := range failed {
			if m.ID != id {
				continue
			}
			if !u.CanAct(orgID) {
				return errForbidden
			}
			org, err := store.New(s.Pool).OrgByID(ctx, orgID)
			if err != nil {
				return err
			}
			if err := s.Workflow.RetryMail(ctx, org, id, u.Actor()); err != nil {
				return err
			}
			flash(c, "staffcase.failed.requeued")
			return c.Redirect(http.StatusSeeOther, "/staff/#failed-mail")
		}
	}
	return errNotFound
}

func (s *Server) staffDashboardSlash(c echo.Context) error {
	return c.Redirect(http.StatusMovedPermanently, "/staff/")
}

// dashboardPageSize is the number of cases a dashboard page lists.
const dashboardPageSize = 50

// caseURL is the case page of a receipt.
func caseURL(receipt string) string { return "/staff/cases/" + url.PathEscape(receipt) }

// actingCaseForm is a case action's common start: the case and its
// organisation (staffCase), a viewer refused (errForbidden), the posted
// form's values.
func (s *Server) actingCaseForm(c echo.Context) (store.Case, store.Org, url.Values, error) {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return cs, org, nil, err
	}
	if !staffUser(c).CanAct(org.ID) {
		return cs, org, nil, errForbidden
	}
	values, err := caseFormValues(c)
	return cs, org, values, err
}

// staffCase finds the case named by the :receipt path parameter among the
// signed-in user's organisations; any other receipt is a 404.
func (s *Server) staffCase(c echo.Context) (store.Case, store.Org, error) {
	u := staffUser(c)
	if u == nil || len(u.Roles) == 0 {
		return store.Case{}, store.Org{}, errNotFound
	}
	receipt, ok := store.ParseReceipt(c.Param("receipt")) // issue 16, item 9: one parser
	if !ok {
		return store.Case{}, store.Org{}, errNotFound
	}
	q := store.New(s.Pool)
	cs, err := q.CaseByReceipt(c.Request().Context(), u.OrgIDs(), receipt)
	if errors.Is(err, store.ErrNotFound) {
		return cs, store.Org{}, errNotFound
	}
	if err != nil {
		return cs, store.Org{}, err
	}
	if !u.CanSee(cs.OrgID) { // belt and braces: the query was scoped already
		return store.Case{}, store.Org{}, errNotFound
	}
	org, err := q.OrgByID(c.Request().Context(), cs.OrgID)
	return cs, org, err
}

// memberOrgs are the signed-in user's organisations by name.
func (s *Server) caseMemberOrgs(c echo.Context) ([]store.Org, error) {
	u := staffUser(c)
	if u == nil {
		return nil, errNotFound
	}
	all, err := store.New(s.Pool).Orgs(c.Request().Context())
	if err != nil {
		return nil, err
	}
	var out []store.Org
	for _, o := range all {
		if u.CanSee(o.ID) {
			out = append(out, o)
		}
	}
	lang := langOf(c)
	slices.SortFunc(out, func(a, b store.Org) int { return strings.Compare(a.Name(lang), b.Name(lang)) })
	return out, nil
}

// label translates prefix+key, or shows key itself when the catalogue has
// no such message (a value added later must not render as a message key).
func (s *Server) caseLabel(lang, prefix, key string) string {
	if key == "" {
		return ""
	}
	if s.Catalog.Has(lang, prefix+key) {
		return s.Catalog.T(lang, prefix+key)
	}
	return key
}

func (s *Server) caseRightLabels(lang string, rights []string, doc bool) string {
	if len(rights) == 0 && !doc {
		return s.Catalog.T(lang, "staffcase.rights.untriaged")
	}
	var out []string
	for _, r := range rights {
		out = append(out, s.caseLabel(lang, "right.", r))
	}
	if doc {
		out = append(out, s.Catalog.T(lang, "staffcase.document_request.short"))
	}
	return strings.Join(out, ", ")
}

// today is the Helsinki date of the server's clock (DL-4).
func (s *Server) caseToday() workflow.Date { return workflow.HelsinkiDate(s.Now()) }

// dbDay is a date as PostgreSQL's date parameter.
func caseDBDay(d workflow.Date) time.Time { return d.In(time.UTC) }

// dayOf is a PostgreSQL date column as a Date.
func caseDay(t time.Time) workflow.Date { return workflow.DateOf(t.UTC()) }

func caseDayPtr(t *time.Time) workflow.Date {
	if t == nil {
		return workflow.Date{}
	}
	return caseDay(*t)
}

// fmtTime shows an instant in Helsinki time in the reader's way.
func caseTime(t time.Time, lang string) string {
	// Issue 20: one function per language writes an instant (terms.md).
	return workflow.FormatDateTime(t, lang)
}

// safeTargetPassed: the internal safe target (DL-7) of the running
// deadline is behind us. For an extended case the target is the last
// working day on or before receipt + 3 months (as for owners, D-13).
// A request for documents alone has no GDPR target (FI-2).
func caseSafePassed(c store.Case, today workflow.Date) bool {
	if workflow.DocumentsOnly(c) {
		return false
	}
	target := caseDay(c.SafeTarget)
	if c.ExtendedDue != nil {
		target = workflow.Calendar{EvesNonWorking: true}.RollBack(workflow.HelsinkiDate(c.ReceivedAt).AddMonths(3))
	}
	return today.After(target)
}

// ---- dashboard -------------------------------------------------------------

type caseOption struct {
	Value, Label string
	Selected     bool
	Lang         string // lang attribute of a published label (D-5)
}

type dashboardData struct {
	Orgs     []caseOption
	MultiOrg bool
	States   []caseOption
	Rights   []caseOption
	Org      string
	State    string
	Right    string
	Band     string
	Query    string
	Filtered bool
	NoMatch  bool // a receipt was searched and nothing matched

	// Issue 21: channel and unit filters, the person search (POSTed, so
	// the value is in no URL) and the CSV export of the view.
	Channels    []caseOption
	Units       []caseOption
	Channel     string
	Unit        string
	Person      string // the searched email or henkilötunnus (a POST's page only)
	PersonError string // message key when Person is neither
	PersonMore  bool   // more cases than a person search lists
	CSVURL      string // GET export of a filtered view ("" for a person search)
	// Assignee filter: "" anyone, "me", "none" or a staff id (issue 21).
	Assignee  string
	Assignees []caseOption

	Counts   []dashBand
	Total    int
	Rows     []dashRow
	NextURL  string
	FirstURL string // back to the first page, when on a later one
	Triage   []dashTriage
	Queue    []dashQueue
	Failed   []dashFailed
	Renders  []dashRender // answers approved but not rendered (issue 18)
	CanEnter bool         // may enter a paper request (dpo or admin somewhere)
	// NotOpen: the user's organisations (acting for them) that residents
	// cannot reach yet, and why: a new DPO's first page says what to do.
	NotOpen   []store.Org
	TodayText string
	Stats     *dashStats // issue 21: one organisation's charts, compact

	// Finished: the view lists finished requests only (a finished state
	// chosen): no urgency bands, no count (that would scan closed
	// history), and a caption naming the state (StateLabel).
	Finished   bool
	StateLabel string
}

type dashBand struct {
	Band, Label, URL string
	N                int
	Current          bool
}

type dashRow struct {
	Receipt, URL, Org, Rights, State, StateValue, Channel string
	Band, BandLabel                                       string
	Due, LegalDue, PausedDue, SafeTarget                  string
	Clock, ClockLabel                                     string // D-23: which deadline Due is
	DueClock                                              string // a finished request for documents alone: its FI-2 clock
	Extended, SafePassed, NeedsTriage                     bool
	OpenTasks, QueueTasks                                 int
	DueISO                                                string // for the CSV (ISO 8601)
	Handler                                               string // issue 21: the assignee's name, "" for none
	// A finished request (answered, closed, refused, withdrawn) has no
	// urgency band: the row shows its outcome and when it was reached,
	// and whether an answer came after the due date.
	Finished                 bool
	Outcome, Ended, EndedISO string
	AnsweredLate             bool
}

type dashTriage struct {
	Receipt, URL, Org, Received, Due string
	// Overdue: its due date has passed (an email waiting to be recorded
	// a month looked like one that came today: walkthrough).
	Overdue bool
}

type dashQueue struct {
	Receipt, URL, Org, Register, RegisterLang, Right, Due string
}

// dashRender is an approved answer whose letter failed to render, or is
// being retried.
type dashRender struct {
	Receipt, URL, Text, State string
}

type dashFailed struct {
	ID                                int64
	Receipt, URL, Kind, To, At, Error string
	Attempts                          int
	Pending                           bool // still failing temporarily, retried automatically (issue 17)
}

// dashboardQuery is the dashboard's filter as query parameters; the
// channel and unit filters (issue 21) are added by withFilters.
func dashboardQuery(org, state, right, band, q string) url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"org": org, "state": state, "right": right, "band": band, "q": q} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// dashboardChannels are the values of cases.channel, in the filter's order.
var dashboardChannels = []string{"web", "email", "paper", "phone", "counter", "api"}

func dashboardURL(v url.Values) string {
	if len(v) == 0 {
		return "/staff/"
	}
	return "/staff/?" + v.Encode()
}

func (s *Server) staffDashboard(c echo.Context) error { return s.dashboard(c, c.QueryParam, false) }

// staffPersonSearch is the dashboard of one person's cases (issue 21): the
// email or henkilötunnus comes in a POST body, is looked up through its
// keyed blind index, and the search (never the value) is recorded in the
// access log.
func (s *Server) staffPersonSearch(c echo.Context) error { return s.dashboard(c, c.FormValue, true) }

// personSearchLimit is how many cases a person search lists (no paging: a
// next-page link would carry the person in its URL).
const personSearchLimit = 200

// query is the view's filter as query parameters, with band.
func (d *dashboardData) query(band string) url.Values {
	v := dashboardQuery(d.Org, d.State, d.Right, band, d.Query)
	if d.Channel != "" {
		v.Set("channel", d.Channel)
	}
	if d.Unit != "" {
		v.Set("unit", d.Unit)
	}
	if d.Assignee != "" {
		v.Set("assignee", d.Assignee)
	}
	return v
}

// dashboardView reads the view's filter (from the query, or from a POSTed
// form for a person search) into d and a store filter. A redirect is the
// case page of a whole receipt number.
func (s *Server) dashboardView(c echo.Context, get func(string) string, person bool) (dashboardData, store.DashboardFilter, map[int64]store.Org, string, error) {
	ctx := c.Request().Context()
	lang := langOf(c)
	u := staffUser(c)
	orgs, err := s.caseMemberOrgs(c)
	if err != nil {
		return dashboardData{}, store.DashboardFilter{}, nil, "", err
	}
	d := dashboardData{
		Org: get("org"), State: get("state"), Right: get("right"), Channel: get("channel"), Unit: get("unit"),
		Band: get("band"), Query: strings.TrimSpace(get("q")), MultiOrg: len(orgs) > 1,
	}
	// One more than a page tells whether a next page exists.
	f := store.DashboardFilter{Limit: dashboardPageSize + 1}
	orgByID := map[int64]store.Org{}
	for _, o := range orgs {
		orgByID[o.ID] = o
		d.Orgs = append(d.Orgs, caseOption{Value: o.Slug, Label: o.Name(lang), Selected: o.Slug == d.Org})
		if d.Org == "" || o.Slug == d.Org {
			f.OrgIDs = append(f.OrgIDs, o.ID)
		}
		d.CanEnter = d.CanEnter || u.CanAct(o.ID)
		if !o.Open && u.CanAct(o.ID) {
			d.NotOpen = append(d.NotOpen, o)
		}
	}
	if d.Org != "" && len(f.OrgIDs) == 0 {
		return d, f, nil, "", errNotFound // not one of the user's organisations
	}
	if d.State != "" && !slices.Contains(workflow.States, workflow.State(d.State)) {
		d.State = ""
	}
	if d.Right != "" && !workflow.ValidRight(d.Right) {
		d.Right = ""
	}
	if !slices.Contains(dashboardChannels, d.Channel) {
		d.Channel = ""
	}
	for _, st := range workflow.States {
		d.States = append(d.States, caseOption{Value: string(st), Label: s.caseLabel(lang, "state.", string(st)), Selected: string(st) == d.State})
	}
	for _, r := range workflow.Rights {
		d.Rights = append(d.Rights, caseOption{Value: string(r), Label: s.caseLabel(lang, "right.", string(r)), Selected: string(r) == d.Right})
	}
	for _, ch := range dashboardChannels {
		d.Channels = append(d.Channels, caseOption{Value: ch, Label: s.caseLabel(lang, "channel.", ch), Selected: ch == d.Channel})
	}
	q := store.New(s.Pool)
	units, err := q.Units(ctx, f.OrgIDs)
	if err != nil {
		return d, f, nil, "", err
	}
	unitOK := false
	for _, un := range units {
		id := strconv.FormatInt(un.ID, 10)
		label := un.Name
		if d.MultiOrg && d.Org == "" {
			label += " (" + orgByID[un.OrgID].Name(lang) + ")"
		}
		d.Units = append(d.Units, caseOption{Value: id, Label: label, Selected: id == d.Unit})
		if id == d.Unit {
			unitOK, f.UnitID = true, un.ID
		}
	}
	if !unitOK {
		d.Unit = ""
	}
	if err := s.dashboardAssignee(c, &d, &f, get("assignee")); err != nil {
		return d, f, nil, "", err
	}
	if d.State != "" {
		f.States = []string{d.State}
		if !workflow.State(d.State).Open() {
			// A finished request runs against no deadline: its view has
			// no bands, and a band in the URL does not narrow it.
			d.Finished, d.StateLabel, d.Band = true, s.caseLabel(lang, "state.", d.State), ""
		}
	}
	f.Right, f.Channel = d.Right, d.Channel
	if person {
		// A person's cases in any state unless one is chosen: the search
		// is for their history, not the open work.
		if d.State == "" {
			for _, st := range workflow.States {
				f.States = append(f.States, string(st))
			}
		}
		f.Limit = personSearchLimit + 1
		d.Person = strings.TrimSpace(get("person"))
		if r := []rune(d.Person); len(r) > 254 {
			d.Person = string(r[:254])
		}
		switch {
		case strings.Contains(d.Person, "@"):
			f.Person, err = q.EmailSearch(d.Person)
		default:
			h, herr := workflow.ParseHetu(d.Person)
			if herr != nil {
				d.PersonError = "staffcase.search.person_invalid"
				return d, f, orgByID, "", nil
			}
			f.Person, err = q.HetuSearch(h.Canonical())
		}
		if err != nil {
			return d, f, nil, "", err
		}
	}
	// A whole receipt number opens its case, whatever its state.
	if receipt, ok := store.ParseReceipt(d.Query); ok && len(f.OrgIDs) > 0 && !person {
		cs, err := q.CaseByReceipt(ctx, f.OrgIDs, receipt)
		if err == nil {
			return d, f, nil, caseURL(cs.Receipt), nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return d, f, nil, "", err
		}
	}
	if r := []rune(d.Query); len(r) > 40 {
		d.Query = string(r[:40])
	}
	f.Receipt = d.Query
	d.Filtered = d.Org != "" || d.State != "" || d.Right != "" || d.Band != "" || d.Query != "" ||
		d.Channel != "" || d.Unit != "" || d.Assignee != "" || person

	today := s.caseToday()
	switch d.Band {
	case string(workflow.BandOverdue):
		to := caseDBDay(today.AddDays(-1))
		f.DueTo = &to
	case string(workflow.BandWeek):
		from, to := caseDBDay(today), caseDBDay(today.AddDays(7))
		f.DueFrom, f.DueTo = &from, &to
	case string(workflow.BandLater):
		from := caseDBDay(today.AddDays(8))
		f.DueFrom = &from
	default:
		d.Band = ""
	}
	if cur, ok := caseCursor(get("after")); ok && !person {
		f.After = &cur
	}
	return d, f, orgByID, "", nil
}

func (s *Server) dashboard(c echo.Context, get func(string) string, person bool) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	d, f, orgByID, redirect, err := s.dashboardView(c, get, person)
	if err != nil {
		return err
	}
	if redirect != "" {
		return c.Redirect(http.StatusSeeOther, redirect)
	}
	orgNames := map[int64]string{}
	for id, o := range orgByID {
		orgNames[id] = o.Name(lang)
	}
	today := s.caseToday()
	d.TodayText = workflow.FormatDate(today, lang)
	if d.PersonError != "" {
		// No search ran: the page says only that, with the forms (the
		// typed value kept), not an empty result as if it had.
		return s.render(c, http.StatusUnprocessableEntity, "staff_dashboard", lang, s.Catalog.T(lang, "staffcase.dashboard.title"), d)
	}
	if person {
		// Recorded before anything is shown: a failed log is no search.
		if err := s.Workflow.LogPersonSearch(ctx, f, staffUser(c).Actor()); err != nil {
			return err
		}
	} else {
		d.CSVURL = "/staff/cases.csv"
		if v := d.query(d.Band); len(v) > 0 {
			d.CSVURL += "?" + v.Encode()
		}
		if o, ok := orgByID[singleOrg(f.OrgIDs)]; ok {
			if d.Stats, err = s.dashboardStats(c, o, lang); err != nil {
				return err
			}
		}
	}

	q := store.New(s.Pool)
	if !d.Finished {
		// The bands count open requests only: a person search's view
		// lists the finished ones too, which run against no deadline.
		cf := f
		cf.States = openStates(f.States)
		counts, err := q.CountDashboard(ctx, cf, caseDBDay(today))
		if err != nil {
			return err
		}
		for _, b := range []struct {
			band workflow.Band
			n    int
		}{{workflow.BandOverdue, counts.Overdue}, {workflow.BandWeek, counts.Week}, {workflow.BandLater, counts.Later}} {
			v := d.query(string(b.band))
			if d.Band == string(b.band) {
				v = d.query("") // a second click clears the band
			}
			link := dashboardURL(v)
			if person {
				link = "" // a link would drop the person (or carry them in its URL)
			}
			// The label follows the count: sv "1 Försenad", "65 Försenade".
			d.Counts = append(d.Counts, dashBand{Band: string(b.band), Label: s.Catalog.N(lang, "band.count."+string(b.band), b.n),
				N: b.n, URL: link, Current: d.Band == string(b.band)})
			d.Total += b.n
		}
	}

	rows, err := q.Dashboard(ctx, f)
	if err != nil {
		return err
	}
	page := dashboardPageSize
	if person {
		page = personSearchLimit
	}
	more := len(rows) > page
	if more {
		rows = rows[:page]
	}
	handlers := map[int64]string{}
	if err := s.handlerNames(ctx, rows, handlers); err != nil {
		return err
	}
	for _, r := range rows {
		row := s.dashboardRow(r, orgByID, orgNames, lang, today)
		row.Handler = handlerOf(r, handlers)
		d.Rows = append(d.Rows, row)
	}
	if more && !person {
		last := rows[len(rows)-1]
		v := d.query(d.Band)
		v.Set("after", caseCursorValue(f, last))
		d.NextURL = dashboardURL(v)
	}
	d.PersonMore = more && person
	if person {
		d.Total = len(d.Rows) // the cases listed, in every state (PersonMore says when there are more)
	}
	if f.After != nil {
		d.FirstURL = dashboardURL(d.query(d.Band))
	}
	d.NoMatch = d.Query != "" && d.Total == 0
	if d.Finished {
		d.NoMatch = d.Query != "" && len(d.Rows) == 0 && f.After == nil
	}

	if err := s.dashboardBoxes(c, &d, f.OrgIDs, orgNames); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "staff_dashboard", lang, s.Catalog.T(lang, "staffcase.dashboard.title"), d)
}

// dashboardRow is one case of the list (and of its CSV export).
func (s *Server) dashboardRow(r store.DashboardRow, orgByID map[int64]store.Org, orgNames map[int64]string, lang string, today workflow.Date) dashRow {
	cs := r.Case()
	// One function for the dates (DL-8, DL-11, FI-2, D-23): the row's
	// place is its earliest running deadline, named by its clock.
	due := workflow.DueOf(cs, workflow.CalendarFor(orgByID[r.OrgID]), s.Now())
	urgent, clock := workflow.UrgencyOf(due)
	band := workflow.BandOf(urgent, today)
	row := dashRow{
		Receipt: r.Receipt, URL: caseURL(r.Receipt), Org: orgNames[r.OrgID],
		Rights: s.caseRightLabels(lang, r.Rights, r.DocumentRequest), StateValue: r.State,
		State: s.caseLabel(lang, "state.", r.State), Channel: s.caseLabel(lang, "channel.", r.Channel),
		Band: string(band), BandLabel: s.caseLabel(lang, "band.", string(band)),
		Due: workflow.FormatDate(urgent, lang), LegalDue: workflow.FormatDate(due.LegalDue, lang),
		Clock: string(clock), ClockLabel: s.caseLabel(lang, "clock.", string(clock)),
		Extended: clock == workflow.ClockExtended, NeedsTriage: r.NeedsTriage,
		OpenTasks: r.OpenTasks, QueueTasks: r.QueueTasks,
		DueISO: urgent.String(),
	}
	if !workflow.State(r.State).Open() {
		s.finishedRow(&row, r, due, workflow.DocumentsOnly(cs), urgent, lang)
		return row
	}
	if !due.PausedEffective.IsZero() && (clock == workflow.ClockGDPR || clock == workflow.ClockExtended) {
		// DL-8: beside, never instead; an extension counted (DL-11).
		row.PausedDue = workflow.FormatDate(due.PausedEffective, lang)
	}
	if band != workflow.BandOverdue && caseSafePassed(cs, today) {
		row.SafePassed = true
	}
	return row
}

// finishedRow makes row a finished request's: no urgency band (nothing
// runs against a deadline any more), its outcome and the day it was
// reached instead (stats_source's reading of the outcome), and whether
// the answer came after the effective due date (as the answer's event
// records on_time: the date never moves once answered). A request for
// documents alone was due by its FI-2 date, named by its clock.
func (s *Server) finishedRow(row *dashRow, r store.DashboardRow, due workflow.Due, docsOnly bool, urgent workflow.Date, lang string) {
	row.Finished, row.Band, row.BandLabel, row.SafePassed, row.PausedDue = true, "", "", false, ""
	effective := due.Effective
	if docsOnly {
		effective = urgent
		row.DueClock = row.ClockLabel
	}
	row.Due = workflow.FormatDate(effective, lang)
	outcome, at := "withdrawn", r.EndedAt
	switch {
	case r.AnsweredAt != nil:
		outcome, at = "answered", r.AnsweredAt
	case r.State == string(workflow.StateRefused) || r.RefusalGround != "":
		outcome = "refused"
	}
	row.Outcome = s.caseLabel(lang, "state.", outcome)
	if at != nil {
		day := workflow.HelsinkiDate(*at)
		row.Ended, row.EndedISO = workflow.FormatDate(day, lang), day.String()
		row.AnsweredLate = outcome == "answered" && day.After(effective)
	}
}

// openStates are the open ones of a view's states: a person search's
// every state, or one open state; none (nil) is every open state, as in
// store.DashboardFilter. A finished state's view has no bands to count.
func openStates(states []string) []string {
	var out []string
	for _, st := range states {
		if workflow.State(st).Open() {
			out = append(out, st)
		}
	}
	return out
}

// dashboardBoxes fills what the DPO must see first: emailed requests to
// triage, tasks in the DPO's queue (D-11) and mail that could not be sent.
func (s *Server) dashboardBoxes(c echo.Context, d *dashboardData, orgIDs []int64, orgNames map[int64]string) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	q := store.New(s.Pool)
	triage, err := q.NeedingTriage(ctx, orgIDs)
	if err != nil {
		return err
	}
	today := workflow.HelsinkiDate(s.Now())
	for _, t := range triage {
		d.Triage = append(d.Triage, dashTriage{Receipt: t.Receipt, URL: caseURL(t.Receipt), Org: orgNames[t.OrgID],
			Received: caseTime(t.ReceivedAt, lang), Due: workflow.FormatDate(caseDay(t.EffectiveDue), lang),
			Overdue: today.After(caseDay(t.EffectiveDue))})
	}
	queue, err := q.DPOQueue(ctx, orgIDs)
	if err != nil {
		return err
	}
	for _, t := range queue {
		d.Queue = append(d.Queue, dashQueue{Receipt: t.Receipt, URL: caseURL(t.Receipt) + "#task-" + strconv.FormatInt(t.TaskID, 10),
			Org: orgNames[t.OrgID], Register: t.RegisterName, RegisterLang: publishedLang(t.RegisterLang, lang),
			Right: s.caseLabel(lang, "right.", t.Right), Due: workflow.FormatDate(caseDay(t.EffectiveDue), lang)})
	}
	failed, err := q.FailedOutbox(ctx, orgIDs, s.Workflow.MailStuckBefore())
	if err != nil {
		return err
	}
	var ids []int64
	for _, m := range failed {
		if m.CaseID != 0 {
			ids = append(ids, m.CaseID)
		}
	}
	receipts := map[int64]string{}
	if len(ids) > 0 {
		if receipts, err = q.ReceiptsByID(ctx, orgIDs, ids); err != nil {
			return err
		}
	}
	for _, m := range failed {
		fm := dashFailed{ID: m.ID, Kind: s.caseLabel(lang, "staffcase.mail.kind.", m.Kind), To: m.To, At: caseTime(m.CreatedAt, lang),
			Error: m.LastError, Attempts: m.Attempts, Pending: m.State == "pending"}
		if r, ok := receipts[m.CaseID]; ok {
			fm.Receipt, fm.URL = r, caseURL(r)
		}
		d.Failed = append(d.Failed, fm)
	}
	renders, err := q.AnswerRenderTrouble(ctx, orgIDs)
	if err != nil {
		return err
	}
	for _, r := range renders {
		text := s.Catalog.T(lang, "answer.render.failed", caseTime(r.UpdatedAt, lang))
		if r.State == workflow.RenderPending {
			text = s.Catalog.N(lang, "answer.render.retrying", r.Attempts, r.Attempts)
		}
		d.Renders = append(d.Renders, dashRender{Receipt: r.Receipt, URL: caseURL(r.Receipt) + "#answer-render", Text: text, State: r.State})
	}
	return nil
}

// caseCursorValue is the keyset cursor after row, for the next page's
// URL: "YYYY-MM-DD.ID" in the deadline order; in a view of finished
// requests (newest first) "tMICROS.ID", the moment it finished to the
// microsecond, as PostgreSQL keeps it: a day would skip or repeat the
// requests finished on the page's last day.
func caseCursorValue(f store.DashboardFilter, row store.DashboardRow) string {
	id := "." + strconv.FormatInt(row.ID, 10)
	if f.Finished() {
		return "t" + strconv.FormatInt(row.SortDue.UnixMicro(), 10) + id
	}
	return caseDay(row.SortDue).String() + id
}

// caseCursor reads a keyset cursor of caseCursorValue.
func caseCursor(v string) (store.DashboardCursor, bool) {
	key, id, ok := strings.Cut(v, ".")
	if !ok {
		return store.DashboardCursor{}, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 0 {
		return store.DashboardCursor{}, false
	}
	if micros, found := strings.CutPrefix(key, "t"); found {
		us, err := strconv.ParseInt(micros, 10, 64)
		if err != nil {
			return store.DashboardCursor{}, false
		}
		return store.DashboardCursor{Due: time.UnixMicro(us).UTC(), ID: n}, true
	}
	dt, err := workflow.ParseDate(key)
	if err != nil {
		return store.DashboardCursor{}, false
	}
	return store.DashboardCursor{Due: caseDBDay(dt), ID: n}, true
}
