package workflow

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

// ImportSummary says what a catalogue import did, or would do in a dry run:
// the registers added, changed (with the fields), unchanged, and those the
// documents no longer list (kept, marked missing).
type ImportSummary = store.ImportSummary

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// ImportCatalogue merges one parsed register description into the
// organisation's catalogue in one transaction (D-3). With dryRun the same
// work is done and its summary returned, then rolled back.
func (s *Service) ImportCatalogue(ctx context.Context, orgID int64, res *registers.Result, dryRun bool) (ImportSummary, error) {
	return s.ImportDocuments(ctx, orgID, []*registers.Result{res}, dryRun)
}

// ImportDocuments is ImportCatalogue for several documents at once: all
// of them in one transaction, or none.
func (s *Service) ImportDocuments(ctx context.Context, orgID int64, docs []*registers.Result, dryRun bool) (ImportSummary, error) {
	var sum ImportSummary
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		var err error
		sum, err = ImportTx(ctx, q, s.Keys, orgID, docs, ActorSystem, s.Now())
		if err == nil && dryRun {
			return errDryRun
		}
		return err
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return sum, err
}

// ImportTx merges the documents into the organisation's catalogue with q,
// which must be bound to the caller's transaction, and appends an
// organisation-level audit event. Registers of a document are matched on
// their normalised name (D-3); a register the documents no longer list is
// marked missing from its source, not deleted. The documents' source files
// (registers.Options.SourceFile) identify them across imports.
func ImportTx(ctx context.Context, q *store.Q, keys store.AuditKeys, orgID int64, docs []*registers.Result, actor Actor, now time.Time) (ImportSummary, error) {
	var files []string
	var in []store.RegisterInput
	for _, d := range docs {
		if d == nil {
			continue
		}
		for _, r := range d.Registers {
			// A document without a name cannot be recognised again, so it
			// marks nothing missing (registers entered by hand have none).
			if r.SourceFile != "" && !slices.Contains(files, r.SourceFile) {
				files = append(files, r.SourceFile)
			}
			in = append(in, RegisterInput(r, d.Format))
		}
	}
	sum, err := q.ImportRegisters(ctx, orgID, files, in, now)
	if err != nil {
		return sum, fmt.Errorf("importing the catalogue: %w", err)
	}
	// A basis the documents now give reaches the open tasks (D-11).
	if err := followRegisterBasis(ctx, q, keys, orgID, 0, actor, now); err != nil {
		return sum, err
	}
	err = q.AppendAudit(ctx, keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "catalogue_imported", At: now,
		Data: map[string]any{
			"files": files, "added": len(sum.Added), "changed": len(sum.Changed),
			"unchanged": len(sum.Unchanged), "missing": len(sum.Missing), "skipped": len(sum.Skipped),
		}})
	return sum, err
}

// RegisterInput maps an imported register to the store's input. Published
// text is kept as published (D-4, D-5); the unit named in the controller
// text becomes the register's unit.
func RegisterInput(r registers.Register, format registers.Format) store.RegisterInput {
	lang := r.Language
	if lang != "sv" {
		lang = "fi"
	}
	basis := r.LegalBasis
	if !ValidBasis(basis) {
		basis = string(BasisUnknown)
	}
	return store.RegisterInput{
		NormName: registers.NormalizeName(r.Name), Name: r.Name, Language: lang, Purpose: r.Purpose,
		ControllerText: r.Controller, Unit: r.Unit, ContactText: r.Contact, LegalBasis: basis,
		LegalBasisText: r.LegalBasisText, DataContent: r.DataContent, Sources: r.Sources,
		Recipients: r.Recipients, Retention: r.Retention, Systems: r.Systems, DataStore: r.DataStore, Sector: r.Sector,
		Extra: r.Extra, Warnings: r.Warnings, SourceFile: r.SourceFile, SourceRow: r.SourceRow,
		SourceFormat: string(format),
	}
}

// ValidBasis reports whether b is one of Bases.
func ValidBasis(b string) bool { return slices.Contains(Bases, Basis(b)) }

// RegisterEdit is the DPO's edit of a register: the fields an import never
// overwrites once edited (D-3), the owner (D-11) and the new controller
// when the register has moved (D-7, RD-2).
type RegisterEdit struct {
	Name                string
	OwnerName           string
	OwnerEmail          string
	LegalBasis          string
	ControllerElsewhere bool
	ElsewhereName       string
	ElsewhereContact    string
	Notes               string
	// The privacy notice's texts that the access answer quotes (legal.md
	// section 3): the purposes (Art 15(1)(a)), the personal data
	// (15(1)(b)), the disclosures and recipients (15(1)(c); owners see
	// them when they answer under Art 19), how long the data is kept
	// (15(1)(d)) and where it comes from (15(1)(g)). The DPO's text where
	// an import found none or a wrong one: the case page lists what an
	// answer lacks and sends the DPO here to fill it in.
	Purpose, DataContent, Recipients, Retention, Sources string
	// DataStore is the DPO's answer to a data store's "may hold no
	// personal data" (unticked once checked that it holds some); nil when
	// the form did not ask (the register is no data store).
	DataStore *bool
	// Unit is the DPO's choice of the register's responsible unit (an
	// import may have named a wrong one); nil keeps the unit as it is.
	Unit *UnitChoice
}

// UnitChoice is a register's responsible unit as the DPO chooses it: one
// of the organisation's units (ID), a new one (NewUnit with its Name), or
// none (zero).
type UnitChoice struct {
	ID      int64
	NewUnit bool
	Name    string
}

// Field limits of RegisterEdit (characters).
const (
	maxRegisterText  = 500
	maxRegisterNotes = 4000
)

// Validate checks the edit; the errors are keyed by form field with
// message keys of the catalogue locale.
func (e *RegisterEdit) Validate() FieldErrors {
	e.Name = strings.TrimSpace(e.Name)
	e.OwnerName = strings.TrimSpace(e.OwnerName)
	e.OwnerEmail = strings.TrimSpace(e.OwnerEmail)
	e.LegalBasis = strings.TrimSpace(e.LegalBasis)
	e.ElsewhereName = strings.TrimSpace(e.ElsewhereName)
	e.ElsewhereContact = strings.TrimSpace(e.ElsewhereContact)
	e.Notes = strings.TrimSpace(e.Notes)
	for _, t := range e.texts() {
		*t.value = strings.TrimSpace(*t.value)
	}
	fe := FieldErrors{}
	if e.Name == "" {
		fe.Add("name", "catalogue.error.name_required")
	}
	if e.OwnerEmail != "" && !ValidEmail(e.OwnerEmail) {
		fe.Add("owner_email", "catalogue.error.email")
	}
	if !ValidBasis(e.LegalBasis) {
		fe.Add("legal_basis", "catalogue.error.basis")
	}
	if e.ControllerElsewhere {
		// D-7: the requester is told where to turn, so both are needed.
		if e.ElsewhereName == "" {
			fe.Add("elsewhere_name", "catalogue.error.elsewhere_name")
		}
		if e.ElsewhereContact == "" {
			fe.Add("elsewhere_contact", "catalogue.error.elsewhere_contact")
		}
	}
	if u := e.Unit; u != nil && u.NewUnit {
		u.Name = strings.TrimSpace(u.Name)
		switch {
		case u.Name == "":
			fe.Add("unit_new", "catalogue.error.unit_new")
		case utf8.RuneCountInString(u.Name) > maxRegisterText:
			fe.Add("unit_new", "catalogue.error.too_long")
		}
	}
	for field, v := range map[string]string{"name": e.Name, "owner_name": e.OwnerName, "owner_email": e.OwnerEmail,
		"elsewhere_name": e.ElsewhereName, "elsewhere_contact": e.ElsewhereContact} {
		if utf8.RuneCountInString(v) > maxRegisterText {
			fe.Add(field, "catalogue.error.too_long")
		}
	}
	for _, t := range append(e.texts(), registerText{"notes", &e.Notes}) {
		if utf8.RuneCountInString(*t.value) > maxRegisterNotes {
			fe.Add(t.field, "catalogue.error.too_long")
		}
	}
	return fe
}

// registerText is one of a RegisterEdit's long texts, by its field name.
type registerText struct {
	field string
	value *string
}

// Art15Fields names the privacy notice texts of RegisterEdit in the
// order the access answer gives them: the form's fields and the
// register's edited_fields use these names.
var Art15Fields = []string{"purpose", "data_content", "recipients", "retention", "sources"}

// texts are the Art 15 texts of e in Art15Fields' order.
func (e *RegisterEdit) texts() []registerText {
	return []registerText{{"purpose", &e.Purpose}, {"data_content", &e.DataContent},
		{"recipients", &e.Recipients}, {"retention", &e.Retention}, {"sources", &e.Sources}}
}

// ValidEmail reports whether s is a plain address (local@domain.tld), not
// a display-name form.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".") && !strings.ContainsAny(s, " \t\r\n")
}

// UpdateRegister saves the DPO's edit of a register of orgID. The fields
// whose values change are added to the register's edited fields, so no
// later import overwrites them (D-3); an org-level audit event names them
// (not their values). Invalid input returns FieldErrors; another
// organisation's register is store.ErrNotFound. Saving the same values
// again writes nothing.
func (s *Service) UpdateRegister(ctx context.Context, orgID, registerID int64, actorStaffID int64, changes RegisterEdit) error {
	if fe := changes.Validate(); len(fe) > 0 {
		return fe
	}
	if !changes.ControllerElsewhere {
		changes.ElsewhereName, changes.ElsewhereContact = "", ""
	}
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		old, err := q.RegisterForUpdate(ctx, orgID, registerID)
		if err != nil {
			return err
		}
		var edited []string
		mark := func(field string, changed bool) {
			if changed {
				edited = append(edited, field)
			}
		}
		mark("name", old.Name != changes.Name)
		mark("owner_name", old.OwnerName != changes.OwnerName)
		mark("owner_email", old.OwnerEmail != changes.OwnerEmail)
		mark("legal_basis", old.LegalBasis != changes.LegalBasis)
		mark("controller_elsewhere", old.ControllerElsewhere != changes.ControllerElsewhere)
		mark("elsewhere_name", old.ElsewhereName != changes.ElsewhereName)
		mark("elsewhere_contact", old.ElsewhereContact != changes.ElsewhereContact)
		mark("notes", old.Notes != changes.Notes)
		mark("purpose", old.Purpose != changes.Purpose)
		mark("data_content", old.DataContent != changes.DataContent)
		mark("recipients", old.Recipients != changes.Recipients)
		mark("retention", old.Retention != changes.Retention)
		mark("sources", old.Sources != changes.Sources)
		dataStore := old.DataStore
		if changes.DataStore != nil {
			dataStore = *changes.DataStore
		}
		mark("data_store", old.DataStore != dataStore)
		unitID, err := registerUnit(ctx, q, orgID, old.UnitID, changes.Unit)
		if err != nil {
			return err
		}
		mark("unit", old.UnitID != unitID)
		if len(edited) == 0 {
			return nil
		}
		now := s.Now()
		err = q.EditRegister(ctx, orgID, registerID, store.RegisterEdit{
			Name: changes.Name, OwnerName: changes.OwnerName, OwnerEmail: changes.OwnerEmail,
			LegalBasis: changes.LegalBasis, ControllerElsewhere: changes.ControllerElsewhere,
			ElsewhereName: changes.ElsewhereName, ElsewhereContact: changes.ElsewhereContact, Notes: changes.Notes,
			Purpose: changes.Purpose, DataContent: changes.DataContent, Recipients: changes.Recipients,
			Retention: changes.Retention, Sources: changes.Sources, DataStore: dataStore, UnitID: unitID,
		}, edited, now)
		if err != nil {
			return err
		}
		if slices.Contains(edited, "legal_basis") {
			if err := followRegisterBasis(ctx, q, s.Keys, orgID, registerID, StaffActor(actorStaffID), now); err != nil {
				return err
			}
		}
		// Field names only: owner names and addresses stay out of the trail.
		return q.AppendAudit(ctx, s.Keys, store.AuditEvent{OrgID: orgID, Actor: string(StaffActor(actorStaffID)),
			Action: "register_edited", At: now, Data: map[string]any{"register": registerID, "fields": edited}})
	})
}

// registerUnit is the unit id of the DPO's choice for a register of orgID
// whose unit is now cur: a new unit is added to the organisation's (or is
// the one of that name it has); a unit of another organisation, or one
// since removed, is a FieldErrors on the form's unit.
func registerUnit(ctx context.Context, q *store.Q, orgID, cur int64, u *UnitChoice) (int64, error) {
	switch {
	case u == nil:
		return cur, nil
	case u.NewUnit:
		return q.EnsureUnit(ctx, orgID, u.Name)
	case u.ID == 0 || u.ID == cur:
		return u.ID, nil
	}
	units, err := q.Units(ctx, []int64{orgID})
	if err != nil {
		return 0, err
	}
	if !slices.ContainsFunc(units, func(x store.Unit) bool { return x.ID == u.ID }) {
		return 0, FieldErrors{"unit": "catalogue.error.unit"}
	}
	return u.ID, nil
}

// followRegisterBasis gives the waiting and open tasks whose register's
// legal basis changed in the catalogue (registerID, or every register of
// orgID when 0) the new basis and the answers it allows (RB-1). D-11: the
// task page of a register without a basis sends the owner and the DPO to
// the catalogue to set it before a refusal can cite a ground, so the basis
// set there must reach the task. A right that the new basis does not route
// (D-10: consent withdrawn from a register that turned out not to rest on
// consent) keeps its task as it was. Each task changed is an event of its
// case.
func followRegisterBasis(ctx context.Context, q *store.Q, keys store.AuditKeys, orgID, registerID int64, actor Actor, now time.Time) error {
	off, err := q.OpenTasksOffBasis(ctx, orgID, registerID)
	if err != nil {
		return err
	}
	off = slices.DeleteFunc(off, func(t store.TaskBasis) bool { return !RoutesTo(Right(t.Right), Basis(t.RegisterBasis)) })
	// Case by case (off is in case order): its tasks locked first, then
	// the case, the order of an owner's answer (AnswerTask), so the two
	// wait for each other rather than deadlock.
	for len(off) > 0 {
		n := 1
		for n < len(off) && off[n].CaseID == off[0].CaseID {
			n++
		}
		batch := off[:n]
		off = off[n:]
		ids := make([]int64, len(batch))
		for i, t := range batch {
			ids[i] = t.ID
		}
		if _, err := q.LockTasks(ctx, orgID, ids); err != nil {
			return err
		}
		if _, err := q.CaseForUpdate(ctx, orgID, batch[0].CaseID); err != nil {
			return err
		}
		for _, t := range batch {
			basis := Basis(t.RegisterBasis)
			ok, err := q.SetTaskBasis(ctx, orgID, t.ID, string(basis), answersOf(RuleFor(Right(t.Right), basis)))
			if err != nil {
				return err
			}
			if !ok {
				continue // answered or cancelled meanwhile: it keeps what it was answered under
			}
			if err := q.AppendAudit(ctx, keys, store.AuditEvent{OrgID: orgID, CaseID: t.CaseID, Actor: string(actor), Action: "task_basis_set",
				Data: map[string]any{"task": t.ID, "basis": string(basis)}, At: now}); err != nil {
				return err
			}
		}
	}
	return nil
}
