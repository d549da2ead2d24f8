package seed

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// The five seed documents (copies of registers/testdata/000..004).
//
//go:embed seeddata/*.txt
var seedFS embed.FS

// Organisation is one seed organisation and its published catalogue.
type Organisation struct {
	store.Org
	// File names the embedded document under seeddata/; it is also the
	// registers' source_file, so a later `rightsdesk import` of a file of
	// the same name is recognised as the same document.
	File string
}

// Organisations returns the seed organisations of D-2 in seed order
// (000..004). All five are bilingual; primary_lang says which name comes
// first.
func Organisations() []Organisation {
	org := func(slug, fi, sv, lang, file string) Organisation {
		return Organisation{Org: store.Org{
			Slug: slug, NameFI: fi, NameSV: sv, PrimaryLang: lang,
			DPOEmail: "dpo@" + slug + ".example", PrivacyEmail: "tietosuoja@" + slug + ".example",
		}, File: file}
	}
	return []Organisation{
		org("jakobstad", "Pietarsaari", "Jakobstad", "sv", "000_jakobstad.txt"),
		org("kronoby", "Kruunupyy", "Kronoby", "sv", "001_kronoby.txt"),
		org("raseborg", "Raasepori", "Raseborg", "sv", "002_raseborg.txt"),
		org("kokkola", "Kokkola", "Karleby", "fi", "003_kokkola.txt"),
		org("esimerkki", "Esimerkkikaupunki", "Exempelstad", "fi", "004_esimerkki.txt"),
	}
}

// Document parses o's embedded seed document.
func Document(o Organisation) (*registers.Result, error) {
	b, err := seedFS.ReadFile("seeddata/" + o.File)
	if err != nil {
		return nil, err
	}
	return registers.Parse(string(b), registers.Options{SourceFile: o.File})
}

// seedCatalogue creates each seed organisation that does not exist yet,
// imports its catalogue and gives its registers demo owners, one
// organisation per transaction, and returns the organisations it created.
// An existing organisation is left as it is, so a second start changes
// nothing.
func seedCatalogue(ctx context.Context, d Deps) ([]store.Org, error) {
	now := time.Now
	if d.Workflow != nil && d.Workflow.Now != nil {
		now = d.Workflow.Now
	}
	var made []store.Org
	for _, o := range Organisations() {
		doc, err := Document(o)
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", o.Slug, err)
		}
		created := false
		var sum workflow.ImportSummary
		err = store.Tx(ctx, d.Pool, func(tx pgx.Tx) error {
			q := store.New(tx)
			if _, err := q.OrgBySlug(ctx, o.Slug); err == nil {
				return nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			id, err := q.UpsertOrg(ctx, o.Org)
			if err != nil {
				return err
			}
			if sum, err = workflow.ImportTx(ctx, q, d.Workflow.Keys, id, []*registers.Result{doc}, workflow.ActorSeed, now()); err != nil {
				return err
			}
			created = true
			return fillDemoOwners(ctx, q, id, o.Slug)
		})
		if err != nil {
			return nil, fmt.Errorf("seed %s: %w", o.Slug, err)
		}
		if created {
			org, err := store.New(d.Pool).OrgBySlug(ctx, o.Slug)
			if err != nil {
				return nil, fmt.Errorf("seed %s: %w", o.Slug, err)
			}
			made = append(made, org)
			if d.Logger != nil {
				d.Logger.Info("seeded organisation", "org", o.Slug, "registers", len(sum.Added))
			}
		}
	}
	return made, nil
}

// fillDemoOwners gives every register without an owner a demo address,
// one per unit (or sector, or register when neither is published), so the
// demo's task mails have somewhere to go. Only the seed does this; nothing
// is marked edited, and real catalogues keep "no owner" (D-11).
func fillDemoOwners(ctx context.Context, q *store.Q, orgID int64, slug string) error {
	regs, err := q.Registers(ctx, orgID, store.RegisterFilter{IncludeMissing: true})
	if err != nil {
		return err
	}
	owners := map[string]int{}
	for _, r := range regs {
		if r.OwnerEmail != "" {
			continue
		}
		key := r.UnitName
		if key == "" {
			key = r.Sector
		}
		if key == "" {
			key = r.NormName
		}
		n, ok := owners[key]
		if !ok {
			n = len(owners) + 1
			owners[key] = n
		}
		email := fmt.Sprintf("owner.%d@%s.example", n, slug)
		if err := q.FillOwner(ctx, orgID, r.ID, r.ContactText, email); err != nil {
			return err
		}
	}
	return nil
}
