package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"rightsdesk/internal/config"
	"rightsdesk/internal/store"
	"rightsdesk/migrations"
	"rightsdesk/workflow"
)

const userUsage = "usage: rightsdesk user add --email E --org SLUG --role dpo|admin|viewer [--name N] [--lang fi|sv|en] | list | disable --email E | platform-admin --email E [--revoke] | totp-off --email E | password --email E"

// runUser manages staff accounts (issue 12). Passwords are read from
// standard input, never from a flag (flags end up in shell histories and
// process lists).
func runUser(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New(userUsage)
	}
	verb, rest := args[0], args[1:]
	switch verb {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(env.Stdout, userUsage)
		return nil
	case "add":
		return userAdd(ctx, env, rest)
	case "list":
		return userList(ctx, env, rest)
	case "disable":
		return userDisable(ctx, env, rest)
	case "platform-admin":
		return userPlatformAdmin(ctx, env, rest)
	case "totp-off":
		return userTOTPOff(ctx, env, rest)
	case "password":
		return userPassword(ctx, env, rest)
	}
	return fmt.Errorf("unknown verb %q (%s)", verb, userUsage)
}

// openStaff connects (starting the embedded cluster when needed), migrates
// and returns the account service; close releases everything.
func openStaff(ctx context.Context, env *Env, cfg config.Config) (auth *workflow.StaffAuth, close func(), err error) {
	log := newLogger(cfg, env)
	pool, cluster, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return nil, nil, err
	}
	close = func() {
		pool.Close()
		if cluster != nil {
			cluster.Stop(context.Background())
		}
	}
	if err := migrations.Up(ctx, pool); err != nil {
		close()
		return nil, nil, err
	}
	keys, err := loadKeys(ctx, cfg, log, pool)
	if err != nil {
		close()
		return nil, nil, err
	}
	return &workflow.StaffAuth{Pool: pool, Logger: log, Keys: keys, Argon2Memory: cfg.Argon2Memory, Argon2Time: cfg.Argon2Time,
		SessionIdle: cfg.SessionIdle, SessionAbsolute: cfg.SessionAbsolute}, close, nil
}

func userAdd(ctx context.Context, env *Env, args []string) error {
	var email, slug, role, name, lang string
	cfg, _, err := parseConfig(env, "user add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the account's email address (required)")
		fs.StringVar(&slug, "org", "", "organisation slug (required)")
		fs.StringVar(&role, "role", "", "role in the organisation: dpo, admin or viewer (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.StringVar(&lang, "lang", "fi", "language of the staff pages: fi, sv or en")
	})
	if err != nil {
		return err
	}
	switch {
	case email == "" || slug == "" || role == "":
		return errors.New("--email, --org and --role are required (" + userUsage + ")")
	case !workflow.ValidRole(role):
		return fmt.Errorf("--role: want dpo, admin or viewer, got %q", role)
	case lang != "fi" && lang != "sv" && lang != "en":
		return fmt.Errorf("--lang: want fi, sv or en, got %q", lang)
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
	exists, err := auth.UserExists(ctx, email)
	if err != nil {
		return err
	}
	var password string
	if !exists {
		if password, err = readPassword(env); err != nil {
			return err
		}
	}
	res, err := auth.AddUser(ctx, workflow.NewStaff{Email: email, Name: name, Lang: lang, OrgID: org.ID, Role: role, Password: password}, workflow.ActorCLI)
	if err != nil {
		return err
	}
	switch {
	case res.Created:
		fmt.Fprintf(env.Stdout, "created %s: %s in %s\n", workflow.NormEmail(email), role, slug)
	case res.Added:
		fmt.Fprintf(env.Stdout, "added %s to %s as %s\n", workflow.NormEmail(email), slug, role)
	default:
		fmt.Fprintf(env.Stdout, "%s is %s in %s\n", workflow.NormEmail(email), role, slug)
	}
	if exists {
		// Nothing was read from standard input: say so, or a password
		// piped in for a lost one would seem to have been set.
		fmt.Fprintf(env.Stdout, "the account existed: its password is unchanged (a new one: rightsdesk user password --email %s)\n", workflow.NormEmail(email))
	}
	return nil
}

// userPassword sets a new password (read like user add's) for an account
// whose password was lost.
func userPassword(ctx context.Context, env *Env, args []string) error {
	return withAccount(ctx, env, "password", args, func(auth *workflow.StaffAuth, email string) error {
		password, err := readPassword(env)
		if err != nil {
			return err
		}
		if err := auth.SetPassword(ctx, email, password, workflow.ActorCLI); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "set a new password for %s; its sessions are ended\n", workflow.NormEmail(email))
		return nil
	})
}

// readPassword reads a new password: from a terminal twice without echo,
// otherwise one line of standard input.
func readPassword(env *Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprintf(env.Stderr, "Password (at least %d characters): ", workflow.MinPasswordLen)
		p1, err := readHidden(f)
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if err := workflow.CheckPasswordPolicy(p1); err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Repeat the password: ")
		p2, err := readHidden(f)
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			return "", errors.New("the passwords differ")
		}
		return p1, nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input (it is read from there, never from a flag)")
	}
	return line, workflow.CheckPasswordPolicy(line)
}

func userList(ctx context.Context, env *Env, args []string) error {
	cfg, _, err := parseConfig(env, "user list", args, nil)
	if err != nil {
		return err
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	users, err := auth.Users(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tNAME\tORGANISATIONS\tDISABLED")
	for _, u := range users {
		orgs := make([]string, 0, len(u.Orgs))
		for _, m := range u.Orgs {
			orgs = append(orgs, m.OrgSlug+":"+m.Role)
		}
		disabled := "no"
		if u.Disabled {
			disabled = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Email, dash(u.Name), dash(strings.Join(orgs, ",")), disabled)
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// withAccount parses `user NAME --email E`, opens the staff accounts and
// runs act on the account's email address.
func withAccount(ctx context.Context, env *Env, name string, args []string, act func(*workflow.StaffAuth, string) error) error {
	var email string
	cfg, _, err := parseConfig(env, "user "+name, args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the account's email address (required)")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("--email is required")
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	if err := act(auth, email); errors.Is(err, store.ErrNotFound) {
		return errors.New("no such account")
	} else if err != nil {
		return err
	}
	return nil
}

func userDisable(ctx context.Context, env *Env, args []string) error {
	return withAccount(ctx, env, "disable", args, func(auth *workflow.StaffAuth, email string) error {
		if err := auth.DisableUser(ctx, email, workflow.ActorCLI); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "disabled %s; all its sessions are ended\n", workflow.NormEmail(email))
		return nil
	})
}

// userTOTPOff turns off an account's second factor without a code (a
// lost device): audited, and the account's sessions end.
func userTOTPOff(ctx context.Context, env *Env, args []string) error {
	return withAccount(ctx, env, "totp-off", args, func(auth *workflow.StaffAuth, email string) error {
		switch err := auth.TurnOffTOTP(ctx, email, workflow.ActorCLI); {
		case errors.Is(err, workflow.ErrNoSecondFactor):
			return errors.New("the account has no second factor turned on")
		case err != nil:
			return err
		}
		fmt.Fprintf(env.Stdout, "turned off the second factor of %s; its sessions are ended and it signs in with its password alone until it turns a second factor on again\n", workflow.NormEmail(email))
		return nil
	})
}

// userPlatformAdmin grants or revokes the platform administrator flag
// (D-29): the account may then create organisations in the web UI.
func userPlatformAdmin(ctx context.Context, env *Env, args []string) error {
	var email string
	var revoke bool
	cfg, _, err := parseConfig(env, "user platform-admin", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the account's email address (required)")
		fs.BoolVar(&revoke, "revoke", false, "take the flag away instead")
	})
	if err != nil {
		return err
	}
	if email == "" {
		return errors.New("--email is required")
	}
	auth, done, err := openStaff(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer done()
	if err := auth.SetPlatformAdmin(ctx, email, !revoke); errors.Is(err, store.ErrNotFound) {
		return errors.New("no such account")
	} else if err != nil {
		return err
	}
	if revoke {
		fmt.Fprintf(env.Stdout, "%s is no longer a platform administrator\n", workflow.NormEmail(email))
	} else {
		fmt.Fprintf(env.Stdout, "%s is a platform administrator\n", workflow.NormEmail(email))
	}
	return nil
}
