package workflow

import (
	"errors"
	"slices"
	"testing"

	"rightsdesk/internal/store"
)

// Every (state, action) pair not in the table is refused with
// ErrNotAllowed and leaves the state as it was; every allowed pair leads
// where the issue says.
func TestEveryDisallowedTransitionIsRefused(t *testing.T) {
	t.Parallel()
	want := map[Action]map[State]State{
		ActConfirmCode:    {StateReceived: StateAwaitingIdentity},
		ActTriage:         {StateReceived: StateAwaitingIdentity},
		ActVerifyIdentity: {StateAwaitingIdentity: StateInProgress},
		ActAllAnswered:    {StateInProgress: StateAnswerReady},
		ActReopen:         {StateAnswerReady: StateInProgress},
		ActPause:          {StateAwaitingIdentity: StatePaused, StateInProgress: StatePaused, StateAnswerReady: StatePaused},
		ActResume:         {StatePaused: StateInProgress}, // paused from in progress
		ActExtend:         {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateAnswerReady, StatePaused: StatePaused},
		ActRefuse:         {StateReceived: StateRefused, StateAwaitingIdentity: StateRefused, StateInProgress: StateRefused, StateAnswerReady: StateRefused, StatePaused: StateRefused},
		ActWithdraw:       {StateReceived: StateWithdrawn, StateAwaitingIdentity: StateWithdrawn, StateInProgress: StateWithdrawn, StateAnswerReady: StateWithdrawn, StatePaused: StateWithdrawn},
		ActMarkAnswered:   {StateAnswerReady: StateAnswered},
		ActClose:          {StateAnswered: StateClosed, StateRefused: StateClosed, StateWithdrawn: StateClosed},
		ActReassignTask:   {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateAnswerReady, StatePaused: StatePaused},
		// FI-2 and ID-5 (issue 20): the state stays.
		ActDocDecide: {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateAnswerReady, StatePaused: StatePaused},
		ActDocExtend: {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateAnswerReady, StatePaused: StatePaused},
		ActAuthority: {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateAnswerReady, StatePaused: StatePaused},
		// A register added to a case whose answer was ready opens it again.
		ActAddRegister: {StateAwaitingIdentity: StateAwaitingIdentity, StateInProgress: StateInProgress, StateAnswerReady: StateInProgress},
		// FI-2: a request for documents alone decided while it stayed open.
		ActDocAnswered: {StateAwaitingIdentity: StateAnswered, StateInProgress: StateAnswered, StateAnswerReady: StateAnswered, StatePaused: StateAnswered},
	}
	for _, a := range Actions {
		for _, s := range States {
			got, err := Next(s, a, StateInProgress)
			if a == ActNote {
				if err != nil || got != s {
					t.Errorf("note in %s: %s, %v", s, got, err)
				}
				continue
			}
			to, ok := want[a][s]
			if !ok {
				if !errors.Is(err, ErrNotAllowed) || got != s || Allowed(s, a) {
					t.Errorf("%s in %s: want refused, got %s, %v", a, s, got, err)
				}
				continue
			}
			if err != nil || got != to || !Allowed(s, a) {
				t.Errorf("%s in %s: want %s, got %s, %v", a, s, to, got, err)
			}
		}
	}
}

// FI-2: a request for documents alone takes none of the GDPR's steps
// (identity, pause, extension, Art 12(5) refusal) in any state; a GDPR
// request, with documents or without, takes every step the table allows.
func TestFI2DocumentsOnlyTakesNoGDPRStep(t *testing.T) {
	t.Parallel()
	gdprSteps := []Action{ActVerifyIdentity, ActPause, ActExtend, ActRefuse}
	for _, s := range States {
		for _, a := range Actions {
			docs := store.Case{State: string(s), DocumentRequest: true}
			mixed := store.Case{State: string(s), DocumentRequest: true, GDPR: true}
			want := Allowed(s, a) && !slices.Contains(gdprSteps, a)
			if got := AllowedFor(docs, a); got != want {
				t.Errorf("documents alone, %s in %s: %v, want %v", a, s, got, want)
			}
			if got := AllowedFor(mixed, a); got != Allowed(s, a) {
				t.Errorf("GDPR and documents, %s in %s: %v, want the table's %v", a, s, got, Allowed(s, a))
			}
			if slices.Contains(StaffActionsFor(docs), a) != (want && slices.Contains(StaffActions, a)) {
				t.Errorf("documents alone: the case page's offer of %s in %s", a, s)
			}
		}
	}
	if confirmedState(store.Case{DocumentRequest: true}, StateAwaitingIdentity) != StateInProgress ||
		confirmedState(store.Case{DocumentRequest: true, GDPR: true}, StateAwaitingIdentity) != StateAwaitingIdentity {
		t.Error("a request for documents alone is in progress once confirmed; a GDPR request awaits identity")
	}
}

// DL-8: resume returns to the state the case was paused in, and needs it.
func TestResumeReturnsToPausedFromState(t *testing.T) {
	t.Parallel()
	for _, from := range []State{StateAwaitingIdentity, StateInProgress, StateAnswerReady} {
		got, err := Next(StatePaused, ActResume, from)
		if err != nil || got != from {
			t.Errorf("resume to %s: %s %v", from, got, err)
		}
	}
	if _, err := Next(StatePaused, ActResume, ""); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("resume with no remembered state: %v", err)
	}
}

func TestClosedStatesAreNotOpen(t *testing.T) {
	t.Parallel()
	for _, s := range States {
		closed := s == StateAnswered || s == StateClosed || s == StateRefused || s == StateWithdrawn
		if s.Open() == closed {
			t.Errorf("%s: Open()=%v", s, s.Open())
		}
	}
}

// RB-1 table: erasure against (c) and (e) is refusable with 17(3) grounds;
// portability only for (a)/(b); objection only for (e)/(f); withdrawal of
// consent only routes to (a) or unknown (D-10).
func TestRB1RightsByBasis(t *testing.T) {
	for _, b := range []Basis{BasisConsent} {
		for _, a := range RuleFor(RightWithdrawConsent, b).Answers {
			if a == AnswerRefused {
				t.Errorf("RB-1: withdrawal of consent on (%s) offers a refusal", b)
			}
		}
	}
	t.Parallel()
	cases := []struct {
		right  Right
		basis  Basis
		answer Answer
		ground Ground
		ok     bool
	}{
		{RightErasure, BasisLegal, AnswerRefused, GroundLegalObligation, true},
		{RightErasure, BasisPublicTask, AnswerRefused, GroundArchiving, true},
		{RightErasure, BasisConsent, AnswerRefused, GroundLegalObligation, false},
		{RightErasure, BasisConsent, AnswerErased, "", true},
		{RightPortability, BasisConsent, AnswerExtract, "", true},
		{RightPortability, BasisLegal, AnswerExtract, "", false},
		{RightPortability, BasisLegal, AnswerRefused, GroundPortBasis, true},
		{RightObjection, BasisLegitimate, AnswerStopped, "", true},
		{RightObjection, BasisPublicTask, AnswerRefused, GroundObjCompelling, true},
		// Art 21(1) itself names legal claims; 17(3)(e) is erasure's.
		{RightObjection, BasisLegitimate, AnswerRefused, GroundObjLegalClaims, true},
		{RightObjection, BasisLegitimate, AnswerRefused, GroundLegalClaims, false},
		{RightObjection, BasisContract, AnswerStopped, "", false},
		{RightObjection, BasisContract, AnswerRefused, GroundObjBasis, true},
		{RightWithdrawConsent, BasisConsent, AnswerStopped, "", true},
		// RB-1 (issue 20): no citable ground against withdrawing consent
		// on a consent-based register, so no refusal is offered there.
		{RightWithdrawConsent, BasisConsent, AnswerRefused, GroundNotConsent, false},
		{RightWithdrawConsent, BasisConsent, AnswerRefused, "", false},
		{RightWithdrawConsent, BasisLegal, AnswerRefused, GroundNotConsent, true},
		// RB-1: 17(3)(d) and 17(3)(e) do not depend on the basis.
		{RightErasure, BasisConsent, AnswerRefused, GroundArchiving, true},
		{RightErasure, BasisLegitimate, AnswerRefused, GroundLegalClaims, true},
		{RightErasure, BasisContract, AnswerRefused, GroundArchiving, true},
		{RightErasure, BasisVital, AnswerRefused, GroundLegalObligation, false},
		{RightAccess, BasisLegal, AnswerExtract, "", true},
		{RightAccess, BasisLegal, AnswerRefused, GroundDPA34, true},
		{RightAccess, BasisLegal, AnswerErased, "", false},
		{RightRectification, BasisPublicTask, AnswerRectified, "", true},
		{RightRestriction, BasisVital, AnswerRestricted, "", true},
		// D-11: with an unknown basis every answer is offered, but a
		// basis-dependent ground cannot be cited.
		{RightErasure, BasisUnknown, AnswerErased, "", true},
		{RightErasure, BasisUnknown, AnswerRefused, GroundLegalObligation, false},
	}
	for _, tc := range cases {
		got := RuleFor(tc.right, tc.basis).AllowsAnswer(tc.answer, tc.ground)
		if got != tc.ok {
			t.Errorf("RB-1 %s on (%s) %s/%s: got %v want %v", tc.right, tc.basis, tc.answer, tc.ground, got, tc.ok)
		}
	}
	if RoutesTo(RightWithdrawConsent, BasisLegal) || !RoutesTo(RightWithdrawConsent, BasisConsent) || !RoutesTo(RightWithdrawConsent, BasisUnknown) {
		t.Error("D-10: withdrawal of consent routes to (a) and unknown only")
	}
	if RuleFor(RightErasure, BasisUnknown).BasisNeeded != true {
		t.Error("D-11: unknown basis must be flagged")
	}
}

func TestBands(t *testing.T) {
	t.Parallel()
	today := MustParseDate("2026-03-10")
	for _, tc := range []struct {
		due  string
		want Band
	}{{"2026-03-09", BandOverdue}, {"2026-03-10", BandWeek}, {"2026-03-17", BandWeek}, {"2026-03-18", BandLater}} {
		if got := BandOf(MustParseDate(tc.due), today); got != tc.want {
			t.Errorf("due %s: %s want %s", tc.due, got, tc.want)
		}
	}
}
