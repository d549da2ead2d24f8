package api

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Staff accounts in the web UI (issue 19): an organisation's staff page
// (its DPO or administrator, or a platform administrator, D-29), the
// invitation link page, and "forgot password". Tokens travel in the path
// and are never logged: the access log names the route pattern only.

func (s *Server) staffAccountRoutes(pub, auth *echo.Group) {
	s.auth.Mail = s.Workflow
	pub.GET("/invite/:token", s.staffInvitePage)
	pub.POST("/invite/:token", s.staffInviteAccept)
	pub.GET("/reset", s.staffResetForm)
	pub.POST("/reset", s.staffResetRequest)
	pub.GET("/reset/:token", s.staffResetPage)
	pub.POST("/reset/:token", s.staffResetSet)

	s.staffTOTPRoutes(pub, auth)
	auth.GET("/orgs/:slug/staff", s.staffOrgStaff)
	auth.POST("/orgs/:slug/staff/invite", s.staffOrgInvite)
	auth.POST("/orgs/:slug/staff/invites/:id/resend", s.staffOrgInviteResend)
	auth.POST("/orgs/:slug/staff/invites/:id/revoke", s.staffOrgInviteRevoke)
	auth.POST("/orgs/:slug/staff/members/:user/remove", s.staffOrgRemove)
}

// formError is one error of a form: the field it belongs to and its
// message key.
type formError struct{ Field, Key string }

type formErrors []formError

// FieldErr is the message key of a field's error, or "".
func (es formErrors) FieldErr(field string) string {
	for _, e := range es {
		if e.Field == field {
			return e.Key
		}
	}
	return ""
}

// staffAdminOrg is the organisation of :slug when the signed-in user may
// manage its staff: its DPO or administrator, or a platform administrator
// (who may invite the first DPO of an organisation with no staff). A
// member with another role is refused; to anyone else the organisation
// does not exist.
func (s *Server) staffAdminOrg(c echo.Context) (store.Org, error) {
	u := staffUser(c)
	org, err := store.New(s.Pool).OrgBySlug(c.Request().Context(), c.Param("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return org, errNotFound
	}
	if err != nil {
		return org, err
	}
	switch {
	case u.CanManageStaff(org.ID):
		return org, nil
	case u.CanSee(org.ID):
		return org, errForbidden
	}
	return org, errNotFound
}

// ---- the organisation's staff page ------------------------------------------

type orgStaffData struct {
	OrgName string
	Slug    string
	Members []orgMember
	Invites []orgInvite
	// the invitation form
	Email, Role, Lang string
	Errors            formErrors
	Roles             []string
	Langs             []string
}

type orgMember struct {
	UserID                int64
	Email, Name, Role     string
	Disabled, TOTP, IsYou bool
	OpenCases             int    // open cases they handle
	CasesURL              string // the dashboard filtered to them
}

type orgInvite struct {
	ID          int64
	Email, Role string
	Lang        string
	Until       string
	Expired     bool
}

func (s *Server) staffOrgStaff(c echo.Context) error {
	org, err := s.staffAdminOrg(c)
	if err != nil {
		return err
	}
	// The first invitation of an organisation without a DPO is for its
	// DPO (the administrator's list links here for that); later ones
	// default to the least role.
	role := workflow.RoleViewer
	hasDPO, err := store.New(s.Pool).OrgsWithDPO(c.Request().Context())
	if err != nil {
		return err
	}
	if !hasDPO[org.ID] {
		role = workflow.RoleDPO
	}
	return s.renderOrgStaff(c, org, http.StatusOK, orgStaffData{Role: role, Lang: org.PrimaryLang})
}

func (s *Server) renderOrgStaff(c echo.Context, org store.Org, status int, d orgStaffData) error {
	lang := langOf(c)
	u := staffUser(c)
	ms, invs, err := s.auth.OrgStaff(c.Request().Context(), org.ID)
	if err != nil {
		return err
	}
	d.OrgName, d.Slug = org.Name(lang), org.Slug
	d.Roles = []string{workflow.RoleDPO, workflow.RoleViewer, workflow.RoleAdmin}
	d.Langs = i18n.Langs
	// A platform administrator may manage the staff of an organisation
	// whose cases they cannot see: the counts without links then.
	seesCases := u.CanSee(org.ID)
	for _, m := range ms {
		mem := orgMember{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role,
			Disabled: m.DisabledAt != nil, TOTP: m.TOTPEnabled, IsYou: m.UserID == u.ID, OpenCases: m.OpenCases}
		if seesCases {
			q := dashboardQuery(org.Slug, "", "", "", "")
			q.Set("assignee", strconv.FormatInt(m.UserID, 10))
			mem.CasesURL = dashboardURL(q)
		}
		d.Members = append(d.Members, mem)
	}
	now := s.Now()
	for _, inv := range invs {
		d.Invites = append(d.Invites, orgInvite{ID: inv.ID, Email: inv.Email, Role: inv.Role, Lang: inv.Lang,
			Until: workflow.FormatDateTime(inv.ExpiresAt, lang), Expired: !now.Before(inv.ExpiresAt)})
	}
	return s.renderForm(c, status, "staff_org_staff", lang, "accounts.staff.title", len(d.Errors) > 0, d)
}

func (s *Server) staffOrgInvite(c echo.Context) error {
	org, err := s.staffAdminOrg(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	f := postForm(c)
	d := orgStaffData{Email: strings.TrimSpace(f.Get("email")), Role: f.Get("role"), Lang: f.Get("lang")}
	if key, err := s.platformAdminInviteCheck(c, u, org, d.Email); err != nil {
		return err
	} else if key != "" {
		d.Errors = formErrors{{"email", key}}
		return s.renderOrgStaff(c, org, http.StatusUnprocessableEntity, d)
	}
	_, err = s.auth.Invite(c.Request().Context(), workflow.Invitation{OrgID: org.ID, Email: d.Email, Role: d.Role, Lang: d.Lang, InvitedBy: u.ID}, u.Actor())
	switch {
	case errors.Is(err, workflow.ErrBadEmail):
		d.Errors = formErrors{{"email", "accounts.invite.email.invalid"}}
	case errors.Is(err, workflow.ErrAlreadyMember):
		d.Errors = formErrors{{"email", "accounts.invite.email.member"}}
	case errors.Is(err, workflow.ErrBadRole):
		d.Errors = formErrors{{"role", "accounts.invite.role.invalid"}}
	case errors.Is(err, workflow.ErrBadLang):
		d.Errors = formErrors{{"lang", "accounts.invite.lang.invalid"}}
	case err != nil:
		return err
	}
	if len(d.Errors) > 0 {
		return s.renderOrgStaff(c, org, http.StatusUnprocessableEntity, d)
	}
	flash(c, "accounts.invite.sent")
	return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+org.Slug+"/staff")
}

// platformAdminInviteCheck: a platform administrator who is not the
// organisation's own DPO or administrator invites only its first DPO,
// while it has none, and never their own account. Otherwise they could
// make themselves a member of any organisation and read its requests,
// which D-29 keeps from them (found by a cross-organisation probe). It
// returns the message key of a refusal ("" when allowed).
func (s *Server) platformAdminInviteCheck(c echo.Context, u *StaffUser, org store.Org, email string) (string, error) {
	if u.CanAct(org.ID) {
		return "", nil
	}
	if workflow.NormEmail(email) == workflow.NormEmail(u.Email) {
		return "accounts.invite.admin_self", nil
	}
	has, err := s.orgHasOwnDPO(c, org)
	if err != nil || !has {
		return "", err
	}
	return "accounts.invite.admin_has_dpo", nil
}

// orgHasOwnDPO reports whether the organisation has a DPO of its own,
// who then manages its staff instead of a platform administrator.
func (s *Server) orgHasOwnDPO(c echo.Context, org store.Org) (bool, error) {
	has, err := store.New(s.Pool).OrgsWithDPO(c.Request().Context())
	return has[org.ID], err
}

func (s *Server) staffOrgInviteResend(c echo.Context) error {
	return s.staffOrgInviteAction(c, "accounts.invite.resent", func(orgID, id int64, u *StaffUser) error {
		_, err := s.auth.ResendInvite(c.Request().Context(), orgID, id, u.Actor())
		return err
	})
}

func (s *Server) staffOrgInviteRevoke(c echo.Context) error {
	return s.staffOrgInviteAction(c, "accounts.invite.revoked", func(orgID, id int64, u *StaffUser) error {
		return s.auth.RevokeInvite(c.Request().Context(), orgID, id, u.Actor())
	})
}

func (s *Server) staffOrgInviteAction(c echo.Context, done string, fn func(orgID, id int64, u *StaffUser) error) error {
	org, err := s.staffAdminOrg(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if err := fn(org.ID, id, staffUser(c)); err != nil {
		return err // another organisation's or a used invitation: not found
	}
	flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+org.Slug+"/staff")
}

func (s *Server) staffOrgRemove(c echo.Context) error {
	org, err := s.staffAdminOrg(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return errNotFound
	}
	// A platform administrator does not remove the staff of an
	// organisation that has its own DPO (platformAdminInviteCheck).
	if u := staffUser(c); !u.CanAct(org.ID) {
		if has, err := s.orgHasOwnDPO(c, org); err != nil {
			return err
		} else if has {
			return errForbidden
		}
	}
	_, unassigned, err := s.auth.RemoveMember(c.Request().Context(), org.ID, id, staffUser(c).ID)
	if errors.Is(err, workflow.ErrSelf) {
		flash(c, "accounts.remove.self")
		return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+org.Slug+"/staff")
	}
	if err != nil {
		return err
	}
	done := "accounts.remove.done"
	if unassigned > 0 {
		done = "accounts.remove.done_unassigned"
	}
	flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+org.Slug+"/staff")
}

// ---- links: refused -------------------------------------------------------------

type linkGoneData struct{ Reason string }

// renderLinkError answers a refused invitation or reset link with a page
// in lang that says why, or passes other errors on.
func (s *Server) renderLinkError(c echo.Context, err error, kind, lang string) error {
	var le *workflow.LinkError
	if !errors.As(err, &le) {
		return err
	}
	if i18n.Valid(lang) {
		c.Set(ctxLang, lang)
	}
	lang = langOf(c)
	status := http.StatusGone
	switch le.Reason {
	case "invalid":
		status = http.StatusNotFound
	case "disabled":
		status = http.StatusForbidden
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "staff_link_gone", lang, s.Catalog.T(lang, "accounts."+kind+".gone.title"),
		linkGoneData{Reason: "accounts.link." + le.Reason})
}

// ---- the invitation link -----------------------------------------------------

type inviteData struct {
	Token    string
	OrgName  string
	Email    string
	Role     string
	Existing bool
	// For an existing account: whether it is the one signed in in this
	// browser (it may accept), or another account is.
	SignedIn, OtherAccount bool
	SignInURL              string
	Name                   string
	Errors                 formErrors
}

func (s *Server) staffInvitePage(c echo.Context) error {
	v, err := s.auth.InviteInfo(c.Request().Context(), c.Param("token"))
	if err != nil {
		return s.renderLinkError(c, err, "invite", v.Lang)
	}
	return s.renderInvite(c, v, http.StatusOK, inviteData{})
}

func (s *Server) renderInvite(c echo.Context, v workflow.InviteView, status int, d inviteData) error {
	c.Set(ctxLang, v.Lang)
	org, err := store.New(s.Pool).OrgByID(c.Request().Context(), v.OrgID)
	if err != nil {
		return err
	}
	d.Token, d.OrgName, d.Email, d.Role, d.Existing = c.Param("token"), org.Name(v.Lang), v.Email, v.Role, v.Existing
	if v.Existing {
		id := s.signedInID(c)
		d.SignedIn, d.OtherAccount = id == v.UserID, id != 0 && id != v.UserID
		d.SignInURL = "/staff/login?next=" + url.QueryEscape(c.Request().URL.Path)
	}
	return s.renderForm(c, status, "staff_invite", v.Lang, "accounts.invite.title", len(d.Errors) > 0, d)
}

// signedInID is the account of this browser's staff session on a public
// page (the invitation link), 0 when there is none.
func (s *Server) signedInID(c echo.Context) int64 {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return 0
	}
	st, err := s.auth.Authenticate(c.Request().Context(), ck.Value)
	if err != nil {
		return 0
	}
	return st.ID
}

func (s *Server) staffInviteAccept(c echo.Context) error {
	ctx := c.Request().Context()
	f := postForm(c)
	name := strings.TrimSpace(f.Get("name"))
	session, v, err := s.auth.AcceptInvite(ctx, c.Param("token"), s.signedInID(c), name, f.Get("password"), f.Get("password2"))
	var d inviteData
	switch {
	case errors.Is(err, workflow.ErrInviteSignIn):
		// The page says to sign in as the invited account first.
		return s.renderInvite(c, v, http.StatusForbidden, d)
	case errors.Is(err, workflow.ErrNameRequired):
		d.Errors = formErrors{{"name", "accounts.name.required"}}
	case errors.Is(err, workflow.ErrWeakPassword):
		d.Errors = formErrors{{"password", "accounts.password.weak"}}
	case errors.Is(err, workflow.ErrPasswordsDiffer):
		d.Errors = formErrors{{"password2", "accounts.password.differ"}}
	case err != nil:
		return s.renderLinkError(c, err, "invite", v.Lang)
	}
	if len(d.Errors) > 0 {
		d.Name = name
		return s.renderInvite(c, v, http.StatusUnprocessableEntity, d)
	}
	if session == "" { // an existing account, signed in: its session goes on
		flash(c, "accounts.invite.accepted")
		return c.Redirect(http.StatusSeeOther, "/staff/")
	}
	if err := s.startSession(c, session); err != nil {
		return err
	}
	flash(c, "accounts.invite.welcome")
	return c.Redirect(http.StatusSeeOther, "/staff/")
}

// startSession ends a session the browser had and sets the new one.
func (s *Server) startSession(c echo.Context, token string) error {
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.auth.Logout(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(c, token)
	s.rotateCSRF(c)
	return nil
}

// ---- forgotten password --------------------------------------------------------

type resetData struct {
	Email  string
	Sent   bool
	Token  string
	Errors formErrors
}

func (s *Server) staffResetForm(c echo.Context) error {
	lang := langOf(c)
	return s.renderForm(c, http.StatusOK, "staff_reset", lang, "accounts.reset.title", false, resetData{})
}

func (s *Server) staffResetRequest(c echo.Context) error {
	lang := langOf(c)
	email := strings.TrimSpace(postForm(c).Get("email"))
	if email == "" {
		return s.renderForm(c, http.StatusUnprocessableEntity, "staff_reset", lang, "accounts.reset.title", true,
			resetData{Errors: formErrors{{"email", "staff.login.email.required"}}})
	}
	err := s.auth.RequestPasswordReset(c.Request().Context(), email, c.RealIP())
	var limited *workflow.ResetLimitedError
	if errors.As(err, &limited) {
		secs := int(math.Ceil(limited.RetryAt.Sub(s.Now()).Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		c.Response().Header().Set("Cache-Control", "no-store")
		msg := s.Catalog.T(lang, "accounts.reset.limited", caseTime(ceilMinute(limited.RetryAt), lang))
		return s.render(c, http.StatusTooManyRequests, "error", lang, s.Catalog.T(lang, "error.title"), errorPage{Status: http.StatusTooManyRequests, Message: msg})
	}
	if err != nil {
		return err
	}
	// The same answer whether or not an account has the address (the
	// address is not echoed either).
	return s.renderForm(c, http.StatusOK, "staff_reset", lang, "accounts.reset.title", false, resetData{Sent: true})
}

func (s *Server) staffResetPage(c echo.Context) error {
	lang, err := s.auth.ResetInfo(c.Request().Context(), c.Param("token"))
	if err != nil {
		return s.renderLinkError(c, err, "reset", lang)
	}
	c.Set(ctxLang, lang)
	return s.renderForm(c, http.StatusOK, "staff_reset_set", lang, "accounts.reset.set.title", false, resetData{Token: c.Param("token")})
}

func (s *Server) staffResetSet(c echo.Context) error {
	f := postForm(c)
	token := c.Param("token")
	session, lang, err := s.auth.ResetPassword(c.Request().Context(), token, f.Get("password"), f.Get("password2"))
	var d resetData
	switch {
	case errors.Is(err, workflow.ErrWeakPassword):
		d.Errors = formErrors{{"password", "accounts.password.weak"}}
	case errors.Is(err, workflow.ErrPasswordsDiffer):
		d.Errors = formErrors{{"password2", "accounts.password.differ"}}
	case err != nil:
		return s.renderLinkError(c, err, "reset", lang)
	}
	if len(d.Errors) > 0 {
		// the link is checked again, so a bad password on a dead link
		// says the link is dead
		if lang, err = s.auth.ResetInfo(c.Request().Context(), token); err != nil {
			return s.renderLinkError(c, err, "reset", lang)
		}
		c.Set(ctxLang, lang)
		d.Token = token
		return s.renderForm(c, http.StatusUnprocessableEntity, "staff_reset_set", lang, "accounts.reset.set.title", true, d)
	}
	if session == "" {
		flash(c, "accounts.reset.done_signin")
		return c.Redirect(http.StatusSeeOther, "/staff/login")
	}
	if err := s.startSession(c, session); err != nil {
		return err
	}
	flash(c, "accounts.reset.done")
	return c.Redirect(http.StatusSeeOther, "/staff/")
}
