package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rightsdesk/internal/config"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// D-17: the embedded default generates DATA_DIR's key on the first start,
// and only then. A data directory restored without its key file (or one
// whose key was deleted) holds cases and an audit trail sealed under the
// old key: a start there must stop and say so, not generate a new key
// under which the old data can never be read or verified.
func TestNoNewKeyOverKeyedData_D17(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, getenv := accountsDB(t)
	held := func() (bool, error) { return store.New(pool).HoldsKeyedData(ctx) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	cfg := config.Config{DataDir: dir}
	keyPath := filepath.Join(dir, secret.KeyFileName)

	// A database with organisations but nothing sealed: a first start.
	first, _, err := readRing(cfg, log, held)
	if err != nil || first == "" {
		t.Fatalf("first start: %q, %v", first, err)
	}
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("no key file after the first start: %v", err)
	}

	// A case arrives (case key, audit events), then the key file is lost.
	emailEspoo(t, ctx, pool, getenv, 1)
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	_, _, err = readRing(cfg, log, held)
	if err == nil || !strings.Contains(err.Error(), "none was generated") || !strings.Contains(err.Error(), keyPath) {
		t.Fatalf("a start over sealed data without its key: %v, want a refusal naming %s", err, keyPath)
	}
	if _, err := os.Stat(keyPath); !os.IsNotExist(err) {
		t.Errorf("a key file was written anyway (%v)", err)
	}
	// Put back, the key is read again.
	if err := os.WriteFile(keyPath, []byte(first+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if again, _, err := readRing(cfg, log, held); err != nil || again != first {
		t.Fatalf("after the key came back: %v (same key: %v)", err, again == first)
	}
}
