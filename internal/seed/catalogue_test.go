package seed_test

import (
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/seed"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/registers"
)

// D-2: the first start creates the five organisations with their
// catalogues (as many registers as registers.Parse reads from each seed)
// and demo owners; the second start changes nothing.
func TestSeedCatalogueIdempotentD2(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	deps := seed.Deps{Pool: env.Pool, Workflow: env.Workflow, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1}
	if _, err := seed.Run(env.Ctx, deps); err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	want := map[string]struct {
		fi, sv, lang string
	}{
		"jakobstad": {"Pietarsaari", "Jakobstad", "sv"},
		"kronoby":   {"Kruunupyy", "Kronoby", "sv"},
		"raseborg":  {"Raasepori", "Raseborg", "sv"},
		"kokkola":   {"Kokkola", "Karleby", "fi"},
		"esimerkki": {"Esimerkkikaupunki", "Exempelstad", "fi"},
	}
	orgs, err := q.Orgs(env.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != len(want) {
		t.Fatalf("%d organisations, want %d", len(orgs), len(want))
	}
	counts, err := q.RegisterCounts(env.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range seed.Organisations() {
		w := want[o.Slug]
		got, err := q.OrgBySlug(env.Ctx, o.Slug)
		if err != nil {
			t.Fatalf("%s: %v", o.Slug, err)
		}
		if got.NameFI != w.fi || got.NameSV != w.sv || got.PrimaryLang != w.lang ||
			got.DPOEmail != "dpo@"+o.Slug+".example" || got.PrivacyEmail != "tietosuoja@"+o.Slug+".example" {
			t.Errorf("%s: %+v", o.Slug, got)
		}
		res, err := seed.Document(o)
		if err != nil {
			t.Fatal(err)
		}
		if counts[got.ID] != len(res.Registers) {
			t.Errorf("%s: %d registers, registers.Parse reads %d", o.Slug, counts[got.ID], len(res.Registers))
		}
		regs, err := q.Registers(env.Ctx, got.ID, store.RegisterFilter{IncludeMissing: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range regs {
			if !strings.HasPrefix(r.OwnerEmail, "owner.") || !strings.HasSuffix(r.OwnerEmail, "@"+o.Slug+".example") {
				t.Errorf("%s: register %q has owner %q", o.Slug, r.Name, r.OwnerEmail)
			}
			if len(r.EditedFields) != 0 {
				t.Errorf("%s: register %q marked edited %v", o.Slug, r.Name, r.EditedFields)
			}
			if r.SourceFile != o.File {
				t.Errorf("%s: source file %q", o.Slug, r.SourceFile)
			}
		}
	}
	snapshot := func() string {
		var s string
		err := env.Pool.QueryRow(env.Ctx, `SELECT
			(SELECT string_agg(id || ':' || updated_at || ':' || owner_email, ',' ORDER BY id) FROM registers) || '|' ||
			(SELECT count(*) FROM units) || '|' || (SELECT count(*) FROM organisations) || '|' ||
			(SELECT count(*) FROM audit_events)`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	env.Clock.Advance(24 * time.Hour)
	res, err := seed.Run(env.Ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Credentials) != 0 {
		t.Errorf("second start printed %d credentials", len(res.Credentials))
	}
	if after := snapshot(); after != before {
		t.Errorf("second start changed the database")
	}
}

// The embedded seed documents are the importer's test documents.
func TestSeedDocumentsParse(t *testing.T) {
	t.Parallel()
	formats := map[string]registers.Format{
		"jakobstad": registers.FormatJakobstad, "kronoby": registers.FormatKronoby, "raseborg": registers.FormatRaseborg,
		"kokkola": registers.FormatNotice, "esimerkki": registers.FormatTietovarannot,
	}
	for _, o := range seed.Organisations() {
		res, err := seed.Document(o)
		if err != nil {
			t.Fatalf("%s: %v", o.Slug, err)
		}
		if res.Format != formats[o.Slug] {
			t.Errorf("%s: format %s, want %s", o.Slug, res.Format, formats[o.Slug])
		}
	}
}
