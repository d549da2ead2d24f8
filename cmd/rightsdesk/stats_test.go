package main

import (
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// TestStatsReportCLI (issue 21): `rightsdesk stats report --org S --year Y
// --out F` writes the annual report in the organisation's language (or
// --lang), with the year's figures; an unknown organisation fails.
func TestStatsReportCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("this test needs pdftotext (poppler-utils): run scripts/deps.sh test")
	}
	env := testenv.New(t)
	org := env.Org("raasepori", "Raaseporin kaupunki", "Raseborgs stad", "sv")
	env.Register(org.ID, "Elevregister", "e", "rektor@skola.test")
	for i := range 6 {
		if _, err := env.Workflow.EnterRequest(env.Ctx, org, workflow.ActorCLI, workflow.PaperRequest{Request: workflow.Request{
			Rights: []string{"access"}, AllRegisters: true, Name: "Anna Andersson", Email: "anna@example.test", Lang: "sv"},
			Channel: "paper", ReceivedAt: time.Date(2026, 1, 5+i, 9, 0, 0, 0, workflow.Helsinki())}); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32) // testenv's key
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
	text := func(file string) string {
		t.Helper()
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	sv := filepath.Join(dir, "sv.pdf")
	if code, _, stderr := run(t, getenv, "stats", "report", "--org", "raasepori", "--year", "2026", "--refresh", "--out", sv); code != 0 {
		t.Fatalf("stats report: exit %d: %s", code, stderr)
	}
	if w := text(sv); !strings.Contains(w, "Begäranden från registrerade: årsrapport 2026") || !strings.Contains(w, "År 2026 6 0") {
		t.Errorf("the Swedish report: %.500s", w)
	}
	fi := filepath.Join(dir, "fi.pdf")
	if code, _, stderr := run(t, getenv, "stats", "report", "--org", "raasepori", "--year", "2026", "--lang", "fi", "--out", fi); code != 0 {
		t.Fatalf("stats report --lang fi: exit %d: %s", code, stderr)
	}
	if w := text(fi); !strings.Contains(w, "Rekisteröityjen pyynnöt: vuosiraportti 2026") {
		t.Errorf("the Finnish report: %.300s", w)
	}
	if code, _, stderr := run(t, getenv, "stats", "report", "--org", "nowhere", "--year", "2026", "--out", filepath.Join(dir, "x.pdf")); code == 0 || !strings.Contains(stderr, "nowhere") {
		t.Errorf("an unknown organisation: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.pdf")); err == nil {
		t.Error("a report was written for an unknown organisation")
	}
}
