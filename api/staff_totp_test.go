package api_test

import (
	"encoding/base32"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// The second sign-in factor (issue 16, item 12): TOTP set up on the
// account page, asked for after the password, each code used once,
// recovery codes used once, wrong codes counted toward the sign-in limits.

type totpUser struct {
	key   []byte
	b32   string
	codes []string
}

// enableTOTP sets TOTP up for the signed-in browser b and returns the
// secret and the recovery codes shown.
func enableTOTP(t *testing.T, f *acctFixture, b *stBrowser) totpUser {
	t.Helper()
	p := b.get("/staff/account/totp")
	if p.status != http.StatusOK {
		t.Fatalf("GET /staff/account/totp = %d", p.status)
	}
	keyText := htmlText(htmlByID(p.doc, "totp-key"))
	uri := htmlText(htmlByID(p.doc, "totp-uri"))
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(keyText)
	if err != nil || len(key) < 16 {
		t.Fatalf("key %q: %v", keyText, err)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != keyText ||
		u.Query().Get("issuer") != "rightsdesk" || u.Query().Get("digits") != "6" || u.Query().Get("period") != "30" || u.Query().Get("algorithm") != "SHA1" {
		t.Fatalf("otpauth URI %q", uri)
	}
	// A reload shows the same secret (nothing is on yet).
	if again := htmlText(htmlByID(b.get("/staff/account/totp").doc, "totp-key")); again != keyText {
		t.Errorf("reload changed the key")
	}
	now := f.env.Clock.Now()
	wrong := otherCode(workflow.TOTPCode(key, workflow.TOTPStep(now)))
	if p := b.post("/staff/account/totp", url.Values{"_csrf": {p.csrf(t)}, "code": {wrong}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("confirm with a wrong code = %d, want 422", p.status)
	}
	ok := b.post("/staff/account/totp", url.Values{"_csrf": {p.csrf(t)}, "code": {workflow.TOTPCode(key, workflow.TOTPStep(now))}})
	if ok.status != http.StatusOK {
		t.Fatalf("confirm = %d", ok.status)
	}
	var codes []string
	for _, li := range htmlElems(htmlByID(ok.doc, "recovery-codes"), func(n *html.Node) bool { return htmlIs(n, "li") }) {
		codes = append(codes, htmlText(li))
	}
	if len(codes) != workflow.RecoveryCodes {
		t.Fatalf("%d recovery codes shown, want %d", len(codes), workflow.RecoveryCodes)
	}
	// Shown once: the page no longer has them.
	if p := b.get("/staff/account/totp"); htmlByID(p.doc, "recovery-codes") != nil || htmlByID(p.doc, "totp-key") != nil {
		t.Error("the recovery codes or the key are shown again")
	}
	return totpUser{key: key, b32: keyText, codes: codes}
}

// otherCode is a six-digit code different from c.
func otherCode(c string) string {
	d := (c[0]-'0'+1)%10 + '0'
	return string(d) + c[1:]
}

// passwordStep signs in with the password and expects the code page.
func passwordStep(t *testing.T, b *stBrowser, email, pw string) htmlPage {
	t.Helper()
	p := b.login(email, pw, "")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/staff/login/code") {
		t.Fatalf("password step = %d to %q, want the code page", p.status, p.location())
	}
	cp := b.get(p.location())
	if cp.status != http.StatusOK {
		t.Fatalf("GET code page = %d", cp.status)
	}
	return cp
}

func TestTOTPEnableSignInReplayAndRecovery(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	b := f.client(t)
	b.mustLogin(f.email)
	tu := enableTOTP(t, f, b)
	usedStep := workflow.TOTPStep(f.env.Clock.Now())

	// The organisation's staff page shows who has it on.
	list := b.get("/staff/orgs/espoo/staff")
	cell := htmlFirst(list.doc, func(n *html.Node) bool { return htmlHasClass(n, "totp") })
	if htmlAttr(cell, "data-totp") != "true" {
		t.Errorf("staff page shows 2FA %q for the DPO, want true", htmlAttr(cell, "data-totp"))
	}

	// The password alone opens nothing, not even its pending session's
	// secret used as a session cookie.
	nb := f.client(t)
	cp := passwordStep(t, nb, f.email, staffPW)
	if nb.signedIn() {
		t.Fatal("signed in with the password alone")
	}
	pending := ""
	cu, _ := url.Parse(f.base + "/staff/login/code")
	for _, c := range nb.c.Jar.Cookies(cu) {
		if c.Name == "rd_2fa" {
			pending = c.Value
		}
	}
	if pending == "" {
		t.Fatal("no pending second-factor cookie")
	}
	forged := formRequest(t, http.MethodGet, f.base+"/staff/account", nil)
	forged.AddCookie(&http.Cookie{Name: "rd_session", Value: pending})
	if p := htmlFetch(t, testenv.Client(), forged); p.status != http.StatusSeeOther {
		t.Errorf("the pending session as a session cookie = %d, want a redirect to sign-in", p.status)
	}

	// The code used to confirm (same step) is refused: each step once.
	replay := nb.post("/staff/login/code", url.Values{"_csrf": {cp.csrf(t)}, "code": {workflow.TOTPCode(tu.key, usedStep)}})
	if replay.status != http.StatusUnauthorized || nb.signedIn() {
		t.Fatalf("replayed code = %d, want 401", replay.status)
	}
	// The next step's code signs in.
	f.env.Clock.Advance(workflow.TOTPPeriod)
	code := workflow.TOTPCode(tu.key, workflow.TOTPStep(f.env.Clock.Now()))
	ok := nb.post("/staff/login/code", url.Values{"_csrf": {cp.csrf(t)}, "code": {code[:3] + " " + code[3:]}})
	if ok.status != http.StatusSeeOther || ok.location() != "/staff/" || !nb.signedIn() {
		t.Fatalf("right code = %d to %q", ok.status, ok.location())
	}
	// Replayed in another browser within the same step: refused.
	rb := f.client(t)
	rcp := passwordStep(t, rb, f.email, staffPW)
	if p := rb.post("/staff/login/code", url.Values{"_csrf": {rcp.csrf(t)}, "code": {code}}); p.status != http.StatusUnauthorized || rb.signedIn() {
		t.Fatalf("code replayed in another browser = %d, want 401", p.status)
	}

	// A recovery code works once.
	r1 := f.client(t)
	r1cp := passwordStep(t, r1, f.email, staffPW)
	if p := r1.post("/staff/login/code", url.Values{"_csrf": {r1cp.csrf(t)}, "code": {strings.ToUpper(tu.codes[3])}}); p.status != http.StatusSeeOther || !r1.signedIn() {
		t.Fatalf("recovery code = %d", p.status)
	}
	r2 := f.client(t)
	r2cp := passwordStep(t, r2, f.email, staffPW)
	if p := r2.post("/staff/login/code", url.Values{"_csrf": {r2cp.csrf(t)}, "code": {tu.codes[3]}}); p.status != http.StatusUnauthorized || r2.signedIn() {
		t.Fatalf("recovery code used twice = %d, want 401", p.status)
	}
	if got := f.auditActions(t, f.org.ID); !containsAll(got, "staff.totp_enable", "staff.recovery_code_used") {
		t.Errorf("audit actions = %v", got)
	}
	// The pending session expires.
	late := f.client(t)
	lcp := passwordStep(t, late, f.email, staffPW)
	f.env.Clock.Advance(workflow.SecondFactorTTL + time.Second)
	code = workflow.TOTPCode(tu.key, workflow.TOTPStep(f.env.Clock.Now()))
	if p := late.post("/staff/login/code", url.Values{"_csrf": {lcp.csrf(t)}, "code": {code}}); p.status != http.StatusSeeOther || p.location() != "/staff/login" || late.signedIn() {
		t.Errorf("code after the pending session expired = %d to %q, want back to sign-in", p.status, p.location())
	}

	secrets := append([]string{tu.b32, string(tu.key)}, tu.codes...)
	f.noSecrets(t, secrets...)
	var stored []byte
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT totp_secret FROM staff_users WHERE email = $1`, f.email).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), string(tu.key)) || len(stored) <= len(tu.key) {
		t.Error("the TOTP secret is stored in the clear")
	}
}

func TestTOTPWrongCodesCountTowardLoginLimits(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	b := f.client(t)
	b.mustLogin(f.email)
	tu := enableTOTP(t, f, b)
	f.env.Clock.Advance(workflow.TOTPPeriod)

	nb := f.client(t)
	cp := passwordStep(t, nb, f.email, staffPW)
	right := workflow.TOTPCode(tu.key, workflow.TOTPStep(f.env.Clock.Now()))
	wrong := otherCode(right)
	limited := 0
	for i := 0; i < workflow.LockAfter+1; i++ {
		p := nb.post("/staff/login/code", url.Values{"_csrf": {cp.csrf(t)}, "code": {wrong}})
		if p.status == http.StatusTooManyRequests {
			if ra, err := strconv.Atoi(p.header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("locked code page: Retry-After %q, want seconds", p.header.Get("Retry-After"))
			}
			limited = i + 1
			break
		}
		if p.status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d = %d", i+1, p.status)
		}
	}
	if limited == 0 || limited > workflow.LockAfter {
		t.Fatalf("no lock after %d wrong codes (limited at %d)", workflow.LockAfter, limited)
	}
	// Locked: even the right code is refused now.
	if p := nb.post("/staff/login/code", url.Values{"_csrf": {cp.csrf(t)}, "code": {right}}); p.status != http.StatusTooManyRequests || nb.signedIn() {
		t.Errorf("right code while locked = %d, want 429", p.status)
	}
	n, err := f.auth.LoginFailuresInARow(f.env.Ctx, f.email)
	if err != nil || n < workflow.LockAfter {
		t.Errorf("failures in a row = %d (%v), want at least %d", n, err, workflow.LockAfter)
	}
}

func TestResetWithTOTPDoesNotSignIn(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	b := f.client(t)
	b.mustLogin(f.email)
	enableTOTP(t, f, b)
	rb := f.client(t)
	f.askReset(t, rb, f.email)
	link := linkIn(t, f.mailsTo(t, f.email)[0])
	page := rb.get(link)
	const pw = "a reset password with 2fa"
	p := rb.post(link, url.Values{"_csrf": {page.csrf(t)}, "password": {pw}, "password2": {pw}})
	if p.status != http.StatusSeeOther || p.location() != "/staff/login" || rb.signedIn() {
		t.Fatalf("reset with 2FA on = %d to %q (signed in: %v); a mailbox alone must not pass the second factor", p.status, p.location(), rb.signedIn())
	}
	if b.signedIn() {
		t.Error("the other session survived the reset")
	}
	passwordStep(t, f.client(t), f.email, pw)
}
