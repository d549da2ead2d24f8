package workflow

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/store"
)

// Organisations are the controllers (D-4). Any municipality can be set up
// (issue 19): these are the rules every way of creating or changing one
// shares, the CLI today and the platform administrator's pages later.

// slugRe: lower-case letters, digits and single hyphens inside, 2-40
// characters. The slug stands in every public URL (/fi/o/SLUG/).
var slugRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9]){1,39}$`)

// ValidSlug reports whether s can be an organisation's slug.
func ValidSlug(s string) bool { return len(s) <= 40 && slugRe.MatchString(s) }

var businessIDRe = regexp.MustCompile(`^([0-9]{7})-([0-9])$`)

// ValidBusinessID checks a Finnish business id (y-tunnus, FO-nummer)
// "1234567-8" with its check digit: the digits weighted 7 9 10 5 8 4 2,
// the sum modulo 11; remainder 0 gives 0, remainder 1 is never issued,
// otherwise the check digit is 11 minus the remainder.
func ValidBusinessID(s string) bool {
	m := businessIDRe.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	weights := [7]int{7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(m[1][i]-'0') * w
	}
	check := int(m[2][0] - '0')
	switch r := sum % 11; r {
	case 0:
		return check == 0
	case 1:
		return false
	default:
		return check == 11-r
	}
}

// OrgFieldError names the setting that is wrong and why.
type OrgFieldError struct{ Field, Reason string }

func (e *OrgFieldError) Error() string { return e.Field + ": " + e.Reason }

// ErrSlugTaken is returned when a new organisation's slug is in use.
var ErrSlugTaken = errors.New("that slug is already in use; slugs are never reused")

// CheckOrg normalises and validates an organisation's settings; the error
// is the first fault (CheckOrgFields lists them all).
func CheckOrg(o *store.Org) error {
	if errs := CheckOrgFields(o); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// MinRetentionYears is the shortest retention of closed cases (D-28).
const MinRetentionYears = 2

// CheckOrgFields normalises an organisation's settings and returns every
// fault, in the order of the settings. A new Logo is cleaned (CleanLogo).
func CheckOrgFields(o *store.Org) []*OrgFieldError {
	o.Slug = strings.TrimSpace(o.Slug)
	o.NameFI = strings.TrimSpace(o.NameFI)
	o.NameSV = strings.TrimSpace(o.NameSV)
	o.NameEN = strings.TrimSpace(o.NameEN)
	o.BusinessID = strings.TrimSpace(o.BusinessID)
	o.DPOName = strings.TrimSpace(o.DPOName)
	o.DPOPhone = strings.TrimSpace(o.DPOPhone)
	o.DPOEmail = NormEmail(o.DPOEmail)
	o.PrivacyEmail = NormEmail(o.PrivacyEmail)
	o.PostalAddress = cleanLines(o.PostalAddress)
	o.A11ySupervisor = cleanLines(o.A11ySupervisor)
	o.AppealFI, o.AppealSV, o.AppealEN = cleanParagraphs(o.AppealFI), cleanParagraphs(o.AppealSV), cleanParagraphs(o.AppealEN)
	if o.RetentionYears == 0 {
		o.RetentionYears = MinRetentionYears // D-28's default
	}
	var out []*OrgFieldError
	add := func(field, reason string) { out = append(out, &OrgFieldError{field, reason}) }
	if !ValidSlug(o.Slug) {
		add("slug", "use 2-40 lower-case letters a-z, digits and single hyphens inside (e.g. vaasa or pedersoren-kunta)")
	}
	if o.NameFI == "" || len(o.NameFI) > 200 {
		add("name-fi", "the Finnish name is required (at most 200 characters)")
	}
	if o.NameSV == "" || len(o.NameSV) > 200 {
		add("name-sv", "the Swedish name is required (at most 200 characters; the same as the Finnish one if the organisation has none)")
	}
	if len(o.NameEN) > 200 {
		add("name-en", "at most 200 characters")
	}
	if o.PrimaryLang != "fi" && o.PrimaryLang != "sv" {
		add("primary", "the primary language is fi or sv")
	}
	if o.BusinessID != "" && !ValidBusinessID(o.BusinessID) {
		add("business-id", "not a valid business id (y-tunnus, 1234567-8 with its check digit)")
	}
	if len(o.DPOName) > 200 {
		add("dpo-name", "at most 200 characters")
	}
	if o.DPOEmail != "" && !ValidEmail(o.DPOEmail) {
		add("dpo-email", "not an email address")
	}
	if len(o.DPOPhone) > 40 || strings.Trim(o.DPOPhone, "+0123456789 -()") != "" {
		add("dpo-phone", "a telephone number: digits, spaces, + - ( ), at most 40 characters")
	}
	if o.PrivacyEmail != "" && !ValidEmail(o.PrivacyEmail) {
		add("privacy-email", "not an email address")
	}
	if len(o.PostalAddress) > 400 || strings.Count(o.PostalAddress, "\n") > 5 {
		add("postal-address", "at most 6 lines and 400 characters")
	}
	if len(o.A11ySupervisor) > 1000 {
		add("a11y-supervisor", "at most 1000 characters")
	}
	for _, a := range []struct{ field, text string }{{"appeal-fi", o.AppealFI}, {"appeal-sv", o.AppealSV}, {"appeal-en", o.AppealEN}} {
		if utf8.RuneCountInString(a.text) > MaxAppealChars {
			add(a.field, fmt.Sprintf("at most %d characters", MaxAppealChars))
		}
	}
	if o.RetentionYears < MinRetentionYears || o.RetentionYears > 100 {
		add("retention-years", "closed cases are kept at least 2 years (D-28) and at most 100")
	}
	if o.Logo != nil {
		clean, typ, err := CleanLogo(o.Logo)
		if err != nil {
			add("logo", err.Error())
		} else {
			o.Logo, o.LogoType = clean, typ
		}
	}
	return out
}

// MaxAppealChars bounds an organisation's appeal instructions in one
// language: a page of a letter.
const MaxAppealChars = 4000

// cleanParagraphs keeps a text's paragraphs: lines trimmed at their ends,
// runs of blank lines made one, none at the start or the end.
func cleanParagraphs(s string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// cleanLines trims every line of s, drops empty ones and joins them with
// a newline.
func cleanLines(s string) string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// CreateOrg validates and creates an organisation, audited in its own
// chain. A slug in use is ErrSlugTaken.
func CreateOrg(ctx context.Context, pool *pgxpool.Pool, keys store.AuditKeys, o store.Org, actor Actor, now time.Time) (store.Org, error) {
	if err := CheckOrg(&o); err != nil {
		return o, err
	}
	err := store.Tx(ctx, pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		id, err := q.InsertOrg(ctx, o)
		if errors.Is(err, store.ErrPrivacyAddressTaken) {
			return &OrgFieldError{"privacy-email", store.ErrPrivacyAddressTaken.Error()}
		}
		if errors.Is(err, store.ErrConflict) {
			return ErrSlugTaken
		}
		if err != nil {
			return err
		}
		o.ID = id
		return q.AppendAudit(ctx, keys, store.AuditEvent{OrgID: id, Actor: string(actor), Action: "org.created",
			Data: map[string]any{"slug": o.Slug}, At: now})
	})
	return o, err
}

// ChangeOrg applies change to the organisation's settings, validates the
// result and saves it with an audit event naming the changed settings
// (names of fields, not their values). The slug cannot change.
func ChangeOrg(ctx context.Context, pool *pgxpool.Pool, keys store.AuditKeys, slug string, change func(*store.Org), actor Actor, now time.Time) (store.Org, []string, error) {
	var out store.Org
	var changed []string
	err := store.Tx(ctx, pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		old, err := q.OrgBySlug(ctx, slug)
		if err != nil {
			return err
		}
		o := old
		change(&o)
		o.ID, o.Slug = old.ID, old.Slug
		if err := CheckOrg(&o); err != nil {
			return err
		}
		changed = orgChanges(old, o)
		out = o
		if len(changed) == 0 {
			return nil
		}
		if err := q.UpdateOrg(ctx, o); errors.Is(err, store.ErrPrivacyAddressTaken) {
			return &OrgFieldError{"privacy-email", store.ErrPrivacyAddressTaken.Error()}
		} else if err != nil {
			return err
		}
		if o.Logo != nil || (old.LogoType != "" && o.LogoType == "") {
			if err := q.SetOrgLogo(ctx, o.ID, nilIfEmpty(o.Logo), o.LogoType); err != nil {
				return err
			}
		}
		return q.AppendAudit(ctx, keys, store.AuditEvent{OrgID: o.ID, Actor: string(actor), Action: "org.changed",
			Data: map[string]any{"fields": changed}, At: now})
	})
	return out, changed, err
}

func orgChanges(a, b store.Org) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("name_fi", a.NameFI != b.NameFI)
	add("name_sv", a.NameSV != b.NameSV)
	add("primary_lang", a.PrimaryLang != b.PrimaryLang)
	add("business_id", a.BusinessID != b.BusinessID)
	add("dpo_name", a.DPOName != b.DPOName)
	add("dpo_email", a.DPOEmail != b.DPOEmail)
	add("privacy_email", a.PrivacyEmail != b.PrivacyEmail)
	add("eves_non_working", a.EvesNonWorking != b.EvesNonWorking)
	add("name_en", a.NameEN != b.NameEN)
	add("bilingual", a.Bilingual != b.Bilingual)
	add("dpo_phone", a.DPOPhone != b.DPOPhone)
	add("postal_address", a.PostalAddress != b.PostalAddress)
	add("a11y_supervisor", a.A11ySupervisor != b.A11ySupervisor)
	add("retention_years", a.RetentionYears != b.RetentionYears)
	add("appeal_fi", a.AppealFI != b.AppealFI)
	add("appeal_sv", a.AppealSV != b.AppealSV)
	add("appeal_en", a.AppealEN != b.AppealEN)
	add("logo", b.Logo != nil || a.LogoType != b.LogoType)
	return out
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// DescribeOrgError is the CLI's text for an error of CreateOrg/ChangeOrg.
func DescribeOrgError(slug string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no organisation %q (rightsdesk org list shows them)", slug)
	}
	return err
}
