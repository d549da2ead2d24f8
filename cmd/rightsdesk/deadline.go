package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"rightsdesk/workflow"
)

// runDeadline prints the deadlines of a request received at --received
// (legal.md §2). It needs no database.
func runDeadline(_ context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("deadline", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	received := fs.String("received", "", "receipt time, RFC 3339 (2026-03-03T10:00:00+02:00) or a date (2026-03-03, taken in Europe/Helsinki)")
	eves := fs.Bool("eves-non-working", false, "treat Midsummer Eve and Christmas Eve as non-working for legal_due (DL-9)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *received == "" {
		fs.SetOutput(env.Stdout)
		fs.Usage()
		return errors.New("--received is required")
	}
	t, err := parseReceived(*received)
	if err != nil {
		return err
	}
	d := workflow.Calendar{EvesNonWorking: *eves}.Compute(t)
	return writeDeadlines(env.Stdout, d, *asJSON)
}

func parseReceived(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := workflow.ParseDate(s); err == nil {
		return d.In(workflow.Helsinki()).Add(12 * time.Hour), nil
	}
	return time.Time{}, fmt.Errorf("--received: want RFC 3339 like 2026-03-03T10:00:00+02:00 or a date like 2026-03-03, got %q", s)
}

func writeDeadlines(w io.Writer, d workflow.Deadlines, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return d.WriteText(w)
}
