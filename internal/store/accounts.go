package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Staff accounts managed in the web UI (issue 19): invitations, password
// resets, and the second sign-in factor (issue 16, item 12). Tokens and
// codes are stored as keyed hashes only.

// StaffInvite is an invitation to join an organisation.
type StaffInvite struct {
	ID        int64      `db:"id"`
	OrgID     int64      `db:"org_id"`
	Email     string     `db:"email"`
	Role      string     `db:"role"`
	Lang      string     `db:"lang"`
	KeyID     string     `db:"key_id"`
	InvitedBy *int64     `db:"invited_by"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	UsedAt    *time.Time `db:"used_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

const inviteCols = `id, org_id, email, role, lang, key_id, invited_by, created_at, expires_at, used_at, revoked_at`

// InsertInvite stores a pending invitation (ErrConflict when one is
// pending for the address in the organisation).
func (q *Q) InsertInvite(ctx context.Context, inv StaffInvite, tokenHash []byte) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO staff_invites (org_id, email, role, lang, token_hash, key_id, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		inv.OrgID, inv.Email, inv.Role, inv.Lang, tokenHash, inv.KeyID, inv.InvitedBy, inv.CreatedAt, inv.ExpiresAt).Scan(&id)
	return id, mapErr(err, "creating invitation")
}

// PendingInvites lists the organisation's invitations not used or
// revoked (expired ones included: they can be sent again), by address.
func (q *Q) PendingInvites(ctx context.Context, orgID int64) ([]StaffInvite, error) {
	rows, err := q.db.Query(ctx, `SELECT `+inviteCols+` FROM staff_invites
		WHERE org_id = $1 AND used_at IS NULL AND revoked_at IS NULL ORDER BY lower(email)`, orgID)
	if err != nil {
		return nil, mapErr(err, "invitations")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[StaffInvite])
	return out, mapErr(err, "invitations")
}

// PendingInviteForUpdate locks the organisation's pending invitation with
// this id (ErrNotFound for another organisation's, a used or a revoked one).
func (q *Q) PendingInviteForUpdate(ctx context.Context, orgID, id int64) (StaffInvite, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+inviteCols+` FROM staff_invites
		WHERE org_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL FOR UPDATE`, orgID, id)
	inv, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffInvite])
	return inv, mapErr(err, "invitation")
}

// PendingInviteByEmail is the organisation's pending invitation for an
// address, locked.
func (q *Q) PendingInviteByEmail(ctx context.Context, orgID int64, email string) (StaffInvite, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+inviteCols+` FROM staff_invites
		WHERE org_id = $1 AND lower(email) = lower($2) AND used_at IS NULL AND revoked_at IS NULL FOR UPDATE`, orgID, email)
	inv, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffInvite])
	return inv, mapErr(err, "invitation")
}

// InviteByTokenHash finds an invitation by its token's hash, locked,
// whatever its state (the caller tells used, revoked and expired apart).
func (q *Q) InviteByTokenHash(ctx context.Context, tokenHash []byte) (StaffInvite, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+inviteCols+` FROM staff_invites WHERE token_hash = $1 FOR UPDATE`, tokenHash)
	inv, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffInvite])
	return inv, mapErr(err, "invitation")
}

// RevokeInvite ends a pending invitation.
func (q *Q) RevokeInvite(ctx context.Context, id int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_invites SET revoked_at = $2 WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL`, id, at)
	return mapErr(err, "revoking invitation")
}

// UseInvite marks an invitation used by the account userID.
func (q *Q) UseInvite(ctx context.Context, id, userID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_invites SET used_at = $2, user_id = $3 WHERE id = $1`, id, at, userID)
	return mapErr(err, "using invitation")
}

// OrgMember is one member of an organisation's staff.
type OrgMember struct {
	UserID      int64      `db:"user_id"`
	Email       string     `db:"email"`
	Name        string     `db:"name"`
	Role        string     `db:"role"`
	DisabledAt  *time.Time `db:"disabled_at"`
	TOTPEnabled bool       `db:"totp_enabled"`
	// OpenCases: the organisation's open cases the member is the handler
	// of (removing them gives these back, workflow.RemoveMember).
	OpenCases int `db:"open_cases"`
}

// OrgMembers lists an organisation's staff by address, each with the open
// cases they handle (cases_org_state_assignee_urgent: one range a state).
func (q *Q) OrgMembers(ctx context.Context, orgID int64) ([]OrgMember, error) {
	rows, err := q.db.Query(ctx, `
		SELECT u.id AS user_id, u.email, u.name, m.role, u.disabled_at, u.totp_enabled_at IS NOT NULL AS totp_enabled,
			(SELECT count(*) FROM cases c WHERE c.org_id = m.org_id AND c.state = ANY($2) AND c.assigned_to = u.id)::int AS open_cases
		FROM memberships m JOIN staff_users u ON u.id = m.user_id
		WHERE m.org_id = $1 ORDER BY lower(u.email)`, orgID, OpenStates)
	if err != nil {
		return nil, mapErr(err, "organisation staff")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[OrgMember])
	return out, mapErr(err, "organisation staff")
}

// DeleteMembership removes a user's role in an organisation (ErrNotFound
// when there was none).
func (q *Q) DeleteMembership(ctx context.Context, orgID, userID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM memberships WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	if err == nil && tag.RowsAffected() == 0 {
		err = pgx.ErrNoRows
	}
	return mapErr(err, "membership")
}

// StaffUserByID finds an account by id.
func (q *Q) StaffUserByID(ctx context.Context, id int64) (StaffUser, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+staffCols+` FROM staff_users WHERE id = $1`, id)
	u, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffUser])
	return u, mapErr(err, "staff user")
}

// SetStaffNameAndPassword sets an account's name and password hash.
func (q *Q) SetStaffNameAndPassword(ctx context.Context, id int64, name, hash string) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET name = $2, password_hash = $3 WHERE id = $1`, id, name, hash)
	return mapErr(err, "setting password")
}

// ---- password resets ----------------------------------------------------

// ResetRequestCounts counts the reset requests since since from ip and
// for an address hash (D-24: the limits hold across instances).
func (q *Q) ResetRequestCounts(ctx context.Context, ip string, emailHash []byte, since time.Time) (byIP, byEmail int, err error) {
	err = q.db.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE ip = $1), count(*) FILTER (WHERE email_hash = $2)
		FROM password_reset_requests WHERE at > $3 AND (ip = $1 OR email_hash = $2)`, ip, emailHash, since).Scan(&byIP, &byEmail)
	return byIP, byEmail, mapErr(err, "reset requests")
}

// OldestResetRequestFrom is the time of the oldest request from ip since
// since (when the address's limit frees up).
func (q *Q) OldestResetRequestFrom(ctx context.Context, ip string, since time.Time) (time.Time, error) {
	var at *time.Time
	err := q.db.QueryRow(ctx, `SELECT min(at) FROM password_reset_requests WHERE ip = $1 AND at > $2`, ip, since).Scan(&at)
	if err != nil || at == nil {
		return time.Time{}, mapErr(err, "reset requests")
	}
	return *at, nil
}

// InsertResetRequest records a reset request; emailEnc is the typed
// address encrypted (nil: refused by the per-address limit, nothing to
// send).
func (q *Q) InsertResetRequest(ctx context.Context, ip string, emailHash, emailEnc []byte, keyID string, at time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO password_reset_requests (ip, email_hash, email_enc, key_id, at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, ip, emailHash, emailEnc, keyID, at).Scan(&id)
	return id, mapErr(err, "reset request")
}

// TakeResetRequest returns a request's encrypted address and forgets it
// (the job that reads it runs once; nil when already taken).
func (q *Q) TakeResetRequest(ctx context.Context, id int64) (emailEnc []byte, keyID string, err error) {
	err = q.db.QueryRow(ctx, `
		UPDATE password_reset_requests r SET email_enc = NULL
		FROM (SELECT id, email_enc FROM password_reset_requests WHERE id = $1 FOR UPDATE) old
		WHERE r.id = old.id RETURNING old.email_enc, r.key_id`, id).Scan(&emailEnc, &keyID)
	return emailEnc, keyID, mapErr(err, "reset request")
}

// PruneResetRequests forgets requests made before t.
func (q *Q) PruneResetRequests(ctx context.Context, before time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM password_reset_requests WHERE at < $1`, before)
	return tag.RowsAffected(), mapErr(err, "pruning reset requests")
}

// PasswordReset is a mailed reset link.
type PasswordReset struct {
	ID        int64      `db:"id"`
	UserID    int64      `db:"user_id"`
	KeyID     string     `db:"key_id"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt time.Time  `db:"expires_at"`
	UsedAt    *time.Time `db:"used_at"`
}

// InsertPasswordReset stores a reset link's hash.
func (q *Q) InsertPasswordReset(ctx context.Context, userID int64, tokenHash []byte, keyID string, at, expires time.Time) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `INSERT INTO password_resets (user_id, token_hash, key_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, userID, tokenHash, keyID, at, expires).Scan(&id)
	return id, mapErr(err, "password reset")
}

// PasswordResetByTokenHash finds a reset link by its hash, locked.
func (q *Q) PasswordResetByTokenHash(ctx context.Context, tokenHash []byte) (PasswordReset, error) {
	rows, _ := q.db.Query(ctx, `SELECT id, user_id, key_id, created_at, expires_at, used_at
		FROM password_resets WHERE token_hash = $1 FOR UPDATE`, tokenHash)
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[PasswordReset])
	return r, mapErr(err, "password reset")
}

// UsePasswordResets marks every open reset link of a user used (the one
// followed, and any older ones: one new password ends them all).
func (q *Q) UsePasswordResets(ctx context.Context, userID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE password_resets SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL`, userID, at)
	return mapErr(err, "password reset")
}

// ---- sessions -------------------------------------------------------------

// InsertStaffSessionDue stores a session whose second factor is still due
// (it opens nothing until CompleteSecondFactor).
func (q *Q) InsertStaffSessionDue(ctx context.Context, idHash []byte, userID int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, second_factor_due)
		VALUES ($1, $2, '', $3, $3, true)`, idHash, userID, at)
	return mapErr(err, "creating session")
}

// SecondFactorSession is a session waiting for its second factor, locked,
// with its account.
func (q *Q) SecondFactorSession(ctx context.Context, idHash []byte) (StaffSession, StaffUser, error) {
	var s StaffSession
	rows, _ := q.db.Query(ctx, `SELECT id_hash, user_id, created_at, last_seen_at, revoked_at FROM staff_sessions
		WHERE id_hash = $1 AND second_factor_due AND revoked_at IS NULL FOR UPDATE`, idHash)
	s, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffSession])
	if err != nil {
		return s, StaffUser{}, mapErr(err, "session")
	}
	u, err := q.StaffUserForUpdate(ctx, s.UserID)
	return s, u, err
}

// RevokeOtherStaffSessions ends every open session of a user but keep.
func (q *Q) RevokeOtherStaffSessions(ctx context.Context, userID int64, keep []byte, at time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND id_hash <> $3`, userID, at, keep)
	return tag.RowsAffected(), mapErr(err, "ending sessions")
}

// ---- second factor --------------------------------------------------------

// TOTPState is an account's second factor.
type TOTPState struct {
	Secret    []byte     `db:"totp_secret"`  // encrypted (nil: none)
	Pending   []byte     `db:"totp_pending"` // encrypted, being set up
	KeyID     string     `db:"totp_key_id"`
	EnabledAt *time.Time `db:"totp_enabled_at"`
	LastStep  int64      `db:"totp_last_step"`
}

// TOTPForUpdate reads and locks an account's second factor.
func (q *Q) TOTPForUpdate(ctx context.Context, userID int64) (TOTPState, error) {
	rows, _ := q.db.Query(ctx, `SELECT totp_secret, totp_pending, totp_key_id, totp_enabled_at, totp_last_step
		FROM staff_users WHERE id = $1 FOR UPDATE`, userID)
	st, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[TOTPState])
	return st, mapErr(err, "second factor")
}

// SetTOTPPending stores a secret being set up (encrypted).
func (q *Q) SetTOTPPending(ctx context.Context, userID int64, enc []byte, keyID string) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET totp_pending = $2, totp_key_id = CASE WHEN totp_secret IS NULL THEN $3 ELSE totp_key_id END WHERE id = $1`, userID, enc, keyID)
	return mapErr(err, "second factor")
}

// EnableTOTP makes the pending secret the account's second factor.
func (q *Q) EnableTOTP(ctx context.Context, userID int64, enc []byte, keyID string, step int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET totp_secret = $2, totp_pending = NULL, totp_key_id = $3,
		totp_last_step = $4, totp_enabled_at = $5 WHERE id = $1`, userID, enc, keyID, step, at)
	return mapErr(err, "second factor")
}

// DisableTOTP removes an account's second factor and its recovery codes.
func (q *Q) DisableTOTP(ctx context.Context, userID int64) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL,
		totp_last_step = 0 WHERE id = $1`, userID)
	if err != nil {
		return mapErr(err, "second factor")
	}
	_, err = q.db.Exec(ctx, `DELETE FROM staff_recovery_codes WHERE user_id = $1`, userID)
	return mapErr(err, "recovery codes")
}

// SetTOTPLastStep records the last accepted time step.
func (q *Q) SetTOTPLastStep(ctx context.Context, userID, step int64) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET totp_last_step = $2 WHERE id = $1`, userID, step)
	return mapErr(err, "second factor")
}

// ReplaceRecoveryCodes stores a new set of recovery code hashes.
func (q *Q) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes [][]byte, keyID string) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM staff_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return mapErr(err, "recovery codes")
	}
	for _, h := range hashes {
		if _, err := q.db.Exec(ctx, `INSERT INTO staff_recovery_codes (user_id, code_hash, key_id) VALUES ($1, $2, $3)`, userID, h, keyID); err != nil {
			return mapErr(err, "recovery codes")
		}
	}
	return nil
}

// UseRecoveryCode marks an unused recovery code of the user with this hash
// used; false when there is none.
func (q *Q) UseRecoveryCode(ctx context.Context, userID int64, hash []byte, at time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE staff_recovery_codes SET used_at = $3
		WHERE id = (SELECT id FROM staff_recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1)`, userID, hash, at)
	return tag.RowsAffected() == 1, mapErr(err, "recovery codes")
}

// RecoveryCodesLeft counts a user's unused recovery codes.
func (q *Q) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM staff_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	return n, mapErr(err, "recovery codes")
}

// OrgsWithDPO lists the organisations that have a data protection officer
// whose account is not disabled (the administrator's list says which ones
// still need their first).
func (q *Q) OrgsWithDPO(ctx context.Context) (map[int64]bool, error) {
	rows, err := q.db.Query(ctx, `SELECT DISTINCT m.org_id FROM memberships m JOIN staff_users u ON u.id = m.user_id
		WHERE m.role = 'dpo' AND u.disabled_at IS NULL`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	has := make(map[int64]bool, len(ids))
	for _, id := range ids {
		has[id] = true
	}
	return has, nil
}
