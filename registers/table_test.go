package registers

import (
	"strings"
	"testing"
)

func TestJoinFragment(t *testing.T) {
	for _, c := range []struct {
		prev, frag string
		pageBreak  bool
		want       string // the joined text
		note       bool
	}{
		{"Byggnadsövervakningen", "gen", true, "Byggnadsövervakningen", true}, // seed 001 line 47
		{"Byggnadsövervaknin", "gen", true, "Byggnadsövervakningen", true},
		{"Byggnadsövervaknin", "gen", false, "Byggnadsövervaknin gen", false}, // a wrapped line, not a page break
		{"Dokumenthanteringssystem", "som används för att spara", true, "Dokumenthanteringssystem som används för att spara", false},
		{"Revisionsnämnden /", "Allmänna förvaltningen", true, "Revisionsnämnden / Allmänna förvaltningen", false},
		{"förtroende-", "och tjänsteuppdrag", true, "förtroende- och tjänsteuppdrag", false},
		{"tjänste-", "uppdrag", true, "tjänste-uppdrag", false},
		{"Person- och adressuppgifter", "och", true, "Person- och adressuppgifter och", false},
		{"Personuppgifter", "(frånvaro)", true, "Personuppgifter (frånvaro)", false},
		{"Namn.", "adress", true, "Namn. adress", false},
		{"", "gen", true, "gen", false},
	} {
		sep, note := joinFragment(c.prev, c.frag, c.pageBreak)
		got := c.prev
		if sep != sepDrop {
			got += string(sep) + c.frag
		}
		if got != c.want || (note != "") != c.note {
			t.Errorf("joinFragment(%q, %q, %v) -> %q note %q; want %q note %v", c.prev, c.frag, c.pageBreak, got, note, c.want, c.note)
		}
	}
}

// pdftotext -layout output: cells wrap onto following lines that leave the
// name column empty; these are joined with spaces (no page break).
func TestLayoutWrappedCells(t *testing.T) {
	text := strings.Join([]string{
		"Register/Informationslager      Användningsändamål               Personuppgiftsansvarig",
		"Register över förtroendevalda   Hantering av kontaktuppgifter    Administrativa och",
		"                                till stadens förtroendevalda     juridiska tjänster",
		"                                arvoden",
		"Bindningsregister               Att upprätthålla                 Stadsstyrelsen /",
		"                                                                 Personalförvaltning",
	}, "\n")
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Registers) != 2 {
		t.Fatalf("got %d registers: %+v", len(res.Registers), res.Registers)
	}
	r := res.Registers[0]
	if r.Name != "Register över förtroendevalda" ||
		r.Purpose != "Hantering av kontaktuppgifter till stadens förtroendevalda arvoden" ||
		r.Controller != "Administrativa och juridiska tjänster" || len(r.Warnings) != 0 {
		t.Errorf("first: %+v", r)
	}
	r = res.Registers[1]
	if r.Name != "Bindningsregister" || r.Controller != "Stadsstyrelsen / Personalförvaltning" || r.Unit != "Personalförvaltning" || r.SourceRow != 5 {
		t.Errorf("second: %+v", r)
	}
}

// A continuation row with no row above, and rows with more cells than the
// header, are reported rather than dropped silently.
func TestTableWarnings(t *testing.T) {
	text := "Register/Informationslager\tAnvändningsändamål\tPersonuppgiftsansvarig\n" +
		"\tföräldralös fortsättning\t\n" +
		"Kundregister\tKunder\tNämnden\tSTRAY\n"
	res, err := Parse(text, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Registers) != 1 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "line 2") {
		t.Fatalf("got %+v", res)
	}
	if w := res.Registers[0].Warnings; len(w) != 1 || !strings.Contains(w[0], "STRAY") {
		t.Errorf("register warnings %q", w)
	}
}
