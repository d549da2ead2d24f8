package registers

import "testing"

// The transfer and automated decision-making texts of a description are
// found under their headings in fi and sv, and nothing else is taken.
func TestArt15ItemsFromExtra(t *testing.T) {
	t.Parallel()
	extra := map[string]string{
		"Siirto EU:n tai ETA:n ulkopuolelle":         "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle.",
		"Automaattinen päätöksenteko ja profilointi": "Rekisterin tietoja ei käytetä automaattiseen päätöksentekoon.",
		"Tietojen suojaaminen":                       "Tiedot suojataan.",
		"Överföring av uppgifter till tredjeländer":  "Uppgifter överförs inte.",
		"Automatiserat beslutsfattande":              "  ",
	}
	if got, want := Transfers(extra), "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle.\nUppgifter överförs inte."; got != want {
		t.Errorf("Transfers = %q, want %q", got, want)
	}
	if got, want := Automated(extra), "Rekisterin tietoja ei käytetä automaattiseen päätöksentekoon."; got != want {
		t.Errorf("Automated = %q, want %q", got, want)
	}
	if got := Transfers(map[string]string{"Tietoturva": "x"}); got != "" {
		t.Errorf("Transfers of none = %q", got)
	}
}
