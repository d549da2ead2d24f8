package workflow_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// ownerCase is a case in progress with one open task, and its link token.
type ownerCase struct {
	env    *testenv.Env
	org    store.Org
	caseID int64
	task   store.Task
	token  string
	owner  string
}

var ownerLinkRe = regexp.MustCompile(`https?://[^/\s]+/(fi|sv|en)/t/([A-Za-z0-9_-]{43})`)

// ownerTaskLink delivers queued mail and returns the newest task link
// token mailed to `to`.
func ownerTaskLink(t *testing.T, env *testenv.Env, to string) string {
	t.Helper()
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range env.Catcher.Messages() { // newest first
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == "task" {
			if l := ownerLinkRe.FindStringSubmatch(m.Text); l != nil {
				return l[2]
			}
		}
	}
	t.Fatalf("no task link mailed to the owner")
	return ""
}

var ownerCodeRe = regexp.MustCompile(`(?m)^\s*(\d{6})\s*$`)

// ownerCode delivers queued mail and returns the newest task code mailed
// to `to`.
func ownerCode(t *testing.T, env *testenv.Env, to string) string {
	t.Helper()
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	for _, m := range env.Catcher.Messages() { // newest first
		if slices.Contains(m.To, to) && m.Headers.Get("X-Rightsdesk-Kind") == "task_code" {
			if c := ownerCodeRe.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	t.Fatalf("no task code mailed to the owner")
	return ""
}

// newOwnerCase files a counter request for one right against one register
// of the given basis, identity established on the spot, so the task is
// open and its link mailed.
func newOwnerCase(t *testing.T, right, basis string, edit func(*workflow.Request)) *ownerCase {
	t.Helper()
	env := testenv.New(t)
	oc := &ownerCase{env: env, org: env.Org("omistaja", "Omistajakunta", "Ägarby", "fi"), owner: "rekisteri@omistaja.test"}
	reg := env.Register(oc.org.ID, "Oppilasrekisteri", basis, oc.owner)
	r := workflow.Request{Rights: []string{right}, RegisterIDs: []int64{reg}, Name: "Maija Meikäläinen",
		Email: "maija@example.test", Lang: "fi", Hetu: "131052-308T", Details: "Osoitteeni on väärin"}
	if edit != nil {
		edit(&r)
	}
	sub, err := env.Workflow.EnterRequest(context.Background(), oc.org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: r, Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person", Authority: "shown"})
	if err != nil {
		t.Fatal(err)
	}
	oc.caseID = sub.CaseID
	ts, err := store.New(env.Pool).TasksOfCase(context.Background(), oc.org.ID, oc.caseID)
	if err != nil || len(ts) != 1 || ts[0].State != "open" {
		t.Fatalf("tasks %+v, %v; want one open task", ts, err)
	}
	oc.task = ts[0]
	oc.token = ownerTaskLink(t, env, oc.owner)
	return oc
}

// verify makes browser a verified browser of the task.
func (oc *ownerCase) verify(t *testing.T, browser []byte) {
	t.Helper()
	ctx := context.Background()
	if err := oc.env.Workflow.SendTaskCode(ctx, oc.task.ID); err != nil {
		t.Fatal(err)
	}
	if err := oc.env.Workflow.VerifyTaskCode(ctx, oc.task.ID, ownerCode(t, oc.env, oc.owner), browser); err != nil {
		t.Fatal(err)
	}
}

func (oc *ownerCase) auditCount(t *testing.T, action string) int {
	t.Helper()
	ev, err := store.New(oc.env.Pool).AuditTrail(context.Background(), oc.org.ID, oc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ev {
		if e.Action == action {
			n++
		}
	}
	return n
}

func (oc *ownerCase) reload(t *testing.T) store.Task {
	t.Helper()
	tk, err := store.New(oc.env.Pool).TaskByID(context.Background(), oc.task.ID)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func browserID() []byte { return secret.Hash(secret.Token()) }

// Issue 6: the link opens the task, records the first opening once, and
// shows the requester only masked (ID-4).
func TestOpenTaskLink(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", nil)
	ctx := context.Background()
	v, err := oc.env.Workflow.OpenTaskLink(ctx, oc.token)
	if err != nil {
		t.Fatal(err)
	}
	if v.Task.ID != oc.task.ID || v.Org.ID != oc.org.ID || v.Receipt == "" {
		t.Fatalf("view %+v", v)
	}
	if v.Requester.Name != "Maija Meikäläinen" || v.Requester.HetuMask != "131052-****" {
		t.Errorf("requester %+v", v.Requester)
	}
	if !v.Answerable || v.Answered() || v.Cancelled {
		t.Errorf("answerable %v answered %v cancelled %v", v.Answerable, v.Answered(), v.Cancelled)
	}
	c, err := store.New(oc.env.Pool).CaseByID(ctx, oc.org.ID, oc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	if want := workflow.DueOf(c, workflow.CalendarFor(oc.org), oc.env.Clock.Now()).OwnerTarget; v.Due.OwnerTarget != want {
		t.Errorf("owner target %v, want %v", v.Due.OwnerTarget, want)
	}
	if _, err := oc.env.Workflow.OpenTaskLink(ctx, oc.token); err != nil {
		t.Fatal(err)
	}
	if tk := oc.reload(t); tk.OpenedAt == nil {
		t.Error("opened_at not recorded")
	}
	if n := oc.auditCount(t, "task_opened"); n != 1 {
		t.Errorf("%d task_opened events, want 1", n)
	}
	for _, bad := range []string{"", "x", oc.token + "x", strings.Repeat("a", 43)} {
		if _, err := oc.env.Workflow.OpenTaskLink(ctx, bad); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %q: %v, want not found", bad, err)
		}
	}
}

func TestOpenTaskLinkExpired(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", nil)
	oc.env.Clock.Set(oc.task.CreatedAt) // the token's expiry is in the task row now
	tk := oc.reload(t)
	if tk.TokenExpiresAt == nil {
		t.Fatal("no token expiry")
	}
	oc.env.Clock.Set(tk.TokenExpiresAt.Add(time.Second))
	v, err := oc.env.Workflow.OpenTaskLink(context.Background(), oc.token)
	if !errors.Is(err, workflow.ErrLinkExpired) {
		t.Fatalf("err %v, want ErrLinkExpired", err)
	}
	if v.Org.DPOEmail != oc.org.DPOEmail || v.Task.ID != 0 {
		t.Errorf("expired view carries %+v; want only the organisation", v)
	}
}

// The code flow: a browser is known only after the mailed code; a wrong
// code is counted, five end it; codes expire after 15 minutes; sending is
// limited per task and hour.
func TestTaskCodeFlow(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", nil)
	ctx := context.Background()
	w := oc.env.Workflow
	v, err := w.OpenTaskLink(ctx, oc.token)
	if err != nil {
		t.Fatal(err)
	}
	b1, b2 := browserID(), browserID()
	if ok, err := w.TaskBrowserVerified(ctx, v, b1); err != nil || ok {
		t.Fatalf("new browser verified = %v, %v", ok, err)
	}
	if err := w.VerifyTaskCode(ctx, oc.task.ID, "123456", b1); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Errorf("no code sent: %v, want ErrCodeExpired", err)
	}
	if err := w.SendTaskCode(ctx, oc.task.ID); err != nil {
		t.Fatal(err)
	}
	code := ownerCode(t, oc.env, oc.owner)
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if err := w.VerifyTaskCode(ctx, oc.task.ID, wrong, b1); !errors.Is(err, workflow.ErrCodeWrong) {
		t.Fatalf("wrong code: %v", err)
	}
	if err := w.VerifyTaskCode(ctx, oc.task.ID, code[:3]+" "+code[3:], b1); err != nil {
		t.Fatalf("right code (typed with a space): %v", err)
	}
	if ok, _ := w.TaskBrowserVerified(ctx, v, b1); !ok {
		t.Error("verified browser not known")
	}
	if ok, _ := w.TaskBrowserVerified(ctx, v, b2); ok {
		t.Error("another browser is known without a code")
	}
	if err := w.VerifyTaskCode(ctx, oc.task.ID, code, b2); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Errorf("a used code worked again: %v", err)
	}
	if n := oc.auditCount(t, "task_browser_verified"); n != 1 {
		t.Errorf("%d task_browser_verified events", n)
	}

	// Five wrong tries end a code, even for the right one after.
	if err := w.SendTaskCode(ctx, oc.task.ID); err != nil {
		t.Fatal(err)
	}
	code = ownerCode(t, oc.env, oc.owner)
	wrong = "000000"
	if wrong == code {
		wrong = "111111"
	}
	for i := 1; i <= workflow.TaskCodeMaxAttempts; i++ {
		err := w.VerifyTaskCode(ctx, oc.task.ID, wrong, b2)
		want := workflow.ErrCodeWrong
		if i == workflow.TaskCodeMaxAttempts {
			want = workflow.ErrCodeLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("try %d: %v, want %v", i, err, want)
		}
	}
	if err := w.VerifyTaskCode(ctx, oc.task.ID, code, b2); !errors.Is(err, workflow.ErrCodeLocked) {
		t.Fatalf("right code after lock: %v", err)
	}

	// Expiry.
	if err := w.SendTaskCode(ctx, oc.task.ID); err != nil {
		t.Fatal(err)
	}
	code = ownerCode(t, oc.env, oc.owner)
	oc.env.Clock.Advance(workflow.TaskCodeTTL + time.Second)
	if err := w.VerifyTaskCode(ctx, oc.task.ID, code, b2); !errors.Is(err, workflow.ErrCodeExpired) {
		t.Fatalf("expired code: %v", err)
	}
	if ok, _ := w.TaskBrowserVerified(ctx, v, b2); ok {
		t.Error("browser known after failed codes")
	}

	// Rate limit: three codes were sent within the hour; two more pass.
	for i := 0; i < 2; i++ {
		if err := w.SendTaskCode(ctx, oc.task.ID); err != nil {
			t.Fatalf("code %d: %v", i+4, err)
		}
	}
	if err := w.SendTaskCode(ctx, oc.task.ID); !errors.Is(err, workflow.ErrTooManyCodes) {
		t.Fatalf("sixth code within the hour: %v", err)
	}
	oc.env.Clock.Advance(time.Hour)
	if err := w.SendTaskCode(ctx, oc.task.ID); err != nil {
		t.Fatalf("code after an hour: %v", err)
	}
}

// Issue 6, RB-1, D-11, ID-5: what an owner may answer, per right and basis.
func TestOwnerAnswerRules(t *testing.T) {
	t.Parallel()
	onBehalf := func(r *workflow.Request) {
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Matti Meikäläinen", "010200A9618"
	}
	for _, c := range []struct {
		name, right, basis string
		edit               func(*workflow.Request)
		a                  workflow.TaskAnswer
		wantField          string // "" = accepted
		wantKey            string
	}{
		{"RB1 erasure on (c) refused 17(3)(b)", "erasure", "c", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_b", Comment: "Arkistolaki"}, "", ""},
		{"RB1 erasure on (c) ground of another right", "erasure", "c", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "art16_accurate", Comment: "x"}, "ground", "task.err.ground"},
		{"RB1 erasure on (f) no 17(3)(b)", "erasure", "f", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_b", Comment: "x"}, "ground", "task.err.ground"},
		{"RB1 erasure on (c) answer of another right", "erasure", "c", nil,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a\tb"}, "answer", "task.err.answer"},
		{"refusal needs reasons", "erasure", "c", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_b"}, "comment", "task.err.reason"},
		{"RB1 portability on (c) only no data or refused", "portability", "c", nil,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a"}, "answer", "task.err.answer"},
		{"D11 unknown basis: portability extract", "portability", "unknown", nil,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "nimi\tosoite\nMaija\tKatu 1"}, "", ""},
		{"D11 unknown basis: refusal needs the basis", "portability", "unknown", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "art20_basis", Comment: "x"}, "ground", "task.err.basis_needed"},
		{"rectified needs changes", "rectification", "c", nil,
			workflow.TaskAnswer{Answer: "rectified"}, "changes", "task.err.changes"},
		{"rectified", "rectification", "c", nil,
			workflow.TaskAnswer{Answer: "rectified", Changes: "Osoite korjattu", RecipientsTold: "Kela"}, "", ""},
		{"extract needs data", "access", "c", nil,
			workflow.TaskAnswer{Answer: "extract"}, "extract", "task.err.extract"},
		{"no data with a table", "access", "c", nil,
			workflow.TaskAnswer{Answer: "no_data", ExtractText: "a\tb"}, "extract", "task.err.extract_only"},
		{"no data with a file", "access", "c", nil,
			workflow.TaskAnswer{Answer: "no_data", Attachments: []workflow.Attachment{{Filename: "a.txt", Data: []byte("x")}}},
			"files", "task.err.extract_only"},
		{"erased with changes", "erasure", "a", nil,
			workflow.TaskAnswer{Answer: "erased", Changes: "x"}, "changes", "task.err.changes_only"},
		{"empty file", "access", "c", nil,
			workflow.TaskAnswer{Answer: "extract", Attachments: []workflow.Attachment{{Filename: "a.txt"}}}, "files", "task.err.file_empty"},
		{"ID5 guardian ground without a representative", "access", "c", nil,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "x"}, "ground", "task.err.guardian_behalf"},
		{"ID5 guardian restriction without a representative", "access", "c", nil,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "dpa_34"},
			"guardian_ground", "task.err.guardian_behalf"},
		{"ID5 guardian restriction with an extract", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "id5_guardian", Comment: "kielto"}, "", ""},
		{"ID5 guardian restriction needs its ground", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true}, "guardian_ground", "task.err.guardian_ground"},
		{"ID5 guardian restriction on another ground", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "art15_4_others"},
			"guardian_ground", "task.err.guardian_ground"},
		{"ID5 guardian restriction with no data", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "no_data", GuardianRestricted: true, Ground: "id5_guardian"}, "guardian", "task.err.guardian_answer"},
		{"ID5 restriction with a refusal on another ground", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "refused", Ground: "art15_4_others", GuardianRestricted: true, Comment: "x"}, "guardian", "task.err.guardian_answer"},
		{"ID5 restriction with a refusal without ground", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "refused", GuardianRestricted: true, Comment: "x"}, "ground", "task.err.ground"},
		{"ID5 restriction with a refusal on dpa_34", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "refused", Ground: "dpa_34", GuardianRestricted: true, Comment: "x"}, "", ""},
		{"ID5 refusal on the guardian ground", "access", "c", onBehalf,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "kielto"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			oc := newOwnerCase(t, c.right, c.basis, c.edit)
			b := browserID()
			oc.verify(t, b)
			err := oc.env.Workflow.OwnerAnswer(context.Background(), oc.task.ID, b, c.a)
			tk := oc.reload(t)
			if c.wantField == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tk.State != "answered" || tk.Answer != c.a.Answer || tk.AnsweredBy != string(workflow.OwnerActor(tk.ID)) {
					t.Errorf("task %s %s by %s", tk.State, tk.Answer, tk.AnsweredBy)
				}
				if c.a.Ground == "id5_guardian" && !tk.GuardianRestricted {
					t.Error("guardian restriction not recorded")
				}
				return
			}
			var fe workflow.FieldErrors
			if !errors.As(err, &fe) || fe[c.wantField] != c.wantKey {
				t.Fatalf("err %v (%v), want %s=%s", err, fe, c.wantField, c.wantKey)
			}
			if tk.State != "open" || tk.Answer != "" {
				t.Errorf("refused answer saved: %s %s", tk.State, tk.Answer)
			}
		})
	}
}

func TestOwnerAnswerNeedsVerifiedBrowser(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", nil)
	a := workflow.TaskAnswer{Answer: "no_data"}
	if err := oc.env.Workflow.OwnerAnswer(context.Background(), oc.task.ID, browserID(), a); !errors.Is(err, workflow.ErrBrowserUnverified) {
		t.Fatalf("unverified browser: %v", err)
	}
	if err := oc.env.Workflow.OwnerAnswer(context.Background(), oc.task.ID, nil, a); !errors.Is(err, workflow.ErrBrowserUnverified) {
		t.Fatalf("no browser: %v", err)
	}
	b := browserID()
	oc.verify(t, b)
	if err := oc.env.Workflow.OwnerAnswer(context.Background(), oc.task.ID, b, a); err != nil {
		t.Fatal(err)
	}
	// The only task answered: the case is ready and the DPO told.
	c, err := store.New(oc.env.Pool).CaseByID(context.Background(), oc.org.ID, oc.caseID)
	if err != nil || c.State != string(workflow.StateAnswerReady) {
		t.Fatalf("case %s, %v", c.State, err)
	}
	if err := oc.env.Workflow.OwnerAnswer(context.Background(), oc.task.ID, b, a); !errors.Is(err, workflow.ErrNotAllowed) {
		t.Errorf("second answer: %v", err)
	}
}

// Reassignment by the owner: audited as the owner, the colleague gets a
// new link, the old link and the old owner's browser stop working.
func TestOwnerReassign(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", nil)
	ctx := context.Background()
	w := oc.env.Workflow
	b := browserID()
	oc.verify(t, b)
	for _, c := range []struct{ name, email, field, key string }{
		{"", "kollega@omistaja.test", "name", "task.err.name"},
		{"Kaisa Kollega", "not an address", "email", "task.err.email"},
		{"Kaisa Kollega", oc.owner, "email", "task.err.same_owner"},
	} {
		var fe workflow.FieldErrors
		if err := w.OwnerReassign(ctx, oc.task.ID, b, c.name, c.email); !errors.As(err, &fe) || fe[c.field] != c.key {
			t.Errorf("reassign(%q, %q): %v", c.name, c.email, err)
		}
	}
	if err := w.OwnerReassign(ctx, oc.task.ID, browserID(), "Kaisa Kollega", "kollega@omistaja.test"); !errors.Is(err, workflow.ErrBrowserUnverified) {
		t.Fatalf("unverified reassign: %v", err)
	}
	if err := w.OwnerReassign(ctx, oc.task.ID, b, "Kaisa Kollega", "kollega@omistaja.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.OpenTaskLink(ctx, oc.token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old link: %v", err)
	}
	tok := ownerTaskLink(t, oc.env, "kollega@omistaja.test")
	v, err := w.OpenTaskLink(ctx, tok)
	if err != nil || v.Task.OwnerEmail != "kollega@omistaja.test" {
		t.Fatalf("new link: %v %+v", err, v.Task)
	}
	if ok, _ := w.TaskBrowserVerified(ctx, v, b); ok {
		t.Error("the old owner's browser opens the colleague's task")
	}
	ev, err := store.New(oc.env.Pool).AuditTrail(ctx, oc.org.ID, oc.caseID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range ev {
		found = found || (e.Action == string(workflow.ActReassignTask) && e.Actor == string(workflow.OwnerActor(oc.task.ID)))
	}
	if !found {
		t.Error("no reassign_task event by the owner")
	}
}

// A verified browser is known for the owner's other tasks in the
// organisation (the same mailbox proved), not for another owner's.
func TestVerifiedBrowserCoversOwnersTasks(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("monta", "Montakunta", "Mångby", "fi")
	r1 := env.Register(org.ID, "Rekisteri A", "c", "sama@monta.test")
	r2 := env.Register(org.ID, "Rekisteri B", "e", "sama@monta.test")
	r3 := env.Register(org.ID, "Rekisteri C", "e", "toinen@monta.test")
	if _, err := env.Workflow.EnterRequest(ctx, org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{r1, r2, r3}, Name: "Maija", Lang: "fi"},
		Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person"}); err != nil {
		t.Fatal(err)
	}
	env.WorkAll(jobargs.DeliverMail{}.Kind())
	var same, other []string
	for _, m := range env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") != "task" {
			continue
		}
		// One mail per owner, with a link per task.
		for _, l := range ownerLinkRe.FindAllStringSubmatch(m.Text, -1) {
			if slices.Contains(m.To, "sama@monta.test") {
				same = append(same, l[2])
			} else {
				other = append(other, l[2])
			}
		}
	}
	if len(same) != 2 || len(other) != 1 || len(env.Catcher.Messages()) != 2 {
		t.Fatalf("links: %d same owner, %d other", len(same), len(other))
	}
	w := env.Workflow
	v1, err := w.OpenTaskLink(ctx, same[0])
	if err != nil {
		t.Fatal(err)
	}
	b := browserID()
	if err := w.SendTaskCode(ctx, v1.Task.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.VerifyTaskCode(ctx, v1.Task.ID, ownerCode(t, env, "sama@monta.test"), b); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		token string
		want  bool
	}{{same[1], true}, {other[0], false}} {
		v, err := w.OpenTaskLink(ctx, c.token)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := w.TaskBrowserVerified(ctx, v, b); ok != c.want {
			t.Errorf("task of %s: known = %v, want %v", v.Task.RegisterName, ok, c.want)
		}
	}
}

// Issue 16, item 3: a henkilötunnus typed into the details (any century
// sign, ID-3) reaches the owner's task masked.
func TestTaskViewMasksHetuInDetails(t *testing.T) {
	t.Parallel()
	oc := newOwnerCase(t, "access", "c", func(r *workflow.Request) {
		r.Details = "Minun tunnukseni on 131052-308T ja lapsen 010200a9618, vanha 100190Y999P."
	})
	v, err := oc.env.Workflow.OpenTaskLink(context.Background(), oc.token)
	if err != nil {
		t.Fatal(err)
	}
	for _, full := range []string{"308T", "9618", "999P"} {
		if strings.Contains(v.Details, full) {
			t.Fatalf("owner sees %q in %q", full, v.Details)
		}
	}
	if want := "Minun tunnukseni on 131052-**** ja lapsen 010200A****, vanha 100190Y****."; v.Details != want {
		t.Fatalf("details %q, want %q", v.Details, want)
	}
}

func TestMaskHetuInText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"131052-308T":              "131052-****",
		"x 131052+308T y":          "x 131052+**** y", // ID-4: its own century sign
		"puh 0401234567":           "puh 0401234567",
		"RD-2026-000123":           "RD-2026-000123",
		"010100A001N, 280453-111A": "010100A****, 280453-****",
		"lapsi 010215a123b":        "lapsi 010215A****",
	} {
		if got := workflow.MaskHetuInText(in); got != want {
			t.Errorf("MaskHetuInText(%q) = %q, want %q", in, got, want)
		}
	}
}
