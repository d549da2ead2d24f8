package workflow

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/argon2"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// Staff roles in an organisation (issue 12).
const (
	RoleAdmin  = "admin"
	RoleDPO    = "dpo"
	RoleViewer = "viewer"
)

// ValidRole reports whether role is one of the staff roles.
func ValidRole(role string) bool {
	return role == RoleAdmin || role == RoleDPO || role == RoleViewer
}

// Actors of account and token events.
const (
	ActorCLI  Actor = "cli"
	ActorSeed Actor = "seed"
)

// TokenActor is the actor of an integration using an API token (D-20).
func TokenActor(name string) Actor { return Actor("token:" + name) }

// Sign-in rules (issue 12).
const (
	// MinPasswordLen is the shortest password accepted for an account.
	MinPasswordLen = 12
	// MaxPasswordLen bounds what is hashed (bytes).
	MaxPasswordLen = 1024

	// LockAfter failed logins in a row lock the account for LockBase,
	// doubling with each further failure, at most LockMax.
	LockAfter = 5
	LockBase  = time.Minute
	LockMax   = time.Hour

	// More than IPLimit failures from one address within IPWindow refuse
	// that address for IPBlock (D-19 says which address).
	IPLimit  = 20
	IPWindow = 15 * time.Minute
	IPBlock  = 15 * time.Minute

	// touchEvery: last_seen_at is written at most this often, not on every
	// request.
	touchEvery = time.Minute

	argon2Threads = 2
	argon2KeyLen  = 32
	argon2SaltLen = 16
)

var (
	// ErrLoginFailed is the one answer to every refused sign-in: wrong
	// password, unknown email, locked account or address, disabled
	// account. Which one it was is never told.
	ErrLoginFailed = errors.New("wrong email or password, or the account is locked")
	// ErrNoSession: no session, or an ended, expired or disabled one.
	ErrNoSession = errors.New("no valid session")
	// ErrBadToken: an unknown or revoked API token.
	ErrBadToken = errors.New("unknown or revoked API token")
	// ErrWeakPassword: shorter than MinPasswordLen (or longer than
	// MaxPasswordLen).
	ErrWeakPassword = fmt.Errorf("the password must be %d to %d characters long", MinPasswordLen, MaxPasswordLen)
)

// StaffAuth runs staff accounts, sign-in, sessions and API tokens. The
// zero durations and argon2 parameters take the config defaults.
type StaffAuth struct {
	Pool            *pgxpool.Pool
	Now             func() time.Time // D-16
	Argon2Memory    uint32           // KiB
	Argon2Time      uint32
	SessionIdle     time.Duration
	SessionAbsolute time.Duration
	Logger          *slog.Logger
	// Keys key the organisation's audit chain (D-26): needed by what
	// records staff and token changes.
	Keys *secret.Keys

	dummyOnce sync.Once
	dummy     string
}

// Staff is a signed-in (or listed) staff member.
type Staff struct {
	ID       int64
	Email    string
	Name     string
	Lang     string
	Disabled bool
	// Roles maps organisation id -> role.
	Roles map[int64]string
	// Orgs are the memberships with the organisations' slugs, by slug.
	Orgs []store.Membership
}

func (a *StaffAuth) now() time.Time {
	if a.Now == nil {
		return time.Now()
	}
	return a.Now()
}

func (a *StaffAuth) params() (memory, passes uint32) {
	memory, passes = a.Argon2Memory, a.Argon2Time
	if memory == 0 {
		memory = 64 * 1024
	}
	if passes == 0 {
		passes = 3
	}
	return memory, passes
}

func (a *StaffAuth) idle() time.Duration {
	if a.SessionIdle <= 0 {
		return 30 * time.Minute
	}
	return a.SessionIdle
}

func (a *StaffAuth) absolute() time.Duration {
	if a.SessionAbsolute <= 0 {
		return 12 * time.Hour
	}
	return a.SessionAbsolute
}

func (a *StaffAuth) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// ---- passwords -------------------------------------------------------

// HashPassword hashes pw with argon2id into a PHC string
// ($argon2id$v=19$m=65536,t=3,p=2$salt$hash), so the parameters travel
// with the hash and can be raised later.
func HashPassword(pw string, memory, passes uint32) (string, error) {
	salt := make([]byte, argon2SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memory, argon2Threads, argon2KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memory, passes, argon2Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// argon2Params are the parameters read back from a PHC string.
type argon2Params struct {
	memory, passes uint32
	threads        uint8
	salt, key      []byte
}

func parsePHC(encoded string) (argon2Params, error) {
	var p argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, errors.New("not an argon2id PHC string")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, errors.New("unsupported argon2 version")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.passes, &threads); err != nil {
		return p, errors.New("bad argon2 parameters")
	}
	if p.passes < 1 || threads < 1 || threads > 255 || p.memory < 8*threads || p.memory > 4<<20 {
		return p, errors.New("argon2 parameters out of range")
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil {
		return p, errors.New("bad argon2 salt")
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 {
		return p, errors.New("bad argon2 hash")
	}
	return p, nil
}

// CheckPassword reports whether pw matches the PHC string encoded.
func CheckPassword(encoded, pw string) (bool, error) {
	ok, _, err := checkPassword(encoded, pw)
	return ok, err
}

func checkPassword(encoded, pw string) (bool, argon2Params, error) {
	p, err := parsePHC(encoded)
	if err != nil {
		return false, p, err
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.passes, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, p, nil
}

// CheckPasswordPolicy returns ErrWeakPassword for a password too short (or
// absurdly long) to accept for an account.
func CheckPasswordPolicy(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

// passwordAlphabet: lowercase letters and digits without the look-alikes
// 0/o, 1/l/i.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// GeneratePassword returns a readable random password: four groups of four
// lowercase letters and digits (about 79 bits).
func GeneratePassword() string {
	var sb strings.Builder
	size := big.NewInt(int64(len(passwordAlphabet)))
	for i := range 16 {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, size)
		if err != nil {
			panic("workflow: no randomness: " + err.Error())
		}
		sb.WriteByte(passwordAlphabet[n.Int64()])
	}
	return sb.String()
}

// spendHash costs what verifying a real account's password costs, so an
// unknown email, a locked account or a blocked address cannot be told
// from a wrong password by the answer's timing.
func (a *StaffAuth) spendHash(pw string) {
	a.dummyOnce.Do(func() {
		m, t := a.params()
		h, err := HashPassword("rightsdesk timing equaliser", m, t)
		if err != nil {
			panic("workflow: hashing: " + err.Error())
		}
		a.dummy = h
	})
	_, _, _ = checkPassword(a.dummy, pw)
}

// NormEmail is the stored form of an email address: trimmed, lower case.
func NormEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ---- sign-in ---------------------------------------------------------

// Login checks email and password from the client address ip and opens a
// session, returning the session's secret (for the cookie; only its hash
// is stored). Every refusal is ErrLoginFailed. After LockAfter failures in
// a row the account is locked for LockBase, doubling with each further
// failure up to LockMax; more than IPLimit failures from ip within
// IPWindow refuse ip for IPBlock.
func (a *StaffAuth) Login(ctx context.Context, email, password, ip string) (string, Staff, error) {
	now := a.now()
	q := store.New(a.Pool)
	if ip != "" {
		burst, err := q.LoginFailureBurst(ctx, ip, now, IPWindow, IPLimit)
		if err != nil {
			return "", Staff{}, err
		}
		if !burst.IsZero() && now.Before(burst.Add(IPBlock)) {
			a.spendHash(password)
			return "", Staff{}, ErrLoginFailed
		}
	}
	if len(password) > MaxPasswordLen { // no account has one this long
		a.spendHash(password[:MaxPasswordLen])
		return "", Staff{}, a.failed(ctx, ip, 0, now)
	}
	u, err := q.StaffUserByEmail(ctx, NormEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		a.spendHash(password)
		return "", Staff{}, a.failed(ctx, ip, 0, now)
	}
	if err != nil {
		return "", Staff{}, err
	}
	ok, p, err := checkPassword(u.PasswordHash, password)
	if err != nil {
		a.logger().Error("unreadable password hash", slog.Int64("user", u.ID), slog.String("err", err.Error()))
		a.spendHash(password)
		ok = false
	}
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		// Refused whatever the password; not counted on the account (its
		// lock would otherwise grow with every try), but on the address.
		return "", Staff{}, a.failed(ctx, ip, 0, now)
	}
	if !ok {
		return "", Staff{}, a.failed(ctx, ip, u.ID, now)
	}
	if u.DisabledAt != nil {
		return "", Staff{}, ErrLoginFailed
	}
	m, t := a.params()
	var rehash string
	if p.memory < m || p.passes < t {
		if rehash, err = HashPassword(password, m, t); err != nil {
			return "", Staff{}, err
		}
	}
	token := secret.Token()
	err = store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.SetLoginFailures(ctx, u.ID, 0, nil); err != nil {
			return err
		}
		if rehash != "" {
			if err := q.SetStaffPasswordHash(ctx, u.ID, rehash); err != nil {
				return err
			}
		}
		return q.InsertStaffSession(ctx, secret.Hash(token), u.ID, now)
	})
	if err != nil {
		return "", Staff{}, err
	}
	st, err := a.staffOf(ctx, q, u)
	return token, st, err
}

// failed records a failed sign-in against ip and, when userID is not 0,
// against the account, and returns ErrLoginFailed.
func (a *StaffAuth) failed(ctx context.Context, ip string, userID int64, now time.Time) error {
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if ip != "" {
			if err := q.InsertLoginFailure(ctx, ip, now); err != nil {
				return err
			}
		}
		if userID == 0 {
			return nil
		}
		u, err := q.StaffUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		n := u.FailedLogins + 1
		var until *time.Time
		if d := LockFor(n); d > 0 {
			t := now.Add(d)
			until = &t
		}
		return q.SetLoginFailures(ctx, userID, n, until)
	})
	if err != nil {
		return err
	}
	return ErrLoginFailed
}

// LockFor is how long an account is locked after its n-th failed login in
// a row: nothing before LockAfter, then LockBase doubling, at most LockMax.
func LockFor(n int) time.Duration {
	if n < LockAfter {
		return 0
	}
	k := n - LockAfter
	if k > 10 {
		return LockMax
	}
	return min(LockBase<<k, LockMax)
}

func (a *StaffAuth) staffOf(ctx context.Context, q *store.Q, u store.StaffUser) (Staff, error) {
	ms, err := q.Memberships(ctx, u.ID)
	if err != nil {
		return Staff{}, err
	}
	st := Staff{ID: u.ID, Email: u.Email, Name: u.Name, Lang: u.Lang, Disabled: u.DisabledAt != nil,
		Roles: make(map[int64]string, len(ms)), Orgs: ms}
	for _, m := range ms {
		st.Roles[m.OrgID] = m.Role
	}
	return st, nil
}

// Authenticate returns the staff member of a session secret. The session
// must be open, used within SessionIdle, younger than SessionAbsolute, and
// its user not disabled; otherwise ErrNoSession.
func (a *StaffAuth) Authenticate(ctx context.Context, token string) (Staff, error) {
	if token == "" {
		return Staff{}, ErrNoSession
	}
	now := a.now()
	q := store.New(a.Pool)
	hash := secret.Hash(token)
	s, u, err := q.StaffSessionByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Staff{}, ErrNoSession
	}
	if err != nil {
		return Staff{}, err
	}
	if s.RevokedAt != nil || u.DisabledAt != nil || now.Sub(s.LastSeenAt) > a.idle() || now.Sub(s.CreatedAt) > a.absolute() {
		return Staff{}, ErrNoSession
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := q.TouchStaffSession(ctx, hash, now); err != nil {
			return Staff{}, err
		}
	}
	return a.staffOf(ctx, q, u)
}

// Logout ends the session of token (nothing when there is none).
func (a *StaffAuth) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return store.New(a.Pool).RevokeStaffSession(ctx, secret.Hash(token), a.now())
}

// RevokeAllSessions ends every session of a user (sign out everywhere) and
// returns how many were open.
func (a *StaffAuth) RevokeAllSessions(ctx context.Context, userID int64) (int64, error) {
	return store.New(a.Pool).RevokeStaffSessions(ctx, userID, a.now())
}

// Prune deletes login failures older than an hour and sessions past their
// absolute lifetime (a maintenance job may call it).
func (a *StaffAuth) Prune(ctx context.Context) error {
	now := a.now()
	q := store.New(a.Pool)
	if _, err := q.PruneLoginFailures(ctx, now.Add(-time.Hour)); err != nil {
		return err
	}
	_, err := q.PruneStaffSessions(ctx, now.Add(-a.absolute()))
	return err
}

// ---- accounts ---------------------------------------------------------

// NewStaff is an account to add, or a membership to add to an existing
// account.
type NewStaff struct {
	Email string
	Name  string
	Lang  string // fi (default), sv or en
	OrgID int64
	Role  string
	// Password is required for a new account; ignored for an existing one.
	Password string
}

// AddResult says what AddUser did.
type AddResult struct {
	UserID  int64
	Created bool // a new account
	Added   bool // a new membership (false: the role of an existing one was set)
}

// UserExists reports whether an account with this email exists.
func (a *StaffAuth) UserExists(ctx context.Context, email string) (bool, error) {
	_, err := store.New(a.Pool).StaffUserByEmail(ctx, NormEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// AddUser creates the account (when its email is new) and gives it the
// role in the organisation, auditing the membership in the organisation's
// chain.
func (a *StaffAuth) AddUser(ctx context.Context, n NewStaff, actor Actor) (AddResult, error) {
	email := NormEmail(n.Email)
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || addr.Name != "" {
		return AddResult{}, errors.New("not a valid email address")
	}
	if !ValidRole(n.Role) {
		return AddResult{}, fmt.Errorf("role must be %s, %s or %s", RoleDPO, RoleAdmin, RoleViewer)
	}
	lang := n.Lang
	if lang == "" {
		lang = "fi"
	}
	if lang != "fi" && lang != "sv" && lang != "en" {
		return AddResult{}, errors.New("language must be fi, sv or en")
	}
	now := a.now()
	var res AddResult
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if _, err := q.OrgByID(ctx, n.OrgID); err != nil {
			return err
		}
		u, err := q.StaffUserByEmail(ctx, email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := CheckPasswordPolicy(n.Password); err != nil {
				return err
			}
			m, t := a.params()
			hash, err := HashPassword(n.Password, m, t)
			if err != nil {
				return err
			}
			if u.ID, err = q.InsertStaffUser(ctx, store.StaffUser{Email: email, Name: strings.TrimSpace(n.Name), PasswordHash: hash, Lang: lang, CreatedAt: now}); err != nil {
				return err
			}
			res.Created = true
		case err != nil:
			return err
		}
		res.UserID = u.ID
		if res.Added, err = q.SetMembership(ctx, n.OrgID, u.ID, n.Role); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: n.OrgID, Actor: string(actor), Action: "staff.membership",
			Data: map[string]any{"user_id": u.ID, "role": n.Role, "new_account": res.Created}, At: now})
	})
	return res, err
}

// Users lists every account with its memberships.
func (a *StaffAuth) Users(ctx context.Context) ([]Staff, error) {
	q := store.New(a.Pool)
	us, err := q.StaffUsers(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := q.AllMemberships(ctx)
	if err != nil {
		return nil, err
	}
	byUser := map[int64][]store.Membership{}
	for _, m := range ms {
		byUser[m.UserID] = append(byUser[m.UserID], m)
	}
	out := make([]Staff, 0, len(us))
	for _, u := range us {
		st := Staff{ID: u.ID, Email: u.Email, Name: u.Name, Lang: u.Lang, Disabled: u.DisabledAt != nil,
			Roles: map[int64]string{}, Orgs: byUser[u.ID]}
		for _, m := range st.Orgs {
			st.Roles[m.OrgID] = m.Role
		}
		out = append(out, st)
	}
	return out, nil
}

// DisableUser disables the account and ends all its sessions at once
// (store.ErrNotFound for an unknown email).
func (a *StaffAuth) DisableUser(ctx context.Context, email string, actor Actor) error {
	now := a.now()
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.StaffUserByEmail(ctx, NormEmail(email))
		if err != nil {
			return err
		}
		if err := q.DisableStaffUser(ctx, u.ID, now); err != nil {
			return err
		}
		n, err := q.RevokeStaffSessions(ctx, u.ID, now)
		if err != nil {
			return err
		}
		ms, err := q.Memberships(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: m.OrgID, Actor: string(actor), Action: "staff.disable",
				Data: map[string]any{"user_id": u.ID, "sessions_ended": n}, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// ---- API tokens (D-20) -------------------------------------------------

// tokenPrefix marks rightsdesk tokens so secret scanners can find leaked
// ones.
const tokenPrefix = "rdt_"

// AddAPIToken creates an integration token for the organisation and
// returns it: the only time it is seen; only its hash is stored.
func (a *StaffAuth) AddAPIToken(ctx context.Context, orgID int64, name string, actor Actor) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", errors.New("a token needs a name of at most 100 characters")
	}
	token := tokenPrefix + secret.Token()
	now := a.now()
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if _, err := q.InsertAPIToken(ctx, orgID, name, secret.Hash(token), now); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "api_token.add",
			Data: map[string]any{"name": name}, At: now})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// APITokens lists the organisation's tokens (never the tokens themselves).
func (a *StaffAuth) APITokens(ctx context.Context, orgID int64) ([]store.APIToken, error) {
	return store.New(a.Pool).APITokens(ctx, orgID)
}

// RevokeAPIToken revokes the organisation's active token of that name
// (store.ErrNotFound when there is none).
func (a *StaffAuth) RevokeAPIToken(ctx context.Context, orgID int64, name string, actor Actor) error {
	now := a.now()
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if _, err := q.RevokeAPIToken(ctx, orgID, name, now); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "api_token.revoke",
			Data: map[string]any{"name": name}, At: now})
	})
}

// UseAPIToken authenticates an integration: the active token's
// organisation, with last_used_at and an audit event of this use (D-20)
// recorded together. what says what was asked (a method and route
// pattern, never a real path). An unknown or revoked token is ErrBadToken.
func (a *StaffAuth) UseAPIToken(ctx context.Context, token, what string) (store.APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return store.APIToken{}, ErrBadToken
	}
	now := a.now()
	var t store.APIToken
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		var err error
		if t, err = q.UseAPIToken(ctx, secret.Hash(token), now); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: t.OrgID, Actor: string(TokenActor(t.Name)), Action: "api_token.use",
			Data: map[string]any{"request": what}, At: now})
	})
	if errors.Is(err, store.ErrNotFound) {
		return store.APIToken{}, ErrBadToken
	}
	return t, err
}
