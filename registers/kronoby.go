package registers

// kronobySpec: seed 001 (Kronoby / Kruunupyy) "Beskrivning av dataregister
// enligt offentlighetslagen". Each row is a data system; the ABP, PRB and DRB
// columns hold an "x" or "X" when an archive plan, a personal-data register
// description or a data-register description exists (recorded in
// Extra["marks"], e.g. "DRB"). Rows broken across pages continue on lines
// whose first cell is empty; their cells are merged into the row above
// (D-6, see joinFragment).
var kronobySpec = tableSpec{
	format: FormatKronoby,
	columns: []colDef{
		{kind: colName, lang: "sv", keywords: []string{"datasystemets namn", "datasystem"}},
		{kind: colName, lang: "fi", keywords: []string{"tietojärjestelmän nimi"}},
		{kind: colPurpose, lang: "sv", keywords: []string{"användningsområde", "användningsändamål"}},
		{kind: colPurpose, lang: "fi", keywords: []string{"käyttöalue", "käyttötarkoitus"}},
		{kind: colData, lang: "sv", keywords: []string{"datainnehåll"}},
		{kind: colData, lang: "fi", keywords: []string{"tietosisältö"}},
		{kind: colMark, keywords: []string{"abp", "prb", "drb"}},
		{kind: colUnit, lang: "sv", keywords: []string{"registrets ansvarsenhet", "ansvarsenhet"}},
		{kind: colUnit, lang: "fi", keywords: []string{"rekisterin vastuuyksikkö", "vastuuyksikkö"}},
		{kind: colContact, lang: "sv", keywords: []string{"registrets ansvarsperson", "ansvarsperson"}},
		{kind: colContact, lang: "fi", keywords: []string{"rekisterin vastuuhenkilö", "vastuuhenkilö"}},
	},
	required:     []colKind{colName, colPurpose, colMark},
	minCols:      4,
	nameIsSystem: true,
}
