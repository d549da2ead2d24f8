package workflow_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// D-30, DL-9: changing eves_non_working applies to requests received after
// the change; a case's dates never move.
func TestEvesSettingAppliesToLaterCasesD30(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("evestown", "Aattokunta", "Aftonkommun", "fi")
	reg := env.Register(org.ID, "Rekisteri", "e", "")
	// Received Tue 2026-05-19: raw_end is Midsummer Eve, Fri 2026-06-19.
	env.Clock.Set(time.Date(2026, 5, 19, 10, 0, 0, 0, workflow.Helsinki()))
	file := func(o store.Org) store.Case {
		t.Helper()
		sub, err := env.Workflow.EnterRequest(ctx, o, workflow.StaffActor(1), workflow.PaperRequest{
			Request: workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{reg}, Name: "Maija", Email: "maija@example.test", Lang: "fi"},
			Channel: "paper", ReceivedAt: env.Clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		c, err := store.New(env.Pool).CaseByID(ctx, o.ID, sub.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := file(org)
	org, changed, err := workflow.ChangeOrg(ctx, env.Pool, env.Keys, org.Slug, func(o *store.Org) { o.EvesNonWorking = true }, workflow.StaffActor(1), env.Clock.Now())
	if err != nil || !slices.Equal(changed, []string{"eves_non_working"}) {
		t.Fatalf("change: %v %v", changed, err)
	}
	after := file(org)
	now := env.Clock.Now()
	if got := workflow.DueOf(before, workflow.CalendarFor(org), now).LegalDue.String(); got != "2026-06-19" {
		t.Errorf("case received before the change: legal due %s, want 2026-06-19", got)
	}
	if got := workflow.DueOf(after, workflow.CalendarFor(org), now).LegalDue.String(); got != "2026-06-22" {
		t.Errorf("case received after the change: legal due %s, want 2026-06-22", got)
	}
	// A paused due date (DL-8) of the earlier case is rolled by its own
	// calendar too: received 5-18 + 1 paused day lands on the eve.
	paused := before
	paused.ReceivedAt = time.Date(2026, 5, 18, 10, 0, 0, 0, workflow.Helsinki())
	paused.PausedDays = 1
	if got := workflow.DueOf(paused, workflow.CalendarFor(org), now).PausedDue.String(); got != "2026-06-19" {
		t.Errorf("paused due of the earlier case %s, want 2026-06-19", got)
	}
	paused.EvesNonWorking = true
	if got := workflow.DueOf(paused, workflow.CalendarFor(org), now).PausedDue.String(); got != "2026-06-22" {
		t.Errorf("paused due under eves %s, want 2026-06-22", got)
	}
}

// Issue 19: every settings change is audited with the names of the changed
// settings, never their values.
func TestChangeOrgAuditsFieldNamesOnly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("auditkunta", "Auditkunta", "Auditkommun", "fi")
	_, changed, err := workflow.ChangeOrg(ctx, env.Pool, env.Keys, org.Slug, func(o *store.Org) {
		o.DPOName, o.DPOPhone, o.PostalAddress, o.RetentionYears = "Salla Salainen", "040 765 4321", "Katu 1\n00100 Helsinki", 7
	}, workflow.StaffActor(1), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"dpo_name", "dpo_phone", "postal_address", "retention_years"}
	if !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}
	var data []byte
	if err := env.Pool.QueryRow(ctx, `SELECT data FROM audit_events WHERE org_id = $1 AND action = 'org.changed'`, org.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev) != 1 {
		t.Errorf("event data %s: only the field names belong there", data)
	}
	for _, v := range []string{"Salla", "765", "Katu", "7"} {
		if slices.ContainsFunc(ev["fields"].([]any), func(x any) bool { return x == v }) {
			t.Errorf("event holds %q", v)
		}
	}
	// Retention under D-28's two years is refused; nothing changes.
	_, _, err = workflow.ChangeOrg(ctx, env.Pool, env.Keys, org.Slug, func(o *store.Org) { o.RetentionYears = 1 }, workflow.StaffActor(1), time.Now())
	if fe, ok := err.(*workflow.OrgFieldError); !ok || fe.Field != "retention-years" {
		t.Errorf("retention 1: %v", err)
	}
}
