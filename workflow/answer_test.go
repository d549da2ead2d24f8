package workflow_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// RB-1 and ID-5 in one place (ValidateAnswer), whoever answers: the table
// of what the owner's link and the DPO's queue both refuse.
func TestValidateAnswerRB1AndID5(t *testing.T) {
	t.Parallel()
	access := store.Task{Right: "access", LegalBasis: "c", AllowedAnswers: []string{"extract", "no_data", "refused"}}
	erasure := store.Task{Right: "erasure", LegalBasis: "a", AllowedAnswers: []string{"erased", "no_data", "refused"}}
	rect := store.Task{Right: "rectification", LegalBasis: "c", AllowedAnswers: []string{"rectified", "no_data", "refused"}}
	file := []workflow.Attachment{{Filename: "ote.pdf", Data: []byte("%PDF")}}
	for _, c := range []struct {
		name     string
		task     store.Task
		onBehalf bool
		a        workflow.TaskAnswer
		field    string // "" = accepted
		key      string
	}{
		{"RB1 extract with a table", access, false, workflow.TaskAnswer{Answer: "extract", ExtractText: "a\tb"}, "", ""},
		{"RB1 refusal on dpa_34", access, false, workflow.TaskAnswer{Answer: "refused", Ground: "dpa_34", Comment: "x"}, "", ""},
		{"RB1 answer of another right", access, false, workflow.TaskAnswer{Answer: "erased"}, "answer", "task.err.answer"},
		{"DL6 refusal needs reasons", access, false, workflow.TaskAnswer{Answer: "refused", Ground: "dpa_34"}, "comment", "task.err.reason"},
		{"no data with a table", access, false, workflow.TaskAnswer{Answer: "no_data", ExtractText: "a\tb"}, "extract", "task.err.extract_only"},
		{"refusal with a file", access, false, workflow.TaskAnswer{Answer: "refused", Ground: "dpa_34", Comment: "x", Attachments: file},
			"files", "task.err.extract_only"},
		{"erased with changes", erasure, false, workflow.TaskAnswer{Answer: "erased", Changes: "x"}, "changes", "task.err.changes_only"},
		{"rectified with changes", rect, false, workflow.TaskAnswer{Answer: "rectified", Changes: "Osoite korjattu", RecipientsNone: true}, "", ""},
		// Art 19 (legal.md §1): the recipients told, or that there were none.
		{"Art19 rectified without recipients", rect, false, workflow.TaskAnswer{Answer: "rectified", Changes: "x"},
			"recipients_told", "task.err.art19"},
		{"Art19 blank lines are no list", rect, false, workflow.TaskAnswer{Answer: "rectified", Changes: "x", RecipientsTold: " \n\t\n"},
			"recipients_told", "task.err.art19"},
		{"Art19 erased with recipients", erasure, false, workflow.TaskAnswer{Answer: "erased", RecipientsTold: "Kela\nVerohallinto"}, "", ""},
		{"Art19 a list and none", erasure, false, workflow.TaskAnswer{Answer: "erased", RecipientsTold: "Kela", RecipientsNone: true},
			"recipients_told", "task.err.art19_both"},
		{"Art19 recipients with no data", erasure, false, workflow.TaskAnswer{Answer: "no_data", RecipientsNone: true},
			"recipients_told", "task.err.art19_only"},
		{"Art19 recipients with a refusal", erasure, false, workflow.TaskAnswer{Answer: "refused", Ground: "art17_3_e", Comment: "x", RecipientsTold: "Kela"},
			"recipients_told", "task.err.art19_only"},
		{"no answer chosen keeps the table", access, false, workflow.TaskAnswer{ExtractText: "a"}, "answer", "task.err.answer"},
		{"ID5 guardian ground without a representative", access, false,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "x"}, "ground", "task.err.guardian_behalf"},
		{"ID5 guardian ground, spaces around", access, false,
			workflow.TaskAnswer{Answer: " refused ", Ground: " id5_guardian ", Comment: "x"}, "ground", "task.err.guardian_behalf"},
		{"ID5 restriction without a representative", access, false,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "dpa_34"}, "guardian_ground", "task.err.guardian_behalf"},
		{"ID5 restriction with an extract", access, true,
			workflow.TaskAnswer{Answer: "extract", Attachments: file, GuardianRestricted: true, Ground: "id5_guardian"}, "", ""},
		{"ID5 restriction needs its ground", access, true,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true}, "guardian_ground", "task.err.guardian_ground"},
		{"ID5 restriction on another ground", access, true,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "art15_4_others"}, "guardian_ground", "task.err.guardian_ground"},
		{"ID5 restriction with no data", access, true,
			workflow.TaskAnswer{Answer: "no_data", GuardianRestricted: true, Ground: "id5_guardian"}, "guardian", "task.err.guardian_answer"},
		{"ID5 restriction with a refusal on another ground", access, true,
			workflow.TaskAnswer{Answer: "refused", Ground: "art15_4_others", GuardianRestricted: true, Comment: "x"}, "guardian", "task.err.guardian_answer"},
		{"ID5 restriction with a refusal without ground", access, true,
			workflow.TaskAnswer{Answer: "refused", GuardianRestricted: true, Comment: "x"}, "ground", "task.err.ground"},
		{"ID5 refusal on the guardian ground", access, true,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "x"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			err := workflow.ValidateAnswer(c.task, c.a, c.onBehalf)
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe workflow.FieldErrors
			if !errors.As(err, &fe) || fe[c.field] != c.key {
				t.Fatalf("err %v (%v), want %s=%s", err, fe, c.field, c.key)
			}
		})
	}
}

// queueCase files an access request against a register without an owner,
// identity established, so its one task is open in the DPO's queue (D-11).
func queueCase(t *testing.T, env *testenv.Env, org store.Org, reg int64, onBehalf bool) store.Task {
	t.Helper()
	r := workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{reg}, Name: "Maija Meikäläinen",
		Email: "maija@example.test", Lang: "fi", Hetu: "131052-308T"}
	if onBehalf {
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Matti Meikäläinen", "010200A9618"
	}
	sub, err := env.Workflow.EnterRequest(context.Background(), org, workflow.StaffActor(1), workflow.PaperRequest{
		Request: r, Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person", Authority: "shown"})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := store.New(env.Pool).TasksOfCase(context.Background(), org.ID, sub.CaseID)
	if err != nil || len(ts) != 1 || ts[0].State != "open" || ts[0].OwnerEmail != "" {
		t.Fatalf("tasks %+v, %v; want one open task in the DPO's queue", ts, err)
	}
	return ts[0]
}

// D-11, ID-5: the DPO answering a task of the queue (AnswerTask, as the
// case page calls it) meets the same checks as the owner's link.
func TestDPOAnswerSameRulesAsOwner_ID5(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("jono", "Jonokunta", "Köby", "fi")
	reg := env.Register(org.ID, "Kirjaston asiakasrekisteri", "c", "")
	dpo := workflow.StaffActor(7)
	for _, c := range []struct {
		name     string
		onBehalf bool
		a        workflow.TaskAnswer
		field    string
		key      string
	}{
		{"guardian ground without a representative", false,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "x"}, "ground", "task.err.guardian_behalf"},
		{"restriction without a representative", false,
			workflow.TaskAnswer{Answer: "extract", ExtractText: "a", GuardianRestricted: true, Ground: "dpa_34"}, "guardian_ground", "task.err.guardian_behalf"},
		{"restriction with no data", true,
			workflow.TaskAnswer{Answer: "no_data", GuardianRestricted: true, Ground: "dpa_34"}, "guardian", "task.err.guardian_answer"},
		{"no data with a file", false,
			workflow.TaskAnswer{Answer: "no_data", Attachments: []workflow.Attachment{{Filename: "a.txt", Data: []byte("x")}}}, "files", "task.err.extract_only"},
		{"refusal with a table", false,
			workflow.TaskAnswer{Answer: "refused", Ground: "dpa_34", Comment: "x", ExtractText: "a"}, "extract", "task.err.extract_only"},
		{"no data with changes", false, workflow.TaskAnswer{Answer: "no_data", Changes: "x"}, "changes", "task.err.changes_only"},
		{"refusal on the guardian ground for a representative", true,
			workflow.TaskAnswer{Answer: "refused", Ground: "id5_guardian", Comment: "kielto"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tk := queueCase(t, env, org, reg, c.onBehalf)
			err := env.Workflow.AnswerTask(context.Background(), org, tk.ID, dpo, c.a)
			got, rerr := store.New(env.Pool).TaskByID(context.Background(), tk.ID)
			if rerr != nil {
				t.Fatal(rerr)
			}
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.State != "answered" || got.AnsweredBy != string(dpo) || !got.GuardianRestricted || got.AnswerGround != "id5_guardian" {
					t.Errorf("task %s by %s restricted=%v ground=%q", got.State, got.AnsweredBy, got.GuardianRestricted, got.AnswerGround)
				}
				return
			}
			var fe workflow.FieldErrors
			if !errors.As(err, &fe) || fe[c.field] != c.key {
				t.Fatalf("err %v (%v), want %s=%s", err, fe, c.field, c.key)
			}
			if got.State != "open" || got.Answer != "" {
				t.Errorf("refused answer saved: %s %s", got.State, got.Answer)
			}
		})
	}
}

// The files of an answer go through the store (InsertAttachment): names
// without paths or quotes, sizes and types kept, an empty type as bytes;
// a task of another organisation takes none.
func TestAnswerFilesStored(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("tiedosto", "Tiedostokunta", "Filby", "fi")
	other := env.Org("muu", "Muukunta", "Annanby", "fi")
	reg := env.Register(org.ID, "Oppilasrekisteri", "c", "")
	tk := queueCase(t, env, org, reg, false)
	err := env.Workflow.AnswerTask(ctx, org, tk.ID, workflow.StaffActor(7), workflow.TaskAnswer{Answer: "extract", Attachments: []workflow.Attachment{
		{Filename: `..\..\"ote".pdf`, ContentType: "application/pdf", Data: []byte("%PDF-1.7")},
		{Filename: "C:/tmp/taulukko.csv", Data: []byte("a;b\n1;2\n")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	files, err := q.TaskAttachments(ctx, org.ID, tk.ID)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %+v, %v", files, err)
	}
	for i, want := range []store.TaskAttachment{
		{Filename: "ote.pdf", ContentType: "application/pdf", Size: 8},
		{Filename: "taulukko.csv", ContentType: "application/octet-stream", Size: 8},
	} {
		if f := files[i]; f.Filename != want.Filename || f.ContentType != want.ContentType || f.Size != want.Size || f.TaskID != tk.ID {
			t.Errorf("file %d = %q %q %d, want %q %q %d", i, f.Filename, f.ContentType, f.Size, want.Filename, want.ContentType, want.Size)
		}
	}
	if _, err := q.InsertAttachment(ctx, other.ID, tk.ID, store.TaskAttachment{Filename: "x", ContentType: "text/plain", Data: []byte("x")}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a file for another organisation's task: %v", err)
	}
	if files, _ := q.TaskAttachments(ctx, org.ID, tk.ID); len(files) != 2 {
		t.Errorf("%d files after a refused insert", len(files))
	}
}

// Issue 12: a staff download reads the file and is audited by ids only
// (the name may be personal data); another case's task or another task's
// file is not found.
func TestTaskFileAudited(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("lataus", "Latauskunta", "Laddby", "fi")
	reg := env.Register(org.ID, "Oppilasrekisteri", "c", "")
	tk := queueCase(t, env, org, reg, false)
	otherTask := queueCase(t, env, org, reg, false)
	if err := env.Workflow.AnswerTask(ctx, org, tk.ID, workflow.StaffActor(7), workflow.TaskAnswer{Answer: "extract",
		Attachments: []workflow.Attachment{{Filename: "Maija Meikäläinen.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}}); err != nil {
		t.Fatal(err)
	}
	files, err := store.New(env.Pool).TaskAttachments(ctx, org.ID, tk.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, %v", files, err)
	}
	f, err := env.Workflow.TaskFile(ctx, org, tk.CaseID, tk.ID, files[0].ID, workflow.StaffActor(8))
	if err != nil || string(f.Data) != "%PDF" || f.Filename != "Maija Meikäläinen.pdf" {
		t.Fatalf("file %q %q, %v", f.Filename, f.Data, err)
	}
	trail, err := store.New(env.Pool).AuditTrail(ctx, org.ID, tk.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	last := trail[len(trail)-1]
	if last.Action != "attachment_downloaded" || last.Actor != "staff:8" ||
		last.Data["task"] != float64(tk.ID) || last.Data["attachment"] != float64(files[0].ID) {
		t.Errorf("last audit event %s by %s: %v", last.Action, last.Actor, last.Data)
	}
	for k, v := range last.Data {
		if s, ok := v.(string); ok && strings.Contains(s, "Maija") {
			t.Errorf("audit data %s carries the file's name", k)
		}
	}
	if broken := store.VerifyAuditChain(env.Keys, trail); broken != nil {
		t.Errorf("audit chain broken: %+v", broken)
	}
	for _, c := range []struct {
		name                 string
		caseID, taskID, file int64
	}{
		{"task of another case", otherTask.CaseID, tk.ID, files[0].ID},
		{"file of another task", otherTask.CaseID, otherTask.ID, files[0].ID},
		{"unknown file", tk.CaseID, tk.ID, files[0].ID + 1000},
	} {
		if _, err := env.Workflow.TaskFile(ctx, org, c.caseID, c.taskID, c.file, workflow.StaffActor(8)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want not found", c.name, err)
		}
	}
	if trail2, _ := store.New(env.Pool).AuditTrail(ctx, org.ID, tk.CaseID); len(trail2) != len(trail) {
		t.Error("a refused download was audited")
	}
}
