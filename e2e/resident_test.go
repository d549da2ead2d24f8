package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

var receiptRe = regexp.MustCompile(`RD-\d{4}-\d{6}`)

// receipt reads the request number the receipt page shows.
func (b *tab) receipt() string {
	b.t.Helper()
	r := receiptRe.FindString(evalAs[string](b, `(document.getElementById('receipt') || document.body).innerText`))
	if r == "" {
		b.fail("the receipt page shows no request number")
	}
	return r
}

// attr reads an attribute of the element matched by sel ("" when absent).
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	return evalAs[string](b, `(() => { const e = document.querySelector(`+jsq(sel)+`); return e ? (e.getAttribute(`+jsq(name)+`) || '') : ''; })()`)
}

// value reads a form field's value.
func (b *tab) value(sel string) string {
	b.t.Helper()
	return evalAs[string](b, `(() => { const e = document.querySelector(`+jsq(sel)+`); return e ? e.value : '<no element>'; })()`)
}

func jsq(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }

// replace empties a text field the way a person does (select all, delete)
// and types text.
func (b *tab) replace(sel, text string) {
	b.t.Helper()
	b.check(sel) // a click puts the caret in the field
	b.run(chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(kb.Backspace))
	if text != "" {
		b.typeIn(sel, text)
	}
}

// statusByLink follows the receipt page's link to the status page and
// shows the request's status with an emailed code (issue 15: the status
// page is reached by a link, not by typing its address).
func (b *tab) statusByLink(receipt, email string) {
	b.t.Helper()
	href := evalAs[string](b, `(() => { const a = [...document.querySelectorAll('main a')].find(a => /\/status(\b|\/|\?|$)/.test(a.getAttribute('href') || ''));
		if (!a) return ''; a.setAttribute('data-e2e', 'status-link'); return a.getAttribute('href'); })()`)
	if href == "" {
		b.fail("the receipt page has no link to the status page (issue 15)")
	}
	b.click(`[data-e2e="status-link"]`)
	b.step("status form", "@status.form.title")
	if v := b.value("#receipt"); v != receipt {
		if v != "" {
			b.replace("#receipt", "")
		}
		b.typeIn("#receipt", receipt)
	}
	b.click("#send")
	b.step("status code", "@status.code.title", receipt)
	b.typeIn("#code", b.s.code(email, "status_code"))
	b.click("#show")
	b.step("status view", "@status.view.title", receipt)
}

// Journey 1 (issue 15): a resident in Finnish finds the organisation,
// searches its catalogue, fills the form with mistakes first (nothing,
// a broken email address, an invalid henkilötunnus, ID-3), then sends a
// valid access request, confirms it with the emailed code, gets the
// receipt and follows its link to the request's status.
func TestResidentFinnish(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := newTab(t, s, "fi", false)

	b.open("/fi/")
	b.step("home", "@home.title", "Esimerkkikaupunki", "Kruunupyy")

	b.follow("Esimerkkikaupunki")
	b.step("organisation", "Esimerkkikaupunki", "Varhaiskasvatuksen tietovaranto", "@catalogue.org.request")

	// A resident's everyday word finds the register's own (issue 15).
	b.typeIn("#q", "päivähoito")
	b.click(`form[role="search"] button[type="submit"]`)
	txt := b.step("catalogue search", "päivähoito", "Varhaiskasvatuksen tietovaranto")
	if strings.Contains(txt, "Kirjaston tietovaranto") {
		b.fail("the search for päivähoito still lists the library's register")
	}

	b.click("#make-request")
	b.step("form", "@intake.form.title", "@intake.part.you")

	// Nothing filled in.
	b.click("#send")
	b.step("form: empty", "@intake.errors.title", "@intake.err.rights", "@intake.err.name", "@intake.err.email")
	// The rights group's error reads and looks like the other field
	// errors (issue 15): the group is marked invalid, the message has the
	// same colour as the name's, and the group has an error border.
	if b.attr("#rights", "aria-invalid") != "true" || b.attr("#right-access", "aria-invalid") != "true" {
		b.fail("the rights group's error is not announced (aria-invalid on the group and its checkboxes)")
	}
	if !strings.Contains(" "+b.attr("#rights", "aria-describedby")+" ", " rights-error ") {
		b.fail("the rights group is not described by its error")
	}
	type look struct {
		Color, NameColor, Border, Plain string
	}
	l := evalAs[look](b, `(() => { const cs = id => getComputedStyle(document.getElementById(id));
		return {Color: cs('rights-error').color, NameColor: cs('name-error').color,
			Border: cs('rights').borderLeftColor, Plain: cs('period').borderLeftColor}; })()`)
	if l.Color != l.NameColor || l.Border != l.Color || l.Border == l.Plain {
		b.fail("the rights group's error does not look like an error: %+v", l)
	}

	// A broken email address; what was typed stays.
	b.check("#right-access")
	b.typeIn("#name", "Maija Meikäläinen")
	b.typeIn("#email", "maija.meikalainen@")
	b.click("#send")
	b.step("form: bad email", "@intake.errors.title", "@intake.err.email_invalid")
	if b.value("#name") != "Maija Meikäläinen" || b.attr("#right-access", "checked") == "" && !evalAs[bool](b, `document.getElementById('right-access').checked`) {
		b.fail("the form lost what was typed")
	}

	// ID-3: 131052-308U has the wrong check character.
	b.replace("#email", "maija.meikalainen@example.fi")
	b.typeIn("#hetu", "131052-308U")
	b.click("#send")
	b.step("form: bad henkilötunnus", "@intake.errors.title", "@intake.err.hetu.check")
	if b.attr("#hetu", "aria-invalid") != "true" {
		b.fail("the henkilötunnus field is not marked invalid")
	}

	b.replace("#hetu", "131052-308T")
	b.click("#send")
	b.step("confirm", "@intake.confirm.title")

	b.typeIn("#code", s.code("maija.meikalainen@example.fi", "code"))
	b.click("#confirm")
	b.step("receipt", "@intake.done.title", "@intake.done.receipt", "@right.access")
	receipt := b.receipt()

	b.statusByLink(receipt, "maija.meikalainen@example.fi")

	b.open("/fi/o/esimerkki/request")
	b.skipLink()
}

// skipLink: the first Tab reaches the skip link, and following it puts
// the keyboard focus on the main content (issue 15: focus must not fall
// back to the body).
func (b *tab) skipLink() {
	b.t.Helper()
	b.focusStart()
	b.press(kb.Tab)
	if f := b.focused(); f.Tag != "a" || b.attr("a.skip", "href") != "#main" || evalAs[bool](b, `document.activeElement !== document.querySelector('a.skip')`) {
		b.fail("the first Tab does not reach the skip link (focus on %+v)", f)
	}
	b.shot("skip link")
	b.press(kb.Enter)
	if f := b.focused(); f.ID != "main" {
		b.fail("after the skip link the focus is on <%s id=%q>, not on #main", f.Tag, f.ID)
	}
}

// Journey 2 (issue 15): a resident in Swedish, with JavaScript off, asks
// Kronoby to rectify their data, through to the receipt.
func TestResidentSwedishNoJavaScript(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := newTab(t, s, "sv", true)

	b.open("/sv/")
	b.step("start", "Kronoby", "@home.title")
	b.follow("Kronoby")
	b.step("organisation", "Kronoby", "@catalogue.org.request")
	b.click("#make-request")
	b.step("form", "@intake.form.title", "@right.rectification")

	// IN-1: a rectification needs to say what is wrong.
	b.check("#right-rectification")
	b.typeIn("#name", "Lisa Lindström")
	b.typeIn("#email", "lisa.lindstrom@example.fi")
	b.click("#send")
	b.step("form: details missing", "@intake.errors.title", "@intake.err.details_rectification")

	b.typeIn("#details", "Min adress är fel: rätt adress är Skolvägen 1, Kronoby.")
	b.click("#send")
	b.step("confirm", "@intake.confirm.title")

	b.typeIn("#code", s.code("lisa.lindstrom@example.fi", "code"))
	b.click("#confirm")
	b.step("receipt", "@intake.done.title", "@right.rectification", "Kronoby")
	receipt := b.receipt()

	// The DPO confirms the identity (not this journey's business: done
	// directly); an owner opens the Swedish task page, still without
	// JavaScript.
	org := s.org("kronoby")
	c, err := store.New(s.env.Pool).CaseByReceipt(s.env.Ctx, []int64{org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.env.Workflow.VerifyIdentity(s.env.Ctx, org, c.ID, workflow.StaffActor(s.dpoID(org)), "in_person", ""); err != nil {
		t.Fatal(err)
	}
	s.deliver()
	var owner, link string
	for _, m := range s.env.Catcher.Messages() {
		if m.Headers.Get("X-Rightsdesk-Kind") == "task" {
			if l := regexp.MustCompile(regexp.QuoteMeta(s.base) + `/sv/t/\S+`).FindString(m.Text); l != "" {
				owner, link = m.To[0], strings.TrimPrefix(l, s.base)
				break
			}
		}
	}
	if link == "" {
		t.Fatal("no Swedish task mail to an owner of Kronoby")
	}
	b.open(link)
	b.step("owner: task", "@task.heading", "@task.verify.heading")
	b.click(`form[action$="/code"] button`)
	b.step("owner: code sent", "@task.flash.code_sent")
	b.typeIn("#code", s.code(owner, "task_code"))
	b.click(`form[action$="/verify"] button`)
	b.step("owner: the request", "@task.flash.verified", "Lisa Lindström", "@task.form.heading")
}

// Journey 5 (issue 15): English once, through to the receipt, with the
// keyboard alone: Tab, Space, arrow keys, typing and Enter.
func TestResidentEnglishKeyboard(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := newTab(t, s, "en", false)

	b.open("/en/o/esimerkki/request")
	b.step("form", "@intake.form.title")
	b.focusStart()
	b.tabTo("right-access")
	b.press(" ")
	if !evalAs[bool](b, `document.getElementById('right-access').checked`) {
		b.fail("Space did not tick the checkbox")
	}
	b.tabTo("name")
	b.keyType("Matti Meikäläinen")
	b.tabTo("email")
	b.keyType("matti@example.fi")
	b.tabTo("reply_lang-en")
	b.tabTo("send")
	b.pressNav(kb.Enter)
	b.step("confirm", "@intake.confirm.title")

	if f := b.focused(); f.ID != "code" {
		b.tabTo("code")
	}
	b.keyType(s.code("matti@example.fi", "code"))
	b.pressNav(kb.Enter)
	b.step("receipt", "@intake.done.title", "@right.access")
	b.receipt()
}
