package api

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// ctxStaff is the context key of the signed-in *StaffUser.
const ctxStaff = "staff"

// Staff cookies: the session secret (only its hash is stored) and the
// language chosen for staff pages. Both are scoped to /staff.
const (
	sessionCookie   = "rd_session"
	staffLangCookie = "rd_lang"
)

// StaffUser is the signed-in staff member and their memberships.
type StaffUser struct {
	ID    int64
	Email string
	Name  string
	Lang  string
	// PlatformAdmin creates organisations (D-29); it opens no cases.
	PlatformAdmin bool
	// Roles maps organisation id -> role (admin, dpo, viewer).
	Roles map[int64]string
}

// staffUser is the signed-in staff member of a request behind
// requireStaff (nil elsewhere).
func staffUser(c echo.Context) *StaffUser {
	u, _ := c.Get(ctxStaff).(*StaffUser)
	return u
}

// OrgIDs lists the organisations the user is a member of, ascending.
func (u *StaffUser) OrgIDs() []int64 {
	ids := make([]int64, 0, len(u.Roles))
	for id := range u.Roles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// CanAct reports whether the user may change the organisation's cases
// (admin or dpo).
func (u *StaffUser) CanAct(orgID int64) bool {
	if u == nil {
		return false
	}
	r := u.Roles[orgID]
	return r == workflow.RoleAdmin || r == workflow.RoleDPO
}

// ActingOrgIDs lists the organisations the user can act for (DPO or
// administrator), ascending.
func (u *StaffUser) ActingOrgIDs() []int64 {
	var ids []int64
	for _, id := range u.OrgIDs() {
		if u.CanAct(id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// ActsAnywhere reports whether the user can act for some organisation or
// is a platform administrator (who sets organisations up): not a viewer
// only.
func (u *StaffUser) ActsAnywhere() bool {
	if u == nil {
		return false
	}
	for id := range u.Roles {
		if u.CanAct(id) {
			return true
		}
	}
	return u.PlatformAdmin
}

// CanManageStaff reports whether the user may manage the organisation's
// staff: its admin or dpo, or a platform administrator (issue 19), who sets up
// new organisations and invites their first DPO.
func (u *StaffUser) CanManageStaff(orgID int64) bool {
	return u != nil && (u.PlatformAdmin || u.CanAct(orgID))
}

// CanSee reports whether the user may see the organisation's data (any
// role): staff of one organisation never see another's.
func (u *StaffUser) CanSee(orgID int64) bool {
	if u == nil {
		return false
	}
	_, ok := u.Roles[orgID]
	return ok
}

// Actor is the user as the audit trail names them.
func (u *StaffUser) Actor() workflow.Actor { return workflow.StaffActor(u.ID) }

func (s *Server) staffAuthRoutes(g *echo.Group) {
	s.auth = &workflow.StaffAuth{
		Pool: s.Pool, Now: s.Now, Logger: s.Logger, Keys: s.Keys,
		Argon2Memory: s.Config.Argon2Memory, Argon2Time: s.Config.Argon2Time, HashMemoryMiB: s.Config.HashMemoryMiB,
		SessionIdle: s.Config.SessionIdle, SessionAbsolute: s.Config.SessionAbsolute,
	}
	g.GET("/login", s.staffLoginForm)
	g.POST("/login", s.staffLogin)
	g.POST("/logout", s.staffLogout)
	g.GET("/lang/:lang", s.staffLang)
	g.GET("/account", s.staffAccount, s.requireStaff)
	g.POST("/account/revoke-all", s.staffRevokeAll, s.requireStaff)
}

// requireStaff admits requests with a valid session: it sets the
// *StaffUser (ctxStaff) and the staff language (ctxLang: the rd_lang
// cookie, else the user's own). Without one, a GET goes to the sign-in
// page and returns here afterwards; anything else is refused.
func (s *Server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		st, err := workflow.Staff{}, workflow.ErrNoSession
		ck, cerr := c.Cookie(sessionCookie)
		if cerr == nil && ck.Value != "" {
			st, err = s.auth.Authenticate(req.Context(), ck.Value)
		}
		if errors.Is(err, workflow.ErrNoSession) {
			if cerr == nil {
				s.clearSessionCookie(c)
			}
			if req.Method == http.MethodGet || req.Method == http.MethodHead {
				to := "/staff/login"
				if n := loginNext(req.URL.Path); n != "" && n != "/staff/" {
					to += "?next=" + url.QueryEscape(n)
				}
				return c.Redirect(http.StatusSeeOther, to)
			}
			return errForbidden
		}
		if err != nil {
			return err
		}
		u := &StaffUser{ID: st.ID, Email: st.Email, Name: st.Name, Lang: st.Lang, PlatformAdmin: st.PlatformAdmin, Roles: st.Roles}
		c.Set(ctxStaff, u)
		lang := u.Lang
		if l, err := c.Cookie(staffLangCookie); err == nil && i18n.Valid(l.Value) {
			lang = l.Value
		}
		if !i18n.Valid(lang) {
			lang = "fi"
		}
		c.Set(ctxLang, lang)
		// Staff pages show personal data: no shared or back-button caches.
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

func (s *Server) setSessionCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/staff", HttpOnly: true,
		Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/staff", MaxAge: -1, HttpOnly: true,
		Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

// staffPath returns raw when it is a path of our own under /staff (no
// scheme, host, backslash or control character, nothing that cleans to
// outside /staff), else "". It guards every redirect target taken from a
// request: no open redirects.
func staffPath(raw string) string {
	if raw == "" || len(raw) > 2048 || !strings.HasPrefix(raw, "/staff") {
		return ""
	}
	for _, r := range raw {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return ""
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	clean := path.Clean(u.Path)
	if clean != "/staff" && !strings.HasPrefix(clean, "/staff/") {
		return ""
	}
	if raw != "/staff" && !strings.HasPrefix(raw, "/staff/") {
		return "" // /staffx, /staff?...
	}
	return raw
}

// loginNext is where to go after signing in: a staff path other than the
// sign-in, sign-out and language routes, else "".
func loginNext(raw string) string {
	p := staffPath(raw)
	if p == "" {
		return ""
	}
	clean := path.Clean(strings.SplitN(p, "?", 2)[0])
	if clean == "/staff/login" || clean == "/staff/logout" || strings.HasPrefix(clean, "/staff/lang/") {
		return ""
	}
	return p
}

// ---- sign-in page ------------------------------------------------------

type loginError struct {
	Field, Key string
	Text       string // the message already translated (with arguments), when set
}

type staffLoginData struct {
	Email  string
	Next   string
	Failed bool // the credentials were refused
	Errors []loginError
}

// FieldErr is the message key of a field's error, or "".
func (d staffLoginData) FieldErr(field string) string {
	for _, e := range d.Errors {
		if e.Field == field && e.Text == "" { // a message with arguments is in the summary only
			return e.Key
		}
	}
	return ""
}

func (s *Server) staffLoginForm(c echo.Context) error {
	next := loginNext(c.QueryParam("next"))
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if _, err := s.auth.Authenticate(c.Request().Context(), ck.Value); err == nil {
			return c.Redirect(http.StatusSeeOther, orDefault(next, "/staff/"))
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderLogin(c, http.StatusOK, staffLoginData{Next: next})
}

func (s *Server) renderLogin(c echo.Context, status int, d staffLoginData) error {
	lang := langOf(c)
	return s.render(c, status, "staff_login", lang, s.Catalog.T(lang, "staff.login.title"), d)
}

func (s *Server) staffLogin(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	d := staffLoginData{Email: email, Next: loginNext(c.FormValue("next"))}
	if email == "" {
		d.Errors = append(d.Errors, loginError{Field: "email", Key: "staff.login.email.required"})
	}
	if password == "" {
		d.Errors = append(d.Errors, loginError{Field: "password", Key: "staff.login.password.required"})
	}
	if len(d.Errors) > 0 {
		return s.renderLogin(c, http.StatusUnprocessableEntity, d)
	}
	token, _, err := s.auth.Login(ctx, email, password, c.RealIP())
	var limited *workflow.LoginLimitedError
	if errors.As(err, &limited) || errors.Is(err, workflow.ErrLoginBusy) {
		// Issue 16, item 6: refused before hashing; say when to try again.
		if limited != nil {
			s.Metrics.LoginFailed("limited")
		} else {
			s.Metrics.LoginFailed("busy")
		}
		retry := s.Now().Add(10 * time.Second)
		if limited != nil {
			retry = limited.RetryAt
		}
		secs := int(math.Ceil(retry.Sub(s.Now()).Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		lang := langOf(c)
		d.Errors = []loginError{{Field: "password", Key: "staff.login.limited",
			Text: s.Catalog.T(lang, "staff.login.limited", caseTime(ceilMinute(retry), lang))}}
		return s.renderLogin(c, http.StatusTooManyRequests, d)
	}
	if errors.Is(err, workflow.ErrSecondFactorDue) {
		// Issue 16 item 12: the password was right; the code comes next.
		s.setSecondFactorCookie(c, token)
		to := "/staff/login/code"
		if d.Next != "" {
			to += "?next=" + url.QueryEscape(d.Next)
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	if errors.Is(err, workflow.ErrLoginFailed) {
		// One message whatever the reason: an account's existence, lock or
		// state is never told.
		s.Metrics.LoginFailed("credentials")
		d.Failed = true
		d.Errors = []loginError{{Field: "password", Key: "staff.login.failed"}}
		return s.renderLogin(c, http.StatusUnauthorized, d)
	}
	if err != nil {
		return err
	}
	// A session this browser had before ends: one session per sign-in.
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.auth.Logout(ctx, ck.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, token)
	s.rotateCSRF(c)
	return c.Redirect(http.StatusSeeOther, orDefault(d.Next, "/staff/"))
}

// ceilMinute rounds t up to a whole minute, as "try again after" shows
// minutes.
func ceilMinute(t time.Time) time.Time {
	if r := t.Truncate(time.Minute); !r.Equal(t) {
		return r.Add(time.Minute)
	}
	return t
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Server) staffLogout(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.auth.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	flash(c, "staff.logout.done")
	return c.Redirect(http.StatusSeeOther, "/staff/login")
}

// staffLang remembers the language of staff pages and goes back: to
// ?next= or the Referer when either is a staff page of ours, else /staff/.
func (s *Server) staffLang(c echo.Context) error {
	lang := c.Param("lang")
	if !i18n.Valid(lang) {
		return errNotFound
	}
	c.SetCookie(&http.Cookie{Name: staffLangCookie, Value: lang, Path: "/staff", MaxAge: int((365 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
	// Signed in: the user's mail follows the pages' language from now on.
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if st, err := s.auth.Authenticate(c.Request().Context(), ck.Value); err == nil {
			if err := s.auth.SetLang(c.Request().Context(), st.ID, lang); err != nil {
				return err
			}
		}
	}
	back := staffLangBack(c.QueryParam("next"))
	if back == "" {
		if ref, err := url.Parse(c.Request().Referer()); err == nil && (ref.Host == "" || ref.Host == c.Request().Host) {
			cand := ref.EscapedPath()
			if ref.RawQuery != "" {
				cand += "?" + ref.RawQuery
			}
			back = staffLangBack(cand)
		}
	}
	return c.Redirect(http.StatusSeeOther, orDefault(back, "/staff/"))
}

func staffLangBack(raw string) string {
	p := staffPath(raw)
	if strings.HasPrefix(p, "/staff/lang/") {
		return ""
	}
	return p
}

// ---- account page ------------------------------------------------------

type staffAccountData struct {
	Name  string
	Email string
	Orgs  []accountOrg
	TOTP  bool // a second sign-in factor is on (issue 16, item 12)
}

type accountOrg struct {
	Slug string
	Name string
	Lang string // the language of Name
	Role string
	// SettingsURL is the organisation's settings, for its admin or DPO.
	SettingsURL string
}

func (s *Server) staffAccount(c echo.Context) error {
	u := staffUser(c)
	lang := langOf(c)
	orgs, err := store.New(s.Pool).Orgs(c.Request().Context())
	if err != nil {
		return err
	}
	d := staffAccountData{Name: u.Name, Email: u.Email}
	if d.TOTP, err = s.auth.TOTPEnabled(c.Request().Context(), u.ID); err != nil {
		return err
	}
	for _, o := range orgs {
		if role, ok := u.Roles[o.ID]; ok {
			nameLang := "fi" // as store.Org.Name chooses
			if lang == "sv" || (lang == "en" && o.PrimaryLang == "sv") {
				nameLang = "sv"
			}
			ao := accountOrg{Slug: o.Slug, Name: o.Name(lang), Lang: nameLang, Role: role}
			if u.CanAct(o.ID) {
				ao.SettingsURL = "/staff/orgs/" + o.Slug + "/settings"
			}
			d.Orgs = append(d.Orgs, ao)
		}
	}
	return s.render(c, http.StatusOK, "staff_account", lang, s.Catalog.T(lang, "staff.account.title"), d)
}

func (s *Server) staffRevokeAll(c echo.Context) error {
	u := staffUser(c)
	if _, err := s.auth.RevokeAllSessions(c.Request().Context(), u.ID); err != nil {
		return err
	}
	s.clearSessionCookie(c)
	flash(c, "staff.account.revoked")
	return c.Redirect(http.StatusSeeOther, "/staff/login")
}
