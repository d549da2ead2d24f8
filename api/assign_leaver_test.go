package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 21 (the DPO shares out work by handler): a handler who leaves the
// organisation, or whose account is disabled, cannot act on cases any
// more. Their open cases lose the handler, each with an event saying why,
// and show under "No handler" on the dashboard; the DPO is told so. A
// closed case keeps the handler who answered it.
func TestLeavingHandlerCasesGoUnassigned(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, wf := f.env.Ctx, f.env.Workflow
	q := store.New(f.env.Pool)
	dpoActor := workflow.StaffActor(f.dpoUserID)
	leaver := f.addUser("leaver@espoo.test", "Leo Leaver", f.org.ID, workflow.RoleDPO)
	stayer := f.addUser("stayer@espoo.test", "Stina Stayer", f.org.ID, workflow.RoleDPO)

	open1 := f.inState(workflow.StateInProgress)
	open2 := f.inState(workflow.StateAnswerReady)
	kept := f.inState(workflow.StateInProgress)
	closed := f.inState(workflow.StateAnswered)
	for _, c := range []store.Case{open1, open2} {
		if err := wf.Assign(ctx, f.org, c.ID, dpoActor, leaver); err != nil {
			t.Fatal(err)
		}
	}
	if err := wf.Assign(ctx, f.org, kept.ID, dpoActor, stayer); err != nil {
		t.Fatal(err)
	}
	// Answered while it was theirs (Assign takes open cases only).
	if _, err := f.env.Pool.Exec(ctx, `UPDATE cases SET assigned_to = $1 WHERE id = $2`, leaver, closed.ID); err != nil {
		t.Fatal(err)
	}

	dpo := f.login(t, f.dpo)
	list := dpo.get("/staff/orgs/espoo/staff")
	// Before: the staff page shows what each member handles, linked to
	// the dashboard filtered to them.
	want := `data-open-cases="2"><a href="/staff/?assignee=` + strconv.FormatInt(leaver, 10) + `&amp;org=espoo">2</a>`
	if !strings.Contains(list.body, want) || !strings.Contains(list.body, `data-open-cases="1">`) {
		t.Errorf("the staff page does not show the handlers' open requests (want %s)", want)
	}
	dpo.csrf = list.csrf(t)
	p := dpo.post("/staff/orgs/espoo/staff/members/"+strconv.FormatInt(leaver, 10)+"/remove", nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("remove = %d", p.status)
	}
	if after := dpo.get(p.location()); !strings.Contains(scText(after.doc), "Their open requests now have no handler") {
		t.Errorf("the DPO is not told the cases lost their handler: %.400s", scText(after.doc))
	}

	handler := func(c store.Case) *int64 {
		t.Helper()
		got, err := q.CaseByID(ctx, f.org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.AssignedTo
	}
	for _, c := range []store.Case{open1, open2} {
		if h := handler(c); h != nil {
			t.Errorf("open case %s still has handler %d", c.Receipt, *h)
		}
		if !unassignedFor(t, q, f.org.ID, c.ID, leaver, "member_removed") {
			t.Errorf("case %s has no unassign event for the removal", c.Receipt)
		}
	}
	if h := handler(kept); h == nil || *h != stayer {
		t.Errorf("another handler's case lost its handler: %v", h)
	}
	if h := handler(closed); h == nil || *h != leaver {
		t.Errorf("the answered case's handler = %v, want kept", h)
	}
	dash := dpo.get("/staff/?assignee=none")
	listed := func(c store.Case) bool { return strings.Contains(dash.body, `data-receipt="`+c.Receipt+`"`) }
	for _, c := range []store.Case{open1, open2} {
		if !listed(c) {
			t.Errorf("case %s is not listed under No handler", c.Receipt)
		}
	}
	if listed(kept) {
		t.Error("an assigned case is listed under No handler")
	}

	// A disabled account: the same, in every organisation it belongs to.
	if err := f.auth.DisableUser(ctx, "stayer@espoo.test", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if h := handler(kept); h != nil {
		t.Errorf("the disabled handler's case still has handler %d", *h)
	}
	if !unassignedFor(t, q, f.org.ID, kept.ID, stayer, "account_disabled") {
		t.Error("no unassign event for the disabled account")
	}
}

// unassignedFor reports whether the case's trail has an unassign event
// taking it from user for reason.
func unassignedFor(t *testing.T, q *store.Q, orgID, caseID, user int64, reason string) bool {
	t.Helper()
	trail, err := q.AuditTrail(context.Background(), orgID, caseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range trail {
		if ev.Action == workflow.AuditUnassign && ev.Data["reason"] == reason && ev.Data["previous_assignee"] == float64(user) {
			return true
		}
	}
	return false
}
