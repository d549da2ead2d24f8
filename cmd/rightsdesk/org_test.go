package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"rightsdesk/internal/store"
)

// Issue 19: any municipality can be set up from the CLI, validated and
// audited; slugs are never taken over.
func TestOrgAddListSet(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()

	code, out, errs := runWithInput(t, getenv, "", "org", "add", "--slug", "vaasa", "--name-fi", "Vaasan kaupunki",
		"--name-sv", "Vasa stad", "--primary", "fi", "--business-id", "0209602-6", "--privacy-email", "Tietosuoja@Vaasa.fi")
	if code != 0 {
		t.Fatalf("org add: exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(out, "created vaasa: Vaasan kaupunki / Vasa stad") || !strings.Contains(out, "rightsdesk import --org vaasa") {
		t.Errorf("org add output %q", out)
	}
	o, err := store.New(pool).OrgBySlug(ctx, "vaasa")
	if err != nil {
		t.Fatal(err)
	}
	if o.PrivacyEmail != "tietosuoja@vaasa.fi" || o.PrimaryLang != "fi" || o.BusinessID != "0209602-6" {
		t.Errorf("stored %+v", o)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--slug", "vaasa", "--name-fi", "X", "--name-sv", "X", "--primary", "fi"}, "already in use"},
		{[]string{"--slug", "Vaasa!", "--name-fi", "X", "--name-sv", "X", "--primary", "fi"}, "--slug:"},
		{[]string{"--slug", "mustasaari", "--name-fi", "Mustasaari", "--name-sv", "Korsholm", "--primary", "sv", "--business-id", "0209602-7"}, "--business-id: not a valid business id"},
		{[]string{"--slug", "mustasaari", "--name-fi", "Mustasaari", "--primary", "sv"}, "--name-sv:"},
		{[]string{"--slug", "mustasaari", "--name-fi", "Mustasaari", "--name-sv", "Korsholm", "--primary", "de"}, "--primary:"},
		{[]string{"--name-fi", "Mustasaari"}, "--slug is required"},
	} {
		code, _, errs := runWithInput(t, getenv, "", append([]string{"org", "add"}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("org add %v: exit %d, stderr %q, want %q", c.args, code, errs, c.want)
		}
	}

	code, out, errs = runWithInput(t, getenv, "", "org", "set", "--slug", "vaasa", "--primary", "sv", "--dpo-name", "Tiina Tietosuoja")
	if code != 0 || !strings.Contains(out, "changed [primary_lang dpo_name]") {
		t.Fatalf("org set: exit %d, out %q, stderr %q", code, out, errs)
	}
	o, _ = store.New(pool).OrgBySlug(ctx, "vaasa")
	if o.PrimaryLang != "sv" || o.NameFI != "Vaasan kaupunki" || o.PrivacyEmail != "tietosuoja@vaasa.fi" {
		t.Errorf("after set, stored %+v (only the named settings may change)", o)
	}
	if code, _, errs := runWithInput(t, getenv, "", "org", "set", "--slug", "oulu", "--primary", "fi"); code == 0 || !strings.Contains(errs, `no organisation "oulu"`) {
		t.Errorf("org set of a missing org: exit %d, stderr %q", code, errs)
	}

	var actions []string
	rows, err := pool.Query(ctx, `SELECT action FROM audit_events WHERE org_id = $1 ORDER BY seq`, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		actions = append(actions, a)
	}
	if strings.Join(actions, ",") != "org.created,org.changed" {
		t.Errorf("audit events %v, want org.created,org.changed", actions)
	}

	code, out, _ = runWithInput(t, getenv, "", "org", "list")
	if code != 0 || !strings.Contains(out, "vaasa") || !strings.Contains(out, "Vasa stad") || !strings.Contains(out, "espoo") {
		t.Errorf("org list: exit %d\n%s", code, out)
	}
}

// D-28: `org set --retention-years N` sets how long closed requests are
// kept, as the settings form does (docs/scale.md 17 had to use SQL): a
// whole number from 2 to 100, audited; anything else is refused naming
// the flag and the range, and nothing changes. `org add` takes it too.
func TestOrgSetRetentionYears(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()
	retention := func(slug string) int {
		t.Helper()
		o, err := store.New(pool).OrgBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		return o.RetentionYears
	}
	if got := retention("espoo"); got != 2 {
		t.Fatalf("espoo keeps closed requests %d years before any change, want the default 2", got)
	}
	code, out, errs := runWithInput(t, getenv, "", "org", "set", "--slug", "espoo", "--retention-years", "5")
	if code != 0 || !strings.Contains(out, "espoo: changed [retention_years]") {
		t.Fatalf("org set --retention-years 5: exit %d, out %q, stderr %q", code, out, errs)
	}
	if got := retention("espoo"); got != 5 {
		t.Fatalf("after --retention-years 5: %d", got)
	}
	var audited int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events e JOIN organisations o ON o.id = e.org_id
		WHERE o.slug = 'espoo' AND e.case_id IS NULL AND e.action = 'org.changed' AND e.data->'fields' ? 'retention_years'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("org.changed events naming retention_years: %d (%v), want 1", audited, err)
	}
	if code, out, _ := runWithInput(t, getenv, "", "org", "set", "--slug", "espoo", "--retention-years", " 5 "); code != 0 || !strings.Contains(out, "nothing changed") {
		t.Errorf("setting the same period again: exit %d, out %q", code, out)
	}

	for _, v := range []string{"1", "0", "-3", "101", "two", "2.5", ""} {
		code, _, errs := runWithInput(t, getenv, "", "org", "set", "--slug", "espoo", "--retention-years", v)
		if code == 0 || !strings.Contains(errs, "--retention-years: enter a whole number of years from 2 to 100, not "+strconv.Quote(v)) {
			t.Errorf("--retention-years %q: exit %d, stderr %q", v, code, errs)
		}
		if got := retention("espoo"); got != 5 {
			t.Fatalf("--retention-years %q changed the period to %d", v, got)
		}
	}
	if got := retention("vantaa"); got != 2 {
		t.Errorf("another organisation's retention changed to %d", got)
	}

	code, _, errs = runWithInput(t, getenv, "", "org", "add", "--slug", "porvoo", "--name-fi", "Porvoon kaupunki", "--name-sv", "Borgå stad",
		"--primary", "fi", "--retention-years", "10")
	if code != 0 {
		t.Fatalf("org add --retention-years 10: exit %d, stderr %q", code, errs)
	}
	if got := retention("porvoo"); got != 10 {
		t.Errorf("org add --retention-years 10 stored %d", got)
	}
	if code, _, errs := runWithInput(t, getenv, "", "org", "add", "--slug", "loviisa", "--name-fi", "Loviisan kaupunki", "--name-sv", "Lovisa stad",
		"--primary", "fi", "--retention-years", "1"); code == 0 || !strings.Contains(errs, "--retention-years: enter a whole number") {
		t.Errorf("org add --retention-years 1: exit %d, stderr %q", code, errs)
	}
}
