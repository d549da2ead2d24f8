package workflow

import (
	"strings"

	"rightsdesk/internal/store"
)

// Remedies is what Art 12(4) (legal.md DL-6) requires beside a refusal,
// whole or in part, in one language: the complaint to the Data Protection
// Ombudsman (Art 77) with the authority's address, the court (Art 79) and
// the appeal instructions (valitusosoitus / besvärsanvisning). The texts
// are the letters' own (internal/pdf remedies()), so the mail, the status
// page and the PDF say the same thing.
type Remedies struct {
	Title          string
	ComplaintTitle string
	Complaint      string
	// Authority is the Ombudsman's address block, one line per item.
	Authority   string
	CourtTitle  string
	Court       string
	AppealTitle string
	Appeal      string
	// AppealTo is where a request for review goes: the letter prints the
	// organisation's address at its top, a mail or a page has none.
	AppealTo string
}

// RemediesFor returns the remedies in lang for a refusal by org.
func (s *Service) RemediesFor(lang string, org store.Org) *Remedies {
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	to := AppealTo(org, lang)
	return &Remedies{
		Title:          t("letter.remedies.title"),
		ComplaintTitle: t("letter.complaint.title"),
		Complaint:      t("letter.complaint.text"),
		Authority:      t("letter.authority"),
		CourtTitle:     t("letter.court.title"),
		Court:          t("letter.court.text"),
		AppealTitle:    t("letter.appeal.title"),
		Appeal:         s.appealText(lang, org),
		AppealTo:       t("mail.remedies.appeal_to", strings.Join(to, ", ")),
	}
}

// appealText is the organisation's appeal instructions in lang, or the
// default text in lang when it has set none (never another language's).
func (s *Service) appealText(lang string, org store.Org) string {
	if a := org.Appeal(lang); strings.TrimSpace(a) != "" {
		return a
	}
	return s.Catalog.T(lang, "letter.appeal.default", strings.Join(AppealTo(org, lang), ", "))
}

// AppealTo is where a request for review goes: the organisation, its
// postal address and its address for data protection mail.
func AppealTo(org store.Org, lang string) []string {
	// The letters' own list (pdf.Org.AppealTo), from the same fields.
	return senderOrg(org, lang).AppealTo()
}
