package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func run(t *testing.T, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	code = Main(context.Background(), &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv}, args)
	return code, out.String(), errb.String()
}

// legal.md §2 worked examples, through the CLI (issue 5: "the deadline CLI
// agrees with legal.md on every example").
func TestDeadlineCLIWorkedExamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		received                               string
		eves                                   bool
		rawEnd, legalDue, safeTarget, extended string
	}{
		{"2025-01-31T12:00:00+02:00", false, "2025-02-28", "2025-02-28", "2025-02-28", "2025-04-30"},
		{"2024-01-31T12:00:00+02:00", false, "2024-02-29", "2024-02-29", "2024-02-29", "2024-04-30"},
		{"2025-06-20T12:00:00+03:00", false, "2025-07-20", "2025-07-21", "2025-07-18", "2025-09-22"},
		{"2026-05-19T12:00:00+03:00", false, "2026-06-19", "2026-06-19", "2026-06-18", "2026-08-19"},
		{"2026-05-19T12:00:00+03:00", true, "2026-06-19", "2026-06-22", "2026-06-18", "2026-08-19"},
		{"2025-11-24T12:00:00+02:00", false, "2025-12-24", "2025-12-24", "2025-12-23", "2026-02-24"},
		{"2025-11-24T12:00:00+02:00", true, "2025-12-24", "2025-12-29", "2025-12-23", "2026-02-24"},
		{"2026-03-03T10:00:00+02:00", false, "2026-04-03", "2026-04-07", "2026-04-02", "2026-06-03"},
		{"2026-10-01T12:00:00+03:00", false, "2026-11-01", "2026-11-02", "2026-10-30", "2027-01-04"},
		// DL-4: 23:30 local on the 31st is received on the 31st.
		{"2025-01-31T21:30:00Z", false, "2025-02-28", "2025-02-28", "2025-02-28", "2025-04-30"},
	}
	for _, tc := range cases {
		t.Run(tc.received, func(t *testing.T) {
			t.Parallel()
			args := []string{"deadline", "--received", tc.received, "--json"}
			if tc.eves {
				args = append(args, "--eves-non-working")
			}
			code, out, errOut := run(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("json: %v\n%s", err, out)
			}
			want := map[string]string{"raw_end": tc.rawEnd, "legal_due": tc.legalDue, "safe_target": tc.safeTarget, "extended_due": tc.extended}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
			for _, k := range []string{"received_date", "document_request_due"} {
				if got[k] == "" {
					t.Errorf("missing key %s", k)
				}
			}
		})
	}
}

func TestDeadlineCLIText(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, nil, "deadline", "--received", "2026-03-03")
	if code != 0 || !strings.Contains(out, "legal_due") || !strings.Contains(out, "2026-04-07") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestDeadlineCLIErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"deadline"}, {"deadline", "--received", "yesterday"}, {"deadline", "--bogus"}} {
		code, _, errOut := run(t, nil, args...)
		if code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	t.Parallel()
	if code, _, errOut := run(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errOut)
	}
	code, out, _ := run(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "DATABASE_URL") || !strings.Contains(out, "serve") {
		t.Fatalf("help: %d\n%s", code, out)
	}
	code, out, _ = run(t, nil, "serve", "--help")
	if code != 0 || !strings.Contains(out, "SMTP_URL") {
		t.Fatalf("serve --help: %d\n%s", code, out)
	}
	if code, _, errOut := run(t, nil, "serve", "--listen", "nope"); code != 1 || !strings.Contains(errOut, "LISTEN_ADDR") {
		t.Fatalf("config error: %d %q", code, errOut)
	}
}
