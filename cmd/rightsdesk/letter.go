package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/templates"
)

// runLetter renders a letter. For now only the built-in synthetic case
// (--sample KIND), which a DPO uses to see the letters before going live;
// it needs no database.
func runLetter(ctx context.Context, env *Env, args []string) error {
	for _, a := range args {
		if n := strings.TrimLeft(a, "-"); n != a && (strings.HasPrefix(n, "org") || strings.HasPrefix(n, "request")) {
			return runCaseLetter(ctx, env, args)
		}
	}
	fs := flag.NewFlagSet("letter", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	kinds := make([]string, len(pdf.Kinds))
	for i, k := range pdf.Kinds {
		kinds[i] = string(k)
	}
	sample := fs.String("sample", "", "render the synthetic sample case as this kind: "+strings.Join(kinds, ", "))
	lang := fs.String("lang", "fi", "letter language: fi, sv or en")
	var out string
	fs.StringVar(&out, "o", "", "output PDF file (- for standard output)")
	fs.StringVar(&out, "out", "", "same as -o")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sample == "" || out == "" {
		fs.SetOutput(env.Stdout)
		fs.Usage()
		return errors.New("--sample KIND and -o FILE are required")
	}
	if !i18n.Valid(*lang) {
		return fmt.Errorf("--lang %q: want fi, sv or en", *lang)
	}
	known := false
	for _, k := range kinds {
		known = known || k == *sample
	}
	if !known {
		return fmt.Errorf("--sample %q: want one of %s", *sample, strings.Join(kinds, ", "))
	}
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		return err
	}
	b, err := pdf.New(cat).Bytes(pdf.Sample(pdf.Kind(*sample), *lang))
	if err != nil {
		return err
	}
	if out == "-" {
		_, err = env.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return fmt.Errorf("writing the letter: %w", err)
	}
	fmt.Fprintf(env.Stderr, "wrote %s (%d bytes)\n", out, len(b))
	return nil
}
