package workflow

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// HetuFault says what is wrong with a henkilötunnus, as a stable code the UI
// translates (ID-3).
type HetuFault string

// The faults, in the order ParseHetu checks them (ID-3): only the first is
// reported.
const (
	HetuFaultLength     HetuFault = "length"     // not 11 characters
	HetuFaultCharacters HetuFault = "characters" // a character not allowed where it stands
	HetuFaultDate       HetuFault = "date"       // DDMMYY is no calendar date
	HetuFaultCentury    HetuFault = "century"    // unknown century sign
	HetuFaultIndividual HetuFault = "individual" // individual number 000 or 001
	HetuFaultCheck      HetuFault = "check"      // check character does not match
)

// HetuError reports an invalid henkilötunnus. It deliberately carries only
// the fault, never the input: personal data must not reach logs (ID-4).
type HetuError struct {
	Fault HetuFault
}

func (e *HetuError) Error() string {
	switch e.Fault {
	case HetuFaultLength:
		return "invalid henkilötunnus: wrong length"
	case HetuFaultCharacters:
		return "invalid henkilötunnus: unexpected character"
	case HetuFaultDate:
		return "invalid henkilötunnus: no such date"
	case HetuFaultCentury:
		return "invalid henkilötunnus: unknown century sign"
	case HetuFaultIndividual:
		return "invalid henkilötunnus: individual number never issued"
	case HetuFaultCheck:
		return "invalid henkilötunnus: check character does not match"
	}
	return "invalid henkilötunnus"
}

// hetuCheckChars maps DDMMYYZZZ mod 31 to the check character (ID-3).
const hetuCheckChars = "0123456789ABCDEFHJKLMNPRSTUVWXY"

// hetuCentury maps the century sign to the century (ID-3, with the signs
// added by the 2023 reform).
func hetuCentury(sign byte) (int, bool) {
	switch sign {
	case '+':
		return 1800, true
	case '-', 'Y', 'X', 'W', 'V', 'U':
		return 1900, true
	case 'A', 'B', 'C', 'D', 'E', 'F':
		return 2000, true
	}
	return 0, false
}

// Hetu is a valid Finnish personal identity code (henkilötunnus), in
// canonical form: trimmed, upper case, all 11 characters kept, since two
// people can differ only by the century sign (ID-3).
//
// String, GoString and LogValue print the masked form (ID-4), so a Hetu
// that slips into a log line or error message does not leak; call
// Canonical deliberately where the full code is needed (encryption, the
// blind index).
type Hetu struct {
	canonical string
	birth     Date
}

// ParseHetu validates s as a henkilötunnus (ID-3) after trimming surrounding
// white space and converting to upper case. On failure the error is a
// *HetuError naming the first fault in the order: length and characters,
// date, century sign, individual number, check character. Temporary
// numbers (900-999) are valid; see Hetu.Temporary.
func ParseHetu(s string) (Hetu, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) != 11 {
		return Hetu{}, &HetuError{Fault: HetuFaultLength}
	}
	// 11 runes but more bytes means a non-ASCII character somewhere.
	if len(s) != 11 || !allDigits(s[0:6]) || !allDigits(s[7:10]) ||
		strings.IndexByte(hetuCheckChars, s[10]) < 0 {
		return Hetu{}, &HetuError{Fault: HetuFaultCharacters}
	}

	day, month, yy := atoi(s[0:2]), time.Month(atoi(s[2:4])), atoi(s[4:6])
	century, centuryOK := hetuCentury(s[6])
	birth := Date{Year: century + yy, Month: month, Day: day}
	if !centuryOK {
		// The date is checked before the sign, so judge it without a
		// century: 29 February exists in some century exactly when YY is a
		// multiple of 4 (00 thanks to 2000), i.e. when 20YY is a leap year.
		birth = Date{Year: 2000 + yy, Month: month, Day: day}
	}
	if !birth.IsValid() {
		return Hetu{}, &HetuError{Fault: HetuFaultDate}
	}
	if !centuryOK {
		return Hetu{}, &HetuError{Fault: HetuFaultCentury}
	}

	if n := atoi(s[7:10]); n < 2 { // 000 and 001 are never issued
		return Hetu{}, &HetuError{Fault: HetuFaultIndividual}
	}

	if s[10] != hetuCheckChar(s[0:6]+s[7:10]) {
		return Hetu{}, &HetuError{Fault: HetuFaultCheck}
	}
	return Hetu{canonical: s, birth: birth}, nil
}

// hetuCheckChar returns the check character of the nine digits DDMMYYZZZ.
func hetuCheckChar(digits string) byte {
	return hetuCheckChars[atoi(digits)%31]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi converts a string already checked by allDigits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// Canonical returns the full 11-character code. It is personal data: encrypt
// it, never log or display it (ID-4).
func (h Hetu) Canonical() string { return h.canonical }

// BirthDate returns the date of birth the code encodes.
func (h Hetu) BirthDate() Date { return h.birth }

// Temporary reports whether the individual number is in the temporary range
// 900-999: valid and accepted, but flagged to staff (ID-3).
func (h Hetu) Temporary() bool { return h.canonical != "" && h.canonical[7] == '9' }

// IsZero reports whether h is the zero Hetu (no code).
func (h Hetu) IsZero() bool { return h.canonical == "" }

// Masked returns the date and century sign with the rest hidden,
// "131052-****" (ID-4).
func (h Hetu) Masked() string {
	if h.IsZero() {
		return ""
	}
	return h.canonical[:7] + "****"
}

// String returns the masked form, so that %v never prints the full code.
func (h Hetu) String() string { return h.Masked() }

// GoString returns the masked form, so that %#v never prints the full code.
func (h Hetu) GoString() string { return "workflow.Hetu(" + h.Masked() + ")" }

// LogValue implements slog.LogValuer with the masked form (ID-4).
func (h Hetu) LogValue() slog.Value { return slog.StringValue(h.Masked()) }

// MaskHetu masks a henkilötunnus for display as "131052-****" (ID-4). The
// input need not be valid: anything not 11 ASCII characters after
// normalising is masked entirely, so nothing of a malformed code leaks.
func MaskHetu(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 11 || utf8.RuneCountInString(s) != 11 {
		return "***********"
	}
	return s[:7] + "****"
}

// ParseHetuAt is ParseHetu that also refuses a birth date after today
// (ID-3 date fault, issue 16 item 10): nobody is born in the future.
func ParseHetuAt(s string, today Date) (Hetu, error) {
	h, err := ParseHetu(s)
	if err != nil {
		return h, err
	}
	if h.BirthDate().After(today) {
		return Hetu{}, &HetuError{Fault: HetuFaultDate}
	}
	return h, nil
}

// hetuInText finds henkilötunnus-shaped runs in free text, with every
// century sign of ID-3 (+, - Y X W V U, A B C D E F), in any case.
var hetuInText = regexp.MustCompile(`(?i)\b(\d{6})[-+A-FU-Y](\d{3}[0-9A-Y])\b`)

// MaskHetuInText hides what looks like a henkilötunnus in free text the
// way Masked does, the date and its own century sign kept ("131052-****",
// "010200A****", ID-4), valid check character or not (issue 16, item 3):
// outside the DPO's case page nobody reads one in full.
func MaskHetuInText(s string) string {
	if !mayHoldHetu(s) {
		return s
	}
	return hetuInText.ReplaceAllStringFunc(s, maskMatch)
}

// maskMatch masks one match of hetuInText: its date and its century sign
// (in capitals) stay. The match is ASCII: six digits, then the sign.
func maskMatch(m string) string { return m[:6] + strings.ToUpper(m[6:7]) + "****" }

// mayHoldHetu reports whether s has six digits, a century sign and three
// digits in a row: every match of hetuInText has them, and most texts
// (every mail body, issue 21: the regexp took about 5 % of an intake's
// Go CPU) have none, so they skip the regexp.
func mayHoldHetu(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			run++
			continue
		}
		if run >= 6 && i+3 < len(s) && isCenturySign(c) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			return true
		}
		run = 0
	}
	return false
}

// isCenturySign: hetuInText's [-+A-FU-Y], case-insensitive.
func isCenturySign(c byte) bool {
	c |= 0x20 // letters to lower case; '-' (0x2d) and '+' (0x2b) are unchanged
	return c == '-' || c == '+' || c >= 'a' && c <= 'f' || c >= 'u' && c <= 'y'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// MaskHetuAttr is a slog ReplaceAttr that masks henkilötunnus-shaped text
// in string, error and Stringer values (issue 16 item 3). It is the last
// line of defence only: code logs ids and counts, never free text.
func MaskHetuAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); hetuInText.MatchString(s) {
			a.Value = slog.StringValue(MaskHetuInText(s))
		}
	case slog.KindAny:
		var s string
		switch v := a.Value.Any().(type) {
		case error:
			s = v.Error()
		case fmt.Stringer:
			s = v.String()
		default:
			return a
		}
		if hetuInText.MatchString(s) {
			a.Value = slog.StringValue(MaskHetuInText(s))
		}
	}
	return a
}
