package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"rightsdesk/internal/store"
	"rightsdesk/migrations"
)

// runMigrate: up | down [N] | status. Works on the embedded cluster too.
func runMigrate(ctx context.Context, env *Env, args []string) error {
	verb := "up"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:] // migrate status --data-dir X
	}
	cfg, rest, err := parseConfig(env, "migrate", args, nil)
	if err != nil {
		return err
	}
	if verb == "up" && len(rest) > 0 && (rest[0] == "up" || rest[0] == "down" || rest[0] == "status") {
		verb, rest = rest[0], rest[1:] // migrate --data-dir X status
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
	switch verb {
	case "up":
		if err := migrations.Up(ctx, pool); err != nil {
			return err
		}
		// Existing personal data is sealed with the keyring (issue 16
		// item 4); without a key here, serve does it at its start.
		keys, kerr := loadKeys(ctx, cfg, log, pool)
		if kerr != nil {
			fmt.Fprintf(env.Stdout, "existing personal data not encrypted yet (%v): serve encrypts it at start\n", kerr)
			break
		}
		rep, err := store.EncryptLegacy(ctx, pool, keys)
		if err != nil {
			return fmt.Errorf("encrypting existing personal data: %w", err)
		}
		fmt.Fprintf(env.Stdout, "encrypted existing personal data: %d values, %d case keys, %d email indexes\n",
			rep.Sealed, rep.CaseKeys, rep.EmailIndexed)
	case "down":
		steps := 1
		if len(rest) > 0 {
			if steps, err = strconv.Atoi(rest[0]); err != nil || steps < 1 {
				return fmt.Errorf("down takes a positive number of steps, got %q", rest[0])
			}
		}
		if err := migrations.Down(ctx, pool, steps); err != nil {
			return err
		}
	case "status":
	default:
		return fmt.Errorf("unknown migrate verb %q (up, down [N], status)", verb)
	}
	st, err := migrations.List(ctx, pool)
	if err != nil {
		return err
	}
	for _, s := range st {
		mark := "pending"
		if s.Applied {
			mark = "applied"
		}
		fmt.Fprintf(env.Stdout, "%03d %-20s %s\n", s.Version, s.Name, mark)
	}
	return nil
}
