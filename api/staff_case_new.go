package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Entering a request that arrived by letter, phone or at the counter
// (issue 12), with its real receipt time (DL-4): a datetime-local input
// read in Europe/Helsinki.

type newCaseData struct {
	Orgs      []caseOption // organisations the user may enter requests for
	ChooseOrg bool         // several: choose one first
	Org       store.Org
	OrgName   string
	Form      *caseForm
	Summary   []caseError
	Rights    []caseOption
	Langs     []caseOption
	Delivery  []caseOption
	Channels  []caseOption
	Methods   []caseOption
	Relations []caseOption
	Registers []caseRegisterGroup
}

// newCaseFields is the form's field order, for the error summary.
var newCaseFields = []string{"org", "channel", "received_at", "method", "rights", "registers", "details", "period_from", "period_to",
	"delivery", "name", "email", "phone", "address", "hetu", "relation", "subject_name", "subject_hetu", "lang"}

// caseDatetimeLocal is the value format of <input type="datetime-local">.
const caseDatetimeLocal = "2006-01-02T15:04"

// entryOrgs are the organisations the user may enter requests for (dpo,
// admin), by name.
func (s *Server) caseEntryOrgs(c echo.Context) ([]store.Org, error) {
	orgs, err := s.caseMemberOrgs(c)
	if err != nil {
		return nil, err
	}
	u := staffUser(c)
	var out []store.Org
	for _, o := range orgs {
		if u.CanAct(o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

// entryOrg picks the organisation by slug among the user's: another
// organisation's slug is a 404, one where the user only views is a 403.
func (s *Server) caseEntryOrg(c echo.Context, slug string) (store.Org, []store.Org, error) {
	orgs, err := s.caseMemberOrgs(c)
	if err != nil {
		return store.Org{}, nil, err
	}
	acting, err := s.caseEntryOrgs(c)
	if err != nil {
		return store.Org{}, nil, err
	}
	if slug == "" {
		if len(acting) == 1 {
			return acting[0], acting, nil
		}
		if len(acting) == 0 {
			return store.Org{}, nil, errForbidden
		}
		return store.Org{}, acting, nil // choose first
	}
	i := slices.IndexFunc(orgs, func(o store.Org) bool { return o.Slug == slug })
	if i < 0 {
		return store.Org{}, nil, errNotFound
	}
	if !staffUser(c).CanAct(orgs[i].ID) {
		return store.Org{}, nil, errForbidden
	}
	return orgs[i], acting, nil
}

func (s *Server) staffNewCaseForm(c echo.Context) error {
	org, acting, err := s.caseEntryOrg(c, c.QueryParam("org"))
	if err != nil {
		return err
	}
	now := s.Now().In(workflow.Helsinki())
	f := &caseForm{ID: "new", values: url.Values{
		"received_at": {now.Format(caseDatetimeLocal)}, "scope": {"all"}, "delivery": {"electronic"},
		"lang": {orDefault(org.PrimaryLang, "fi")}, "channel": {"paper"},
	}}
	return s.renderNewCase(c, http.StatusOK, org, acting, f)
}

func (s *Server) renderNewCase(c echo.Context, status int, org store.Org, acting []store.Org, f *caseForm) error {
	lang := langOf(c)
	d := newCaseData{Form: f, ChooseOrg: org.ID == 0, Org: org, OrgName: org.Name(lang)}
	for _, o := range acting {
		d.Orgs = append(d.Orgs, caseOption{Value: o.Slug, Label: o.Name(lang), Selected: o.ID == org.ID})
	}
	title := s.Catalog.T(lang, "staffcase.new.title")
	if d.ChooseOrg {
		return s.render(c, status, "staff_newcase", lang, title, d)
	}
	d.Rights, d.Langs, d.Delivery = s.caseRequestOptions(lang)
	for _, ch := range []string{"paper", "phone", "counter"} {
		d.Channels = append(d.Channels, caseOption{Value: ch, Label: s.caseLabel(lang, "channel.", ch)})
	}
	for _, m := range workflow.IdentityMethods {
		d.Methods = append(d.Methods, caseOption{Value: m, Label: s.caseLabel(lang, "method.", m)})
	}
	for _, r := range []string{"guardian", "court_guardian", "power_of_attorney", "other"} {
		d.Relations = append(d.Relations, caseOption{Value: r, Label: s.caseLabel(lang, "relation.", r)})
	}
	groups, err := s.caseRegisterChoices(c, org, lang)
	if err != nil {
		return err
	}
	d.Registers = groups
	keys := make([]string, 0, len(f.errs))
	for k := range f.errs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := slices.Index(newCaseFields, keys[i]), slices.Index(newCaseFields, keys[j])
		if a < 0 {
			a = len(newCaseFields)
		}
		if b < 0 {
			b = len(newCaseFields)
		}
		return a < b || (a == b && keys[i] < keys[j])
	})
	for _, k := range keys {
		href := "#new-" + k
		if !slices.Contains(newCaseFields, k) {
			href = "#form-new"
		}
		d.Summary = append(d.Summary, caseError{Href: href, Message: s.Catalog.T(lang, f.errs[k])})
	}
	return s.render(c, status, "staff_newcase", lang, title, d)
}

func (s *Server) staffNewCase(c echo.Context) error {
	values, err := caseFormValues(c)
	if err != nil {
		return err
	}
	org, acting, err := s.caseEntryOrg(c, values.Get("org"))
	if err != nil {
		return err
	}
	if org.ID == 0 {
		return errNotFound
	}
	f := &caseForm{ID: "new", values: values}
	p := workflow.PaperRequest{Request: caseRequestOf(values), Channel: values.Get("channel"),
		IdentityMethod: strings.TrimSpace(values.Get("method"))}
	// DL-4: the stamped date and time, in Helsinki whatever the server's zone.
	raw := strings.TrimSpace(values.Get("received_at"))
	for _, layout := range []string{caseDatetimeLocal, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, raw, workflow.Helsinki()); err == nil {
			p.ReceivedAt = t
			break
		}
	}
	u := staffUser(c)
	sub, err := s.Workflow.EnterRequest(c.Request().Context(), org, u.Actor(), p)
	var fe workflow.FieldErrors
	if errors.As(err, &fe) && sub.CaseID == 0 {
		f.errs = fe
		return s.renderNewCase(c, http.StatusUnprocessableEntity, org, acting, f)
	}
	if err != nil && sub.Receipt == "" {
		return err
	}
	if err != nil {
		// Stored, but identity could not be recorded at once: the case
		// page offers it again.
		s.Logger.Warn("entered request: identity not recorded", "case", sub.CaseID, "err", workflow.MaskHetuInText(err.Error()))
	}
	flash(c, "staffcase.flash.entered")
	return c.Redirect(http.StatusSeeOther, caseURL(sub.Receipt))
}
