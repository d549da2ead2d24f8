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

// A data store of a publicity description states its purpose on its own
// line after "Användningsändamål:" (file 19).
func TestCorpusDataStorePurpose(t *testing.T) {
	for _, c := range []struct{ file, name, purpose string }{
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
