package workflow_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

func staffAuth(env *testenv.Env) *workflow.StaffAuth {
	return &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Logger: env.Logger, Argon2Memory: 64, Argon2Time: 1,
		SessionIdle: 30 * time.Minute, SessionAbsolute: 12 * time.Hour}
}

func TestHashPasswordPHC(t *testing.T) {
	t.Parallel()
	h, err := workflow.HashPassword("correct horse battery", 64, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=2,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string with its parameters", h)
	}
	h2, _ := workflow.HashPassword("correct horse battery", 64, 2)
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	for _, tc := range []struct {
		name, hash, pw string
		ok, fails      bool
	}{
		{"right", h, "correct horse battery", true, false},
		{"wrong", h, "correct horse batterx", false, false},
		{"empty", h, "", false, false},
		{"not PHC", "plain", "plain", false, true},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv", "x", false, true},
		{"absurd memory", "$argon2id$v=19$m=99999999,t=1,p=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "x", false, true},
	} {
		ok, err := workflow.CheckPassword(tc.hash, tc.pw)
		if ok != tc.ok || (err != nil) != tc.fails {
			t.Errorf("%s: CheckPassword = %v, %v; want %v, error %v", tc.name, ok, err, tc.ok, tc.fails)
		}
	}
}

// Issue 12: the lock after the n-th failed sign-in in a row, as the
// database computes it with the product's limits (the account's row in
// login_locks): nothing before LockAfter, then LockBase doubling, at most
// LockMax. Each failure is tried when the previous lock has run out.
func TestLoginLockBacksOff(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	q := store.New(env.Pool)
	key := []byte("login-lock-backoff")
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	want := map[int]time.Duration{1: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute,
		10: 32 * time.Minute, 11: time.Hour, 12: time.Hour, 30: time.Hour}
	for n := 1; n <= 30; n++ {
		got, lockedNow, err := q.ReserveLoginAttempt(env.Ctx, key, now, workflow.LockAfter, workflow.LockBase, workflow.LockMax)
		if err != nil || got != n || !lockedNow.IsZero() {
			t.Fatalf("failure %d: counted %d, refused until %v, %v", n, got, lockedNow, err)
		}
		var until *time.Time
		if err := env.Pool.QueryRow(env.Ctx, `SELECT locked_until FROM login_locks WHERE email_hash = $1`, key).Scan(&until); err != nil {
			t.Fatal(err)
		}
		lock := time.Duration(0)
		if until != nil && until.After(now) {
			lock = until.Sub(now)
		}
		if w, ok := want[n]; ok && lock != w {
			t.Errorf("after failure %d locked for %s, want %s", n, lock, w)
		}
		if lock > 0 {
			// A try while locked is refused and counts nothing.
			if got, refused, err := q.ReserveLoginAttempt(env.Ctx, key, now.Add(lock-time.Second), workflow.LockAfter, workflow.LockBase, workflow.LockMax); err != nil || got != 0 || !refused.Equal(*until) {
				t.Fatalf("inside the lock after failure %d: counted %d, refused until %v (want %v), %v", n, got, refused, until, err)
			}
		}
		now = now.Add(lock)
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		p := workflow.GeneratePassword()
		if !regexp.MustCompile(`^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$`).MatchString(p) || strings.ContainsAny(p, "01lio") {
			t.Fatalf("password %q is not four readable groups", p)
		}
		if workflow.CheckPasswordPolicy(p) != nil {
			t.Fatalf("generated password %q fails the policy", p)
		}
		if seen[p] {
			t.Fatalf("password %q repeated", p)
		}
		seen[p] = true
	}
}

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{
		"":                              false,
		"elevenchars":                   false,
		"twelve chars":                  true,
		"ääääääääääää":                  true, // 12 characters, 24 bytes
		strings.Repeat("x", 1024):       true,
		strings.Repeat("x", 1025):       false,
		"correct horse battery staple!": true,
	} {
		if err := workflow.CheckPasswordPolicy(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordPolicy(%d bytes) = %v, want ok %v", len(pw), err, ok)
		}
	}
}

func TestLoginRehashesWeakerParameters(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.Org("espoo", "Espoo", "Esbo", "fi")
	weak := staffAuth(env)
	weak.Argon2Memory, weak.Argon2Time = 32, 1
	if _, err := weak.AddUser(env.Ctx, workflow.NewStaff{Email: "Anna@Espoo.Example", OrgID: org.ID, Role: workflow.RoleDPO, Password: "a long enough password"}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	hashOf := func() string {
		var h string
		if err := env.Pool.QueryRow(env.Ctx, `SELECT password_hash FROM staff_users`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := hashOf(); !strings.Contains(h, "$m=32,t=1,") {
		t.Fatalf("hash %q not made with the weak parameters", h)
	}
	strong := staffAuth(env) // 64 KiB, 1 pass
	strong.Argon2Time = 2
	tok, st, err := strong.Login(env.Ctx, " anna@espoo.example ", "a long enough password", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if tok == "" || st.Email != "anna@espoo.example" || st.Roles[org.ID] != workflow.RoleDPO {
		t.Fatalf("login gave %q, %+v", tok, st)
	}
	h := hashOf()
	if !strings.Contains(h, "$m=64,t=2,") {
		t.Fatalf("hash %q was not raised to the configured parameters", h)
	}
	if ok, _ := workflow.CheckPassword(h, "a long enough password"); !ok {
		t.Fatal("rehashed password does not verify")
	}
	// Parameters at or above the configuration are left alone.
	if _, _, err := weak.Login(env.Ctx, "anna@espoo.example", "a long enough password", ""); err != nil {
		t.Fatal(err)
	}
	if hashOf() != h {
		t.Error("a login with lower configured parameters rewrote a stronger hash")
	}
	// The session secret is not stored, only its hash.
	var n int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM staff_sessions WHERE id_hash = convert_to($1, 'UTF8')`, tok).Scan(&n); err != nil || n != 0 {
		t.Fatalf("session secret stored in clear (%d, %v)", n, err)
	}
}

func TestAddUserMembershipsAndAudit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	espoo := env.Org("espoo", "Espoo", "Esbo", "fi")
	vantaa := env.Org("vantaa", "Vantaa", "Vanda", "fi")
	ctx := env.Ctx
	pw := "a long enough password"

	if _, err := a.AddUser(ctx, workflow.NewStaff{Email: "b@x.example", OrgID: espoo.ID, Role: workflow.RoleDPO, Password: "too short"}, workflow.ActorCLI); !errors.Is(err, workflow.ErrWeakPassword) {
		t.Fatalf("short password: %v", err)
	}
	for _, bad := range []workflow.NewStaff{
		{Email: "not an email", OrgID: espoo.ID, Role: workflow.RoleDPO, Password: pw},
		{Email: "Name <b@x.example>", OrgID: espoo.ID, Role: workflow.RoleDPO, Password: pw},
		{Email: "b@x.example", OrgID: espoo.ID, Role: "root", Password: pw},
		{Email: "b@x.example", OrgID: espoo.ID, Role: workflow.RoleDPO, Password: pw, Lang: "de"},
		{Email: "b@x.example", OrgID: 999999, Role: workflow.RoleDPO, Password: pw},
	} {
		if _, err := a.AddUser(ctx, bad, workflow.ActorCLI); err == nil {
			t.Errorf("AddUser(%+v) accepted", bad)
		}
	}
	res, err := a.AddUser(ctx, workflow.NewStaff{Email: "b@x.example", Name: "Berit", Lang: "sv", OrgID: espoo.ID, Role: workflow.RoleDPO, Password: pw}, workflow.ActorCLI)
	if err != nil || !res.Created || !res.Added {
		t.Fatalf("AddUser = %+v, %v", res, err)
	}
	// An existing account gets a membership; no password is needed.
	res2, err := a.AddUser(ctx, workflow.NewStaff{Email: "B@X.example", OrgID: vantaa.ID, Role: workflow.RoleViewer}, workflow.ActorCLI)
	if err != nil || res2.Created || !res2.Added || res2.UserID != res.UserID {
		t.Fatalf("second membership = %+v, %v", res2, err)
	}
	// Again: the role is set, nothing added.
	res3, err := a.AddUser(ctx, workflow.NewStaff{Email: "b@x.example", OrgID: vantaa.ID, Role: workflow.RoleAdmin}, workflow.ActorCLI)
	if err != nil || res3.Created || res3.Added {
		t.Fatalf("role change = %+v, %v", res3, err)
	}
	users, err := a.Users(ctx)
	if err != nil || len(users) != 1 {
		t.Fatalf("Users = %+v, %v", users, err)
	}
	u := users[0]
	if u.Email != "b@x.example" || u.Name != "Berit" || u.Lang != "sv" || u.Roles[espoo.ID] != "dpo" || u.Roles[vantaa.ID] != "admin" || len(u.Orgs) != 2 || u.Orgs[0].OrgSlug != "espoo" {
		t.Fatalf("user = %+v", u)
	}
	trail, err := store.New(env.Pool).AuditTrail(ctx, vantaa.ID, 0)
	if err != nil || len(trail) != 2 || trail[0].Action != "staff.membership" || trail[0].Actor != "cli" || trail[1].Data["role"] != "admin" {
		t.Fatalf("vantaa's audit trail = %+v, %v", trail, err)
	}

	tok, _, err := a.Login(ctx, "b@x.example", pw, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DisableUser(ctx, "B@x.example", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, tok); !errors.Is(err, workflow.ErrNoSession) {
		t.Fatalf("session of a disabled user: %v", err)
	}
	if _, _, err := a.Login(ctx, "b@x.example", pw, ""); !errors.Is(err, workflow.ErrLoginFailed) {
		t.Fatalf("login of a disabled user: %v", err)
	}
	if err := a.DisableUser(ctx, "nobody@x.example", workflow.ActorCLI); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("disabling an unknown user: %v", err)
	}
	for _, o := range []store.Org{espoo, vantaa} {
		trail, _ := store.New(env.Pool).AuditTrail(ctx, o.ID, 0)
		if last := trail[len(trail)-1]; last.Action != "staff.disable" || store.VerifyAuditChain(env.Keys, trail) != nil {
			t.Errorf("%s: last audit event %+v (chain break %+v)", o.Slug, last, store.VerifyAuditChain(env.Keys, trail))
		}
	}
}

func TestSessionTouchedAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	org := env.Org("espoo", "Espoo", "Esbo", "fi")
	if _, err := a.AddUser(env.Ctx, workflow.NewStaff{Email: "c@x.example", OrgID: org.ID, Role: workflow.RoleViewer, Password: "a long enough password"}, workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Login(env.Ctx, "c@x.example", "a long enough password", "")
	if err != nil {
		t.Fatal(err)
	}
	start := env.Clock.Now()
	lastSeen := func() time.Time {
		var at time.Time
		if err := env.Pool.QueryRow(env.Ctx, `SELECT last_seen_at FROM staff_sessions`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	env.Clock.Advance(30 * time.Second)
	if _, err := a.Authenticate(env.Ctx, tok); err != nil {
		t.Fatal(err)
	}
	if !lastSeen().Equal(start) {
		t.Error("last_seen_at written within a minute of the last write")
	}
	env.Clock.Advance(31 * time.Second)
	if _, err := a.Authenticate(env.Ctx, tok); err != nil {
		t.Fatal(err)
	}
	if !lastSeen().Equal(env.Clock.Now()) {
		t.Error("last_seen_at not written after a minute")
	}
	if n, err := a.RevokeAllSessions(env.Ctx, mustUserID(t, env)); err != nil || n != 1 {
		t.Fatalf("RevokeAllSessions = %d, %v", n, err)
	}
	if _, err := a.Authenticate(env.Ctx, tok); !errors.Is(err, workflow.ErrNoSession) {
		t.Fatalf("revoked session: %v", err)
	}
	if _, err := a.Authenticate(env.Ctx, ""); !errors.Is(err, workflow.ErrNoSession) {
		t.Fatalf("empty token: %v", err)
	}
	// Prune removes what no one can use any more.
	env.Clock.Advance(13 * time.Hour)
	if err := a.Prune(env.Ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := env.Pool.QueryRow(env.Ctx, `SELECT count(*) FROM staff_sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions after prune: %d, %v", n, err)
	}
}

func mustUserID(t *testing.T, env *testenv.Env) int64 {
	t.Helper()
	var id int64
	if err := env.Pool.QueryRow(env.Ctx, `SELECT id FROM staff_users`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// D-20: tokens per organisation, hash only, listable, revocable, every use
// audited.
func TestAPITokensD20(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := staffAuth(env)
	ctx := env.Ctx
	espoo := env.Org("espoo", "Espoo", "Esbo", "fi")
	vantaa := env.Org("vantaa", "Vantaa", "Vanda", "fi")

	tok, err := a.AddAPIToken(ctx, espoo.ID, "case-system", workflow.ActorCLI)
	if err != nil || !strings.HasPrefix(tok, "rdt_") || len(tok) < 40 {
		t.Fatalf("AddAPIToken = %q, %v", tok, err)
	}
	if _, err := a.AddAPIToken(ctx, espoo.ID, "case-system", workflow.ActorCLI); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate active name: %v", err)
	}
	if _, err := a.AddAPIToken(ctx, vantaa.ID, "case-system", workflow.ActorCLI); err != nil {
		t.Fatalf("same name in another organisation: %v", err)
	}
	if _, err := a.AddAPIToken(ctx, espoo.ID, " ", workflow.ActorCLI); err == nil {
		t.Fatal("empty name accepted")
	}
	var stored int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE position(convert_to($1, 'UTF8') in token_hash) > 0 OR name = $1`, tok).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("token stored in clear (%d, %v)", stored, err)
	}

	env.Clock.Advance(time.Hour)
	got, err := a.UseAPIToken(ctx, tok)
	if err != nil || got.OrgID != espoo.ID || got.Name != "case-system" {
		t.Fatalf("UseAPIToken = %+v, %v", got, err)
	}
	list, err := a.APITokens(ctx, espoo.ID)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(env.Clock.Now()) {
		t.Fatalf("APITokens = %+v, %v", list, err)
	}
	// D-20: the use is on the token, not an event on the organisation's chain.
	trail, _ := store.New(env.Pool).AuditTrail(ctx, espoo.ID, 0)
	if last := trail[len(trail)-1]; last.Action != "api_token.add" {
		t.Fatalf("token use appended %q to the organisation's chain (D-20)", last.Action)
	}
	for _, bad := range []string{"", "rdt_", "rdt_unknown", tok + "x", strings.TrimPrefix(tok, "rdt_")} {
		if _, err := a.UseAPIToken(ctx, bad); !errors.Is(err, workflow.ErrBadToken) {
			t.Errorf("UseAPIToken(%q) = %v", bad, err)
		}
	}
	if err := a.RevokeAPIToken(ctx, vantaa.ID, "nope", workflow.ActorCLI); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking an unknown token: %v", err)
	}
	if err := a.RevokeAPIToken(ctx, espoo.ID, "case-system", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UseAPIToken(ctx, tok); !errors.Is(err, workflow.ErrBadToken) {
		t.Fatalf("revoked token: %v", err)
	}
	// The name can be reused after revocation; the old token stays dead.
	tok2, err := a.AddAPIToken(ctx, espoo.ID, "case-system", workflow.ActorCLI)
	if err != nil || tok2 == tok {
		t.Fatalf("re-adding a revoked name: %q, %v", tok2, err)
	}
	if _, err := a.UseAPIToken(ctx, tok); !errors.Is(err, workflow.ErrBadToken) {
		t.Fatalf("old token after re-add: %v", err)
	}
	if got, err := a.UseAPIToken(ctx, tok2); err != nil || got.OrgID != espoo.ID {
		t.Fatalf("new token: %+v, %v", got, err)
	}
	trail, _ = store.New(env.Pool).AuditTrail(ctx, espoo.ID, 0)
	var actions []string
	for _, ev := range trail {
		actions = append(actions, ev.Action)
	}
	want := "api_token.add api_token.revoke api_token.add"
	if strings.Join(actions, " ") != want || store.VerifyAuditChain(env.Keys, trail) != nil {
		t.Fatalf("audit actions %v, want %s", actions, want)
	}
}
