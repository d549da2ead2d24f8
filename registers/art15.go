package registers

import (
	"slices"
	"strings"
)

// Two Art 15(1) items that register descriptions publish under headings
// of their own but the catalogue keeps among a register's Extra fields
// (notice.go's nfExtra, the tables' extra columns): transfers outside the
// EU/EEA, item (c) with Art 15(2), and automated decision-making, item
// (h). The access letter prints them from here: it said "not stated"
// beside a catalogue page that states them (found in a walkthrough).

// Transfers is the published text on transfers outside the EU/EEA, ""
// when the description has none.
func Transfers(extra map[string]string) string { return extraUnder(extra, transferHeadings) }

// Automated is the published text on automated decision-making and
// profiling, "" when the description has none.
func Automated(extra map[string]string) string { return extraUnder(extra, automatedHeadings) }

// Lower-case parts of the headings, in fi, sv and en.
var (
	transferHeadings = []string{"eu:n tai eta:n ulkopuolelle", "eu/eta", "eu:n ja eta:n ulkopuolelle", "kolmansiin maihin",
		"utanför eu", "utanför ees", "tredjeländer", "tredje land", "outside the eu", "third countr"}
	automatedHeadings = []string{"automaattinen päätöksenteko", "automatisoitu päätöksenteko", "profilointi",
		"automatiserat beslutsfattande", "automatiskt beslutsfattande", "profilering", "automated decision", "profiling"}
)

// extraUnder joins the Extra texts whose heading contains one of parts,
// in the order of their headings.
func extraUnder(extra map[string]string, parts []string) string {
	var keys []string
	for k, v := range extra {
		lk := strings.ToLower(k)
		if strings.TrimSpace(v) != "" && slices.ContainsFunc(parts, func(p string) bool { return strings.Contains(lk, p) }) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	texts := make([]string, len(keys))
	for i, k := range keys {
		texts[i] = strings.TrimSpace(extra[k])
	}
	return strings.Join(texts, "\n")
}
