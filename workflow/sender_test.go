package workflow_test

import (
	"slices"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// DL-6: the appeal text and the letters name the organisation once, also
// when its postal address starts with its name, as municipalities write
// it (walkthrough: "Grankulla stad, Grankulla stad, PB 52").
func TestSenderNamedOnce_DL6(t *testing.T) {
	t.Parallel()
	org := store.Org{NameFI: "Kauniaisten kaupunki", NameSV: "Grankulla stad", PrivacyEmail: "registratur@grankulla.example"}
	for _, c := range []struct {
		address, lang string
		want          []string
	}{
		{"Grankulla stad\nPB 52\n02701 Grankulla", "sv", []string{"Grankulla stad", "PB 52", "02701 GRANKULLA", "registratur@grankulla.example"}},
		{"grankulla stad, PB 52, 02701 Grankulla", "fi", []string{"Kauniaisten kaupunki", "PB 52", "02701 GRANKULLA", "registratur@grankulla.example"}},
		{"Stadshuset\nPB 52\n02701 Grankulla", "sv", []string{"Grankulla stad", "Stadshuset", "PB 52", "02701 GRANKULLA", "registratur@grankulla.example"}},
	} {
		org.PostalAddress = c.address
		if got := workflow.AppealTo(org, c.lang); !slices.Equal(got, c.want) {
			t.Errorf("%q in %s: %q, want %q", c.address, c.lang, got, c.want)
		}
	}
}
