package main

import (
	"context"
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
