package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
)

// Staff accounts in the web UI (issue 19): a DPO (or an organisation's
// administrator, or a platform administrator) invites colleagues by email,
// removes them, and anyone can reset a forgotten password by an emailed
// link. Links carry a random token of which only a keyed hash is stored;
// audit events name ids only (D-25).

const (
	// InviteTTL is how long an invitation link works.
	InviteTTL = 7 * 24 * time.Hour
	// ResetTTL is how long a password reset link works.
	ResetTTL = time.Hour

	// At most ResetPerIP reset requests from one address and
	// ResetPerEmail for one typed address within ResetWindow (D-24).
	ResetPerIP    = 10
	ResetPerEmail = 3
	ResetWindow   = time.Hour
)

var (
	// ErrAlreadyMember: the address already has a role in the organisation.
	ErrAlreadyMember = errors.New("the address is already a member of the organisation")
	// ErrBadEmail: not a plain email address.
	ErrBadEmail = errors.New("not a valid email address")
	// ErrBadRole: not a staff role.
	ErrBadRole = errors.New("not a staff role")
	// ErrBadLang: not fi, sv or en.
	ErrBadLang = errors.New("language must be fi, sv or en")
	// ErrSelf: a staff member cannot remove their own membership here.
	ErrSelf = errors.New("you cannot remove yourself")
	// ErrPasswordsDiffer: the two typed passwords differ.
	ErrPasswordsDiffer = errors.New("the passwords differ")
)

// LinkError refuses an invitation or reset link; Reason is "invalid"
// (unknown, forged or revoked), "expired", "used" or "disabled" (the
// account is disabled). The page tells the reason; it tells nothing of
// the account's data.
type LinkError struct{ Reason string }

func (e *LinkError) Error() string { return "link refused: " + e.Reason }

// ResetLimitedError: too many reset requests from one address; RetryAt
// says when to try again. It is per client address, so it tells nothing
// about any account.
type ResetLimitedError struct{ RetryAt time.Time }

func (e *ResetLimitedError) Error() string { return "too many password reset requests" }

// linkHash is the stored form of a link token: keyed, so a copy of the
// database alone cannot test guesses (D-26: the key id is stored beside).
func linkHash(k *secret.Keys, purpose, token string) []byte {
	return k.BlindIndex("rightsdesk/" + purpose + ":" + token)
}

// linkHashes are a link token's hashes under every ring key (a link
// mailed before a key rotation still opens, issue 22).
func linkHashes(k *secret.Keys, purpose, token string) [][]byte {
	return k.BlindIndexes("rightsdesk/" + purpose + ":" + token)
}

func validEmail(email string) bool {
	addr, err := mail.ParseAddress(email)
	return err == nil && addr.Address == email && addr.Name == "" && len(email) <= 254
}

func validLang(l string) bool { return l == "fi" || l == "sv" || l == "en" }

func (a *StaffAuth) keys() *secret.Keys {
	if a.Keys == nil {
		panic("workflow: StaffAuth.Keys is required for links")
	}
	return a.Keys
}

// openSession stores a new session for userID and returns its secret.
func openSession(ctx context.Context, q *store.Q, userID int64, now time.Time) (string, error) {
	token := secret.Token()
	return token, q.InsertStaffSession(ctx, secret.Hash(token), userID, now)
}

// ---- the organisation's staff ----------------------------------------------

// OrgStaff lists an organisation's members and its pending invitations.
func (a *StaffAuth) OrgStaff(ctx context.Context, orgID int64) ([]store.OrgMember, []store.StaffInvite, error) {
	q := store.New(a.Pool)
	ms, err := q.OrgMembers(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	inv, err := q.PendingInvites(ctx, orgID)
	return ms, inv, err
}

// Invitation is what a DPO asks for: an address, a role and the language
// of the invitee's mail and pages.
type Invitation struct {
	OrgID     int64
	Email     string
	Role      string
	Lang      string
	InvitedBy int64 // the inviting account (0: none)
}

// Invite mails an invitation link to join the organisation with the role.
// A pending invitation for the same address is replaced (re-sent with the
// new role and language). ErrAlreadyMember when the address already has a
// role there.
func (a *StaffAuth) Invite(ctx context.Context, in Invitation, actor Actor) (int64, error) {
	in.Email = NormEmail(in.Email)
	switch {
	case !validEmail(in.Email):
		return 0, ErrBadEmail
	case !ValidRole(in.Role):
		return 0, ErrBadRole
	case !validLang(in.Lang):
		return 0, ErrBadLang
	}
	var id int64
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		if u, err := q.StaffUserByEmail(ctx, in.Email); err == nil {
			ms, err := q.Memberships(ctx, u.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.OrgID == in.OrgID {
					return ErrAlreadyMember
				}
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		replaces := int64(0)
		if old, err := q.PendingInviteByEmail(ctx, in.OrgID, in.Email); err == nil {
			replaces = old.ID
			if err := q.RevokeInvite(ctx, old.ID, a.now()); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		id, err = a.sendInvite(ctx, tx, in, actor, "staff.invite", replaces)
		return err
	})
	return id, err
}

// MailStaffInvite is the outbox kind of an invitation mail (the dev mail
// catcher shows it to whoever manages the organisation's staff).
const MailStaffInvite = "staff_invite"

// sendInvite stores a new invitation, queues its mail and audits it.
func (a *StaffAuth) sendInvite(ctx context.Context, tx pgx.Tx, in Invitation, actor Actor, action string, replaces int64) (int64, error) {
	if a.Mail == nil {
		return 0, errors.New("workflow: StaffAuth.Mail is required to send invitations")
	}
	q := store.New(tx)
	org, err := q.OrgByID(ctx, in.OrgID)
	if err != nil {
		return 0, err
	}
	now := a.now()
	token := secret.Token()
	inv := store.StaffInvite{OrgID: in.OrgID, Email: in.Email, Role: in.Role, Lang: in.Lang, KeyID: a.keys().ID(),
		CreatedAt: now, ExpiresAt: now.Add(InviteTTL)}
	if in.InvitedBy != 0 {
		inv.InvitedBy = &in.InvitedBy
	}
	id, err := q.InsertInvite(ctx, inv, linkHash(a.keys(), "invite", token))
	if err != nil {
		return 0, err
	}
	err = a.Mail.queueMail(ctx, tx, Mail{OrgID: in.OrgID, Kind: MailStaffInvite, To: in.Email, Lang: in.Lang, Data: map[string]any{
		"Lang": in.Lang, "OrgName": org.Name(in.Lang), "Role": in.Role,
		"Link":  strings.TrimRight(a.Mail.BaseURL, "/") + "/staff/invite/" + token,
		"Until": FormatDateTime(inv.ExpiresAt, in.Lang),
	}})
	if err != nil {
		return 0, err
	}
	data := map[string]any{"invite_id": id, "role": in.Role, "lang": in.Lang}
	if replaces != 0 {
		data["replaces"] = replaces
	}
	return id, q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: in.OrgID, Actor: string(actor), Action: action, Data: data, At: now})
}

// ResendInvite replaces a pending invitation with a new link valid for
// another InviteTTL (the old link stops working) and mails it.
func (a *StaffAuth) ResendInvite(ctx context.Context, orgID, inviteID int64, actor Actor) (int64, error) {
	var id int64
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		old, err := q.PendingInviteForUpdate(ctx, orgID, inviteID)
		if err != nil {
			return err
		}
		if err := q.RevokeInvite(ctx, old.ID, a.now()); err != nil {
			return err
		}
		in := Invitation{OrgID: orgID, Email: old.Email, Role: old.Role, Lang: old.Lang}
		if old.InvitedBy != nil {
			in.InvitedBy = *old.InvitedBy
		}
		id, err = a.sendInvite(ctx, tx, in, actor, "staff.invite_resend", old.ID)
		return err
	})
	return id, err
}

// RevokeInvite ends a pending invitation of the organisation.
func (a *StaffAuth) RevokeInvite(ctx context.Context, orgID, inviteID int64, actor Actor) error {
	now := a.now()
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		inv, err := q.PendingInviteForUpdate(ctx, orgID, inviteID)
		if err != nil {
			return err
		}
		if err := q.RevokeInvite(ctx, inv.ID, now); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: orgID, Actor: string(actor), Action: "staff.invite_revoke",
			Data: map[string]any{"invite_id": inv.ID}, At: now})
	})
}

// InviteView is what the invitation page shows.
type InviteView struct {
	OrgID int64
	Email string
	Role  string
	Lang  string
	// Existing: the address has an account already; accepting adds the
	// role and keeps its password, and needs that account signed in.
	Existing bool
	// UserID is the existing account's id (0 for a new one).
	UserID int64
}

// ErrInviteSignIn: an invitation to an existing account is accepted only
// by that account, signed in. The link alone is not enough: whoever saw
// the mail (a shared inbox, a development mail page) could otherwise add
// someone's account to an organisation, and removing it again ends all
// of its sessions.
var ErrInviteSignIn = errors.New("sign in as the invited account to accept the invitation")

// openInvite finds the invitation of a token, locked, or a *LinkError.
func (a *StaffAuth) openInvite(ctx context.Context, q *store.Q, token string) (store.StaffInvite, *store.StaffUser, error) {
	if token == "" || len(token) > 100 {
		return store.StaffInvite{}, nil, &LinkError{Reason: "invalid"}
	}
	var inv store.StaffInvite
	err := store.ErrNotFound
	for _, h := range linkHashes(a.keys(), "invite", token) {
		if inv, err = q.InviteByTokenHash(ctx, h); !errors.Is(err, store.ErrNotFound) {
			break
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return inv, nil, &LinkError{Reason: "invalid"}
	}
	if err != nil {
		return inv, nil, err
	}
	switch {
	case inv.UsedAt != nil:
		return inv, nil, &LinkError{Reason: "used"}
	case inv.RevokedAt != nil:
		return inv, nil, &LinkError{Reason: "invalid"}
	case !a.now().Before(inv.ExpiresAt):
		return inv, nil, &LinkError{Reason: "expired"}
	}
	u, err := q.StaffUserByEmail(ctx, inv.Email)
	if errors.Is(err, store.ErrNotFound) {
		return inv, nil, nil
	}
	if err != nil {
		return inv, nil, err
	}
	if u.DisabledAt != nil {
		return inv, nil, &LinkError{Reason: "disabled"}
	}
	return inv, &u, nil
}

// InviteInfo checks an invitation link for its page. A refused link is a
// *LinkError whose invitation language (lang) is still returned when the
// token was found, so the page speaks the invitee's language.
func (a *StaffAuth) InviteInfo(ctx context.Context, token string) (InviteView, error) {
	var v InviteView
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		inv, u, err := a.openInvite(ctx, store.New(tx), token)
		v = inviteView(inv, u)
		return err
	})
	return v, err
}

func inviteView(inv store.StaffInvite, u *store.StaffUser) InviteView {
	v := InviteView{OrgID: inv.OrgID, Email: inv.Email, Role: inv.Role, Lang: inv.Lang, Existing: u != nil}
	if u != nil {
		v.UserID = u.ID
	}
	return v
}

// AcceptInvite uses an invitation: a new account gets the name and
// password and is signed in (the session's secret is returned); an
// existing account gets the role when it is the one signed in (signedIn,
// 0 for none; else ErrInviteSignIn) and keeps its session ("" returned).
func (a *StaffAuth) AcceptInvite(ctx context.Context, token string, signedIn int64, name, password, password2 string) (string, InviteView, error) {
	var session string
	var v InviteView
	now := a.now()
	m, t := a.params()
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		inv, u, err := a.openInvite(ctx, q, token)
		v = inviteView(inv, u)
		if err != nil {
			return err
		}
		var userID int64
		if u != nil {
			if signedIn != u.ID {
				return ErrInviteSignIn
			}
			userID = u.ID
		} else {
			name = strings.TrimSpace(name)
			if name == "" || len(name) > 200 {
				return ErrNameRequired
			}
			if err := CheckPasswordPolicy(password); err != nil {
				return err
			}
			if password != password2 {
				return ErrPasswordsDiffer
			}
			hash, err := HashPassword(password, m, t)
			if err != nil {
				return err
			}
			if userID, err = q.InsertStaffUser(ctx, store.StaffUser{Email: inv.Email, Name: name, PasswordHash: hash, Lang: inv.Lang, CreatedAt: now}); err != nil {
				return err
			}
			if session, err = openSession(ctx, q, userID, now); err != nil {
				return err
			}
		}
		if _, err := q.SetMembership(ctx, inv.OrgID, userID, inv.Role); err != nil {
			return err
		}
		if err := q.UseInvite(ctx, inv.ID, userID, now); err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: inv.OrgID, Actor: string(StaffActor(userID)), Action: "staff.invite_accept",
			Data: map[string]any{"invite_id": inv.ID, "user_id": userID, "role": inv.Role, "new_account": u == nil}, At: now})
	})
	if err != nil {
		return "", v, err
	}
	return session, v, nil
}

// ErrNameRequired: an account needs a name.
var ErrNameRequired = errors.New("enter your name")

// RemoveMember removes a user's role in the organisation and ends all the
// user's sessions; an account left with no organisation (and not a
// platform administrator) is disabled as well. The user's open cases in
// the organisation lose their handler (each with an unassign event), so
// that they show as unassigned on the dashboard. It reports whether the
// account was disabled and how many cases were unassigned.
func (a *StaffAuth) RemoveMember(ctx context.Context, orgID, userID int64, by int64) (disabled bool, unassigned int, err error) {
	if userID == by {
		return false, 0, ErrSelf
	}
	now := a.now()
	err = store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.StaffUserForUpdate(ctx, userID)
		if err != nil {
			return err
		}
		// Cases before the membership: Assign locks a case, then the
		// assignee's membership; the same order here cannot deadlock.
		if unassigned, err = a.unassignCases(ctx, q, orgID, u.ID, StaffActor(by), "member_removed", now); err != nil {
			return err
		}
		if err := q.DeleteMembership(ctx, orgID, u.ID); err != nil {
			return err
		}
		ms, err := q.Memberships(ctx, u.ID)
		if err != nil {
			return err
		}
		if len(ms) == 0 && !u.PlatformAdmin && u.DisabledAt == nil {
			if err := q.DisableStaffUser(ctx, u.ID, now); err != nil {
				return err
			}
			disabled = true
		}
		n, err := q.RevokeStaffSessions(ctx, u.ID, now)
		if err != nil {
			return err
		}
		return q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: orgID, Actor: string(StaffActor(by)), Action: "staff.remove",
			Data: map[string]any{"user_id": u.ID, "account_disabled": disabled, "sessions_ended": n, "cases_unassigned": unassigned}, At: now})
	})
	return disabled, unassigned, err
}

// unassignCases takes userID's open cases in orgID from them, each with
// an unassign event giving the reason, and returns how many there were.
func (a *StaffAuth) unassignCases(ctx context.Context, q *store.Q, orgID, userID int64, actor Actor, reason string, now time.Time) (int, error) {
	ids, err := q.UnassignOpenCases(ctx, orgID, userID)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: orgID, CaseID: id, Actor: string(actor), Action: AuditUnassign,
			Data: map[string]any{"previous_assignee": userID, "reason": reason}, At: now}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// ---- forgotten passwords -----------------------------------------------------

// resetEmailHash is what the per-address limit counts under.
func (a *StaffAuth) resetEmailHash(email string) []byte {
	return a.keys().BlindIndex("rightsdesk/reset-email:" + NormEmail(email))
}

// RequestPasswordReset takes a "forgot password" form. Whatever the
// address, it does the same work: it records the request (the address
// encrypted) and queues a job that mails a link if an account has the
// address; the answer never says which. Over the per-address limit the
// request is recorded without the address (no mail, same answer); over
// the per-client-address limit it is a *ResetLimitedError.
func (a *StaffAuth) RequestPasswordReset(ctx context.Context, email, ip string) error {
	if a.Mail == nil {
		return errors.New("workflow: StaffAuth.Mail is required to send reset links")
	}
	now := a.now()
	email = NormEmail(email)
	if len(email) > 254 {
		email = email[:254]
	}
	eh := a.resetEmailHash(email)
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		since := now.Add(-ResetWindow)
		byIP, byEmail, err := q.ResetRequestCounts(ctx, ip, eh, since)
		if err != nil {
			return err
		}
		if byIP >= ResetPerIP {
			oldest, err := q.OldestResetRequestFrom(ctx, ip, since)
			if err != nil {
				return err
			}
			return &ResetLimitedError{RetryAt: oldest.Add(ResetWindow)}
		}
		var enc []byte
		if byEmail < ResetPerEmail {
			if enc, err = a.keys().Encrypt([]byte(email)); err != nil {
				return err
			}
		}
		id, err := q.InsertResetRequest(ctx, ip, eh, enc, a.keys().ID(), now)
		if err != nil {
			return err
		}
		_, err = a.Mail.River.InsertTx(ctx, tx, jobargs.PasswordReset{RequestID: id}, jobOpts(now, nil))
		return err
	})
}

// SendPasswordReset runs a reset request's job: if an enabled account has
// the address, it mails a link valid for ResetTTL. The address is
// forgotten either way.
func (s *Service) SendPasswordReset(ctx context.Context, requestID int64) error {
	now := s.Now()
	return s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		enc, _, err := q.TakeResetRequest(ctx, requestID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && enc == nil) {
			return nil // refused by a limit, or already done
		}
		if err != nil {
			return err
		}
		raw, err := s.Keys.Decrypt(enc)
		if err != nil {
			return fmt.Errorf("reset request %d: %w", requestID, err)
		}
		u, err := q.StaffUserByEmail(ctx, string(raw))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.DisabledAt != nil {
			return nil
		}
		token := secret.Token()
		if _, err := q.InsertPasswordReset(ctx, u.ID, linkHash(s.Keys, "reset", token), s.Keys.ID(), now, now.Add(ResetTTL)); err != nil {
			return err
		}
		s.Logger.Info("password reset link queued", slog.Int64("user", u.ID), slog.Int64("request", requestID))
		return s.queueMail(ctx, tx, Mail{Kind: "password_reset", To: u.Email, Lang: u.Lang, Data: map[string]any{
			"Lang": u.Lang, "Link": strings.TrimRight(s.BaseURL, "/") + "/staff/reset/" + token,
			"Minutes": int(ResetTTL / time.Minute),
		}})
	})
}

// openReset finds the reset link of a token, locked, or a *LinkError.
func (a *StaffAuth) openReset(ctx context.Context, q *store.Q, token string) (store.PasswordReset, store.StaffUser, error) {
	if token == "" || len(token) > 100 {
		return store.PasswordReset{}, store.StaffUser{}, &LinkError{Reason: "invalid"}
	}
	var r store.PasswordReset
	err := store.ErrNotFound
	for _, h := range linkHashes(a.keys(), "reset", token) {
		if r, err = q.PasswordResetByTokenHash(ctx, h); !errors.Is(err, store.ErrNotFound) {
			break
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return r, store.StaffUser{}, &LinkError{Reason: "invalid"}
	}
	if err != nil {
		return r, store.StaffUser{}, err
	}
	switch {
	case r.UsedAt != nil:
		return r, store.StaffUser{}, &LinkError{Reason: "used"}
	case !a.now().Before(r.ExpiresAt):
		return r, store.StaffUser{}, &LinkError{Reason: "expired"}
	}
	u, err := q.StaffUserForUpdate(ctx, r.UserID)
	if err != nil {
		return r, u, err
	}
	if u.DisabledAt != nil {
		return r, u, &LinkError{Reason: "disabled"}
	}
	return r, u, nil
}

// ResetInfo checks a reset link for its page; it returns the account's
// language.
func (a *StaffAuth) ResetInfo(ctx context.Context, token string) (string, error) {
	var lang string
	err := store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		_, u, err := a.openReset(ctx, store.New(tx), token)
		lang = u.Lang
		return err
	})
	return lang, err
}

// ResetPassword sets a new password through a reset link, uses up every
// open reset link of the account and ends all its sessions. Without a
// second factor it signs in (the new session's secret is returned); with
// one, the person signs in as usual ("" returned), so a mailbox alone
// never passes the second factor.
func (a *StaffAuth) ResetPassword(ctx context.Context, token, password, password2 string) (session, lang string, err error) {
	if err := CheckPasswordPolicy(password); err != nil {
		return "", "", err
	}
	if password != password2 {
		return "", "", ErrPasswordsDiffer
	}
	now := a.now()
	m, t := a.params()
	err = store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		_, u, err := a.openReset(ctx, q, token)
		lang = u.Lang
		if err != nil {
			return err
		}
		hash, err := HashPassword(password, m, t)
		if err != nil {
			return err
		}
		if err := a.setPassword(ctx, q, u, hash, StaffActor(u.ID), nil, now); err != nil {
			return err
		}
		st, err := q.TOTPForUpdate(ctx, u.ID)
		if err != nil {
			return err
		}
		if st.EnabledAt == nil {
			if session, err = openSession(ctx, q, u.ID, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return "", lang, err
	}
	return session, lang, nil
}

// SetPassword gives an account a new password from the command line (an
// operator beside the server: a DPO who lost the password where no reset
// mail can be read, as in the embedded default). Like a reset it ends the
// account's sessions and its sign-in lock, and is audited in each of its
// organisations (staff.password_reset, by_operator).
func (a *StaffAuth) SetPassword(ctx context.Context, email, password string, actor Actor) error {
	if err := CheckPasswordPolicy(password); err != nil {
		return err
	}
	now := a.now()
	m, t := a.params()
	hash, err := HashPassword(password, m, t)
	if err != nil {
		return err
	}
	return store.Tx(ctx, a.Pool, func(tx pgx.Tx) error {
		q := store.New(tx)
		u, err := q.StaffUserByEmail(ctx, NormEmail(email))
		if err != nil {
			return err
		}
		return a.setPassword(ctx, q, u, hash, actor, map[string]any{"by_operator": true}, now)
	})
}

// setPassword gives u the password hash in q's transaction, as a reset
// and an operator do alike: the reset links are used up, the account's
// sessions and its sign-in lock end, and each of its organisations
// records staff.password_reset (the ended sessions and extra).
func (a *StaffAuth) setPassword(ctx context.Context, q *store.Q, u store.StaffUser, hash string, actor Actor, extra map[string]any, now time.Time) error {
	if err := q.SetStaffPasswordHash(ctx, u.ID, hash); err != nil {
		return err
	}
	if err := q.UsePasswordResets(ctx, u.ID, now); err != nil {
		return err
	}
	n, err := q.RevokeStaffSessions(ctx, u.ID, now)
	if err != nil {
		return err
	}
	if err := q.ClearLoginAttempts(ctx, emailKey(u.Email)); err != nil {
		return err
	}
	ms, err := q.Memberships(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, mb := range ms {
		data := map[string]any{"user_id": u.ID, "sessions_ended": n}
		maps.Copy(data, extra)
		if err := q.AppendAudit(ctx, a.Keys, store.AuditEvent{OrgID: mb.OrgID, Actor: string(actor), Action: "staff.password_reset",
			Data: data, At: now}); err != nil {
			return err
		}
	}
	return nil
}
