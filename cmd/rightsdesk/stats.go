package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// runStats: `rightsdesk stats report --org SLUG --year Y --out F [--lang
// fi|sv|en] [--refresh]` writes the annual report PDF (issue 21), the same
// bytes as the page's download; the language defaults to the
// organisation's primary one.
func runStats(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] != "report" {
		return errors.New("usage: rightsdesk stats report --org SLUG --year YYYY --out FILE.pdf [--lang fi|sv|en] [--refresh]")
	}
	var slug, out, lang string
	var year int
	var refresh bool
	cfg, _, err := parseConfig(env, "stats report", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "the organisation's slug")
		fs.IntVar(&year, "year", 0, "the calendar year (default: this year)")
		fs.StringVar(&out, "out", "", "output PDF file (- for standard output)")
		fs.StringVar(&out, "o", "", "same as --out")
		fs.StringVar(&lang, "lang", "", "report language: fi, sv or en (default: the organisation's primary language)")
		fs.BoolVar(&refresh, "refresh", false, "recompute the recent months' statistics first (else the hourly job's figures)")
	})
	if err != nil {
		return err
	}
	if slug == "" || out == "" {
		return errors.New("usage: rightsdesk stats report --org SLUG --year YYYY --out FILE.pdf [--lang fi|sv|en] [--refresh]")
	}
	if lang != "" && lang != "fi" && lang != "sv" && lang != "en" {
		return fmt.Errorf("--lang %q: want fi, sv or en", lang)
	}
	cfg.Seed = false
	a, err := setup(ctx, cfg, env, false, false)
	if err != nil {
		return err
	}
	defer a.close()
	org, err := store.New(a.pool).OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return unknownOrg(ctx, a.pool, slug)
	}
	if err != nil {
		return err
	}
	if year == 0 {
		year = workflow.HelsinkiDate(a.wf.Now()).Year
	}
	if lang == "" {
		lang = org.PrimaryLang
	}
	if refresh {
		if err := a.wf.RefreshOrgStats(ctx, org.ID, a.wf.Now()); err != nil {
			return err
		}
	}
	b, err := a.wf.StatsReport(ctx, org, year, lang)
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = env.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%d bytes)\n", out, len(b))
	return nil
}
