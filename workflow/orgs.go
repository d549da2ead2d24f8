package workflow

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

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

// CheckOrg normalises and validates an organisation's settings.
func CheckOrg(o *store.Org) error {
	o.Slug = strings.TrimSpace(o.Slug)
	o.NameFI = strings.TrimSpace(o.NameFI)
	o.NameSV = strings.TrimSpace(o.NameSV)
	o.BusinessID = strings.TrimSpace(o.BusinessID)
	o.DPOName = strings.TrimSpace(o.DPOName)
	o.DPOEmail = NormEmail(o.DPOEmail)
	o.PrivacyEmail = NormEmail(o.PrivacyEmail)
	switch {
	case !ValidSlug(o.Slug):
		return &OrgFieldError{"slug", "use 2-40 lower-case letters a-z, digits and single hyphens inside (e.g. vaasa or pedersoren-kunta)"}
	case o.NameFI == "" || len(o.NameFI) > 200:
		return &OrgFieldError{"name-fi", "the Finnish name is required (at most 200 characters)"}
	case o.NameSV == "" || len(o.NameSV) > 200:
		return &OrgFieldError{"name-sv", "the Swedish name is required (at most 200 characters; the same as the Finnish one if the organisation has none)"}
	case o.PrimaryLang != "fi" && o.PrimaryLang != "sv":
		return &OrgFieldError{"primary", "the primary language is fi or sv"}
	case o.BusinessID != "" && !ValidBusinessID(o.BusinessID):
		return &OrgFieldError{"business-id", "not a valid business id (y-tunnus, 1234567-8 with its check digit)"}
	case o.DPOEmail != "" && !ValidEmail(o.DPOEmail):
		return &OrgFieldError{"dpo-email", "not an email address"}
	case o.PrivacyEmail != "" && !ValidEmail(o.PrivacyEmail):
		return &OrgFieldError{"privacy-email", "not an email address"}
	case len(o.DPOName) > 200:
		return &OrgFieldError{"dpo-name", "at most 200 characters"}
	}
	return nil
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
		if err := q.UpdateOrg(ctx, o); err != nil {
			return err
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
	return out
}

// DescribeOrgError is the CLI's text for an error of CreateOrg/ChangeOrg.
func DescribeOrgError(slug string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no organisation %q (rightsdesk org list shows them)", slug)
	}
	return err
}
