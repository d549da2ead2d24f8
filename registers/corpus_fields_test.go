package registers

import "testing"

// Field values on corpus documents where a walkthrough found the importer
// putting the wrong text into a field. The values are read by hand from
// the documents.

// corpusRegister returns the register of the corpus document with the
// given name.
func corpusRegister(t *testing.T, file, name string) Register {
	t.Helper()
	regs := parseCorpusFile(t, file)
	for _, r := range regs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("%s: no register %q in %q", file, name, regNames(regs))
	return Register{}
}

func regNames(regs []Register) []string {
	var out []string
	for _, r := range regs {
		out = append(out, r.Name)
	}
	return out
}

// A publicity description's purpose headings ("Innehåll och
// användningsändamål", "Beskrivningens syfte och innehåll", "Informationslager
// ... och deras användningsändamål") speak of the description itself or of
// all data stores together; only a store's own "Användningsändamål:" states
// its purpose. Files 13, 19 and 21 state none for their case register.
func TestCorpusDataStorePurpose(t *testing.T) {
	for _, c := range []struct{ file, name, purpose string }{
		{"21_narpes_handlingars_offentlighet.txt", "Närpes stads ärenderegister", ""},
		{"13_taivassalo_asiakirjajulkisuuskuvaus.txt", "Taivassalon kunnan asiarekisteri", ""},
		{"19_osterbottens_forbund_handlingars_offentlighet.txt", "Österbottens förbunds ärenderegister", ""},
		{"19_osterbottens_forbund_handlingars_offentlighet.txt", "Informationslager för förvaltningsärenden",
			"Styrning av förvaltningsärenden, planering av verksamheten, beslutsfattande och ledning. Hantering av landskapsförbundets möten samt arbetsgrupper tillsatta av landskapsstyrelsen."},
		// The document is cut off here.
		{"19_osterbottens_forbund_handlingars_offentlighet.txt", "Informationslager för personalärenden",
			"Anställning av personal och ärendebehandling under anst"},
	} {
		if got := corpusRegister(t, c.file, c.name).Purpose; got != c.purpose {
			t.Errorf("%s: %q: purpose\n got %q\nwant %q", c.file, c.name, got, c.purpose)
		}
	}
}

// A store's labelled purpose on the line below its name is its own; the
// page's closing sentence and the next store are not.
func TestDataStorePurposeBelowName(t *testing.T) {
	res, err := Parse(`Asiakirjajulkisuuskuvaus

Esimerkkilän kaupunki on tiedonhallintalaissa (906/2019) tarkoitettu tiedonhallintayksikkö.

Hallinnon tietovaranto
Käyttötarkoitus: päätöksenteko ja johtaminen.

Varhaiskasvatuksen tietovaranto
Käyttötarkoitus: varhaiskasvatuksen järjestäminen.

Tietovarannot ja niiden käyttötarkoitukset kuvataan alla.
`, Options{SourceFile: "x.txt"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"päätöksenteko ja johtaminen.", "varhaiskasvatuksen järjestäminen."}
	if len(res.Registers) != len(want) {
		t.Fatalf("got %q", names(res))
	}
	for i, w := range want {
		if got := res.Registers[i].Purpose; got != w {
			t.Errorf("%q: purpose %q, want %q", res.Registers[i].Name, got, w)
		}
	}
}

// File 17 prints an e-mail address run into the next person's title
// ("…@korsholm.fiBibliotekarie"); the contact keeps them on separate lines.
func TestCorpusContactGluedEmail(t *testing.T) {
	got := corpusRegister(t, "17_korsholm_bibliotek_registerbeskrivning.txt", "Låntagarregister för Korsholms kommunbibliotek").Contact
	want := "Tf. bibliotekschef Maria Kronqvist-Berg\nSkolvägen 1, 65610 Korsholm\n+358 44 727 1212\nmaria.kronqvist-berg@korsholm.fi\n" +
		"Bibliotekarie Hilde-Ann Lall\nSkolvägen 1,\n65610 Korsholm\n06 327 7275\nhilde-ann.lall@korsholm.fi"
	if got != want {
		t.Errorf("contact\n got %q\nwant %q", got, want)
	}
}
