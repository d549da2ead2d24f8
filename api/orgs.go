package api

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Organisations in the web UI (issue 19): the platform administrator's list
// and creation form (D-29), and an organisation's settings for its DPO.
// Validation is workflow.CheckOrgFields, the same as `rightsdesk org`.

func (s *Server) orgRoutes(g *echo.Group) {
	g.GET("/admin/orgs", s.adminOrgs)
	g.POST("/admin/orgs", s.adminOrgCreate)
	g.GET("/settings", s.orgSettingsPick)
	g.GET("/orgs/:slug/settings", s.orgSettingsForm)
	g.POST("/orgs/:slug/settings", s.orgSettingsSave)
	g.GET("/orgs/:slug/archive", s.orgArchive)
	g.GET("/orgs/:slug/audit", s.orgAudit)
}

// orgFormFields is the settings' order, for the error summary. The names
// are workflow.OrgFieldError's fields (the CLI's flag names), used as form
// field names too, so an error finds its field without a table.
var orgFormFields = []string{"slug", "name-fi", "name-sv", "name-en", "primary", "bilingual", "business-id",
	"dpo-name", "dpo-email", "dpo-phone", "privacy-email", "postal-address", "logo", "eves-non-working",
	"a11y-supervisor", "appeal-fi", "appeal-sv", "appeal-en", "retention-years"}

// orgForm is what the form shows: the values as typed, or the stored ones.
type orgForm struct {
	Slug, NameFI, NameSV, NameEN, Primary, BusinessID        string
	DPOName, DPOEmail, DPOPhone, PrivacyEmail, PostalAddress string
	A11ySupervisor, RetentionYears                           string
	AppealFI, AppealSV, AppealEN                             string
	Bilingual, EvesNonWorking, RemoveLogo                    bool
}

func orgFormOf(o store.Org) orgForm {
	return orgForm{Slug: o.Slug, NameFI: o.NameFI, NameSV: o.NameSV, NameEN: o.NameEN, Primary: o.PrimaryLang,
		BusinessID: o.BusinessID, DPOName: o.DPOName, DPOEmail: o.DPOEmail, DPOPhone: o.DPOPhone,
		PrivacyEmail: o.PrivacyEmail, PostalAddress: o.PostalAddress, A11ySupervisor: o.A11ySupervisor,
		RetentionYears: strconv.Itoa(o.RetentionYears), Bilingual: o.Bilingual, EvesNonWorking: o.EvesNonWorking,
		AppealFI: o.AppealFI, AppealSV: o.AppealSV, AppealEN: o.AppealEN}
}

// readOrgForm reads the posted form; fields absent from the form (the
// creation form has fewer) keep def's values.
func readOrgForm(c echo.Context, def orgForm) orgForm {
	f := postForm(c)
	str := func(name string, dst *string) {
		if vs, ok := f[name]; ok && len(vs) > 0 {
			*dst = vs[0]
		}
	}
	str("slug", &def.Slug)
	str("name-fi", &def.NameFI)
	str("name-sv", &def.NameSV)
	str("name-en", &def.NameEN)
	str("primary", &def.Primary)
	str("business-id", &def.BusinessID)
	str("dpo-name", &def.DPOName)
	str("dpo-email", &def.DPOEmail)
	str("dpo-phone", &def.DPOPhone)
	str("privacy-email", &def.PrivacyEmail)
	str("postal-address", &def.PostalAddress)
	str("a11y-supervisor", &def.A11ySupervisor)
	str("retention-years", &def.RetentionYears)
	str("appeal-fi", &def.AppealFI)
	str("appeal-sv", &def.AppealSV)
	str("appeal-en", &def.AppealEN)
	// Check boxes: the form says which it holds (a hidden "has-NAME"), so
	// an unticked box is false and a missing one keeps its value.
	box := func(name string, dst *bool) {
		if f.Get("has-"+name) != "" {
			*dst = f.Get(name) != ""
		}
	}
	box("bilingual", &def.Bilingual)
	box("eves-non-working", &def.EvesNonWorking)
	def.RemoveLogo = f.Get("remove-logo") != ""
	return def
}

// apply copies the form onto o; a retention that is not a number, or 0
// (which CheckOrgFields would read as "the default"), becomes -1, which
// CheckOrgFields names: the form says "from 2 to 100".
func (f orgForm) apply(o *store.Org) {
	o.NameFI, o.NameSV, o.NameEN, o.PrimaryLang = f.NameFI, f.NameSV, f.NameEN, f.Primary
	o.BusinessID, o.DPOName, o.DPOEmail, o.DPOPhone = f.BusinessID, f.DPOName, f.DPOEmail, f.DPOPhone
	o.PrivacyEmail, o.PostalAddress, o.A11ySupervisor = f.PrivacyEmail, f.PostalAddress, f.A11ySupervisor
	o.Bilingual, o.EvesNonWorking = f.Bilingual, f.EvesNonWorking
	o.AppealFI, o.AppealSV, o.AppealEN = f.AppealFI, f.AppealSV, f.AppealEN
	if n, err := strconv.Atoi(strings.TrimSpace(f.RetentionYears)); err == nil && n != 0 {
		o.RetentionYears = n
	} else {
		o.RetentionYears = -1 // CheckOrgFields names it
	}
	if f.RemoveLogo {
		o.LogoType, o.Logo = "", nil
	}
}

// orgErrorKey is the message key of a settings fault.
func orgErrorKey(fe *workflow.OrgFieldError) string {
	if fe.Field == "privacy-email" && fe.Reason == store.ErrPrivacyAddressTaken.Error() {
		return "orgs.error.privacy-email.taken"
	}
	if fe.Field == "logo" {
		switch fe.Reason {
		case workflow.ErrLogoTooLarge.Error():
			return "orgs.error.logo.too_large"
		case workflow.ErrLogoUnsafe.Error():
			return "orgs.error.logo.unsafe"
		}
		return "orgs.error.logo.format"
	}
	return "orgs.error." + fe.Field
}

// orgErrors turns CheckOrgFields' faults into field -> message key.
func orgErrors(errs []*workflow.OrgFieldError) workflow.FieldErrors {
	fe := workflow.FieldErrors{}
	for _, e := range errs {
		if _, seen := fe[e.Field]; !seen {
			fe[e.Field] = orgErrorKey(e)
		}
	}
	return fe
}

func (s *Server) orgErrorList(lang string, fe workflow.FieldErrors) []fieldError {
	var out []fieldError
	for _, field := range orgFormFields {
		if key, ok := fe[field]; ok {
			out = append(out, fieldError{Field: field, Message: s.Catalog.T(lang, key)})
		}
	}
	return out
}

// ---- platform administrator ---------------------------------------------

type adminOrgsData struct {
	Orgs      []store.Org
	HasDPO    map[int64]bool // the organisations that have a DPO already
	LogoField bool           // the form has no logo field: false
	Inputs    []orgInput
	Form      orgForm
	Errors    workflow.FieldErrors
	ErrorList []fieldError
}

// requirePlatformAdmin: only a platform administrator (D-29) creates
// organisations; anyone else signed in gets 403.
func requirePlatformAdmin(c echo.Context) (*StaffUser, error) {
	u := staffUser(c)
	if u == nil || !u.PlatformAdmin {
		return nil, errForbidden
	}
	return u, nil
}

func (s *Server) renderAdminOrgs(c echo.Context, status int, f orgForm, fe workflow.FieldErrors) error {
	lang := langOf(c)
	q := store.New(s.Pool)
	orgs, err := q.Orgs(c.Request().Context())
	if err != nil {
		return err
	}
	hasDPO, err := q.OrgsWithDPO(c.Request().Context())
	if err != nil {
		return err
	}
	d := adminOrgsData{Orgs: orgs, HasDPO: hasDPO, Inputs: orgInputs(f, fe, true), Form: f, Errors: fe, ErrorList: s.orgErrorList(lang, fe)}
	return s.renderForm(c, status, "staff_admin_orgs", lang, "orgs.admin.title", len(fe) > 0, d)
}

func (s *Server) adminOrgs(c echo.Context) error {
	if _, err := requirePlatformAdmin(c); err != nil {
		return err
	}
	// The administrator's own language is the likelier primary language
	// of the organisation they create (a Swedish-speaking administrator
	// of Närpes once had to notice "Finnish" preselected).
	primary := "fi"
	if langOf(c) == "sv" {
		primary = "sv"
	}
	return s.renderAdminOrgs(c, http.StatusOK, orgForm{Primary: primary, Bilingual: true}, nil)
}

func (s *Server) adminOrgCreate(c echo.Context) error {
	u, err := requirePlatformAdmin(c)
	if err != nil {
		return err
	}
	f := readOrgForm(c, orgForm{RetentionYears: strconv.Itoa(workflow.MinRetentionYears)})
	o := store.Org{Slug: f.Slug}
	f.apply(&o)
	if errs := workflow.CheckOrgFields(&o); len(errs) > 0 {
		return s.renderAdminOrgs(c, http.StatusUnprocessableEntity, f, orgErrors(errs))
	}
	o, err = workflow.CreateOrg(c.Request().Context(), s.Pool, s.Keys, o, u.Actor(), s.Now())
	if errors.Is(err, workflow.ErrSlugTaken) {
		return s.renderAdminOrgs(c, http.StatusUnprocessableEntity, f, workflow.FieldErrors{"slug": "orgs.error.slug.taken"})
	}
	var fe *workflow.OrgFieldError
	if errors.As(err, &fe) { // another organisation's privacy address
		return s.renderAdminOrgs(c, http.StatusUnprocessableEntity, f, orgErrors([]*workflow.OrgFieldError{fe}))
	}
	if err != nil {
		return err
	}
	flash(c, "orgs.flash.created")
	return c.Redirect(http.StatusSeeOther, "/staff/admin/orgs#org-"+url.PathEscape(o.Slug))
}

// ---- an organisation's settings -------------------------------------------

type orgSettingsData struct {
	LogoField bool // a chosen logo must be chosen again after an error: true
	Org       store.Org
	Inputs    []orgInput
	Form      orgForm
	Errors    workflow.FieldErrors
	ErrorList []fieldError
	PublicURL string
	LogoURL   string
	// Archive: the user is the organisation's DPO, who downloads the
	// archive package (api/archive.go); ArchiveBefore is its default day.
	Archive       bool
	ArchiveBefore string
}

// settingsOrg is the organisation of the :slug parameter when the user may
// change its settings: its admin or DPO, or a platform administrator.
// Anyone else gets a 404, as for another organisation's case.
func (s *Server) settingsOrg(c echo.Context) (store.Org, *StaffUser, error) {
	u := staffUser(c)
	o, err := store.New(s.Pool).OrgBySlug(c.Request().Context(), c.Param("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return o, u, errNotFound
	}
	if err != nil {
		return o, u, err
	}
	if u == nil || !(u.PlatformAdmin || u.CanAct(o.ID)) {
		return o, u, errNotFound
	}
	return o, u, nil
}

func (s *Server) renderOrgSettings(c echo.Context, status int, o store.Org, f orgForm, fe workflow.FieldErrors) error {
	lang := langOf(c)
	d := orgSettingsData{LogoField: true, Org: o, Inputs: orgInputs(f, fe, false), Form: f, Errors: fe, ErrorList: s.orgErrorList(lang, fe),
		PublicURL: intakeBase(o.PrimaryLang, o) + "/"}
	if o.LogoType != "" {
		d.LogoURL = intakeBase(o.PrimaryLang, o) + "/logo"
	}
	if role, member := s.staffOrgRole(c, o.ID); member && role == workflow.RoleDPO {
		d.Archive, d.ArchiveBefore = true, workflow.HelsinkiDate(s.Now()).String()
	}
	return s.renderForm(c, status, "staff_org_settings", lang, "orgs.settings.title", len(fe) > 0, d)
}

// orgSettingsPick is the menu's Settings: the settings of the first
// organisation the user acts for (a DPO of several reaches the others
// from the register catalogue's organisation lines).
func (s *Server) orgSettingsPick(c echo.Context) error {
	ids := staffUser(c).ActingOrgIDs()
	if len(ids) == 0 {
		return errNotFound
	}
	o, err := store.New(s.Pool).OrgByID(c.Request().Context(), ids[0])
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+url.PathEscape(o.Slug)+"/settings")
}

func (s *Server) orgSettingsForm(c echo.Context) error {
	o, _, err := s.settingsOrg(c)
	if err != nil {
		return err
	}
	return s.renderOrgSettings(c, http.StatusOK, o, orgFormOf(o), nil)
}

func (s *Server) orgSettingsSave(c echo.Context) error {
	o, u, err := s.settingsOrg(c)
	if err != nil {
		return err
	}
	f := readOrgForm(c, orgFormOf(o))
	f.Slug = o.Slug
	logo, err := orgLogoUpload(c)
	if err != nil {
		return err
	}
	// Check everything first, so that one fault shows with all the others
	// and nothing typed is lost.
	next := o
	f.apply(&next)
	next.Logo = logo
	if errs := workflow.CheckOrgFields(&next); len(errs) > 0 {
		return s.renderOrgSettings(c, http.StatusUnprocessableEntity, o, f, orgErrors(errs))
	}
	_, changed, err := workflow.ChangeOrg(c.Request().Context(), s.Pool, s.Keys, o.Slug, func(cur *store.Org) {
		f.apply(cur)
		cur.Logo = logo
	}, u.Actor(), s.Now())
	var fe *workflow.OrgFieldError
	if errors.As(err, &fe) {
		return s.renderOrgSettings(c, http.StatusUnprocessableEntity, o, f, orgErrors([]*workflow.OrgFieldError{fe}))
	}
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		flash(c, "orgs.flash.unchanged")
	} else {
		flash(c, "orgs.flash.saved")
	}
	return c.Redirect(http.StatusSeeOther, "/staff/orgs/"+url.PathEscape(o.Slug)+"/settings")
}

// orgLogoUpload is the uploaded logo, nil when none was chosen. One byte
// past the limit is read, so a file too large is named as such.
func orgLogoUpload(c echo.Context) ([]byte, error) {
	form, err := c.MultipartForm()
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	fhs := form.File["logo"]
	if len(fhs) == 0 || (fhs[0].Filename == "" && fhs[0].Size == 0) {
		return nil, nil
	}
	return readUpload(fhs[0], workflow.MaxLogoBytes+1)
}

func readUpload(fh *multipart.FileHeader, limit int64) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// orgLogo serves the organisation's logo. An SVG is sent with a policy
// that runs nothing and loads nothing, should anyone open it directly.
func (s *Server) orgLogo(c echo.Context) error {
	o, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	b, typ, err := store.New(s.Pool).OrgLogo(c.Request().Context(), o.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=300")
	ct := "image/png"
	if typ == "svg" {
		ct = "image/svg+xml"
	}
	return c.Blob(http.StatusOK, ct, b)
}

// ---- the service's own privacy notice --------------------------------------

func (s *Server) orgPublicRoutes(g *echo.Group) {
	g.GET("/o/:org/privacy", s.orgPrivacyNotice)
	g.GET("/o/:org/logo", s.orgLogo)
}

// privacyNoticeData: rightsdesk itself processes the requesters' data, with
// the organisation as controller (issue 19). The text is the catalogues';
// the facts are the organisation's settings.
type privacyNoticeData struct {
	Org            store.Org
	Name           string
	AddressLines   []string
	DPOEmail       string
	RetentionYears int
	FormURL        string
}

func (s *Server) orgPrivacyNotice(c echo.Context) error {
	o, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	lang := langOf(c)
	d := privacyNoticeData{Org: o, Name: o.Name(lang), DPOEmail: o.DPOEmail, RetentionYears: o.RetentionYears,
		FormURL: intakeBase(lang, o) + "/"}
	if d.DPOEmail == "" {
		d.DPOEmail = o.PrivacyEmail
	}
	d.AddressLines = lines(o.PostalAddress)
	return s.render(c, http.StatusOK, "org_privacy", lang, s.Catalog.T(lang, "privacy.title", d.Name), d)
}

// orgInput is one text field of the organisation forms, as the template
// draws it.
type orgInput struct {
	Name, Value, Type, Autocomplete string
	Label, Hint, Error              string // message keys
	Lines                           int    // > 0: a textarea of this many rows
	Max                             int
	Lang                            string // the value's language, when it has one (D-5)
}

// orgInputs are the text fields of the form, in orgFormFields' order; the
// creation form leaves out what the organisation's DPO fills in later.
func orgInputs(f orgForm, fe workflow.FieldErrors, create bool) []orgInput {
	all := []orgInput{
		{Name: "slug", Value: f.Slug, Max: 40},
		{Name: "name-fi", Value: f.NameFI, Max: 200},
		{Name: "name-sv", Value: f.NameSV, Max: 200},
		{Name: "name-en", Value: f.NameEN, Max: 200},
		{Name: "business-id", Value: f.BusinessID, Max: 9},
		{Name: "dpo-name", Value: f.DPOName, Max: 200, Autocomplete: "off"},
		{Name: "dpo-email", Value: f.DPOEmail, Max: 254, Type: "email", Autocomplete: "off"},
		{Name: "dpo-phone", Value: f.DPOPhone, Max: 40, Type: "tel", Autocomplete: "off"},
		{Name: "privacy-email", Value: f.PrivacyEmail, Max: 254, Type: "email", Autocomplete: "off"},
		{Name: "postal-address", Value: f.PostalAddress, Max: 400, Lines: 4},
		{Name: "a11y-supervisor", Value: f.A11ySupervisor, Max: 1000, Lines: 3},
		{Name: "appeal-fi", Value: f.AppealFI, Max: workflow.MaxAppealChars, Lines: 8, Lang: "fi"},
		{Name: "appeal-sv", Value: f.AppealSV, Max: workflow.MaxAppealChars, Lines: 8, Lang: "sv"},
		{Name: "appeal-en", Value: f.AppealEN, Max: workflow.MaxAppealChars, Lines: 8, Lang: "en"},
		{Name: "retention-years", Value: f.RetentionYears, Max: 3, Type: "number"},
	}
	skip := map[string]bool{"name-en": true, "dpo-phone": true, "postal-address": true, "a11y-supervisor": true, "retention-years": true,
		"appeal-fi": true, "appeal-sv": true, "appeal-en": true}
	var out []orgInput
	for _, in := range all {
		if create && skip[in.Name] || !create && in.Name == "slug" {
			continue
		}
		if in.Type == "" {
			in.Type = "text"
		}
		key := strings.ReplaceAll(in.Name, "-", "_")
		in.Label, in.Hint, in.Error = "orgs.field."+key, "orgs.hint."+key, fe[in.Name]
		out = append(out, in)
	}
	return out
}

// lines splits a multi-line setting into its non-empty, trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
