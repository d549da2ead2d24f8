package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tools get a libpq connection string without pgx's pool settings,
// and the password only through PGPASSWORD (never in the process list).
func TestLibpqDSN(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, conn, pw string }{
		{"postgres://rd:s3cret@db:5432/rightsdesk?sslmode=disable&pool_max_conns=20", "postgres://rd@db:5432/rightsdesk?sslmode=disable", "s3cret"},
		{"postgres://rd@db/rightsdesk", "postgres://rd@db/rightsdesk", ""},
		{"host=/tmp/rdpg1 port=5433 user=postgres password='a b' dbname=rightsdesk pool_max_conns=20", "host=/tmp/rdpg1 port=5433 user=postgres dbname=rightsdesk", "a b"},
	} {
		conn, pw, err := libpqDSN(tc.in)
		if err != nil || conn != tc.conn || pw != tc.pw {
			t.Errorf("libpqDSN(%q) = %q, %q, %v; want %q, %q", tc.in, conn, pw, err, tc.conn, tc.pw)
		}
	}
}

// A pg_dump of another major version is refused, naming what was found
// and how to get the right one.
func TestFindToolRefusesAnotherMajor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fake := filepath.Join(dir, "pg_dump")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'pg_dump (PostgreSQL) 97.1'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, err := FindTool("pg_dump", 97, dir); err != nil || p != fake {
		t.Fatalf("matching major: %q %v", p, err)
	}
	_, err := FindTool("pg_dump", 98, dir)
	if err == nil || !strings.Contains(err.Error(), "no pg_dump of PostgreSQL 98") || !strings.Contains(err.Error(), fake+" is pg_dump (PostgreSQL) 97.1") ||
		!strings.Contains(err.Error(), "postgresql-client-98") {
		t.Fatalf("another major: %v", err)
	}
}
