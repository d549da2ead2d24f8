// Command rightsdesk is the GDPR data-subject request case manager: one
// binary with subcommands (serve, worker, migrate, import, deadline, org,
// user, token, audit, keys, backup, restore, version).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"rightsdesk/internal/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	name, summary string
	run           func(ctx context.Context, env *Env, args []string) error
}

// Env is what a subcommand gets from main: streams and the environment,
// so commands are testable without touching the process's own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

var commands []command

func init() {
	commands = []command{
		{"serve", "run the web server and the River workers (default)", runServe},
		{"worker", "run only the River workers (scale out job processing)", runWorker},
		{"migrate", "database migrations: up | down [N] | status", runMigrate},
		{"import", "import published register descriptions: --org SLUG [--dry-run] [--json] [--format F] FILE...", runImport},
		{"deadline", "compute deadlines: --received TIME [--eves-non-working] [--json]", runDeadline},
		{"org", "organisations: add --slug S --name-fi N --name-sv N --primary fi|sv ... | list | set --slug S ...", runOrg},
		{"user", "staff accounts: add --email E --org SLUG --role dpo|admin|viewer [--name N] [--lang fi|sv|en] | list | disable --email E | password --email E | platform-admin --email E [--revoke] | totp-off --email E", runUser},
		{"letter", "render a letter: --sample KIND --lang fi|sv|en -o FILE.pdf (KIND: access, confirmation, refusal, extension, receipt, pause, doc_decision, doc_extension, forward), or a real case's: --org SLUG --request RD-… [--kind KIND] --out FILE.pdf", runLetter},
		{"token", "API tokens: add --org SLUG --name NAME | list --org SLUG | revoke --org SLUG --name NAME", runToken},
		{"audit", "audit trail: verify [--org SLUG] [--digest HEX] | checkpoint", runAudit},
		{"demo", "add synthetic demo cases: --org SLUG --cases N [--years N] [--seed 1] [--indexes auto|rebuild|keep]", runDemo},
		{"keys", "key rotation (issue 22): rotate [--batch N] [--finish] | status | retire --key ID", runKeys},
		{"stats", "statistics: report --org SLUG --year YYYY --out FILE.pdf [--lang fi|sv|en] [--refresh] (the annual report)", runStats},
		{"backup", "back up the database: --out FILE (pg_dump + manifest in one tar; never the secret key)", runBackup},
		{"restore", "restore a backup: FILE [--data DIR] into a new embedded data directory, or an empty DATABASE_URL", runRestore},
		{"version", "print the version", func(_ context.Context, env *Env, _ []string) error {
			fmt.Fprintln(env.Stdout, "rightsdesk", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(Main(ctx, env, os.Args[1:]))
}

// Main runs one subcommand and returns the exit code.
func Main(ctx context.Context, env *Env, args []string) int {
	name := "serve"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(env.Stdout)
		return 0
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, env, args)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(env.Stderr, "rightsdesk %s: %v\n", name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(env.Stderr, "rightsdesk: unknown command %q\n\n", name)
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "rightsdesk: GDPR data-subject requests for Finnish municipalities")
	fmt.Fprintln(w, "\nUsage: rightsdesk [command] [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	config.Usage(w)
}

// parseConfig parses the shared settings; --help prints them.
// extra registers the subcommand's own flags.
func parseConfig(env *Env, name string, args []string, extra func(*flag.FlagSet)) (config.Config, []string, error) {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fmt.Fprintf(env.Stdout, "Usage: rightsdesk %s [flags]\n\n", name)
			if extra != nil {
				fs := flag.NewFlagSet(name, flag.ContinueOnError)
				extra(fs)
				fs.SetOutput(env.Stdout)
				fmt.Fprintln(env.Stdout, "Command flags:")
				fs.PrintDefaults()
				fmt.Fprintln(env.Stdout)
			}
			config.Usage(env.Stdout)
			return config.Config{}, nil, flag.ErrHelp
		}
	}
	return config.Parse(name, args, env.Getenv, extra)
}
