package registers

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Every warning the importer gives is written from one entry of this
// table: a stable message key (templates/locales/importer.*.json holds its
// fi, sv and en text) and the English format the warning is stored and
// printed in (the CLI's JSON, Register.Warnings, the registers table).
// WarningMessage reads a stored warning back into its key and arguments,
// so pages show it in the reader's language (issue 19), also for warnings
// stored before a page asked.
//
// Formats use %d (a line number), %q (a quoted text) and %s (a text) only.
var warningFormats = []struct{ key, format string }{
	{"importer.warn.several_bases", "several Art 6(1) legal bases named (%s); the first is used"},
	{"importer.warn.no_basis_letter", "no Art 6(1) letter could be read from the legal-basis text"},
	{"importer.warn.data_store", "data store of a document-publicity description (906/2019 §28): it may hold no personal data; check before publishing"},
	{"importer.warn.no_controller", "no controller stated; the organisation is the controller (D-4)"},
	{"importer.warn.second_name", "line %d: second register name %q ignored"},
	{"importer.warn.before_heading", "line %d: text before the first heading not placed: %q"},
	{"importer.warn.no_name", "no register name: neither a name heading nor a title line"},
	{"importer.warn.no_headings", "no notice headings found"},
	{"importer.warn.ignored_too_long", "line %d: %q ignored: too long for a register name"},
	{"importer.warn.ignored_question", "line %d: %q ignored: a question or exclamation, not a register name"},
	{"importer.warn.ignored_sentence", "line %d: %q ignored: a sentence, not a register name"},
	{"importer.warn.ignored_bullet", "line %d: %q ignored: a bullet point"},
	{"importer.warn.ignored_no_letters", "line %d: %q ignored: no letters or digits"},
	{"importer.warn.no_sector", "no sector heading found"},
	{"importer.warn.no_name_row", "line %d: row without a register name dropped"},
	{"importer.warn.same_name", "same normalised name as the register on line %d"},
	{"importer.warn.outside_columns", "line %d: text outside the table columns ignored: %q"},
	{"importer.warn.continuation_orphan", "line %d: continuation row without a row above ignored"},
	{"importer.warn.continuation_header", "line %d: continuation row under a different header ignored"},
	{"importer.warn.beyond_columns", "line %d: cells beyond the last column: %q"},
	{"importer.warn.fragment_repeats", "line %d: column %q: page-break fragment %q repeats the end of %q; not appended"},
	{"importer.warn.fragment_joined", "line %d: column %q: page-break fragment %q joined to the word above"},
	{"importer.warn.not_a_mark", "column %q holds %q instead of a mark"},
}

var (
	warningByKey = map[string]string{}
	warningRes   []*regexp.Regexp
	verbRe       = regexp.MustCompile(`%[dqs]`)
)

func init() {
	for _, w := range warningFormats {
		warningByKey[w.key] = w.format
		parts := verbRe.Split(w.format, -1)
		verbs := verbRe.FindAllString(w.format, -1)
		var b strings.Builder
		b.WriteString("^")
		for i, p := range parts {
			b.WriteString(regexp.QuoteMeta(p))
			if i < len(verbs) {
				switch verbs[i] {
				case "%d":
					b.WriteString(`(-?\d+)`)
				case "%q":
					b.WriteString(`("(?:[^"\\]|\\.)*")`)
				default:
					b.WriteString(`(.*?)`)
				}
			}
		}
		b.WriteString("$")
		warningRes = append(warningRes, regexp.MustCompile(b.String()))
	}
}

// warnf writes the warning key with args in its stored English form.
func warnf(key string, args ...any) string {
	f, ok := warningByKey[key]
	if !ok {
		panic("registers: unknown warning key " + key)
	}
	return fmt.Sprintf(f, args...)
}

// WarningMessage reads a warning as the importer stores it back into its
// message key and arguments: line numbers as int, texts as string
// (unquoted). ok is false for a text the table does not know (an older
// importer's, or none of ours): show it as it is.
func WarningMessage(w string) (key string, args []any, ok bool) {
	for i, re := range warningRes {
		m := re.FindStringSubmatch(w)
		if m == nil {
			continue
		}
		verbs := verbRe.FindAllString(warningFormats[i].format, -1)
		args = nil
		for j, v := range verbs {
			s := m[j+1]
			switch v {
			case "%d":
				n, err := strconv.Atoi(s)
				if err != nil {
					return "", nil, false
				}
				args = append(args, n)
			case "%q":
				u, err := strconv.Unquote(s)
				if err != nil {
					return "", nil, false
				}
				args = append(args, u)
			default:
				args = append(args, s)
			}
		}
		return warningFormats[i].key, args, true
	}
	return "", nil, false
}

// WarningKeys lists the message keys of every importer warning (a test
// checks the catalogues have each in fi, sv and en).
func WarningKeys() []string {
	out := make([]string, len(warningFormats))
	for i, w := range warningFormats {
		out[i] = w.key
	}
	return out
}
