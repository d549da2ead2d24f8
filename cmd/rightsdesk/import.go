package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
	"rightsdesk/migrations"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// maxImportFile bounds one document; published descriptions are a few
// hundred kilobytes at most.
const maxImportFile = 32 << 20

// errRollback ends a dry run's transaction.
var errRollback = errors.New("dry run")

// runImport reads published register descriptions and merges them into an
// organisation's catalogue (issue 4, D-3): every file is parsed before the
// database is touched, and all of them are written in one transaction, so
// a bad file imports nothing. --dry-run --json needs no database at all.
func runImport(ctx context.Context, env *Env, args []string) error {
	var (
		slug, format   string
		dryRun, asJSON bool
	)
	cfg, files, err := parseConfig(env, "import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "org", "", "organisation slug (required unless --dry-run --json)")
		fs.BoolVar(&dryRun, "dry-run", false, "parse and report what would change; write nothing")
		fs.BoolVar(&asJSON, "json", false, "print JSON: the parsed registers with --dry-run, else the summary")
		fs.StringVar(&format, "format", "", "force the document format ("+formatNames()+"); default: detect")
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return errors.New("no files given (usage: rightsdesk import --org SLUG [--dry-run] [--json] [--format F] FILE...)")
	}
	if format != "" && !slices.Contains(registers.Formats(), registers.Format(format)) {
		return fmt.Errorf("--format: unknown format %q (known: %s)", format, formatNames())
	}
	if slug == "" && !(dryRun && asJSON) {
		return errors.New("--org is required (the organisation's slug)")
	}
	progress := env.Stdout
	if asJSON {
		progress = env.Stderr // stdout is the JSON
	}
	// The documents, read for the organisation's names: a joint register
	// takes its unit from the organisation's own line (registers.Options).
	parse := func(orgNames ...string) ([]*registers.Result, error) {
		var docs []*registers.Result
		for _, f := range files {
			res, err := readDocument(ctx, env, f, registers.Format(format), orgNames)
			if err != nil {
				return nil, fmt.Errorf("%w; nothing imported", err)
			}
			noun := "registers"
			if len(res.Registers) == 1 {
				noun = "register"
			}
			fmt.Fprintf(progress, "%s: %d %s (format %s, language %s)\n",
				res.Registers[0].SourceFile, len(res.Registers), noun, res.Format, res.Language)
			for _, w := range res.Warnings {
				fmt.Fprintf(env.Stderr, "%s: %s\n", res.Registers[0].SourceFile, w)
			}
			docs = append(docs, res)
		}
		return docs, nil
	}
	if dryRun && asJSON && slug == "" {
		docs, err := parse()
		if err != nil {
			return err
		}
		return writeRegistersJSON(env.Stdout, docs)
	}

	log := newLogger(cfg, env)
	pool, cluster, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer func() {
		pool.Close()
		if cluster != nil {
			cluster.Stop(context.Background())
		}
	}()
	if cfg.Migrate {
		if err := migrations.Up(ctx, pool); err != nil {
			return err
		}
	}
	org, err := store.New(pool).OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w; nothing imported", unknownOrg(ctx, pool, slug))
	}
	if err != nil {
		return err
	}
	docs, err := parse(org.NameFI, org.NameSV, org.NameEN)
	if err != nil {
		return err
	}
	if dryRun && asJSON {
		return writeRegistersJSON(env.Stdout, docs)
	}
	keys, err := loadKeys(ctx, cfg, log, pool)
	if err != nil {
		return err
	}
	var sum workflow.ImportSummary
	err = store.Tx(ctx, pool, func(tx pgx.Tx) error {
		sum, err = workflow.ImportTx(ctx, store.New(tx), keys, org.ID, docs, workflow.ActorCLI, time.Now())
		if err == nil && dryRun {
			return errRollback
		}
		return err
	})
	if err != nil && !errors.Is(err, errRollback) {
		return fmt.Errorf("%w; nothing imported", err)
	}
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	writeSummary(env.Stdout, org.Slug, sum, dryRun)
	return nil
}

// readDocument reads and parses one file ("-" is standard input): PDF,
// HTML, DOCX or plain text, recognised by content (issue 19).
func readDocument(ctx context.Context, env *Env, name string, format registers.Format, orgNames []string) (*registers.Result, error) {
	var r io.Reader
	source := filepath.Base(name)
	if name == "-" {
		r, source = env.Stdin, "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxImportFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxImportFile {
		return nil, fmt.Errorf("reading %s: larger than %d MiB", name, maxImportFile>>20)
	}
	res, _, err := registers.ParseDocument(ctx, b, registers.Options{Format: format, SourceFile: source, OrgNames: orgNames}, registers.ExtractOptions{})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func unknownOrg(ctx context.Context, q store.DB, slug string) error {
	known, err := orgSlugs(ctx, q)
	if err != nil {
		return err
	}
	if len(known) == 0 {
		return fmt.Errorf("--org: no organisation %q: %s", slug, noOrgsYet)
	}
	return fmt.Errorf("--org: no organisation %q (known: %s)", slug, strings.Join(known, ", "))
}

// onlyOrg is the slug of the only organisation, for a command whose --org
// was left out; with none or several it says which there are.
func onlyOrg(ctx context.Context, q store.DB) (string, error) {
	known, err := orgSlugs(ctx, q)
	switch {
	case err != nil:
		return "", err
	case len(known) == 0:
		return "", fmt.Errorf("--org: which organisation? %s", noOrgsYet)
	case len(known) > 1:
		return "", fmt.Errorf("--org: which organisation? (known: %s)", strings.Join(known, ", "))
	}
	return known[0], nil
}

const noOrgsYet = "there are none yet (on the embedded default, `make run` or `rightsdesk serve` imports the seed organisations at its first start; `rightsdesk org add` creates one)"

// orgSlugs lists the organisations' slugs in order.
func orgSlugs(ctx context.Context, q store.DB) ([]string, error) {
	orgs, err := store.New(q).Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var known []string
	for _, o := range orgs {
		known = append(known, o.Slug)
	}
	return known, nil
}

func formatNames() string {
	var names []string
	for _, f := range registers.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// registerJSON is one parsed register as --dry-run --json prints it: the
// registers.Register keys, then format and norm_name; every key is always
// present (warnings and extra, omitted when empty in registers.Register, are
// shadowed here so that they are not).
type registerJSON struct {
	registers.Register
	Format   string            `json:"format"`
	NormName string            `json:"norm_name"`
	Warnings []string          `json:"warnings"`
	Extra    map[string]string `json:"extra"`
}

func writeRegistersJSON(w io.Writer, docs []*registers.Result) error {
	out := []registerJSON{}
	for _, d := range docs {
		for _, r := range d.Registers {
			j := registerJSON{
				Register: r, Format: string(d.Format), NormName: registers.NormalizeName(r.Name),
				Warnings: r.Warnings, Extra: r.Extra,
			}
			if j.Warnings == nil {
				j.Warnings = []string{}
			}
			if j.Extra == nil {
				j.Extra = map[string]string{}
			}
			out = append(out, j)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeSummary(w io.Writer, slug string, s workflow.ImportSummary, dryRun bool) {
	verb := "imported into"
	if dryRun {
		verb = "dry run for"
	}
	fmt.Fprintf(w, "%s %s: %d added, %d changed, %d unchanged, %d missing from the document\n",
		verb, slug, len(s.Added), len(s.Changed), len(s.Unchanged), len(s.Missing))
	list := func(title, mark string, names []string) {
		if len(names) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, n := range names {
			fmt.Fprintf(w, "  %s %s\n", mark, n)
		}
	}
	list("added", "+", s.Added)
	if len(s.Changed) > 0 {
		fmt.Fprintln(w, "changed:")
		for _, c := range s.Changed {
			fmt.Fprintf(w, "  ~ %s (%s)\n", c.Name, strings.Join(c.Fields, ", "))
		}
	}
	list("missing from the document (kept, marked missing)", "-", s.Missing)
	list("read twice, first one kept", "!", s.Skipped)
	if dryRun {
		fmt.Fprintln(w, "dry run: nothing was written")
	}
}
