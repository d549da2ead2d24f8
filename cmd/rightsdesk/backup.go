package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rightsdesk/internal/backup"
	"rightsdesk/internal/pgembed"
)

// runBackup writes one archive: a pg_dump (custom format, by the pg_dump of
// the server's major version) and its manifest (issue 22). Beside a
// running serve it uses that server's embedded cluster.
func runBackup(ctx context.Context, env *Env, args []string) error {
	var out string
	cfg, _, err := parseConfig(env, "backup", args, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "the archive to write (a tar file: manifest.json and the dump); required")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return errors.New("--out FILE is required")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists: choose a new file name", out)
	}
	log := newLogger(cfg, env)
	dsn, binDir := cfg.DatabaseURL, ""
	if cfg.Embedded() {
		dir, err := filepath.Abs(filepath.Join(cfg.DataDir, "pg"))
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
			return fmt.Errorf("no embedded database in %s (DATA_DIR=%s): nothing to back up", dir, cfg.DataDir)
		}
		cluster, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Logger: log, Fsync: true, Attach: true})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		defer cluster.Stop(context.Background())
		dsn, binDir = cluster.DSN("rightsdesk"), cluster.BinDir()
	}
	t0 := time.Now()
	m, err := backup.Create(ctx, backup.Options{DSN: dsn, BinDir: binDir, Out: out, Version: version})
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "wrote %s: PostgreSQL %s, schema version %d, %d tables, %d rows, dump %d bytes sha256 %s (%s)\n",
		out, m.ServerVersion, m.SchemaVersion, len(m.Tables), rows, m.Dump.Bytes, m.Dump.SHA256, time.Since(t0).Round(time.Millisecond))
	fmt.Fprintln(env.Stdout, "Uploaded files are in the database, so in this dump.")
	fmt.Fprintln(env.Stdout, "The secret key is NOT in the archive: back up SECRET_KEY (or DATA_DIR/secret.key) separately (docs/operations.md).")
	return nil
}

// runRestore loads an archive into a new embedded data directory (--data,
// default DATA_DIR) or into the empty database at DATABASE_URL, after
// checking the archive against its manifest.
func runRestore(ctx context.Context, env *Env, args []string) error {
	var data string
	var file []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[:1], args[1:] // restore FILE --data DIR
	}
	cfg, rest, err := parseConfig(env, "restore", args, func(fs *flag.FlagSet) {
		fs.StringVar(&data, "data", "", "the new embedded data directory (default DATA_DIR); ignored with DATABASE_URL")
	})
	if err != nil {
		return err
	}
	rest = append(file, rest...)
	if len(rest) != 1 {
		return errors.New("usage: rightsdesk restore FILE [--data DIR]")
	}
	a, err := backup.Open(rest[0])
	if err != nil {
		return err
	}
	defer a.Close()
	log := newLogger(cfg, env)
	m := a.Manifest
	target := "DATABASE_URL"
	if cfg.Embedded() {
		if data == "" {
			data = cfg.DataDir
		}
		dir, err := filepath.Abs(filepath.Join(data, "pg"))
		if err != nil {
			return err
		}
		if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
			return fmt.Errorf("%s already holds a database: restore only into a new data directory (--data DIR)", dir)
		}
		cluster, err := pgembed.Start(ctx, pgembed.Options{DataDir: dir, Logger: log, Fsync: true})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = cluster.Stop(sctx)
		}()
		if err := cluster.EnsureDatabase(ctx, "rightsdesk"); err != nil {
			return err
		}
		if err := backup.Restore(ctx, a, cluster.DSN("rightsdesk"), cluster.BinDir()); err != nil {
			return err
		}
		target = data
	} else if err := backup.Restore(ctx, a, cfg.DatabaseURL, ""); err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	fmt.Fprintf(env.Stdout, "restored the backup of %s (PostgreSQL %s, schema version %d) into %s: %d tables, %d rows, counts match the manifest\n",
		m.CreatedAt.Format(time.RFC3339), m.ServerVersion, m.SchemaVersion, target, len(m.Tables), rows)
	keyFile := filepath.Join(data, "secret.key")
	if cfg.SecretKey == "" {
		if _, err := os.Stat(keyFile); cfg.Embedded() && err != nil {
			fmt.Fprintf(env.Stderr, "IMPORTANT: put the secret key back before starting rightsdesk: copy the backed-up secret.key to %s (mode 0600) or set SECRET_KEY. Started without it, the embedded default would generate a new key, and the restored encrypted fields and audit trail could not be read or verified.\n", keyFile)
		} else if !cfg.Embedded() {
			fmt.Fprintln(env.Stderr, "IMPORTANT: start rightsdesk with the backed-up SECRET_KEY (and OLD_SECRET_KEYS): without them the restored encrypted fields and audit trail cannot be read or verified.")
		}
	}
	return nil
}
