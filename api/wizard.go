package api

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/registers"
	"rightsdesk/workflow"
)

// The import wizard (issue 19): /staff/orgs/{slug}/import. The DPO gives
// documents (files, pasted text, a published page's address), checks the
// preview, renames, drops, adds, merges and splits registers, assigns owners from
// a table and publishes. Every step is a plain form; the draft is stored
// between them.

const (
	wizardMaxFiles     = 10
	wizardMaxFileBytes = 10 << 20
	wizardMaxPaste     = 2 << 20
)

func (s *Server) wizardRoutes(g *echo.Group) {
	g.GET("/orgs/:slug/import", s.wizardStart)
	g.POST("/orgs/:slug/import", s.wizardCreate)
	g.GET("/orgs/:slug/import/:draft", s.wizardPreview)
	g.GET("/orgs/:slug/import/:draft/owners.csv", s.wizardOwnersCSV)
	g.POST("/orgs/:slug/import/:draft/:action", s.wizardAction)
	g.GET("/orgs/:slug/catalogue.csv", s.wizardCatalogueCSV)
}

// wizardOrg is the :slug organisation when the user may import for it:
// its DPO or admin, or a platform administrator. A member with another
// role gets 403; anyone else 404, as for another organisation's case.
func (s *Server) wizardOrg(c echo.Context) (store.Org, *StaffUser, error) {
	u := staffUser(c)
	o, err := store.New(s.Pool).OrgBySlug(c.Request().Context(), c.Param("slug"))
	if errors.Is(err, store.ErrNotFound) {
		return o, u, errNotFound
	}
	if err != nil {
		return o, u, err
	}
	switch {
	case u == nil:
		return o, u, errNotFound
	case u.PlatformAdmin || u.CanAct(o.ID):
		return o, u, nil
	case u.CanSee(o.ID):
		return o, u, errForbidden
	}
	return o, u, errNotFound
}

func wizardBase(o store.Org) string { return "/staff/orgs/" + url.PathEscape(o.Slug) + "/import" }

type wizardStartData struct {
	Org    store.Org
	Drafts []*workflow.ImportDraft
	Error  string // message key
	Paste  string
	URL    string
	Base   string
}

func (s *Server) renderWizardStart(c echo.Context, status int, o store.Org, d wizardStartData) error {
	drafts, err := s.Workflow.OpenImportDrafts(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	d.Org, d.Drafts, d.Base = o, drafts, wizardBase(o)
	return s.renderForm(c, status, "staff_import", langOf(c), "wizard.title", d.Error != "", d)
}

func (s *Server) wizardStart(c echo.Context) error {
	o, _, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	return s.renderWizardStart(c, http.StatusOK, o, wizardStartData{})
}

// fetchError is the message key of a failed fetch.
func fetchError(err error) string {
	switch {
	case errors.Is(err, workflow.ErrFetchScheme):
		return "wizard.error.fetch_scheme"
	case errors.Is(err, workflow.ErrFetchPrivate):
		return "wizard.error.fetch_private"
	case errors.Is(err, workflow.ErrFetchTooLarge):
		return "wizard.error.fetch_too_large"
	}
	return "wizard.error.fetch_failed"
}

func (s *Server) wizardCreate(c echo.Context) error {
	o, u, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := postForm(c)
	d := wizardStartData{Paste: f.Get("text"), URL: strings.TrimSpace(f.Get("url"))}
	fail := func(key string) error {
		d.Error = key
		return s.renderWizardStart(c, http.StatusUnprocessableEntity, o, d)
	}
	var inputs []workflow.WizardInput
	if form, err := c.MultipartForm(); err == nil {
		fhs := form.File["files"]
		if len(fhs) > wizardMaxFiles {
			return fail("wizard.error.too_many_files")
		}
		for _, fh := range fhs {
			if fh.Filename == "" && fh.Size == 0 {
				continue
			}
			b, err := readUpload(fh, wizardMaxFileBytes+1)
			if err != nil {
				return err
			}
			if len(b) > wizardMaxFileBytes {
				return fail("wizard.error.file_too_large")
			}
			inputs = append(inputs, workflow.WizardInput{Name: workflow.CleanFilename(fh.Filename, "upload"), Data: b})
		}
	} else if !errors.Is(err, http.ErrNotMultipart) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if strings.TrimSpace(d.Paste) != "" {
		if len(d.Paste) > wizardMaxPaste {
			return fail("wizard.error.paste_too_large")
		}
		inputs = append(inputs, workflow.WizardInput{Name: s.Catalog.T(langOf(c), "wizard.source.pasted"), Data: []byte(d.Paste)})
	}
	if d.URL != "" {
		b, err := workflow.FetchPage(ctx, d.URL, workflow.FetchOptions{AllowPrivate: s.Config.ImportFetchPrivate})
		if err != nil {
			return fail(fetchError(err))
		}
		inputs = append(inputs, workflow.WizardInput{Name: d.URL, Data: b})
	}
	if len(inputs) == 0 {
		return fail("wizard.error.nothing")
	}
	id, err := s.Workflow.NewImportDraft(ctx, o.ID, u.Actor(), u.ID, inputs, registers.ExtractOptions{})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, wizardBase(o)+"/"+strconv.FormatInt(id, 10))
}

type wizardPreviewData struct {
	Org       store.Org
	Draft     *workflow.ImportDraft
	Live      []workflow.DraftRegister
	Out       []workflow.DraftRegister // dropped or merged
	Summary   workflow.PublishSummary
	Problems  []workflow.OwnerProblem
	Error     string
	Owners    string
	Base      string
	PublicURL string
	Result    bool // the draft was just published
	// ChangedFields names, by register id, what a re-import changes or
	// changed ("Purpose, Retention"): the list named only the registers.
	ChangedFields map[int64]string
}

// changedFieldLabels are the labels of RegisterChange fields whose form or
// page label is not catalogue.field.NAME.
var changedFieldLabels = map[string]string{"name": "catalogue.form.name", "contact_text": "catalogue.field.contact",
	"data_store": "catalogue.staff.data_store", "extra": "catalogue.field.other", "language": "wizard.field.language",
	"missing_from_source": "wizard.field.back"}

// changedFields is what changes in each register of sum, in lang.
func (s *Server) changedFields(lang string, sum workflow.PublishSummary) map[int64]string {
	out := map[int64]string{}
	for _, ch := range sum.Changed {
		var names []string
		for _, f := range ch.Fields {
			key := cmp.Or(changedFieldLabels[f], "catalogue.field."+f)
			if !s.Catalog.Has(lang, key) {
				names = append(names, f)
				continue
			}
			names = append(names, s.Catalog.T(lang, key))
		}
		out[ch.ID] = strings.Join(names, ", ")
	}
	return out
}

func (s *Server) wizardDraft(c echo.Context, o store.Org) (*workflow.ImportDraft, error) {
	id, err := strconv.ParseInt(c.Param("draft"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errNotFound
	}
	d, err := s.Workflow.ImportDraftOf(c.Request().Context(), o.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNotFound
	}
	return d, err
}

func (s *Server) renderWizardPreview(c echo.Context, status int, o store.Org, pd wizardPreviewData) error {
	ctx := c.Request().Context()
	d, err := s.wizardDraft(c, o)
	if err != nil {
		return err
	}
	pd.Org, pd.Draft, pd.Base = o, d, wizardBase(o)+"/"+strconv.FormatInt(d.ID, 10)
	pd.PublicURL = intakeBase(o.PrimaryLang, o) + "/"
	d.MarkOtherControllers(o)
	for _, r := range d.Registers {
		if r.Live() {
			pd.Live = append(pd.Live, r)
		} else {
			pd.Out = append(pd.Out, r)
		}
	}
	switch {
	case !d.Published:
		// What publishing would change (a re-import shows its differences).
		pd.Summary, err = s.Workflow.PublishImportDraft(ctx, o, d.ID, workflow.ActorSystem, true)
		if err != nil {
			return err
		}
	case d.Result != nil && pd.Error == "":
		// What publishing did.
		pd.Summary, pd.Result = *d.Result, true
	}
	pd.ChangedFields = s.changedFields(langOf(c), pd.Summary)
	return s.renderForm(c, status, "staff_import_draft", langOf(c), "wizard.preview.title", pd.Error != "" || len(pd.Problems) > 0, pd)
}

func (s *Server) wizardPreview(c echo.Context) error {
	o, _, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	return s.renderWizardPreview(c, http.StatusOK, o, wizardPreviewData{})
}

func (s *Server) wizardOwnersCSV(c echo.Context) error {
	o, _, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	d, err := s.wizardDraft(c, o)
	if err != nil {
		return err
	}
	return sendCSV(c, o.Slug+"-owners.csv", d.OwnersCSV(s.Workflow.OwnerTableHeader(langOf(c))))
}

func (s *Server) wizardCatalogueCSV(c echo.Context) error {
	o, _, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	b, err := s.Workflow.CatalogueCSV(c.Request().Context(), o.ID, langOf(c))
	if err != nil {
		return err
	}
	return sendCSV(c, o.Slug+"-catalogue.csv", b)
}

func sendCSV(c echo.Context, name string, b []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b)
}

// wizardErrorKey is the message key of an edit's fault.
func wizardErrorKey(err error) string {
	switch {
	case errors.Is(err, workflow.ErrDraftName):
		return "wizard.error.name"
	case errors.Is(err, workflow.ErrDraftNameTaken):
		return "wizard.error.name_taken"
	case errors.Is(err, workflow.ErrDraftMergeSelf):
		return "wizard.error.merge_self"
	case errors.Is(err, workflow.ErrDraftPublished):
		return "wizard.error.published"
	case errors.Is(err, workflow.ErrDraftNoRegister):
		return "wizard.error.no_register"
	}
	return ""
}

func (s *Server) wizardAction(c echo.Context) error {
	o, u, err := s.wizardOrg(c)
	if err != nil {
		return err
	}
	d, err := s.wizardDraft(c, o)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := postForm(c)
	base := wizardBase(o) + "/" + strconv.FormatInt(d.ID, 10)
	num := func(name string) int {
		n, _ := strconv.Atoi(f.Get(name))
		return n
	}
	var problems []workflow.OwnerProblem
	var changed int
	var edit func(*workflow.ImportDraft) error
	// Where the page opens after the change: the register's card, or
	// the list of those left out when the card is gone.
	anchor := "#r-" + strconv.Itoa(num("id"))
	switch c.Param("action") {
	case "rename":
		edit = func(d *workflow.ImportDraft) error { return d.Rename(num("id"), f.Get("name")) }
	case "drop":
		edit = func(d *workflow.ImportDraft) error { return d.Drop(num("id"), true) }
		anchor = "#left-out"
	case "restore":
		edit = func(d *workflow.ImportDraft) error { return d.Drop(num("id"), false) }
	case "add":
		edit = func(d *workflow.ImportDraft) error {
			err := d.Add(f.Get("name"), o.PrimaryLang)
			if err == nil {
				anchor = "#r-" + strconv.Itoa(d.Registers[len(d.Registers)-1].ID)
			}
			return err
		}
	case "merge":
		edit = func(d *workflow.ImportDraft) error { return d.Merge(num("id"), num("into")) }
		anchor = "#r-" + strconv.Itoa(num("into"))
	case "split":
		edit = func(d *workflow.ImportDraft) error { return d.Split(num("id"), f.Get("name"), f.Get("name2")) }
	case "owners":
		table := f.Get("owners")
		if form, err := c.MultipartForm(); err == nil && len(form.File["owners_file"]) > 0 && form.File["owners_file"][0].Size > 0 {
			b, err := readUpload(form.File["owners_file"][0], wizardMaxPaste+1)
			if err != nil {
				return err
			}
			table = string(b)
		}
		if len(table) > wizardMaxPaste {
			return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Error: "wizard.error.paste_too_large"})
		}
		edit = func(d *workflow.ImportDraft) error {
			problems, changed = d.AssignOwners(table)
			return nil
		}
		if err := s.Workflow.EditImportDraft(ctx, o.ID, d.ID, edit); err != nil {
			if key := wizardErrorKey(err); key != "" {
				return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Error: key})
			}
			return err
		}
		if len(problems) > 0 {
			return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Problems: problems, Owners: table})
		}
		if changed == 0 {
			flash(c, "wizard.flash.owners_none")
			return c.Redirect(http.StatusSeeOther, base+"#owners")
		}
		flash(c, "wizard.flash.owners")
		return c.Redirect(http.StatusSeeOther, base+"#owners")
	case "discard":
		err := s.Workflow.DiscardImportDraft(ctx, o.ID, d.ID, u.Actor())
		if key := wizardErrorKey(err); key != "" {
			return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Error: key})
		}
		if err != nil {
			return err
		}
		flash(c, "wizard.flash.discarded")
		return c.Redirect(http.StatusSeeOther, wizardBase(o))
	case "publish":
		_, err := s.Workflow.PublishImportDraft(ctx, o, d.ID, u.Actor(), false)
		if key := wizardErrorKey(err); key != "" {
			return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Error: key})
		}
		if err != nil {
			return err
		}
		// What it did is kept on the draft, and its page shows it: a
		// reload of that page does not post again.
		return c.Redirect(http.StatusSeeOther, base+"#published")
	default:
		return errNotFound
	}
	if err := s.Workflow.EditImportDraft(ctx, o.ID, d.ID, edit); err != nil {
		if key := wizardErrorKey(err); key != "" {
			return s.renderWizardPreview(c, http.StatusUnprocessableEntity, o, wizardPreviewData{Error: key})
		}
		return err
	}
	flash(c, "wizard.flash.saved")
	return c.Redirect(http.StatusSeeOther, base+anchor)
}
