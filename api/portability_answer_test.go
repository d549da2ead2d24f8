package api_test

import (
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// lastMailOfCase delivers the queued mail and returns the newest one of
// kind to the requester whose subject names receipt.
func lastMailOfCase(t *testing.T, f *scFx, kind, receipt string) mail.Caught {
	t.Helper()
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	var out *mail.Caught
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, scRequest.Email) && m.Headers.Get("X-Rightsdesk-Kind") == kind && strings.Contains(m.Subject, receipt) {
			m := m
			out = &m
		}
	}
	if out == nil {
		t.Fatalf("no %s mail of %s", kind, receipt)
	}
	return *out
}

// answerEach answers each live task of a case: how(right, owned) gives
// the answer.
func answerEach(t *testing.T, f *scFx, caseID int64, how func(right string, owned bool) string) {
	t.Helper()
	for _, tk := range f.tasks(f.org, caseID) {
		actor := workflow.StaffActor(f.dpoUserID)
		if tk.OwnerEmail != "" {
			actor = workflow.OwnerActor(tk.ID)
		}
		a := workflow.TaskAnswer{Answer: how(tk.Right, tk.OwnerEmail != "")}
		if a.Answer == "extract" {
			a.ExtractText = "Kenttä\tArvo\nSähköposti\tmaija@example.fi\n"
		}
		if err := f.env.Workflow.AnswerTask(f.env.Ctx, f.org, tk.ID, actor, a); err != nil {
			t.Fatalf("answering the %s task: %v", tk.Right, err)
		}
	}
}

// sentAnswer has the DPO send the case's answer and renders it: the link
// mail and the stored PDF of its one letter, with its delivery id.
func sentAnswer(t *testing.T, f *scFx, dpo *scClient, sub workflow.Submission) (mail.Caught, string, int64) {
	t.Helper()
	if p := dpo.post("/staff/cases/"+sub.Receipt+"/letters/send", nil); p.status != http.StatusSeeOther {
		t.Fatalf("send = %d: %s", p.status, p.body)
	}
	if n := f.env.WorkAll(jobargs.RenderAnswer{}.Kind()); n != 1 {
		t.Fatalf("%d render jobs, want 1", n)
	}
	m := lastMailOfCase(t, f, "answer_link", sub.Receipt)
	var id int64
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT id FROM answer_deliveries WHERE case_id = $1`, sub.CaseID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	b, err := store.New(f.env.Pool).TakeAnswerPDF(f.env.Ctx, f.org.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m, pdfWords(t, b), id
}

// prefix is a catalogue text up to its first verb (%d, %s), words
// normalised.
func prefix(s string) string { return strings.Join(strings.Fields(strings.SplitN(s, "%", 2)[0]), " ") }

// RB-1, Art 20, issue 18: a request for data portability without access
// is answered by a letter, a link mail and a new-link mail that speak of
// portability: its title and the registers that hold no such data, not
// "you asked for access", "no data about you was found" or "this first
// copy is free" (Art 15). RD-2026-000002 in a walkthrough asked for
// rectification, erasure, restriction, objection and portability and got
// an access answer that contradicted the confirmation beside it.
func TestPortabilityOnlyAnswerSpeaksOfPortability_RB1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx, cat := f.env.Ctx, f.env.Catalog
	dpo := f.login(t, f.dpo)
	for _, lang := range []string{"fi", "sv", "en"} {
		sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
			r.Lang, r.Rights = lang, []string{"portability"}
		})
		// The consent register holds data the person gave; the public
		// task's register none that portability covers (RB-1).
		answerEach(t, f, sub.CaseID, func(_ string, owned bool) string {
			if owned {
				return "no_data"
			}
			return "extract"
		})
		m, letter, id := sentAnswer(t, f, dpo, sub)

		for _, key := range []string{"letter.portability.title", "letter.portability.data"} {
			if want := prefix(cat.T(lang, key)); !strings.Contains(letter, want) {
				t.Errorf("%s: the letter lacks %s %q", lang, key, want)
			}
		}
		for _, key := range []string{"letter.portability.found", "letter.portability.none"} {
			if want := prefix(cat.T(lang, key)); !strings.Contains(letter, want) {
				t.Errorf("%s: the letter lacks %s %q", lang, key, want)
			}
		}
		for _, key := range []string{"letter.access.title", "letter.access.free", "letter.access.none", "letter.access.found",
			"letter.access.none_title", "letter.reg.about"} {
			if no := prefix(cat.T(lang, key)); strings.Contains(letter, no) {
				t.Errorf("%s: the portability letter says %s %q", lang, key, no)
			}
		}
		intro := strings.SplitN(cat.T(lang, "letter.access.intro"), "%s", 3)[2]
		if no := prefix(strings.TrimLeft(intro, ". ")); strings.Contains(letter, no) {
			t.Errorf("%s: the portability letter says it answers a request for access: %q", lang, no)
		}

		assertPortabilityMail := func(what string, m mail.Caught) {
			t.Helper()
			for part, text := range map[string]string{"text": m.Text, "HTML": html.UnescapeString(m.HTML)} {
				for _, want := range []string{cat.T(lang, "answer.mail.body_portability", f.org.Name(lang)),
					cat.T(lang, "answer.contents.letter", cat.T(lang, "answer.kind.portability"))} {
					if !strings.Contains(text, want) {
						t.Errorf("%s %s %s lacks %q:\n%s", lang, what, part, want, text)
					}
				}
				for _, no := range []string{cat.T(lang, "answer.mail.body", f.org.Name(lang)), cat.T(lang, "print.kind.access")} {
					if strings.Contains(text, no) {
						t.Errorf("%s %s %s says %q", lang, what, part, no)
					}
				}
			}
		}
		assertPortabilityMail("link mail", m)

		// A new link for the same letter says the same.
		if err := f.env.Workflow.RenewAnswerLink(ctx, f.org, sub.CaseID, id, workflow.StaffActor(f.dpoUserID)); err != nil {
			t.Fatal(err)
		}
		assertPortabilityMail("new-link mail", lastMailOfCase(t, f, "answer_link", sub.Receipt))

		// The case page names its deliveries as their mails did.
		line := scText(scByID(dpo.get("/staff/cases/"+sub.Receipt).doc, "delivery-"+strconv.FormatInt(id, 10)))
		if !strings.Contains(line, cat.T("en", "answer.kind.portability")) || strings.Contains(line, cat.T("en", "print.kind.access")) {
			t.Errorf("%s: the case page's delivery line reads %q", lang, line)
		}
	}
}

// RB-1, Art 20, issue 18: a request for access and portability is
// answered by the access answer (its title, its free first copy, its mail
// about access), which also says that the data the person provided is in
// the machine-readable export.
func TestAccessAndPortabilityAnswerNamesTheExport_RB1(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cat := f.env.Catalog
	dpo := f.login(t, f.dpo)
	for _, lang := range []string{"fi", "sv", "en"} {
		sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
			r.Lang, r.Rights = lang, []string{"access", "portability"}
		})
		answerEach(t, f, sub.CaseID, func(right string, owned bool) string {
			if owned && right == "portability" {
				return "no_data"
			}
			return "extract"
		})
		m, letter, _ := sentAnswer(t, f, dpo, sub)
		export := "letter.access.portability"
		if !strings.Contains(letter, prefix(cat.T(lang, export))) {
			export += "_paper"
		}
		for _, key := range []string{"letter.access.title", "letter.access.free", export, "letter.portability.none"} {
			if want := prefix(cat.T(lang, key)); !strings.Contains(letter, want) {
				t.Errorf("%s: the letter lacks %s %q", lang, key, want)
			}
		}
		if no := prefix(cat.T(lang, "letter.portability.title")); strings.Contains(letter, no) {
			t.Errorf("%s: an access answer has the portability title", lang)
		}
		if want := cat.T(lang, "answer.mail.body", f.org.Name(lang)); !strings.Contains(m.Text, want) {
			t.Errorf("%s: the access answer's mail lacks %q:\n%s", lang, want, m.Text)
		}
	}
}
