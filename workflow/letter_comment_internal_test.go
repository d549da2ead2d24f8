package workflow

import (
	"testing"

	"rightsdesk/internal/store"
)

// An owner's comment reaches the person only as the reasons of a refusal
// or of a guardian's restriction: otherwise the task form tells the owner
// it is a note to the DPO. The answer's download (data.json) carried it
// to the person for every answer (found in a walkthrough); the letter and
// the download both read it from letterRegister.
func TestOwnerCommentReachesThePersonOnlyAsReasons(t *testing.T) {
	t.Parallel()
	const note = "Utdrag ur bibliotekssystemet."
	for _, c := range []struct {
		answer     Answer
		restricted bool
		shown      bool
	}{
		{AnswerExtract, false, false},
		{AnswerNoData, false, false},
		{AnswerRefused, false, true},
		{AnswerExtract, true, true},
	} {
		tk := store.Task{Right: "access", Answer: string(c.answer), AnswerComment: note, GuardianRestricted: c.restricted}
		got := letterRegister(tk, store.Register{Name: "Bibliotek"}, nil).Comment
		if (got == note) != c.shown || (got != "" && got != note) {
			t.Errorf("%s (restricted %v): comment %q, shown want %v", c.answer, c.restricted, got, c.shown)
		}
	}
}

// The letter prints the transfers and automated decision-making the
// register's description publishes (kept among its Extra fields); it said
// "not stated" beside a catalogue page that states them.
func TestLetterRegisterHasPublishedTransfersAndAutomated(t *testing.T) {
	t.Parallel()
	r := store.Register{Name: "Asiakasrekisteri", Extra: map[string]string{
		"Siirto EU:n tai ETA:n ulkopuolelle":         "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle.",
		"Automaattinen päätöksenteko ja profilointi": "Ei automaattista päätöksentekoa.",
	}}
	got := letterRegister(store.Task{Right: "access", Answer: string(AnswerExtract)}, r, nil)
	if got.ThirdCountries != "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle." || got.Automated != "Ei automaattista päätöksentekoa." {
		t.Errorf("transfers %q, automated %q", got.ThirdCountries, got.Automated)
	}
}
