package workflow

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// AddRegister routes a case to one more register of its organisation: the
// DPO learns that the data is also in a register the request did not
// reach, or an emailed request was triaged to registers that take none of
// its rights. The register gets a task per right it takes (RB-1; one
// whose controller is elsewhere answers itself, D-7). They are opened at
// once when identity is established (D-9), and a case whose answer was
// ready is in progress again; before that they wait like the others.
//
// registerID is the form's value: an unknown one, another organisation's,
// one the case has tasks in already, or one that takes none of the
// case's rights is a FieldErrors on "register". Not while the approved
// answer is being rendered (ErrNotAllowed): it would leave the register
// out.
func (s *Service) AddRegister(ctx context.Context, org store.Org, caseID int64, actor Actor, registerID string) error {
	id, err := strconv.ParseInt(strings.TrimSpace(registerID), 10, 64)
	if err != nil || id <= 0 {
		return FieldErrors{"register": "staffcase.err.register"}
	}
	return s.actTo(ctx, org, caseID, actor, ActAddRegister, func(tx pgx.Tx, q *store.Q, c *store.Case) (map[string]any, State, error) {
		renders, err := q.AnswerRendersOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return nil, "", err
		}
		if len(renders) > 0 && renders[0].State == RenderPending {
			return nil, "", ErrNotAllowed
		}
		regs, err := q.RoutingRegisters(ctx, org.ID, []int64{id})
		if err != nil {
			return nil, "", err
		}
		if len(regs) != 1 {
			return nil, "", FieldErrors{"register": "staffcase.err.register"}
		}
		tasks, err := q.TasksOfCase(ctx, org.ID, c.ID)
		if err != nil {
			return nil, "", err
		}
		if slices.ContainsFunc(tasks, func(t store.Task) bool { return t.RegisterID == id }) {
			return nil, "", FieldErrors{"register": "staffcase.err.register_routed"}
		}
		r, err := s.createTasks(ctx, q, org, c, regs, false)
		if err != nil {
			return nil, "", err
		}
		if r.created == 0 {
			// RB-1: a withdrawal of consent alone does not reach a
			// register whose basis is not consent.
			return nil, "", FieldErrors{"register": "staffcase.err.register_no_right"}
		}
		data := map[string]any{"register": regs[0].Name, "tasks": r.created, "controller_elsewhere": r.elsewhere}
		if State(c.State) == StateAwaitingIdentity {
			return data, "", nil // opened with the others when identity is established
		}
		to, err := s.startTasks(ctx, tx, q, org, c)
		return data, to, err
	})
}

// startTasks puts c in progress and opens its waiting tasks (D-9), then
// reads where that left it: opening them moves the case on to "answer
// ready" when nothing is left open (every register's controller
// elsewhere, D-7, or none reached). Callers end the case there, not in
// their table's state, which would keep a ready answer from being sent.
func (s *Service) startTasks(ctx context.Context, tx pgx.Tx, q *store.Q, org store.Org, c *store.Case) (State, error) {
	c.State = string(StateInProgress) // openTasks reads the new state
	if err := q.UpdateCase(ctx, *c); err != nil {
		return "", err
	}
	if err := s.openTasks(ctx, tx, q, org, *c); err != nil {
		return "", err
	}
	fresh, err := q.CaseByID(ctx, org.ID, c.ID)
	if err != nil {
		return "", err
	}
	*c = fresh
	return State(fresh.State), nil
}
