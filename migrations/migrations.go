// Package migrations holds the numbered SQL migrations of rightsdesk and
// the runner that applies them. Each NNN_name.up.sql has a matching
// NNN_name.down.sql; both are embedded in the binary. River's own tables are
// managed by rivermigrate and applied after ours on the way up (and before
// ours are dropped on the way down).
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// Migration is one numbered step.
type Migration struct {
	Version int
	Name    string
	Up      string
	Down    string
}

// Status reports one migration and whether it is applied.
type Status struct {
	Migration
	Applied bool
}

// lockKey serialises concurrent migrators (two instances starting at once).
const lockKey = 0x7264_6d69_6772 // "rdmigr"

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	return load(files)
}

func load(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		name := e.Name()
		var dir string
		switch {
		case strings.HasSuffix(name, ".up.sql"):
			dir = "up"
		case strings.HasSuffix(name, ".down.sql"):
			dir = "down"
		default:
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %q: name must be NNN_name.%s.sql", name, dir)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: bad version number", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := byVersion[v]
		if m == nil {
			m = &Migration{Version: v, Name: strings.TrimSuffix(strings.TrimSuffix(rest, ".up.sql"), ".down.sql")}
			byVersion[v] = m
		}
		if dir == "up" {
			m.Up = string(body)
		} else {
			m.Down = string(body)
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %03d_%s: needs both .up.sql and .down.sql", m.Version, m.Name)
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration versions must be 1..N without gaps; found %03d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Up applies every pending migration, each in its own transaction, then
// River's migrations.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	if err := To(ctx, pool, -1); err != nil {
		return err
	}
	return riverUp(ctx, pool)
}

func riverUp(ctx context.Context, pool *pgxpool.Pool) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// To migrates up or down until exactly the migrations 1..target are applied
// (target -1 means all). It holds an advisory lock for the whole run.
func To(ctx context.Context, pool *pgxpool.Pool, target int) error {
	all, err := All()
	if err != nil {
		return err
	}
	if target < 0 || target > len(all) {
		target = len(all)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migrations: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey) //nolint:errcheck
	if _, err := conn.Exec(ctx, createTable); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	applied, err := appliedVersions(ctx, conn.Conn())
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.Version <= target && !applied[m.Version] {
			if err := apply(ctx, conn.Conn(), m.Up, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %03d_%s up: %w", m.Version, m.Name, err)
			}
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		if m.Version > target && applied[m.Version] {
			if err := apply(ctx, conn.Conn(), m.Down, `DELETE FROM schema_migrations WHERE version = $1 AND name = $2`, m.Version, m.Name); err != nil {
				return fmt.Errorf("migration %03d_%s down: %w", m.Version, m.Name, err)
			}
		}
	}
	return nil
}

// Down rolls back the newest `steps` migrations of ours. Rolling back all of
// them also removes River's tables.
func Down(ctx context.Context, pool *pgxpool.Pool, steps int) error {
	st, err := List(ctx, pool)
	if err != nil {
		return err
	}
	current := 0
	for _, s := range st {
		if s.Applied {
			current = s.Version
		}
	}
	target := max(current-steps, 0)
	if target == 0 {
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return err
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionDown, &rivermigrate.MigrateOpts{TargetVersion: -1}); err != nil {
			return fmt.Errorf("river migrations down: %w", err)
		}
	}
	return To(ctx, pool, target)
}

func apply(ctx context.Context, conn *pgx.Conn, sql, record string, version int, name string) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, record, version, name)
		return err
	})
}

func appliedVersions(ctx context.Context, conn *pgx.Conn) (map[int]bool, error) {
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	out := make(map[int]bool, len(vs))
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

// List returns every known migration with its applied flag.
func List(ctx context.Context, pool *pgxpool.Pool) ([]Status, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	if exists {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Release()
		if applied, err = appliedVersions(ctx, conn.Conn()); err != nil {
			return nil, err
		}
	}
	out := make([]Status, len(all))
	for i, m := range all {
		out[i] = Status{Migration: m, Applied: applied[m.Version]}
	}
	return out, nil
}

// ErrPending is returned by Current when migrations are not all applied.
var ErrPending = errors.New("database migrations are not current")

// Current reports nil when every migration is applied (used by /readyz).
func Current(ctx context.Context, pool *pgxpool.Pool) error {
	st, err := List(ctx, pool)
	if err != nil {
		return err
	}
	for _, s := range st {
		if !s.Applied {
			return fmt.Errorf("%w: %03d_%s pending", ErrPending, s.Version, s.Name)
		}
	}
	return nil
}
