package workflow_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// Two registers in one pasted text, each a notice of its own.
const wizardTwo = `Tietosuojaseloste

1. Rekisterin nimi
Kirjaston asiakasrekisteri

2. Rekisterinpitäjä
Sivistyslautakunta

3. Käsittelyn tarkoitus
Kirjaston lainaustoiminta.

Tietosuojaseloste

1. Rekisterin nimi
Kirjastoauton asiakasrekisteri

2. Rekisterinpitäjä
Sivistyslautakunta

3. Käsittelyn tarkoitus
Kirjastoauton lainaustoiminta.
`

func draftIDOf(t *testing.T, d *workflow.ImportDraft, name string) int {
	t.Helper()
	for _, r := range d.Registers {
		if r.R.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no %q in the draft", name)
	return 0
}

// newDraft parses the inputs into a stored draft of the organisation and
// reads it back.
func newDraft(t *testing.T, env *testenv.Env, orgID int64, in []workflow.WizardInput) *workflow.ImportDraft {
	t.Helper()
	id, err := env.Workflow.NewImportDraft(env.Ctx, orgID, workflow.ActorSystem, 0, in, registers.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := env.Workflow.ImportDraftOf(env.Ctx, orgID, id)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// corpusInput is a document of the importer's corpus as the wizard's input.
func corpusInput(t *testing.T, file string) []workflow.WizardInput {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "registers", "testdata", "corpus", file))
	if err != nil {
		t.Fatal(err)
	}
	return []workflow.WizardInput{{Name: file, Data: b}}
}

// D-3: a merge keeps the merged name as an alias, and a re-import merges
// the same register again; the merged one is never published.
func TestImportDraftMergeKeepsAliasesAcrossReimportD3(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("lohja", "Lohja", "Lojo", "fi")
	in := []workflow.WizardInput{{Name: "kirjasto.txt", Data: []byte(wizardTwo)}}
	d := newDraft(t, env, org.ID, in)
	id := d.ID
	if len(d.Registers) != 2 {
		t.Fatalf("parsed %d registers, want 2: %+v", len(d.Registers), d.Sources)
	}
	err := env.Workflow.EditImportDraft(env.Ctx, org.ID, id, func(d *workflow.ImportDraft) error {
		return d.Merge(draftIDOf(t, d, "Kirjastoauton asiakasrekisteri"), draftIDOf(t, d, "Kirjaston asiakasrekisteri"))
	})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := env.Workflow.PublishImportDraft(env.Ctx, org, id, workflow.ActorSystem, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != 1 || sum.NoOwner != 1 {
		t.Errorf("published %+v", sum)
	}
	q := store.New(env.Pool)
	aliases, err := q.RegisterAliases(env.Ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := aliases[registers.NormalizeName("Kirjaston asiakasrekisteri")]; !slices.Equal(got, []string{"Kirjastoauton asiakasrekisteri"}) {
		t.Errorf("aliases = %q", got)
	}
	if _, err := q.RegisterByNorm(env.Ctx, org.ID, registers.NormalizeName("Kirjastoauton asiakasrekisteri")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the merged register was published: %v", err)
	}
	// A published draft is not edited or published again.
	if err := env.Workflow.EditImportDraft(env.Ctx, org.ID, id, func(d *workflow.ImportDraft) error { return nil }); !errors.Is(err, workflow.ErrDraftPublished) {
		t.Errorf("editing a published draft: %v", err)
	}
	// Re-import: merged again, nothing added.
	id2, err := env.Workflow.NewImportDraft(env.Ctx, org.ID, workflow.ActorSystem, 0, in, registers.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := env.Workflow.ImportDraftOf(env.Ctx, org.ID, id2)
	for _, r := range d2.Registers {
		if r.R.Name == "Kirjastoauton asiakasrekisteri" && (r.Live() || r.MergedInto == 0) {
			t.Errorf("re-import did not merge the alias again: %+v", r)
		}
	}
	sum, err = env.Workflow.PublishImportDraft(env.Ctx, org, id2, workflow.ActorSystem, true)
	if err != nil || len(sum.Added) != 0 || len(sum.Unchanged) != 1 {
		t.Errorf("re-import dry run %+v %v", sum, err)
	}
	// Another organisation cannot read the draft.
	other := env.Org("vihti", "Vihti", "Vichtis", "fi")
	if _, err := env.Workflow.ImportDraftOf(env.Ctx, other.ID, id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("other org's draft: %v", err)
	}
}

func TestImportDraftOwnerTable(t *testing.T) {
	t.Parallel()
	d := &workflow.ImportDraft{Registers: []workflow.DraftRegister{
		{ID: 1, R: registers.Register{Name: "Kirjaston asiakasrekisteri"}, Override: "Kirjaston asiakkaat"},
		{ID: 2, R: registers.Register{Name: "Kameravalvonta"}, Aliases: []string{"Tallenteet"}},
		{ID: 3, R: registers.Register{Name: "Pois"}, Dropped: true},
	}}
	// Tab separated with a header, as a spreadsheet copies it; names
	// match the DPO's name, the published one and an alias, in any case.
	probs, n := d.AssignOwners("Rekisteri\tNimi\tSähköposti\nkirjaston ASIAKKAAT\tAnna\tanna@kunta.fi\nTallenteet\tKalle\tkalle@kunta.fi\nPois\tX\tx@kunta.fi\nKameravalvonta\tY\tei-osoite\n")
	if n != 2 || d.Registers[0].OwnerEmail != "anna@kunta.fi" || d.Registers[1].OwnerEmail != "kalle@kunta.fi" || d.Registers[2].OwnerEmail != "" {
		t.Errorf("changed %d: %+v", n, d.Registers)
	}
	if len(probs) != 2 || probs[0].Reason != "wizard.owners.unknown" || probs[0].Line != 4 || probs[1].Reason != "wizard.owners.email" {
		t.Errorf("problems %+v", probs)
	}
	// The exported table reads back; a formula-like cell is neutralised.
	d.Registers[0].OwnerName = "=HYPERLINK()"
	csv := string(d.OwnersCSV([]string{"rekisteri", "vastuuhenkilön nimi", "vastuuhenkilön sähköposti"}))
	if !strings.Contains(csv, "Kirjaston asiakkaat;'=HYPERLINK();anna@kunta.fi") || strings.Contains(csv, "Pois") {
		t.Errorf("CSV %q", csv)
	}
	if _, n := d.AssignOwners(strings.TrimPrefix(csv, "\ufeff")); n != 1 { // only the name cell differs
		t.Errorf("round trip changed %d", n)
	}
}

func TestFetchPageLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 2048)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			_, _ = w.Write([]byte(big))
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			_, _ = w.Write([]byte("ok"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	ctx := t.Context()
	if _, err := workflow.FetchPage(ctx, ts.URL+"/ok", workflow.FetchOptions{}); !errors.Is(err, workflow.ErrFetchPrivate) {
		t.Errorf("loopback without the setting: %v", err)
	}
	if _, err := workflow.FetchPage(ctx, "ftp://example.org/x", workflow.FetchOptions{}); !errors.Is(err, workflow.ErrFetchScheme) {
		t.Errorf("ftp: %v", err)
	}
	if _, err := workflow.FetchPage(ctx, "http://user:pw@example.org/", workflow.FetchOptions{}); !errors.Is(err, workflow.ErrFetchScheme) {
		t.Errorf("credentials in the address: %v", err)
	}
	allow := workflow.FetchOptions{AllowPrivate: true, MaxBytes: 1024}
	if _, err := workflow.FetchPage(ctx, ts.URL+"/big", allow); !errors.Is(err, workflow.ErrFetchTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if b, err := workflow.FetchPage(ctx, ts.URL+"/redirect", allow); err != nil || string(b) != "ok" {
		t.Errorf("redirect within the allowed: %q %v", b, err)
	}
	if _, err := workflow.FetchPage(ctx, ts.URL+"/missing", allow); !errors.Is(err, workflow.ErrFetchFailed) {
		t.Errorf("404: %v", err)
	}
}

// Issue 19 (wizard step 2), D-3: one document entry describing two
// registers is split in two; both are published, the first under its
// published name's key, the second under its own; a re-import splits the
// same register again, and nothing is added or marked missing.
func TestImportDraftSplitKeptAcrossReimportD3(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("lohja", "Lohja", "Lojo", "fi")
	in := []workflow.WizardInput{{Name: "kirjasto.txt", Data: []byte(wizardTwo)}}
	id, err := env.Workflow.NewImportDraft(env.Ctx, org.ID, workflow.ActorSystem, 0, in, registers.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		parent = "Kirjaston asiakasrekisteri"
		first  = "Kirjaston lainaajarekisteri"
		second = "Kirjaston tapahtumien osallistujat"
	)
	err = env.Workflow.EditImportDraft(env.Ctx, org.ID, id, func(d *workflow.ImportDraft) error {
		pid := draftIDOf(t, d, parent)
		// Faults first: each leaves the draft as it was.
		for _, c := range []struct {
			id            int
			first, second string
			want          error
		}{
			{pid, first, "  ", workflow.ErrDraftName},
			{pid, first, "kirjaston LAINAAJAREKISTERI", workflow.ErrDraftNameTaken},
			{pid, first, "Kirjastoauton asiakasrekisteri", workflow.ErrDraftNameTaken},
			{999, first, second, workflow.ErrDraftNoRegister},
		} {
			if err := d.Split(c.id, c.first, c.second); !errors.Is(err, c.want) {
				t.Errorf("Split(%d, %q, %q) = %v, want %v", c.id, c.first, c.second, err, c.want)
			}
		}
		if len(d.Registers) != 2 || d.Register(pid).Override != "" {
			t.Fatalf("a refused split changed the draft: %+v", d.Registers)
		}
		return d.Split(pid, first, second)
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := env.Workflow.ImportDraftOf(env.Ctx, org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Registers) != 3 {
		t.Fatalf("after the split: %d registers", len(d.Registers))
	}
	p, s := d.Registers[0], d.Registers[2]
	if p.R.Name != parent || p.Name() != first || s.Name() != second || s.SplitFrom != p.ID ||
		s.R.Purpose != p.R.Purpose || s.R.SourceFile != "kirjasto.txt" || s.OwnerEmail != "" {
		t.Errorf("split: parent %+v\nsplit-off %+v", p, s)
	}
	if got := d.NameOf(s.SplitFrom); got != first {
		t.Errorf("NameOf(parent) = %q", got)
	}
	sum, err := env.Workflow.PublishImportDraft(env.Ctx, org, id, workflow.ActorSystem, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Added) != 3 || sum.NoOwner != 3 {
		t.Errorf("published %+v", sum)
	}
	q := store.New(env.Pool)
	pr, err := q.RegisterByNorm(env.Ctx, org.ID, registers.NormalizeName(parent))
	if err != nil || pr.Name != first || !pr.Edited("name") {
		t.Errorf("first part: %+v %v", pr, err)
	}
	sr, err := q.RegisterByNorm(env.Ctx, org.ID, registers.NormalizeName(second))
	if err != nil || sr.Name != second || sr.Purpose != pr.Purpose {
		t.Errorf("second part: %+v %v", sr, err)
	}

	// Re-import the same document: split again, nothing added or missing.
	id2, err := env.Workflow.NewImportDraft(env.Ctx, org.ID, workflow.ActorSystem, 0, in, registers.ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := env.Workflow.ImportDraftOf(env.Ctx, org.ID, id2)
	if err != nil {
		t.Fatal(err)
	}
	var again *workflow.DraftRegister
	for i := range d2.Registers {
		if d2.Registers[i].R.Name == second {
			again = &d2.Registers[i]
		}
	}
	if again == nil || !again.Known || again.SplitFrom != draftIDOf(t, d2, parent) {
		t.Fatalf("re-import did not split again: %+v", d2.Registers)
	}
	sum, err = env.Workflow.PublishImportDraft(env.Ctx, org, id2, workflow.ActorSystem, true)
	if err != nil || len(sum.Added) != 0 || len(sum.Missing) != 0 || len(sum.Unchanged) != 3 {
		t.Errorf("re-import dry run %+v %v", sum, err)
	}
}

// A joint register (corpus 22, Helmet: one "City: body" line per city)
// imported by one of its cities takes the unit from that city's line, by
// the organisation's names; the walkthrough of Grankulla got Helsingfors'
// "chefen för bibliotekstjänsterna". Grankulla's line names the city
// itself: no unit (D-4).
func TestImportDraftJointRegisterUnitOfOwnOrgD4(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	in := corpusInput(t, "22_helmet_bibliotekens_anvandarregister.txt")
	for _, c := range []struct {
		slug, fi, sv, unit string
	}{
		{"kauniainen", "Kauniainen", "Grankulla", ""},
		{"helsinki", "Helsinki", "Helsingfors", "chefen för bibliotekstjänsterna"},
		{"vantaa", "Vantaa", "Vanda", "undervisningsnämnden"},
		{"lohja", "Lohja", "Lojo", ""},
	} {
		org := env.Org(c.slug, c.fi, c.sv, "sv")
		d := newDraft(t, env, org.ID, in)
		if len(d.Registers) != 1 {
			t.Fatalf("%s: %d registers, want 1", c.slug, len(d.Registers))
		}
		if got := d.Registers[0].R.Unit; got != c.unit {
			t.Errorf("%s: unit %q, want %q", c.slug, got, c.unit)
		}
	}
}

// The register owner a document names (corpus 30, Hangö: "Registrets
// ansvarsperson: Turistchef Kira Marschan, 019 2203414,
// kira.marschan@hanko.fi") is proposed, not made the owner: the owner table
// the DPO downloads has it filled in, and saving that table confirms it.
func TestImportDraftProposesNamedOwnerD11(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("hanko", "Hanko", "Hangö", "sv")
	d := newDraft(t, env, org.ID, corpusInput(t, "30_hango_turistbyra_dataskyddsbeskrivning.txt"))
	if len(d.Registers) != 1 {
		t.Fatalf("%d registers, want 1", len(d.Registers))
	}
	r := d.Registers[0]
	want := workflow.OwnerProposal{Name: "Kira Marschan", Email: "kira.marschan@hanko.fi"}
	if r.OwnerName != "" || r.OwnerEmail != "" || r.Proposal() != want {
		t.Fatalf("owner %q <%s>, proposal %+v, want no owner and %+v", r.OwnerName, r.OwnerEmail, r.Proposal(), want)
	}
	sum, err := env.Workflow.PublishImportDraft(env.Ctx, org, d.ID, workflow.ActorSystem, true)
	if err != nil || sum.NoOwner != 1 {
		t.Errorf("a proposal is no owner: %+v %v", sum, err)
	}
	csv := strings.TrimPrefix(string(d.OwnersCSV([]string{"register", "namn", "e-post"})), "\ufeff")
	if !strings.Contains(csv, r.Name()+";Kira Marschan;kira.marschan@hanko.fi") {
		t.Errorf("owner table %q", csv)
	}
	if probs, n := d.AssignOwners(csv); n != 1 || len(probs) != 0 {
		t.Fatalf("saving the table: changed %d, problems %+v", n, probs)
	}
	r = d.Registers[0]
	if r.OwnerName != "Kira Marschan" || r.OwnerEmail != "kira.marschan@hanko.fi" || r.Proposal() != (workflow.OwnerProposal{}) {
		t.Errorf("after saving: owner %q <%s>, proposal %+v", r.OwnerName, r.OwnerEmail, r.Proposal())
	}
	// A register added by hand proposes no one.
	if p := (workflow.DraftRegister{Added: true, R: registers.Register{Contact: "Kira Marschan, kira.marschan@hanko.fi"}}).Proposal(); p != (workflow.OwnerProposal{}) {
		t.Errorf("added register proposes %+v", p)
	}
}
