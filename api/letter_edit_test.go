package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// RB-1, DL-6, FI-3: an owner refused access to their register with a
// ground and reasons written in Finnish, naming a colleague and an
// internal reference, while the requester asked in Swedish. Before the
// answer goes out, the DPO writes the reasons the letter prints on the
// case page: the preview and the sent letter print the DPO's version and
// not the owner's; the owner's original stays stored and shown; the edit
// is audited by ids (neither text in the audit trail or the server log)
// and on the timeline in fi, sv and en. A viewer and another
// organisation's DPO cannot edit; empty or over-long reasons are refused
// with the field's message and what was typed stays in the form; once
// the answer is sent the form is gone and a POST is refused with the
// reason.
func TestDPOEditsOwnersRefusalReasons_RB1(t *testing.T) {
	t.Parallel()
	f, logs := newDeliveryFx(t)
	ctx, cat, pool := f.env.Ctx, f.env.Catalog, f.env.Pool
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) { r.Lang = "sv" })
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	const original = "Tiedot koskevat vireillä olevaa lastensuojeluasiaa, kysy Pekka Virtaselta (viite SISÄINEN-4411)."
	const edited = "Uppgifterna gäller ett pågående barnskyddsärende, och rätten till tillgång begränsas enligt 34 § i dataskyddslagen."
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "refused", Ground: "dpa_34", Comment: original}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	id := strconv.FormatInt(owned.ID, 10)
	editPath := casePath + "/tasks/" + id + "/letter"
	formID := "task-" + id + "-letter"
	stored := func() store.Task {
		t.Helper()
		for _, x := range f.tasks(f.org, sub.CaseID) {
			if x.ID == owned.ID {
				return x
			}
		}
		t.Fatal("the task is gone")
		return store.Task{}
	}
	dpo := f.login(t, f.dpo)

	// The form, prefilled with what the letter prints now: the owner's text.
	p := dpo.get(casePath)
	if scByID(p.doc, "form-"+formID) == nil {
		t.Fatalf("no letter texts form on the case page")
	}
	if got := scText(scByID(p.doc, formID+"-comment")); got != original {
		t.Errorf("the form's reasons = %q, want the owner's", got)
	}
	if scByID(p.doc, "task-"+id+"-comment-original") != nil {
		t.Error("an unedited text is shown as edited")
	}
	// The no-data task prints no text of its owner's: no form.
	if scByID(p.doc, "form-task-"+strconv.FormatInt(queue.ID, 10)+"-letter") != nil {
		t.Error("a no-data answer has a letter texts form")
	}

	// A viewer may not; another organisation's DPO does not see the case.
	if r := f.login(t, f.viewer).post(editPath, url.Values{"comment": {edited}}); r.status != http.StatusForbidden {
		t.Errorf("viewer's edit = %d, want 403", r.status)
	}
	if r := f.login(t, f.dpo2).post(editPath, url.Values{"comment": {edited}}); r.status != http.StatusNotFound {
		t.Errorf("another organisation's edit = %d, want 404", r.status)
	}
	if x := stored(); x.LetterComment != "" || x.AnswerComment != original {
		t.Fatalf("a refused edit changed the task: %q / %q", x.LetterComment, x.AnswerComment)
	}

	// Empty reasons (DL-6) and over-long ones: the field's message, the
	// typed text kept, nothing stored.
	r := dpo.post(editPath, url.Values{"comment": {"  \r\n "}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty reasons = %d, want 422", r.status)
	}
	if got := scText(scByID(r.doc, formID+"-comment-error")); got != cat.T("en", "letteredit.err.empty.comment") {
		t.Errorf("empty reasons' message %q", got)
	}
	if s := r.summary(); len(s) != 1 || !strings.HasPrefix(s[0], "#"+formID+"-comment: ") {
		t.Errorf("error summary %v", s)
	}
	long := edited + strings.Repeat("ö", workflow.MaxLetterText)
	r = dpo.post(editPath, url.Values{"comment": {long}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("over-long reasons = %d, want 422", r.status)
	}
	if got := scText(scByID(r.doc, formID+"-comment-error")); got != cat.T("en", "letteredit.err.too_long") {
		t.Errorf("over-long reasons' message %q", got)
	}
	if got := scText(scByID(r.doc, formID+"-comment")); got != long {
		t.Errorf("the refused form lost what was typed (%d characters)", len([]rune(got)))
	}
	if scAttr(scByID(r.doc, formID), "open") == "" && !strings.Contains(r.body, `id="`+formID+`" open`) {
		t.Error("the refused form is not open")
	}
	if x := stored(); x.LetterComment != "" {
		t.Fatal("a refused edit was stored")
	}

	// The DPO's version.
	if r := dpo.post(editPath, url.Values{"comment": {"\r\n" + edited + "  "}}); r.status != http.StatusSeeOther {
		t.Fatalf("edit = %d: %v", r.status, r.summary())
	}
	x := stored()
	if x.AnswerComment != original || x.LetterComment != edited || x.LetterEditedBy != string(workflow.StaffActor(f.dpoUserID)) || x.LetterEditedAt == nil {
		t.Fatalf("stored: original %q, DPO's %q by %q at %v", x.AnswerComment, x.LetterComment, x.LetterEditedBy, x.LetterEditedAt)
	}
	// Stored sealed, like the owner's text (D-25, issue 16 item 4).
	var raw []byte
	if err := pool.QueryRow(ctx, `SELECT letter_comment FROM tasks WHERE id = $1`, owned.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "barnskydds") {
		t.Error("the DPO's version is stored in plain text")
	}

	// The case page: the letter's text, and the owner's original beside it.
	p = dpo.get(casePath)
	if got := scText(scByID(p.doc, "task-"+id+"-comment")); got != edited {
		t.Errorf("the task shows %q, want the DPO's version", got)
	}
	orig := scByID(p.doc, "task-"+id+"-comment-original")
	if orig == nil || !strings.Contains(scText(orig), original) || !strings.Contains(scText(orig), cat.T("en", "letteredit.edited")) ||
		!strings.Contains(scText(orig), "Dana Dpo") {
		t.Errorf("the owner's original is not shown: %q", scText(orig))
	}
	if got := scText(scByID(p.doc, formID+"-comment")); got != edited {
		t.Errorf("the form's reasons = %q, want the DPO's", got)
	}

	// The preview: the access answer and the refusal print the DPO's
	// version, never the owner's.
	for _, name := range []string{"access.pdf", "refusal.pdf"} {
		d := dpo.get(casePath + "/letters/" + name)
		if d.status != http.StatusOK {
			t.Fatalf("%s = %d", name, d.status)
		}
		text := pdfBodyWords(t, []byte(d.body))
		if !strings.Contains(text, "Uppgifterna gäller ett pågående barnskyddsärende") {
			t.Errorf("%s lacks the DPO's reasons:\n%.1500s", name, text)
		}
		for _, w := range []string{"Pekka", "Virtaselta", "SISÄINEN-4411", "lastensuojelu"} {
			if strings.Contains(text, w) {
				t.Errorf("%s prints the owner's %q", name, w)
			}
		}
	}

	// Audited by ids: the task and the field, no text of either version.
	trail, err := store.New(pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range trail {
		b, _ := json.Marshal(ev.Data)
		for _, w := range []string{"Pekka", "SISÄINEN", "barnskydd", "pågående"} {
			if strings.Contains(string(b), w) {
				t.Errorf("audit %s holds text: %s", ev.Action, b)
			}
		}
		if ev.Action != "letter_texts_edited" {
			continue
		}
		n++
		if ev.Actor != string(workflow.StaffActor(f.dpoUserID)) || ev.Data["task"] != float64(owned.ID) || string(mustJSON(t, ev.Data["fields"])) != `["comment"]` {
			t.Errorf("letter_texts_edited by %s: %s", ev.Actor, b)
		}
	}
	if n != 1 {
		t.Errorf("%d letter_texts_edited events, want 1", n)
	}
	// The same text again changes nothing and records nothing.
	if r := dpo.post(editPath, url.Values{"comment": {edited}}); r.status != http.StatusSeeOther {
		t.Fatalf("same edit = %d", r.status)
	}
	if tr, _ := store.New(pool).AuditTrail(ctx, f.org.ID, sub.CaseID); len(tr) != len(trail) {
		t.Errorf("an edit that changed nothing was audited")
	}
	// The timeline, in each language.
	for _, lang := range []string{"en", "fi", "sv"} {
		if r := dpo.get("/staff/lang/" + lang); r.status != http.StatusSeeOther {
			t.Fatalf("language %s = %d", lang, r.status)
		}
		all, _ := timelineLines(t, dpo, sub.Receipt)
		want := cat.T(lang, "timeline.letter_texts_edited")
		if !strings.Contains(all, want) || !strings.Contains(all, cat.T(lang, "letteredit.field.comment")) {
			t.Errorf("%s timeline lacks %q: %.600s", lang, want, all)
		}
	}
	dpo.get("/staff/lang/en")

	// Sent: the letter that goes out prints the DPO's version.
	if r := dpo.post(casePath+"/letters/send", nil); r.status != http.StatusSeeOther {
		t.Fatalf("send = %d", r.status)
	}
	// Approved and being rendered: the letter is on its way, so no edit
	// (the render would print either version).
	if r := dpo.post(editPath, url.Values{"comment": {"Ett tredje skäl."}}); r.status != http.StatusConflict ||
		!strings.Contains(r.body, cat.T("en", "letteredit.err.sent")) {
		t.Errorf("edit while the answer renders = %d, want 409 with the reason", r.status)
	}
	if p := dpo.get(casePath); scByID(p.doc, "form-"+formID) != nil {
		t.Error("the letter texts form is offered while the answer renders")
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs, want 1", n)
	}
	ds, err := store.New(pool).AnswerDeliveriesOfCase(ctx, f.org.ID, sub.CaseID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %d, %v", len(ds), err)
	}
	b, err := store.New(pool).TakeAnswerPDF(ctx, f.org.ID, ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfBodyWords(t, b)
	if !strings.Contains(text, "Uppgifterna gäller ett pågående barnskyddsärende") || strings.Contains(text, "Pekka") || strings.Contains(text, "SISÄINEN") {
		t.Errorf("the sent letter does not print the DPO's reasons only:\n%.1500s", text)
	}

	// After sending: the original still shown, no form, a POST refused.
	p = dpo.get(casePath)
	if scByID(p.doc, "form-"+formID) != nil {
		t.Error("the letter texts form is offered after the answer was sent")
	}
	if orig := scByID(p.doc, "task-"+id+"-comment-original"); orig == nil || !strings.Contains(scText(orig), original) {
		t.Error("the owner's original is not shown after sending")
	}
	r = dpo.post(editPath, url.Values{"comment": {"Ett annat skäl."}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, cat.T("en", "letteredit.err.sent")) {
		t.Errorf("edit after sending = %d, want 409 with the reason", r.status)
	}
	if x := stored(); x.LetterComment != edited || x.AnswerComment != original {
		t.Errorf("an edit after sending changed the task: %q", x.LetterComment)
	}

	// Neither text reached the server's log.
	for _, w := range []string{"Pekka", "SISÄINEN", "barnskydd", "Ett annat skäl", "Ett tredje skäl"} {
		if strings.Contains(logs.String(), w) {
			t.Errorf("the log holds %q", w)
		}
	}
}

// Art 16, Art 19: what the owner wrote as rectified and the recipients
// they told reach the confirmation letter; the DPO edits both, the letter
// prints the DPO's version, and giving back the owner's own text removes
// the DPO's version (recorded as such). An empty recipients list is
// refused: the letter would say nobody was told.
func TestDPOEditsRectificationTexts_Art19(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, cat := f.env.Ctx, f.env.Catalog
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.Rights, r.AllRegisters, r.RegisterIDs = []string{"rectification"}, false, []int64{f.regOwned}
		r.Details = "Osoitteeni on väärin: oikea on Kauppakatu 3."
	})
	owned, ok := f.task(f.org, sub.CaseID, false)
	if !ok {
		t.Fatal("no task")
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "rectified", Changes: "Osoite korjattu, Liisa hoiti (tiketti HD-991).", RecipientsTold: "Kela\nVerohallinto (Matti Mäkinen)"}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	id := strconv.FormatInt(owned.ID, 10)
	editPath := casePath + "/tasks/" + id + "/letter"
	dpo := f.login(t, f.dpo)

	if r := dpo.post(editPath, url.Values{"changes": {"Osoitteesi on oikaistu."}, "recipients_told": {" \n "}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty recipients = %d, want 422", r.status)
	} else if got := scText(scByID(r.doc, "task-"+id+"-letter-recipients_told-error")); got != cat.T("en", "letteredit.err.empty.recipients_told") {
		t.Errorf("empty recipients' message %q", got)
	} else if got := scText(scByID(r.doc, "task-"+id+"-letter-changes")); got != "Osoitteesi on oikaistu." {
		t.Errorf("the refused form lost the changes typed: %q", got)
	}
	if r := dpo.post(editPath, url.Values{"changes": {"Osoitteesi on oikaistu."}, "recipients_told": {"Kela\r\n\r\nVerohallinto\r\n"}}); r.status != http.StatusSeeOther {
		t.Fatalf("edit = %d: %v", r.status, r.summary())
	}
	d := dpo.get(casePath + "/letters/confirmation.pdf")
	if d.status != http.StatusOK {
		t.Fatalf("confirmation.pdf = %d", d.status)
	}
	text := pdfBodyWords(t, []byte(d.body))
	for _, w := range []string{"Osoitteesi on oikaistu.", "Kela", "Verohallinto"} {
		if !strings.Contains(text, w) {
			t.Errorf("the confirmation lacks %q:\n%.1500s", w, text)
		}
	}
	for _, w := range []string{"Liisa", "HD-991", "Matti"} {
		if strings.Contains(text, w) {
			t.Errorf("the confirmation prints the owner's %q", w)
		}
	}
	x, _ := f.task(f.org, sub.CaseID, false)
	if x.AnswerChanges != "Osoite korjattu, Liisa hoiti (tiketti HD-991)." || x.RecipientsTold != "Kela\nVerohallinto (Matti Mäkinen)" {
		t.Errorf("the owner's originals changed: %q %q", x.AnswerChanges, x.RecipientsTold)
	}

	// The owner's own changes again: the DPO's version of them is gone.
	if r := dpo.post(editPath, url.Values{"changes": {x.AnswerChanges}, "recipients_told": {"Kela\nVerohallinto"}}); r.status != http.StatusSeeOther {
		t.Fatalf("restore = %d", r.status)
	}
	x, _ = f.task(f.org, sub.CaseID, false)
	if x.LetterChanges != "" || x.LetterTold != "Kela\nVerohallinto" {
		t.Errorf("after restoring: changes %q, told %q", x.LetterChanges, x.LetterTold)
	}
	trail, _ := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	last := trail[len(trail)-1]
	if last.Action != "letter_texts_edited" || string(mustJSON(t, last.Data["fields"])) != `["changes"]` ||
		string(mustJSON(t, last.Data["restored"])) != `["changes"]` {
		t.Errorf("the restore's event: %s %v", last.Action, last.Data)
	}
}

// ID-5: a guardian's access to a register restricted with an extract,
// its owner giving no reasons (they are optional there). The access
// answer's restriction box prints its reasons, so the DPO may write them:
// the letter prints them, and the case page marks them as the DPO's,
// with "the owner wrote none" in place of an original.
func TestDPOAddsGuardianRestrictionReasons_ID5(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, cat := f.env.Ctx, f.env.Catalog
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
		r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Pikku Meikäläinen", "010200A9618"
	})
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID), workflow.TaskAnswer{
		Answer: "extract", ExtractText: "Päivä\tTapahtuma\n7.1.2025\tMaksupäätös\n", GuardianRestricted: true, Ground: "dpa_34"}); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, queue.ID, workflow.StaffActor(f.dpoUserID), workflow.TaskAnswer{Answer: "no_data"}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	id := strconv.FormatInt(owned.ID, 10)
	dpo := f.login(t, f.dpo)
	const reasons = "Lapsen etu edellyttää, että osa tiedoista jätetään antamatta."
	if r := dpo.post(casePath+"/tasks/"+id+"/letter", url.Values{"comment": {reasons}}); r.status != http.StatusSeeOther {
		t.Fatalf("edit = %d: %v", r.status, r.summary())
	}
	p := dpo.get(casePath)
	orig := scByID(p.doc, "task-"+id+"-comment-original")
	if got := scText(scByID(p.doc, "task-"+id+"-comment")); got != reasons || orig == nil ||
		!strings.Contains(scText(orig), cat.T("en", "letteredit.original_empty")) {
		t.Errorf("the case page: %q, original block %v", got, orig != nil)
	}
	d := dpo.get(casePath + "/letters/access.pdf")
	if text := pdfBodyWords(t, []byte(d.body)); !strings.Contains(text, reasons) {
		t.Errorf("the access answer lacks the DPO's reasons:\n%.1500s", text)
	}
	if x, _ := f.task(f.org, sub.CaseID, false); x.AnswerComment != "" || x.LetterComment != reasons {
		t.Errorf("stored: owner's %q, DPO's %q", x.AnswerComment, x.LetterComment)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
