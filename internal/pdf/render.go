package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"rightsdesk/internal/i18n"

	// Dates are printed in Europe/Helsinki (DL-4) even in an image that
	// has no system zoneinfo.
	_ "time/tzdata"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// Page geometry in mm (A4).
const (
	pageW      = 210.0
	pageH      = 297.0
	marginL    = 20.0
	marginR    = 20.0
	marginTop  = 18.0
	marginBot  = 22.0
	textW      = pageW - marginL - marginR
	lineH      = 5.0
	bodySize   = 10.0
	smallSize  = 8.0
	familyName = "dejavu"
)

// The recipient's address sits in the address field of the Finnish
// standard letter layout (SFS 2487), which a C5/C65 window envelope shows:
// 20 mm from the left edge, about 45 mm from the top, 85 x 30 mm.
const (
	addrX = 22.0
	addrY = 45.0
	addrW = 85.0
)

// Renderer renders letters with one message catalogue. It is safe for
// concurrent use: each Render builds its own document.
type Renderer struct {
	cat *i18n.Catalog
}

// New returns a renderer over cat, which must hold the letter.* keys.
func New(cat *i18n.Catalog) *Renderer { return &Renderer{cat: cat} }

var helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic("pdf: Europe/Helsinki: " + err.Error()) // unreachable: tzdata is embedded
	}
	return loc
}()

// Render writes l as a PDF to w.
func (r *Renderer) Render(w io.Writer, l Letter) (err error) {
	if err := l.Validate(); err != nil {
		return err
	}
	d := newDoc(r.cat, &l)
	// fpdf goes on drawing after an error (an unusable logo, say) and may
	// then panic on state it never set up (SplitText without a font): a
	// letter that cannot be drawn is an error for the caller, whose job
	// retries it, not a crash. Only the error's text is kept: the panic's
	// value could quote the letter.
	defer func() {
		if v := recover(); v != nil {
			if perr := d.p.Error(); perr != nil {
				err = fmt.Errorf("rendering %s letter: %w", l.Kind, perr)
				return
			}
			err = fmt.Errorf("rendering %s letter: drawing failed", l.Kind)
		}
	}()
	d.body()
	if err := d.p.Error(); err != nil {
		return fmt.Errorf("rendering %s letter: %w", l.Kind, err)
	}
	if err := d.p.Output(w); err != nil {
		return fmt.Errorf("writing %s letter: %w", l.Kind, err)
	}
	return nil
}

// body draws the letter's content for its kind (the PDF and its HTML
// twin alike).
func (d *doc) body() {
	switch d.l.Kind {
	case KindAccess:
		d.access()
	case KindConfirmation:
		d.confirmation()
	case KindRefusal:
		d.refusal()
	case KindExtension:
		d.extension()
	case KindReceipt:
		d.receipt()
	case KindPause:
		d.pause()
	case KindDocDecision:
		d.docDecision()
	case KindDocExtension:
		d.docExtension()
	case KindForward:
		d.forward()
	}
}

// Bytes renders l into memory.
func (r *Renderer) Bytes(l Letter) ([]byte, error) {
	var b bytes.Buffer
	if err := r.Render(&b, l); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// newPDF is the setup every document of the package shares (letters, the
// breach record, the annual report): the fonts, the page total, margins
// and reproducible metadata from l's date, organisation and language.
func newPDF(cat *i18n.Catalog, l *Letter) *doc {
	p := fpdf.New("P", "mm", "A4", "")
	d := &doc{p: p, l: l, cat: cat}
	p.AddUTF8FontFromBytes(familyName, "", fontRegular)
	p.AddUTF8FontFromBytes(familyName, "B", fontBold)
	// After the fonts: fpdf then keeps the digits in the font subsets, so
	// the page total written at the end always has its glyphs.
	p.AliasNbPages("{nb}")
	p.SetMargins(marginL, marginTop, marginR)
	p.SetAutoPageBreak(true, marginBot)
	p.SetCellMargin(0)

	// Reproducible output: the document's time, sorted catalogues.
	created := l.Date.UTC().Truncate(time.Second)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetCatalogSort(true)
	p.SetProducer("rightsdesk", true)
	p.SetCreator("rightsdesk", true)
	p.SetAuthor(l.Org.Name, true)
	p.SetLang(l.Lang)
	return d
}

// reportFooter puts a rule, left (the organisation and the document) and
// the page text at the foot of every page of a report.
func (d *doc) reportFooter(left string, page func() string) {
	p := d.p
	p.SetFooterFunc(func() {
		p.SetY(-14)
		p.SetDrawColor(170, 170, 170)
		p.Line(marginL, pageH-15.5, pageW-marginR, pageH-15.5)
		p.SetFont(familyName, "", smallSize)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(textW*2/3, 4, left, "", 0, "L", false, 0, "")
		p.CellFormat(textW/3, 4, page(), "", 0, "R", false, 0, "")
		p.SetTextColor(0, 0, 0)
	})
}

// doc is one letter being drawn.
type doc struct {
	p   *fpdf.Fpdf
	l   *Letter
	cat *i18n.Catalog
	h   *htmlOut // set: also write the HTML twin (html.go)
}

func newDoc(cat *i18n.Catalog, l *Letter) *doc {
	d := newPDF(cat, l)
	p := d.p
	p.SetTitle(d.title()+" "+l.RequestNumber, true)
	p.SetSubject(d.title(), true)

	if len(l.Org.Logo) > 0 {
		tp := l.Org.LogoType
		if tp == "" {
			tp = "png"
		}
		p.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: tp}, bytes.NewReader(l.Org.Logo))
	}
	p.SetHeaderFunc(d.header)
	p.SetFooterFunc(d.footer)
	p.AddPage()
	return d
}

// t translates in the letter's language.
func (d *doc) t(key string, args ...any) string { return d.cat.T(d.l.Lang, key, args...) }

// n is the plural-aware text for key (key.one when n is 1).
func (d *doc) n(key string, n int, args ...any) string { return d.cat.N(d.l.Lang, key, n, args...) }

func (d *doc) title() string {
	if d.l.PortabilityOnly() { // Art 20 alone: not an access answer's title
		return d.t("letter.portability.title")
	}
	return d.t("letter." + string(d.l.Kind) + ".title")
}

// date prints a civil date the way terms.md says: 2.12.2026, 2 December 2026.
func (d *doc) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return i18n.Date(d.l.Lang, t.Year(), t.Month(), t.Day())
}

// instantDate is the Helsinki date of an instant (DL-4).
func (d *doc) instantDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return d.date(t.In(helsinki))
}

// ---- page furniture ---------------------------------------------------------

// header draws the first page's letterhead (logo, organisation, date,
// number, recipient) and a running head on the following pages.
func (d *doc) header() {
	p, l := d.p, d.l
	if p.PageNo() > 1 {
		p.SetFont(familyName, "", smallSize)
		p.SetTextColor(90, 90, 90)
		p.SetXY(marginL, 10)
		p.CellFormat(textW/2, 4, l.Org.Name, "", 0, "L", false, 0, "")
		p.CellFormat(textW/2, 4, d.t("letter.request_number")+" "+l.RequestNumber, "", 0, "R", false, 0, "")
		p.SetDrawColor(170, 170, 170)
		p.Line(marginL, 15, pageW-marginR, 15)
		p.SetTextColor(0, 0, 0)
		p.SetXY(marginL, marginTop+2)
		return
	}
	if len(l.Org.Logo) > 0 {
		p.ImageOptions("logo", marginL, 12, 0, 16, false, fpdf.ImageOptions{}, 0, "")
		p.SetXY(marginL, 29)
	} else {
		p.SetXY(marginL, 14)
	}
	p.SetFont(familyName, "B", 12)
	p.CellFormat(95, 6, l.Org.Name, "", 2, "L", false, 0, "")
	p.SetFont(familyName, "", smallSize)
	for _, a := range l.Org.Address {
		p.CellFormat(95, 3.8, a, "", 2, "L", false, 0, "")
	}

	// Right column: what the letter is, its date and number.
	rx := 118.0
	p.SetXY(rx, 14)
	p.SetFont(familyName, "B", 9)
	p.MultiCell(pageW-marginR-rx, 4.5, strings.ToUpper(d.t("letter."+string(l.Kind)+".doctype")), "", "L", false)
	p.SetX(rx)
	p.SetFont(familyName, "", 9)
	d.kv(rx, 30, d.t("letter.date"), d.instantDate(l.Date))
	d.kv(rx, 30, d.t("letter.request_number"), l.RequestNumber)

	// The window envelope's address field.
	p.SetXY(addrX, addrY)
	p.SetFont(familyName, "", bodySize)
	for _, a := range l.Recipient.Lines() {
		p.CellFormat(addrW, 5, a, "", 2, "L", false, 0, "")
	}
	p.SetXY(marginL, 85)
}

// kv writes "label value" on one line of the letterhead's right column.
func (d *doc) kv(x, labelW float64, label, value string) {
	p := d.p
	p.SetX(x)
	p.SetFont(familyName, "", 8)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(labelW, 5, label, "", 0, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.SetFont(familyName, "", 9)
	p.CellFormat(pageW-marginR-x-labelW, 5, value, "", 1, "L", false, 0, "")
}

// footer: organisation, request number and "sivu 1 / 3".
func (d *doc) footer() {
	p := d.p
	p.SetY(-14)
	p.SetDrawColor(170, 170, 170)
	p.Line(marginL, pageH-15.5, pageW-marginR, pageH-15.5)
	p.SetFont(familyName, "", smallSize)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(textW*2/3, 4, d.l.Org.Name+" · "+d.t("letter.request_number")+" "+d.l.RequestNumber, "", 0, "L", false, 0, "")
	p.CellFormat(textW/3, 4, d.t("letter.page", p.PageNo(), "{nb}"), "", 0, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
}

// ---- text blocks -------------------------------------------------------------

// room starts a new page unless h mm fit above the bottom margin.
func (d *doc) room(h float64) {
	if d.p.GetY()+h > pageH-marginBot {
		d.p.AddPage()
	}
}

// heightOf is the height of text wrapped to w at the current font.
func (d *doc) heightOf(text string, w, lh float64) float64 {
	n := 0
	for _, para := range strings.Split(text, "\n") {
		lines := d.p.SplitText(para, w)
		if len(lines) == 0 {
			lines = []string{""}
		}
		n += len(lines)
	}
	return float64(n) * lh
}

func (d *doc) title1(text string) {
	d.hw("<h1>%s</h1>\n", esc(text))
	d.p.SetFont(familyName, "B", 14)
	d.room(20)
	d.p.SetX(marginL)
	d.p.MultiCell(textW, 7, text, "", "L", false)
	d.p.Ln(3)
}

func (d *doc) heading(text string) {
	d.hw("<h2>%s</h2>\n", esc(text))
	d.p.SetFont(familyName, "B", 12)
	d.room(25) // keep a heading with what follows
	d.p.Ln(2)
	d.p.SetX(marginL)
	d.p.MultiCell(textW, 6, text, "", "L", false)
	d.p.Ln(1)
}

func (d *doc) subheading(text string) {
	d.hw("<h3>%s</h3>\n", esc(text))
	d.p.SetFont(familyName, "B", bodySize)
	d.room(15)
	d.p.Ln(1)
	d.p.SetX(marginL)
	d.p.MultiCell(textW, lineH, text, "", "L", false)
	d.p.Ln(0.5)
}

func (d *doc) para(text string) {
	if strings.TrimSpace(text) == "" {
		return
	}
	d.hw("<p>%s</p>\n", esc(text))
	d.p.SetFont(familyName, "", bodySize)
	d.p.SetX(marginL)
	d.p.MultiCell(textW, lineH, strings.TrimRight(text, "\r\n"), "", "L", false)
	d.p.Ln(2)
}

// bullets writes a list, one item a line.
func (d *doc) bullets(items []string) {
	d.hw("<ul>\n")
	for _, it := range items {
		d.hw("<li>%s</li>\n", esc(it))
	}
	d.hw("</ul>\n")
	d.p.SetFont(familyName, "", bodySize)
	for _, it := range items {
		d.room(lineH)
		d.p.SetX(marginL + 2)
		d.p.CellFormat(4, lineH, "•", "", 0, "L", false, 0, "")
		d.p.MultiCell(textW-6, lineH, it, "", "L", false)
	}
	d.p.Ln(2)
}

// field writes one labelled item of a register: label in the left
// column, the value wrapped in the right; kept together when it fits.
func (d *doc) field(label, value string) {
	const lw = 52.0
	p := d.p
	if strings.TrimSpace(value) == "" {
		value = d.t("letter.reg.not_stated")
	}
	value = strings.TrimRight(value, "\r\n")
	d.hw("<dl class=\"field\"><dt>%s</dt><dd>%s</dd></dl>\n", esc(label), esc(value))
	p.SetFont(familyName, "", bodySize)
	h := d.heightOf(value, textW-lw, lineH)
	p.SetFont(familyName, "B", 9)
	if lh := d.heightOf(label, lw-3, lineH); lh > h {
		h = lh
	}
	if h < pageH-marginTop-marginBot-20 {
		d.room(h)
	}
	y := p.GetY()
	p.SetXY(marginL, y)
	p.MultiCell(lw-3, lineH, label, "", "L", false)
	yl := p.GetY()
	p.SetFont(familyName, "", bodySize)
	p.SetXY(marginL+lw, y)
	p.MultiCell(textW-lw, lineH, value, "", "L", false)
	if p.GetY() < yl && p.PageNo() > 0 {
		p.SetY(yl)
	}
	p.Ln(1.5)
}

// box is a marked block (a redaction, a restriction, a refusal): a grey
// panel with a dark bar on its left, a bold title and labelled lines.
func (d *doc) box(title string, lines [][2]string) {
	p := d.p
	d.hw("<div class=\"box\">\n<p><strong>%s</strong></p>\n", esc(title))
	for _, ln := range lines {
		d.hw("<dl class=\"field\"><dt>%s</dt><dd>%s</dd></dl>\n", esc(ln[0]), esc(ln[1]))
	}
	d.hw("</div>\n")
	const pad = 3.0
	inner := textW - 2*pad - 2
	p.SetFont(familyName, "B", bodySize)
	h := d.heightOf(title, inner, lineH) + 2*pad
	for _, ln := range lines {
		p.SetFont(familyName, "B", 9)
		h += d.heightOf(ln[0], inner, 4.5)
		p.SetFont(familyName, "", bodySize)
		h += d.heightOf(ln[1], inner, lineH) + 1
	}
	if h >= pageH-marginTop-marginBot-10 {
		// Longer than a page: no panel (it could not break with the
		// text), a rule above the same title and lines instead.
		d.room(4 * lineH)
		p.SetDrawColor(60, 60, 60)
		p.SetLineWidth(0.6)
		p.Line(marginL, p.GetY(), pageW-marginR, p.GetY())
		p.SetLineWidth(0.2)
		p.Ln(2)
		p.SetX(marginL)
		p.SetFont(familyName, "B", bodySize)
		p.MultiCell(textW, lineH, title, "", "L", false)
		for _, ln := range lines {
			p.SetX(marginL)
			p.SetFont(familyName, "B", 9)
			p.MultiCell(textW, 4.5, ln[0], "", "L", false)
			p.SetX(marginL)
			p.SetFont(familyName, "", bodySize)
			p.MultiCell(textW, lineH, strings.TrimRight(ln[1], "\r\n"), "", "L", false)
			p.Ln(1)
		}
		p.Ln(2)
		return
	}
	d.room(h + 2)
	y := p.GetY()
	p.SetFillColor(238, 238, 238)
	p.Rect(marginL, y, textW, h, "F")
	p.SetFillColor(60, 60, 60)
	p.Rect(marginL, y, 1.5, h, "F")
	p.SetXY(marginL+pad+2, y+pad)
	p.SetFont(familyName, "B", bodySize)
	p.MultiCell(inner, lineH, title, "", "L", false)
	for _, ln := range lines {
		p.SetX(marginL + pad + 2)
		p.SetFont(familyName, "B", 9)
		p.MultiCell(inner, 4.5, ln[0], "", "L", false)
		p.SetX(marginL + pad + 2)
		p.SetFont(familyName, "", bodySize)
		p.MultiCell(inner, lineH, strings.TrimRight(ln[1], "\r\n"), "", "L", false)
		p.Ln(1)
	}
	p.SetY(y + h + 3)
}

// authority is the supervisory-authority block in the letter's language
// (legal.md §3).
func (d *doc) authority() {
	d.subheading(d.t("letter.complaint.title"))
	d.para(d.t("letter.complaint.text"))
	d.p.SetFont(familyName, "", bodySize)
	d.room(4 * lineH)
	d.p.SetX(marginL + 6)
	d.hw("<address>%s</address>\n", strings.ReplaceAll(esc(d.t("letter.authority")), "\n", "<br>\n"))
	d.p.MultiCell(textW-6, lineH, d.t("letter.authority"), "", "L", false)
	d.p.Ln(2)
}

// remedies is what a refusal adds: the complaint (Art 77), the court
// (Art 79) and the organisation's appeal instructions.
func (d *doc) remedies(beforeSignature bool) {
	d.authority()
	d.subheading(d.t("letter.court.title"))
	d.para(d.t("letter.court.text"))
	d.appeal(beforeSignature)
}

// appeal prints the organisation's appeal instructions, or the default
// text when it has set none. beforeSignature: the signature follows, and
// must not stand alone on a page of its own.
func (d *doc) appeal(beforeSignature bool) {
	d.subheading(d.t("letter.appeal.title"))
	appeal := d.l.Org.AppealText
	if strings.TrimSpace(appeal) == "" {
		appeal = d.t("letter.appeal.default", strings.Join(d.l.Org.AppealTo(), ", "))
	}
	if beforeSignature {
		d.paraBeforeSignature(appeal)
		return
	}
	d.para(appeal)
}

// signatureH is the room the signature block asks for (signature).
const signatureH = 6 * lineH

// paraBeforeSignature is para for the paragraph the signature follows:
// when the paragraph ends on this page but the signature would not fit
// under it, its last two lines go over to the next page with the
// signature, which would otherwise stand there alone.
func (d *doc) paraBeforeSignature(text string) {
	text = strings.TrimRight(text, "\r\n")
	d.p.SetFont(familyName, "", bodySize)
	h := d.heightOf(text, textW, lineH)
	bottom := pageH - marginBot
	y := d.p.GetY()
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		ls := d.p.SplitText(para, textW)
		if len(ls) == 0 {
			ls = []string{""}
		}
		lines = append(lines, ls...)
	}
	if y+h > bottom || y+h+2+signatureH <= bottom || len(lines) < 4 {
		d.para(text)
		return
	}
	d.hw("<p>%s</p>\n", esc(text))
	cut := len(lines) - 2
	d.p.SetX(marginL)
	d.p.MultiCell(textW, lineH, strings.Join(lines[:cut], "\n"), "", "L", false)
	d.p.AddPage()
	d.p.SetFont(familyName, "", bodySize)
	d.p.SetX(marginL)
	d.p.MultiCell(textW, lineH, strings.Join(lines[cut:], "\n"), "", "L", false)
	d.p.Ln(2)
}

// signature closes the letter with the DPO's name and contact.
func (d *doc) signature() {
	o := d.l.Org
	d.p.SetFont(familyName, "", bodySize)
	d.room(signatureH)
	d.p.Ln(2)
	d.para(d.t("letter.regards"))
	var lines []string
	if o.DPOName != "" {
		lines = append(lines, o.DPOName)
	}
	lines = append(lines, d.t("letter.dpo_title")+", "+o.Name)
	var contact []string
	for _, c := range []string{o.DPOEmail, o.DPOPhone} {
		if c != "" {
			contact = append(contact, c)
		}
	}
	if len(contact) > 0 {
		lines = append(lines, strings.Join(contact, " · "))
	}
	d.p.SetX(marginL)
	d.hw("<p>%s</p>\n", esc(strings.Join(lines, "\n")))
	d.p.MultiCell(textW, lineH, strings.Join(lines, "\n"), "", "L", false)
	d.p.Ln(2)
}

// onBehalf says whom the letter is about when a representative asked (ID-5).
func (d *doc) onBehalf() {
	if d.l.OnBehalfOf != "" {
		d.para(d.t("letter.on_behalf", d.l.OnBehalfOf))
	}
}

// coverNote prints the DPO's note, if any.
func (d *doc) coverNote() {
	if strings.TrimSpace(d.l.CoverNote) != "" {
		d.para(d.l.CoverNote)
	}
}

// groundText is a ground's sentence in the letter's language.
func (d *doc) groundText(g string) string {
	if g == "" {
		return d.t("letter.reg.not_stated")
	}
	return d.t("letter.ground." + g)
}

// rightText is a right's name in the letter's language.
func (d *doc) rightText(r string) string { return d.t("letter.right." + r) }
