package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

const orgUsage = "usage: rightsdesk org add --slug S --name-fi N --name-sv N --primary fi|sv [--business-id 1234567-8] [--dpo-name N] [--dpo-email E] [--privacy-email E] [--eves-non-working] [--retention-years 2-100] | list | set --slug S [any add flag but --slug]"

// runOrg sets up organisations (issue 19): any municipality, not only the
// seed ones. Every change is validated by workflow.CheckOrg and audited in
// the organisation's chain.
func runOrg(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New(orgUsage)
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(env.Stdout, orgUsage)
		return nil
	case "add", "set":
		return orgSave(ctx, env, verb, rest)
	case "list":
		return orgList(ctx, env, rest)
	}
	return fmt.Errorf("unknown verb %q (%s)", verb, orgUsage)
}

// setFlag is a string flag that remembers whether it was given, so that
// `org set` changes only what was named.
type setFlag struct {
	v   string
	set bool
}

func (f *setFlag) String() string     { return f.v }
func (f *setFlag) Set(s string) error { f.v, f.set = s, true; return nil }

// orgFlags are the settings add and set share.
type orgFlags struct {
	slug, nameFI, nameSV, primary, businessID, dpoName, dpoEmail, privacyEmail, eves, retention setFlag
}

func (f *orgFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.slug, "slug", "the organisation's URL name: lower-case a-z, digits, hyphens (required; never changes)")
	fs.Var(&f.nameFI, "name-fi", "name in Finnish (required for add)")
	fs.Var(&f.nameSV, "name-sv", "name in Swedish (required for add)")
	fs.Var(&f.primary, "primary", "primary language, fi or sv (required for add)")
	fs.Var(&f.businessID, "business-id", "business id (y-tunnus), 1234567-8")
	fs.Var(&f.dpoName, "dpo-name", "the data protection officer's name")
	fs.Var(&f.dpoEmail, "dpo-email", "the data protection officer's email")
	fs.Var(&f.privacyEmail, "privacy-email", "the address residents write to; inbound mail to it becomes cases")
	fs.Var(&f.eves, "eves-non-working", "true if Christmas Eve and Midsummer Eve are not working days (DL-9)")
	fs.Var(&f.retention, "retention-years", "years closed requests are kept before the retention purge, 2-100 (default 2, D-28; longer if the records management plan says so)")
}

// apply copies the given flags onto o.
func (f *orgFlags) apply(o *store.Org) error {
	for _, s := range []struct {
		f   *setFlag
		dst *string
	}{{&f.nameFI, &o.NameFI}, {&f.nameSV, &o.NameSV}, {&f.primary, &o.PrimaryLang}, {&f.businessID, &o.BusinessID},
		{&f.dpoName, &o.DPOName}, {&f.dpoEmail, &o.DPOEmail}, {&f.privacyEmail, &o.PrivacyEmail}} {
		if s.f.set {
			*s.dst = s.f.v
		}
	}
	if f.eves.set {
		b, err := strconv.ParseBool(f.eves.v)
		if err != nil {
			return fmt.Errorf("--eves-non-working: want true or false, got %q", f.eves.v)
		}
		o.EvesNonWorking = b
	}
	if f.retention.set {
		// As the settings form does: what is not a whole number becomes
		// -1, which workflow.CheckOrgFields refuses with the range.
		// 0 too: stored settings use it for "the default", a flag asks for
		// a period.
		o.RetentionYears = -1
		if n, err := strconv.Atoi(strings.TrimSpace(f.retention.v)); err == nil && n != 0 {
			o.RetentionYears = n
		}
	}
	return nil
}

func orgSave(ctx context.Context, env *Env, verb string, args []string) error {
	var f orgFlags
	cfg, _, err := parseConfig(env, "org "+verb, args, f.register)
	if err != nil {
		return err
	}
	if !f.slug.set {
		return errors.New("--slug is required (" + orgUsage + ")")
	}
	// A new organisation serves fi and sv (both names are required); its
	// DPO changes that in the settings.
	o := store.Org{Bilingual: true}
	if err := f.apply(&o); err != nil {
		return err
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	now := time.Now()
	if verb == "add" {
		o.Slug = f.slug.v
		o, err = workflow.CreateOrg(ctx, auth.Pool, auth.Keys, o, workflow.ActorCLI, now)
		if err != nil {
			return f.error(err)
		}
		fmt.Fprintf(env.Stdout, "created %s: %s\nnext: import its register descriptions (rightsdesk import --org %s FILE...) and add its DPO (rightsdesk user add --org %s --role dpo --email ...)\n",
			o.Slug, o.Names(), o.Slug, o.Slug)
		fmt.Fprintln(env.Stdout, "residents see it once its catalogue has a register and its settings the DPO's address (--dpo-email)")
		return nil
	}
	o, changed, err := workflow.ChangeOrg(ctx, auth.Pool, auth.Keys, f.slug.v, func(cur *store.Org) { _ = f.apply(cur) }, workflow.ActorCLI, now)
	if err != nil {
		return f.error(workflow.DescribeOrgError(f.slug.v, err))
	}
	if len(changed) == 0 {
		fmt.Fprintf(env.Stdout, "%s: nothing changed\n", o.Slug)
		return nil
	}
	fmt.Fprintf(env.Stdout, "%s: changed %v\n", o.Slug, changed)
	return nil
}

// error turns a setting's fault into the flag's name.
func (f *orgFlags) error(err error) error {
	var fe *workflow.OrgFieldError
	if !errors.As(err, &fe) {
		return err
	}
	if fe.Field == "retention-years" {
		// The settings form's words (orgs.error.retention-years), and what
		// was given: "two" and "1" fail for different reasons.
		return fmt.Errorf("--retention-years: enter a whole number of years from %d to 100, not %q (closed requests are kept at least %d years after closing, D-28)",
			workflow.MinRetentionYears, f.retention.v, workflow.MinRetentionYears)
	}
	return fmt.Errorf("--%s: %s", fe.Field, fe.Reason)
}

func orgList(ctx context.Context, env *Env, args []string) error {
	cfg, _, err := parseConfig(env, "org list", args, nil)
	if err != nil {
		return err
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	orgs, err := store.New(auth.Pool).Orgs(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SLUG\tNAME FI\tNAME SV\tPRIMARY\tBUSINESS ID\tPRIVACY EMAIL")
	for _, o := range orgs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Slug, o.NameFI, o.NameSV, o.PrimaryLang, dash(o.BusinessID), dash(o.PrivacyEmail))
	}
	return w.Flush()
}
