package registers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Seed documents (copies of the real publications) and the hand-written
// Swedish notice fixture.
const (
	seedJakobstad     = "000_9f16ab651a7d73f1.txt"
	seedKronoby       = "001_c4c0eb0aa08e1f72.txt"
	seedRaseborg      = "002_79d097ab7bc7f24f.txt"
	seedKokkola       = "003_e6f81456b93ef370.txt"
	seedTietovarannot = "004_85cf247d8325c8d4.txt"
	fixtureNoticeSV   = "notice_sv.txt" // written for these tests, not a real publication
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parseFile(t *testing.T, name string) *Result {
	t.Helper()
	res, err := Parse(readTestdata(t, name), Options{SourceFile: name})
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return res
}

// want is an expected register: every field is compared exactly, except
// Warnings, of which there must be exactly len(WarningsContain), each
// containing the given text in order.
type want struct {
	Register
	WarningsContain []string
}

func checkRegister(t *testing.T, got Register, w want) {
	t.Helper()
	g := got
	g.Warnings = nil
	e := w.Register
	e.Warnings = nil
	if !reflect.DeepEqual(g, e) {
		gj, _ := json.MarshalIndent(g, "", "  ")
		ej, _ := json.MarshalIndent(e, "", "  ")
		t.Errorf("register at line %d differs\n got: %s\nwant: %s\ndiff: %s", got.SourceRow, gj, ej, fieldDiff(g, e))
	}
	if len(got.Warnings) != len(w.WarningsContain) {
		t.Errorf("register %q: got warnings %q, want %d containing %q", got.Name, got.Warnings, len(w.WarningsContain), w.WarningsContain)
		return
	}
	for i, s := range w.WarningsContain {
		if !strings.Contains(got.Warnings[i], s) {
			t.Errorf("register %q: warning %d = %q, want it to contain %q", got.Name, i, got.Warnings[i], s)
		}
	}
}

func fieldDiff(a, b Register) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := 0; i < va.NumField(); i++ {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			out = append(out, va.Type().Field(i).Name)
		}
	}
	return strings.Join(out, ", ")
}

// findRow returns the register that starts on the given line.
func findRow(t *testing.T, res *Result, row int) Register {
	t.Helper()
	for _, r := range res.Registers {
		if r.SourceRow == row {
			return r
		}
	}
	t.Fatalf("no register on line %d", row)
	return Register{}
}

func names(res *Result) []string {
	var out []string
	for _, r := range res.Registers {
		out = append(out, r.Name)
	}
	return out
}

func checkNames(t *testing.T, res *Result, wantNames []string) {
	t.Helper()
	got := names(res)
	if len(got) != len(wantNames) {
		t.Errorf("got %d registers, want %d", len(got), len(wantNames))
	}
	for i := 0; i < len(got) && i < len(wantNames); i++ {
		if got[i] != wantNames[i] {
			t.Errorf("register %d: name %q, want %q", i+1, got[i], wantNames[i])
		}
	}
}
