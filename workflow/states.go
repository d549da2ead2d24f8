package workflow

import (
	"slices"

	"rightsdesk/internal/store"
)

// State is a case state. The transitions below are the whole life of a
// case; anything not listed is refused with ErrNotAllowed.
type State string

const (
	// StateReceived: stored, with its receipt time (DL-4); a web request
	// waits for its email code, an email request for triage.
	StateReceived State = "received"
	// StateAwaitingIdentity: confirmed and routed; tasks wait until identity
	// is established (D-9, ID-2).
	StateAwaitingIdentity State = "awaiting_identity"
	// StateInProgress: owners have their tasks.
	StateInProgress State = "in_progress"
	// StateAnswerReady: every task is answered; the DPO approves.
	StateAnswerReady State = "answer_ready"
	// StateAnswered: the answer went out.
	StateAnswered State = "answered"
	StateClosed   State = "closed"
	// StatePaused: the clock's pause (DL-8); resume returns to the state
	// the case was paused in.
	StatePaused    State = "paused"
	StateRefused   State = "refused" // the whole request (DL-6, D-12)
	StateWithdrawn State = "withdrawn"
)

// States lists every state in workflow order.
var States = []State{StateReceived, StateAwaitingIdentity, StateInProgress, StateAnswerReady,
	StateAnswered, StateClosed, StatePaused, StateRefused, StateWithdrawn}

// Open reports whether the case still runs against its deadline.
func (s State) Open() bool {
	switch s {
	case StateAnswered, StateClosed, StateRefused, StateWithdrawn:
		return false
	}
	return true
}

// Action is something that happens to a case.
type Action string

const (
	ActConfirmCode    Action = "confirm_code"    // requester entered the email code
	ActTriage         Action = "triage"          // DPO set rights/registers of an email request
	ActVerifyIdentity Action = "verify_identity" // ID-1 / ID-2
	ActAllAnswered    Action = "all_answered"    // system: the last task was answered
	ActReopen         Action = "reopen"          // system: a task was reassigned after all were answered
	ActPause          Action = "pause"           // DL-8
	ActResume         Action = "resume"
	ActExtend         Action = "extend" // DL-5; the state stays
	ActRefuse         Action = "refuse" // DL-6
	ActWithdraw       Action = "withdraw"
	ActMarkAnswered   Action = "mark_answered"
	ActClose          Action = "close"
	ActReassignTask   Action = "reassign_task" // the state stays
	ActNote           Action = "note"          // the state stays
	// FI-2 (621/1999 §14): decide a document request, or extend its clock
	// to one month for a large number of documents; the state stays, but
	// the decision answers a request for documents alone (DocumentsOnly).
	ActDocDecide Action = "doc_decide"
	ActDocExtend Action = "doc_extend"
	// ID-5: the DPO's decision on a representative's authority; the state
	// stays, except that "shown" on a case whose identity is established
	// opens its tasks (as identity does, D-9).
	ActAuthority Action = "authority"
	// ActAddRegister routes the case to one more register (the DPO's
	// finding, or an emailed request triaged to none that takes its
	// rights); a case whose answer was ready is in progress again.
	ActAddRegister Action = "add_register"
	// ActDocAnswered (system): a request for documents alone decided
	// before its decision answered it is answered (settleDecidedDocuments).
	ActDocAnswered Action = "doc_answered"
)

// Actions lists every action.
var Actions = []Action{ActConfirmCode, ActTriage, ActVerifyIdentity, ActAllAnswered, ActReopen,
	ActPause, ActResume, ActExtend, ActRefuse, ActWithdraw, ActMarkAnswered, ActClose, ActReassignTask, ActNote,
	ActDocDecide, ActDocExtend, ActAuthority, ActAddRegister, ActDocAnswered}

// stay marks an action that keeps the case in its state.
const stay State = ""

var working = []State{StateAwaitingIdentity, StateInProgress, StateAnswerReady}

// transitions: action -> from-state -> to-state (stay = unchanged).
var transitions = map[Action]map[State]State{
	ActConfirmCode:    {StateReceived: StateAwaitingIdentity},
	ActTriage:         {StateReceived: StateAwaitingIdentity},
	ActVerifyIdentity: {StateAwaitingIdentity: StateInProgress},
	ActAllAnswered:    {StateInProgress: StateAnswerReady},
	ActReopen:         {StateAnswerReady: StateInProgress},
	ActPause:          from(working, StatePaused),
	ActResume:         {StatePaused: stay}, // to the state it was paused in
	ActExtend:         from(append(working, StatePaused), stay),
	ActRefuse:         from(append([]State{StateReceived, StatePaused}, working...), StateRefused),
	ActWithdraw:       from(append([]State{StateReceived, StatePaused}, working...), StateWithdrawn),
	ActMarkAnswered:   {StateAnswerReady: StateAnswered},
	ActClose:          {StateAnswered: StateClosed, StateRefused: StateClosed, StateWithdrawn: StateClosed},
	ActReassignTask:   from(append(working, StatePaused), stay),
	ActNote:           from(States, stay),
	ActDocDecide:      from(append(working, StatePaused), stay),
	ActDocExtend:      from(append(working, StatePaused), stay),
	ActAuthority:      from(append(working, StatePaused), stay),
	ActAddRegister:    {StateAwaitingIdentity: stay, StateInProgress: stay, StateAnswerReady: StateInProgress},
	ActDocAnswered:    from(append(working, StatePaused), StateAnswered),
}

func from(states []State, to State) map[State]State {
	m := make(map[State]State, len(states))
	for _, s := range states {
		m[s] = to
	}
	return m
}

// Allowed reports whether act may happen in state s.
func Allowed(s State, act Action) bool {
	_, ok := transitions[act][s]
	return ok
}

// Next returns the state after act in s; pausedFrom is the state a paused
// case returns to on resume. It fails with ErrNotAllowed.
func Next(s State, act Action, pausedFrom State) (State, error) {
	to, ok := transitions[act][s]
	if !ok {
		return s, ErrNotAllowed
	}
	if act == ActResume {
		if pausedFrom == "" {
			return s, ErrNotAllowed
		}
		return pausedFrom, nil
	}
	if to == stay {
		return s, nil
	}
	return to, nil
}

// StaffActions are the actions a DPO can choose on the case page, in the
// order the page offers them.
var StaffActions = []Action{ActTriage, ActVerifyIdentity, ActAuthority, ActAddRegister, ActPause, ActResume, ActExtend,
	ActDocDecide, ActDocExtend, ActRefuse, ActMarkAnswered, ActClose, ActWithdraw, ActNote}

// A request for documents alone (FI-2: the form's "I also ask for
// documents" ticked, no GDPR right) runs on the Openness Act's clock only,
// so the GDPR's own steps are not its: it has no identity to establish
// (621/1999 §13: who asks, and why, need not be said unless the decision
// needs it) and no tasks to wait for, so it is handled from confirmation
// (confirmedState); it has no GDPR deadline to pause or extend (DL-5,
// DL-8); and it is refused by its decision, with appeal instructions, not
// under Art 12(5). Its decision answers it (DecideDocumentRequest), and
// the DPO closes it as any answered case.

// gdprSteps are the actions a request for documents alone does not take.
var gdprSteps = []Action{ActVerifyIdentity, ActPause, ActExtend, ActRefuse}

// DocumentsOnly reports whether c is a request for documents with no GDPR
// right (FI-2).
func DocumentsOnly(c store.Case) bool { return c.DocumentRequest && !c.GDPR }

// AllowedFor reports whether act may happen to c: the state machine's
// table, less the GDPR's steps for a request for documents alone.
func AllowedFor(c store.Case, act Action) bool {
	if DocumentsOnly(c) && slices.Contains(gdprSteps, act) {
		return false
	}
	return Allowed(State(c.State), act)
}

// StaffActionsFor lists what the case page offers for c (AllowedFor).
func StaffActionsFor(c store.Case) []Action {
	var out []Action
	for _, a := range StaffActions {
		if AllowedFor(c, a) {
			out = append(out, a)
		}
	}
	return out
}

// confirmedState is where a confirmed request starts (its code entered,
// triaged, or entered by staff): a GDPR request waits for identity (D-9,
// ID-2), the table's state; a request for documents alone is in progress
// at once, for the DPO to decide.
func confirmedState(c store.Case, tableState State) State {
	if DocumentsOnly(c) {
		return StateInProgress
	}
	return tableState
}
