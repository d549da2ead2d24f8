package api

import (
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Case assignment (issue 21): the case page shows who the case is
// assigned to and, to staff who can act, a form to assign it to
// themselves, to another acting member of the organisation, or to nobody.

// caseAssign is the case page's assignment block.
type caseAssign struct {
	Name       string // the assignee's name or email; "" when unassigned
	Mine       bool   // assigned to the signed-in user
	NotMember  bool   // assigned to someone who can no longer act for the organisation
	Open       bool   // the case is open: the form is offered
	URL        string
	MeID       string       // the signed-in user's id, when they can be assigned
	Options    []caseOption // the organisation's acting staff
	Assigned   bool
	AssigneeID string
}

func (s *Server) caseAssignment(c echo.Context, d *caseData, cs store.Case, org store.Org) error {
	ctx := c.Request().Context()
	q := store.New(s.Pool)
	u := staffUser(c)
	a := caseAssign{Open: workflow.State(cs.State).Open(), URL: caseURL(cs.Receipt) + "/assign"}
	staff, err := q.Assignees(ctx, org.ID)
	if err != nil {
		return err
	}
	if cs.AssignedTo != nil {
		a.Assigned, a.AssigneeID, a.Mine = true, strconv.FormatInt(*cs.AssignedTo, 10), *cs.AssignedTo == u.ID
		i := slices.IndexFunc(staff, func(m store.Assignee) bool { return m.ID == *cs.AssignedTo })
		if i >= 0 {
			a.Name = staff[i].Name
		} else {
			a.NotMember = true
			names, err := q.StaffNames(ctx, []int64{*cs.AssignedTo})
			if err != nil {
				return err
			}
			a.Name = names[*cs.AssignedTo]
		}
	}
	for _, m := range staff {
		if m.ID == u.ID {
			a.MeID = strconv.FormatInt(u.ID, 10)
		}
		a.Options = append(a.Options, caseOption{Value: strconv.FormatInt(m.ID, 10), Label: m.Name,
			Selected: cs.AssignedTo != nil && *cs.AssignedTo == m.ID})
	}
	d.Assign = a
	return nil
}

// staffCaseAssign assigns the case (POST, CSRF as every staff form):
// assignee=ID, or "" to unassign. A viewer is refused (403) as for the
// other actions; a staff member who cannot be assigned (another
// organisation's, a viewer, a disabled account) is a 422 with the error
// beside the form; a closed case a 409.
func (s *Server) staffCaseAssign(c echo.Context) error {
	cs, org, values, err := s.actingCaseForm(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	f := &caseForm{ID: "assign", values: values}
	raw := strings.TrimSpace(values.Get("assignee"))
	var assignee int64
	if raw != "" {
		if assignee, err = strconv.ParseInt(raw, 10, 64); err != nil || assignee <= 0 {
			return s.caseAfterAction(c, cs, org, f, workflow.FieldErrors{"assignee": "staffcase.assign.err.member"}, "")
		}
	}
	err = s.Workflow.Assign(c.Request().Context(), org, cs.ID, u.Actor(), assignee)
	flashKey := "staffcase.flash.assign"
	if assignee == 0 {
		flashKey = "staffcase.flash.unassign"
	}
	return s.caseAfterAction(c, cs, org, f, err, flashKey)
}

// assigneeIDs are the staff ids that assignment events name, for the
// timeline's names.
func assigneeIDs(events []store.AuditEvent) []int64 {
	var ids []int64
	for _, ev := range events {
		for _, k := range []string{"assignee", "previous_assignee"} {
			if v, ok := ev.Data[k].(float64); ok {
				ids = append(ids, int64(v))
			}
		}
	}
	return ids
}

// nameAssignees shows an assignment event's staff ids as their names.
func nameAssignees(data map[string]any, names map[int64]string) {
	for _, k := range []string{"assignee", "previous_assignee"} {
		if v, ok := data[k].(float64); ok {
			if n, ok := names[int64(v)]; ok {
				data[k] = n
			}
		}
	}
}

// dashboardAssignee reads the dashboard's assignee filter (issue 21):
// "me", "none" (assigned to nobody) or the id of one of the acting staff
// of the view's organisations; anything else is no filter. Its options are
// those staff, each once, by name.
func (s *Server) dashboardAssignee(c echo.Context, d *dashboardData, f *store.DashboardFilter, value string) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	u := staffUser(c)
	q := store.New(s.Pool)
	seen := map[int64]bool{}
	var staff []store.Assignee
	for _, orgID := range f.OrgIDs {
		list, err := q.Assignees(ctx, orgID)
		if err != nil {
			return err
		}
		for _, m := range list {
			if !seen[m.ID] {
				seen[m.ID] = true
				staff = append(staff, m)
			}
		}
	}
	slices.SortStableFunc(staff, func(a, b store.Assignee) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	d.Assignee = ""
	switch value {
	case "me":
		d.Assignee, f.Assignee = value, u.ID
	case "none":
		d.Assignee, f.Unassigned = value, true
	}
	d.Assignees = []caseOption{
		{Value: "me", Label: s.Catalog.T(lang, "staffcase.filter.assignee.me"), Selected: d.Assignee == "me"},
		{Value: "none", Label: s.Catalog.T(lang, "staffcase.filter.assignee.none"), Selected: d.Assignee == "none"},
	}
	for _, m := range staff {
		id := strconv.FormatInt(m.ID, 10)
		if id == value {
			d.Assignee, f.Assignee = value, m.ID
		}
		d.Assignees = append(d.Assignees, caseOption{Value: id, Label: m.Name, Selected: id == value})
	}
	return nil
}
