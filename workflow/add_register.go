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
		switch State(c.State) {
		case StateAwaitingIdentity:
			return data, "", nil // opened with the others when identity is established
		case StateAnswerReady:
			c.State = string(StateInProgress)
			if err := q.UpdateCase(ctx, *c); err != nil {
				return nil, "", err
			}
		}
		if err := s.openTasks(ctx, tx, q, org, *c); err != nil {
			return nil, "", err
		}
		// openTasks moves the case to "answer ready" when nothing is left
		// open (a register whose controller is elsewhere).
		fresh, err := q.CaseByID(ctx, org.ID, c.ID)
		if err != nil {
			return nil, "", err
		}
		*c = fresh
		return data, State(fresh.State), nil
	})
}
