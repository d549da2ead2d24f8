package api

import "github.com/labstack/echo/v4"

// ctxStaff is the context key of the signed-in *StaffUser.
const ctxStaff = "staff"

// StaffUser is the signed-in staff member and their memberships.
type StaffUser struct {
	ID    int64
	Email string
	Name  string
	Lang  string
	// Roles maps organisation id -> role (admin, dpo, viewer).
	Roles map[int64]string
}

func (s *Server) staffAuthRoutes(g *echo.Group) {}

func (s *Server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { return errNotFound }
}
