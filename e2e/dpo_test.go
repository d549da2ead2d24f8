package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// act fills nothing and presses the submit button of the case page's
// action form id (form-pause, form-resume ...).
func (b *tab) act(form string) {
	b.t.Helper()
	b.click("#" + form + ` button[type="submit"]`)
}

// Journey 4 (issue 15): the DPO signs in, finds the case in its band,
// confirms the requester's identity, pauses and resumes the deadline,
// extends it, hands a task to another owner and reads it all on the
// timeline.
func TestDPOHandlesCase(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	lib, _ := s.register(org, "Kirjaston tietovaranto")
	sub := s.paper(org, "", workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{lib},
		Name: "Maija Meikäläinen", Email: "maija@example.fi", Lang: "fi", Delivery: "electronic"})
	b := newTab(t, s, "fi", false)

	b.open("/staff/login")
	b.lang = "en"
	b.step("sign-in", "@staff.login.title")
	b.click(`nav.langs a[lang="fi"]`)
	b.lang = "fi"
	b.step("sign-in in Finnish", "@staff.login.title")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.step("dashboard", "@staffcase.dashboard.title", sub.Receipt, "@state.awaiting_identity")
	band := b.attr(fmt.Sprintf(`tr[data-receipt=%q]`, sub.Receipt), "data-band")
	// Received today, due in a month: not yet in the week's band.
	if band != "later" {
		b.fail("the new case is in the band %q, want later", band)
	}
	if !strings.Contains(evalAs[string](b, fmt.Sprintf(`document.querySelector('tr[data-receipt=%q]').innerText`, sub.Receipt)), b.tr("band.later")) {
		b.fail("the case's row does not name its band")
	}

	b.follow(sub.Receipt)
	b.step("case", sub.Receipt, "Maija Meikäläinen", "@staffcase.h.timeline")

	b.run(chromedp.SetValue(chromedp.CSS("#verify_identity-method"), "in_person"))
	b.typeIn("#verify_identity-note", "Kävi palvelupisteessä, ajokortti.")
	b.act("form-verify_identity")
	b.step("identity confirmed", "@staffcase.flash.verify_identity", "@state.in_progress")

	b.typeIn("#pause-reason", "Odotamme tarkennusta pyytäjältä.")
	b.act("form-pause")
	b.step("paused", "@staffcase.flash.pause", "@state.paused")

	b.act("form-resume")
	txt := b.step("resumed", "@staffcase.flash.resume", "@state.in_progress")
	if strings.Contains(txt, "0000-00-00") {
		b.fail("the timeline shows 0000-00-00 as a date after the resume")
	}

	b.typeIn("#extend-reason", "Pyyntö koskee laajaa aineistoa.")
	b.act("form-extend")
	b.step("extended", "@staffcase.flash.extend")

	// Reassign the register's task: the form is folded in the task card.
	form := evalAs[string](b, `(() => { const f = document.querySelector('form[action$="/reassign"]'); return f ? f.id : ''; })()`)
	if form == "" {
		b.fail("no task to reassign on the case page")
	}
	b.check("details:has(#" + form + ") > summary")
	b.typeIn("#"+form+` input[name="name"]`, "Outi Omistaja")
	b.typeIn("#"+form+` input[name="email"]`, "outi.omistaja@esimerkki.example")
	b.act(form)
	b.step("task reassigned", "@staffcase.flash.reassign", "Outi Omistaja")
	s.mailTo("outi.omistaja@esimerkki.example", "task")

	txt = b.step("timeline", "@staffcase.h.timeline", "@timeline.verify_identity", "@timeline.pause", "@timeline.resume",
		"@timeline.extend", "@timeline.reassign_task")
	if strings.Contains(txt, "0000-00-00") {
		b.fail("the timeline shows 0000-00-00 as a date")
	}
}

// RB-1, DL-6, FI-3: the library's owner refused access with reasons in
// Finnish that name a colleague, while the requester asked in Swedish.
// The DPO, working in Swedish, opens the case, rewrites the reasons the
// letter prints in the task's "edit the letter's texts" form and saves:
// the case page shows the DPO's version, marked as edited, with the
// owner's original beside it.
func TestDPOEditsOwnersReasons(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	org := s.org("esimerkki")
	lib, _ := s.register(org, "Kirjaston tietovaranto")
	sub := s.paper(org, "in_person", workflow.Request{Rights: []string{"access"}, RegisterIDs: []int64{lib},
		Name: "Sara Svensson", Email: "sara@example.fi", Lang: "sv", Delivery: "electronic"})
	tasks, err := store.New(s.env.Pool).TasksOfCase(s.env.Ctx, org.ID, sub.CaseID)
	if err != nil || len(tasks) != 1 {
		t.Fatalf("tasks %d, %v", len(tasks), err)
	}
	const original = "Lainaushistoriaa ei anneta, koska siinä on toisen asiakkaan tietoja. Kysy Pekka Virtaselta, viite KIR-2291."
	const edited = "Lånehistoriken lämnas inte ut eftersom den innehåller uppgifter om en annan kund (artikel 15.4 i dataskyddsförordningen)."
	if err := s.env.Workflow.AnswerTask(s.env.Ctx, org, tasks[0].ID, workflow.OwnerActor(tasks[0].ID), workflow.TaskAnswer{
		Answer: "refused", Ground: "art15_4_others", Comment: original}); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s, "sv", false)
	b.open("/staff/login")
	b.typeIn("#email", "dpo@esimerkki.example")
	b.typeIn("#password", s.dpo["esimerkki"])
	b.click(`form button[type="submit"]`)
	b.open("/staff/lang/sv")
	b.lang = "sv"
	b.open("/staff/cases/" + sub.Receipt)
	b.step("case: the owner's reasons", sub.Receipt, original, "@letteredit.form")

	form := fmt.Sprintf("task-%d-letter", tasks[0].ID)
	b.run(chromedp.Click(chromedp.CSS("#" + form + " > summary")))
	b.run(chromedp.ScrollIntoView(chromedp.CSS("#" + form)))
	b.step("letter texts form", "@letteredit.label.comment", "@letteredit.submit")
	b.run(chromedp.SetValue(chromedp.CSS("#"+form+"-comment"), edited)) // the whole text replaced, as a paste does
	b.click("#" + form + "-submit")
	b.run(chromedp.ScrollIntoView(chromedp.CSS(fmt.Sprintf("#task-%d-comment-original", tasks[0].ID))))
	b.step("letter texts saved", "@letteredit.flash.saved", edited, "@letteredit.edited", "@letteredit.original", original,
		"@timeline.letter_texts_edited")
}
