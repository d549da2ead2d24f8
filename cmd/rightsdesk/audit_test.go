package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// rightsdesk audit checkpoint | verify [--org] [--digest]: verify exits
// non-zero naming the first broken link (issue 16).
func TestAuditCommand(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()
	for _, name := range []string{"erp", "crm", "web"} {
		if code, _, stderr := runWithInput(t, getenv, "", "token", "add", "--org", "espoo", "--name", name); code != 0 {
			t.Fatalf("token add: %s", stderr)
		}
	}
	code, stdout, stderr := runWithInput(t, getenv, "", "audit", "checkpoint")
	digest := regexp.MustCompile(`digest ([0-9a-f]{64})`).FindStringSubmatch(stdout)
	if code != 0 || !strings.Contains(stdout, "checkpoint 1: 1 chains") || digest == nil {
		t.Fatalf("checkpoint: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify", "--digest", digest[1]); code != 0 ||
		!strings.Contains(stdout, "verified 1 chains, 3 events, 1 checkpoints") || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "audit", "verify", "--digest", strings.Repeat("0", 64)); code != 1 ||
		!strings.Contains(stderr, "no checkpoint has the digest") {
		t.Fatalf("unknown digest: %d %q", code, stderr)
	}
	// A malformed one is refused before anything is verified.
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify", "--digest", digest[1][:63]); code != 1 ||
		!strings.Contains(stderr, "want the 64 hex characters") || strings.Contains(stdout, "verified") {
		t.Fatalf("malformed digest: %d %q %q", code, stdout, stderr)
	}

	// A superuser deletes the newest event with triggers off.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM audit_events WHERE seq = 3 AND case_id IS NULL`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runWithInput(t, getenv, "", "audit", "verify")
	if code != 1 || !strings.Contains(stderr, "audit trail BROKEN: organisation espoo, its own chain, event 3") {
		t.Fatalf("verify after tampering: %d %q", code, stderr)
	}
	// Another organisation's chains are intact.
	if code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify", "--org", "vantaa"); code != 0 || !strings.Contains(stdout, "verified 0 chains") {
		t.Fatalf("verify --org vantaa: %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "audit", "verify", "--org", "nowhere"); code != 1 || !strings.Contains(stderr, "nowhere") {
		t.Fatalf("unknown org: %d %q", code, stderr)
	}
}
