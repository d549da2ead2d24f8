package registers

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// Issue 19: importer warnings are shown in the reader's language. Each is
// written from the table in warnings.go and read back by WarningMessage.
func TestWarningMessageRoundTrip(t *testing.T) {
	for _, w := range warningFormats {
		var args []any
		for i, v := range verbRe.FindAllString(w.format, -1) {
			if v == "%d" {
				args = append(args, 40+i)
			} else {
				args = append(args, `a "quoted" text: ä, å, \ and ; too`)
			}
		}
		s := warnf(w.key, args...)
		key, got, ok := WarningMessage(s)
		if !ok || key != w.key || !reflect.DeepEqual(got, args) {
			t.Errorf("%s: %q read back as %q %#v %v", w.key, s, key, got, ok)
		}
	}
	if _, _, ok := WarningMessage("something no importer writes"); ok {
		t.Error("an unknown text was read as a warning")
	}
}

// Every warning the importers give on the seeds, the corpus and the
// invented inputs is one of the table's, so none is shown in English only.
func TestEveryImporterWarningIsLocalizable(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	corpus, _ := filepath.Glob("testdata/corpus/*.txt")
	files = append(files, corpus...)
	if len(files) < 30 {
		t.Fatalf("found only %d test documents", len(files))
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	// Inputs made to trip the table and notice importers' warnings.
	texts = append(texts,
		"Register/Informationslager\tAnvändningsändamål\tPersonuppgiftsansvarig\n\tföräldralös fortsättning\t\nKundregister\tKunder\tNämnden\tSTRAY\n",
		"Tietosuojaseloste\n\n1. Rekisterin nimi\nKirjaston asiakasrekisteri\n\n2. Käsittelyn oikeusperuste\nKirjastolaki 1492/2016\n",
	)
	seen := map[string]bool{}
	for i, text := range texts {
		res, _, err := ParseDocument(context.Background(), []byte(text), Options{SourceFile: "t.txt"}, ExtractOptions{})
		if err != nil || res == nil {
			continue
		}
		all := slices.Clone(res.Warnings)
		for _, r := range res.Registers {
			all = append(all, r.Warnings...)
		}
		for _, w := range all {
			key, _, ok := WarningMessage(w)
			if !ok {
				t.Errorf("document %d: warning %q is not in the warnings table", i, w)
				continue
			}
			seen[key] = true
		}
	}
	// The test means something only if warnings were given.
	if len(seen) < 4 {
		t.Errorf("only %d kinds of warning met: %v", len(seen), seen)
	}
	t.Logf("warning kinds met: %d of %d", len(seen), len(warningFormats))
}
