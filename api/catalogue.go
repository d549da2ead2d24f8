package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The register catalogue (issue 4): public organisation and register pages,
// and the DPO's register list and edit form under /staff.

func (s *Server) catalogueRoutes(g *echo.Group) {
	g.GET("/o/:org", s.redirectSlash)
	g.GET("/o/:org/", s.catalogueOrgPage)
	g.GET("/o/:org/registers/:id", s.catalogueRegisterPage)
}

func (s *Server) staffRegisterRoutes(g *echo.Group) {
	g.GET("/registers", s.staffRegisterList)
	g.GET("/registers/:id", s.staffRegisterForm)
	g.POST("/registers/:id", s.staffRegisterSave)
}

// catalogueOrg is the organisation named by the :org path parameter; an
// unknown slug, or one not yet open to residents, is a 404.
func (s *Server) catalogueOrg(c echo.Context) (store.Org, error) {
	return s.openOrg(c)
}

// pathID parses a numeric path parameter; anything else is a 404.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// publishedLang is the lang attribute of a register's published text
// (D-5): its language when it differs from the page's, else "" (inherit).
func publishedLang(regLang, pageLang string) string {
	if regLang == "" || regLang == pageLang {
		return ""
	}
	return regLang
}

// publishedText is a published text and its lang attribute on this page
// ("" when it is the page's language).
type publishedText struct{ Text, Lang string }

func published(text, textLang, pageLang string) publishedText {
	return publishedText{Text: text, Lang: publishedLang(textLang, pageLang)}
}

// ---- public pages --------------------------------------------------------

type catalogueOrgData struct {
	Org        store.Org
	Name       string
	Names      string
	PageURL    string
	RequestURL string
	Query      string
	Total      int
	Matches    int
	Groups     []registerGroup
}

// group is a heading of registers: their published sector or unit.
type group[T any] struct {
	Title string
	Lang  string // lang attribute of a published heading; "" for ours
	Items []T
}

type registerGroup = group[registerItem]

type registerItem struct {
	ID        int64
	URL       string
	Name      string
	Purpose   string
	Lang      string
	Elsewhere bool
}

// groupRegisters groups registers for the catalogue list.
func groupRegisters(regs []store.Register, lang, other string, url func(store.Register) string) []registerGroup {
	return groupBySector(regs, lang, other, func(r store.Register) registerItem {
		return registerItem{ID: r.ID, URL: url(r), Name: r.Name, Purpose: excerpt(r.Purpose, 200),
			Lang: publishedLang(r.Language, lang), Elsewhere: r.ControllerElsewhere}
	})
}

// groupBySector groups registers by their published sector, else unit
// (seed 000 and 001 have units but no sectors), keeping the store's order;
// registers with neither come last under `other` (no heading when there
// are no other groups).
func groupBySector[T any](regs []store.Register, lang, other string, item func(store.Register) T) []group[T] {
	var groups []group[T]
	index := map[string]int{}
	var rest []T
	for _, r := range regs {
		title := r.Sector
		if title == "" {
			title = r.UnitName
		}
		if title == "" {
			rest = append(rest, item(r))
			continue
		}
		i, ok := index[title]
		if !ok {
			i = len(groups)
			index[title] = i
			groups = append(groups, group[T]{Title: title, Lang: publishedLang(r.Language, lang)})
		}
		groups[i].Items = append(groups[i].Items, item(r))
	}
	if len(rest) > 0 {
		if len(groups) == 0 {
			other = ""
		}
		groups = append(groups, group[T]{Title: other, Items: rest})
	}
	return groups
}

// excerpt shortens published text at a word boundary.
func excerpt(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := strings.LastIndexByte(string(r), ' ')
	out := string(r)
	if cut > n/2 {
		out = out[:cut]
	}
	return strings.TrimRight(out, " ,.;:") + "…"
}

func (s *Server) catalogueOrgPage(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.catalogueOrg(c)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(query) > 200 {
		query = string([]rune(query)[:200])
	}
	q := store.New(s.Pool)
	all, err := q.Registers(ctx, org.ID, store.RegisterFilter{})
	if err != nil {
		return err
	}
	regs := all
	if query != "" {
		if regs, err = q.Registers(ctx, org.ID, store.RegisterFilter{Query: query, Lang: lang}); err != nil {
			return err
		}
	}
	base := "/" + lang + "/o/" + org.Slug
	d := catalogueOrgData{
		Org: org, Name: org.Name(lang), Names: org.Names(), PageURL: base + "/", RequestURL: base + "/request",
		Query: query, Total: len(all), Matches: len(regs),
		Groups: groupRegisters(regs, lang, s.Catalog.T(lang, "catalogue.group.other"), func(r store.Register) string {
			return base + "/registers/" + strconv.FormatInt(r.ID, 10)
		}),
	}
	return s.render(c, http.StatusOK, "catalogue_org", lang, d.Name, d)
}

type catalogueRegisterData struct {
	Org         store.Org
	OrgName     string
	Register    store.Register
	Lang        string // lang attribute of the published text (D-5)
	PublishedIn string // message key: "published only in Swedish", or ""
	Facts       []fact
	Other       []fact
	BackURL     string
	RequestURL  string
}

// fact is one labelled value of a register page; Lang marks published text
// in another language than the page's (D-5).
type fact struct {
	Label, Value, Lang string
	LabelLang          string
}

func (s *Server) catalogueRegisterPage(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.catalogueOrg(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := store.New(s.Pool).Register(ctx, org.ID, id)
	if err != nil {
		return err
	}
	t := func(key string) string { return s.Catalog.T(lang, key) }
	pl := publishedLang(r.Language, lang)
	var facts []fact
	add := func(key, value, valueLang string) {
		if strings.TrimSpace(value) != "" {
			facts = append(facts, fact{Label: t(key), Value: value, Lang: valueLang})
		}
	}
	add("catalogue.field.purpose", r.Purpose, pl)
	add("catalogue.field.data_content", r.DataContent, pl)
	if workflow.ValidBasis(r.LegalBasis) && r.LegalBasis != string(workflow.BasisUnknown) {
		add("catalogue.field.legal_basis", t("catalogue.basis."+r.LegalBasis), "")
	}
	add("catalogue.field.legal_basis_text", r.LegalBasisText, pl)
	add("catalogue.field.retention", r.Retention, pl)
	add("catalogue.field.sources", r.Sources, pl)
	add("catalogue.field.recipients", r.Recipients, pl)
	add("catalogue.field.systems", r.Systems, pl)
	add("catalogue.field.sector", r.Sector, pl)
	add("catalogue.field.unit", r.UnitName, pl)
	// D-4: the organisation is the controller; the printed text is kept.
	add("catalogue.field.controller", org.Names(), "")
	if r.ControllerText != "" && r.ControllerText != r.UnitName {
		add("catalogue.field.controller_text", r.ControllerText, pl)
	}
	add("catalogue.field.contact", r.ContactText, pl)
	var other []fact
	for _, k := range sortedKeys(r.Extra) {
		if k == "marks" || strings.TrimSpace(r.Extra[k]) == "" {
			continue // format data (Kronoby's ABP/PRB/DRB columns), not a section
		}
		other = append(other, fact{Label: k, LabelLang: pl, Value: r.Extra[k], Lang: pl})
	}
	d := catalogueRegisterData{
		Org: org, OrgName: org.Name(lang), Register: r, Lang: pl, Facts: facts, Other: other,
		BackURL:    "/" + lang + "/o/" + org.Slug + "/",
		RequestURL: "/" + lang + "/o/" + org.Slug + "/request?register=" + strconv.FormatInt(r.ID, 10),
	}
	if pl != "" {
		d.PublishedIn = "catalogue.published." + r.Language
	}
	return s.render(c, http.StatusOK, "catalogue_register", lang, r.Name, d)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---- staff pages ---------------------------------------------------------

// staffOrgRole is the signed-in user's role in the organisation, and
// whether they are a member at all (not a member: treat as not found).
func (s *Server) staffOrgRole(c echo.Context, orgID int64) (string, bool) {
	u, _ := c.Get(ctxStaff).(*StaffUser)
	if u == nil {
		return "", false
	}
	role, ok := u.Roles[orgID]
	return role, ok
}

// staffCanEdit: admins and DPOs edit the catalogue; viewers only look.
func (s *Server) staffCanEdit(c echo.Context, orgID int64) bool {
	role, ok := s.staffOrgRole(c, orgID)
	return ok && (role == workflow.RoleAdmin || role == workflow.RoleDPO)
}

// staffOrgs are the organisations of the signed-in user, by slug.
func (s *Server) staffOrgs(c echo.Context) ([]store.Org, error) {
	u, _ := c.Get(ctxStaff).(*StaffUser)
	if u == nil {
		return nil, errNotFound
	}
	var out []store.Org
	q := store.New(s.Pool)
	for id := range u.Roles {
		o, err := q.OrgByID(c.Request().Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b store.Org) int { return strings.Compare(a.Slug, b.Slug) })
	return out, nil
}

type staffRegistersData struct {
	Orgs     []store.Org
	OrgSlug  string
	NoOwner  bool
	Query    string
	Sections []staffRegisterSection
	Filtered bool
}

type staffRegisterSection struct {
	Org       store.Org
	Registers []store.Register
	Total     int
	NoOwner   int
	// CanManage: the user may import into and set up the organisation
	// (its DPO or admin, or a platform administrator), so the section
	// links the import wizard and the settings: a new DPO finds them here.
	CanManage bool
}

func (s *Server) staffRegisterList(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	orgs, err := s.staffOrgs(c)
	if err != nil {
		return err
	}
	d := staffRegistersData{
		Orgs: orgs, OrgSlug: c.QueryParam("org"), NoOwner: c.QueryParam("owner") == "none",
		Query: strings.TrimSpace(c.QueryParam("q")),
	}
	d.Filtered = d.NoOwner || d.Query != ""
	if d.OrgSlug != "" && !slices.ContainsFunc(orgs, func(o store.Org) bool { return o.Slug == d.OrgSlug }) {
		return errNotFound // not one of the user's organisations
	}
	q := store.New(s.Pool)
	for _, o := range orgs {
		if d.OrgSlug != "" && o.Slug != d.OrgSlug {
			continue
		}
		all, err := q.Registers(ctx, o.ID, store.RegisterFilter{IncludeMissing: true})
		if err != nil {
			return err
		}
		u := staffUser(c)
		sec := staffRegisterSection{Org: o, Total: len(all), Registers: all, CanManage: u != nil && (u.PlatformAdmin || u.CanAct(o.ID))}
		for _, r := range all {
			if r.OwnerEmail == "" {
				sec.NoOwner++
			}
		}
		if d.Filtered {
			if sec.Registers, err = q.Registers(ctx, o.ID, store.RegisterFilter{Query: d.Query, Lang: lang, NoOwner: d.NoOwner, IncludeMissing: true}); err != nil {
				return err
			}
		}
		d.Sections = append(d.Sections, sec)
	}
	return s.render(c, http.StatusOK, "staff_registers", lang, s.Catalog.T(lang, "catalogue.staff.title"), d)
}

type staffRegisterData struct {
	Org       store.Org
	Register  store.Register
	Lang      string // published text's lang attribute
	CanEdit   bool
	Form      registerForm
	Errors    workflow.FieldErrors
	ErrorList []fieldError
	Bases     []workflow.Basis
	PublicURL string
	// Format is the importer's layout of the source document, in words.
	Format string
	// AsksDataStore: the form asks whether the data store note stays.
	AsksDataStore bool
	// Units are the organisation's units, the form's choices for the
	// register's responsible unit (with none and a new one).
	Units []store.Unit
}

// registerForm holds the edit form's values (as submitted, or from the
// register).
type registerForm struct {
	Name, OwnerName, OwnerEmail, LegalBasis string
	ControllerElsewhere                     bool
	ElsewhereName, ElsewhereContact, Notes  string
	// The privacy notice's texts that the access answer quotes.
	Purpose, DataContent, Recipients, Retention, Sources string
	// DataStore: the "may hold no personal data" note stays; asked only
	// of a data store (staffRegisterData.AsksDataStore).
	DataStore bool
	// Unit is the chosen responsible unit: a unit's id, "" for none or
	// unitNew for a new one, named UnitNew.
	Unit, UnitNew string
}

// unitNew is the unit choice of a new unit (registerForm.Unit).
const unitNew = "new"

// unitChoice is the form's unit as workflow takes it: a name typed for a
// new unit chooses it, whatever the list says.
func (f registerForm) unitChoice() *workflow.UnitChoice {
	if f.Unit == unitNew || strings.TrimSpace(f.UnitNew) != "" {
		return &workflow.UnitChoice{NewUnit: true, Name: f.UnitNew}
	}
	if f.Unit == "" {
		return &workflow.UnitChoice{} // none
	}
	id, err := strconv.ParseInt(f.Unit, 10, 64)
	if err != nil || id <= 0 {
		id = -1 // no unit's id: refused as a unit not of the organisation
	}
	return &workflow.UnitChoice{ID: id}
}

// formText is one of the form's Art 15 texts: its field name (the label
// is catalogue.field.NAME, the hint catalogue.form.NAME_hint) and value.
type formText struct{ Field, Value string }

// Texts are f's Art 15 texts in workflow.Art15Fields' order.
func (f registerForm) Texts() []formText {
	values := map[string]string{"purpose": f.Purpose, "data_content": f.DataContent,
		"recipients": f.Recipients, "retention": f.Retention, "sources": f.Sources}
	out := make([]formText, 0, len(workflow.Art15Fields))
	for _, name := range workflow.Art15Fields {
		out = append(out, formText{Field: name, Value: values[name]})
	}
	return out
}

// asksDataStore: the form asks whether a data store's note stays, for a
// data store and for a register the DPO has answered it of (to undo).
func asksDataStore(r store.Register) bool { return r.DataStore || r.Edited("data_store") }

// fieldError is one entry of a form's error summary.
type fieldError struct {
	Field, Message string
}

// registerFormFields is the edit form's field order, for the error summary.
var registerFormFields = slices.Concat([]string{"name", "unit", "unit_new", "owner_name", "owner_email", "legal_basis"},
	workflow.Art15Fields, []string{"elsewhere_name", "elsewhere_contact", "notes"})

// staffRegister finds a register among the user's organisations; another
// organisation's id is a 404.
func (s *Server) staffRegister(c echo.Context) (store.Register, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return store.Register{}, err
	}
	u, _ := c.Get(ctxStaff).(*StaffUser)
	if u == nil || len(u.Roles) == 0 {
		return store.Register{}, errNotFound
	}
	ids := make([]int64, 0, len(u.Roles))
	for id := range u.Roles {
		ids = append(ids, id)
	}
	return store.New(s.Pool).RegisterInOrgs(c.Request().Context(), ids, id)
}

func (s *Server) renderRegisterForm(c echo.Context, status int, r store.Register, f registerForm, fe workflow.FieldErrors) error {
	lang := langOf(c)
	org, err := store.New(s.Pool).OrgByID(c.Request().Context(), r.OrgID)
	if err != nil {
		return err
	}
	d := staffRegisterData{
		Org: org, Register: r, Lang: publishedLang(r.Language, lang), CanEdit: s.staffCanEdit(c, r.OrgID),
		Form: f, Errors: fe, Bases: workflow.Bases,
		PublicURL: "/" + org.PrimaryLang + "/o/" + org.Slug + "/registers/" + strconv.FormatInt(r.ID, 10),
		Format:    r.SourceFormat, AsksDataStore: asksDataStore(r),
	}
	if d.Units, err = store.New(s.Pool).Units(c.Request().Context(), []int64{r.OrgID}); err != nil {
		return err
	}
	if key := "catalogue.format." + r.SourceFormat; s.Catalog.Has(lang, key) {
		d.Format = s.Catalog.T(lang, key)
	}
	for _, field := range registerFormFields {
		if key, ok := fe[field]; ok {
			d.ErrorList = append(d.ErrorList, fieldError{Field: field, Message: s.Catalog.T(lang, key)})
		}
	}
	return s.render(c, status, "staff_register", lang, r.Name, d)
}

func (s *Server) staffRegisterForm(c echo.Context) error {
	r, err := s.staffRegister(c)
	if err != nil {
		return err
	}
	f := registerForm{
		Name: r.Name, OwnerName: r.OwnerName, OwnerEmail: r.OwnerEmail, LegalBasis: r.LegalBasis,
		ControllerElsewhere: r.ControllerElsewhere, ElsewhereName: r.ElsewhereName,
		ElsewhereContact: r.ElsewhereContact, Notes: r.Notes, DataStore: r.DataStore,
		Purpose: r.Purpose, DataContent: r.DataContent, Recipients: r.Recipients, Retention: r.Retention, Sources: r.Sources,
	}
	if r.UnitID != 0 {
		f.Unit = strconv.FormatInt(r.UnitID, 10)
	}
	return s.renderRegisterForm(c, http.StatusOK, r, f, nil)
}

func (s *Server) staffRegisterSave(c echo.Context) error {
	r, err := s.staffRegister(c)
	if err != nil {
		return err
	}
	if !s.staffCanEdit(c, r.OrgID) {
		return errForbidden
	}
	u := c.Get(ctxStaff).(*StaffUser)
	f := registerForm{
		Name: c.FormValue("name"), OwnerName: c.FormValue("owner_name"), OwnerEmail: c.FormValue("owner_email"),
		LegalBasis: c.FormValue("legal_basis"), ControllerElsewhere: c.FormValue("controller_elsewhere") != "",
		ElsewhereName: c.FormValue("elsewhere_name"), ElsewhereContact: c.FormValue("elsewhere_contact"),
		Notes: c.FormValue("notes"), DataStore: c.FormValue("data_store") != "",
		Purpose: c.FormValue("purpose"), DataContent: c.FormValue("data_content"), Recipients: c.FormValue("recipients"),
		Retention: c.FormValue("retention"), Sources: c.FormValue("sources"),
		Unit: c.FormValue("unit"), UnitNew: c.FormValue("unit_new"),
	}
	edit := workflow.RegisterEdit{
		Name: f.Name, OwnerName: f.OwnerName, OwnerEmail: f.OwnerEmail, LegalBasis: f.LegalBasis,
		ControllerElsewhere: f.ControllerElsewhere, ElsewhereName: f.ElsewhereName,
		ElsewhereContact: f.ElsewhereContact, Notes: f.Notes,
		Purpose: f.Purpose, DataContent: f.DataContent, Recipients: f.Recipients, Retention: f.Retention, Sources: f.Sources,
	}
	if asksDataStore(r) {
		edit.DataStore = &f.DataStore
	}
	if _, asked := postForm(c)["unit"]; asked { // a form without the field leaves the unit alone
		edit.Unit = f.unitChoice()
	}
	err = s.Workflow.UpdateRegister(c.Request().Context(), r.OrgID, r.ID, u.ID, edit)
	var fe workflow.FieldErrors
	if errors.As(err, &fe) {
		return s.renderRegisterForm(c, http.StatusUnprocessableEntity, r, f, fe)
	}
	if err != nil {
		return err
	}
	flash(c, "catalogue.flash.saved")
	return c.Redirect(http.StatusSeeOther, "/staff/registers/"+url.PathEscape(strconv.FormatInt(r.ID, 10)))
}
