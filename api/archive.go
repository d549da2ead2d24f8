package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The archive package (issue 22): an organisation's DPO downloads closed
// cases (letters, decisions, the documents given out under FI-2, audit
// trail; workflow.WriteArchive) for the municipality's case management
// before the retention purge takes them.
//
//	GET /staff/orgs/{slug}/archive?closed_before=YYYY-MM-DD   cases closed before that day (Helsinki)
//	GET /staff/orgs/{slug}/archive?receipt=RD-2026-000123     one closed case
//
// The organisation's settings page has the form that asks for the day.
func (s *Server) orgArchive(c echo.Context) error {
	u := staffUser(c)
	org, err := store.New(s.Pool).OrgBySlug(c.Request().Context(), c.Param("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	role, member := s.staffOrgRole(c, org.ID)
	switch {
	case u == nil || !member:
		return errNotFound
	case role != workflow.RoleDPO:
		return errForbidden
	}
	receipt := c.QueryParam("receipt")
	if receipt == "" && c.QueryParam("closed_before") == "" {
		// Asked for without saying which cases: the settings page's form
		// asks (it answered a bare 400).
		return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+url.PathEscape(org.Slug)+"/settings#archive")
	}
	var before time.Time
	if receipt == "" {
		d, err := workflow.ParseDate(c.QueryParam("closed_before"))
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "error.badrequest")
		}
		before = d.In(workflow.Helsinki())
	}
	var buf bytes.Buffer
	if _, err := s.Workflow.WriteArchive(c.Request().Context(), org, before, receipt, workflow.StaffActor(u.ID), &buf); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound
		}
		return err
	}
	name := org.Slug + "-archive-" + workflow.HelsinkiDate(s.Now()).String() + ".zip"
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/zip", buf.Bytes())
}
