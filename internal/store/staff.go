package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// StaffUser is a staff account (issue 12). Accounts are not owned by one
// organisation: what a user may see is given by their memberships.
type StaffUser struct {
	ID           int64      `db:"id"`
	Email        string     `db:"email"`
	Name         string     `db:"name"`
	PasswordHash string     `db:"password_hash"`
	Lang         string     `db:"lang"`
	DisabledAt   *time.Time `db:"disabled_at"`
	FailedLogins int        `db:"failed_logins"`
	LockedUntil  *time.Time `db:"locked_until"`
	CreatedAt    time.Time  `db:"created_at"`
	// PlatformAdmin may create organisations and invite their first DPO
	// (D-29); it gives no access to any organisation's cases.
	PlatformAdmin bool `db:"platform_admin"`
}

// Membership is a user's role in one organisation.
type Membership struct {
	UserID  int64  `db:"user_id"`
	OrgID   int64  `db:"org_id"`
	OrgSlug string `db:"org_slug"`
	Role    string `db:"role"`
}

const staffCols = `id, email, name, password_hash, lang, disabled_at, failed_logins, locked_until, created_at, platform_admin`

// StaffUserByEmail finds an account by email, case-insensitively.
func (q *Q) StaffUserByEmail(ctx context.Context, email string) (StaffUser, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+staffCols+` FROM staff_users WHERE lower(email) = lower($1)`, email)
	u, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffUser])
	return u, mapErr(err, "staff user")
}

// StaffUserForUpdate locks an account row (login bookkeeping).
func (q *Q) StaffUserForUpdate(ctx context.Context, id int64) (StaffUser, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+staffCols+` FROM staff_users WHERE id = $1 FOR UPDATE`, id)
	u, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[StaffUser])
	return u, mapErr(err, "staff user")
}

// StaffUsers lists every account by email.
func (q *Q) StaffUsers(ctx context.Context) ([]StaffUser, error) {
	rows, err := q.db.Query(ctx, `SELECT `+staffCols+` FROM staff_users ORDER BY lower(email)`)
	if err != nil {
		return nil, mapErr(err, "listing staff users")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[StaffUser])
	return out, mapErr(err, "listing staff users")
}

// InsertStaffUser creates an account and returns its id (ErrConflict when
// the email is taken).
func (q *Q) InsertStaffUser(ctx context.Context, u StaffUser) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `
		INSERT INTO staff_users (email, name, password_hash, lang, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		u.Email, u.Name, u.PasswordHash, u.Lang, u.CreatedAt).Scan(&id)
	return id, mapErr(err, "creating staff user")
}

// SetPlatformAdmin grants or revokes the platform administrator flag (D-29).
func (q *Q) SetPlatformAdmin(ctx context.Context, id int64, on bool) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET platform_admin = $2 WHERE id = $1`, id, on)
	return mapErr(err, "setting platform administrator")
}

// SetStaffPasswordHash replaces an account's password hash (rehash on
// login when the parameters were raised).
func (q *Q) SetStaffPasswordHash(ctx context.Context, id int64, hash string) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET password_hash = $2 WHERE id = $1`, id, hash)
	return mapErr(err, "setting password")
}

// SetLoginFailures records an account's consecutive failed logins and the
// lock they caused (nil: not locked).
func (q *Q) SetLoginFailures(ctx context.Context, id int64, n int, lockedUntil *time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET failed_logins = $2, locked_until = $3 WHERE id = $1`, id, n, lockedUntil)
	return mapErr(err, "login failures")
}

// DisableStaffUser marks an account disabled (kept for the audit trail).
func (q *Q) DisableStaffUser(ctx context.Context, id int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_users SET disabled_at = coalesce(disabled_at, $2) WHERE id = $1`, id, at)
	return mapErr(err, "disabling staff user")
}

// SetMembership gives a user a role in an organisation, replacing an
// earlier role there. It reports whether a membership was added (false:
// the role of an existing one was set).
func (q *Q) SetMembership(ctx context.Context, orgID, userID int64, role string) (added bool, err error) {
	err = q.db.QueryRow(ctx, `
		INSERT INTO memberships (user_id, org_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, org_id) DO UPDATE SET role = EXCLUDED.role
		RETURNING xmax = 0`, userID, orgID, role).Scan(&added)
	return added, mapErr(err, "membership")
}

// Memberships lists a user's organisations and roles, by organisation slug.
func (q *Q) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, err := q.db.Query(ctx, `
		SELECT m.user_id, m.org_id, o.slug AS org_slug, m.role
		FROM memberships m JOIN organisations o ON o.id = m.org_id
		WHERE m.user_id = $1 ORDER BY o.slug`, userID)
	if err != nil {
		return nil, mapErr(err, "memberships")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Membership])
	return out, mapErr(err, "memberships")
}

// AllMemberships lists every membership (user list), by user and slug.
func (q *Q) AllMemberships(ctx context.Context) ([]Membership, error) {
	rows, err := q.db.Query(ctx, `
		SELECT m.user_id, m.org_id, o.slug AS org_slug, m.role
		FROM memberships m JOIN organisations o ON o.id = m.org_id
		ORDER BY m.user_id, o.slug`)
	if err != nil {
		return nil, mapErr(err, "memberships")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Membership])
	return out, mapErr(err, "memberships")
}

// LoginFailureBurstExcept returns the time of the latest failure from ip,
// in (now-2*window, now], that completed a burst of more than limit
// failures within window, leaving out the failure with id except (a
// sign-in's own reservation, issue 16 item 6); zero when there is none.
// The caller refuses the address until that time plus its block period.
func (q *Q) LoginFailureBurstExcept(ctx context.Context, ip string, now time.Time, window time.Duration, limit int, except int64) (time.Time, error) {
	var at *time.Time
	err := q.db.QueryRow(ctx, `
		SELECT max(at) FROM (
			SELECT at, count(*) OVER (ORDER BY at RANGE BETWEEN make_interval(secs => $3) PRECEDING AND CURRENT ROW) AS n
			FROM login_failures
			WHERE ip = $1 AND at > $2::timestamptz - 2 * make_interval(secs => $3) AND at <= $2 AND id <> $5
		) w WHERE n > $4`, ip, now, window.Seconds(), limit, except).Scan(&at)
	if err != nil || at == nil {
		return time.Time{}, mapErr(err, "login failures")
	}
	return *at, nil
}

// PruneLoginFailures deletes failures recorded before t.
func (q *Q) PruneLoginFailures(ctx context.Context, before time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM login_failures WHERE at < $1`, before)
	return tag.RowsAffected(), mapErr(err, "pruning login failures")
}

// StaffSession is a server-side sign-in; only the hash of its cookie value
// is stored.
type StaffSession struct {
	IDHash     []byte     `db:"id_hash"`
	UserID     int64      `db:"user_id"`
	CreatedAt  time.Time  `db:"created_at"`
	LastSeenAt time.Time  `db:"last_seen_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// InsertStaffSession stores a new session.
func (q *Q) InsertStaffSession(ctx context.Context, idHash []byte, userID int64, at time.Time) error {
	// csrf_token is unused: forms carry the double-submit token of the
	// global CSRF middleware.
	_, err := q.db.Exec(ctx, `INSERT INTO staff_sessions (id_hash, user_id, csrf_token, created_at, last_seen_at)
		VALUES ($1, $2, '', $3, $3)`, idHash, userID, at)
	return mapErr(err, "creating session")
}

// StaffSessionByHash finds a session with its user; a session whose
// second factor is still due is not found (issue 16, item 12).
func (q *Q) StaffSessionByHash(ctx context.Context, idHash []byte) (StaffSession, StaffUser, error) {
	var s StaffSession
	var u StaffUser
	err := q.db.QueryRow(ctx, `
		SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.revoked_at,
			u.id, u.email, u.name, u.password_hash, u.lang, u.disabled_at, u.failed_logins, u.locked_until, u.created_at,
			u.platform_admin
		FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
		WHERE s.id_hash = $1 AND NOT s.second_factor_due`, idHash).Scan(&s.IDHash, &s.UserID, &s.CreatedAt, &s.LastSeenAt, &s.RevokedAt,
		&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Lang, &u.DisabledAt, &u.FailedLogins, &u.LockedUntil, &u.CreatedAt,
		&u.PlatformAdmin)
	return s, u, mapErr(err, "session")
}

// TouchStaffSession records activity on a session.
func (q *Q) TouchStaffSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE id_hash = $1`, idHash, at)
	return mapErr(err, "session")
}

// RevokeStaffSession ends one session.
func (q *Q) RevokeStaffSession(ctx context.Context, idHash []byte, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2 WHERE id_hash = $1 AND revoked_at IS NULL`, idHash, at)
	return mapErr(err, "ending session")
}

// RevokeStaffSessions ends every open session of a user and returns how
// many it ended.
func (q *Q) RevokeStaffSessions(ctx context.Context, userID int64, at time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, at)
	return tag.RowsAffected(), mapErr(err, "ending sessions")
}

// PruneStaffSessions deletes sessions created before t (past any absolute
// lifetime) and sessions revoked before t.
func (q *Q) PruneStaffSessions(ctx context.Context, before time.Time) (int64, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM staff_sessions WHERE created_at < $1 OR revoked_at < $1`, before)
	return tag.RowsAffected(), mapErr(err, "pruning sessions")
}
