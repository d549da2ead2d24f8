package seed_test

import (
	"regexp"
	"sort"
	"testing"

	"rightsdesk/internal/seed"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 12: the first start gives every organisation a demo DPO whose
// password is returned once; an account that exists already is left
// alone and yields no credential, so later starts print none.
func TestSeedStaffOneDPOPerOrganisation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	extra := env.Org("lohja", "Lohja", "Lojo", "fi") // in the database before seeding
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: 64, Argon2Time: 1}
	// An account made by hand before the first start keeps its password.
	if _, err := auth.AddUser(env.Ctx, workflow.NewStaff{Email: "dpo@lohja.example", OrgID: extra.ID, Role: workflow.RoleAdmin, Password: "chosen by a human"}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	deps := seed.Deps{Pool: env.Pool, Workflow: env.Workflow, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1}
	res, err := seed.Run(env.Ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	readable := regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){3}$`)
	for _, c := range res.Credentials {
		slugs = append(slugs, c.Org)
		if c.Email != "dpo@"+c.Org+".example" || !readable.MatchString(c.Password) {
			t.Errorf("credential %+v", c)
		}
		_, st, err := auth.Login(env.Ctx, c.Email, c.Password, "")
		if err != nil {
			t.Fatalf("%s: the printed password does not sign in: %v", c.Org, err)
		}
		if len(st.Roles) != 1 || len(st.Orgs) != 1 || st.Orgs[0].OrgSlug != c.Org || st.Orgs[0].Role != workflow.RoleDPO {
			t.Errorf("%s: memberships %+v", c.Org, st.Orgs)
		}
		wantLang := "fi"
		for _, o := range seed.Organisations() {
			if o.Slug == c.Org && o.PrimaryLang == "sv" {
				wantLang = "sv"
			}
		}
		if st.Lang != wantLang {
			t.Errorf("%s: language %q, want %q", c.Org, st.Lang, wantLang)
		}
	}
	sort.Strings(slugs)
	var want []string
	for _, o := range seed.Organisations() {
		want = append(want, o.Slug)
	}
	sort.Strings(want)
	if len(slugs) != len(want) {
		t.Fatalf("credentials for %v, want %v", slugs, want)
	}
	for i := range want {
		if slugs[i] != want[i] {
			t.Fatalf("credentials for %v, want %v", slugs, want)
		}
	}
	if _, _, err := auth.Login(env.Ctx, "dpo@lohja.example", "chosen by a human", ""); err != nil {
		t.Fatalf("the existing account's password changed: %v", err)
	}

	var users int
	count := func() int {
		if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM staff_users`).Scan(&users); err != nil {
			t.Fatal(err)
		}
		return users
	}
	before := count()
	res, err = seed.Run(env.Ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Credentials) != 0 || count() != before {
		t.Fatalf("second start: %d credentials, %d accounts (was %d)", len(res.Credentials), users, before)
	}
}

// An organisation a municipality set up itself, before the first start or
// after it, never gets a demo DPO: its password would be printed in the
// start-up log of every later start, and sign in to the organisation's
// real cases.
func TestSeedGivesOnlySeedOrganisationsADemoDPO(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Org("porvoo", "Porvoo", "Borgå", "fi") // before the first start, no account
	deps := seed.Deps{Pool: env.Pool, Workflow: env.Workflow, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1}
	first, err := seed.Run(env.Ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Credentials) != len(seed.Organisations()) {
		t.Errorf("first start: %d credentials, want one per seed organisation (%d)", len(first.Credentials), len(seed.Organisations()))
	}
	env.Org("vaasa", "Vaasa", "Vasa", "fi") // after it (org add)
	again, err := seed.Run(env.Ctx, deps)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Credentials) != 0 {
		t.Errorf("a later start printed %d credentials: %+v", len(again.Credentials), again.Credentials)
	}
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now}
	for _, slug := range []string{"porvoo", "vaasa"} {
		exists, err := auth.UserExists(env.Ctx, "dpo@"+slug+".example")
		if err != nil {
			t.Fatal(err)
		}
		if exists {
			t.Errorf("%s, not a seed organisation, has a demo DPO", slug)
		}
	}
}
