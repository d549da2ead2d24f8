package workflow

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

// AccessLetter builds the Art 15 answer of a case (issue 18, legal.md §3)
// from its access and portability tasks' answers and their registers'
// catalogue fields, for the DPO to download, and records that it was
// rendered (audit "letter_rendered", ids only). Every such task must be
// answered first: a register not yet answered must never read as "nothing
// found". The letter's date is the time of the last answer, so the same
// answers render the same bytes.
//
// The catalogue has no fields for transfers outside the EU/EEA or for
// automated decision-making: the letter prints them as not stated until it
// has (legal.md §3 requires both).
func (s *Service) AccessLetter(ctx context.Context, org store.Org, caseID int64, actor Actor) (pdf.Letter, error) {
	var l pdf.Letter
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		var marks int
		if l, marks, err = accessLetterQ(ctx, q, org, caseID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "letter_rendered", map[string]any{
			"kind": string(pdf.KindAccess), "registers": len(l.Registers), "withheld": marks})
	})
	return l, err
}

// accessLetterQ builds the access answer in q's transaction (AccessLetter
// without its audit event) and returns it with the number of withheld
// marks of the case.
func accessLetterQ(ctx context.Context, q *store.Q, org store.Org, caseID int64) (pdf.Letter, int, error) {
	var l pdf.Letter
	var nMarks int
	err := func() error {
		c, err := q.CaseByID(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		req, err := q.RequesterOf(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		files, err := q.CaseAttachments(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		byTask := map[int64][]string{}
		fileNames := map[int64]string{}
		for _, f := range files {
			byTask[f.TaskID] = append(byTask[f.TaskID], f.Filename)
			fileNames[f.ID] = f.Filename
		}
		marks, err := q.WithheldOfCase(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		marksOf := map[int64][]store.Withheld{}
		for _, m := range marks {
			marksOf[m.TaskID] = append(marksOf[m.TaskID], m)
		}
		l = pdf.Letter{
			Kind:          pdf.KindAccess,
			Lang:          c.Lang,
			Org:           letterOrg(ctx, q, org, c.Lang),
			Recipient:     pdf.Recipient{Name: req.Name, Address: addressLines(req.Address)},
			RequestNumber: c.Receipt,
			ReceivedAt:    c.ReceivedAt,
			Delivery:      c.Delivery,
		}
		if req.OnBehalf {
			l.OnBehalfOf = req.SubjectName
		}
		if !AccessLetterReady(tasks) {
			return ErrNotAllowed
		}
		date := c.ReceivedAt
		for _, t := range tasks {
			if !accessTask(t) {
				continue
			}
			if t.AnsweredAt.After(date) {
				date = *t.AnsweredAt
			}
			r, err := q.Register(ctx, org.ID, t.RegisterID)
			if err != nil {
				return err
			}
			reg := letterRegister(t, r, byTask[t.ID])
			header, _ := pdf.ParseExtract(t.ExtractText)
			reg.Withheld = letterWithheld(marksOf[t.ID], header, fileNames) // 15(4), §34, ID-5
			l.Registers = append(l.Registers, reg)
		}
		l.Date = date
		nMarks = len(marks)
		return nil
	}()
	return l, nMarks, err
}

// accessTask: a live task whose answer goes in the access answer.
func accessTask(t store.Task) bool {
	return (t.Right == string(RightAccess) || t.Right == string(RightPortability)) && t.State != "cancelled"
}

// portabilityOnly reports whether a case's access answer answers data
// portability alone (Art 20; pdf.Letter.PortabilityOnly from its tasks):
// its live access-answer tasks are all portability tasks.
func portabilityOnly(tasks []store.Task) bool {
	n := 0
	for _, t := range tasks {
		if !accessTask(t) {
			continue
		}
		if t.Right != string(RightPortability) {
			return false
		}
		n++
	}
	return n > 0
}

// answerTitle is the name of an answer letter of kind in lang, as the
// answer's mail and its package note print it: an access answer to a
// request for portability alone is named for portability (portability),
// not "Answer (right of access)" (found in a walkthrough).
func (s *Service) answerTitle(lang, kind string, portability bool) string {
	if kind == string(pdf.KindAccess) && portability {
		return s.Catalog.T(lang, "answer.kind.portability")
	}
	return s.Catalog.T(lang, "print.kind."+kind)
}

// LetterTitle is answerTitle for a case whose tasks are tasks: the staff
// pages name a delivered or downloadable answer as its mail does.
func (s *Service) LetterTitle(lang, kind string, tasks []store.Task) string {
	return s.answerTitle(lang, kind, portabilityOnly(tasks))
}

// PortabilityOnly reports whether the case's access answer answers data
// portability alone (portabilityOnly), for the staff pages' wording.
func PortabilityOnly(tasks []store.Task) bool { return portabilityOnly(tasks) }

// AccessLetterReady reports whether a case's tasks make an access answer:
// at least one access or portability task, and every such task answered.
func AccessLetterReady(tasks []store.Task) bool {
	n := 0
	for _, t := range tasks {
		if !accessTask(t) {
			continue
		}
		if t.State != "answered" || t.AnsweredAt == nil {
			return false
		}
		n++
	}
	return n > 0
}

// confirmationTask: a live task of a right other than access and
// portability, whose answer goes in the confirmation letter (Art 16-18,
// 21, 7(3)).
func confirmationTask(t store.Task) bool {
	return t.Right != string(RightAccess) && t.Right != string(RightPortability) && t.State != "cancelled"
}

// ConfirmationLetterReady reports whether a case's tasks make a
// confirmation letter: at least one task of another right than access,
// and every such task answered (a register not yet answered must never
// read as done).
func ConfirmationLetterReady(tasks []store.Task) bool {
	n := 0
	for _, t := range tasks {
		if !confirmationTask(t) {
			continue
		}
		if t.State != "answered" || t.AnsweredAt == nil {
			return false
		}
		n++
	}
	return n > 0
}

// confirmationLetterQ builds the confirmation letter of a case in q's
// transaction: per register what was done on a rectification, erasure,
// restriction, objection or withdrawal of consent, or why not, with the
// recipients told under Art 19. Its date is the last answer's time, so
// the same answers render the same bytes.
func confirmationLetterQ(ctx context.Context, q *store.Q, org store.Org, caseID int64) (pdf.Letter, error) {
	c, err := q.CaseByID(ctx, org.ID, caseID)
	if err != nil {
		return pdf.Letter{}, err
	}
	req, err := q.RequesterOf(ctx, org.ID, caseID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return pdf.Letter{}, err
	}
	tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
	if err != nil {
		return pdf.Letter{}, err
	}
	if !ConfirmationLetterReady(tasks) {
		return pdf.Letter{}, ErrNotAllowed
	}
	l := letterBase(org, c, req, pdf.KindConfirmation)
	l.Org = letterOrg(ctx, q, org, c.Lang)
	date := c.ReceivedAt
	for _, t := range tasks {
		if !confirmationTask(t) {
			continue
		}
		if t.AnsweredAt.After(date) {
			date = *t.AnsweredAt
		}
		r, err := q.Register(ctx, org.ID, t.RegisterID)
		if err != nil {
			return l, err
		}
		l.Registers = append(l.Registers, letterRegister(t, r, nil))
	}
	l.Date = date
	return l, nil
}

// letterRegister is one task's part of a letter. The owner's comment
// reaches the person only as the reasons of a refusal or a restriction:
// otherwise it is a note to the DPO (the task form says so), and the
// answer's download carried it to the person (found in a walkthrough).
// The owner's texts print in the DPO's version when there is one
// (letter_edit.go, LetterTextFields); the originals stay on the task.
func letterRegister(t store.Task, r store.Register, files []string) pdf.Register {
	comment := LetterText(t, LetterFieldComment)
	if Answer(t.Answer) != AnswerRefused && !t.GuardianRestricted {
		comment = ""
	}
	return pdf.Register{
		Name:               r.Name,
		Lang:               r.Language,
		Right:              t.Right,
		Answer:             t.Answer,
		Ground:             t.AnswerGround,
		Comment:            comment,
		Changes:            LetterText(t, LetterFieldChanges),
		Purpose:            r.Purpose,
		LegalBasis:         r.LegalBasisText,
		BasisCode:          t.LegalBasis,
		DataContent:        r.DataContent,
		Recipients:         r.Recipients,
		ThirdCountries:     registers.Transfers(r.Extra), // Art 15(1)(c), 15(2)
		Automated:          registers.Automated(r.Extra), // Art 15(1)(h)
		Retention:          r.Retention,
		Sources:            r.Sources,
		Extract:            t.ExtractText,
		Files:              files,
		GuardianRestricted: t.GuardianRestricted,
		RecipientsTold:     RecipientLines(LetterText(t, LetterFieldTold)), // Art 19
		ElsewhereName:      r.ElsewhereName,
		ElsewhereContact:   r.ElsewhereContact,
	}
}

// addressLines splits a postal address typed on one line ("Katu 1 A 2,
// 00100 Helsinki") or several into the lines a window envelope shows.
func addressLines(a string) []string {
	a = strings.TrimSpace(a)
	if a == "" {
		return nil
	}
	sep := "\n"
	if !strings.Contains(a, "\n") {
		sep = ","
	}
	var out []string
	for _, p := range strings.Split(a, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	// Posti's addressing rules: the post town after a Finnish postal code
	// in capitals ("00100 HELSINKI").
	if n := len(out); n > 0 && postalLine.MatchString(out[n-1]) {
		out[n-1] = strings.ToUpper(out[n-1])
	}
	return out
}

var postalLine = regexp.MustCompile(`^[0-9]{5} \S`)

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

// senderOrg is who sends the organisation's letters in lang: its name,
// postal address, DPO and appeal text. A postal address written, as
// municipalities write theirs, starting with the organisation's name does
// not print the name twice ("Grankulla stad, Grankulla stad, PB 52").
func senderOrg(org store.Org, lang string) pdf.Org {
	addr := addressLines(org.PostalAddress)
	if len(addr) > 0 && slices.ContainsFunc([]string{org.NameFI, org.NameSV, org.NameEN}, func(n string) bool {
		return n != "" && strings.EqualFold(strings.TrimSpace(n), addr[0])
	}) {
		addr = addr[1:]
	}
	return pdf.Org{Name: org.Name(lang), Address: addr, DPOName: org.DPOName,
		DPOEmail: nonEmpty(org.PrivacyEmail, org.DPOEmail), DPOPhone: org.DPOPhone, AppealText: org.Appeal(lang)}
}

// letterOrg is the sender block of the organisation's letters: its name in
// the letter's language, its postal address, its DPO and, when it has a PNG
// logo, the logo (issue 19; fpdf prints no SVG).
func letterOrg(ctx context.Context, q *store.Q, org store.Org, lang string) pdf.Org {
	o := senderOrg(org, lang)
	if org.LogoType == "png" {
		if b, _, err := q.OrgLogo(ctx, org.ID); err == nil {
			o.Logo, o.LogoType = b, "png"
		}
	}
	return o
}
