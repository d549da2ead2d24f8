package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"rightsdesk/docs"
	"rightsdesk/internal/export"
	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/templates"
)

// schema compiles docs/export.schema.json (the embedded copy is the file).
func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ExportSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("export.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("export.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unzip reads a ZIP into name -> content, in order.
func unzip(t *testing.T, b []byte) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
		names = append(names, f.Name)
	}
	return out, names
}

// validate checks every JSON document of an export against the schema and
// that the manifest lists every other entry with its size and hash.
func validate(t *testing.T, s *jsonschema.Schema, files map[string][]byte) {
	t.Helper()
	for name, b := range files {
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s does not validate: %v", name, err)
		}
	}
	var m struct {
		Entries []struct {
			Path string `json:"path"`
			Size int    `json:"size"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != len(files)-1 {
		t.Errorf("manifest lists %d entries, the ZIP has %d besides it", len(m.Entries), len(files)-1)
	}
	for _, e := range m.Entries {
		if b, ok := files[e.Path]; !ok || len(b) != e.Size {
			t.Errorf("manifest entry %s (%d bytes) not in the ZIP as listed", e.Path, e.Size)
		}
	}
}

func letter() pdf.Letter {
	return pdf.Letter{Kind: pdf.KindAccess, Lang: "sv", Org: pdf.Org{Name: "Esbo stad", DPOEmail: "dpo@esbo.test"},
		RequestNumber: "RD-2026-0042", Date: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC),
		Registers: []pdf.Register{
			{Name: "Skolans elevregister", Lang: "sv", Right: "access", Answer: "extract", Purpose: "Undervisning",
				Extract: "Namn\tKlass\tAnteckning\nMaja Meikäläinen\t9B\tsnäll\nOlle Elev\t9B\tHEMLIGRAD\nMaja Meikäläinen\t9C\tHEMLIGCELL\n",
				Files:   []string{"betyg.pdf", "utlåtande.pdf", "betyg.pdf"},
				Withheld: []pdf.Withheld{
					{Row: 2, Ground: "art15_4_others", Reason: "Raden gäller en annan elev."},
					{Row: 3, Col: 3, Column: "Anteckning", Ground: "dpa_34", Reason: "Skulle äventyra vården."},
					{File: "utlåtande.pdf", Ground: "art15_4_others", Reason: "Annan person."},
				}},
			{Name: "Biblioteket", Lang: "sv", Right: "access", Answer: "no_data"},
			{Name: "Hemvården", Lang: "fi", Right: "portability", Answer: "refused", Ground: "art15_4_others", Comment: "Skäl."},
		}}
}

// Issue 18, Art 20 and 15(3), 15(4): the export holds the letter, one JSON
// document per register valid under docs/export.schema.json, the extract as
// CSV with withheld rows and cells left out exactly as in the letter (the
// letter's marker in their place), the delivered files byte-identical and
// none withheld; the same input gives the same bytes.
func TestExportZIP_Art20_15_4(t *testing.T) {
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	l := letter()
	pdfBytes, err := pdf.New(cat).Bytes(l)
	if err != nil {
		t.Fatal(err)
	}
	betyg := []byte("%PDF-1.4 betyg \x00\xff binary")
	betyg2 := []byte("second file with the same name")
	in := export.Input{Letter: l, LetterPDF: pdfBytes,
		Files: [][]export.File{{{Name: "betyg.pdf", ContentType: "application/pdf", Data: betyg},
			{Name: "../betyg.pdf", ContentType: "application/pdf", Data: betyg2}}},
		Mark: func(n int) string { return cat.T("sv", "letter.withheld.cell", n) }}
	b, err := export.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := export.Build(in)
	if err != nil || !bytes.Equal(b, again) {
		t.Error("the same input does not give the same ZIP")
	}
	files, names := unzip(t, b)
	validate(t, schema(t), files)
	if names[0] != "RD-2026-0042-sv.pdf" || !bytes.Equal(files[names[0]], pdfBytes) {
		t.Errorf("the letter is not the ZIP's first entry as given: %v", names)
	}
	for name, data := range files {
		for _, gone := range []string{"HEMLIGRAD", "Olle Elev", "HEMLIGCELL"} {
			if bytes.Contains(data, []byte(gone)) && name != "RD-2026-0042-sv.pdf" {
				t.Errorf("withheld content %q is in %s", gone, name)
			}
		}
		if strings.Contains(name, "utlåtande") {
			t.Errorf("the withheld file is in the ZIP as %s", name)
		}
		if strings.Contains(name, "..") {
			t.Errorf("entry %s escapes its folder", name)
		}
	}
	dir := "registers/01-skolans-elevregister/"
	if !bytes.Equal(files[dir+"files/betyg.pdf"], betyg) || !bytes.Equal(files[dir+"files/betyg (2).pdf"], betyg2) {
		t.Errorf("the files are not byte-identical under their names: %v", names)
	}
	rows, err := csv.NewReader(bytes.NewReader(files[dir+"extract.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Namn", "Klass", "Anteckning"}, {"Maja Meikäläinen", "9B", "snäll"},
		{"[lämnas inte ut, se 1]", "", ""}, {"Maja Meikäläinen", "9C", "[lämnas inte ut, se 2]"}}
	if len(rows) != len(want) {
		t.Fatalf("csv %v", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("csv row %d = %v, want %v", i, rows[i], want[i])
		}
	}
	var doc struct {
		Extract  *struct{ Rows [][]string } `json:"extract"`
		Withheld []struct {
			Note   int
			File   string
			Reason string
		}
		Files []struct{ Name, Path string }
	}
	if err := json.Unmarshal(files[dir+"data.json"], &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Extract == nil || len(doc.Extract.Rows) != 3 || len(doc.Withheld) != 3 || doc.Withheld[2].File != "utlåtande.pdf" ||
		len(doc.Files) != 2 || doc.Files[1].Name != "../betyg.pdf" {
		t.Errorf("register document %s", files[dir+"data.json"])
	}
	// The register with nothing found and the refused one: documents, no data.
	for _, p := range []string{"registers/02-biblioteket/data.json", "registers/03-hemvarden/data.json"} {
		if !strings.Contains(string(files[p]), `"extract": null`) {
			t.Errorf("%s: %s", p, files[p])
		}
	}
}

// The schema rejects what it must: a document without its version, or with
// a field it does not describe (so it cannot pass vacuously).
func TestExportSchemaRejects(t *testing.T) {
	s := schema(t)
	for _, bad := range []string{
		`{"document":"register","request_number":"x","language":"sv","register":{},"answer":{},"extract":null,"withheld":[],"files":[]}`,
		`{"document":"manifest","schema_version":"1","request_number":"x","language":"sv","letter_date":"2026-12-02","controller":{"name":"x"},"letter":"a.pdf","registers":[],"entries":[],"extra":1}`,
		`{"document":"manifest","schema_version":"1","request_number":"x","language":"sv","letter_date":"2.12.2026","controller":{"name":"x"},"letter":"a.pdf","registers":[],"entries":[]}`,
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if s.Validate(v) == nil {
			t.Errorf("the schema accepts %s", bad)
		}
	}
}
