package store

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Register is one register of an organisation's catalogue. Published text
// is kept verbatim (D-4, D-5); owner_*, notes and the controller-elsewhere
// fields are the DPO's (D-7, D-11).
type Register struct {
	ID             int64             `db:"id"`
	OrgID          int64             `db:"org_id"`
	NormName       string            `db:"norm_name"`
	Name           string            `db:"name"`
	Language       string            `db:"language"`
	Purpose        string            `db:"purpose"`
	ControllerText string            `db:"controller_text"`
	UnitID         int64             `db:"unit_id"` // 0: none
	UnitName       string            `db:"unit_name"`
	ContactText    string            `db:"contact_text"`
	OwnerName      string            `db:"owner_name"`
	OwnerEmail     string            `db:"owner_email"`
	LegalBasis     string            `db:"legal_basis"`
	LegalBasisText string            `db:"legal_basis_text"`
	DataContent    string            `db:"data_content"`
	Sources        string            `db:"sources"`
	Recipients     string            `db:"recipients"`
	Retention      string            `db:"retention"`
	Systems        string            `db:"systems"`
	Sector         string            `db:"sector"`
	Notes          string            `db:"notes"`
	Extra          map[string]string `db:"extra"`
	Warnings       []string          `db:"warnings"`
	SourceFile     string            `db:"source_file"`
	SourceRow      int               `db:"source_row"`
	SourceFormat   string            `db:"source_format"`
	// EditedFields names the fields the DPO changed by hand (D-3).
	EditedFields        []string   `db:"edited_fields"`
	ControllerElsewhere bool       `db:"controller_elsewhere"`
	ElsewhereName       string     `db:"elsewhere_name"`
	ElsewhereContact    string     `db:"elsewhere_contact"`
	MissingFromSource   bool       `db:"missing_from_source"`
	MissingSince        *time.Time `db:"missing_since"`
	CreatedAt           time.Time  `db:"created_at"`
	UpdatedAt           time.Time  `db:"updated_at"`
	// DataStore marks a data store of a document-publicity description
	// (906/2019 §28), which may hold no personal data (issue 19).
	DataStore bool `db:"data_store"`
}

// Edited reports whether the DPO edited field by hand.
func (r Register) Edited(field string) bool { return slices.Contains(r.EditedFields, field) }

const registerCols = `r.id, r.org_id, r.norm_name, r.name, r.language, r.purpose, r.controller_text,
	coalesce(r.unit_id, 0) AS unit_id, coalesce(u.name, '') AS unit_name, r.contact_text,
	r.owner_name, r.owner_email, r.legal_basis, r.legal_basis_text, r.data_content, r.sources,
	r.recipients, r.retention, r.systems, r.sector, r.notes, r.extra, r.warnings, r.source_file,
	r.source_row, r.source_format, r.edited_fields, r.controller_elsewhere, r.elsewhere_name,
	r.elsewhere_contact, r.missing_from_source, r.missing_since, r.created_at, r.updated_at, r.data_store`

const registerFrom = ` FROM registers r LEFT JOIN units u ON u.id = r.unit_id AND u.org_id = r.org_id`

// RegisterCounts returns the number of registers per organisation id.
func (q *Q) RegisterCounts(ctx context.Context) (map[int64]int, error) {
	rows, err := q.db.Query(ctx, `SELECT org_id, count(*)::int FROM registers WHERE NOT missing_from_source GROUP BY org_id`)
	return collectMap[int64, int](rows, err, "counting registers")
}

// RegisterFilter narrows Registers.
type RegisterFilter struct {
	// Query searches the published text the way residents ask (issue 15,
	// register_search.go): inflected forms, parts of compound words and
	// everyday words of the curated list, in either published language.
	Query string
	// Lang is the language of the page searched from ("fi", "sv", "en");
	// it picks the stemmer of the typed words ("" and "en": both).
	Lang string
	// NoOwner keeps only registers without an owner email (D-11).
	NoOwner bool
	// IncludeMissing also lists registers the latest import of their
	// source document no longer lists.
	IncludeMissing bool
}

// Registers lists an organisation's registers ordered by sector, unit and
// name.
func (q *Q) Registers(ctx context.Context, orgID int64, f RegisterFilter) ([]Register, error) {
	sql, args, none, err := q.registersQuery(ctx, orgID, f)
	if err != nil {
		return nil, err
	}
	if none {
		return []Register{}, nil
	}
	rows, err := q.db.Query(ctx, sql, args...)
	if err != nil {
		return nil, mapErr(err, "listing registers")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Register])
	return out, mapErr(err, "listing registers")
}

// ExplainRegisters returns PostgreSQL's plan of Registers for f (tests
// check that a search reads the trigram index).
func (q *Q) ExplainRegisters(ctx context.Context, orgID int64, f RegisterFilter) (string, error) {
	sql, args, _, err := q.registersQuery(ctx, orgID, f)
	if err != nil {
		return "", err
	}
	rows, err := q.db.Query(ctx, "EXPLAIN "+sql, args...)
	if err != nil {
		return "", mapErr(err, "explain registers")
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), mapErr(err, "explain registers")
}

// registersQuery is the SQL of Registers; none means that no register can
// match (a query of punctuation only).
func (q *Q) registersQuery(ctx context.Context, orgID int64, f RegisterFilter) (sql string, args []any, none bool, err error) {
	groups, err := q.searchGroups(ctx, f.Query, f.Lang)
	if err != nil {
		return "", nil, false, err
	}
	if len(groups) == 0 && strings.TrimSpace(f.Query) != "" {
		return "", nil, true, nil
	}
	search, args := "", []any{orgID, f.NoOwner, f.IncludeMissing}
	if len(groups) > 0 {
		var more []any
		search, more = searchWhere(groups, len(args)+1)
		search = "\n\t\t  AND " + search
		args = append(args, more...)
	}
	return `SELECT ` + registerCols + registerFrom + `
		WHERE r.org_id = $1
		  AND (NOT $2 OR r.owner_email = '')
		  AND ($3 OR NOT r.missing_from_source)` + search + `
		ORDER BY r.sector, unit_name, lower(r.name), r.id`, args, false, nil
}

// likeEscape quotes the LIKE wildcards of s (backslash is the default
// escape character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Register returns one register of the organisation; another
// organisation's id is ErrNotFound.
func (q *Q) Register(ctx context.Context, orgID, id int64) (Register, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+` WHERE r.org_id = $1 AND r.id = $2`, orgID, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Register])
	return r, mapErr(err, "register")
}

// RegisterForUpdate is Register with the row locked until the transaction
// ends.
func (q *Q) RegisterForUpdate(ctx context.Context, orgID, id int64) (Register, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+` WHERE r.org_id = $1 AND r.id = $2 FOR UPDATE OF r`, orgID, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Register])
	return r, mapErr(err, "register")
}

// RegisterInOrgs returns the register id if it belongs to one of orgIDs
// (a staff member's organisations); otherwise ErrNotFound.
func (q *Q) RegisterInOrgs(ctx context.Context, orgIDs []int64, id int64) (Register, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+` WHERE r.org_id = ANY($1) AND r.id = $2`, orgIDs, id)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Register])
	return r, mapErr(err, "register")
}

// EnsureUnit finds the organisation's unit called name, creating it when
// missing, and returns its id.
func (q *Q) EnsureUnit(ctx context.Context, orgID int64, name string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO units (org_id, name) VALUES ($1, $2)
		ON CONFLICT (org_id, name) DO UPDATE SET name = EXCLUDED.name
		RETURNING id`, orgID, name).Scan(&id)
	return id, mapErr(err, "saving unit")
}

// RegisterEdit holds the fields the DPO edits by hand (D-3, D-7, D-11).
type RegisterEdit struct {
	Name                string
	OwnerName           string
	OwnerEmail          string
	LegalBasis          string
	ControllerElsewhere bool
	ElsewhereName       string
	ElsewhereContact    string
	Notes               string
	Purpose             string
	DataContent         string
	Recipients          string
	Retention           string
	Sources             string
	DataStore           bool
	// UnitID is the register's responsible unit, one of its
	// organisation's (0: none).
	UnitID int64
}

// Edit is r's hand-editable fields as they stand: a caller that changes a
// few starts from it, as EditRegister writes every field.
func (r Register) Edit() RegisterEdit {
	return RegisterEdit{
		Name: r.Name, OwnerName: r.OwnerName, OwnerEmail: r.OwnerEmail, LegalBasis: r.LegalBasis,
		ControllerElsewhere: r.ControllerElsewhere, ElsewhereName: r.ElsewhereName, ElsewhereContact: r.ElsewhereContact,
		Notes: r.Notes, Purpose: r.Purpose, DataContent: r.DataContent, Recipients: r.Recipients,
		Retention: r.Retention, Sources: r.Sources, DataStore: r.DataStore, UnitID: r.UnitID,
	}
}

// EditRegister saves the DPO's fields and adds edited to the register's
// edited_fields, so imports leave them alone from now on (D-3). The
// normalised name is kept: it is the published name's identity.
func (q *Q) EditRegister(ctx context.Context, orgID, id int64, e RegisterEdit, edited []string, now time.Time) error {
	if edited == nil {
		edited = []string{}
	}
	tag, err := q.db.Exec(ctx, `
		UPDATE registers SET name = $3, owner_name = $4, owner_email = $5, legal_basis = $6,
			controller_elsewhere = $7, elsewhere_name = $8, elsewhere_contact = $9, notes = $10,
			edited_fields = ARRAY(SELECT DISTINCT f FROM unnest(edited_fields || $11::text[]) AS f ORDER BY f),
			updated_at = $12, recipients = $13, data_store = $14, purpose = $15, data_content = $16,
			retention = $17, sources = $18, unit_id = nullif($19, 0)
		WHERE org_id = $1 AND id = $2`,
		orgID, id, e.Name, e.OwnerName, e.OwnerEmail, e.LegalBasis, e.ControllerElsewhere,
		e.ElsewhereName, e.ElsewhereContact, e.Notes, edited, now, e.Recipients, e.DataStore,
		e.Purpose, e.DataContent, e.Retention, e.Sources, e.UnitID)
	if err != nil {
		return mapErr(err, "saving register")
	}
	if tag.RowsAffected() == 0 {
		return mapErr(pgx.ErrNoRows, "register")
	}
	return nil
}

// FillOwner sets the owner of a register that has none. It marks nothing
// as edited (the seed's demo owners use it).
func (q *Q) FillOwner(ctx context.Context, orgID, id int64, name, email string) error {
	_, err := q.db.Exec(ctx, `UPDATE registers SET owner_name = $3, owner_email = $4
		WHERE org_id = $1 AND id = $2 AND owner_email = ''`, orgID, id, name, email)
	return mapErr(err, "saving register owner")
}

// RegisterInput is one register as an import reads it from a published
// document.
type RegisterInput struct {
	// NormName is the identity within the organisation (D-3); the caller
	// normalises the published name.
	NormName       string
	Name           string
	Language       string
	Purpose        string
	ControllerText string
	Unit           string
	ContactText    string
	LegalBasis     string
	LegalBasisText string
	DataContent    string
	Sources        string
	Recipients     string
	Retention      string
	Systems        string
	DataStore      bool
	Sector         string
	Extra          map[string]string
	Warnings       []string
	SourceFile     string
	SourceRow      int
	SourceFormat   string
}

// ImportSummary says what an import did (or, in a dry run, would do).
type ImportSummary struct {
	Added     []string         `json:"added"`
	Changed   []RegisterChange `json:"changed"`
	Unchanged []string         `json:"unchanged"`
	// Missing lists the registers of the imported documents that the
	// documents no longer list; they are kept, marked missing_from_source.
	Missing []string `json:"missing_from_document"`
	// Skipped lists registers read twice in one import (same normalised
	// name); the first one counts.
	Skipped []string `json:"skipped"`
}

// RegisterChange is one changed register and the fields that changed.
type RegisterChange struct {
	ID     int64    `json:"id"`
	Name   string   `json:"name"`
	Fields []string `json:"fields"`
}

// ImportRegisters merges the registers read from the documents
// sourceFiles into the organisation's catalogue. It must run inside a
// transaction (the caller's: one import, one transaction).
//
//   - D-3: registers are matched on (org_id, norm_name). New ones are
//     inserted; changed ones are updated except for the fields the DPO
//     edited by hand; unchanged ones are not written at all.
//   - A register of one of sourceFiles that the import does not list is
//     marked missing_from_source, never deleted (tasks reference it); one
//     that comes back is unmarked.
//   - Where a document says something is provenance (file, row, format,
//     the importer's warnings): it is kept current but is not a change.
func (q *Q) ImportRegisters(ctx context.Context, orgID int64, sourceFiles []string, in []RegisterInput, now time.Time) (ImportSummary, error) {
	sum := ImportSummary{Added: []string{}, Changed: []RegisterChange{}, Unchanged: []string{}, Missing: []string{}, Skipped: []string{}}
	// Two imports of one organisation at once would race on new names.
	if _, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock(7262, $1::int)`, int32(orgID%(1<<31))); err != nil {
		return sum, mapErr(err, "import lock")
	}
	rows, _ := q.db.Query(ctx, `SELECT `+registerCols+registerFrom+` WHERE r.org_id = $1 ORDER BY r.id FOR UPDATE OF r`, orgID)
	existing, err := pgx.CollectRows(rows, pgx.RowToStructByName[Register])
	if err != nil {
		return sum, mapErr(err, "reading the catalogue")
	}
	byNorm := make(map[string]*Register, len(existing))
	for i := range existing {
		byNorm[existing[i].NormName] = &existing[i]
	}
	units := map[string]int64{}
	unitID := func(name string) (int64, error) {
		if name == "" {
			return 0, nil
		}
		if id, ok := units[name]; ok {
			return id, nil
		}
		id, err := q.EnsureUnit(ctx, orgID, name)
		units[name] = id
		return id, err
	}
	seen := map[string]bool{}
	unitMoved := false
	for _, r := range in {
		if r.NormName == "" {
			continue
		}
		if seen[r.NormName] {
			sum.Skipped = append(sum.Skipped, r.Name)
			continue
		}
		seen[r.NormName] = true
		if r.LegalBasis == "" {
			r.LegalBasis = "unknown"
		}
		if r.Extra == nil {
			r.Extra = map[string]string{}
		}
		if r.Warnings == nil {
			r.Warnings = []string{}
		}
		old, ok := byNorm[r.NormName]
		if ok && old.Edited("unit") {
			r.Unit = old.UnitName // D-3: the unit the DPO chose stays
		}
		uid, err := unitID(r.Unit)
		if err != nil {
			return sum, err
		}
		if !ok {
			if err := q.insertRegister(ctx, orgID, r, uid, now); err != nil {
				return sum, err
			}
			sum.Added = append(sum.Added, r.Name)
			continue
		}
		// D-3: what the DPO fixed by hand stays.
		if old.Edited("name") {
			r.Name = old.Name
		}
		if old.Edited("legal_basis") {
			r.LegalBasis = old.LegalBasis
		}
		// The Art 15 texts the DPO wrote (the access answer quotes them).
		for _, f := range []struct {
			name     string
			dst, src *string
		}{
			{"purpose", &r.Purpose, &old.Purpose}, {"data_content", &r.DataContent, &old.DataContent},
			{"recipients", &r.Recipients, &old.Recipients}, {"retention", &r.Retention, &old.Retention},
			{"sources", &r.Sources, &old.Sources},
		} {
			if old.Edited(f.name) {
				*f.dst = *f.src
			}
		}
		if old.Edited("data_store") {
			r.DataStore = old.DataStore // checked by the DPO
		}
		fields := changedFields(*old, r)
		provenance := old.SourceFile != r.SourceFile || old.SourceRow != r.SourceRow ||
			old.SourceFormat != r.SourceFormat || !slices.Equal(old.Warnings, r.Warnings)
		switch {
		case len(fields) > 0:
			if err := q.updateImported(ctx, orgID, old.ID, r, uid, now); err != nil {
				return sum, err
			}
			sum.Changed = append(sum.Changed, RegisterChange{ID: old.ID, Name: r.Name, Fields: fields})
			unitMoved = unitMoved || slices.Contains(fields, "unit")
		case provenance:
			if _, err := q.db.Exec(ctx, `UPDATE registers SET source_file = $3, source_row = $4, source_format = $5, warnings = $6
				WHERE org_id = $1 AND id = $2`, orgID, old.ID, r.SourceFile, r.SourceRow, r.SourceFormat, r.Warnings); err != nil {
				return sum, mapErr(err, "updating register")
			}
			sum.Unchanged = append(sum.Unchanged, r.Name)
		default:
			sum.Unchanged = append(sum.Unchanged, r.Name)
		}
	}
	for _, old := range existing {
		if seen[old.NormName] || !slices.Contains(sourceFiles, old.SourceFile) {
			continue
		}
		sum.Missing = append(sum.Missing, old.Name)
		if old.MissingFromSource {
			continue
		}
		if _, err := q.db.Exec(ctx, `UPDATE registers SET missing_from_source = true, missing_since = $3, updated_at = $3
			WHERE org_id = $1 AND id = $2`, orgID, old.ID, now); err != nil {
			return sum, mapErr(err, "marking register missing")
		}
		orgsChanged() // its registers make an organisation Open
	}
	if unitMoved {
		// The registers trigger wrote a -1 and a +1 delta row per open
		// case of a moved register and right: tens of thousands at 1M,
		// which every unit-filtered page summed until the next sweep
		// (docs/scale.md 21: 2x its folded time). Fold them now, in this
		// transaction, so the import commits them already folded.
		if _, err := q.compactMaintained(ctx, orgID, time.Time{}, "open_unit_counts"); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// changedFields lists the published fields in which r differs from old.
func changedFields(old Register, r RegisterInput) []string {
	var out []string
	add := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	add("name", old.Name != r.Name)
	add("language", old.Language != r.Language)
	add("purpose", old.Purpose != r.Purpose)
	add("controller_text", old.ControllerText != r.ControllerText)
	add("unit", old.UnitName != r.Unit)
	add("contact_text", old.ContactText != r.ContactText)
	add("legal_basis", old.LegalBasis != r.LegalBasis)
	add("legal_basis_text", old.LegalBasisText != r.LegalBasisText)
	add("data_content", old.DataContent != r.DataContent)
	add("sources", old.Sources != r.Sources)
	add("recipients", old.Recipients != r.Recipients)
	add("retention", old.Retention != r.Retention)
	add("systems", old.Systems != r.Systems)
	add("data_store", old.DataStore != r.DataStore)
	add("sector", old.Sector != r.Sector)
	add("extra", !maps.Equal(nonNil(old.Extra), nonNil(r.Extra)))
	add("missing_from_source", old.MissingFromSource)
	return out
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func (q *Q) insertRegister(ctx context.Context, orgID int64, r RegisterInput, unitID int64, now time.Time) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO registers (org_id, norm_name, name, language, purpose, controller_text, unit_id,
			contact_text, legal_basis, legal_basis_text, data_content, sources, recipients, retention,
			systems, sector, extra, warnings, source_file, source_row, source_format, created_at, updated_at, data_store)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23)`,
		orgID, r.NormName, r.Name, r.Language, r.Purpose, r.ControllerText, nullID(unitID),
		r.ContactText, r.LegalBasis, r.LegalBasisText, r.DataContent, r.Sources, r.Recipients, r.Retention,
		r.Systems, r.Sector, r.Extra, r.Warnings, r.SourceFile, r.SourceRow, r.SourceFormat, now, r.DataStore)
	orgsChanged() // its registers make an organisation Open
	return mapErr(err, "adding register")
}

func (q *Q) updateImported(ctx context.Context, orgID, id int64, r RegisterInput, unitID int64, now time.Time) error {
	_, err := q.db.Exec(ctx, `
		UPDATE registers SET name = $3, language = $4, purpose = $5, controller_text = $6, unit_id = $7,
			contact_text = $8, legal_basis = $9, legal_basis_text = $10, data_content = $11, sources = $12,
			recipients = $13, retention = $14, systems = $15, sector = $16, extra = $17, warnings = $18,
			source_file = $19, source_row = $20, source_format = $21,
			missing_from_source = false, missing_since = NULL, updated_at = $22, data_store = $23
		WHERE org_id = $1 AND id = $2`,
		orgID, id, r.Name, r.Language, r.Purpose, r.ControllerText, nullID(unitID),
		r.ContactText, r.LegalBasis, r.LegalBasisText, r.DataContent, r.Sources, r.Recipients, r.Retention,
		r.Systems, r.Sector, r.Extra, r.Warnings, r.SourceFile, r.SourceRow, r.SourceFormat, now, r.DataStore)
	orgsChanged() // a register back in its source may open an organisation
	return mapErr(err, "updating register")
}
