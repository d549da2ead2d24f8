package store_test

import (
	"context"
	"testing"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

// search_text (migration 007) folds the published text exactly as
// registers.FoldSearch folds the pieces matched against it; a difference
// would make words silently unfindable.
func TestSearchTextFoldsAsGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	org, err := q.UpsertOrg(ctx, store.Org{Slug: "fold", NameFI: "Fold", NameSV: "Fold", PrimaryLang: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	name := "Sosiaali- ja terveyslautakunta: LASTENSUOJELUN Asiakasrekisteri (Ärende/Öppna)"
	purpose := "Småbarnspedagogik, förskole-\nundervisning;\t\"e-post\" «x» – y — z\u00a0[a]{b}!?"
	if _, err := pool.Exec(ctx, `INSERT INTO registers (org_id, norm_name, name, purpose, data_content, sector, controller_text, systems)
		VALUES ($1, 'x', $2, $3, 'Åldre ÜBER café', 'Sivistystoimiala', 'Bildningsnämnden / Bibliotekstjänster', 'Pro Consona')`,
		org, name, purpose); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := pool.QueryRow(ctx, `SELECT search_text FROM registers WHERE org_id = $1`, org).Scan(&got); err != nil {
		t.Fatal(err)
	}
	want := " " + registers.FoldSearch(name+" "+purpose+" Åldre ÜBER café Sivistystoimiala Bildningsnämnden / Bibliotekstjänster Pro Consona") + " "
	if got != want {
		t.Errorf("search_text\n got %q\nwant %q", got, want)
	}
}

// A search reads only the organisation's own registers (the WHERE clause
// is where isolation is enforced), and finds by stem and curated word.
func TestRegisterSearchStaysInOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := store.New(pool)
	var orgs []int64
	for _, slug := range []string{"a", "b"} {
		id, err := q.UpsertOrg(ctx, store.Org{Slug: "org-" + slug, NameFI: slug, NameSV: slug, PrimaryLang: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO registers (org_id, norm_name, name) VALUES ($1, 'lsr', 'Lastensuojelun asiakasrekisteri'), ($1, 'kir', 'Kirjaston asiakasrekisteri')`, id); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, id)
	}
	// "och" and "and" are stop words: the query does not ask for them.
	for _, query := range []string{"lapsi", "lastensuojelussa", "barnskydd", "child welfare", "barn och", "children and"} {
		regs, err := q.Registers(ctx, orgs[0], store.RegisterFilter{Query: query, Lang: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		if len(regs) != 1 || regs[0].OrgID != orgs[0] || regs[0].Name != "Lastensuojelun asiakasrekisteri" {
			t.Errorf("q=%q: %+v", query, regs)
		}
	}
}
