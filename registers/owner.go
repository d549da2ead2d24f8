package registers

import (
	"regexp"
	"strings"
	"unicode"
)

// ProposedOwner reads the register owner a document names in its contact
// text (Register.Contact), for the DPO to confirm: the person whose own
// e-mail address is printed beside the name ("Turistchef Kira Marschan,
// 019 2203414, kira.marschan@hanko.fi" gives "Kira Marschan" and the
// address). It proposes only on that evidence: a text with no address or
// with several, or whose address is no person's of the text (a registry
// office, a shared mailbox), proposes no one.
func ProposedOwner(contact string) (name, email string) {
	addrs := map[string]bool{}
	for _, a := range emailAddr.FindAllString(contact, -1) {
		addrs[strings.ToLower(a)] = true
		email = a
	}
	if len(addrs) != 1 {
		return "", ""
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' })
	if len(parts) < 2 {
		return "", ""
	}
	for _, l := range strings.Split(contact, "\n") {
		words := strings.Fields(l)
		for i := 0; i+len(parts) <= len(words); i++ {
			run := words[i : i+len(parts)]
			if personMatches(run, parts) {
				for k, w := range run {
					run[k] = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })
				}
				return strings.Join(run, " "), email
			}
		}
	}
	return "", ""
}

var emailAddr = regexp.MustCompile(`[\p{L}\d._%+-]+@[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.\p{L}{2,}`)

// personMatches: the words are the address's parts, in its order or
// reversed ("kira.marschan", "marschan.kira"), with the letters the
// address cannot hold folded ("Österberg" and "osterberg").
func personMatches(words, parts []string) bool {
	same := func(rev bool) bool {
		for k, w := range words {
			p := parts[k]
			if rev {
				p = parts[len(parts)-1-k]
			}
			if foldAddress(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) })) != p {
				return false
			}
		}
		return true
	}
	return same(false) || same(true)
}

var addressFold = strings.NewReplacer("ä", "a", "ö", "o", "å", "a", "ü", "u", "é", "e", "è", "e", "á", "a")

func foldAddress(w string) string {
	return addressFold.Replace(strings.ToLower(w))
}
