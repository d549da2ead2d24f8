package api

import "github.com/labstack/echo/v4"

func (s *Server) catalogueRoutes(g *echo.Group) {}

func (s *Server) staffRegisterRoutes(g *echo.Group) {}

