package main

import (
	"os"
	"strings"
	"testing"
)

// Issue 19: PDF import runs poppler's pdftotext, so the runtime image (the
// Dockerfile's last stage, not the build stage) must install poppler-utils.
// No Docker daemon here: the test reads the file.
func TestDockerfileRuntimeHasPdftotext(t *testing.T) {
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "\\\n", " ")
	stages := strings.Split(text, "\nFROM ")
	if len(stages) < 2 {
		t.Fatalf("expected a multi-stage Dockerfile, found %d stage(s)", len(stages))
	}
	runtime := stages[len(stages)-1]
	installs := false
	for _, line := range strings.Split(runtime, "\n") {
		if strings.HasPrefix(line, "RUN ") && strings.Contains(line, "apt-get install") && strings.Contains(line, " poppler-utils") {
			installs = true
		}
	}
	if !installs {
		t.Errorf("the runtime stage does not apt-get install poppler-utils (pdftotext, needed by PDF import):\n%s", runtime)
	}
}
