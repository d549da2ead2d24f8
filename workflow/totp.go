package workflow

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
)

// A second sign-in factor for staff (issue 16, item 12): TOTP as RFC 6238
// says it (30-second steps, 6 digits, HMAC-SHA-1, which every
// authenticator app reads), one step of clock drift either way, each step
// accepted once; and 10 single-use recovery codes, stored hashed. The
// secret is stored encrypted with the keyring (D-26).

const (
	// TOTPPeriod is the length of a time step.
	TOTPPeriod = 30 * time.Second
	// TOTPDigits is the length of a code.
	TOTPDigits = 6
	// TOTPSkew is how many steps before or after now are accepted.
	TOTPSkew = 1
	// RecoveryCodes is how many recovery codes an account gets.
	RecoveryCodes = 10
	// SecondFactorTTL is how long a password stays good for typing the
	// code after it.
	SecondFactorTTL = 5 * time.Minute

	totpSecretLen = 20 // 160 bits, as RFC 4226 recommends
)

var (
	// ErrSecondFactorDue: the password was right; the session opens when a
	// code completes it (CompleteSecondFactor).
	ErrSecondFactorDue = errors.New("the second factor is due")
	// ErrBadCode: a wrong, reused or malformed code.
	ErrBadCode = errors.New("wrong code")
	// ErrTOTPOn: the account has a second factor already.
	ErrTOTPOn = errors.New("the second factor is already on")
)

// hotp is RFC 4226's HOTP value of counter under key, with digits digits
// (hash: SHA-1 for TOTP as apps use it; RFC 6238 also names SHA-256/512).
func hotp(h func() hash.Hash, key []byte, counter uint64, digits int) string {
	m := hmac.New(h, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// TOTPStep is the RFC 6238 time step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of a secret at step (what an authenticator app
// shows).
func TOTPCode(key []byte, step int64) string { return hotp(sha1.New, key, uint64(step), TOTPDigits) }

// matchTOTP returns the step within ±TOTPSkew of now whose code is code
// and which is later than last (each step is accepted once), or 0.
func matchTOTP(key []byte, code string, now time.Time, last int64) int64 {
	cur := TOTPStep(now)
	var found int64
	for s := cur - TOTPSkew; s <= cur+TOTPSkew; s++ {
		if s > last && hmac.Equal([]byte(TOTPCode(key, s)), []byte(code)) {
			found = s // no early return: the same work for every code
		}
	}
	return found
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPSetup is a secret being set up, as the app takes it.
type TOTPSetup struct {
	Key string // base32, as typed into an app
	URI string // otpauth://totp/...
}

// totpURI is the Key URI an app scans (Google Authenticator's format).
func totpURI(email string, key []byte) string {
	label := url.PathEscape("rightsdesk:" + email)
	v := url.Values{"secret": {b32.EncodeToString(key)}, "issuer": {"rightsdesk"}, "algorithm": {"SHA1"},
		"digits": {strconv.Itoa(TOTPDigits)}, "period": {strconv.Itoa(int(TOTPPeriod / time.Second))}}
	return "otpauth://totp/" + label + "?" + v.Encode()
}

// TOTPEnabled reports whether the account has a second factor.
func (a *StaffAuth) TOTPEnabled(ctx context.Context, userID int64) (bool, error) {
	st, err := store.New(a.Pool).TOTPForUpdate(ctx, userID) // FOR UPDATE is harmless outside a transaction
	return st.EnabledAt != nil, err
}

// BeginTOTP returns the secret being set up for the account, creating one
// when there is none (a reload shows the same secret).
func (a *StaffAuth) BeginTOTP(ctx context.Context, userID int64) (TOTPSetup, error) {
	var out TOTPSetup
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		st, err := q.TOTPForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		if st.EnabledAt != nil {
			return ErrTOTPOn
		}
		u, err := q.StaffUserByID(ctx, userID)
		if err != nil {
			return err
		}
		var key []byte
		if st.Pending != nil {
			if key, err = a.keys().Decrypt(st.Pending); err != nil {
				key = nil // a key rotated away: start over
			}
		}
		if key == nil {
			key = make([]byte, totpSecretLen)
			if _, err := rand.Read(key); err != nil {
				return err
			}
			enc, err := a.keys().Encrypt(key)
			if err != nil {
				return err
			}
			if err := q.SetTOTPPending(ctx, userID, enc, a.keys().ID()); err != nil {
				return err
			}
		}
		out = TOTPSetup{Key: b32.EncodeToString(key), URI: totpURI(u.Email, key)}
		return nil
	})
	return out, err
}

// ConfirmTOTP turns the second factor on when code matches the secret
// being set up, and returns the recovery codes (shown once; only their
// hashes are kept).
func (a *StaffAuth) ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	code = normCode(code)
	now := a.now()
	var codes []string
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		st, err := q.TOTPForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		if st.EnabledAt != nil {
			return ErrTOTPOn
		}
		if st.Pending == nil {
			return ErrBadCode
		}
		key, err := a.keys().Decrypt(st.Pending)
		if err != nil {
			return ErrBadCode
		}
		step := matchTOTP(key, code, now, 0)
		if step == 0 {
			return ErrBadCode
		}
		enc, err := a.keys().Encrypt(key)
		if err != nil {
			return err
		}
		if err := q.EnableTOTP(ctx, userID, enc, a.keys().ID(), step, now); err != nil {
			return err
		}
		codes = make([]string, RecoveryCodes)
		hashes := make([][]byte, RecoveryCodes)
		for i := range codes {
			codes[i] = GeneratePassword()[:14] // xxxx-xxxx-xxxx, about 59 bits
			hashes[i] = a.recoveryHash(userID, codes[i])
		}
		if err := q.ReplaceRecoveryCodes(ctx, userID, hashes, a.keys().ID()); err != nil {
			return err
		}
		return a.auditAccount(ctx, q, userID, "staff.totp_enable", map[string]any{"user_id": userID}, now)
	})
	return codes, err
}

// DisableTOTP turns the second factor off; a current code or an unused
// recovery code must confirm it.
func (a *StaffAuth) DisableTOTP(ctx context.Context, userID int64, code string) error {
	now := a.now()
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		ok, _, err := a.checkSecondFactor(ctx, q, userID, code, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadCode
		}
		if err := q.DisableTOTP(ctx, userID); err != nil {
			return err
		}
		return a.auditAccount(ctx, q, userID, "staff.totp_disable", map[string]any{"user_id": userID}, now)
	})
}

// auditAccount records an account's event in the chain of each of its
// organisations (an account belongs to none on its own).
func (a *StaffAuth) auditAccount(ctx context.Context, q *store.Q, userID int64, action string, data map[string]any, now time.Time) error {
	ms, err := q.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: m.OrgID, Actor: string(StaffActor(userID)), Action: action, Data: data, At: now}); err != nil {
			return err
		}
	}
	return nil
}

// normCode is a typed code without the spaces and hyphens people add,
// lower case.
func normCode(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s))
}

func (a *StaffAuth) recoveryHash(userID int64, code string) []byte {
	return a.keys().BlindIndex("rightsdesk/recovery:" + strconv.FormatInt(userID, 10) + ":" + normCode(code))
}

// checkSecondFactor checks a TOTP code (recording its step) or a recovery
// code (using it up) of the account, in q's transaction. recovery tells
// which matched.
func (a *StaffAuth) checkSecondFactor(ctx context.Context, q *store.Q, userID int64, code string, now time.Time) (ok, recovery bool, err error) {
	st, err := q.TOTPForUpdate(ctx, userID)
	if err != nil {
		return false, false, err
	}
	if st.EnabledAt == nil || st.Secret == nil {
		return false, false, nil
	}
	c := normCode(code)
	if len(c) == TOTPDigits && strings.Trim(c, "0123456789") == "" {
		key, err := a.keys().Decrypt(st.Secret)
		if err != nil {
			return false, false, fmt.Errorf("second factor of user %d: %w", userID, err)
		}
		step := matchTOTP(key, c, now, st.LastStep)
		if step == 0 {
			return false, false, nil
		}
		return true, false, q.SetTOTPLastStep(ctx, userID, step)
	}
	if c == "" || len(c) > 64 {
		return false, false, nil
	}
	// Every ring key: codes given out before a key rotation still work (issue 22).
	for _, h := range a.keys().BlindIndexes("rightsdesk/recovery:" + strconv.FormatInt(userID, 10) + ":" + normCode(c)) {
		used, err := q.UseRecoveryCode(ctx, userID, h, now)
		if used || err != nil {
			return used, used, err
		}
	}
	return false, false, nil
}

// CompleteSecondFactor takes the code typed after the password of a
// session whose second factor is due (pending: the secret Login returned
// with ErrSecondFactorDue). A right code opens a new full session (its
// secret is returned). Wrong codes count toward the sign-in limits like
// wrong passwords (issue 16, item 6): *LoginLimitedError when over them,
// ErrBadCode for a wrong or reused code, ErrNoSession when the pending
// session is unknown or older than SecondFactorTTL.
func (a *StaffAuth) CompleteSecondFactor(ctx context.Context, pending, code, ip string) (string, Staff, error) {
	if pending == "" {
		return "", Staff{}, ErrNoSession
	}
	now := a.now()
	q := store.New(a.Pool)
	hash := secret.Hash(pending)
	s, u, err := q.SecondFactorSession(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return "", Staff{}, ErrNoSession
	}
	if err != nil {
		return "", Staff{}, err
	}
	if now.Sub(s.CreatedAt) > SecondFactorTTL || u.DisabledAt != nil {
		return "", Staff{}, ErrNoSession
	}
	// The limits first, as Login does: the failure is reserved before the
	// code is checked and released on success.
	var ipRes int64
	if ip != "" {
		id, err := a.reserveAddress(ctx, ip, now)
		if err != nil {
			return "", Staff{}, err
		}
		ipRes = id
	}
	key := emailKey(u.Email)
	n, lockedUntil, err := q.ReserveLoginAttempt(ctx, key, now, LockAfter, LockBase, LockMax)
	if err != nil {
		return "", Staff{}, err
	}
	if n == 0 {
		return "", Staff{}, &LoginLimitedError{RetryAt: lockedUntil}
	}
	var token string
	err = store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if _, _, err := q.SecondFactorSession(ctx, hash); err != nil {
			return ErrNoSession // completed meanwhile
		}
		ok, recovery, err := a.checkSecondFactor(ctx, q, u.ID, code, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrBadCode
		}
		if err := q.RevokeStaffSession(ctx, hash, now); err != nil {
			return err
		}
		if err := q.ClearLoginAttempts(ctx, key); err != nil {
			return err
		}
		if ipRes != 0 {
			if err := q.ReleaseLoginFailure(ctx, ipRes); err != nil {
				return err
			}
		}
		if recovery {
			left, err := q.RecoveryCodesLeft(ctx, u.ID)
			if err != nil {
				return err
			}
			if err := a.auditAccount(ctx, q, u.ID, "staff.recovery_code_used", map[string]any{"user_id": u.ID, "left": left}, now); err != nil {
				return err
			}
		}
		token, err = openSession(ctx, q, u.ID, now)
		return err
	})
	if err != nil {
		return "", Staff{}, err // a wrong code: the reservations stand as the failure
	}
	st, err := a.staffOf(ctx, store.New(a.Pool), u)
	return token, st, err
}

// ErrNoSecondFactor: the account has no second factor to turn off.
var ErrNoSecondFactor = errors.New("the account has no second factor")

// TurnOffTOTP is an operator's way to turn off an account's second factor
// (a lost device and no recovery code left; 'rightsdesk user totp-off'):
// no code is asked. The account's sessions end, so a session opened with
// the lost device does not outlive it. Audited as staff.totp_disable in
// each of the account's organisations, with the operator as the actor.
func (a *StaffAuth) TurnOffTOTP(ctx context.Context, email string, actor Actor) error {
	now := a.now()
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.StaffUserByEmail(ctx, NormEmail(email))
		if err != nil {
			return err
		}
		st, err := q.TOTPForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if st.Secret == nil && st.Pending == nil {
			return ErrNoSecondFactor
		}
		if err := q.DisableTOTP(ctx, u.ID); err != nil {
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
			if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: m.OrgID, Actor: string(actor), Action: "staff.totp_disable",
				Data: map[string]any{"user_id": u.ID, "by_operator": true, "sessions_ended": n}, At: now}); err != nil {
				return err
			}
		}
		return nil
	})
}
