package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Org is an organisation: the legal controller (D-4).
type Org struct {
	ID             int64  `db:"id" json:"-"`
	Slug           string `db:"slug" json:"slug"`
	NameFI         string `db:"name_fi" json:"name_fi"`
	NameSV         string `db:"name_sv" json:"name_sv"`
	PrimaryLang    string `db:"primary_lang" json:"primary_lang"`
	BusinessID     string `db:"business_id" json:"business_id,omitempty"`
	DPOName        string `db:"dpo_name" json:"dpo_name,omitempty"`
	DPOEmail       string `db:"dpo_email" json:"dpo_email,omitempty"`
	PrivacyEmail   string `db:"privacy_email" json:"privacy_email,omitempty"`
	EvesNonWorking bool   `db:"eves_non_working" json:"eves_non_working"`
	// Settings the organisation's DPO edits (issue 19).
	NameEN         string `db:"name_en" json:"name_en,omitempty"`
	Bilingual      bool   `db:"bilingual" json:"bilingual"`
	DPOPhone       string `db:"dpo_phone" json:"dpo_phone,omitempty"`
	PostalAddress  string `db:"postal_address" json:"postal_address,omitempty"`
	A11ySupervisor string `db:"a11y_supervisor" json:"a11y_supervisor,omitempty"`
	RetentionYears int    `db:"retention_years" json:"retention_years"`
	// LogoType is "png", "svg" or "" (no logo). The image itself is read
	// with OrgLogo, not with every organisation.
	LogoType string `db:"logo_type" json:"logo_type,omitempty"`
	// Logo is a new logo to save (ChangeOrg); nil leaves the stored one.
	Logo []byte `db:"-" json:"-"`
	// The organisation's own appeal instructions per language (empty: the
	// default text); see Appeal.
	AppealFI string `db:"appeal_fi" json:"appeal_fi,omitempty"`
	AppealSV string `db:"appeal_sv" json:"appeal_sv,omitempty"`
	AppealEN string `db:"appeal_en" json:"appeal_en,omitempty"`
	// Open: residents can find the organisation and file requests through
	// its form. It opens by itself once its catalogue has a register and
	// its settings have the DPO's address, which residents are shown (Art
	// 37(7)) and where notices about requests go (triage, escalations,
	// answers ready). Until then a new organisation is set up unseen.
	// Read, never stored (orgOpen).
	Open bool `db:"open_to_residents" json:"-"`
	// HasRegisters says which half of Open is there (DPOEmail the other).
	HasRegisters bool `db:"has_registers" json:"-"`
}

// Appeal returns the organisation's own appeal instructions in lang, or ""
// when it has set none in that language: the caller then prints the
// default text in lang, never another language's text.
func (o Org) Appeal(lang string) string {
	switch lang {
	case "sv":
		return o.AppealSV
	case "en":
		return o.AppealEN
	}
	return o.AppealFI
}

// Name returns the organisation's name in lang: sv for Swedish readers,
// otherwise Finnish (English readers see the English name when one is set,
// else the primary language's).
func (o Org) Name(lang string) string {
	if lang == "sv" {
		return o.NameSV
	}
	if lang == "en" && o.NameEN != "" {
		return o.NameEN
	}
	if lang == "en" && o.PrimaryLang == "sv" {
		return o.NameSV
	}
	return o.NameFI
}

// Names returns both names, the organisation's primary language first.
func (o Org) Names() string {
	if o.PrimaryLang == "sv" {
		return o.NameSV + " / " + o.NameFI
	}
	return o.NameFI + " / " + o.NameSV
}

const orgCols = `id, slug, name_fi, name_sv, primary_lang, business_id, dpo_name, dpo_email, privacy_email, eves_non_working,
	name_en, bilingual, dpo_phone, postal_address, a11y_supervisor, retention_years, logo_type, appeal_fi, appeal_sv, appeal_en,
	` + orgOpen

// orgOpen computes Org.Open and HasRegisters, the latter an index probe
// (registers_org_source) on the organisation's id.
const orgOpen = `o_reg.has AS has_registers, o_reg.has AND dpo_email <> '' AS open_to_residents`

// orgOpenFrom joins orgOpen's lateral row; it follows "FROM organisations".
const orgOpenFrom = `
	CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM registers r
		WHERE r.org_id = organisations.id AND NOT r.missing_from_source) AS has) o_reg`

// Orgs lists every organisation by slug.
func (q *Q) Orgs(ctx context.Context) ([]Org, error) {
	rows, err := q.db.Query(ctx, `SELECT `+orgCols+` FROM organisations`+orgOpenFrom+` ORDER BY slug`)
	if err != nil {
		return nil, mapErr(err, "listing organisations")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Org])
	return out, mapErr(err, "listing organisations")
}

// OrgBySlug finds an organisation by its URL slug.
func (q *Q) OrgBySlug(ctx context.Context, slug string) (Org, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+orgCols+` FROM organisations`+orgOpenFrom+` WHERE slug = $1`, slug)
	o, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Org])
	return o, mapErr(err, "organisation")
}

// OrgByID finds an organisation by id.
func (q *Q) OrgByID(ctx context.Context, id int64) (Org, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+orgCols+` FROM organisations`+orgOpenFrom+` WHERE id = $1`, id)
	o, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Org])
	return o, mapErr(err, "organisation")
}

// OrgByPrivacyEmail finds the organisation whose inbound address is addr.
func (q *Q) OrgByPrivacyEmail(ctx context.Context, addr string) (Org, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+orgCols+` FROM organisations`+orgOpenFrom+` WHERE privacy_email <> '' AND lower(privacy_email) = lower($1)`, addr)
	o, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[Org])
	return o, mapErr(err, "organisation")
}

// UpsertOrg creates the organisation or updates its names and contacts,
// returning its id.
func (q *Q) UpsertOrg(ctx context.Context, o Org) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO organisations (slug, name_fi, name_sv, primary_lang, business_id, dpo_name, dpo_email, privacy_email, eves_non_working)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (slug) DO UPDATE SET name_fi = EXCLUDED.name_fi, name_sv = EXCLUDED.name_sv,
			primary_lang = EXCLUDED.primary_lang, business_id = EXCLUDED.business_id,
			dpo_name = EXCLUDED.dpo_name, dpo_email = EXCLUDED.dpo_email,
			privacy_email = EXCLUDED.privacy_email, eves_non_working = EXCLUDED.eves_non_working
		RETURNING id`,
		o.Slug, o.NameFI, o.NameSV, o.PrimaryLang, o.BusinessID, o.DPOName, o.DPOEmail, o.PrivacyEmail, o.EvesNonWorking).Scan(&id)
	orgsChanged()
	return id, orgWriteErr(err, "saving organisation")
}

// Heartbeat records that the named periodic job ran at now.
func (q *Q) Heartbeat(ctx context.Context, name string) error {
	_, err := q.db.Exec(ctx, `INSERT INTO heartbeats (name, last_run_at) VALUES ($1, now())
		ON CONFLICT (name) DO UPDATE SET last_run_at = now()`, name)
	return mapErr(err, "heartbeat")
}

// LastHeartbeat returns when the named periodic job last ran.
func (q *Q) LastHeartbeat(ctx context.Context, name string) (t time.Time, err error) {
	err = q.db.QueryRow(ctx, `SELECT last_run_at FROM heartbeats WHERE name = $1`, name).Scan(&t)
	return t, mapErr(err, "heartbeat")
}

// InsertOrg creates a new organisation; an existing slug is ErrConflict
// (slugs are never taken over, unlike UpsertOrg's seed refresh).
func (q *Q) InsertOrg(ctx context.Context, o Org) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO organisations (slug, name_fi, name_sv, primary_lang, business_id, dpo_name, dpo_email, privacy_email, eves_non_working,
			name_en, bilingual, dpo_phone, postal_address, a11y_supervisor, retention_years, appeal_fi, appeal_sv, appeal_en)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
		RETURNING id`,
		o.Slug, o.NameFI, o.NameSV, o.PrimaryLang, o.BusinessID, o.DPOName, o.DPOEmail, o.PrivacyEmail, o.EvesNonWorking,
		o.NameEN, o.Bilingual, o.DPOPhone, o.PostalAddress, o.A11ySupervisor, o.RetentionYears, o.AppealFI, o.AppealSV, o.AppealEN).Scan(&id)
	orgsChanged()
	return id, orgWriteErr(err, "organisation "+o.Slug)
}

// UpdateOrg saves the settings of the organisation o.ID (its slug stays).
func (q *Q) UpdateOrg(ctx context.Context, o Org) error {
	tag, err := q.db.Exec(ctx, `
		UPDATE organisations SET name_fi = $2, name_sv = $3, primary_lang = $4, business_id = $5,
			dpo_name = $6, dpo_email = $7, privacy_email = $8, eves_non_working = $9,
			name_en = $10, bilingual = $11, dpo_phone = $12, postal_address = $13, a11y_supervisor = $14, retention_years = $15,
			appeal_fi = $16, appeal_sv = $17, appeal_en = $18
		WHERE id = $1`,
		o.ID, o.NameFI, o.NameSV, o.PrimaryLang, o.BusinessID, o.DPOName, o.DPOEmail, o.PrivacyEmail, o.EvesNonWorking,
		o.NameEN, o.Bilingual, o.DPOPhone, o.PostalAddress, o.A11ySupervisor, o.RetentionYears, o.AppealFI, o.AppealSV, o.AppealEN)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	orgsChanged()
	return orgWriteErr(err, "organisation")
}

// ErrPrivacyAddressTaken: another organisation receives mail at that
// privacy address. The address routes emailed requests
// (OrgByPrivacyEmail), so two organisations never share one (migration
// 045's organisations_privacy_email_key).
var ErrPrivacyAddressTaken = errors.New("another organisation receives mail at this address")

// orgWriteErr is mapErr for writes of an organisation: a taken privacy
// address is ErrPrivacyAddressTaken, a taken slug ErrConflict.
func orgWriteErr(err error, what string) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "organisations_privacy_email_key" {
		return fmt.Errorf("%s: %w", what, ErrPrivacyAddressTaken)
	}
	return mapErr(err, what)
}

// OrgLogo returns the organisation's logo and its type ("png" or "svg");
// ErrNotFound when it has none.
func (q *Q) OrgLogo(ctx context.Context, id int64) ([]byte, string, error) {
	var b []byte
	var typ string
	err := q.db.QueryRow(ctx, `SELECT logo, logo_type FROM organisations WHERE id = $1 AND logo IS NOT NULL AND logo_type <> ''`, id).Scan(&b, &typ)
	return b, typ, mapErr(err, "organisation logo")
}

// SetOrgLogo replaces the organisation's logo; nil data removes it.
func (q *Q) SetOrgLogo(ctx context.Context, id int64, data []byte, typ string) error {
	if data == nil {
		typ = ""
	}
	_, err := q.db.Exec(ctx, `UPDATE organisations SET logo = $2, logo_type = $3 WHERE id = $1`, id, data, typ)
	orgsChanged()
	return mapErr(err, "organisation logo")
}

// orgsGen counts this process's writes to organisations and api_tokens,
// and to the registers that make an organisation Open.
// The API's short-lived caches of those rows (token -> organisation,
// slug -> organisation; issue 21) keep an entry only while the count is
// the one read before the entry's row was, so a change made in this
// process is seen by its next request. Another process's change (the CLI's
// `token revoke`, another instance) is seen when the entry's TTL ends.
var orgsGen atomic.Uint64

func orgsChanged() { orgsGen.Add(1) }

// OrgsGeneration is the count of this process's writes to organisations
// and API tokens (see orgsGen).
func OrgsGeneration() uint64 { return orgsGen.Load() }
