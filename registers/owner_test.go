package registers

import "testing"

// The register owner a document names with their own address is
// proposed (corpus 30, Hangö: "2 Registrets ansvarsperson: Turistchef Kira
// Marschan, 019 2203414, kira.marschan@hanko.fi"); a registry office's
// address, or two people's, proposes no one.
func TestProposedOwner(t *testing.T) {
	for _, c := range []struct{ file, name, owner, email string }{
		{"30_hango_turistbyra_dataskyddsbeskrivning.txt", "Kundregistret", "Kira Marschan", "kira.marschan@hanko.fi"},
		{"03_rautalampi_kirjaston_asiakasrekisteri.txt", "Rautalammin kunnankirjaston asiakasrekisteri", "Seija Österberg", "seija.osterberg@rautalampi.fi"},
		// Two people with an address each.
		{"17_korsholm_bibliotek_registerbeskrivning.txt", "Låntagarregister för Korsholms kommunbibliotek", "", ""},
		// The registry's address.
		{"01_etelasavonha_terveydenhuollon_asiakasrekisteri.txt", "Etelä-Savon hyvinvointialueen terveydenhuollon asiakasrekisteri", "", ""},
	} {
		r := corpusRegister(t, c.file, c.name)
		if n, e := ProposedOwner(r.Contact); n != c.owner || e != c.email {
			t.Errorf("%s: proposed %q <%s>, want %q <%s> (contact %q)", c.file, n, e, c.owner, c.email, r.Contact)
		}
	}
	for _, c := range []struct{ contact, owner, email string }{
		{"Kirjastonjohtaja Marschan Kira\nkira.marschan@hanko.fi", "Marschan Kira", "kira.marschan@hanko.fi"},
		{"Hilde-Ann Lall, hilde-ann.lall@korsholm.fi", "Hilde-Ann Lall", "hilde-ann.lall@korsholm.fi"},
		{"Kirjaamo\nkirjaamo@kunta.fi", "", ""},
		{"Anna Virtanen\nbibliotek@kunta.fi", "", ""},
		{"Anna Virtanen\nanna.virtanen(at)kunta.fi", "", ""},
		{"", "", ""},
	} {
		if n, e := ProposedOwner(c.contact); n != c.owner || e != c.email {
			t.Errorf("ProposedOwner(%q) = %q <%s>, want %q <%s>", c.contact, n, e, c.owner, c.email)
		}
	}
}
