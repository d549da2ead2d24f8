package pdf

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"rightsdesk/internal/i18n"
)

// Breach is one entry of the breach log (legal.md §6, BR) as the DPO
// hands it to the Data Protection Ombudsman: the PDF follows the
// notification's sections (Art 33(3)) in the reader's language, with
// the labels of the breach.* catalogue. Free text is printed as typed.
type Breach struct {
	Lang string // fi, sv or en: the DPO's language

	OrgName    string
	BusinessID string

	No    int
	Title string
	State string // open, closed

	OccurredAt time.Time // zero: not known
	AwareAt    time.Time
	Deadline   time.Time // AwareAt + 72 h (Art 33(1))

	Nature            string
	SubjectCategories string
	SubjectCount      *int // nil: not known
	RecordCategories  string
	RecordCount       *int
	Consequences      string
	Measures          string
	Contact           string
	Risk              string // unassessed, none, risk, high
	Decision          string // "", notify, not_notify
	DecisionReason    string

	NotifiedAt  time.Time // zero: not notified
	Reference   string
	DelayReason string

	PersonsAt        time.Time
	PersonsHow       string
	PersonsNotNeeded string

	// Printed is the document's date (and the PDF's creation time).
	Printed time.Time

	// WithOffset: the 72 hours cross a change to or from summer time, so
	// each time carries its UTC offset ("(UTC+3)").
	WithOffset bool
}

// RenderBreach renders b as a PDF.
func (r *Renderer) RenderBreach(b Breach) ([]byte, error) {
	if b.Lang != "fi" && b.Lang != "sv" && b.Lang != "en" {
		return nil, fmt.Errorf("breach pdf: language %q", b.Lang)
	}
	d := newPDF(r.cat, &Letter{Lang: b.Lang, Org: Org{Name: b.OrgName}, Date: b.Printed})
	p := d.p
	title := d.t("breach.pdf.title")
	p.SetTitle(title, true)
	ref := d.t("breach.pdf.no") + " " + strconv.Itoa(b.No)
	d.reportFooter(b.OrgName+" · "+ref, func() string { return d.t("breach.pdf.page", p.PageNo(), "{nb}") })
	p.AddPage()
	p.SetXY(marginL, marginTop)
	d.title1(title)
	d.para(d.t("breach.pdf.intro", b.No))

	when := func(t time.Time, empty string) string {
		if t.IsZero() {
			return d.t(empty)
		}
		if b.WithOffset {
			_, off := t.In(helsinki).Zone()
			return d.dateTime(t) + " " + d.t("breach.offset.utc", strconv.Itoa(off/3600))
		}
		return d.dateTime(t)
	}
	count := func(n *int) string {
		if n == nil {
			return d.t("breach.pdf.not_known")
		}
		return strconv.Itoa(*n)
	}
	text := func(s string) string {
		if s == "" {
			return d.t("breach.pdf.not_stated")
		}
		return s
	}
	state := b.State
	if state == "" {
		state = "open"
	}

	d.heading(d.t("breach.pdf.s.controller"))
	d.field(d.t("breach.pdf.controller"), b.OrgName)
	if b.BusinessID != "" {
		d.field(d.t("breach.pdf.business_id"), b.BusinessID)
	}
	d.field(d.t("breach.form.contact"), text(b.Contact))

	d.heading(d.t("breach.pdf.s.times"))
	d.field(d.t("breach.pdf.no"), strconv.Itoa(b.No))
	d.field(d.t("breach.form.occurred_at"), when(b.OccurredAt, "breach.pdf.not_known"))
	d.field(d.t("breach.form.aware_at"), when(b.AwareAt, "breach.pdf.not_known"))
	d.field(d.t("breach.pdf.deadline"), when(b.Deadline, "breach.pdf.not_known"))
	d.field(d.t("breach.notify.at"), when(b.NotifiedAt, "breach.pdf.not_notified"))
	if b.Reference != "" {
		d.field(d.t("breach.notify.reference"), b.Reference)
	}
	if !b.NotifiedAt.IsZero() && b.NotifiedAt.After(b.Deadline) {
		d.field(d.t("breach.notify.delay_reason"), text(b.DelayReason))
	}
	d.field(d.t("breach.pdf.state"), d.t("breach.state."+state))

	d.heading(d.t("breach.pdf.s.breach"))
	d.field(d.t("breach.form.title"), text(b.Title))
	d.field(d.t("breach.form.nature"), text(b.Nature))

	d.heading(d.t("breach.pdf.s.persons"))
	d.field(d.t("breach.form.subject_categories"), text(b.SubjectCategories))
	d.field(d.t("breach.form.subject_count"), count(b.SubjectCount))
	d.field(d.t("breach.form.record_categories"), text(b.RecordCategories))
	d.field(d.t("breach.form.record_count"), count(b.RecordCount))

	d.heading(d.t("breach.pdf.s.consequences"))
	d.field(d.t("breach.form.consequences"), text(b.Consequences))
	risk := b.Risk
	if risk == "" {
		risk = "unassessed"
	}
	d.field(d.t("breach.form.risk"), d.t("breach.risk."+risk))

	d.heading(d.t("breach.pdf.s.measures"))
	d.field(d.t("breach.form.measures"), text(b.Measures))

	d.heading(d.t("breach.pdf.s.persons_info"))
	switch {
	case !b.PersonsAt.IsZero():
		d.field(d.t("breach.persons.at"), d.dateTime(b.PersonsAt))
		d.field(d.t("breach.persons.how"), text(b.PersonsHow))
	case b.PersonsNotNeeded != "":
		d.field(d.t("breach.persons.not_needed"), b.PersonsNotNeeded)
	default:
		d.para(d.t("breach.persons.none"))
	}

	d.heading(d.t("breach.pdf.s.decision"))
	decision := b.Decision
	if decision == "" {
		decision = "none"
	}
	d.field(d.t("breach.form.decision"), d.t("breach.decision."+decision))
	d.field(d.t("breach.form.decision_reason"), text(b.DecisionReason))

	p.Ln(4)
	p.SetFont(familyName, "", smallSize)
	p.SetTextColor(90, 90, 90)
	p.SetX(marginL)
	p.MultiCell(textW, 4, d.t("breach.pdf.printed", d.dateTime(b.Printed)), "", "L", false)
	p.SetTextColor(0, 0, 0)

	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("rendering breach %d: %w", b.No, err)
	}
	var out bytes.Buffer
	if err := p.Output(&out); err != nil {
		return nil, fmt.Errorf("writing breach %d: %w", b.No, err)
	}
	return out.Bytes(), nil
}

// dateTime prints an instant in Helsinki time as terms.md says: fi
// "2.12.2026 klo 14.05", sv "2.12.2026 kl. 14.05", en "2 December 2026,
// 14:05".
func (d *doc) dateTime(t time.Time) string { return i18n.DateTime(d.l.Lang, t.In(helsinki)) }
