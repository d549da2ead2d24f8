package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

const (
	seedJakobstad = "../../internal/seed/seeddata/000_jakobstad.txt"
	seedKokkola   = "../../internal/seed/seeddata/003_kokkola.txt"
)

func seedCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := registers.Parse(string(b), registers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Registers)
}

// importDB is a fresh migrated database with one organisation, and the
// environment that points the CLI at it.
func importDB(t *testing.T) (*pgxpool.Pool, store.Org, func(string) string) {
	t.Helper()
	dsn := pgtest.ConnString(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	org := store.Org{Slug: "jakobstad", NameFI: "Pietarsaari", NameSV: "Jakobstad", PrimaryLang: "sv"}
	if org.ID, err = store.New(pool).UpsertOrg(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "SECRET_KEY":
			return testSecretKey
		case "LOG_LEVEL":
			return "error"
		}
		return ""
	}
	return pool, org, getenv
}

func countRegisters(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM registers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// --dry-run --json prints the parsed registers with every key, without a
// database (DATABASE_URL points nowhere).
func TestImportDryRunJSONNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	nowhere := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://127.0.0.1:1/none?connect_timeout=1"
		}
		return ""
	}
	code, out, errOut := run(t, nowhere, "import", "--dry-run", "--json", seedJakobstad, seedKokkola)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var regs []map[string]any
	if err := json.Unmarshal([]byte(out), &regs); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, out)
	}
	if want := seedCount(t, seedJakobstad) + seedCount(t, seedKokkola); len(regs) != want {
		t.Fatalf("%d registers, want %d", len(regs), want)
	}
	keys := []string{"name", "purpose", "controller", "unit", "contact", "legal_basis", "data_content", "sources",
		"recipients", "retention", "systems", "sector", "language", "source_file", "warnings"}
	for _, r := range regs {
		for _, k := range keys {
			if _, ok := r[k]; !ok {
				t.Fatalf("register %v lacks key %q", r["name"], k)
			}
		}
	}
	first, last := regs[0], regs[len(regs)-1]
	if first["source_file"] != "000_jakobstad.txt" || first["language"] != "sv" || last["source_file"] != "003_kokkola.txt" || last["legal_basis"] != "c" {
		t.Errorf("first %v, last %v", first, last)
	}
	// Progress goes to stderr so stdout stays JSON.
	if !strings.Contains(errOut, "000_jakobstad.txt:") || !strings.Contains(errOut, "003_kokkola.txt:") {
		t.Errorf("stderr %q", errOut)
	}
}

// A real import writes in one transaction and prints the summary; a second
// import of the same file changes nothing (D-3).
func TestImportSummary(t *testing.T) {
	t.Parallel()
	pool, _, getenv := importDB(t)
	n := seedCount(t, seedJakobstad)

	code, out, errOut := run(t, getenv, "import", "--org", "jakobstad", "--dry-run", seedJakobstad)
	if code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("%d added, 0 changed, 0 unchanged, 0 missing from the document", n)) || !strings.Contains(out, "nothing was written") {
		t.Errorf("dry run output:\n%s", out)
	}
	if got := countRegisters(t, pool); got != 0 {
		t.Fatalf("dry run wrote %d registers", got)
	}

	code, out, errOut = run(t, getenv, "import", "--org", "jakobstad", seedJakobstad)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, fmt.Sprintf("000_jakobstad.txt: %d registers (format jakobstad, language sv)", n)) {
		t.Errorf("no progress line:\n%s", out)
	}
	if !strings.Contains(out, fmt.Sprintf("imported into jakobstad: %d added, 0 changed, 0 unchanged, 0 missing from the document", n)) {
		t.Errorf("summary:\n%s", out)
	}
	if got := countRegisters(t, pool); got != n {
		t.Fatalf("%d registers, want %d", got, n)
	}

	code, out, errOut = run(t, getenv, "import", "--org", "jakobstad", "--json", seedJakobstad)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var sum struct {
		Added, Unchanged, Missing []string
		Changed                   []any
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(sum.Added) != 0 || len(sum.Changed) != 0 || len(sum.Unchanged) != n {
		t.Errorf("re-import: %+v", sum)
	}

	// The file without one register: reported missing, kept.
	b, _ := os.ReadFile(seedJakobstad)
	var kept []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "Bindningsregister\t") {
			kept = append(kept, l)
		}
	}
	shorter := filepath.Join(t.TempDir(), "000_jakobstad.txt")
	if err := os.WriteFile(shorter, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, getenv, "import", "--org", "jakobstad", shorter)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "1 missing from the document") || !strings.Contains(out, "  - Bindningsregister\n") {
		t.Errorf("missing not reported:\n%s", out)
	}
	if got := countRegisters(t, pool); got != n {
		t.Errorf("%d registers after the shorter import, want %d (kept)", got, n)
	}
}

// Garbage, unreadable files, unknown organisations and bad flags fail with
// a clear message, a non-zero exit, and nothing imported - not even the
// good files given with them.
func TestImportFailsCleanly(t *testing.T) {
	t.Parallel()
	pool, _, getenv := importDB(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.bin")
	if err := os.WriteFile(garbage, []byte("\x00\x01\x02PK\x03\x04 binary"), 0o644); err != nil {
		t.Fatal(err)
	}
	prose := filepath.Join(dir, "prose.txt")
	if err := os.WriteFile(prose, []byte("Hello.\nThis is not a register description at all.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"binary", []string{"--org", "jakobstad", seedJakobstad, garbage}, "garbage.bin"},
		{"prose", []string{"--org", "jakobstad", seedJakobstad, prose}, "prose.txt"},
		{"unreadable", []string{"--org", "jakobstad", seedJakobstad, filepath.Join(dir, "nope.txt")}, "nope.txt"},
		{"unknown org", []string{"--org", "nowhere", seedJakobstad}, `no organisation "nowhere" (known: jakobstad)`},
		{"no org", []string{seedJakobstad}, "--org is required"},
		{"no files", []string{"--org", "jakobstad"}, "no files"},
		{"bad format", []string{"--org", "jakobstad", "--format", "pdf", seedJakobstad}, `unknown format "pdf"`},
		{"wrong format", []string{"--org", "jakobstad", "--format", "kronoby", seedJakobstad}, "no registers found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, getenv, append([]string{"import"}, tc.args...)...)
			if code == 0 {
				t.Fatalf("exit 0")
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if n := countRegisters(t, pool); n != 0 {
				t.Errorf("%d registers imported", n)
			}
		})
	}
}

// PDF, HTML and DOCX are read by content, not by name (issue 19): the
// fixtures, copied under misleading names, give the same --dry-run --json
// output shape as text.
func TestImportReadsPDFHTMLDOCX(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"rantasalmi_kameravalvonta.pdf": "notice.txt",
		"korsholm_bibliotek.html":       "page.pdf",
		"gtk_kundregister.docx":         "table",
	}
	var args []string
	for src, dst := range files {
		b, err := os.ReadFile(filepath.Join("../../registers/testdata/input", src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, dst := range []string{"notice.txt", "page.pdf", "table"} {
		args = append(args, filepath.Join(dir, dst))
	}
	nowhere := func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://127.0.0.1:1/none?connect_timeout=1"
		}
		return ""
	}
	code, out, errOut := run(t, nowhere, append([]string{"import", "--dry-run", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var regs []map[string]any
	if err := json.Unmarshal([]byte(out), &regs); err != nil {
		t.Fatalf("stdout is not a JSON array: %v\n%s", err, out)
	}
	want := []struct{ name, controller, file string }{
		{"Kameravalvonta", "Rantasalmen kunta\nKunnanhallitus", "notice.txt"},
		{"Låntagarregister för Korsholms kommunbibliotek", "Korsholms kommunbibliotek", "page.pdf"},
		{"Bibliotekets kundregister", "Geologiska forskningscentralen", "table"},
	}
	if len(regs) != len(want) {
		t.Fatalf("%d registers, want %d: %s", len(regs), len(want), out)
	}
	for i, w := range want {
		r := regs[i]
		if r["name"] != w.name || r["controller"] != w.controller || r["source_file"] != w.file || r["format"] != "generic" {
			t.Errorf("register %d: %v %v %v %v", i, r["name"], r["controller"], r["source_file"], r["format"])
		}
		if _, ok := r["norm_name"]; !ok {
			t.Errorf("register %d lacks norm_name", i)
		}
	}
}

// D-4: a joint register's controller text lists each city's body; the
// CLI, like the import wizard, gives the register the unit of the
// organisation's own line (Vanda: undervisningsnämnden), never the first
// city's (Helsingfors).
func TestImportJointRegisterTakesOwnCitysUnit(t *testing.T) {
	t.Parallel()
	pool, _, getenv := importDB(t)
	ctx := context.Background()
	vantaa := store.Org{Slug: "vantaa", NameFI: "Vantaan kaupunki", NameSV: "Vanda stad", PrimaryLang: "fi"}
	if _, err := store.New(pool).UpsertOrg(ctx, vantaa); err != nil {
		t.Fatal(err)
	}
	const helmet = "../../registers/testdata/corpus/22_helmet_bibliotekens_anvandarregister.txt"
	if code, _, errOut := run(t, getenv, "import", "--org", "vantaa", helmet); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var units []string
	rows, err := pool.Query(ctx, `SELECT coalesce(u.name, '') FROM registers r JOIN organisations o ON o.id = r.org_id
		LEFT JOIN units u ON u.id = r.unit_id WHERE o.slug = 'vantaa'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			t.Fatal(err)
		}
		units = append(units, u)
	}
	if len(units) == 0 {
		t.Fatal("nothing imported")
	}
	for _, u := range units {
		if strings.Contains(u, "Helsingfors") || !strings.Contains(u, "undervisningsnämnden") {
			t.Errorf("unit %q, want Vanda's undervisningsnämnden", u)
		}
	}
}
