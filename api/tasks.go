package api

import "github.com/labstack/echo/v4"

func (s *Server) taskRoutes(g *echo.Group) {}

