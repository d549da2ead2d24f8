// Package backup writes and reads rightsdesk's backup archive (issue 22):
// one tar file holding manifest.json and a pg_dump of the database in
// custom format, made by the pg_dump of the server's own major version.
// The manifest records what a restore checks: the dump's sha256 and every
// table's row count, read in the dump's own snapshot. The secret key is
// never in it: it is backed up separately.
package backup

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Format names the archive layout; a restore refuses any other.
const Format = "rightsdesk-backup/1"

const (
	manifestName = "manifest.json"
	dumpName     = "rightsdesk.dump"
)

// FilesNote says where uploaded files live, so that whoever restores knows
// the dump is the whole of them.
const FilesNote = "Uploaded and generated files (task attachments, files of emailed requests, raw inbound messages, sent answer PDFs) are stored in the database (task_attachments, inbound_files, inbound_messages, answer_deliveries): this dump holds them all; there is no file directory to back up."

// KeyNote says why the secret key is not here and what to do.
const KeyNote = "The secret key (SECRET_KEY, or DATA_DIR/secret.key in the embedded default) and OLD_SECRET_KEYS are not in this archive. Keep them in a separate, protected place: without them the restored database's encrypted fields cannot be read and its audit trail cannot be verified."

// Manifest describes one backup.
type Manifest struct {
	Format            string           `json:"format"`
	RightsdeskVersion string           `json:"rightsdesk_version"`
	CreatedAt         time.Time        `json:"created_at"`
	ServerVersion     string           `json:"server_version"`
	ServerMajor       int              `json:"server_major"`
	PgDumpVersion     string           `json:"pg_dump_version"`
	Database          string           `json:"database"`
	SchemaVersion     int              `json:"schema_version"` // highest applied rightsdesk migration
	Tables            map[string]int64 `json:"tables"`         // rows per table, in the dump's snapshot
	Dump              DumpInfo         `json:"dump"`
	Files             string           `json:"files"`
	SecretKey         string           `json:"secret_key"`
}

// DumpInfo names the dump inside the archive and its checksum.
type DumpInfo struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// ---- tools ----------------------------------------------------------------

var versionRe = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// ToolVersion runs `tool --version` and returns its major version and the
// full line.
func ToolVersion(path string) (int, string, error) {
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return 0, "", fmt.Errorf("%s --version: %w", path, err)
	}
	m := versionRe.FindStringSubmatch(string(out))
	if m == nil {
		return 0, "", fmt.Errorf("%s --version: unrecognized output %q", path, strings.TrimSpace(string(out)))
	}
	major, _ := strconv.Atoi(m[1])
	return major, strings.TrimSpace(string(out)), nil
}

// FindTool finds pg_dump or pg_restore of PostgreSQL major version major:
// first beside the server binaries in binDir (the embedded cluster's, or
// the directory their symbolic links point to), then in
// /usr/lib/postgresql/<major>/bin, then on PATH. A tool of another major
// version is refused with the way out.
func FindTool(name string, major int, binDir string) (string, error) {
	var candidates []string
	if binDir != "" {
		candidates = append(candidates, filepath.Join(binDir, name))
		if real, err := filepath.EvalSymlinks(filepath.Join(binDir, "postgres")); err == nil {
			candidates = append(candidates, filepath.Join(filepath.Dir(real), name))
		}
	}
	candidates = append(candidates, filepath.Join("/usr/lib/postgresql", strconv.Itoa(major), "bin", name))
	if p, err := exec.LookPath(name); err == nil {
		candidates = append(candidates, p)
	}
	var found []string
	for _, c := range candidates {
		st, err := os.Stat(c)
		if err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
			continue
		}
		v, line, err := ToolVersion(c)
		if err != nil {
			found = append(found, c+": "+err.Error())
			continue
		}
		if v == major {
			return c, nil
		}
		found = append(found, fmt.Sprintf("%s is %s", c, line))
	}
	msg := fmt.Sprintf("no %s of PostgreSQL %d found (the server is PostgreSQL %d, and %s must be of the same major version)", name, major, major, name)
	if len(found) > 0 {
		msg += "; found only: " + strings.Join(found, "; ")
	}
	return "", fmt.Errorf("%s. Install it (Debian/Ubuntu: apt-get install postgresql-client-%d, from apt.postgresql.org when the release lacks it) or put its bin directory first on PATH", msg, major)
}

// ---- connection strings ------------------------------------------------------

var (
	kvPoolRe     = regexp.MustCompile(`\bpool_[a-z_]+\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)\s*`)
	kvPasswordRe = regexp.MustCompile(`\bpassword\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)\s*`)
)

// libpqDSN turns a pgx connection string (URL or keyword/value) into one
// libpq's tools accept: without pgx's pool_* settings, and without the
// password, which goes to the tool in PGPASSWORD so that it never shows in
// the process list.
func libpqDSN(dsn string) (conn, password string, err error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "", "", fmt.Errorf("connection string: %w", err)
	}
	password = cfg.Password
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", "", fmt.Errorf("connection string: %w", err)
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") || k == "password" {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), password, nil
	}
	s := kvPoolRe.ReplaceAllString(dsn, "")
	s = kvPasswordRe.ReplaceAllString(s, "")
	return strings.TrimSpace(s), password, nil
}

// connect opens one connection with a pgx pool connection string (its
// pool_* settings are ignored).
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg.ConnConfig)
}

func toolEnv(password string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PGPASSWORD=") {
			continue
		}
		env = append(env, kv)
	}
	if password != "" {
		env = append(env, "PGPASSWORD="+password)
	}
	return env
}

// ---- server facts ------------------------------------------------------------

// ServerMajor returns the server's major version and its full version.
func ServerMajor(ctx context.Context, conn *pgx.Conn) (int, string, error) {
	var num int
	var full string
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, current_setting('server_version')`).Scan(&num, &full); err != nil {
		return 0, "", fmt.Errorf("server version: %w", err)
	}
	return num / 10000, full, nil
}

// tableCounts counts the rows of every table outside the system schemas.
func tableCounts(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `
		SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
		ORDER BY 1, 2`)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	type tbl struct{ schema, name string }
	var tables []tbl
	for rows.Next() {
		var t tbl
		if err := rows.Scan(&t.schema, &t.name); err != nil {
			return nil, err
		}
		tables = append(tables, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.schema, t.name}.Sanitize()).Scan(&n); err != nil {
			return nil, fmt.Errorf("counting %s: %w", t.name, err)
		}
		key := t.name
		if t.schema != "public" {
			key = t.schema + "." + t.name
		}
		out[key] = n
	}
	return out, nil
}

func schemaVersion(ctx context.Context, tx pgx.Tx) (int, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if !exists {
		return 0, errors.New("the database holds no rightsdesk schema (no schema_migrations table): nothing to back up")
	}
	var v *int
	err := tx.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// ---- backup ------------------------------------------------------------------

// Options configures Create.
type Options struct {
	DSN     string // the database (pgx connection string)
	BinDir  string // the embedded cluster's binaries; "" for an external server
	Out     string // the archive to write
	Version string // rightsdesk's version
}

// Create dumps the database into a new archive at o.Out (written under a
// temporary name and renamed when complete, mode 0600: it holds personal
// data). The row counts and the dump share one snapshot.
func Create(ctx context.Context, o Options) (Manifest, error) {
	m := Manifest{Format: Format, RightsdeskVersion: o.Version, CreatedAt: time.Now().UTC(), Files: FilesNote, SecretKey: KeyNote}
	conn, err := connect(ctx, o.DSN)
	if err != nil {
		return m, fmt.Errorf("connecting to the database: %w", err)
	}
	defer conn.Close(context.Background())
	m.ServerMajor, m.ServerVersion, err = ServerMajor(ctx, conn)
	if err != nil {
		return m, err
	}
	m.Database = conn.Config().Database
	pgDump, err := FindTool("pg_dump", m.ServerMajor, o.BinDir)
	if err != nil {
		return m, err
	}
	_, m.PgDumpVersion, _ = ToolVersion(pgDump)
	dsn, password, err := libpqDSN(o.DSN)
	if err != nil {
		return m, err
	}

	// One snapshot for the counts and the dump: the manifest describes
	// exactly what the dump holds, even while the server keeps working.
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return m, err
	}
	defer tx.Rollback(context.Background())
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
		return m, fmt.Errorf("exporting a snapshot: %w", err)
	}
	if m.SchemaVersion, err = schemaVersion(ctx, tx); err != nil {
		return m, err
	}
	if m.Tables, err = tableCounts(ctx, tx); err != nil {
		return m, err
	}

	dir := filepath.Dir(o.Out)
	dumpFile, err := os.CreateTemp(dir, ".rightsdesk-dump-*")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(dumpFile.Name())
	defer dumpFile.Close()
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--snapshot="+snapshot, "--dbname="+dsn)
	cmd.Env = toolEnv(password)
	h := sha256.New()
	cmd.Stdout = io.MultiWriter(dumpFile, h)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return m, fmt.Errorf("pg_dump: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	if err := tx.Rollback(ctx); err != nil {
		return m, err
	}
	st, err := dumpFile.Stat()
	if err != nil {
		return m, err
	}
	m.Dump = DumpInfo{Name: dumpName, Format: "pg_dump custom", Bytes: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}
	if _, err := dumpFile.Seek(0, io.SeekStart); err != nil {
		return m, err
	}
	return m, writeArchive(o.Out, m, dumpFile)
}

func writeArchive(out string, m Manifest, dump io.Reader) (err error) {
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(out), ".rightsdesk-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	hdr := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	}
	if err := tw.WriteHeader(hdr(manifestName, int64(len(mj)))); err != nil {
		return err
	}
	if _, err := tw.Write(mj); err != nil {
		return err
	}
	if err := tw.WriteHeader(hdr(dumpName, m.Dump.Bytes)); err != nil {
		return err
	}
	if _, err := io.Copy(tw, dump); err != nil {
		return fmt.Errorf("backup: writing the archive: %w", err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}

// ---- restore -----------------------------------------------------------------

// ErrTampered: the archive's dump does not match its manifest.
var ErrTampered = errors.New("the archive's dump does not match the sha256 in its manifest: the file is damaged or was changed; nothing was restored")

// Archive is an opened, verified backup: its manifest and the dump
// extracted to a temporary file.
type Archive struct {
	Manifest Manifest
	DumpPath string
	dir      string
}

// Close removes the extracted dump.
func (a *Archive) Close() error { return os.RemoveAll(a.dir) }

// Open reads the archive at path, extracts its dump to a temporary
// directory and checks it against the manifest's size and sha256.
func Open(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName {
		return nil, fmt.Errorf("%s is not a rightsdesk backup (no %s first)", path, manifestName)
	}
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(tr, 16<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: reading its manifest: %w", path, err)
	}
	if m.Format != Format {
		return nil, fmt.Errorf("%s: unknown backup format %q (this rightsdesk reads %q)", path, m.Format, Format)
	}
	h, err = tr.Next()
	if err != nil || h.Name != m.Dump.Name {
		return nil, fmt.Errorf("%s: no dump %q after the manifest", path, m.Dump.Name)
	}
	dir, err := os.MkdirTemp("", "rdrestore")
	if err != nil {
		return nil, err
	}
	a := &Archive{Manifest: m, DumpPath: filepath.Join(dir, dumpName), dir: dir}
	out, err := os.OpenFile(a.DumpPath, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		a.Close()
		return nil, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, sum), tr)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("%s: reading the dump: %w", path, err)
	}
	if n != m.Dump.Bytes || hex.EncodeToString(sum.Sum(nil)) != m.Dump.SHA256 {
		a.Close()
		return nil, ErrTampered
	}
	return a, nil
}

// CheckEmpty refuses a database that holds any table, view or sequence
// outside the system schemas: a restore never mixes two databases.
func CheckEmpty(ctx context.Context, conn *pgx.Conn) error {
	var n int
	err := conn.QueryRow(ctx, `
		SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'`).Scan(&n)
	if err != nil {
		return fmt.Errorf("checking the target is empty: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("the target database %q is not empty (%d tables, views or sequences): restore only into a new, empty database", conn.Config().Database, n)
	}
	return nil
}

// Restore loads the archive's dump into the empty database at dsn with
// the pg_restore of that server's major version (binDir as for FindTool),
// in one transaction, then checks every table's row count against the
// manifest.
func Restore(ctx context.Context, a *Archive, dsn, binDir string) error {
	conn, err := connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connecting to the target database: %w", err)
	}
	defer conn.Close(context.Background())
	major, _, err := ServerMajor(ctx, conn)
	if err != nil {
		return err
	}
	if major < a.Manifest.ServerMajor {
		return fmt.Errorf("the target server is PostgreSQL %d but the backup comes from PostgreSQL %d: restore into PostgreSQL %d or newer", major, a.Manifest.ServerMajor, a.Manifest.ServerMajor)
	}
	if err := CheckEmpty(ctx, conn); err != nil {
		return err
	}
	pgRestore, err := FindTool("pg_restore", major, binDir)
	if err != nil {
		return err
	}
	conn2, password, err := libpqDSN(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, pgRestore, "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
		"--dbname="+conn2, a.DumpPath)
	cmd.Env = toolEnv(password)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_restore: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background())
	got, err := tableCounts(ctx, tx)
	if err != nil {
		return err
	}
	var diff []string
	for t, n := range a.Manifest.Tables {
		if got[t] != n {
			diff = append(diff, fmt.Sprintf("%s: %d rows, manifest says %d", t, got[t], n))
		}
	}
	if len(diff) > 0 {
		return fmt.Errorf("restored, but the row counts differ from the manifest: %s", strings.Join(diff, "; "))
	}
	return nil
}
