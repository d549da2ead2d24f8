package pdf

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Kind is a kind of letter.
type Kind string

const (
	KindAccess       Kind = "access"        // Art 15 answer with the data
	KindConfirmation Kind = "confirmation"  // Art 16, 17, 18, 21, 7(3) per register
	KindRefusal      Kind = "refusal"       // Art 12(4), whole request or per register
	KindExtension    Kind = "extension"     // Art 12(3), DL-5
	KindReceipt      Kind = "receipt"       // acknowledgement of receipt (IN-3)
	KindPause        Kind = "pause"         // what a pause asks of the requester (DL-8, ID-5)
	KindDocDecision  Kind = "doc_decision"  // decision on a request for documents (FI-2, 621/1999 §14)
	KindDocExtension Kind = "doc_extension" // a document request takes its one month (FI-2)
	KindForward      Kind = "forward"       // where to turn: a register's controller is elsewhere (RD-2, D-7)
)

// Kinds lists every kind, in the order the CLI shows them.
var Kinds = []Kind{KindAccess, KindConfirmation, KindRefusal, KindExtension, KindReceipt, KindPause, KindDocDecision,
	KindDocExtension, KindForward}

// Letter is everything one letter says. Strings are printed as given:
// published register texts stay in their published language (D-5);
// labels and sentences come from the letter.* catalogue in Lang.
type Letter struct {
	Kind Kind
	Lang string // fi, sv or en: the request's language (FI-3)

	Org       Org
	Recipient Recipient

	RequestNumber string
	// Date is the letter's date and the PDF's creation time, taken from
	// the case (e.g. the approval time), never from the clock: the same
	// case renders byte-identical output.
	Date time.Time
	// ReceivedAt is when the request was received (DL-4).
	ReceivedAt time.Time
	// Due is the answer's due date (receipt: effective_due; extension: the
	// original legal_due). A civil date: only its year, month, day count.
	Due time.Time
	// ExtendedDue is the new due date of an extension notice (DL-5, DL-11).
	ExtendedDue time.Time

	// OnBehalfOf names the represented person when the request was made
	// by a representative (ID-5): the letter is about them.
	OnBehalfOf string

	// Rights requested (workflow right codes), for the receipt.
	Rights []string
	// DocumentRequest: the request also asks for documents (FI-2); its
	// receipt prints DocDue, the decision's two weeks. With no Rights it
	// is a request for documents alone: no GDPR date or text.
	DocumentRequest bool
	DocDue          time.Time
	// AllRegisters: the request named every register (receipt).
	AllRegisters bool
	// Delivery is the requester's choice (electronic, paper, on_site).
	Delivery string
	// Receipt only: IdentityKnown, identity was established by the
	// letter's date (ID-2: at the counter when the case was entered), so
	// the letter does not say it is confirmed next. Late, Due had passed
	// by the letter's date (a request entered late, DL-1): the letter says
	// so and gives the remedies instead of promising a past date.
	// NoExtension, the extension (DL-5) can no longer be decided or was
	// decided already: the letter does not explain it.
	IdentityKnown bool
	Late          bool
	NoExtension   bool
	// DocLate: a document request's DocDue had passed by the letter's
	// date (FI-2): it is told so, not promised a past date.
	DocLate bool

	// Ground and Reasons: a refusal of the whole request (D-12: Art 12(5)
	// or identity not established) has a ground; an extension has reasons.
	Ground  string
	Reasons string

	// Needed and ReplyBy: what a pause asks of the requester and by when
	// (DL-8); ReplyURL, when the requester has an email address for the
	// status page's code, is where they can answer online.
	Needed   string
	ReplyBy  time.Time
	ReplyURL string

	// DocDecision is the decision on a request for documents (FI-2):
	// disclosed, partly_disclosed or refused; Reasons are its reasons.
	// A document request's extension notice prints Due (its two weeks)
	// and ExtendedDue (its one month).
	DocDecision string
	// Documents are the names of the documents given out with a decision
	// that gives them (FI-2), in the order they were given; the letter
	// lists them and says where they are (Delivery).
	Documents []string

	// CoverNote is the DPO's optional note on the cover page.
	CoverNote string

	Registers []Register
}

// Org is the organisation that sends the letter (the controller, D-4).
type Org struct {
	Name    string   // in the letter's language, e.g. "Raasepori" / "Raseborg"
	Address []string // postal address lines
	// Logo is an optional PNG or JPEG (the organisation's setting).
	Logo     []byte
	LogoType string // "png" or "jpg"
	// DPO: the data protection officer who signs and answers questions.
	DPOName  string
	DPOEmail string
	DPOPhone string
	// AppealText is the organisation's appeal instructions (valitusosoitus)
	// for refusals, confirmed by its lawyer; empty prints the default
	// (an oikaisuvaatimus under Local Government Act 410/2015 §134).
	AppealText string
}

// AppealTo is where a request for review goes, as the default appeal
// text names it: the organisation, its postal address and its address for
// data protection mail (a request for review may be sent by email), as
// workflow.AppealTo names it in mails and on pages. The text said "the
// address at the top of this letter" on letters whose top had none (found
// in a walkthrough).
func (o Org) AppealTo() []string {
	to := append([]string{o.Name}, o.Address...)
	if o.DPOEmail != "" {
		to = append(to, o.DPOEmail)
	}
	return to
}

// Recipient is who the letter goes to (the requester or representative),
// printed where a window envelope shows it.
type Recipient struct {
	Name    string
	Address []string
}

// Lines are the address window's lines: the name, then the postal
// address without a first line that repeats the name (a DPO who typed
// the name into the address field too printed "Åke Testsson / Åke
// Testsson / Storgatan 1", found in a walkthrough). The lines are
// compared normalised: Unicode NFC, case, white space and trailing
// punctuation do not count.
func (r Recipient) Lines() []string {
	var out []string
	if strings.TrimSpace(r.Name) != "" {
		out = append(out, r.Name)
	}
	addr := r.Address
	if len(addr) > 0 && len(out) > 0 && sameLine(addr[0], r.Name) {
		addr = addr[1:]
	}
	return append(out, addr...)
}

func sameLine(a, b string) bool {
	norm1 := func(s string) string {
		s = strings.ToLower(strings.Join(strings.Fields(norm.NFC.String(s)), " "))
		return strings.TrimRight(s, ".,;: ")
	}
	return norm1(a) == norm1(b)
}

// Register is one register's part of a letter: the catalogue's fields
// (legal.md §3) and the owner's answer on its task.
type Register struct {
	Name string
	Lang string // the published language of its texts (D-5)

	Right  string // workflow right code (access, rectification, ...)
	Answer string // workflow answer code (extract, no_data, refused, ...)
	Ground string // refusal ground, or the restriction's ground with GuardianRestricted
	// Comment is the owner's reasons (refusal, restriction).
	Comment string
	// Changes is what was rectified.
	Changes string

	// Art 15(1) items, as published in the catalogue.
	Purpose        string
	LegalBasis     string // printed as given (e.g. "(e) yleinen etu / julkisen vallan käyttö")
	BasisCode      string // Art 6(1) letter; printed as the catalogue's basis.* label when LegalBasis is empty
	DataContent    string
	Recipients     string
	ThirdCountries string // transfers outside the EU/EEA and the Art 46 safeguards
	// NoTransfers: the controller states there are none; with neither
	// ThirdCountries nor NoTransfers the letter says "not stated".
	NoTransfers bool
	Retention   string
	Sources     string
	Automated   string // automated decision-making / profiling, as the controller describes it
	// NoAutomated: the controller states none is used (the Raseborg text
	// says so); with neither the letter says "not stated".
	NoAutomated bool

	// Extract is the owner's table as TSV: the first line is the header.
	Extract string
	// Files lists the uploaded extract files delivered with the letter.
	Files []string
	// Withheld lists redactions (15(4)) and restrictions (1050/2018 §34)
	// in the extract and files; each is printed as a marked block with its
	// ground and reason, and the withheld content is left out.
	Withheld []Withheld
	// GuardianRestricted (ID-5): the representative's access to this
	// register is restricted; Ground and Comment say why.
	GuardianRestricted bool

	// RecipientsTold lists the recipients told of a rectification,
	// erasure or restriction (Art 19).
	RecipientsTold []string

	// ElsewhereName and ElsewhereContact: the register now has another
	// controller (RD-2, D-7).
	ElsewhereName    string
	ElsewhereContact string
}

// Withheld is one redaction or restriction in an extract: a cell (Row and
// Column), a whole row (Row, no Column) or an uploaded file (File).
type Withheld struct {
	Row    int    // 1-based data row of the extract (the header is row 0)
	Column string // column header; "" with Row > 0 withholds the whole row
	// Col is the cell's column by position (1-based); when set it wins
	// over Column, which is then only printed.
	Col    int
	File   string // an uploaded file withheld as a whole
	Ground string // art15_4_others, dpa_34 or id5_guardian
	Reason string // the recorded reason, printed in the letter
}

// Validate reports what makes l unprintable.
func (l *Letter) Validate() error {
	switch l.Lang {
	case "fi", "sv", "en":
	default:
		return fmt.Errorf("letter language %q: want fi, sv or en", l.Lang)
	}
	known := false
	for _, k := range Kinds {
		known = known || k == l.Kind
	}
	if !known {
		return fmt.Errorf("letter kind %q unknown", l.Kind)
	}
	if l.Date.IsZero() {
		return fmt.Errorf("letter has no date (the case's time makes output reproducible)")
	}
	if l.RequestNumber == "" {
		return fmt.Errorf("letter has no request number")
	}
	if (l.Kind == KindExtension || l.Kind == KindDocExtension) && l.ExtendedDue.IsZero() {
		return fmt.Errorf("extension notice has no new due date")
	}
	if l.Kind == KindPause && (l.Needed == "" || l.ReplyBy.IsZero()) {
		return fmt.Errorf("pause letter says neither what is needed nor by when")
	}
	if l.Kind == KindDocDecision && l.DocDecision == "" {
		return fmt.Errorf("document request decision letter has no decision")
	}
	if l.Kind == KindForward && len(l.Registers) == 0 {
		return fmt.Errorf("forwarding letter names no register")
	}
	return nil
}
