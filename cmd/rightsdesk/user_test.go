package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// testSecretKey is the SECRET_KEY of the CLI tests: commands that write
// audit events need the keyring (D-26).
var testSecretKey = strings.Repeat("ab", 32)

func testKeys(t *testing.T) *secret.Keys {
	t.Helper()
	k, err := secret.NewRing(testSecretKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// accountsDB is a fresh database with two organisations and the
// environment pointing the CLI at it (light argon2 parameters).
func accountsDB(t *testing.T) (*pgxpool.Pool, func(string) string) {
	t.Helper()
	dsn := pgtest.ConnString(t)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, o := range []store.Org{
		{Slug: "espoo", NameFI: "Espoo", NameSV: "Esbo", PrimaryLang: "fi"},
		{Slug: "vantaa", NameFI: "Vantaa", NameSV: "Vanda", PrimaryLang: "fi"},
	} {
		if _, err := store.New(pool).UpsertOrg(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	return pool, func(k string) string {
		switch k {
		case "DATABASE_URL":
			return dsn
		case "SECRET_KEY":
			return testSecretKey
		case "LOG_LEVEL":
			return "error"
		case "ARGON2_MEMORY_KIB":
			return "64"
		case "ARGON2_TIME":
			return "1"
		}
		return ""
	}
}

// runWithInput runs the CLI with stdin.
func runWithInput(t *testing.T, getenv func(string) string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: getenv}, args)
	return code, out.String(), errb.String()
}

func TestUserAddListDisable(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()
	const pw = "correct horse battery"

	for _, tc := range []struct {
		name, stdin string
		args        []string
		stderr      string
	}{
		{"short password", "elevenchars\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo", "--role", "dpo"}, "12"},
		{"no password", "", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo", "--role", "dpo"}, "standard input"},
		{"password flag", pw + "\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo", "--role", "dpo", "--password", pw}, "not defined"},
		{"no role", pw + "\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo"}, "--role"},
		{"bad role", pw + "\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo", "--role", "root"}, "--role"},
		{"bad lang", pw + "\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "espoo", "--role", "dpo", "--lang", "de"}, "--lang"},
		{"unknown org", pw + "\n", []string{"user", "add", "--email", "a@espoo.example", "--org", "nowhere", "--role", "dpo"}, "no organisation"},
		{"bad email", pw + "\n", []string{"user", "add", "--email", "not-an-email", "--org", "espoo", "--role", "dpo"}, "email"},
		{"no verb", "", []string{"user"}, "usage"},
		{"bad verb", "", []string{"user", "delete"}, "unknown verb"},
	} {
		code, _, stderr := runWithInput(t, getenv, tc.stdin, tc.args...)
		if code != 1 || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", tc.name, code, stderr, tc.stderr)
		}
		if strings.Contains(stderr, pw) {
			t.Errorf("%s: the password was echoed", tc.name)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM staff_users`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("failed adds created %d users (%v)", n, err)
	}

	code, stdout, stderr := runWithInput(t, getenv, pw+"\r\n",
		"user", "add", "--email", "Anna@Espoo.example", "--org", "espoo", "--role", "dpo", "--name", "Anna Admin", "--lang", "sv")
	if code != 0 || stdout != "created anna@espoo.example: dpo in espoo\n" {
		t.Fatalf("add: %d %q %q", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, pw) {
		t.Fatal("the password was printed")
	}
	var hash, lang string
	if err := pool.QueryRow(ctx, `SELECT password_hash, lang FROM staff_users`).Scan(&hash, &lang); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=2$") || lang != "sv" {
		t.Fatalf("stored %q, %q", hash, lang)
	}
	auth := &workflow.StaffAuth{Pool: pool, Keys: testKeys(t), Argon2Memory: 64, Argon2Time: 1}
	tok, _, err := auth.Login(ctx, "anna@espoo.example", pw, "")
	if err != nil {
		t.Fatalf("the password read from stdin does not sign in: %v", err)
	}

	// An existing account gets another membership; no password is read.
	// It says the password is unchanged: a password piped in for a lost
	// one must not seem to have been set.
	code, stdout, stderr = runWithInput(t, getenv, "a new password, ignored\n", "user", "add", "--email", "anna@espoo.example", "--org", "vantaa", "--role", "viewer")
	if code != 0 || stdout != "added anna@espoo.example to vantaa as viewer\n"+
		"the account existed: its password is unchanged (a new one: rightsdesk user password --email anna@espoo.example)\n" {
		t.Fatalf("add membership: %d %q %q", code, stdout, stderr)
	}
	if _, _, err := auth.Login(ctx, "anna@espoo.example", pw, ""); err != nil {
		t.Fatalf("the password changed: %v", err)
	}
	code, _, _ = runWithInput(t, getenv, "another long password\n", "user", "add", "--email", "bo@vantaa.example", "--org", "vantaa", "--role", "admin")
	if code != 0 {
		t.Fatal("second user")
	}

	code, stdout, _ = runWithInput(t, getenv, "", "user", "list")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 3 {
		t.Fatalf("list: %d %q", code, stdout)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "EMAIL NAME ORGANISATIONS DISABLED" {
		t.Errorf("header %q", lines[0])
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "anna@espoo.example Anna Admin espoo:dpo,vantaa:viewer no" {
		t.Errorf("row %q", lines[1])
	}
	if f := strings.Fields(lines[2]); strings.Join(f, " ") != "bo@vantaa.example - vantaa:admin no" {
		t.Errorf("row %q", lines[2])
	}

	// D-29: the platform administrator flag, granted and revoked.
	code, stdout, _ = runWithInput(t, getenv, "", "user", "platform-admin", "--email", "BO@vantaa.example")
	if code != 0 || stdout != "bo@vantaa.example is a platform administrator\n" {
		t.Fatalf("platform-admin: %d %q", code, stdout)
	}
	if st, err := auth.Authenticate(ctx, tok); err != nil || st.PlatformAdmin {
		t.Fatalf("anna became a platform administrator: %v %v", st.PlatformAdmin, err)
	}
	var flagged []string
	rows, _ := pool.Query(ctx, `SELECT email FROM staff_users WHERE platform_admin`)
	for rows.Next() {
		var e string
		_ = rows.Scan(&e)
		flagged = append(flagged, e)
	}
	if rows.Err() != nil || strings.Join(flagged, ",") != "bo@vantaa.example" {
		t.Fatalf("flagged %v (%v)", flagged, rows.Err())
	}
	if code, _, _ = runWithInput(t, getenv, "", "user", "platform-admin", "--email", "bo@vantaa.example", "--revoke"); code != 0 {
		t.Fatal("revoke")
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM staff_users WHERE platform_admin`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("after revoke %d platform administrators (%v)", n, err)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "user", "platform-admin", "--email", "ghost@espoo.example"); code != 1 || !strings.Contains(stderr, "no such account") {
		t.Errorf("platform-admin unknown: %d %q", code, stderr)
	}

	code, stdout, _ = runWithInput(t, getenv, "", "user", "disable", "--email", "ANNA@espoo.example")
	if code != 0 || !strings.HasPrefix(stdout, "disabled anna@espoo.example") {
		t.Fatalf("disable: %d %q", code, stdout)
	}
	if _, err := auth.Authenticate(ctx, tok); !errors.Is(err, workflow.ErrNoSession) {
		t.Fatalf("the disabled user's session survived: %v", err)
	}
	_, stdout, _ = runWithInput(t, getenv, "", "user", "list")
	if !strings.HasSuffix(strings.Fields(strings.Split(stdout, "\n")[1])[4], "yes") {
		t.Errorf("list after disable: %q", stdout)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "user", "disable", "--email", "ghost@espoo.example"); code != 1 || !strings.Contains(stderr, "no such account") {
		t.Errorf("disable unknown: %d %q", code, stderr)
	}
}

// D-20 through the CLI: the token is printed once, only its hash stored.
func TestTokenAddListRevoke(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()

	code, stdout, stderr := runWithInput(t, getenv, "", "token", "add", "--org", "espoo", "--name", "erp")
	token := strings.TrimSpace(stdout)
	if code != 0 || !strings.HasPrefix(token, "rdt_") || strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "only now") {
		t.Fatalf("add: %d %q %q", code, stdout, stderr)
	}
	var inClear int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE position(convert_to($1, 'UTF8') in token_hash) > 0`, token).Scan(&inClear); err != nil || inClear != 0 {
		t.Fatalf("token stored in clear: %d %v", inClear, err)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "token", "add", "--org", "espoo", "--name", "erp"); code != 1 || !strings.Contains(stderr, "already has an active token") {
		t.Errorf("duplicate: %d %q", code, stderr)
	}
	auth := &workflow.StaffAuth{Pool: pool, Keys: testKeys(t)}
	if _, err := auth.UseAPIToken(ctx, token); err != nil {
		t.Fatalf("the printed token does not work: %v", err)
	}

	list := func(org string) []string {
		t.Helper()
		code, stdout, stderr := runWithInput(t, getenv, "", "token", "list", "--org", org)
		if code != 0 {
			t.Fatalf("list: %d %q", code, stderr)
		}
		return strings.Split(strings.TrimSpace(stdout), "\n")
	}
	rows := list("espoo")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "NAME") {
		t.Fatalf("list %q", rows)
	}
	f := strings.Fields(rows[1]) // erp, created date time, last used date time, -
	if len(f) != 6 || f[0] != "erp" || f[3] == "-" || f[5] != "-" {
		t.Errorf("row %q", rows[1])
	}
	if strings.Contains(strings.Join(rows, "\n"), token) {
		t.Error("list shows the token")
	}
	if rows := list("vantaa"); len(rows) != 1 {
		t.Errorf("another organisation's list shows %q", rows)
	}

	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"token", "revoke", "--org", "vantaa", "--name", "erp"}, "no active token"},
		{[]string{"token", "revoke", "--org", "espoo"}, "usage"},
		{[]string{"token", "add", "--org", "nowhere", "--name", "x"}, "no organisation"},
		{[]string{"token", "list"}, "usage"},
		{[]string{"token", "rotate", "--org", "espoo"}, "unknown verb"},
	} {
		if code, _, stderr := runWithInput(t, getenv, "", tc.args...); code != 1 || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: %d %q", tc.args, code, stderr)
		}
	}
	code, stdout, _ = runWithInput(t, getenv, "", "token", "revoke", "--org", "espoo", "--name", "erp")
	if code != 0 || stdout != "revoked token \"erp\" of espoo\n" {
		t.Fatalf("revoke: %d %q", code, stdout)
	}
	if _, err := auth.UseAPIToken(ctx, token); !errors.Is(err, workflow.ErrBadToken) {
		t.Fatalf("revoked token still works: %v", err)
	}
	if f := strings.Fields(list("espoo")[1]); len(f) != 7 || f[5] == "-" {
		t.Errorf("revoked row %q", f)
	}
	if code, _, stderr := runWithInput(t, getenv, "", "token", "revoke", "--org", "espoo", "--name", "erp"); code != 1 || !strings.Contains(stderr, "no active token") {
		t.Errorf("second revoke: %d %q", code, stderr)
	}
}

// A lost password, where no reset mail can be read (the embedded default's
// catcher is read signed in): `user password` sets a new one from standard
// input, ends the account's sessions, and is audited in its organisations.
func TestUserPasswordSetsANewOne(t *testing.T) {
	t.Parallel()
	pool, getenv := accountsDB(t)
	ctx := context.Background()
	const old, fresh = "the first long password", "the second long password"
	if code, _, stderr := runWithInput(t, getenv, old+"\n", "user", "add", "--email", "lost@espoo.example", "--org", "espoo", "--role", "dpo"); code != 0 {
		t.Fatalf("add: %s", stderr)
	}
	auth := &workflow.StaffAuth{Pool: pool, Keys: testKeys(t), Argon2Memory: 64, Argon2Time: 1}
	tok, _, err := auth.Login(ctx, "lost@espoo.example", old, "")
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runWithInput(t, getenv, "short\n", "user", "password", "--email", "lost@espoo.example"); code == 0 || !strings.Contains(stderr, "12") {
		t.Errorf("a short password: %d %q", code, stderr)
	}
	if code, _, stderr := runWithInput(t, getenv, fresh+"\n", "user", "password", "--email", "nobody@espoo.example"); code == 0 || !strings.Contains(stderr, "no such account") {
		t.Errorf("an unknown account: %d %q", code, stderr)
	}
	code, stdout, stderr := runWithInput(t, getenv, fresh+"\n", "user", "password", "--email", "Lost@espoo.example")
	if code != 0 || stdout != "set a new password for lost@espoo.example; its sessions are ended\n" {
		t.Fatalf("password: %d %q %q", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, fresh) {
		t.Fatal("the password was printed")
	}
	if _, _, err := auth.Login(ctx, "lost@espoo.example", old, ""); err == nil {
		t.Error("the old password still signs in")
	}
	if _, _, err := auth.Login(ctx, "lost@espoo.example", fresh, ""); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	if _, err := auth.Authenticate(ctx, tok); err == nil {
		t.Error("a session from before the new password still works")
	}
	var audited int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'staff.password_reset'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("%d password events (%v), want 1", audited, err)
	}
}

// A worker with the in-process catcher would catch mail in its own
// process, where no /staff/mail shows it: it refuses to start.
func TestWorkerRefusesTheCatcher(t *testing.T) {
	t.Parallel()
	_, getenv := accountsDB(t)
	env := func(k string) string {
		if k == "SMTP_URL" {
			return "catcher"
		}
		return getenv(k)
	}
	code, _, stderr := runWithInput(t, env, "", "worker")
	if code == 0 || !strings.Contains(stderr, "mail catcher is serve's") || !strings.Contains(stderr, "SMTP_URL") {
		t.Fatalf("worker with the catcher: %d %q", code, stderr)
	}
}
