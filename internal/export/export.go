// Package export builds the machine-readable copy of an access answer
// (issue 18; GDPR Art 20, and the electronic copy of Art 15(3)): a ZIP
// with the letter PDF, manifest.json, and per register a JSON document of
// all its data (docs/export.schema.json), a CSV of the owner's extract
// and the owner's uploaded files as they are. Withheld content is left out
// exactly as in the letter (pdf.RedactExtract): withheld cells and rows
// read as the letter's marker, withheld files are not in the ZIP (the
// caller passes only the delivered ones). The same input gives the same
// bytes: entry times are the letter's date.
package export

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"

	"rightsdesk/docs"
	"rightsdesk/internal/pdf"
)

// File is one uploaded file delivered with a register's answer.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Input is everything the ZIP holds.
type Input struct {
	Letter    pdf.Letter
	LetterPDF []byte
	// Files are the delivered files of Letter.Registers[i] (withheld ones
	// already left out), by the same index.
	Files [][]File
	// Mark is the letter's marker of a withheld cell or row, note n
	// (the catalogue's letter.withheld.cell in the letter's language).
	Mark func(n int) string
}

// Answer outcomes whose register part carries data (the letter prints no
// data for the others).
func hasData(answer string) bool {
	switch answer {
	case "", "no_data", "refused", "elsewhere":
		return false
	}
	return true
}

type controller struct {
	Name     string `json:"name"`
	DPOEmail string `json:"dpo_email,omitempty"`
}

type manifest struct {
	Document      string             `json:"document"`
	SchemaVersion string             `json:"schema_version"`
	RequestNumber string             `json:"request_number"`
	Language      string             `json:"language"`
	LetterDate    string             `json:"letter_date"`
	Controller    controller         `json:"controller"`
	Letter        string             `json:"letter"`
	Registers     []manifestRegister `json:"registers"`
	Entries       []entry            `json:"entries"`
}

type manifestRegister struct {
	Name  string   `json:"name"`
	Data  string   `json:"data"`
	CSV   string   `json:"csv,omitempty"`
	Files []string `json:"files"`
}

type entry struct {
	Path   string `json:"path"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// Register is the JSON document of one register (document "register").
type Register struct {
	Document      string       `json:"document"`
	SchemaVersion string       `json:"schema_version"`
	RequestNumber string       `json:"request_number"`
	Language      string       `json:"language"`
	Register      registerInfo `json:"register"`
	Answer        answer       `json:"answer"`
	Extract       *Extract     `json:"extract"`
	Withheld      []withheld   `json:"withheld"`
	Files         []fileEntry  `json:"files"`
}

type registerInfo struct {
	Name           string `json:"name"`
	Language       string `json:"language"`
	Purpose        string `json:"purpose"`
	LegalBasis     string `json:"legal_basis"`
	Categories     string `json:"categories"`
	Recipients     string `json:"recipients"`
	ThirdCountries string `json:"third_countries"`
	Retention      string `json:"retention"`
	Sources        string `json:"sources"`
	Automated      string `json:"automated_decision_making"`
}

type answer struct {
	Right              string `json:"right"`
	Outcome            string `json:"outcome"`
	Ground             string `json:"ground,omitempty"`
	Reason             string `json:"reason,omitempty"`
	GuardianRestricted bool   `json:"guardian_restricted"`
}

// Extract is a register's extract table as the letter prints it.
type Extract struct {
	CSV     string     `json:"csv"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
}

type withheld struct {
	Note   int    `json:"note"`
	Row    int    `json:"row,omitempty"`
	Column string `json:"column,omitempty"`
	File   string `json:"file,omitempty"`
	Ground string `json:"ground"`
	Reason string `json:"reason"`
}

type fileEntry struct {
	Name        string `json:"name"`
	Path        string `json:"path"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
}

// Filename is the ZIP's download name: the request number and language.
func Filename(l pdf.Letter) string {
	return l.RequestNumber + "-" + l.Lang + ".zip"
}

// Build writes the ZIP.
func Build(in Input) ([]byte, error) {
	l := in.Letter
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if len(in.Files) > len(l.Registers) {
		return nil, fmt.Errorf("export: files for %d registers, letter has %d", len(in.Files), len(l.Registers))
	}
	mark := in.Mark
	if mark == nil {
		return nil, fmt.Errorf("export: no withheld marker")
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var entries []entry
	add := func(name string, b []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: l.Date.UTC()})
		if err != nil {
			return err
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		entries = append(entries, entry{Path: name, Size: len(b), SHA256: hex.EncodeToString(sum[:])})
		return nil
	}
	letterName := l.RequestNumber + "-" + l.Lang + ".pdf"
	if err := add(letterName, in.LetterPDF); err != nil {
		return nil, err
	}
	m := manifest{Document: "manifest", SchemaVersion: docs.ExportSchemaVersion, RequestNumber: l.RequestNumber,
		Language: l.Lang, LetterDate: l.Date.Format(time.DateOnly),
		Controller: controller{Name: l.Org.Name, DPOEmail: l.Org.DPOEmail}, Letter: letterName,
		Registers: []manifestRegister{}}
	for i, r := range l.Registers {
		dir := fmt.Sprintf("registers/%02d-%s", i+1, slug(r.Name))
		doc := Register{Document: "register", SchemaVersion: docs.ExportSchemaVersion, RequestNumber: l.RequestNumber,
			Language: l.Lang,
			Register: registerInfo{Name: r.Name, Language: r.Lang, Purpose: r.Purpose, LegalBasis: r.LegalBasis,
				Categories: r.DataContent, Recipients: r.Recipients, ThirdCountries: r.ThirdCountries,
				Retention: r.Retention, Sources: r.Sources, Automated: r.Automated},
			Answer:   answer{Right: r.Right, Outcome: r.Answer, Ground: r.Ground, Reason: r.Comment, GuardianRestricted: r.GuardianRestricted},
			Withheld: []withheld{}, Files: []fileEntry{}}
		mr := manifestRegister{Name: r.Name, Data: dir + "/data.json", Files: []string{}}
		for n, w := range r.Withheld {
			doc.Withheld = append(doc.Withheld, withheld{Note: n + 1, Row: w.Row, Column: w.Column, File: w.File,
				Ground: w.Ground, Reason: w.Reason})
		}
		if hasData(r.Answer) {
			header, rows := pdf.ParseExtract(r.Extract)
			if len(header) > 0 {
				rows = pdf.RedactExtract(header, rows, r.Withheld, mark)
				b, err := csvBytes(header, rows)
				if err != nil {
					return nil, err
				}
				mr.CSV = dir + "/extract.csv"
				if err := add(mr.CSV, b); err != nil {
					return nil, err
				}
				if rows == nil {
					rows = [][]string{}
				}
				doc.Extract = &Extract{CSV: mr.CSV, Columns: header, Rows: rows}
			}
			var files []File
			if i < len(in.Files) {
				files = in.Files[i]
			}
			used := map[string]bool{}
			for _, f := range files {
				p := dir + "/files/" + uniqueName(safeName(f.Name), used)
				if err := add(p, f.Data); err != nil {
					return nil, err
				}
				e := entries[len(entries)-1]
				doc.Files = append(doc.Files, fileEntry{Name: f.Name, Path: p, ContentType: f.ContentType, Size: e.Size, SHA256: e.SHA256})
				mr.Files = append(mr.Files, p)
			}
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := add(mr.Data, append(b, '\n')); err != nil {
			return nil, err
		}
		m.Registers = append(m.Registers, mr)
	}
	m.Entries = entries
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: l.Date.UTC()})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// csvBytes is RFC 4180 CSV (CRLF, UTF-8 without BOM), the header first.
func csvBytes(header []string, rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	// Lines typed without tabs are one column without a name: no header.
	if slices.ContainsFunc(header, func(h string) bool { return h != "" }) {
		if err := w.Write(header); err != nil {
			return nil, err
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// slug is a register name as an ASCII path element.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä', 'å', 'à', 'á':
			r = 'a'
		case 'ö', 'ø', 'ó':
			r = 'o'
		case 'é', 'è':
			r = 'e'
		case 'ü':
			r = 'u'
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return "register"
	}
	return out
}

// safeName keeps an uploaded file's name as given, less what would make
// it a path or hidden: separators, control characters, leading dots.
func safeName(s string) string {
	s = path.Base(strings.ReplaceAll(s, "\\", "/"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == ':' {
			return '_'
		}
		return r
	}, s)
	s = strings.TrimLeft(strings.TrimSpace(s), ".")
	if s == "" {
		return "file"
	}
	return s
}

// uniqueName gives a second "a.pdf" the name "a (2).pdf".
func uniqueName(name string, used map[string]bool) string {
	out := name
	ext := path.Ext(name)
	for n := 2; used[strings.ToLower(out)]; n++ {
		out = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(name, ext), n, ext)
	}
	used[strings.ToLower(out)] = true
	return out
}
