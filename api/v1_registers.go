package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
)

// v1RegisterRoutes: the public catalogue as JSON. It needs no token: it
// publishes nothing the public pages do not show (no owners, no notes).
func (s *Server) v1RegisterRoutes(g *echo.Group) {
	g.GET("/orgs/:org/registers", s.v1Registers)
}

type v1Org struct {
	Slug        string `json:"slug"`
	NameFI      string `json:"name_fi"`
	NameSV      string `json:"name_sv"`
	PrimaryLang string `json:"primary_lang"`
	DPOEmail    string `json:"dpo_email,omitempty"`
	RequestURL  string `json:"request_url"`
}

// v1Register is one register as published; language is the language of
// its published text (D-5).
type v1Register struct {
	ID                  int64  `json:"id"`
	Name                string `json:"name"`
	Language            string `json:"language"`
	Purpose             string `json:"purpose"`
	Controller          string `json:"controller"`
	Unit                string `json:"unit"`
	Contact             string `json:"contact"`
	LegalBasis          string `json:"legal_basis"`
	LegalBasisText      string `json:"legal_basis_text"`
	DataContent         string `json:"data_content"`
	Sources             string `json:"sources"`
	Recipients          string `json:"recipients"`
	Retention           string `json:"retention"`
	Systems             string `json:"systems"`
	Sector              string `json:"sector"`
	ControllerElsewhere bool   `json:"controller_elsewhere"`
	ElsewhereName       string `json:"elsewhere_name,omitempty"`
	ElsewhereContact    string `json:"elsewhere_contact,omitempty"`
	URL                 string `json:"url"`
}

type v1RegistersResponse struct {
	Organisation v1Org        `json:"organisation"`
	Registers    []v1Register `json:"registers"`
}

// v1Registers lists an organisation's published catalogue (?q= searches
// as the catalogue page does: stems, parts of compounds, curated words). Registers no longer in the published
// description are left out, as on the public page.
func (s *Server) v1Registers(c echo.Context) error {
	ctx := c.Request().Context()
	q := store.New(s.Pool)
	org, err := q.OrgBySlug(ctx, c.Param("org"))
	if err != nil {
		return err
	}
	regs, err := q.Registers(ctx, org.ID, store.RegisterFilter{Query: strings.TrimSpace(c.QueryParam("q"))})
	if err != nil {
		return err
	}
	base := strings.TrimRight(s.Config.BaseURL, "/") + "/" + org.PrimaryLang + "/o/" + org.Slug
	out := v1RegistersResponse{
		Organisation: v1Org{Slug: org.Slug, NameFI: org.NameFI, NameSV: org.NameSV, PrimaryLang: org.PrimaryLang,
			DPOEmail: org.DPOEmail, RequestURL: base + "/request"},
		Registers: make([]v1Register, 0, len(regs)),
	}
	for _, r := range regs {
		out.Registers = append(out.Registers, v1Register{
			ID: r.ID, Name: r.Name, Language: r.Language, Purpose: r.Purpose, Controller: r.ControllerText,
			Unit: r.UnitName, Contact: r.ContactText, LegalBasis: r.LegalBasis, LegalBasisText: r.LegalBasisText,
			DataContent: r.DataContent, Sources: r.Sources, Recipients: r.Recipients, Retention: r.Retention,
			Systems: r.Systems, Sector: r.Sector, ControllerElsewhere: r.ControllerElsewhere,
			ElsewhereName: r.ElsewhereName, ElsewhereContact: r.ElsewhereContact,
			URL: base + "/registers/" + strconv.FormatInt(r.ID, 10),
		})
	}
	return c.JSON(http.StatusOK, out)
}
