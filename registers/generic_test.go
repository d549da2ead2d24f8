package registers

import (
	"strings"
	"testing"
)

// Layouts the issue lists, written for these tests in the shapes seen in
// published documents (names and bodies are invented). Each case gives the
// registers expected as name and controller, read by hand.
func TestGenericLayouts(t *testing.T) {
	type reg struct{ name, controller string }
	for _, c := range []struct {
		name string
		text string
		want []reg
		// dataStore: every register is a publicity description's data store
		dataStore bool
	}{
		{"label and value on one line", `Tietosuojaseloste
Rekisterin nimi: Kirjaston asiakasrekisteri
Rekisterinpitäjä: Esimerkkilän kaupunki, sivistyslautakunta
Käsittelyn tarkoitus: Lainaus ja perintä.
Säilytysaika: Kaksi vuotta asiakkuuden päättymisestä.
`, []reg{{"Kirjaston asiakasrekisteri", "Esimerkkilän kaupunki, sivistyslautakunta"}}, false},

		{"whole PDF transcript on one line", `1 TIETOSUOJASELOSTE EU:n yleinen tietosuoja-asetus 1. Rekisterin nimi Kotihoidon asiakasrekisteri 2. Rekisterinpitäjä Esimerkkilän kunta, perusturvalautakunta PL 10, 99999 Esimerkkilä 3. Yhteyshenkilö Kotihoidon johtaja 4. Henkilötietojen käsittelyn tarkoitus Kotihoidon järjestäminen.`,
			[]reg{{"Kotihoidon asiakasrekisteri", "Esimerkkilän kunta, perusturvalautakunta"}}, false},

		{"several notices in one document", `Esimerkkilän kunnan tietosuojaselosteet

1. Rekisterin nimi
Rakennusvalvonnan asiakasrekisteri
2. Rekisterinpitäjä
Esimerkkilän kunta, tekninen lautakunta
Kunnantie 1, 99999 Esimerkkilä
3. Henkilötietojen käsittelyn tarkoitus
Lupa-asioiden käsittely.

1. Rekisterin nimi
Ruokapalvelujen asiakasrekisteri
2. Rekisterinpitäjä
Esimerkkilän kunta, ruokapalvelut
Kunnantie 1, 99999 Esimerkkilä
3. Henkilötietojen käsittelyn tarkoitus
Erityisruokavalioiden toteuttaminen.
`, []reg{{"Rakennusvalvonnan asiakasrekisteri", "Esimerkkilän kunta, tekninen lautakunta"}, {"Ruokapalvelujen asiakasrekisteri", "Esimerkkilän kunta, ruokapalvelut"}}, false},

		{"register named only in the title", `Dataskyddsbeskrivning / Kostservicen

Personuppgiftsansvarig
Exempelby kommun, tekniska nämnden
Skolgatan 1, 99999 Exempelby

Ändamålet med behandlingen av personuppgifter
Specialdieter för elever och personal.

Regelmässiga uppgiftskällor
Vårdnadshavarna.
`, []reg{{"Kostservicen", "Exempelby kommun, tekniska nämnden"}}, false},

		{"title with a dash and a prose controller", `Tietosuojaseloste – Nuorisotilojen kävijärekisteri

Rekisterinpitäjänä toimii Esimerkkilän kaupungin vapaa-aikalautakunta. Tietoja käsitellään nuorisotilojen toiminnan järjestämiseksi.

Henkilötietojen käsittelyn tarkoitus
Kävijöiden yhteystiedot ja luvat.

Tietolähteet
Huoltajat.
`, []reg{{"Nuorisotilojen kävijärekisteri", "Esimerkkilän kaupungin vapaa-aikalautakunta"}}, false},

		{"table of contents repeating every heading", `TIETOSUOJASELOSTE
Sisällys
1. Rekisterin nimi
2. Rekisterinpitäjä
3. Henkilötietojen käsittelyn tarkoitus

1. Rekisterin nimi
Työterveyshuollon asiakasrekisteri
2. Rekisterinpitäjä
Esimerkkilän kaupunki
Kaupungintie 2, 99999 Esimerkkilä
3. Henkilötietojen käsittelyn tarkoitus
Työterveyshuollon palvelut.
`, []reg{{"Työterveyshuollon asiakasrekisteri", "Esimerkkilän kaupunki"}}, false},

		{"numbered headings with the number on its own line", `Registerbeskrivning

1

Registrets namn

Elevregister för musikinstitutet

2

Personuppgiftsansvarig

Exempelby stad, bildningsnämnden

3

Registrets syfte

Undervisningen.
`, []reg{{"Elevregister för musikinstitutet", "Exempelby stad, bildningsnämnden"}}, false},

		{"list of registers", `Esimerkkilän kaupungin henkilörekisterit ja tietosuojaselosteet

Kaupunki pitää seuraavia rekistereitä:

• Kirjaston asiakasrekisteri
• Varhaiskasvatuksen asiakasrekisteri
• Kuntalaisaloiterekisteri
• Luottamushenkilörekisteri
`, []reg{{"Kirjaston asiakasrekisteri", ""}, {"Varhaiskasvatuksen asiakasrekisteri", ""}, {"Kuntalaisaloiterekisteri", ""}, {"Luottamushenkilörekisteri", ""}}, false},

		{"tietovarannot page", `Asiakirjajulkisuuskuvaus

Esimerkkilän kaupunki on tiedonhallintalaissa (906/2019) tarkoitettu tiedonhallintayksikkö.

Tietovarannot

Hallinnon tietovaranto
Käyttötarkoitus: päätöksenteko ja johtaminen.

Varhaiskasvatuksen tietovaranto
Käyttötarkoitus: varhaiskasvatuksen järjestäminen.

Tietovarannot ja niiden käyttötarkoitukset kuvataan alla.
`, []reg{{"Hallinnon tietovaranto", "Esimerkkilän kaupunki"}, {"Varhaiskasvatuksen tietovaranto", "Esimerkkilän kaupunki"}}, true},

		{"flattened two-column table with wrapped labels", `TIETOSUOJASELOSTE 1 (2)
1. Rekisterin nimi Vammaispalvelujen
asiakasrekisteri
2. Rekisterinpitäjä Esimerkkilän sosiaali- ja terveyslautakunta
Sairaalatie 1
3. Yhteyshenkilö
rekisteriä koskevissa
asioissa
Johtava sosiaalityöntekijä
4. Henkilötietojen
käsittelyn tarkoitus
Vammaispalvelujen järjestäminen.
`, []reg{{"Vammaispalvelujen asiakasrekisteri", "Esimerkkilän sosiaali- ja terveyslautakunta"}}, false},

		{"headings no list knows", `Tietosuojaseloste
1. Rekisterin virallinen nimi
Liikuntapaikkojen varausrekisteri
2. Rekisterinpitäjä ja sen edustaja
Esimerkkilän kaupunki, liikuntapalvelut
3. Mihin tietoja käytetään
Vuorojen varaaminen ja laskutus.
4. Kenelle tietoja luovutetaan
Tietoja ei luovuteta.
`, []reg{{"Liikuntapaikkojen varausrekisteri", "Esimerkkilän kaupunki, liikuntapalvelut"}}, false},

		{"Swedish transcript, value without a register word", `2 1.1 Personuppgiftsansvarig Exempelby stad, tekniska nämnden 1.2 Registrets namn Kameraövervakning 1.3 Ändamålet med behandlingen av personuppgifter Att skydda egendom.`,
			[]reg{{"Kameraövervakning", "Exempelby stad, tekniska nämnden"}}, false},

		{"index page of notices", `Tietosuojaselosteet

Tietosuojaseloste – Kirjaston asiakasrekisteri
Liikuntapalvelujen asiakasrekisterin tietosuojaseloste
Tietosuojaseloste – Kameravalvontarekisteri
`, []reg{{"Kirjaston asiakasrekisteri", ""}, {"Liikuntapalvelujen asiakasrekisteri", ""}, {"Kameravalvontarekisteri", ""}}, false},

		{"tietovarannot as a flattened table", `Asiakirjajulkisuuskuvaus
Esimerkkilän kunta on tiedonhallintalain mukainen tiedonhallintayksikkö.
Tietovaranto Käyttötarkoitus Tietojärjestelmät
Hallinnon tietovaranto Päätöksenteko ja johtaminen Dynasty
Sosiaalipalvelujen tietovaranto Sosiaalihuollon järjestäminen Pegasos
`, []reg{{"Hallinnon tietovaranto", "Esimerkkilän kunta"}, {"Sosiaalipalvelujen tietovaranto", "Esimerkkilän kunta"}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := Parse(c.text, Options{SourceFile: "x.txt"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Registers) != len(c.want) {
				t.Fatalf("got %d registers %q, want %d", len(res.Registers), names(res), len(c.want))
			}
			for i, w := range c.want {
				r := res.Registers[i]
				// The notice importer keeps the address lines below the
				// controller; the generic extractor drops them.
				if r.Name != w.name || !strings.HasPrefix(strings.ReplaceAll(r.Controller, "\n", ", "), w.controller) || (w.controller == "") != (r.Controller == "") {
					t.Errorf("register %d: %q / %q, want %q / %q", i, r.Name, r.Controller, w.name, w.controller)
				}
				if r.DataStore != c.dataStore {
					t.Errorf("register %q: DataStore %v", r.Name, r.DataStore)
				}
			}
		})
	}
}
