package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// runCaseLetter renders the current letter of a real case for reprinting
// (issue 18): `rightsdesk letter --org SLUG --request RD-… [--kind
// access|refusal|extension|receipt] --out FILE.pdf`. It goes through the
// same code as the DPO's download, so the bytes are the same; the render
// is audited as the CLI's (ids only).
func runCaseLetter(ctx context.Context, env *Env, args []string) error {
	var slug, receipt, kind, out string
	kinds := make([]string, len(workflow.LetterKinds))
	for i, k := range workflow.LetterKinds {
		kinds[i] = string(k)
	}
	cfg, _, err := parseConfig(env, "letter", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "the organisation's slug")
		fs.StringVar(&receipt, "request", "", "the request number (RD-2026-000123)")
		fs.StringVar(&kind, "kind", "access", "the letter: "+strings.Join(kinds, ", "))
		fs.StringVar(&out, "out", "", "output PDF file (- for standard output)")
		fs.StringVar(&out, "o", "", "same as --out")
	})
	if err != nil {
		return err
	}
	if slug == "" || receipt == "" || out == "" {
		return errors.New("usage: rightsdesk letter --org SLUG --request RD-… [--kind " + strings.Join(kinds, "|") + "] --out FILE.pdf")
	}
	known := false
	for _, k := range kinds {
		known = known || k == kind
	}
	if !known {
		return fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(kinds, ", "))
	}
	number, ok := store.ParseReceipt(receipt)
	if !ok {
		return fmt.Errorf("--request %q: not a request number (RD-2026-000123)", receipt)
	}
	cfg.Seed = false
	a, err := setup(ctx, cfg, env, false, false)
	if err != nil {
		return err
	}
	defer a.close()
	q := store.New(a.pool)
	org, err := q.OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return unknownOrg(ctx, a.pool, slug)
	}
	if err != nil {
		return err
	}
	c, err := q.CaseByReceipt(ctx, []int64{org.ID}, number)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no request %s in %s", receipt, slug)
	}
	if err != nil {
		return err
	}
	l, err := a.wf.CaseLetter(ctx, org, c.ID, workflow.ActorCLI, pdf.Kind(kind))
	if errors.Is(err, workflow.ErrNotAllowed) {
		return fmt.Errorf("request %s has no %s letter (not every task is answered, or nothing of that kind happened)", c.Receipt, kind)
	}
	if err != nil {
		return err
	}
	b, err := pdf.New(a.catalog).Bytes(l)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = env.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return fmt.Errorf("writing the letter: %w", err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%d bytes)\n", out, len(b))
	return nil
}
