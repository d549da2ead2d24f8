package registers

// tietovarannotSpec: seed 004, an Openness Act description of information
// resources (asiakirjajulkisuuskuvaus). One table per service area, each
// preceded by a section heading that becomes the Sector; the third column's
// header varies ("Keskeiset tietoaineistot" / "Keskeiset tietovarannot", D-6).
// Published names are kept verbatim even when garbled.
var tietovarannotSpec = tableSpec{
	format: FormatTietovarannot,
	columns: []colDef{
		{kind: colName, lang: "fi", keywords: []string{"tietovaranto", "tietovarannon nimi"}},
		{kind: colName, lang: "sv", keywords: []string{"informationsresurs", "informationsresursens namn"}},
		{kind: colPurpose, lang: "fi", keywords: []string{"tietojen käyttötarkoitus", "käyttötarkoitus"}},
		{kind: colPurpose, lang: "sv", keywords: []string{"användningsändamål", "uppgifternas användningsändamål"}},
		{kind: colData, lang: "fi", keywords: []string{"keskeiset tietoaineistot", "keskeiset tietovarannot", "tietoaineistot"}},
		{kind: colData, lang: "sv", keywords: []string{"centrala datamaterial", "centrala informationsmaterial", "centrala informationsresurser"}},
		{kind: colSystems, lang: "fi", keywords: []string{"tietojärjestelmät", "tietojärjestelmä"}},
		{kind: colSystems, lang: "sv", keywords: []string{"informationssystem", "datasystem"}},
	},
	required: []colKind{colName, colPurpose, colData, colSystems},
	minCols:  4,
	sectors:  true,
}
