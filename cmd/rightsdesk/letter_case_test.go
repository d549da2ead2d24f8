package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Issue 18: `rightsdesk letter --org SLUG --request RD-… [--kind]` renders
// a real case's current letter for reprinting: the access answer byte for
// byte as the DPO downloads it (withheld rows left out), the extension
// notice as the print queue holds it; a kind the case has none of, an
// unknown request and an unknown organisation fail with a message.
func TestLetterOfRealCaseCLI(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (poppler-utils): run scripts/deps.sh test", tool)
		}
	}
	env := testenv.New(t)
	ctx := context.Background()
	org := env.Org("raasepori", "Raaseporin kaupunki", "Raseborgs stad", "sv")
	reg := env.Register(org.ID, "Elevregister", "e", "rektor@skola.test")
	actor := workflow.StaffActor(1)
	sub, err := env.Workflow.EnterRequest(ctx, org, actor, workflow.PaperRequest{Request: workflow.Request{
		Rights: []string{"access"}, RegisterIDs: []int64{reg}, Name: "Anna Andersson", Email: "anna@example.test",
		Lang: "sv", Delivery: "paper", Address: "Åkerbärsvägen 7, 10600 Ekenäs"}, Channel: "paper", ReceivedAt: env.Clock.Now(),
		IdentityMethod: "in_person"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.Extend(ctx, org, sub.CaseID, actor, "Begäran gäller många register."); err != nil {
		t.Fatal(err)
	}
	tasks, err := store.New(env.Pool).TasksOfCase(ctx, org.ID, sub.CaseID)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks %v %v", tasks, err)
	}
	if err := env.Workflow.AnswerTask(ctx, org, tasks[0].ID, workflow.OwnerActor(tasks[0].ID), workflow.TaskAnswer{Answer: "extract",
		ExtractText: "Datum\tHändelse\n1.2.2025\tInskrivning\n3.3.2025\tHEMLIG rad om en annan elev\n"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Workflow.MarkWithheld(ctx, org, sub.CaseID, tasks[0].ID, actor, workflow.WithheldMarks{
		Rows: []int{2}, Ground: "art15_4_others", Reason: "Raden gäller en annan elev."}); err != nil {
		t.Fatal(err)
	}

	// The DPO's download, through the web.
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	if _, err := auth.AddUser(ctx, workflow.NewStaff{Email: "dpo@raseborg.test", Name: "Dana", Lang: "sv", OrgID: org.ID,
		Role: workflow.RoleDPO, Password: "letter cli test password"}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	ts := env.HTTP()
	cl := testenv.Client()
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := cl.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	_, page := get("/staff/login")
	m := csrfRe.FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	resp, err := cl.PostForm(ts.URL+"/staff/login", url.Values{"_csrf": {string(m[1])}, "email": {"dpo@raseborg.test"}, "password": {"letter cli test password"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", resp, err)
	}
	resp.Body.Close()
	status, download := get("/staff/cases/" + sub.Receipt + "/letters/access.pdf")
	if status != http.StatusOK || !bytes.HasPrefix(download, []byte("%PDF-")) {
		t.Fatalf("DPO download = %d", status)
	}

	key := make([]byte, 32) // testenv's key, so both read the same data
	for i := range key {
		key[i] = byte(i*7 + 3)
	}
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return env.Pool.Config().ConnString()
		case "SECRET_KEY":
			return hex.EncodeToString(key)
		case "LOG_LEVEL":
			return "error"
		case "SMTP_URL":
			return "catcher"
		}
		return ""
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "access.pdf")
	if code, _, stderr := run(t, getenv, "letter", "--org", "raasepori", "--request", sub.Receipt, "--out", out); code != 0 {
		t.Fatalf("letter: exit %d: %s", code, stderr)
	}
	cli, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cli, download) {
		t.Fatalf("the CLI's access answer (%d bytes) differs from the DPO's download (%d bytes)", len(cli), len(download))
	}
	txt, err := exec.Command("pdftotext", "-enc", "UTF-8", out, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(strings.Fields(string(txt)), " "); strings.Contains(text, "HEMLIG") || !strings.Contains(text, "Raden gäller en annan elev.") {
		t.Errorf("reprinted answer: %.1500s", text)
	}

	// The extension notice, as the print queue holds it.
	ext := filepath.Join(dir, "ext.pdf")
	if code, _, stderr := run(t, getenv, "letter", "--org", "raasepori", "--request", sub.Receipt, "--kind", "extension", "-o", ext); code != 0 {
		t.Fatalf("letter --kind extension: exit %d: %s", code, stderr)
	}
	queued, err := store.New(env.Pool).QueuedLettersOfCase(ctx, org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	for _, l := range queued {
		if l.Kind == "extension" {
			_, stored, _ = store.New(env.Pool).QueuedLetterPDF(ctx, org.ID, l.ID)
		}
	}
	if got, _ := os.ReadFile(ext); stored == nil || !bytes.Equal(got, stored) {
		t.Errorf("the reprinted extension notice differs from the queued one (%d vs %d bytes)", len(got), len(stored))
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--kind", "refusal"}, "has no refusal letter"},
		{[]string{"--kind", "memo"}, "--kind"},
	} {
		args := append([]string{"letter", "--org", "raasepori", "--request", sub.Receipt, "-o", filepath.Join(dir, "x.pdf")}, c.args...)
		if code, _, stderr := run(t, getenv, args...); code == 0 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, stderr)
		}
	}
	if code, _, stderr := run(t, getenv, "letter", "--org", "raasepori", "--request", "RD-2026-999999", "-o", filepath.Join(dir, "x.pdf")); code == 0 || !strings.Contains(stderr, "no request") {
		t.Errorf("unknown request: exit %d, %q", code, stderr)
	}
	if code, _, stderr := run(t, getenv, "letter", "--org", "nowhere", "--request", sub.Receipt, "-o", filepath.Join(dir, "x.pdf")); code == 0 || !strings.Contains(stderr, "nowhere") {
		t.Errorf("unknown organisation: exit %d, %q", code, stderr)
	}
}
