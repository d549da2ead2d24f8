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
	"sync/atomic"
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
	// Mail queues invitation and reset mail (issue 19); needed by Invite
	// and RequestPasswordReset only.
	Mail *Service
	// HashMemoryMiB bounds the memory of concurrent password hashes
	// (HASH_MEMORY_MIB): HashMemoryMiB / Argon2Memory hashes run at once.
	// HashSlots, when set, is that number directly. HashWait is how long
	// a sign-in waits for a slot before ErrLoginBusy (default 10 s).
	HashMemoryMiB uint32
	HashSlots     int
	HashWait      time.Duration

	dummyOnce sync.Once
	dummy     string

	slotsOnce     sync.Once
	slots         chan struct{}
	running, peak atomic.Int32
}

// Staff is a signed-in (or listed) staff member.
type Staff struct {
	ID       int64
	Email    string
	Name     string
	Lang     string
	Disabled bool
	// PlatformAdmin creates organisations (D-29); no case access follows.
	PlatformAdmin bool
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

// LoginLimitedError refuses a sign-in before its password is hashed: the
// address is blocked or the typed email is locked (issue 16, item 6). It
// says when to try again; it tells nothing about an account (unknown
// emails are counted and locked the same way).
type LoginLimitedError struct{ RetryAt time.Time }

func (e *LoginLimitedError) Error() string {
	return "too many sign-in attempts; try again after " + e.RetryAt.UTC().Format(time.RFC3339)
}

// ErrLoginBusy: every hashing slot stayed taken for HashWait.
var ErrLoginBusy = errors.New("too many sign-ins at once")

// hashSlots is the semaphore bounding concurrent argon2 hashes: each takes
// Argon2Memory KiB, so HashMemoryMiB / Argon2Memory of them run at once
// (at least one).
func (a *StaffAuth) hashSlots() chan struct{} {
	a.slotsOnce.Do(func() {
		n := a.HashSlots
		if n <= 0 {
			m, _ := a.params()
			budget := a.HashMemoryMiB
			if budget == 0 {
				budget = 128
			}
			n = max(1, int(uint64(budget)*1024/uint64(m)))
		}
		a.slots = make(chan struct{}, n)
	})
	return a.slots
}

// HashStats reports the hashes running now and the most that ever ran at
// once (the semaphore's bound is never exceeded: tests and operators).
func (a *StaffAuth) HashStats() (running, peak int) {
	return int(a.running.Load()), int(a.peak.Load())
}

// HashBound is the number of hashes allowed to run at once.
func (a *StaffAuth) HashBound() int { return cap(a.hashSlots()) }

// withHashSlot runs fn holding a hashing slot, waiting at most HashWait.
func (a *StaffAuth) withHashSlot(ctx context.Context, fn func()) error {
	wait := a.HashWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	slots := a.hashSlots()
	select {
	case slots <- struct{}{}:
	case <-t.C:
		return ErrLoginBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()
	n := a.running.Add(1)
	defer a.running.Add(-1)
	for {
		p := a.peak.Load()
		if n <= p || a.peak.CompareAndSwap(p, n) {
			break
		}
	}
	fn()
	return nil
}

// emailKey is what login_locks counts failures under: a hash of the
// normalised typed address, for known and unknown accounts alike.
func emailKey(email string) []byte { return secret.Hash("login-email:" + NormEmail(email)) }

// reserveAddress reserves a failure for ip before a password or code is
// checked (released on success), unless the address is over its limit:
// then *LoginLimitedError, and nothing is reserved (a refused try does not
// extend the block). Every other reservation counts, ours left out. The
// attempts of one address reserve and count one at a time (the address
// lock), so of parallel attempts exactly IPLimit+1 get past here: the
// first ones, not none.
func (a *StaffAuth) reserveAddress(ctx context.Context, ip string, now time.Time) (int64, error) {
	var id int64
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if err := q.LockLoginAddress(ctx, ip); err != nil {
			return err
		}
		var err error
		if id, err = q.ReserveLoginFailure(ctx, ip, now); err != nil {
			return err
		}
		burst, err := q.LoginFailureBurstExcept(ctx, ip, now, IPWindow, IPLimit, id)
		if err != nil {
			return err
		}
		if !burst.IsZero() && now.Before(burst.Add(IPBlock)) {
			return &LoginLimitedError{RetryAt: burst.Add(IPBlock)} // rolls the reservation back
		}
		return nil
	})
	return id, err
}

// Login checks email and password from the client address ip and opens a
// session, returning the session's secret (for the cookie; only its hash
// is stored).
//
// Limits (issue 16, item 6; D-24) are checked before anything is hashed,
// and each attempt reserves its failure in the database first, so parallel
// attempts cannot race past them: more than IPLimit failures from ip
// within IPWindow refuse ip for IPBlock; after LockAfter failures in a row
// for a typed email it is locked for LockBase, doubling with each further
// failure up to LockMax. Both refusals are *LoginLimitedError (when to try
// again). At most HashBound hashes run at once; an attempt that waits
// longer than HashWait for one is ErrLoginBusy. Every other refusal is
// ErrLoginFailed. An account with a second factor gets ErrSecondFactorDue
// with the secret of a session that opens nothing until
// CompleteSecondFactor takes a code.
func (a *StaffAuth) Login(ctx context.Context, email, password, ip string) (string, Staff, error) {
	now := a.now()
	q := store.New(a.Pool)
	var ipRes int64
	if ip != "" {
		id, err := a.reserveAddress(ctx, ip, now)
		if err != nil {
			return "", Staff{}, err
		}
		ipRes = id
	}
	key := emailKey(email)
	n, lockedUntil, err := q.ReserveLoginAttempt(ctx, key, now, LockAfter, LockBase, LockMax)
	if err != nil {
		return "", Staff{}, err
	}
	if n == 0 {
		// Refused whatever the password, not counted on the lock (it would
		// otherwise grow with every try), but on the address.
		return "", Staff{}, &LoginLimitedError{RetryAt: lockedUntil}
	}
	if len(password) > MaxPasswordLen { // no account has one this long
		password = password[:MaxPasswordLen]
	}
	u, err := q.StaffUserByEmail(ctx, NormEmail(email))
	known := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", Staff{}, err
	}
	var ok bool
	var p argon2Params
	var rehash string
	m, t := a.params()
	err = a.withHashSlot(ctx, func() {
		if !known {
			a.spendHash(password)
			return
		}
		var herr error
		ok, p, herr = checkPassword(u.PasswordHash, password)
		if herr != nil {
			a.logger().Error("unreadable password hash", slog.Int64("user", u.ID), slog.String("err", herr.Error()))
			ok = false
			return
		}
		if ok && u.DisabledAt == nil && (p.memory < m || p.passes < t) {
			rehash, herr = HashPassword(password, m, t)
			if herr != nil {
				a.logger().Error("rehashing a password", slog.Int64("user", u.ID), slog.String("err", herr.Error()))
				rehash = ""
			}
		}
	})
	if err != nil {
		return "", Staff{}, err
	}
	if !ok || u.DisabledAt != nil {
		return "", Staff{}, ErrLoginFailed // the reservations stand as the failure
	}
	token := secret.Token()
	// Issue 16 item 12: with a second factor the password opens a session
	// that waits for the code; its failure in a row stands until the code
	// is right, so guessing codes runs into the lock.
	totp, err := a.TOTPEnabled(ctx, u.ID)
	if err != nil {
		return "", Staff{}, err
	}
	err = store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if !totp {
			if err := q.ClearLoginAttempts(ctx, key); err != nil {
				return err
			}
		}
		if err := q.SetLoginFailures(ctx, u.ID, 0, nil); err != nil {
			return err
		}
		if ipRes != 0 {
			if err := q.ReleaseLoginFailure(ctx, ipRes); err != nil {
				return err
			}
		}
		if rehash != "" {
			if err := q.SetStaffPasswordHash(ctx, u.ID, rehash); err != nil {
				return err
			}
		}
		if totp {
			return q.InsertStaffSessionDue(ctx, secret.Hash(token), u.ID, now)
		}
		return q.InsertStaffSession(ctx, secret.Hash(token), u.ID, now)
	})
	if err != nil {
		return "", Staff{}, err
	}
	if totp {
		return token, Staff{ID: u.ID}, ErrSecondFactorDue
	}
	st, err := a.staffOf(ctx, q, u)
	return token, st, err
}

// LoginFailuresInARow is the count of failures in a row recorded for a
// typed email (tests and support).
func (a *StaffAuth) LoginFailuresInARow(ctx context.Context, email string) (int, error) {
	return store.New(a.Pool).LoginAttempts(ctx, emailKey(email))
}

func (a *StaffAuth) staffOf(ctx context.Context, q *store.Q, u store.StaffUser) (Staff, error) {
	ms, err := q.Memberships(ctx, u.ID)
	if err != nil {
		return Staff{}, err
	}
	st := Staff{ID: u.ID, Email: u.Email, Name: u.Name, Lang: u.Lang, Disabled: u.DisabledAt != nil,
		PlatformAdmin: u.PlatformAdmin, Roles: make(map[int64]string, len(ms)), Orgs: ms}
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
	if _, err := q.PruneLoginLocks(ctx, now.Add(-24*time.Hour)); err != nil {
		return err
	}
	if _, err := q.PruneResetRequests(ctx, now.Add(-24*time.Hour)); err != nil {
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
			// A disabled account cannot act: its open cases go back to
			// the organisation's unassigned ones (as on RemoveMember).
			k, err := a.unassignCases(ctx, q, m.OrgID, u.ID, actor, "account_disabled", now)
			if err != nil {
				return err
			}
			if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: m.OrgID, Actor: string(actor), Action: "staff.disable",
				Data: map[string]any{"user_id": u.ID, "sessions_ended": n, "cases_unassigned": k}, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPlatformAdmin grants (on) or revokes the platform administrator flag
// of an account (store.ErrNotFound for an unknown email). Sessions stay:
// the flag is read on every request.
func (a *StaffAuth) SetPlatformAdmin(ctx context.Context, email string, on bool) error {
	q := store.New(a.Pool)
	u, err := q.StaffUserByEmail(ctx, NormEmail(email))
	if err != nil {
		return err
	}
	return q.SetPlatformAdmin(ctx, u.ID, on)
}

// SetLang makes lang the user's own language: the one their mail (task
// escalations, breach reminders, invitations they send) is written in.
// The staff language switch calls it, so mail follows the pages (it
// stayed in the language of the invitation; found in a walkthrough).
func (a *StaffAuth) SetLang(ctx context.Context, userID int64, lang string) error {
	_, err := a.Pool.Exec(ctx, `UPDATE staff_users SET lang = $2 WHERE id = $1 AND lang <> $2`, userID, lang)
	if err != nil {
		return fmt.Errorf("saving the staff language: %w", err)
	}
	return nil
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
// organisation, with its last_used_at recorded. An unknown or revoked
// token is ErrBadToken.
func (a *StaffAuth) UseAPIToken(ctx context.Context, token string) (store.APIToken, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 200 {
		return store.APIToken{}, ErrBadToken
	}
	// D-20: the use is recorded on the token (last used), never as an
	// event on the organisation's chain: one chain per organisation would
	// serialise every API request of the organisation (issue 21).
	t, err := store.New(a.Pool).UseAPIToken(ctx, secret.Hash(token), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.APIToken{}, ErrBadToken
	}
	return t, err
}
