package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/backup"
	"rightsdesk/internal/config"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

const backupMail = "From: Maija Meikäläinen <maija@example.fi>\r\n" +
	"To: privacy@espoo.test\r\n" +
	"Subject: Tietopyyntö %d\r\n" +
	"Message-ID: <backup-%d@example.fi>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=XX\r\n\r\n" +
	"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHaluan tietoni.\r\n" +
	"--XX\r\nContent-Type: application/pdf; name=liite.pdf\r\nContent-Disposition: attachment; filename=liite.pdf\r\n" +
	"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n--XX--\r\n"

var verifiedRe = regexp.MustCompile(`verified \d+ chains, \d+ events, \d+ checkpoints`)

// emailEspoo files the i-th backupMail to Espoo's privacy address through
// the application as serve sets it up: a case with its key and audit
// events.
func emailEspoo(t *testing.T, ctx context.Context, pool *pgxpool.Pool, getenv func(string) string, i int) {
	t.Helper()
	a, err := setup(ctx, mustConfig(t, getenv), &Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: getenv}, false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	org, err := store.New(pool).OrgBySlug(ctx, "espoo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.wf.ReceiveEmail(ctx, org, workflow.InboundMail{To: "privacy@espoo.test", From: "maija@example.fi",
		Raw: fmt.Appendf(nil, backupMail, i, i), ReceivedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// Issue 22: `rightsdesk backup` of a database with cases, files and audit
// events, restored by `rightsdesk restore` into a new embedded cluster,
// passes `rightsdesk audit verify` with the same counts; a changed archive
// and a non-empty target are refused.
func TestBackupRestoreAuditVerifies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, getenv := accountsDB(t)
	for i := 1; i <= 2; i++ {
		emailEspoo(t, ctx, pool, getenv, i)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "token", "add", "--org", "espoo", "--name", "erp"); code != 0 {
		t.Fatalf("token add: %s", stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "audit", "checkpoint"); code != 0 {
		t.Fatalf("checkpoint: %s", stderr)
	}
	code, stdout, stderr := runWithInput(t, getenv, "", "audit", "verify")
	want := verifiedRe.FindString(stdout)
	if code != 0 || want == "" || strings.HasPrefix(want, "verified 0 chains") {
		t.Fatalf("verify the source: %d %q %q", code, stdout, stderr)
	}

	out := filepath.Join(t.TempDir(), "rd.tar")
	code, stdout, stderr = runWithInput(t, getenv, "", "backup", "--out", out)
	if code != 0 || !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "secret key is NOT in the archive") {
		t.Fatalf("backup: %d %q %q", code, stdout, stderr)
	}
	st, err := os.Stat(out)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v (want mode 0600: it holds personal data)", err, st)
	}
	arch, err := backup.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	m := arch.Manifest
	arch.Close()
	if m.Tables["cases"] != 2 || m.Tables["inbound_files"] != 2 || m.Tables["audit_events"] == 0 || m.ServerMajor < 10 ||
		m.SchemaVersion == 0 || !strings.Contains(m.Files, "stored in the database") || len(m.Dump.SHA256) != 64 {
		t.Fatalf("manifest: %+v", m)
	}
	if raw, _ := os.ReadFile(out); bytes.Contains(raw, []byte(testSecretKey)) {
		t.Fatal("the secret key is in the archive")
	}
	if code, _, stderr := runWithInput(t, getenv, "", "backup", "--out", out); code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("backup over an existing file: %d %q", code, stderr)
	}

	// A changed dump (manifest kept) is refused before anything is created.
	bad := filepath.Join(t.TempDir(), "bad.tar")
	tamper(t, out, bad)
	fresh := dataDir(t)
	embedded := func(k string) string {
		switch k {
		case "SECRET_KEY":
			return testSecretKey
		case "LOG_LEVEL":
			return "error"
		}
		return ""
	}
	code, _, stderr = runWithInput(t, embedded, "", "restore", bad, "--data", fresh)
	if code == 0 || !strings.Contains(stderr, "does not match the sha256") {
		t.Fatalf("restore of a tampered archive: %d %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(fresh, "pg")); !os.IsNotExist(err) {
		t.Fatalf("a refused restore created the cluster: %v", err)
	}

	// Into a new embedded cluster: audit verify gives the source's counts.
	code, stdout, stderr = runWithInput(t, embedded, "", "restore", out, "--data", fresh)
	if code != 0 || !strings.Contains(stdout, "counts match the manifest") {
		t.Fatalf("restore: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runWithInput(t, embedded, "", "audit", "verify", "--data-dir", fresh)
	if code != 0 || verifiedRe.FindString(stdout) != want || !strings.Contains(stdout, "audit trail intact") {
		t.Fatalf("verify the restore: %d %q %q (want %q)", code, stdout, stderr, want)
	}
	// The embedded default backs up too (pg_dump beside its binaries), the
	// same rows.
	out2 := filepath.Join(t.TempDir(), "rd2.tar")
	if code, stdout, stderr := runWithInput(t, embedded, "", "backup", "--data-dir", fresh, "--out", out2); code != 0 {
		t.Fatalf("backup of the embedded default: %d %q %q", code, stdout, stderr)
	}
	arch2, err := backup.Open(out2)
	if err != nil {
		t.Fatal(err)
	}
	arch2.Close()
	for table, n := range m.Tables {
		if arch2.Manifest.Tables[table] != n {
			t.Errorf("embedded backup: %s has %d rows, the first backup %d", table, arch2.Manifest.Tables[table], n)
		}
	}
	if code, _, stderr := runWithInput(t, embedded, "", "backup", "--data-dir", t.TempDir(), "--out", out2+".x"); code == 0 || !strings.Contains(stderr, "no embedded database") {
		t.Fatalf("backup of an empty DATA_DIR: %d %q", code, stderr)
	}

	// Restoring again over it is refused.
	if code, _, stderr := runWithInput(t, embedded, "", "restore", out, "--data", fresh); code == 0 || !strings.Contains(stderr, "already holds a database") {
		t.Fatalf("restore over a database: %d %q", code, stderr)
	}

	// Into an external database: only an empty one.
	if code, _, stderr := runWithInput(t, getenv, "", "restore", out); code == 0 || !strings.Contains(stderr, "is not empty") {
		t.Fatalf("restore into the source: %d %q", code, stderr)
	}
	name := "rd_restore_" + fmt.Sprint(time.Now().UnixNano())
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	external := func(k string) string {
		if k == "DATABASE_URL" {
			return getenv(k) + " dbname=" + name
		}
		return getenv(k)
	}
	if code, stdout, stderr := runWithInput(t, external, "", "restore", out); code != 0 || !strings.Contains(stdout, "counts match the manifest") {
		t.Fatalf("restore into an empty DATABASE_URL: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runWithInput(t, external, "", "audit", "verify"); code != 0 || verifiedRe.FindString(stdout) != want {
		t.Fatalf("verify the external restore: %d %q %q", code, stdout, stderr)
	}
}

// tamper copies the archive in to out with one byte of the dump changed
// and the manifest kept.
func tamper(t *testing.T, in, out string) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	tr, tw := tar.NewReader(f), tar.NewWriter(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name != "manifest.json" {
			b[len(b)/2] ^= 0x01
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustConfig(t *testing.T, getenv func(string) string) config.Config {
	t.Helper()
	cfg, _, err := config.Parse("test", nil, getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = false
	return cfg
}
