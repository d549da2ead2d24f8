package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/api"
	"rightsdesk/internal/seed"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
)

// Catalogue search the way residents ask (issue 15), against the real seed
// catalogues of the five seed organisations (D-2): inflected forms,
// parts of compound words, everyday words of the curated list
// (registers/search_words.json), in Finnish, Swedish and English.

// csSeeded is a server over a database with the five seed organisations.
func csSeeded(t *testing.T) (*testenv.Env, *api.Server, http.Handler) {
	t.Helper()
	env := testenv.New(t)
	if _, err := seed.Run(env.Ctx, seed.Deps{Pool: env.Pool, Workflow: env.Workflow, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1}); err != nil {
		t.Fatal(err)
	}
	srv := env.Server()
	return env, srv, srv.Handler()
}

// csSearch searches an organisation's public catalogue page and returns the
// names of the registers listed and the search status line.
func csSearch(t *testing.T, h http.Handler, lang, slug, q string) ([]string, string) {
	t.Helper()
	code, doc := catGet(t, h, "/"+lang+"/o/"+slug+"/?q="+url.QueryEscape(q))
	if code != http.StatusOK {
		t.Fatalf("%s %s q=%q: status %d", lang, slug, q, code)
	}
	var names []string
	for _, a := range catRegisterLinks(doc, "/"+lang+"/o/"+slug+"/registers/") {
		names = append(names, htmlText(a))
	}
	return names, htmlText(catOne(t, doc, "#search-status"))
}

func TestCatalogueSearchAsResidentsAsk(t *testing.T) {
	t.Parallel()
	env, srv, h := csSeeded(t)
	totals := map[string]int{}
	for _, o := range seed.Organisations() {
		org, err := store.New(env.Pool).OrgBySlug(env.Ctx, o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		all, err := store.New(env.Pool).Registers(env.Ctx, org.ID, store.RegisterFilter{})
		if err != nil {
			t.Fatal(err)
		}
		totals[o.Slug] = len(all)
	}
	cases := []struct {
		name, lang, slug, q string
		want                []string // each must be listed
		not                 []string // none may be listed
	}{
		// fi: everyday words to the registers' vocabulary.
		{"lapsi finds Lastensuojelu", "fi", "esimerkki", "lapsi",
			[]string{"Lastensuojelun tietovaranto"}, []string{"Kirjaston tietovaranto", "Rakennusvalvonnan tietovaranto"}},
		{"lapsi finds Lastensuojelu and Lapsen", "fi", "raseborg", "lapsi",
			[]string{"Sosiaali- ja terveyslautakunta: Lastensuojelun asiakasrekisteri", "Lastensuojeluilmoitusten rekisteri", "Lapsen elatuksen asiakasrekisteri"},
			[]string{"Adoptiorekisteri", "Lukaskirjastojen asiakasrekisteri"}},
		{"päivähoito finds varhaiskasvatus", "fi", "esimerkki", "päivähoito",
			[]string{"Varhaiskasvatuksen tietovaranto"}, []string{"Koulutuspalveluiden tietovaranto"}},
		{"päivähoito finds päivähoitorekisteri", "fi", "raseborg", "päivähoito",
			[]string{"Pro Consona päivähoitorekisteri", "Pro Consona päivähoitorekisteri, mukana mobiiliratkaisu"}, nil},
		{"päivähoito finds småbarnspedagogik", "fi", "jakobstad", "päivähoito",
			[]string{"Kundregister och informationslager för småbarnspedagogik"}, []string{"Register för parkeringsövervakningen"}},
		{"päivähoito finds Dagvård", "fi", "kronoby", "päivähoito",
			[]string{"Dagvård (Abilita)", "Päikky"}, []string{"MapInfo"}},
		{"typed without umlauts", "fi", "esimerkki", "paivahoito",
			[]string{"Varhaiskasvatuksen tietovaranto"}, nil},
		{"koulu finds opetus", "fi", "esimerkki", "koulu",
			[]string{"Koulutuspalveluiden tietovaranto"}, []string{"Rakennusvalvonnan tietovaranto"}},
		{"koulu finds utbildning", "fi", "jakobstad", "koulu",
			[]string{"Elevregister och informationslager för den grundläggande utbildningen och gymnasiet"}, []string{"Register för parkeringsövervakningen"}},
		// fi: parts of compound words, at the start and inside.
		{"lasten in lastensuojelu", "fi", "esimerkki", "lasten",
			[]string{"Lastensuojelun tietovaranto"}, nil},
		{"suojelu inside lastensuojelu", "fi", "raseborg", "suojelu",
			[]string{"Lastensuojeluilmoitusten rekisteri"}, []string{"Adoptiorekisteri"}},
		{"kirjasto inside Lukaskirjastojen", "fi", "raseborg", "kirjasto",
			[]string{"Lukaskirjastojen asiakasrekisteri"}, []string{"Adoptiorekisteri"}},
		// fi: inflected forms (PostgreSQL's finnish configuration).
		{"lastensuojelun", "fi", "esimerkki", "lastensuojelun",
			[]string{"Lastensuojelun tietovaranto"}, []string{"Kirjaston tietovaranto"}},
		{"lastensuojelussa", "fi", "raseborg", "lastensuojelussa",
			[]string{"Sosiaali- ja terveyslautakunta: Lastensuojelun asiakasrekisteri"}, nil},
		{"koulussa", "fi", "raseborg", "koulussa",
			[]string{"Koulukuraattoreiden asiakastietojärjestelmä AURA"}, []string{"Adoptiorekisteri"}},
		{"kirjastossa", "fi", "esimerkki", "kirjastossa",
			[]string{"Kirjaston tietovaranto"}, []string{"Lastensuojelun tietovaranto"}},
		// Every word must match; stop words do not count.
		{"two words", "fi", "raseborg", "lastensuojelun asiakasrekisteri",
			[]string{"Sosiaali- ja terveyslautakunta: Lastensuojelun asiakasrekisteri"}, []string{"Lastensuojeluilmoitusten rekisteri", "Lapsen elatuksen asiakasrekisteri"}},
		{"stop word", "fi", "esimerkki", "kirjasto ja",
			[]string{"Kirjaston tietovaranto"}, nil},

		// sv
		{"barn finds småbarnspedagogik", "sv", "jakobstad", "barn",
			[]string{"Kundregister och informationslager för småbarnspedagogik", "Kundregister och informationslager för småbarnspedagogikens förskoleundervisning"},
			[]string{"Register för parkeringsövervakningen"}},
		{"barn finds lasten in a Finnish catalogue", "sv", "esimerkki", "barn",
			[]string{"Lastensuojelun tietovaranto"}, []string{"Kirjaston tietovaranto"}},
		{"barnen", "sv", "raseborg", "barnen",
			[]string{"Kuntaan sijoitettujen lasten valvontarekisteri"}, nil},
		{"skola", "sv", "jakobstad", "skola",
			[]string{"Elevregister och informationslager för den grundläggande utbildningen och gymnasiet", "Register och informationslager över skolskjutsar (förskoleundervisning och grundläggande utbildning)"},
			[]string{"Register för parkeringsövervakningen"}},
		{"skolorna (inflected)", "sv", "kronoby", "skolorna",
			[]string{"Starsoft/Visma: Multi Primus (Wilma & Primus & Kurre)"}, []string{"MapInfo"}},
		{"skola in a Finnish catalogue", "sv", "esimerkki", "skola",
			[]string{"Koulutuspalveluiden tietovaranto"}, []string{"Rakennusvalvonnan tietovaranto"}},
		{"dagvård finds varhaiskasvatus", "sv", "esimerkki", "dagvård",
			[]string{"Varhaiskasvatuksen tietovaranto"}, nil},
		{"dagis", "sv", "kronoby", "dagis",
			[]string{"Dagvård (Abilita)"}, nil},
		{"biblioteket", "sv", "jakobstad", "biblioteket",
			[]string{"Bibliotekets register över låntagare, kundregister och informationslager"}, nil},

		// en
		{"library", "en", "kronoby", "library",
			[]string{"Abilita Gemini (bokbuss+ biblioteket + Web utlåning)"}, []string{"MapInfo"}},
		{"libraries (inflected)", "en", "esimerkki", "libraries",
			[]string{"Kirjaston tietovaranto"}, nil},
		{"day care (a phrase)", "en", "esimerkki", "day care",
			[]string{"Varhaiskasvatuksen tietovaranto"}, []string{"Kirjaston tietovaranto"}},
		{"child", "en", "raseborg", "child",
			[]string{"Lastensuojeluilmoitusten rekisteri"}, []string{"Adoptiorekisteri"}},
		{"schools", "en", "jakobstad", "schools",
			[]string{"Elevregister och informationslager för den grundläggande utbildningen och gymnasiet"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.lang+"/"+tc.name, func(t *testing.T) {
			got, status := csSearch(t, h, tc.lang, tc.slug, tc.q)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("%s q=%q: %q not found; got %q", tc.slug, tc.q, w, got)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("%s q=%q: %q found", tc.slug, tc.q, n)
				}
			}
			if len(got) >= totals[tc.slug] {
				t.Errorf("%s q=%q: all %d registers found: the search does not narrow", tc.slug, tc.q, len(got))
			}
			// The count line (its plural form is the catalogue's business).
			if none := srv.Catalog.T(tc.lang, "catalogue.search.none", tc.q); status == "" || strings.HasPrefix(status, none) ||
				!strings.Contains(status, "”"+tc.q+"”") && !strings.Contains(status, "“"+tc.q+"”") || !strings.Contains(status, strconv.Itoa(len(got))) {
				t.Errorf("status %q for %d registers", status, len(got))
			}
		})
	}
}

// A word that is nowhere finds nothing, in every language, with a clear
// message in the page's language, on the catalogue page and in the form.
func TestCatalogueSearchNothingFound(t *testing.T) {
	t.Parallel()
	_, _, h := csSeeded(t)
	want := map[string]struct{ page, form string }{
		"fi": {"Haulla ”xqzvyk” ei löytynyt rekistereitä. Kokeile toista sanaa.",
			"Mikään rekisteri ei vastaa hakua ”xqzvyk”. Kokeile toista sanaa tai valitse kaikki rekisterit."},
		"sv": {"Sökningen ”xqzvyk” gav inga register. Pröva ett annat ord.",
			"Inget register motsvarar sökningen ”xqzvyk”. Pröva ett annat ord eller välj alla register."},
		"en": {"No registers match “xqzvyk”. Try another word.",
			"No register matches “xqzvyk”. Try another word, or choose all registers."},
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		for _, o := range seed.Organisations() {
			got, status := csSearch(t, h, lang, o.Slug, "xqzvyk")
			if len(got) != 0 {
				t.Errorf("%s %s: nonsense found %q", lang, o.Slug, got)
			}
			if !strings.HasPrefix(status, want[lang].page) {
				t.Errorf("%s %s: status %q, want %q", lang, o.Slug, status, want[lang].page)
			}
		}
		code, doc := catGet(t, h, "/"+lang+"/o/esimerkki/request?q=xqzvyk")
		if code != http.StatusOK {
			t.Fatalf("%s form: status %d", lang, code)
		}
		if status := htmlText(catOne(t, doc, "#search-status")); status != want[lang].form {
			t.Errorf("%s form: status %q, want %q", lang, status, want[lang].form)
		}
		if n := len(csFormRegisters(doc)); n != 0 {
			t.Errorf("%s form: %d registers listed for nonsense", lang, n)
		}
	}
	// Punctuation alone is no word: nothing, not everything.
	if got, _ := csSearch(t, h, "fi", "esimerkki", "%_!"); len(got) != 0 {
		t.Errorf("punctuation found %d registers", len(got))
	}
}

// csFormRegisters are the register checkboxes of the request form.
func csFormRegisters(doc *html.Node) []*html.Node {
	return htmlElems(doc, func(n *html.Node) bool {
		return htmlIs(n, "input") && htmlAttr(n, "name") == "register" && htmlAttr(n, "type") == "checkbox"
	})
}

// The examples the search hints give (the request form's and the catalogue
// page's, in each language) find something in every seed organisation,
// in the form and on the catalogue page.
func TestCatalogueSearchHintExamplesFindInEverySeed(t *testing.T) {
	t.Parallel()
	_, srv, h := csSeeded(t)
	examples := map[string][]string{
		"fi": {"asiakas", "yhteystiedot"},
		"sv": {"kund", "kontaktuppgifter"},
		"en": {"customer", "contact details"},
	}
	for lang, words := range examples {
		for _, key := range []string{"intake.registers.search_hint", "catalogue.search.hint"} {
			hint := srv.Catalog.T(lang, key)
			for _, w := range words {
				if !strings.Contains(hint, w) {
					t.Errorf("%s %s %q does not give the example %q: update the examples here", lang, key, hint, w)
				}
			}
		}
		for _, o := range seed.Organisations() {
			for _, w := range words {
				if got, _ := csSearch(t, h, lang, o.Slug, w); len(got) == 0 {
					t.Errorf("%s: the hint's example %q finds nothing in %s", lang, w, o.Slug)
				}
				code, doc := catGet(t, h, "/"+lang+"/o/"+o.Slug+"/request?q="+url.QueryEscape(w))
				if code != http.StatusOK {
					t.Fatalf("%s %s form: status %d", lang, o.Slug, code)
				}
				if n := len(csFormRegisters(doc)); n == 0 {
					t.Errorf("%s: the form's example %q lists no register in %s (%q)", lang, w, o.Slug, htmlText(catOne(t, doc, "#search-status")))
				}
			}
		}
	}
}

// The search reads the trigram index, not every register of the
// organisation, once the catalogue is large.
func TestCatalogueSearchUsesIndex(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("iso", "Isokaupunki", "Storstad", "fi")
	if _, err := env.Pool.Exec(env.Ctx, `
		INSERT INTO registers (org_id, norm_name, name, purpose)
		SELECT $1, 'r' || i, 'Rekisteri ' || i || ' ' || md5(i::text), 'Tarkoitus ' || md5((i * 7)::text)
		FROM generate_series(1, 5000) AS i`, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(env.Ctx, `INSERT INTO registers (org_id, norm_name, name, purpose)
		VALUES ($1, 'lastensuojelu', 'Lastensuojelun asiakasrekisteri', 'Lastensuojelulain mukaiset palvelut')`, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(env.Ctx, `VACUUM ANALYZE registers`); err != nil {
		t.Fatal(err)
	}
	q := store.New(env.Pool)
	for _, query := range []string{"lapsi", "lastensuojelun", "child protection"} {
		f := store.RegisterFilter{Query: query, Lang: "fi"}
		plan, err := q.ExplainRegisters(env.Ctx, org.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "registers_search_trgm") {
			t.Errorf("q=%q: the plan does not read the trigram index:\n%s", query, plan)
		}
		regs, err := q.Registers(env.Ctx, org.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(regs) != 1 || regs[0].Name != "Lastensuojelun asiakasrekisteri" {
			t.Errorf("q=%q: found %d registers, want the one", query, len(regs))
		}
	}
}
