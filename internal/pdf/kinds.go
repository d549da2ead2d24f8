package pdf

import (
	"strings"
)

// Answer codes (workflow.Answer) the letters tell apart.
const (
	ansExtract    = "extract"
	ansNoData     = "no_data"
	ansRectified  = "rectified"
	ansErased     = "erased"
	ansRestricted = "restricted"
	ansStopped    = "stopped"
	ansRefused    = "refused"
	ansElsewhere  = "elsewhere"
	ansNotConsent = "not_consent"
)

// Refuses reports whether the letter prints the Art 12(4) remedies: a
// refusal, or an answer that refuses some of its registers (access() and
// confirmation() print them then). Mails that carry the letter say the
// same (workflow.Remedies).
func (l *Letter) Refuses() bool {
	switch l.Kind {
	case KindRefusal:
		return true
	case KindAccess:
		return someRefused(l.accessRegisters())
	case KindConfirmation:
		return someRefused(l.otherRegisters())
	}
	return false
}

func someRefused(rs []Register) bool {
	for _, r := range rs {
		if r.Answer == ansRefused {
			return true
		}
	}
	return false
}

// accessRegisters are the registers answered under Art 15 (or Art 20,
// whose data goes in the same letter).
func (l *Letter) accessRegisters() []Register {
	var out []Register
	for _, r := range l.Registers {
		if r.Right == "" || r.Right == "access" || r.Right == "portability" {
			out = append(out, r)
		}
	}
	return out
}

// PortabilityOnly reports whether an access answer answers only Art 20:
// every register in it was asked for data portability, none for access.
// Its title, introduction and lists then speak of portability (the data
// the person provided, processed by automated means on consent or
// contract, in a machine-readable form), not of access: it said "you
// asked for access to your data" and "this first copy is free" to a
// request that asked for no access (found in a walkthrough).
func (l *Letter) PortabilityOnly() bool {
	if l.Kind != KindAccess {
		return false
	}
	regs := l.accessRegisters()
	for _, r := range regs {
		if !r.portability() {
			return false
		}
	}
	return len(regs) > 0
}

// portability: the register's part answers Art 20, not Art 15.
func (r Register) portability() bool { return r.Right == "portability" }

func (l *Letter) otherRegisters() []Register {
	var out []Register
	for _, r := range l.Registers {
		if r.Right != "" && r.Right != "access" && r.Right != "portability" {
			out = append(out, r)
		}
	}
	return out
}

// access draws the Art 15 answer (legal.md §3): a cover page a resident
// can act on, then per register the Art 15(1) items and the data, the
// redactions and restrictions with their reasons, and the registers where
// nothing was found.
func (d *doc) access() {
	l := d.l
	regs := l.accessRegisters()
	// Art 15 and Art 20 apart: a portability task that found nothing says
	// there is no such data there, not that there is no data about the
	// person; the free first copy is Art 15(3)'s.
	var found, none, portFound, portNone, refused, elsewhere []Register
	anyAccess := false
	for _, r := range regs {
		port := r.portability()
		anyAccess = anyAccess || !port
		switch {
		case r.Answer == ansExtract && port:
			portFound = append(portFound, r)
		case r.Answer == ansExtract:
			found = append(found, r)
		case r.Answer == ansRefused:
			refused = append(refused, r)
		case r.Answer == ansElsewhere:
			elsewhere = append(elsewhere, r)
		case port:
			portNone = append(portNone, r)
		default:
			none = append(none, r)
		}
	}

	d.title1(d.title())
	d.onBehalf()
	if anyAccess {
		d.para(d.t("letter.access.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	} else {
		d.para(d.t("letter.portability.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	}
	d.coverNote()
	names := func(rs []Register) []string {
		var out []string
		for _, r := range rs {
			n := r.Name
			if len(r.Withheld) > 0 || r.GuardianRestricted {
				n += " " + d.t("letter.access.partial")
			}
			out = append(out, n)
		}
		return out
	}
	if len(found) > 0 {
		d.para(d.t("letter.access.found", len(found)))
		d.bullets(names(found))
	}
	if len(portFound) > 0 {
		d.para(d.t("letter.portability.found", len(portFound)))
		d.bullets(names(portFound))
	}
	if len(refused) > 0 {
		d.para(d.t("letter.access.refused", len(refused)))
		d.bullets(names(refused))
	}
	if len(elsewhere) > 0 {
		d.para(d.t("letter.access.elsewhere", len(elsewhere)))
		d.bullets(names(elsewhere))
	}
	if len(none) > 0 {
		d.para(d.t("letter.access.none", len(none)))
		d.bullets(names(none))
	}
	if len(portNone) > 0 {
		d.para(d.t("letter.portability.none", len(portNone)))
		d.bullets(names(portNone))
	}
	if anyAccess && len(found)+len(refused)+len(elsewhere) > 0 {
		d.para(d.t("letter.access.howto"))
	}
	if len(portFound) > 0 {
		// Art 20(1): the data in a machine-readable form, the export that
		// goes with the answer (JSON and CSV, issue 18).
		key := "letter.portability.export"
		if anyAccess {
			key = "letter.access.portability"
		}
		if l.Delivery != "electronic" {
			key += "_paper"
		}
		d.para(d.t(key))
	}
	if anyAccess {
		d.para(d.t("letter.access.free"))
	}
	d.subheading(d.t("letter.next.title"))
	d.para(d.t("letter.next.rights"))
	d.authority()
	d.signature()

	first := true
	for _, r := range regs {
		if r.Answer == ansNoData || r.Answer == "" {
			continue
		}
		if first {
			d.p.AddPage()
			first = false
		}
		d.accessRegister(r)
	}
	if len(none) > 0 {
		d.heading(d.t("letter.access.none_title"))
		d.para(d.t("letter.access.none_text"))
		var ns []string
		for _, r := range none {
			ns = append(ns, r.Name)
		}
		d.bullets(ns)
	}
	if len(refused) > 0 {
		d.heading(d.t("letter.remedies.title"))
		d.remedies(false) // after the registers' pages: no signature follows
	}
}

// accessRegister is one register's part of the access answer.
func (d *doc) accessRegister(r Register) {
	d.heading(d.t("letter.reg.heading", r.Name))
	if r.portability() {
		// Which right this part answers: a register asked for both has
		// two parts.
		d.field(d.t("letter.label.request"), d.rightText(r.Right))
	}
	switch r.Answer {
	case ansElsewhere:
		d.elsewhere(r)
		return
	case ansRefused:
		d.refusalBox(d.t("letter.access.refused_box"), r.Ground, r.Comment)
		return
	}
	if r.portability() {
		// Art 20: the data the person provided; the Art 15(1) items are
		// not what was asked.
		d.subheading(d.t("letter.portability.data"))
	} else {
		d.accessItems(r)
		d.subheading(d.t("letter.reg.data"))
	}
	d.registerData(r)
}

// accessItems are a register's Art 15(1) items (legal.md §3).
func (d *doc) accessItems(r Register) {
	d.subheading(d.t("letter.reg.about"))
	d.field(d.t("letter.reg.purpose"), r.Purpose)
	d.field(d.t("letter.reg.basis"), d.basisText(r))
	d.field(d.t("letter.reg.categories"), r.DataContent)
	d.field(d.t("letter.reg.recipients"), r.Recipients)
	transfers := r.ThirdCountries
	if strings.TrimSpace(transfers) == "" && r.NoTransfers {
		transfers = d.t("letter.reg.transfers_none")
	}
	d.field(d.t("letter.reg.transfers"), transfers)
	d.field(d.t("letter.reg.retention"), r.Retention)
	d.field(d.t("letter.reg.source"), r.Sources)
	automated := r.Automated
	if strings.TrimSpace(automated) == "" && r.NoAutomated {
		automated = d.t("letter.reg.automated_none")
	}
	d.field(d.t("letter.reg.automated"), automated)
	d.field(d.t("letter.reg.rights"), d.rightsText(r.BasisCode))
}

// registerData is a register's data in the access answer: the extract,
// the files, and what was withheld and why.
func (d *doc) registerData(r Register) {
	if r.GuardianRestricted {
		d.box(d.t("letter.restricted.title"), [][2]string{
			{d.t("letter.label.ground"), d.groundText(r.Ground)},
			{d.t("letter.label.reason"), nonEmpty(r.Comment, d.t("letter.reg.not_stated"))},
		})
	}
	t := parseTSV(r.Extract)
	if len(t.header) > 0 {
		d.p.SetFont(familyName, "", 9)
		d.para(d.n("letter.reg.rows", len(t.rows)))
		d.extractTable(d.redact(t, r.Withheld))
	}
	if files := d.deliveredFiles(r); len(files) > 0 {
		d.subheading(d.t("letter.reg.files"))
		// Where the files are: the PDF itself holds none (found in a
		// walkthrough: the letter called them its attachments).
		if d.l.Delivery == "electronic" {
			d.para(d.t("letter.reg.files_text"))
		} else {
			d.para(d.t("letter.reg.files_text_paper"))
		}
		d.bullets(files)
	}
	if len(t.header) == 0 && len(r.Files) == 0 && !r.GuardianRestricted {
		d.para(d.t("letter.reg.no_extract"))
	}
	for i, w := range r.Withheld {
		var what string
		switch {
		case w.File != "":
			what = d.t("letter.withheld.file", w.File)
		case w.Row > 0 && w.Column != "":
			what = d.t("letter.withheld.cell_at", w.Row, w.Column)
		case w.Row > 0:
			what = d.t("letter.withheld.row", w.Row)
		default:
			what = d.t("letter.reg.not_stated")
		}
		ground := d.groundText(w.Ground)
		if r.portability() && w.Ground == "art15_4_others" {
			ground = d.t("letter.ground.art20_4_others") // Art 20(4) says the same for portability
		}
		d.box(d.t("letter.withheld.title", i+1), [][2]string{
			{d.t("letter.withheld.what"), what},
			{d.t("letter.label.ground"), ground},
			{d.t("letter.label.reason"), nonEmpty(w.Reason, d.t("letter.reg.not_stated"))},
		})
	}
}

// deliveredFiles are the register's files less those withheld whole.
func (d *doc) deliveredFiles(r Register) []string {
	held := map[string]bool{}
	for _, w := range r.Withheld {
		if w.File != "" {
			held[w.File] = true
		}
	}
	var out []string
	for _, f := range r.Files {
		if !held[f] {
			out = append(out, f)
		}
	}
	return out
}

func (d *doc) elsewhere(r Register) {
	d.para(d.t("letter.reg.elsewhere", nonEmpty(r.ElsewhereName, d.t("letter.reg.not_stated"))))
	if r.ElsewhereContact != "" {
		d.para(r.ElsewhereContact)
	}
}

// refusalBox is a refusal's marked block: its ground and reasons.
func (d *doc) refusalBox(title, ground, reason string) {
	d.box(title, [][2]string{
		{d.t("letter.label.ground"), d.groundText(ground)},
		{d.t("letter.label.reason"), nonEmpty(reason, d.t("letter.reg.not_stated"))},
	})
}

// confirmation tells, per register, what was done on a rectification,
// erasure, restriction, objection or withdrawal of consent, and whom the
// change was told (Art 19).
func (d *doc) confirmation() {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	d.para(d.t("letter.confirmation.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	d.coverNote()
	anyRefused := false
	for _, r := range l.otherRegisters() {
		d.heading(d.t("letter.reg.heading", r.Name))
		d.field(d.t("letter.label.request"), d.rightText(r.Right))
		if r.Answer == ansElsewhere {
			d.elsewhere(r)
			continue
		}
		if r.Answer == ansNotConsent {
			// RB-1: nothing was withdrawn; the person learns why and what
			// they can do instead.
			d.field(d.t("letter.label.outcome"), d.t("letter.result.not_consent"))
			d.field(d.t("letter.reg.basis"), d.basisText(r))
			d.field(d.t("letter.reg.rights"), d.rightsText(r.BasisCode))
			continue
		}
		if r.Answer == ansRefused {
			anyRefused = true
			d.refusalBox(d.t("letter.result.refused"), r.Ground, r.Comment)
			continue
		}
		result := d.t("letter.result." + r.Answer)
		if r.Answer == ansStopped {
			result = d.t("letter.result.stopped_" + r.Right)
		}
		d.field(d.t("letter.label.outcome"), result)
		if strings.TrimSpace(r.Changes) != "" {
			d.field(d.t("letter.label.changes"), r.Changes)
		}
		switch r.Answer {
		case ansRectified, ansErased, ansRestricted:
			// Art 19: each recipient is told; the person is told who.
			if len(r.RecipientsTold) > 0 {
				d.para(d.t("letter.art19.told"))
				d.bullets(r.RecipientsTold)
			} else {
				d.para(d.t("letter.art19.none"))
			}
		}
	}
	if anyRefused {
		d.heading(d.t("letter.remedies.title"))
		d.remedies(true)
	} else {
		d.authority()
	}
	d.signature()
}

// refusal is the Art 12(4) decision: for the whole request (its ground
// and reasons) or per register, then the remedies (Art 77, 79, appeal).
func (d *doc) refusal() {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	if l.Ground != "" {
		// The whole request (D-12): said plainly, not "in the respects
		// set out below" followed by "the whole request" (found in a
		// walkthrough).
		d.para(d.t("letter.refusal.intro_whole", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	} else {
		d.para(d.t("letter.refusal.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	}
	d.coverNote()
	if l.Ground != "" {
		d.refusalBox(d.t("letter.refusal.box"), l.Ground, l.Reasons)
	} else {
		for _, r := range l.Registers {
			if r.Answer != ansRefused {
				continue
			}
			d.heading(d.t("letter.reg.heading", r.Name))
			d.field(d.t("letter.label.request"), d.rightText(nonEmpty(r.Right, "access")))
			d.refusalBox(d.t("letter.refusal.box"), r.Ground, r.Comment)
		}
	}
	d.remedies(true)
	d.signature()
}

// extension is the DL-5 notice: the new due date and the reasons, sent
// within the first month.
func (d *doc) extension() { d.extensionNotice("letter.extension") }

// extensionNotice is an extension notice whose texts are under the key
// prefix: the request, the old and the new due date, the reasons and the
// law (DL-5 for GDPR rights, 621/1999 §14(4) for documents).
func (d *doc) extensionNotice(prefix string) {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	d.para(d.t(prefix+".intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	d.field(d.t(prefix+".old_due"), d.date(l.Due))
	d.field(d.t(prefix+".new_due"), d.date(l.ExtendedDue))
	d.p.Ln(1)
	d.subheading(d.t(prefix + ".reasons"))
	d.para(nonEmpty(l.Reasons, d.t("letter.reg.not_stated")))
	d.para(d.t(prefix + ".law"))
	d.coverNote()
	d.signature()
}

// receipt acknowledges a request (IN-3) for requesters who get paper.
func (d *doc) receipt() {
	l := d.l
	docsOnly := l.DocumentRequest && len(l.Rights) == 0 // FI-2 alone: no GDPR date or text
	d.title1(d.title())
	if docsOnly {
		d.para(d.t("letter.receipt.intro_documents", l.Org.Name))
	} else {
		d.para(d.t("letter.receipt.intro", l.Org.Name))
	}
	d.onBehalf()
	d.field(d.t("letter.request_number"), l.RequestNumber)
	d.field(d.t("letter.receipt.received"), d.instantDate(l.ReceivedAt))
	var rights []string
	for _, r := range l.Rights {
		rights = append(rights, d.rightText(r))
	}
	if l.DocumentRequest {
		rights = append(rights, d.t("letter.receipt.documents"))
	}
	d.field(d.t("letter.receipt.rights"), strings.Join(rights, "\n"))
	if docsOnly {
		if l.Delivery != "" {
			d.field(d.t("letter.receipt.delivery"), d.t("letter.delivery."+l.Delivery))
		}
		d.docDue()
		d.p.Ln(1)
		d.para(d.t("letter.receipt.documents_rule"))
		d.docLate()
		d.para(d.t("letter.receipt.next_documents"))
		d.para(d.t("letter.receipt.keep"))
		d.coverNote()
		d.signature()
		return
	}
	var regs []string
	if l.AllRegisters {
		regs = []string{d.t("letter.receipt.all_registers")}
	} else {
		for _, r := range l.Registers {
			regs = append(regs, r.Name)
		}
	}
	d.field(d.t("letter.receipt.registers"), strings.Join(regs, "\n"))
	if l.Delivery != "" {
		d.field(d.t("letter.receipt.delivery"), d.t("letter.delivery."+l.Delivery))
	}
	if l.Late { // DL-1: a past date is no promise
		d.field(d.t("letter.receipt.due_passed"), d.date(l.Due))
	} else {
		d.field(d.t("letter.receipt.due"), d.date(l.Due))
	}
	if l.DocumentRequest && !l.DocDue.IsZero() {
		d.docDue()
	}
	d.p.Ln(1)
	switch {
	case l.Late:
		d.para(d.t("letter.receipt.late", d.date(l.Due)))
	case !l.NoExtension:
		d.para(d.t("letter.receipt.extension"))
	}
	d.docLate()
	if l.IdentityKnown {
		d.para(d.t("letter.receipt.next_identified"))
	} else {
		d.para(d.t("letter.receipt.next"))
	}
	d.para(d.t("letter.receipt.keep"))
	if l.Late { // the remedies of a resident whose answer is late
		d.authority()
		d.para(d.t("letter.receipt.late_court"))
	}
	d.coverNote()
	d.signature()
}

// docDue prints a document request's decision date (FI-2), or, passed
// by the letter's date, that it was the last day.
func (d *doc) docDue() {
	if d.l.DocLate {
		d.field(d.t("letter.receipt.doc_due_passed"), d.date(d.l.DocDue))
		return
	}
	d.field(d.t("letter.receipt.doc_due"), d.date(d.l.DocDue))
}

// docLate says a document request's two weeks (FI-2) are over.
func (d *doc) docLate() {
	if d.l.DocLate {
		d.para(d.t("letter.receipt.doc_late", d.date(d.l.DocDue)))
	}
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// basisText is a register's legal basis as published, else the
// catalogue's label of its Art 6(1) letter ("" when unknown: the field
// then says "not stated").
func (d *doc) basisText(r Register) string {
	basis := r.LegalBasis
	if strings.TrimSpace(basis) == "" && r.BasisCode != "" && r.BasisCode != "unknown" && d.cat.Has(d.l.Lang, "basis."+r.BasisCode) {
		basis = d.t("basis." + r.BasisCode)
	}
	return basis
}

// rightsText names the rights the register's legal basis gives (RB-1):
// erasure is limited under (c) and (e), portability needs (a) or (b),
// objection (e) or (f), withdrawal consent. An unknown basis names the
// rights that depend on it as such. The letter promised every right for
// every register, objection to a legal obligation's register too (found
// in a walkthrough).
func (d *doc) rightsText(basis string) string {
	key := "letter.reg.rights." + basis
	if !d.cat.Has(d.l.Lang, key) {
		key = "letter.reg.rights.unknown"
	}
	return d.t(key) + " " + d.t("letter.reg.rights_complaint")
}
