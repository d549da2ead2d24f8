package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 18: `rightsdesk letter --sample KIND --lang L -o FILE` renders the
// built-in synthetic case, the same bytes every time; wrong arguments fail
// with a message.
func TestLetterSampleCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.pdf"), filepath.Join(dir, "b.pdf")
	for _, out := range []string{a, b} {
		if code, _, errOut := run(t, nil, "letter", "--sample", "access", "--lang", "sv", "-o", out); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	}
	pa, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, _ := os.ReadFile(b)
	if !bytes.HasPrefix(pa, []byte("%PDF-")) || !bytes.Equal(pa, pb) {
		t.Fatalf("not a PDF, or two runs differ (%d, %d bytes)", len(pa), len(pb))
	}
	if !bytes.Contains(pa, []byte("/Lang (sv)")) {
		t.Error("the sample is not in Swedish")
	}
	code, out, _ := run(t, nil, "letter", "--sample", "refusal", "--lang", "fi", "--out", "-")
	if code != 0 || !strings.HasPrefix(out, "%PDF-") {
		t.Errorf("--out - = exit %d, %.10q", code, out)
	}
	for _, args := range [][]string{
		{"letter", "--sample", "memo", "-o", a},
		{"letter", "--sample", "access", "--lang", "de", "-o", a},
		{"letter", "--lang", "fi", "-o", a},
		{"letter", "--sample", "access"},
	} {
		if code, _, errOut := run(t, nil, args...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
