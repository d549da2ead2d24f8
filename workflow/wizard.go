package workflow

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/registers"
)

// The import wizard (issue 19): a DPO's documents become a draft, the DPO
// renames, drops, adds and merges registers and assigns owners, and
// publishing merges the draft into the catalogue (D-3). The draft is
// stored after every step.

// ImportDraft is what the wizard holds between the steps.
type ImportDraft struct {
	ID        int64           `json:"-"`
	Published bool            `json:"-"`
	Sources   []DraftSource   `json:"sources"`
	Registers []DraftRegister `json:"registers"`
	NextID    int             `json:"next_id"`
	// Result is what publishing did, kept so the page after publishing
	// is an ordinary GET (a reload does not post again).
	Result *PublishSummary `json:"result,omitempty"`
}

// DraftSource is one document given to the wizard and what came of it.
type DraftSource struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Registers int      `json:"registers"`
	Error     string   `json:"error,omitempty"` // message key: the document gave nothing
	Skipped   []string `json:"skipped,omitempty"`
}

// DraftRegister is one register of the draft: as published, with the
// DPO's decisions beside it.
type DraftRegister struct {
	ID       int                `json:"id"`
	R        registers.Register `json:"register"`
	Format   string             `json:"format"`
	Override string             `json:"override,omitempty"` // the DPO's name (D-3)
	Dropped  bool               `json:"dropped,omitempty"`
	Added    bool               `json:"added,omitempty"` // entered by hand
	// MergedInto is the id of the register this one was merged into.
	MergedInto int      `json:"merged_into,omitempty"`
	Aliases    []string `json:"aliases,omitempty"`
	OwnerName  string   `json:"owner_name,omitempty"`
	OwnerEmail string   `json:"owner_email,omitempty"`
	// Known: the catalogue has this register already.
	Known bool `json:"known,omitempty"`
	// SplitFrom is the id of the register this one was split off: it has
	// the same published fields under a name of the DPO's, and its name is
	// its key (D-3), as for a register added by hand.
	SplitFrom int `json:"split_from,omitempty"`
	// OtherController is the controller the document names when it is
	// another body than the organisation (MarkOtherControllers), its
	// first line; not stored, as the organisation's names may change.
	OtherController string `json:"-"`
}

// MarkOtherControllers notes the registers whose document names another
// body as their controller (registers.OtherController): the DPO decides
// whether each is the organisation's at all, or one whose controller is
// elsewhere (D-7). The importer cannot: only the organisation knows.
func (d *ImportDraft) MarkOtherControllers(org store.Org) {
	for i := range d.Registers {
		r := &d.Registers[i]
		if r.Added || !registers.OtherController(r.R.Controller, org.NameFI, org.NameSV, org.NameEN) {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimSpace(r.R.Controller), "\n")
		r.OtherController = strings.TrimSpace(first)
	}
}

// Name is the name the register is published under: the DPO's, else the
// document's.
func (r DraftRegister) Name() string {
	if r.Override != "" {
		return r.Override
	}
	return r.R.Name
}

// Live reports whether the register is published with the draft.
func (r DraftRegister) Live() bool { return !r.Dropped && r.MergedInto == 0 }

// warned reports whether the importer's warnings of the register include
// key (a doubt that says the same would show it twice on the card).
func (r DraftRegister) warned(key string) bool {
	return slices.ContainsFunc(r.R.Warnings, func(w string) bool {
		k, _, ok := registers.WarningMessage(w)
		return ok && k == key
	})
}

// Doubts are message keys of the fields the DPO should check.
func (r DraftRegister) Doubts() []string {
	var out []string
	if r.R.DataStore && !r.warned("importer.warn.data_store") {
		out = append(out, "wizard.doubt.data_store")
	}
	if r.Added {
		return out
	}
	if strings.TrimSpace(r.R.Purpose) == "" {
		out = append(out, "wizard.doubt.purpose")
	}
	if strings.TrimSpace(r.R.Controller) == "" {
		out = append(out, "wizard.doubt.controller")
	}
	if r.R.LegalBasis == "" || r.R.LegalBasis == registers.LegalBasisUnknown {
		out = append(out, "wizard.doubt.legal_basis")
	}
	if strings.TrimSpace(r.R.DataContent) == "" {
		out = append(out, "wizard.doubt.data_content")
	}
	if utf8.RuneCountInString(r.R.Name) > 150 {
		out = append(out, "wizard.doubt.name_long")
	}
	return out
}

// OwnerProposal is a register owner the document names, for the DPO to
// confirm.
type OwnerProposal struct {
	Name, Email string
}

// Proposal is the register owner the document's contact text names with
// their own e-mail address (registers.ProposedOwner), while the register
// has no owner: shown on the card and filled into the owner table the DPO
// downloads, it becomes the owner only when the DPO saves that table.
func (r DraftRegister) Proposal() OwnerProposal {
	if r.Added || r.OwnerName != "" || r.OwnerEmail != "" {
		return OwnerProposal{}
	}
	name, email := registers.ProposedOwner(r.R.Contact)
	return OwnerProposal{Name: name, Email: email}
}

// Field is one recognised field of a register, for the preview.
type Field struct {
	Key   string // message key of its label
	Value string
}

// Fields are the register's recognised, non-empty fields.
func (r DraftRegister) Fields() []Field {
	var out []Field
	add := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, Field{Key: "wizard.field." + k, Value: v})
		}
	}
	add("controller", r.R.Controller)
	add("unit", r.R.Unit)
	add("purpose", r.R.Purpose)
	add("legal_basis", r.R.LegalBasisText)
	add("data_content", r.R.DataContent)
	add("sources", r.R.Sources)
	add("recipients", r.R.Recipients)
	add("retention", r.R.Retention)
	add("systems", r.R.Systems)
	add("contact", r.R.Contact)
	return out
}

// Register returns the draft's register with id.
func (d *ImportDraft) Register(id int) *DraftRegister {
	for i := range d.Registers {
		if d.Registers[i].ID == id {
			return &d.Registers[i]
		}
	}
	return nil
}

// NameOf is the name of the draft's register id ("" when there is none).
func (d *ImportDraft) NameOf(id int) string {
	if r := d.Register(id); r != nil {
		return r.Name()
	}
	return ""
}

// WizardInput is one document as given: a file's bytes, pasted text or a
// fetched page.
type WizardInput struct {
	Name string
	Data []byte
}

// Wizard errors; the api shows each with its message key.
var (
	ErrDraftName       = errors.New("wizard: a register needs a name")
	ErrDraftNoRegister = errors.New("wizard: no such register in the draft")
	ErrDraftPublished  = errors.New("wizard: the draft is published already")
	ErrDraftMergeSelf  = errors.New("wizard: a register cannot be merged into itself")
	ErrDraftNameTaken  = errors.New("wizard: another register of the draft has this name")
)

const maxDraftName = 500

// ParseInputs reads every input into a new draft. A document with no
// registers is reported as skipped, not refused. orgNames are the
// importing organisation's names: a joint register's unit is read from
// its line (registers.Options.OrgNames).
func ParseInputs(ctx context.Context, inputs []WizardInput, xo registers.ExtractOptions, orgNames ...string) *ImportDraft {
	d := &ImportDraft{NextID: 1}
	for _, in := range inputs {
		src := DraftSource{Name: in.Name}
		res, kind, err := registers.ParseDocument(ctx, in.Data, registers.Options{SourceFile: in.Name, OrgNames: orgNames}, xo)
		src.Kind = string(kind)
		switch {
		case errors.Is(err, registers.ErrPDFTool):
			src.Error = "wizard.source.pdf_tool"
		case errors.Is(err, registers.ErrEmpty):
			src.Error = "wizard.source.empty"
		case errors.Is(err, registers.ErrBinary):
			src.Error = "wizard.source.binary"
		case err != nil || res == nil || len(res.Registers) == 0:
			src.Error = "wizard.source.none"
		}
		if res != nil {
			src.Skipped = res.Warnings
		}
		if src.Error == "" {
			src.Registers = len(res.Registers)
			for _, r := range res.Registers {
				d.Registers = append(d.Registers, DraftRegister{ID: d.NextID, R: r, Format: string(res.Format)})
				d.NextID++
			}
		}
		d.Sources = append(d.Sources, src)
	}
	return d
}

// NewImportDraft parses the inputs and stores the draft. The DPO's earlier
// decisions carry over (D-3): a name edited in the catalogue stays, the
// owner is the catalogue's, a register dropped at the last publication is
// dropped again, and a register under a merged name is merged again.
func (s *Service) NewImportDraft(ctx context.Context, orgID int64, actor Actor, staffID int64, inputs []WizardInput, xo registers.ExtractOptions) (int64, error) {
	org, err := store.New(s.Pool).OrgByID(ctx, orgID)
	if err != nil {
		return 0, err
	}
	d := ParseInputs(ctx, inputs, xo, org.NameFI, org.NameSV, org.NameEN)
	var id int64
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		cat, err := q.Registers(ctx, orgID, store.RegisterFilter{IncludeMissing: true})
		if err != nil {
			return err
		}
		byNorm := map[string]store.Register{}
		for _, r := range cat {
			byNorm[r.NormName] = r
		}
		aliases, err := q.RegisterAliases(ctx, orgID)
		if err != nil {
			return err
		}
		aliasOf := map[string]string{} // alias norm -> register norm
		for norm, as := range aliases {
			for _, a := range as {
				aliasOf[registers.NormalizeName(a)] = norm
			}
		}
		dropped := map[string]bool{}
		if last, err := q.LastPublishedDraft(ctx, orgID); err == nil {
			var prev ImportDraft
			if json.Unmarshal(last.Data, &prev) == nil {
				for _, r := range prev.Registers {
					if r.Dropped {
						dropped[registers.NormalizeName(r.R.Name)] = true
					}
				}
				d.resplit(&prev)
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		idByNorm := map[string]int{}
		for i := range d.Registers {
			idByNorm[registers.NormalizeName(d.Registers[i].R.Name)] = d.Registers[i].ID
		}
		for i := range d.Registers {
			r := &d.Registers[i]
			norm := registers.NormalizeName(r.R.Name)
			if old, ok := byNorm[norm]; ok {
				r.Known = true
				if old.Edited("name") && old.Name != r.R.Name {
					r.Override = old.Name
				}
				r.OwnerName, r.OwnerEmail = old.OwnerName, old.OwnerEmail
				r.Aliases = aliases[norm]
			}
			if dropped[norm] {
				r.Dropped = true
			}
			if into, ok := aliasOf[norm]; ok {
				if target, ok := idByNorm[into]; ok && target != r.ID {
					r.MergedInto = target
				}
			}
		}
		data, err := json.Marshal(d)
		if err != nil {
			return err
		}
		id, err = q.InsertDraft(ctx, orgID, staffID, data, s.Now())
		if err != nil {
			return err
		}
		return q.AppendAudit(ctx, s.Keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "import_draft_created", At: s.Now(),
			Data: map[string]any{"draft": id, "documents": len(d.Sources), "registers": len(d.Registers)}})
	})
	return id, err
}

// DiscardImportDraft deletes an unpublished draft the DPO does not want:
// nothing of it was published, so nothing else changes. A published one
// is ErrDraftPublished.
func (s *Service) DiscardImportDraft(ctx context.Context, orgID, id int64, actor Actor) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		row, err := q.DraftForUpdate(ctx, orgID, id)
		if err != nil {
			return err
		}
		if row.PublishedAt != nil {
			return ErrDraftPublished
		}
		if err := q.DeleteOpenDraft(ctx, orgID, id); err != nil {
			return err
		}
		return q.AppendAudit(ctx, s.Keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "import_draft_discarded", At: s.Now(),
			Data: map[string]any{"draft": id}})
	})
}

// ImportDraftOf loads a draft of orgID; another organisation's is
// store.ErrNotFound.
func (s *Service) ImportDraftOf(ctx context.Context, orgID, id int64) (*ImportDraft, error) {
	row, err := store.New(s.Pool).Draft(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	return decodeDraft(row)
}

func decodeDraft(row store.DraftRow) (*ImportDraft, error) {
	d := &ImportDraft{}
	if err := json.Unmarshal(row.Data, d); err != nil {
		return nil, fmt.Errorf("reading import draft %d: %w", row.ID, err)
	}
	d.ID, d.Published = row.ID, row.PublishedAt != nil
	return d, nil
}

// OpenImportDrafts lists the organisation's unpublished drafts.
func (s *Service) OpenImportDrafts(ctx context.Context, orgID int64) ([]*ImportDraft, error) {
	rows, err := store.New(s.Pool).OpenDrafts(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []*ImportDraft
	for _, r := range rows {
		d, err := decodeDraft(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// EditImportDraft applies fn to the stored draft and saves it, in one
// transaction. A published draft is not changed.
func (s *Service) EditImportDraft(ctx context.Context, orgID, id int64, fn func(d *ImportDraft) error) error {
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		row, err := q.DraftForUpdate(ctx, orgID, id)
		if err != nil {
			return err
		}
		d, err := decodeDraft(row)
		if err != nil {
			return err
		}
		if d.Published {
			return ErrDraftPublished
		}
		if err := fn(d); err != nil {
			return err
		}
		data, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return q.SaveDraft(ctx, orgID, id, data, false, s.Now())
	})
}

func cleanName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", ErrDraftName
	}
	if utf8.RuneCountInString(name) > maxDraftName {
		return "", ErrDraftName
	}
	return name, nil
}

// Rename sets the DPO's name of a register; the published name stays its
// key (D-3). The published name itself clears the override.
func (d *ImportDraft) Rename(id int, name string) error {
	r := d.Register(id)
	if r == nil {
		return ErrDraftNoRegister
	}
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	switch {
	case r.Added: // no published name to keep
		r.R.Name, r.Override = name, ""
	case name == r.R.Name:
		r.Override = ""
	default:
		r.Override = name
	}
	return nil
}

// Drop leaves a register out of the catalogue; restore takes it back.
func (d *ImportDraft) Drop(id int, drop bool) error {
	r := d.Register(id)
	if r == nil {
		return ErrDraftNoRegister
	}
	r.Dropped = drop
	if !drop {
		r.MergedInto = 0
	}
	return nil
}

// Add enters a register by hand.
func (d *ImportDraft) Add(name, lang string) error {
	name, err := cleanName(name)
	if err != nil {
		return err
	}
	if d.NextID == 0 {
		d.NextID = len(d.Registers) + 1
	}
	d.Registers = append(d.Registers, DraftRegister{ID: d.NextID, Added: true, Format: "manual",
		R: registers.Register{Name: name, Language: lang, LegalBasis: registers.LegalBasisUnknown}})
	d.NextID++
	return nil
}

// Split splits register id in two: the register keeps its published name
// (the key, D-3) and is shown as first (an override when it differs), and
// a new register called second is added with the same published fields,
// for the DPO to correct in the catalogue. The new register has no owner
// until one is assigned (D-11). A re-import splits the same register
// again (resplit).
func (d *ImportDraft) Split(id int, first, second string) error {
	r := d.Register(id)
	if r == nil || !r.Live() {
		return ErrDraftNoRegister
	}
	first, err := cleanName(first)
	if err != nil {
		return err
	}
	second, err = cleanName(second)
	if err != nil {
		return err
	}
	nf, ns := registers.NormalizeName(first), registers.NormalizeName(second)
	if nf == ns {
		return ErrDraftNameTaken
	}
	for _, o := range d.Registers {
		if !o.Live() {
			continue
		}
		for _, n := range append([]string{o.R.Name, o.Override}, o.Aliases...) {
			if n == "" {
				continue
			}
			if nn := registers.NormalizeName(n); nn == ns || (nn == nf && o.ID != id) {
				return ErrDraftNameTaken
			}
		}
	}
	if err := d.Rename(id, first); err != nil {
		return err
	}
	nr := DraftRegister{ID: d.nextID(), R: r.R, Format: r.Format, SplitFrom: id}
	nr.R.Name = second
	nr.R.Warnings = slices.Clone(r.R.Warnings)
	d.Registers = append(d.Registers, nr)
	return nil
}

func (d *ImportDraft) nextID() int {
	if d.NextID == 0 {
		d.NextID = len(d.Registers) + 1
	}
	for d.Register(d.NextID) != nil {
		d.NextID++
	}
	id := d.NextID
	d.NextID++
	return id
}

// resplit repeats the splits of the last published draft prev (D-3): a
// register prev split off is split off again from the register of the
// same published name, with that register's new fields.
func (d *ImportDraft) resplit(prev *ImportDraft) {
	for _, p := range prev.Registers {
		if p.SplitFrom == 0 {
			continue
		}
		parent := prev.Register(p.SplitFrom)
		for parent != nil && parent.SplitFrom != 0 { // a split of a split
			parent = prev.Register(parent.SplitFrom)
		}
		if parent == nil {
			continue
		}
		norm := registers.NormalizeName(parent.R.Name)
		for i := range d.Registers {
			r := d.Registers[i]
			if r.SplitFrom != 0 || registers.NormalizeName(r.R.Name) != norm {
				continue
			}
			taken := false
			for _, o := range d.Registers {
				if registers.NormalizeName(o.R.Name) == registers.NormalizeName(p.R.Name) {
					taken = true
				}
			}
			if !taken {
				nr := DraftRegister{ID: d.nextID(), R: r.R, Format: r.Format, SplitFrom: r.ID}
				nr.R.Name = p.R.Name
				nr.R.Warnings = slices.Clone(r.R.Warnings)
				d.Registers = append(d.Registers, nr)
			}
			break
		}
	}
}

// Merge merges register from into register into: from is not published,
// and its names become into's aliases.
func (d *ImportDraft) Merge(from, into int) error {
	if from == into {
		return ErrDraftMergeSelf
	}
	f, t := d.Register(from), d.Register(into)
	if f == nil || t == nil || !t.Live() {
		return ErrDraftNoRegister
	}
	for _, n := range append([]string{f.R.Name, f.Override}, f.Aliases...) {
		if n != "" && !slices.Contains(t.Aliases, n) && registers.NormalizeName(n) != registers.NormalizeName(t.R.Name) {
			t.Aliases = append(t.Aliases, n)
		}
	}
	f.MergedInto, f.Aliases = into, nil
	// Registers merged into from follow it.
	for i := range d.Registers {
		if d.Registers[i].MergedInto == from {
			d.Registers[i].MergedInto = into
		}
	}
	return nil
}

// OwnerProblem is one row of an owner table that was not used.
type OwnerProblem struct {
	Line   int
	Name   string // the register name as typed
	Reason string // message key
}

// AssignOwners reads a table "register;owner name;owner email" (also tab
// or comma separated, as a spreadsheet saves it; a header row is skipped)
// and sets the owners of the registers it names, matched by the DPO's
// name, the published name or an alias. It returns the rows it could not
// use and how many registers it changed.
func (d *ImportDraft) AssignOwners(table string) ([]OwnerProblem, int) {
	table = strings.TrimPrefix(table, "\ufeff")
	sep := ';'
	first, _, _ := strings.Cut(table, "\n")
	if !strings.Contains(first, ";") {
		if strings.Contains(first, "\t") {
			sep = '\t'
		} else {
			sep = ','
		}
	}
	cr := csv.NewReader(strings.NewReader(table))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes, cr.TrimLeadingSpace = sep, -1, true, true
	byName := map[string]*DraftRegister{}
	for i := range d.Registers {
		r := &d.Registers[i]
		if !r.Live() {
			continue
		}
		for _, n := range append([]string{r.R.Name, r.Override}, r.Aliases...) {
			if n != "" {
				byName[registers.NormalizeName(n)] = r
			}
		}
	}
	var problems []OwnerProblem
	changed := 0
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			problems = append(problems, OwnerProblem{Line: line, Reason: "wizard.owners.bad_row"})
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if len(rec) == 0 || (len(rec) == 1 && rec[0] == "") {
			continue
		}
		name := rec[0]
		r := byName[registers.NormalizeName(name)]
		if line == 1 && r == nil && (len(rec) < 3 || !ValidEmail(rec[2])) {
			continue // a header row
		}
		if r == nil {
			problems = append(problems, OwnerProblem{Line: line, Name: name, Reason: "wizard.owners.unknown"})
			continue
		}
		var ownerName, email string
		if len(rec) > 1 {
			ownerName = rec[1]
		}
		if len(rec) > 2 {
			email = rec[2]
		}
		if email != "" && !ValidEmail(email) {
			problems = append(problems, OwnerProblem{Line: line, Name: name, Reason: "wizard.owners.email"})
			continue
		}
		if utf8.RuneCountInString(ownerName) > maxRegisterText || utf8.RuneCountInString(email) > maxRegisterText {
			problems = append(problems, OwnerProblem{Line: line, Name: name, Reason: "wizard.owners.too_long"})
			continue
		}
		if r.OwnerName != ownerName || r.OwnerEmail != email {
			r.OwnerName, r.OwnerEmail = ownerName, email
			changed++
		}
	}
	return problems, changed
}

// OwnersCSV is the owner table of the live registers, to fill in and
// upload back: "register;owner name;owner email", its header row in the
// DPO's language (AssignOwners skips it). A register without an owner has
// the owner its document names (Proposal) filled in, for the DPO to check.
func (d *ImportDraft) OwnersCSV(header []string) []byte {
	rows := [][]string{header}
	for _, r := range d.Registers {
		if !r.Live() {
			continue
		}
		name, email := r.OwnerName, r.OwnerEmail
		if p := r.Proposal(); p.Email != "" {
			name, email = p.Name, p.Email
		}
		rows = append(rows, []string{r.Name(), name, email})
	}
	return ownerTable(rows)
}

// CatalogueCSV is the published catalogue as an owner table, its header
// row in lang.
func (s *Service) CatalogueCSV(ctx context.Context, orgID int64, lang string) ([]byte, error) {
	regs, err := store.New(s.Pool).Registers(ctx, orgID, store.RegisterFilter{})
	if err != nil {
		return nil, err
	}
	rows := [][]string{s.OwnerTableHeader(lang)}
	for _, r := range regs {
		rows = append(rows, []string{r.Name, r.OwnerName, r.OwnerEmail})
	}
	return ownerTable(rows), nil
}

// OwnerTableHeader is the owner table's header row in lang.
func (s *Service) OwnerTableHeader(lang string) []string {
	return []string{s.Catalog.T(lang, "wizard.csv.register"), s.Catalog.T(lang, "wizard.csv.owner_name"), s.Catalog.T(lang, "wizard.csv.owner_email")}
}

func ownerTable(rows [][]string) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // spreadsheets read UTF-8 then
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	for _, r := range rows {
		for i, c := range r {
			// A cell a spreadsheet would run as a formula is quoted as text.
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				r[i] = "'" + c
			}
		}
		_ = w.Write(r)
	}
	w.Flush()
	return buf.Bytes()
}

// PublishSummary is what publishing did or, in a dry run, would do.
type PublishSummary struct {
	ImportSummary
	Withdrawn []string `json:"withdrawn"` // registers the DPO dropped that were published before
	NoOwner   int      `json:"no_owner"`  // live registers without an owner email: the DPO's queue (D-11)
}

// PublishImportDraft merges the draft into the catalogue in one
// transaction (D-3): registers are matched on their published names, the
// DPO's names are kept as edits, merged names as aliases, owners set, and
// dropped registers that were published are withdrawn. With dryRun the
// same is done and rolled back, so the preview shows what would change.
func (s *Service) PublishImportDraft(ctx context.Context, org store.Org, id int64, actor Actor, dryRun bool) (PublishSummary, error) {
	var sum PublishSummary
	err := s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		row, err := q.DraftForUpdate(ctx, org.ID, id)
		if err != nil {
			return err
		}
		d, err := decodeDraft(row)
		if err != nil {
			return err
		}
		if d.Published && !dryRun {
			return ErrDraftPublished
		}
		now := s.Now()
		var files []string
		var in []store.RegisterInput
		for _, src := range d.Sources {
			if src.Error == "" && src.Name != "" {
				files = append(files, src.Name)
			}
		}
		for _, r := range d.Registers {
			if !r.Live() {
				continue
			}
			reg := r.R
			if reg.Language == "" {
				reg.Language = org.PrimaryLang
			}
			in = append(in, RegisterInput(reg, registers.Format(r.Format)))
		}
		sum.ImportSummary, err = q.ImportRegisters(ctx, org.ID, files, in, now)
		if err != nil {
			return fmt.Errorf("publishing the import: %w", err)
		}
		// The summary names registers as the DPO named them: the import
		// matches by published name, and the renames follow below.
		renamed := map[string]string{}
		for _, r := range d.Registers {
			if r.Live() && r.Override != "" {
				renamed[r.R.Name] = r.Override
			}
		}
		for i, n := range sum.Added {
			if v, ok := renamed[n]; ok {
				sum.Added[i] = v
			}
		}
		for i := range sum.Changed {
			if v, ok := renamed[sum.Changed[i].Name]; ok {
				sum.Changed[i].Name = v
			}
		}
		for _, r := range d.Registers {
			norm := registers.NormalizeName(r.R.Name)
			if norm == "" {
				continue
			}
			if !r.Live() {
				if !r.Dropped {
					continue
				}
				old, err := q.RegisterByNorm(ctx, org.ID, norm)
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if !old.MissingFromSource {
					sum.Withdrawn = append(sum.Withdrawn, old.Name)
				}
				if err := q.WithdrawRegister(ctx, org.ID, old.ID, now); err != nil {
					return err
				}
				continue
			}
			if r.OwnerEmail == "" {
				sum.NoOwner++
			}
			old, err := q.RegisterByNorm(ctx, org.ID, norm)
			if err != nil {
				return err
			}
			name := r.Name()
			var edited []string
			if old.Name != name {
				edited = append(edited, "name")
			}
			if old.OwnerName != r.OwnerName {
				edited = append(edited, "owner_name")
			}
			if old.OwnerEmail != r.OwnerEmail {
				edited = append(edited, "owner_email")
			}
			if len(edited) > 0 {
				// The rest as it stands (the import just wrote the texts).
				e := old.Edit()
				e.Name, e.OwnerName, e.OwnerEmail = name, r.OwnerName, r.OwnerEmail
				if err := q.EditRegister(ctx, org.ID, old.ID, e, edited, now); err != nil {
					return err
				}
			}
			if len(r.Aliases) > 0 {
				if err := q.SetRegisterAliases(ctx, org.ID, old.ID, r.Aliases); err != nil {
					return err
				}
			}
		}
		// A basis the documents now give reaches the open tasks (D-11).
		if err := followRegisterBasis(ctx, q, s.Keys, org.ID, 0, actor, now); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		d.Result = &sum
		data, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := q.SaveDraft(ctx, org.ID, id, data, true, now); err != nil {
			return err
		}
		// Counts only: register and owner names stay out of the trail.
		return q.AppendAudit(ctx, s.Keys, store.AuditEvent{OrgID: org.ID, Actor: string(actor), Action: "catalogue_imported", At: now,
			Data: map[string]any{
				"draft": id, "files": len(files), "added": len(sum.Added), "changed": len(sum.Changed),
				"unchanged": len(sum.Unchanged), "missing": len(sum.Missing), "withdrawn": len(sum.Withdrawn),
				"no_owner": sum.NoOwner,
			}})
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return sum, err
}

// ---- fetching a published page ----------------------------------------------

// FetchOptions bound the fetch of a published page.
type FetchOptions struct {
	// AllowPrivate lets the fetch reach loopback, private and link-local
	// addresses (tests, or an intranet install that means it).
	AllowPrivate bool
	MaxBytes     int64         // 0: 10 MiB
	Timeout      time.Duration // 0: 20 s
}

// Fetch errors, each shown with its message key.
var (
	ErrFetchScheme   = errors.New("wizard: only http and https addresses can be fetched")
	ErrFetchPrivate  = errors.New("wizard: the address is a private or loopback address")
	ErrFetchTooLarge = errors.New("wizard: the page is too large")
	ErrFetchFailed   = errors.New("wizard: the page could not be fetched")
)

// publicIP reports whether ip is an address on the public internet.
func publicIP(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		// carrier-grade NAT 100.64.0.0/10
		(ip.To4() != nil && ip.To4()[0] == 100 && ip.To4()[1]&0xc0 == 64))
}

// FetchPage fetches a published page for the wizard. The address check is
// made on every connection, after name resolution, so neither a redirect
// nor a name that resolves to a private address reaches inside.
func FetchPage(ctx context.Context, raw string, o FetchOptions) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, ErrFetchScheme
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 10 << 20
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	dialer := &net.Dialer{Timeout: o.Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return ErrFetchPrivate
		}
		ip := net.ParseIP(host)
		if ip == nil || (!o.AllowPrivate && !publicIP(ip)) {
			return ErrFetchPrivate
		}
		return nil
	}}
	client := &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: o.Timeout,
			ResponseHeaderTimeout: o.Timeout, MaxResponseHeaderBytes: 64 << 10},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return ErrFetchFailed
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return ErrFetchScheme
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, ErrFetchScheme
	}
	req.Header.Set("User-Agent", "rightsdesk import wizard")
	req.Header.Set("Accept", "text/html, application/pdf, text/plain;q=0.9, */*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		for _, e := range []error{ErrFetchPrivate, ErrFetchScheme} {
			if errors.Is(err, e) {
				return nil, e
			}
		}
		return nil, ErrFetchFailed
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, ErrFetchFailed
	}
	if resp.ContentLength > o.MaxBytes {
		return nil, ErrFetchTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, o.MaxBytes+1))
	if err != nil {
		return nil, ErrFetchFailed
	}
	if int64(len(b)) > o.MaxBytes {
		return nil, ErrFetchTooLarge
	}
	return b, nil
}
