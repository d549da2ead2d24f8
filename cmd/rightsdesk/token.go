package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

const tokenUsage = "usage: rightsdesk token add --org SLUG --name NAME | list --org SLUG | revoke --org SLUG --name NAME"

// runToken manages integration tokens for /api/v1 (D-20): add prints the
// token once; only its hash is stored.
func runToken(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(env.Stdout, tokenUsage)
		return nil
	case "add", "list", "revoke":
	default:
		return fmt.Errorf("unknown verb %q (%s)", verb, tokenUsage)
	}
	var slug, name string
	cfg, _, err := parseConfig(env, "token "+verb, rest, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		if verb != "list" {
			fs.StringVar(&name, "name", "", "the token's name, unique in the organisation (required)")
		}
	})
	if err != nil {
		return err
	}
	if slug == "" || (verb != "list" && name == "") {
		return errors.New(tokenUsage)
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	org, err := store.New(auth.Pool).OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no organisation %q", slug)
	}
	if err != nil {
		return err
	}
	switch verb {
	case "add":
		token, err := auth.AddAPIToken(ctx, org.ID, name, workflow.ActorCLI)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%s already has an active token named %q", slug, name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "Token %q of %s (shown only now; only its hash is stored):\n", name, slug)
		fmt.Fprintln(env.Stdout, token)
	case "list":
		ts, err := auth.APITokens(ctx, org.ID)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tCREATED\tLAST USED\tREVOKED")
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, stamp(&t.CreatedAt), stamp(t.LastUsedAt), stamp(t.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		if err := auth.RevokeAPIToken(ctx, org.ID, name, workflow.ActorCLI); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s has no active token named %q", slug, name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "revoked token %q of %s\n", name, slug)
	}
	return nil
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.In(workflow.Helsinki()).Format("2006-01-02 15:04")
}
