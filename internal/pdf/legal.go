package pdf

import "strings"

// Issue 20's letters: what a pause asks of the requester (DL-8), the
// decision on a request for documents and its one-month notice (FI-2,
// Openness Act 621/1999 §14), and where to turn when a register's
// controller is elsewhere (RD-2, D-7). Each goes by post to a requester
// who chose paper, through the print queue, like the refusal and the
// extension notice.

// Document request decisions (workflow.DocDecisions).
const (
	docDisclosed = "disclosed"
	docPartly    = "partly_disclosed" // "refused" is the third
)

// pause asks the requester for what the case waits for, by when, and how
// to answer (online when they can get the status page's code by email,
// else by post or at the office).
func (d *doc) pause() {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	d.para(d.t("letter.pause.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	d.field(d.t("letter.pause.needed"), l.Needed)
	d.field(d.t("letter.pause.by"), d.date(l.ReplyBy))
	d.p.Ln(1)
	d.para(d.t("letter.pause.after", d.date(l.ReplyBy)))
	d.para(d.t("letter.pause.clock"))
	d.subheading(d.t("letter.pause.how"))
	if l.ReplyURL != "" {
		d.para(d.t("letter.pause.how_online", l.ReplyURL))
	}
	if len(l.Org.Address) > 0 {
		d.para(d.t("letter.pause.how_post", l.RequestNumber))
	} else {
		// No postal address at the top to point to: email and the office.
		d.para(d.t("letter.pause.how_email", l.Org.DPOEmail, l.RequestNumber))
	}
	d.coverNote()
	d.signature()
}

// docDecision is the decision on a request for documents (FI-2): what is
// given, the reasons, and, when anything is not given, how to appeal.
func (d *doc) docDecision() {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	d.para(d.t("letter.doc_decision.intro", l.RequestNumber, d.instantDate(l.ReceivedAt)))
	d.field(d.t("letter.doc_decision.decision"), d.t("letter.doc_decision."+l.DocDecision))
	if l.DocDecision == docDisclosed {
		if strings.TrimSpace(l.Reasons) != "" {
			d.field(d.t("letter.label.reason"), l.Reasons)
		}
		d.docDelivery()
		d.coverNote()
		d.signature()
		return
	}
	d.field(d.t("letter.label.reason"), l.Reasons)
	if l.DocDecision == docPartly {
		d.docDelivery()
	}
	d.coverNote()
	d.appeal(true)
	d.signature()
}

// docDelivery says how the documents given out reach the requester: the
// documents delivered with the decision, by name, and where they are
// (behind the decision's secure link, enclosed with the letter, or at the
// office), or, when none were attached, that they come the way asked.
func (d *doc) docDelivery() {
	l := d.l
	if len(l.Documents) == 0 {
		d.para(d.t("letter.doc_decision.delivery"))
		return
	}
	d.subheading(d.t("letter.doc_decision.documents", len(l.Documents)))
	switch l.Delivery {
	case "paper", "on_site":
		d.para(d.t("letter.doc_decision.documents_" + l.Delivery))
	default:
		d.para(d.t("letter.doc_decision.documents_electronic"))
	}
	d.bullets(l.Documents)
}

// docExtension tells the requester that their request for documents is
// decided within one month instead of two weeks (621/1999 §14(4)), why,
// and by which day.
func (d *doc) docExtension() { d.extensionNotice("letter.doc_extension") }

// forward tells the requester that a register their request concerns
// has another controller now, that the request was forwarded there with
// their consent, and where to turn.
func (d *doc) forward() {
	l := d.l
	d.title1(d.title())
	d.onBehalf()
	for _, r := range l.Registers {
		d.para(d.t("letter.forward.intro", l.RequestNumber, r.Name))
		d.subheading(d.t("letter.forward.where"))
		d.elsewhere(r)
	}
	d.para(d.t("letter.forward.rest"))
	d.coverNote()
	d.signature()
}
