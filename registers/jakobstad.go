package registers

// jakobstadSpec: seed 000 (Jakobstad / Pietarsaari). Three columns, the header
// row repeated at every page break; the controller cell names a body and
// optionally a unit: "Bildningsnämnden / Bibliotekstjänster".
var jakobstadSpec = tableSpec{
	format: FormatJakobstad,
	columns: []colDef{
		{kind: colName, lang: "sv", keywords: []string{"register informationslager", "register", "informationslager", "personregister"}},
		{kind: colName, lang: "fi", keywords: []string{"rekisteri tietovaranto", "rekisteri", "henkilörekisteri"}},
		{kind: colPurpose, lang: "sv", keywords: []string{"användningsändamål", "ändamål"}},
		{kind: colPurpose, lang: "fi", keywords: []string{"käyttötarkoitus"}},
		{kind: colController, lang: "sv", keywords: []string{"personuppgiftsansvarig", "registeransvarig"}},
		{kind: colController, lang: "fi", keywords: []string{"rekisterinpitäjä"}},
	},
	required: []colKind{colName, colPurpose, colController},
	minCols:  3,
}
