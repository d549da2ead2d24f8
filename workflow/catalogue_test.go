package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// seedText reads one embedded seed document by its file name.
func seedText(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile("../internal/seed/seeddata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t *testing.T, text, source string) *registers.Result {
	t.Helper()
	res, err := registers.Parse(text, registers.Options{SourceFile: source})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// stamps maps register id -> updated_at, to prove rows were not written.
func stamps(t *testing.T, env *testenv.Env, orgID int64) map[int64]time.Time {
	t.Helper()
	rows, err := env.Pool.Query(env.Ctx, `SELECT id, updated_at FROM registers WHERE org_id = $1`, orgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			t.Fatal(err)
		}
		out[id] = at
	}
	return out
}

func byName(t *testing.T, env *testenv.Env, orgID int64, name string) store.Register {
	t.Helper()
	regs, err := store.New(env.Pool).Registers(env.Ctx, orgID, store.RegisterFilter{IncludeMissing: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range regs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no register %q", name)
	return store.Register{}
}

func auditActions(t *testing.T, env *testenv.Env, orgID int64) []string {
	t.Helper()
	evs, err := store.New(env.Pool).AuditTrail(env.Ctx, orgID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action)
	}
	return out
}

// D-3: importing every seed document twice adds everything once, then
// changes nothing and writes no row.
func TestImportCatalogueReimportChangesNothingD3(t *testing.T) {
	t.Parallel()
	files := []string{"000_jakobstad.txt", "001_kronoby.txt", "002_raseborg.txt", "003_kokkola.txt", "004_esimerkki.txt"}
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			env := testenv.New(t)
			org := env.Org("x", "X", "X", "fi")
			res := parse(t, seedText(t, file), file)
			sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Added) != len(res.Registers) || len(sum.Changed)+len(sum.Unchanged)+len(sum.Missing) != 0 {
				t.Fatalf("first import: %d added of %d, summary %+v", len(sum.Added), len(res.Registers), sum)
			}
			before := stamps(t, env, org.ID)
			if len(before) != len(res.Registers) {
				t.Fatalf("%d rows, want %d", len(before), len(res.Registers))
			}
			env.Clock.Advance(time.Hour)
			sum, err = env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, seedText(t, file), file), false)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.Added)+len(sum.Changed)+len(sum.Missing) != 0 || len(sum.Unchanged) != len(res.Registers) {
				t.Fatalf("re-import: %+v", sum)
			}
			after := stamps(t, env, org.ID)
			for id, at := range before {
				if !after[id].Equal(at) {
					t.Errorf("register %d written by a re-import that changed nothing", id)
				}
			}
		})
	}
}

// The import keeps published text verbatim and turns the controller's unit
// into a unit row (D-4).
func TestImportCatalogueUnitsAndFieldsD4(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("kokkola", "Kokkola", "Karleby", "fi")
	res := parse(t, seedText(t, "003_kokkola.txt"), "003_kokkola.txt")
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	want := res.Registers[0]
	got := byName(t, env, org.ID, want.Name)
	if got.ControllerText != want.Controller || got.UnitName != want.Unit || got.UnitID == 0 ||
		got.Purpose != want.Purpose || got.DataContent != want.DataContent || got.LegalBasis != want.LegalBasis ||
		got.Retention != want.Retention || got.Language != "fi" || got.SourceFile != "003_kokkola.txt" ||
		got.NormName != registers.NormalizeName(want.Name) || got.SourceFormat != string(res.Format) {
		t.Errorf("stored %+v\nparsed %+v", got, want)
	}
	if len(got.Extra) != len(want.Extra) {
		t.Errorf("extra: %d sections stored, %d parsed", len(got.Extra), len(want.Extra))
	}
}

// D-3, D-6: the DPO's hand edits (name fix, owner, basis, controller
// elsewhere) survive re-imports, also of a changed document.
func TestDPOEditSurvivesReimportD3(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("esimerkki", "Esimerkkikaupunki", "Exempelstad", "fi")
	const file = "004_esimerkki.txt"
	text := seedText(t, file)
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, text, file), false); err != nil {
		t.Fatal(err)
	}
	const garbled = "lääkäiden palvelutietovaranto" // D-6
	reg := byName(t, env, org.ID, garbled)
	edit := workflow.RegisterEdit{
		Name: "Lääkärien palvelutietovaranto", OwnerName: "Ylilääkäri", OwnerEmail: "ylilaakari@esimerkki.test",
		LegalBasis: "c", ControllerElsewhere: true, ElsewhereName: "Hyvinvointialue", ElsewhereContact: "kirjaamo@hyvinvointialue.test",
		// The edit replaces every field: the texts left as they were.
		Purpose: reg.Purpose, DataContent: reg.DataContent, Recipients: reg.Recipients, Retention: reg.Retention, Sources: reg.Sources,
	}
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, reg.ID, 42, edit); err != nil {
		t.Fatal(err)
	}
	edited := store.Register{}
	check := func(when string) {
		t.Helper()
		got, err := store.New(env.Pool).Register(env.Ctx, org.ID, reg.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != edit.Name || got.OwnerEmail != edit.OwnerEmail || got.OwnerName != edit.OwnerName ||
			got.LegalBasis != "c" || !got.ControllerElsewhere || got.ElsewhereName != edit.ElsewhereName ||
			got.ElsewhereContact != edit.ElsewhereContact || got.NormName != registers.NormalizeName(garbled) {
			t.Errorf("%s: %+v", when, got)
		}
		edited = got
	}
	check("after the edit")
	wantEdited := []string{"controller_elsewhere", "elsewhere_contact", "elsewhere_name", "legal_basis", "name", "owner_email", "owner_name"}
	if !slices.Equal(edited.EditedFields, wantEdited) {
		t.Errorf("edited fields %v, want %v", edited.EditedFields, wantEdited)
	}

	// The same document again: nothing changes, the fix stays.
	sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, text, file), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Changed) != 0 || len(sum.Added) != 0 || !slices.Contains(sum.Unchanged, edit.Name) {
		t.Errorf("re-import after the edit: %+v", sum)
	}
	check("after re-import")

	// A new version of the document changes the register's systems: that
	// is imported, the edited fields are not.
	idx := strings.Index(text, garbled)
	line := text[idx : idx+strings.IndexByte(text[idx:], '\n')]
	cells := strings.Split(line, "\t")
	cells[len(cells)-1] = "Uusi potilastietojärjestelmä"
	text2 := strings.Replace(text, line, strings.Join(cells, "\t"), 1)
	sum, err = env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, text2, file), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Changed) != 1 || sum.Changed[0].ID != reg.ID || !slices.Equal(sum.Changed[0].Fields, []string{"systems"}) {
		t.Fatalf("changed document: %+v", sum.Changed)
	}
	check("after importing a changed document")
	if edited.Systems != "Uusi potilastietojärjestelmä" {
		t.Errorf("systems %q not imported", edited.Systems)
	}
	if acts := auditActions(t, env, org.ID); !slices.Contains(acts, "register_edited") || !slices.Contains(acts, "catalogue_imported") {
		t.Errorf("audit actions %v", acts)
	}
}

// A register the document no longer lists is reported and marked missing,
// never deleted; when it comes back it is unmarked.
func TestRemovedRegisterReportedMissing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("jakobstad", "Pietarsaari", "Jakobstad", "sv")
	const file = "000_jakobstad.txt"
	text := seedText(t, file)
	res := parse(t, text, file)
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, false); err != nil {
		t.Fatal(err)
	}
	const gone = "Bindningsregister"
	var kept []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, gone+"\t") {
			kept = append(kept, l)
		}
	}
	sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, strings.Join(kept, "\n"), file), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sum.Missing, []string{gone}) || len(sum.Unchanged) != len(res.Registers)-1 || len(sum.Added)+len(sum.Changed) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	r := byName(t, env, org.ID, gone)
	if !r.MissingFromSource || r.MissingSince == nil {
		t.Errorf("not marked missing: %+v", r)
	}
	// Public lists leave it out; it can still be opened by id.
	public, err := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(public) != len(res.Registers)-1 {
		t.Errorf("public list has %d registers, want %d", len(public), len(res.Registers)-1)
	}
	// A document of another source does not mark this one's registers.
	other := parse(t, seedText(t, "003_kokkola.txt"), "003_kokkola.txt")
	if sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, other, false); err != nil || len(sum.Missing) != 0 {
		t.Errorf("other document: %+v, %v", sum, err)
	}
	// Back in the document: unmarked, reported as changed.
	sum, err = env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, text, file), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Changed) != 1 || sum.Changed[0].Name != gone || !slices.Equal(sum.Changed[0].Fields, []string{"missing_from_source"}) {
		t.Errorf("restored: %+v", sum.Changed)
	}
	if r := byName(t, env, org.ID, gone); r.MissingFromSource || r.MissingSince != nil {
		t.Errorf("still missing: %+v", r)
	}
}

// A dry run reports what an import would do and writes nothing.
func TestImportCatalogueDryRun(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("kronoby", "Kruunupyy", "Kronoby", "sv")
	res := parse(t, seedText(t, "001_kronoby.txt"), "001_kronoby.txt")
	sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, res, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != len(res.Registers) {
		t.Errorf("dry run: %d added, want %d", len(sum.Added), len(res.Registers))
	}
	var n int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT (SELECT count(*) FROM registers) + (SELECT count(*) FROM units) + (SELECT count(*) FROM audit_events)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("dry run wrote %d rows", n)
	}
}

// Organisations are isolated: the same document in two organisations
// makes two catalogues, and one's register id is not found in the other.
func TestCatalogueIsolation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := env.Org("a", "A", "A", "fi")
	b := env.Org("b", "B", "B", "fi")
	for _, o := range []store.Org{a, b} {
		if _, err := env.Workflow.ImportCatalogue(env.Ctx, o.ID, parse(t, seedText(t, "003_kokkola.txt"), "003_kokkola.txt"), false); err != nil {
			t.Fatal(err)
		}
	}
	regB, err := store.New(env.Pool).Registers(env.Ctx, b.ID, store.RegisterFilter{})
	if err != nil || len(regB) != 1 {
		t.Fatalf("%v %v", regB, err)
	}
	if _, err := store.New(env.Pool).Register(env.Ctx, a.ID, regB[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organisation's register: %v", err)
	}
	err = env.Workflow.UpdateRegister(env.Ctx, a.ID, regB[0].ID, 1, workflow.RegisterEdit{Name: "x", LegalBasis: "c"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("editing another organisation's register: %v", err)
	}
}

func TestUpdateRegisterValidation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("o", "O", "O", "fi")
	id := env.Register(org.ID, "Rekisteri", "unknown", "")
	valid := workflow.RegisterEdit{Name: "Rekisteri", LegalBasis: "e", OwnerEmail: "owner@o.test"}
	cases := []struct {
		name  string
		edit  func(e *workflow.RegisterEdit)
		field string
		key   string
	}{
		{"empty name", func(e *workflow.RegisterEdit) { e.Name = "  " }, "name", "catalogue.error.name_required"},
		{"bad email", func(e *workflow.RegisterEdit) { e.OwnerEmail = "owner at o.test" }, "owner_email", "catalogue.error.email"},
		{"display-name email", func(e *workflow.RegisterEdit) { e.OwnerEmail = "Owner <owner@o.test>" }, "owner_email", "catalogue.error.email"},
		{"no domain dot", func(e *workflow.RegisterEdit) { e.OwnerEmail = "owner@localhost" }, "owner_email", "catalogue.error.email"},
		{"bad basis", func(e *workflow.RegisterEdit) { e.LegalBasis = "g" }, "legal_basis", "catalogue.error.basis"},
		{"empty basis", func(e *workflow.RegisterEdit) { e.LegalBasis = "" }, "legal_basis", "catalogue.error.basis"},
		{"elsewhere without name (D-7)", func(e *workflow.RegisterEdit) { e.ControllerElsewhere, e.ElsewhereContact = true, "x@y.fi" }, "elsewhere_name", "catalogue.error.elsewhere_name"},
		{"elsewhere without contact (D-7)", func(e *workflow.RegisterEdit) { e.ControllerElsewhere, e.ElsewhereName = true, "HVA" }, "elsewhere_contact", "catalogue.error.elsewhere_contact"},
		{"long notes", func(e *workflow.RegisterEdit) { e.Notes = strings.Repeat("ä", 4001) }, "notes", "catalogue.error.too_long"},
		{"long purpose (Art 15)", func(e *workflow.RegisterEdit) { e.Purpose = strings.Repeat("ä", 4001) }, "purpose", "catalogue.error.too_long"},
		{"long sources (Art 15)", func(e *workflow.RegisterEdit) { e.Sources = strings.Repeat("ä", 4001) }, "sources", "catalogue.error.too_long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := valid
			tc.edit(&e)
			err := env.Workflow.UpdateRegister(env.Ctx, org.ID, id, 1, e)
			var fe workflow.FieldErrors
			if !errors.As(err, &fe) || fe[tc.field] != tc.key {
				t.Errorf("got %v (%v), want %s=%s", err, fe, tc.field, tc.key)
			}
			if !env.Catalog.Has("fi", tc.key) || !env.Catalog.Has("sv", tc.key) {
				t.Errorf("message %s missing from the catalogue", tc.key)
			}
		})
	}
	r, err := store.New(env.Pool).Register(env.Ctx, org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.OwnerEmail != "" || len(r.EditedFields) != 0 {
		t.Errorf("invalid edits were saved: %+v", r)
	}
	// Valid, then the same values again: the second save writes nothing.
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, id, 1, valid); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, id, 1, valid); err != nil {
		t.Fatal(err)
	}
	if acts := auditActions(t, env, org.ID); len(acts) != 1 || acts[0] != "register_edited" {
		t.Errorf("audit %v, want one register_edited", acts)
	}
	evs, _ := store.New(env.Pool).AuditTrail(context.Background(), org.ID, 0)
	if len(evs) == 1 && (evs[0].Actor != "staff:1" || strings.Contains(string(catalogueJSON(t, evs[0].Data)), "owner@o.test")) {
		t.Errorf("audit event %+v", evs[0])
	}
	// Clearing "elsewhere" clears its name and contact.
	e := valid
	e.ControllerElsewhere, e.ElsewhereName, e.ElsewhereContact = true, "HVA", "kirjaamo@hva.test"
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, id, 1, e); err != nil {
		t.Fatal(err)
	}
	e.ControllerElsewhere = false
	if err := env.Workflow.UpdateRegister(env.Ctx, org.ID, id, 1, e); err != nil {
		t.Fatal(err)
	}
	if r, _ := store.New(env.Pool).Register(env.Ctx, org.ID, id); r.ControllerElsewhere || r.ElsewhereName != "" || r.ElsewhereContact != "" {
		t.Errorf("elsewhere not cleared: %+v", r)
	}
}

// D-11: registers without an owner email are listable.
func TestRegistersNoOwnerFilterD11(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("o", "O", "O", "fi")
	env.Register(org.ID, "Owned", "c", "owner@o.test")
	none := env.Register(org.ID, "Orphan", "c", "")
	regs, err := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{NoOwner: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(regs) != 1 || regs[0].ID != none {
		t.Errorf("no-owner list %+v", regs)
	}
	// Search: ILIKE wildcards in the query are literal.
	for q, want := range map[string]int{"orph": 1, "PURPOSE of": 2, "%": 0, "_": 0, "": 2} {
		regs, err := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{Query: q})
		if err != nil || len(regs) != want {
			t.Errorf("query %q: %d registers, want %d (%v)", q, len(regs), want, err)
		}
	}
}

func catalogueJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A document imported without a source name marks nothing missing: it
// cannot be told apart from registers entered by hand.
func TestImportWithoutSourceFileMarksNothingMissing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("o", "O", "O", "fi")
	byHand := env.Register(org.ID, "Käsin lisätty", "c", "")
	sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, parse(t, seedText(t, "003_kokkola.txt"), ""), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Missing) != 0 || len(sum.Added) != 1 {
		t.Errorf("summary %+v", sum)
	}
	if r, _ := store.New(env.Pool).Register(env.Ctx, org.ID, byHand); r.MissingFromSource {
		t.Error("a register entered by hand was marked missing")
	}
}

// Issue 21 (docs/scale.md 21): a re-import that moves a register to
// another unit leaves the unit counts folded, one row per key, each open
// case counted under its register's new unit. Unfolded, the move's delta
// rows (a -1 and a +1 per open case and right) were summed by every
// unit-filtered page until the next sweep: at 1M twice the folded time.
func TestReimportMovingAUnitFoldsUnitCounts(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("siirto", "Siirtokunta", "Flyttby", "fi")
	doc := func(libraryUnit string) *registers.Result {
		reg := func(name, unit string) registers.Register {
			return registers.Register{Name: name, Unit: unit, Controller: "Sivistyslautakunta / " + unit, Purpose: "Palvelut",
				LegalBasis: "c", Language: "fi", SourceFile: "siirto.txt"}
		}
		return &registers.Result{Format: registers.FormatGeneric, Registers: []registers.Register{
			reg("Kirjaston asiakasrekisteri", libraryUnit), reg("Oppilasrekisteri", "Sivistystoimi")}}
	}
	if _, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, doc("Sivistystoimi"), false); err != nil {
		t.Fatal(err)
	}
	library, school := byName(t, env, org.ID, "Kirjaston asiakasrekisteri"), byName(t, env, org.ID, "Oppilasrekisteri")
	// Three cases in the library only, two in the school only, one in both.
	for i, regs := range [][]int64{{library.ID}, {library.ID}, {library.ID}, {school.ID}, {school.ID}, {library.ID, school.ID}} {
		r := workflow.Request{Rights: []string{"access", "rectification"}[i%2:], RegisterIDs: regs, Name: "Maija Meikäläinen",
			Email: "maija@example.test", Lang: "fi", Hetu: "131052-308T", Details: "Osoitteeni on väärin"}
		if _, err := env.Workflow.EnterRequest(env.Ctx, org, workflow.StaffActor(1), workflow.PaperRequest{
			Request: r, Channel: "paper", ReceivedAt: env.Clock.Now(), IdentityMethod: "in_person"}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := env.Workflow.ImportCatalogue(env.Ctx, org.ID, doc("Kulttuuripalvelut"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Changed) != 1 || !slices.Contains(sum.Changed[0].Fields, "unit") {
		t.Fatalf("re-import changed %+v, want the library's unit", sum.Changed)
	}
	var rows, keys int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*), count(DISTINCT (unit_id, "right", state, channel, due))
		FROM open_unit_counts WHERE org_id = $1`, org.ID).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if rows != keys {
		t.Errorf("open_unit_counts holds %d rows for %d keys after the move: its delta rows were not folded", rows, keys)
	}
	got := map[string]int{}
	sums, err := env.Pool.Query(env.Ctx, `SELECT u.name, sum(c.n)::int FROM open_unit_counts c JOIN units u ON u.id = c.unit_id
		WHERE c.org_id = $1 AND c."right" = '' GROUP BY u.name`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for sums.Next() {
		var name string
		var n int
		if err := sums.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		got[name] = n
	}
	if err := sums.Err(); err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"Kulttuuripalvelut": 4, "Sivistystoimi": 3}; !maps.Equal(got, want) {
		t.Errorf("open cases by unit after the move: %v, want %v", got, want)
	}
}
