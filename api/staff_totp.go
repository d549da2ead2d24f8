package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/workflow"
)

// The second sign-in factor (issue 16, item 12): the code page after the
// password, and setting TOTP up on one's own account page.

// secondFactorCookie holds the secret of a session whose code is still due;
// it is sent only to the code page.
const secondFactorCookie = "rd_2fa"

func (s *Server) staffTOTPRoutes(pub, auth *echo.Group) {
	pub.GET("/login/code", s.staffCodeForm)
	pub.POST("/login/code", s.staffCode)
	auth.GET("/account/totp", s.staffTOTPPage)
	auth.POST("/account/totp", s.staffTOTPConfirm)
	auth.POST("/account/totp/disable", s.staffTOTPDisable)
}

func (s *Server) setSecondFactorCookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: secondFactorCookie, Value: token, Path: "/staff/login/code", HttpOnly: true,
		MaxAge: int(workflow.SecondFactorTTL / time.Second), Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSecondFactorCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: secondFactorCookie, Value: "", Path: "/staff/login/code", MaxAge: -1, HttpOnly: true,
		Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

type codeData struct {
	Next   string
	Errors []loginError
}

// FieldErr is the message key of a field's error, or "".
func (d codeData) FieldErr(field string) string {
	for _, e := range d.Errors {
		if e.Field == field && e.Text == "" {
			return e.Key
		}
	}
	return ""
}

func (s *Server) staffCodeForm(c echo.Context) error {
	if ck, err := c.Cookie(secondFactorCookie); err != nil || ck.Value == "" {
		return c.Redirect(http.StatusSeeOther, "/staff/login")
	}
	lang := langOf(c)
	return s.renderForm(c, http.StatusOK, "staff_login_code", lang, "accounts.code.title", false, codeData{Next: loginNext(c.QueryParam("next"))})
}

func (s *Server) staffCode(c echo.Context) error {
	lang := langOf(c)
	ck, err := c.Cookie(secondFactorCookie)
	if err != nil || ck.Value == "" {
		flash(c, "accounts.code.expired")
		return c.Redirect(http.StatusSeeOther, "/staff/login")
	}
	f := postForm(c)
	d := codeData{Next: loginNext(f.Get("next"))}
	if f.Get("code") == "" {
		d.Errors = []loginError{{Field: "code", Key: "accounts.code.required"}}
		return s.renderForm(c, http.StatusUnprocessableEntity, "staff_login_code", lang, "accounts.code.title", true, d)
	}
	token, _, err := s.auth.CompleteSecondFactor(c.Request().Context(), ck.Value, f.Get("code"), c.RealIP())
	var limited *workflow.LoginLimitedError
	switch {
	case errors.As(err, &limited):
		secs := int(math.Ceil(limited.RetryAt.Sub(s.Now()).Seconds()))
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		d.Errors = []loginError{{Field: "code", Key: "staff.login.limited",
			Text: s.Catalog.T(lang, "staff.login.limited", caseTime(ceilMinute(limited.RetryAt), lang))}}
		return s.renderForm(c, http.StatusTooManyRequests, "staff_login_code", lang, "accounts.code.title", true, d)
	case errors.Is(err, workflow.ErrBadCode):
		d.Errors = []loginError{{Field: "code", Key: "accounts.code.wrong"}}
		return s.renderForm(c, http.StatusUnauthorized, "staff_login_code", lang, "accounts.code.title", true, d)
	case errors.Is(err, workflow.ErrNoSession):
		s.clearSecondFactorCookie(c)
		flash(c, "accounts.code.expired")
		return c.Redirect(http.StatusSeeOther, "/staff/login")
	case err != nil:
		return err
	}
	s.clearSecondFactorCookie(c)
	if err := s.startSession(c, token); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, orDefault(d.Next, "/staff/"))
}

// ---- setting it up ----------------------------------------------------------------

type totpData struct {
	Enabled bool
	Key     string
	URI     string
	// Codes are the recovery codes, shown once right after confirming.
	Codes  []string
	Errors formErrors
}

func (s *Server) staffTOTPPage(c echo.Context) error {
	return s.renderTOTP(c, http.StatusOK, totpData{})
}

func (s *Server) renderTOTP(c echo.Context, status int, d totpData) error {
	u := staffUser(c)
	ctx := c.Request().Context()
	lang := langOf(c)
	on, err := s.auth.TOTPEnabled(ctx, u.ID)
	if err != nil {
		return err
	}
	d.Enabled = on
	if !on {
		setup, err := s.auth.BeginTOTP(ctx, u.ID)
		if err != nil {
			return err
		}
		d.Key, d.URI = setup.Key, setup.URI
	}
	return s.renderForm(c, status, "staff_totp", lang, "accounts.totp.title", len(d.Errors) > 0, d)
}

func (s *Server) staffTOTPConfirm(c echo.Context) error {
	u := staffUser(c)
	codes, err := s.auth.ConfirmTOTP(c.Request().Context(), u.ID, postForm(c).Get("code"))
	switch {
	case errors.Is(err, workflow.ErrBadCode):
		return s.renderTOTP(c, http.StatusUnprocessableEntity, totpData{Errors: formErrors{{"code", "accounts.code.wrong"}}})
	case errors.Is(err, workflow.ErrTOTPOn):
		return c.Redirect(http.StatusSeeOther, "/staff/account/totp")
	case err != nil:
		return err
	}
	// The recovery codes are shown on this answer only.
	return s.renderTOTP(c, http.StatusOK, totpData{Codes: codes})
}

func (s *Server) staffTOTPDisable(c echo.Context) error {
	u := staffUser(c)
	err := s.auth.DisableTOTP(c.Request().Context(), u.ID, postForm(c).Get("code"))
	if errors.Is(err, workflow.ErrBadCode) {
		return s.renderTOTP(c, http.StatusUnprocessableEntity, totpData{Errors: formErrors{{"code", "accounts.code.wrong"}}})
	}
	if err != nil {
		return err
	}
	flash(c, "accounts.totp.disabled")
	return c.Redirect(http.StatusSeeOther, "/staff/account")
}
