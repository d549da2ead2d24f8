package workflow_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// D-11: the task page of a register whose legal basis is not known tells
// the owner that a refusal can cite a basis-dependent ground only once
// the DPO has set the basis in the catalogue. Setting it there reaches
// the open task (its basis and allowed answers, an event on its case);
// the owner's refusal on that ground is then accepted. An answered task
// keeps the basis it was answered under.
func TestCatalogueBasisReachesOpenTasks_D11(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	oc := newOwnerCase(t, "erasure", "unknown", nil)
	w, q := oc.env.Workflow, store.New(oc.env.Pool)
	b := browserID()
	oc.verify(t, b)
	refusal := workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_b", Comment: "Arkistolaki velvoittaa säilyttämään"}
	var fe workflow.FieldErrors
	if err := w.OwnerAnswer(ctx, oc.task.ID, b, refusal); !errors.As(err, &fe) || fe["ground"] != "task.err.ground" {
		t.Fatalf("refusal on 17(3)(b) before the basis is set: %v, want task.err.ground (not a ground of an unknown basis)", err)
	}

	// A second case on the register, its task answered before the basis
	// is set (the answer written as the owner's form would leave it).
	reg := oc.task.RegisterID
	sub, err := w.EnterRequest(ctx, oc.org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{reg}, Name: "Matti Virtanen",
			Email: "matti@example.test", Lang: "fi", Hetu: "010200A9618"},
		Channel: "paper", ReceivedAt: oc.env.Clock.Now(), IdentityMethod: "in_person", Authority: "shown"})
	if err != nil {
		t.Fatal(err)
	}
	ots, err := q.TasksOfCase(ctx, oc.org.ID, sub.CaseID)
	if err != nil || len(ots) != 1 {
		t.Fatalf("second case's tasks %+v %v", ots, err)
	}
	other := ots[0].ID
	if _, err := oc.env.Pool.Exec(ctx, `UPDATE tasks SET state = 'answered', answer = 'no_data', answered_at = now() WHERE id = $1`, other); err != nil {
		t.Fatal(err)
	}

	r, err := q.Register(ctx, oc.org.ID, reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.UpdateRegister(ctx, oc.org.ID, reg, 1, workflow.RegisterEdit{Name: r.Name, OwnerName: r.OwnerName,
		OwnerEmail: r.OwnerEmail, LegalBasis: "c", Recipients: r.Recipients}); err != nil {
		t.Fatal(err)
	}
	ts, err := q.TasksOfCase(ctx, oc.org.ID, oc.caseID)
	if err != nil || len(ts) != 1 {
		t.Fatalf("tasks %+v %v", ts, err)
	}
	want := workflow.RuleFor(workflow.RightErasure, workflow.BasisLegal)
	if ts[0].LegalBasis != "c" || len(ts[0].AllowedAnswers) != len(want.Answers) {
		t.Fatalf("task after the catalogue edit: basis %q, answers %v; want c and %v", ts[0].LegalBasis, ts[0].AllowedAnswers, want.Answers)
	}
	if n := oc.auditCount(t, "task_basis_set"); n != 1 {
		t.Fatalf("%d task_basis_set events on the case, want 1", n)
	}
	if err := w.OwnerAnswer(ctx, oc.task.ID, b, refusal); err != nil {
		t.Fatalf("refusal on 17(3)(b) once the basis is (c): %v", err)
	}
	answered, err := q.TaskByID(ctx, other)
	if err != nil || answered.LegalBasis != "unknown" || !slices.Contains(answered.AllowedAnswers, "extract") {
		t.Fatalf("an answered task changed with the catalogue: %+v %v", answered, err)
	}
}

// D-11, D-3: a basis that a re-import of the register descriptions gives
// reaches the open tasks too (the DPO had not set one by hand).
func TestImportedBasisReachesOpenTasks_D11(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	oc := newOwnerCase(t, "erasure", "unknown", nil)
	doc := &registers.Result{Format: registers.FormatGeneric, Registers: []registers.Register{{Name: "Oppilasrekisteri", LegalBasis: "e"}}}
	if _, err := oc.env.Workflow.ImportCatalogue(ctx, oc.org.ID, doc, false); err != nil {
		t.Fatal(err)
	}
	ts, err := store.New(oc.env.Pool).TasksOfCase(ctx, oc.org.ID, oc.caseID)
	if err != nil || len(ts) != 1 || ts[0].LegalBasis != "e" {
		t.Fatalf("task after the import: %+v %v, want basis e", ts, err)
	}
	if n := oc.auditCount(t, "task_basis_set"); n != 1 {
		t.Fatalf("%d task_basis_set events on the case, want 1", n)
	}
}
