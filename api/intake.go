package api

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The public request form (issue 5; legal.md IN-1..IN-3, ID-3, ID-5, FI-2,
// FI-3): the form at /{lang}/o/:org/request, the emailed code at /confirm
// and the receipt at /done/:receipt. Personal data travels only in POST
// bodies; URLs and cookies carry case ids and receipt numbers, signed.

// Cookies of the flow. Both are signed with s.Keys and bound to the
// organisation, so one cannot be forged or moved to another organisation.
const (
	pendingCookie = "rd_pending" // "<case id>.<mac>": the submission awaiting its code
	doneCookie    = "rd_done"    // "<receipt>.<mac>": the browser that confirmed may see the receipt
)

// intakeBodyLimit bounds a form post: the longest legal form (10 000
// characters of details, every register ticked) is far below it.
const intakeBodyLimit = "128K"

// Rate limits (D-19 says which address counts). A submission is counted
// only once it is valid, so correcting mistakes never locks anyone out.
const (
	// Issue 16, item 10: residents behind a shared address (a mobile
	// operator's CGNAT, a library's computers) must not block each other:
	// the per-email limit does the real work, the per-address one only
	// stops floods.
	submitPerIP       = 100
	submitIPWindow    = time.Hour
	submitPerEmail    = 5
	submitEmailWindow = 24 * time.Hour
	codePerIP         = 30 // code attempts and resends together
	codeIPWindow      = 15 * time.Minute
)

// pendingTTL matches the workflow's purge of unconfirmed submissions (D-8).
const pendingTTL = 24 * time.Hour

func (s *Server) intakeRoutes(g *echo.Group) {
	limit := middleware.BodyLimit(intakeBodyLimit)
	g.GET("/o/:org/request", s.intakeForm)
	g.POST("/o/:org/request", s.intakeSubmit, limit)
	g.GET("/o/:org/confirm", s.intakeConfirmPage)
	g.POST("/o/:org/confirm", s.intakeConfirm, limit)
	g.POST("/o/:org/confirm/resend", s.intakeResend, limit)
	g.GET("/o/:org/done/:receipt", s.intakeDone)
}

// intakeOrg is the organisation of the :org parameter (404 when unknown),
// read once a second, not once a request (rowcache.go, issue 21).
func (s *Server) intakeOrg(c echo.Context) (store.Org, error) {
	slug := c.Param("org")
	org, err := s.orgsBySlug.load(slug, func() (store.Org, error) {
		return store.New(s.Pool).OrgBySlug(c.Request().Context(), slug)
	})
	if err == nil {
		setPageOrg(c, org, true)
	}
	return org, err
}

// Errors for an organisation not yet open to residents (store.Org.Open):
// it is being set up. The form's POST says that nothing was stored (rule 5).
var (
	errOrgNotOpen     = echo.NewHTTPError(http.StatusNotFound, "error.org_not_open")
	errOrgNotOpenPost = echo.NewHTTPError(http.StatusNotFound, "error.org_not_open_post")
)

// openOrg is intakeOrg for the pages a resident starts from (the
// catalogue and the form): a 404 saying so while the organisation is not
// open. Pages of requests already made (code, status, answers) stay
// reachable through intakeOrg whatever happens to the organisation.
func (s *Server) openOrg(c echo.Context) (store.Org, error) {
	org, err := s.intakeOrg(c)
	if err == nil && !org.Open {
		if c.Request().Method == http.MethodPost {
			return org, errOrgNotOpenPost
		}
		return org, errOrgNotOpen
	}
	return org, err
}

func intakeBase(lang string, org store.Org) string { return "/" + lang + "/o/" + org.Slug }

// ---- the form --------------------------------------------------------------

// intakeValues is everything the person typed or chose, kept verbatim so a
// form sent back with errors loses nothing.
type intakeValues struct {
	Rights          []string
	Scope           string // all | chosen
	Registers       map[int64]bool
	BadRegister     bool // a register value that is not a number
	Query           string
	QueryApplied    string
	Details         string
	Period          string // all | range
	PeriodFrom      string
	PeriodTo        string
	Delivery        string // electronic | paper | on_site
	Behalf          string // self | other (ID-5)
	Relation        string
	SubjectName     string
	SubjectHetu     string
	Name            string
	Email           string
	Phone           string
	Address         string
	Hetu            string
	ReplyLang       string
	DocumentRequest bool
}

// intakeError is one fault: the field, the element its summary link
// focuses, and the message in the page's language.
type intakeError struct {
	Field, Target, Msg string
}

type intakeFormData struct {
	Org        store.Org
	OrgName    string
	Action     string
	V          intakeValues
	Errors     []intakeError
	Rights     []string
	Deliveries []string
	Relations  []string
	ReplyLangs []replyLang
	Groups     []intakeGroup
	Total      int  // registers in the catalogue
	Matches    int  // registers matching the search
	Searched   bool // the list is filtered by V.QueryApplied
	// ListOpen: the register list is shown expanded (it is long, and
	// "all registers" is the default, IN-1).
	ListOpen bool
	// SearchInstead: "send" was pressed with a new search typed, so the
	// list was filtered and nothing was sent.
	SearchInstead bool
	FirstRegister string // element id of the first register box (error links)
	Today         string
	Due           string // IN-3: the legal due date if sent now
	DocDue        string // FI-2: the document-request decision date if sent now
	CodeMinutes   int
	NotStored     bool   // rate-limited: told plainly that nothing was stored
	RetryAt       string // and when to try again (issue 16, item 10)
	DPOEmail      string
}

// Err returns the message for a field, or "".
func (d intakeFormData) Err(field string) string {
	for _, e := range d.Errors {
		if e.Field == field {
			return e.Msg
		}
	}
	return ""
}

type replyLang struct{ Code, Label string }

// replyLangLabels are written in their own language (marked with lang, D-5).
var replyLangLabels = map[string]string{"fi": "suomeksi", "sv": "på svenska", "en": "in English"}

// intakeGroup is one sector (or unit) of the register list.
type intakeGroup = group[intakeRegister]

type intakeRegister struct {
	ID        int64
	Name      string
	Purpose   string
	Lang      string
	Elsewhere bool
	Checked   bool
}

// intakeFields lists the form's fields in page order, with the element an
// error summary link focuses. Workflow field names (workflow.FieldErrors)
// plus the form's own scope and period.
var intakeFields = []struct{ Field, Target string }{
	{"rights", "right-access"},
	{"details", "details"},
	{"scope", "scope-all"},
	{"registers", ""}, // the first register box, else scope-chosen
	{"period_from", "period_from"},
	{"period_to", "period_to"},
	{"delivery", "delivery-electronic"},
	{"relation", "relation-guardian"},
	{"subject_name", "subject_name"},
	{"subject_hetu", "subject_hetu"},
	{"name", "name"},
	{"email", "email"},
	{"phone", "phone"},
	{"address", "address"},
	{"hetu", "hetu"},
	{"lang", "reply_lang-fi"},
}

func defaultValues(lang string) intakeValues {
	return intakeValues{Scope: "all", Period: "all", Delivery: "electronic", Behalf: "self",
		ReplyLang: lang, Registers: map[int64]bool{}}
}

// intakeForm shows the empty form; ?register=ID (from a register page)
// preselects that register, ?q= filters the list.
func (s *Server) intakeForm(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.openOrg(c)
	if err != nil {
		return err
	}
	v := defaultValues(lang)
	if id, err := strconv.ParseInt(c.QueryParam("register"), 10, 64); err == nil && id > 0 {
		if _, err := store.New(s.Pool).Register(ctx, org.ID, id); err == nil {
			v.Scope, v.Registers[id] = "chosen", true
		}
	}
	v.Query = clip(strings.TrimSpace(c.QueryParam("q")), 200)
	v.QueryApplied = v.Query
	return s.renderIntakeForm(c, http.StatusOK, org, v, nil, func(d *intakeFormData) {})
}

// intakeSubmit stores a request, or shows the form again with every value
// kept: for a register search, for errors (422) and for the rate limit
// (429, saying that nothing was stored).
func (s *Server) intakeSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.openOrg(c)
	if err != nil {
		return err
	}
	v := readIntakeForm(c, lang)
	op := postForm(c).Get("op")
	// Enter in the search box submits the form with its default button
	// ("send"): a new search term means the person was searching.
	if op == "search" || v.Query != v.QueryApplied {
		v.QueryApplied = v.Query
		return s.renderIntakeForm(c, http.StatusOK, org, v, nil, func(d *intakeFormData) {
			d.SearchInstead = op != "search"
		})
	}

	req, fe := v.request()
	if _, err := s.Workflow.ValidateRequest(ctx, org.ID, req, true); err != nil {
		var wfe workflow.FieldErrors
		if !errors.As(err, &wfe) {
			return err
		}
		for f, k := range wfe {
			fe.Add(f, k)
		}
	}
	if len(fe) > 0 {
		return s.renderIntakeForm(c, http.StatusUnprocessableEntity, org, v, fe, func(d *intakeFormData) {})
	}
	if ok, retry := s.allowSubmission(c, req.Email); !ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retry.Sub(s.Now()).Seconds())))))
		return s.renderIntakeForm(c, http.StatusTooManyRequests, org, v, nil, func(d *intakeFormData) {
			d.NotStored, d.RetryAt = true, caseTime(ceilMinute(retry), lang)
		})
	}
	sub, err := s.Workflow.SubmitWeb(ctx, org, req)
	var wfe workflow.FieldErrors
	if errors.As(err, &wfe) { // the catalogue changed in between
		return s.renderIntakeForm(c, http.StatusUnprocessableEntity, org, v, wfe, func(d *intakeFormData) {})
	}
	if err != nil {
		return err
	}
	// Signed for twice the submission's life, so a late code still gets
	// the "gone" page rather than "nothing pending".
	s.setSignedFor(c, pendingCookie, strconv.FormatInt(sub.CaseID, 10), org, int(pendingTTL.Seconds()), 2*pendingTTL)
	return c.Redirect(http.StatusSeeOther, intakeBase(lang, org)+"/confirm")
}

// allowSubmission applies the per-address and per-email limits, and says
// when a refused submission may be tried again. The email is counted by
// its keyed hash: the limiter never holds an address.
func (s *Server) allowSubmission(c echo.Context, email string) (bool, time.Time) {
	h := s.Keys.BlindIndex("intake-email\x00" + strings.ToLower(strings.TrimSpace(email)))
	return s.limits.allowAllUntil(
		limit{"intake:ip:" + c.RealIP(), submitPerIP, submitIPWindow},
		limit{"intake:email:" + hex.EncodeToString(h), submitPerEmail, submitEmailWindow})
}

// readIntakeForm reads the posted form (parsed and checked at the edge).
func readIntakeForm(c echo.Context, lang string) intakeValues {
	f := postForm(c)
	get := func(k string) string { return f.Get(k) }
	v := intakeValues{
		Rights:       f["rights"],
		Scope:        oneOf(get("scope"), "all", "all", "chosen"),
		Registers:    map[int64]bool{},
		Query:        clip(strings.TrimSpace(get("q")), 200),
		QueryApplied: clip(strings.TrimSpace(get("q_applied")), 200),
		Details:      get("details"),
		Period:       oneOf(get("period"), "all", "all", "range"),
		PeriodFrom:   strings.TrimSpace(get("period_from")),
		PeriodTo:     strings.TrimSpace(get("period_to")),
		Delivery:     get("delivery"),
		Behalf:       oneOf(get("behalf"), "self", "self", "other"),
		Relation:     get("relation"),
		SubjectName:  get("subject_name"),
		SubjectHetu:  get("subject_hetu"),
		Name:         get("name"),
		Email:        get("email"),
		Phone:        get("phone"),
		Address:      get("address"),
		Hetu:         get("hetu"),
		ReplyLang:    get("reply_lang"),
		// FI-2
		DocumentRequest: get("document_request") != "",
	}
	if v.Delivery == "" {
		v.Delivery = "electronic"
	}
	if v.ReplyLang == "" {
		v.ReplyLang = lang
	}
	for _, x := range f["register"] {
		id, err := strconv.ParseInt(x, 10, 64)
		if err != nil || id <= 0 {
			v.BadRegister = true
			continue
		}
		v.Registers[id] = true
	}
	return v
}

// request turns the form into the workflow's Request, with the faults only
// the form can have (a contradictory register choice, a period without
// dates).
func (v intakeValues) request() (workflow.Request, workflow.FieldErrors) {
	fe := workflow.FieldErrors{}
	r := workflow.Request{
		Rights: v.Rights, AllRegisters: v.Scope == "all", Details: v.Details, Delivery: v.Delivery,
		Name: v.Name, Email: v.Email, Phone: v.Phone, Address: v.Address, Hetu: v.Hetu,
		OnBehalf: v.Behalf == "other", Relation: v.Relation, SubjectName: v.SubjectName, SubjectHetu: v.SubjectHetu,
		Lang: v.ReplyLang, DocumentRequest: v.DocumentRequest,
	}
	if r.Rights == nil {
		r.Rights = []string{}
	}
	if v.Scope == "chosen" {
		for id := range v.Registers {
			r.RegisterIDs = append(r.RegisterIDs, id)
		}
		slices.Sort(r.RegisterIDs)
		if v.BadRegister {
			fe.Add("registers", "intake.err.registers")
		}
	} else if len(v.Registers) > 0 {
		// "All registers" is the default and the form cannot switch it
		// without JavaScript when a box is ticked: ask rather than guess.
		fe.Add("scope", "intake.err.scope_conflict")
	}
	if v.Period == "range" {
		r.PeriodFrom, r.PeriodTo = normDate(v.PeriodFrom), normDate(v.PeriodTo)
		if r.PeriodFrom == "" && r.PeriodTo == "" {
			fe.Add("period_from", "intake.err.period_missing")
		}
	}
	return r, fe
}

var fiDate = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)

// normDate accepts the ISO form a date input sends and the Finnish
// d.m.yyyy a person types where the browser has no date picker.
func normDate(s string) string {
	if m := fiDate.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return m[3] + "-" + twoDigits(mo) + "-" + twoDigits(d)
	}
	return s
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func oneOf(v, def string, allowed ...string) string {
	if slices.Contains(allowed, v) {
		return v
	}
	return def
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n])
	}
	return s
}

// renderIntakeForm builds the form page: the register list (filtered by
// the applied search, chosen registers always shown), the IN-3 dates for a
// request sent now, and the errors in page order.
func (s *Server) renderIntakeForm(c echo.Context, status int, org store.Org, v intakeValues, fe workflow.FieldErrors, adjust func(*intakeFormData)) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	now := s.Now()
	dl := workflow.CalendarFor(org).Compute(now)
	d := intakeFormData{
		Org: org, OrgName: org.Name(lang), Action: intakeBase(lang, org) + "/request", V: v,
		Deliveries:  []string{"electronic", "paper", "on_site"},
		Relations:   []string{"guardian", "court_guardian", "power_of_attorney", "other"},
		Today:       workflow.FormatDate(dl.ReceivedDate, lang),
		Due:         workflow.FormatDate(dl.LegalDue, lang),
		DocDue:      workflow.FormatDate(dl.DocumentRequestDue, lang),
		CodeMinutes: int(s.Workflow.CodeTTL.Minutes()),
		DPOEmail:    org.DPOEmail,
	}
	for _, r := range workflow.Rights {
		d.Rights = append(d.Rights, string(r))
	}
	for _, l := range i18n.Langs {
		d.ReplyLangs = append(d.ReplyLangs, replyLang{Code: l, Label: replyLangLabels[l]})
	}
	if err := s.intakeRegisterList(ctx, &d, lang); err != nil {
		return err
	}
	for _, f := range intakeFields {
		key, ok := fe[f.Field]
		if !ok {
			continue
		}
		target := f.Target
		if f.Field == "registers" {
			target = d.FirstRegister
		}
		d.Errors = append(d.Errors, intakeError{Field: f.Field, Target: target, Msg: s.Catalog.T(lang, key)})
	}
	adjust(&d)
	d.ListOpen = v.Scope == "chosen" || len(v.Registers) > 0 || d.Searched || d.Err("registers") != "" || d.Err("scope") != ""
	return s.renderForm(c, status, "intake_form", lang, "intake.form.title", len(d.Errors) > 0, d)
}

func (s *Server) intakeRegisterList(ctx context.Context, d *intakeFormData, lang string) error {
	q := store.New(s.Pool)
	all, err := q.Registers(ctx, d.Org.ID, store.RegisterFilter{})
	if err != nil {
		return err
	}
	d.Total = len(all)
	shown := all
	if d.V.QueryApplied != "" {
		d.Searched = true
		if shown, err = q.Registers(ctx, d.Org.ID, store.RegisterFilter{Query: d.V.QueryApplied, Lang: lang}); err != nil {
			return err
		}
		d.Matches = len(shown)
	}
	listed := map[int64]bool{}
	for _, r := range shown {
		listed[r.ID] = true
	}
	// Chosen registers the search hides (or that left the catalogue's
	// source) stay visible and ticked, first: nothing chosen is lost.
	var kept []intakeRegister
	for id := range d.V.Registers {
		if listed[id] {
			continue
		}
		r, err := q.Register(ctx, d.Org.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue // not this organisation's: the workflow reports it
		}
		if err != nil {
			return err
		}
		kept = append(kept, intakeItem(r, lang, true))
	}
	slices.SortFunc(kept, func(a, b intakeRegister) int { return strings.Compare(a.Name, b.Name) })
	if len(kept) > 0 {
		d.Groups = append(d.Groups, intakeGroup{Title: s.Catalog.T(lang, "intake.registers.chosen_hidden"), Items: kept})
	}
	d.Groups = append(d.Groups, groupBySector(shown, lang, s.Catalog.T(lang, "intake.registers.other"), func(r store.Register) intakeRegister {
		return intakeItem(r, lang, d.V.Registers[r.ID])
	})...)
	d.FirstRegister = "scope-chosen"
	if len(d.Groups) > 0 {
		d.FirstRegister = "register-" + strconv.FormatInt(d.Groups[0].Items[0].ID, 10)
	}
	return nil
}

func intakeItem(r store.Register, lang string, checked bool) intakeRegister {
	purpose := r.Purpose
	if utf8.RuneCountInString(purpose) > 160 {
		purpose = strings.TrimSpace(string([]rune(purpose)[:160])) + "…"
	}
	return intakeRegister{ID: r.ID, Name: r.Name, Purpose: purpose, Lang: publishedLang(r.Language, lang),
		Elsewhere: r.ControllerElsewhere, Checked: checked}
}

// ---- signed cookies ----------------------------------------------------------

// setSigned stores value with a MAC bound to the cookie's name and the
// organisation.
//
// The expiry is inside what is signed (issue 16, item 5): a copied cookie
// stops working when it ends, whatever the browser does with MaxAge. A
// session cookie (maxAge 0) is good for signedSessionTTL.
func (s *Server) setSigned(c echo.Context, name, value string, org store.Org, maxAge int) {
	ttl := time.Duration(maxAge) * time.Second
	if maxAge <= 0 {
		ttl = signedSessionTTL
	}
	s.setSignedFor(c, name, value, org, maxAge, ttl)
}

// setSignedFor is setSigned with the signed lifetime given apart from the
// browser's MaxAge.
func (s *Server) setSignedFor(c echo.Context, name, value string, org store.Org, maxAge int, ttl time.Duration) {
	exp := strconv.FormatInt(s.Now().Add(ttl).Unix(), 10)
	mac := s.Keys.Sign(name, strconv.FormatInt(org.ID, 10), value, exp)
	c.SetCookie(&http.Cookie{Name: name, Value: value + "." + exp + "." + mac, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

// signedSessionTTL bounds a signed cookie set without MaxAge.
const signedSessionTTL = 24 * time.Hour

// signed returns the cookie's value when its MAC is good for org.
func (s *Server) signed(c echo.Context, name string, org store.Org) (string, bool) {
	ck, err := c.Cookie(name)
	if err != nil {
		return "", false
	}
	i := strings.LastIndexByte(ck.Value, '.')
	if i <= 0 {
		return "", false
	}
	rest, mac := ck.Value[:i], ck.Value[i+1:]
	j := strings.LastIndexByte(rest, '.')
	if j <= 0 {
		return "", false
	}
	value, exp := rest[:j], rest[j+1:]
	if !s.Keys.Verify(mac, name, strconv.FormatInt(org.ID, 10), value, exp) {
		return "", false
	}
	until, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !s.Now().Before(time.Unix(until, 0)) {
		return "", false // expired: the time is signed, so it cannot be moved
	}
	return value, true
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
}

// pendingCase is the case id of the browser's unconfirmed submission.
func (s *Server) pendingCase(c echo.Context, org store.Org) (int64, bool) {
	v, ok := s.signed(c, pendingCookie, org)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

// ---- the code --------------------------------------------------------------------

type intakeConfirmData struct {
	OrgName     string
	Action      string
	ResendURL   string
	FormURL     string
	MaskedEmail string
	Received    string
	Minutes     int
	Error       string
	Resent      bool
	// Locked or expired: only a new code helps, so the new-code button
	// leads.
	NeedNewCode bool
}

type intakeNoticeData struct {
	Heading string
	Text    string
	FormURL string
	OrgName string
}

// intakeConfirmPage asks for the emailed code.
func (s *Server) intakeConfirmPage(c echo.Context) error {
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	id, ok := s.pendingCase(c, org)
	if !ok {
		return s.intakeNotice(c, http.StatusOK, org, "intake.nopending.title", "intake.nopending.text")
	}
	return s.confirmOr(c, org, id, http.StatusOK, func(d *intakeConfirmData) {})
}

// confirmOr renders the code page for a pending case, or where the case
// has gone instead: the receipt when already confirmed, the notice when
// purged or too old (D-8).
func (s *Server) confirmOr(c echo.Context, org store.Org, id int64, status int, adjust func(*intakeConfirmData)) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	cs, err := store.New(s.Pool).CaseByID(ctx, org.ID, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && cs.ConfirmedAt == nil && s.Now().Sub(cs.ReceivedAt) > pendingTTL) {
		return s.submissionGone(c, org)
	}
	if err != nil {
		return err
	}
	if cs.ConfirmedAt != nil {
		return s.toDone(c, org, cs.Receipt)
	}
	req, err := store.New(s.Pool).RequesterOf(ctx, org.ID, id)
	if err != nil {
		return err
	}
	base := intakeBase(lang, org)
	d := intakeConfirmData{
		OrgName: org.Name(lang), Action: base + "/confirm", ResendURL: base + "/confirm/resend", FormURL: base + "/request",
		MaskedEmail: maskEmail(req.Email), Received: s.formatTime(cs.ReceivedAt, lang),
		Minutes: int(s.Workflow.CodeTTL.Minutes()),
	}
	adjust(&d)
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, status, "intake_confirm", lang, s.Catalog.T(lang, "intake.confirm.title"), d)
}

// intakeConfirm checks the code (workflow.ConfirmCode) and explains each
// outcome.
func (s *Server) intakeConfirm(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	id, ok := s.pendingCase(c, org)
	if !ok {
		return s.intakeNotice(c, http.StatusOK, org, "intake.nopending.title", "intake.nopending.text")
	}
	t := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	if ok, retry := s.limits.allowUntil("code:ip:"+c.RealIP(), codePerIP, codeIPWindow); !ok {
		s.tooMany(c, retry)
		return s.confirmOr(c, org, id, http.StatusTooManyRequests, func(d *intakeConfirmData) { d.Error = t("intake.err.code_ratelimit") })
	}
	code, ok := typedCode(c)
	if !ok {
		// Not a code at all: not counted as a try.
		return s.confirmOr(c, org, id, http.StatusUnprocessableEntity, func(d *intakeConfirmData) { d.Error = t("intake.err.code_format") })
	}
	res, err := s.Workflow.ConfirmCode(c.Request().Context(), org, id, code)
	switch {
	case err == nil, errors.Is(err, workflow.ErrAlreadyDone):
		return s.toDone(c, org, res.Receipt)
	case errors.Is(err, workflow.ErrCodeWrong):
		return s.confirmOr(c, org, id, http.StatusUnprocessableEntity, func(d *intakeConfirmData) {
			d.Error = t("intake.err.code_wrong", res.Remaining)
		})
	case errors.Is(err, workflow.ErrCodeLocked):
		return s.confirmOr(c, org, id, http.StatusUnprocessableEntity, func(d *intakeConfirmData) {
			d.Error, d.NeedNewCode = t("intake.err.code_locked"), true
		})
	case errors.Is(err, workflow.ErrCodeExpired):
		return s.confirmOr(c, org, id, http.StatusUnprocessableEntity, func(d *intakeConfirmData) {
			d.Error, d.NeedNewCode = t("intake.err.code_expired"), true
		})
	case errors.Is(err, workflow.ErrSubmissionGone):
		return s.submissionGone(c, org)
	}
	return err
}

// intakeResend emails a new code (workflow.ResendCode).
func (s *Server) intakeResend(c echo.Context) error {
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	id, ok := s.pendingCase(c, org)
	if !ok {
		return s.intakeNotice(c, http.StatusOK, org, "intake.nopending.title", "intake.nopending.text")
	}
	t := func(key string) string { return s.Catalog.T(lang, key) }
	if ok, retry := s.limits.allowUntil("code:ip:"+c.RealIP(), codePerIP, codeIPWindow); !ok {
		s.tooMany(c, retry)
		return s.confirmOr(c, org, id, http.StatusTooManyRequests, func(d *intakeConfirmData) { d.Error = t("intake.err.code_ratelimit") })
	}
	err = s.Workflow.ResendCode(c.Request().Context(), org, id)
	switch {
	case err == nil:
		// Post/redirect/get: a reload does not send yet another code.
		flash(c, "intake.confirm.resent")
		return c.Redirect(http.StatusSeeOther, intakeBase(lang, org)+"/confirm")
	case errors.Is(err, workflow.ErrTooManyCodes):
		// Not a 429: no wait lifts this limit (the message says what to
		// do instead), so there is no Retry-After to give.
		return s.confirmOr(c, org, id, http.StatusConflict, func(d *intakeConfirmData) { d.Error = t("intake.err.too_many_codes") })
	case errors.Is(err, workflow.ErrAlreadyDone):
		return s.confirmOr(c, org, id, http.StatusOK, func(d *intakeConfirmData) {})
	case errors.Is(err, workflow.ErrSubmissionGone):
		return s.submissionGone(c, org)
	}
	return err
}

// toDone remembers that this browser confirmed the receipt and shows it.
func (s *Server) toDone(c echo.Context, org store.Org, receipt string) error {
	s.clearCookie(c, pendingCookie)
	s.setSigned(c, doneCookie, receipt, org, 0)
	return c.Redirect(http.StatusSeeOther, intakeBase(langOf(c), org)+"/done/"+receipt)
}

// submissionGone: unconfirmed for 24 hours, the submission was deleted
// (D-8); the person starts again.
func (s *Server) submissionGone(c echo.Context, org store.Org) error {
	s.clearCookie(c, pendingCookie)
	return s.intakeNotice(c, http.StatusGone, org, "intake.gone.title", "intake.gone.text")
}

func (s *Server) intakeNotice(c echo.Context, status int, org store.Org, heading, text string) error {
	lang := langOf(c)
	d := intakeNoticeData{Heading: s.Catalog.T(lang, heading), Text: s.Catalog.T(lang, text),
		FormURL: intakeBase(lang, org) + "/request", OrgName: org.Name(lang)}
	return s.render(c, status, "intake_notice", lang, d.Heading, d)
}

// maskEmail shows enough of the address to notice a typo: m***@example.fi.
func maskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at < 1 {
		return ""
	}
	first, _ := utf8.DecodeRuneInString(e)
	return string(first) + "***" + e[at:]
}

// formatTime writes an instant in Helsinki time the way readers of lang
// expect: 3.3.2026 klo 10.00, 3.3.2026 kl. 10.00, 3 March 2026, 10:00.
func (s *Server) formatTime(t time.Time, lang string) string {
	// Issue 20: one function per language writes an instant (terms.md).
	return workflow.FormatDateTime(t, lang)
}

// ---- the receipt ------------------------------------------------------------------

type intakeDoneData struct {
	OrgName      string
	Receipt      string
	Received     string
	Due          string
	DocDue       string
	Rights       []string
	AllRegisters bool
	Registers    []publishedText // D-5: each with its lang attribute
	Delivery     string
	DPOEmail     string
	HomeURL      string
	// DocumentsOnly: a request for documents alone (FI-2) is told its
	// decision date and what happens to it, no GDPR date or step.
	DocumentsOnly bool
}

// intakeDone shows the receipt (IN-3) to the browser that confirmed it;
// anyone else gets a 404, as if there were no such receipt.
func (s *Server) intakeDone(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	org, err := s.intakeOrg(c)
	if err != nil {
		return err
	}
	receipt := c.Param("receipt")
	if v, ok := s.signed(c, doneCookie, org); !ok || v != receipt {
		return errNotFound
	}
	q := store.New(s.Pool)
	cs, err := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
	if err != nil {
		return err
	}
	due := workflow.DueOf(cs, workflow.CalendarFor(org), s.Now())
	d := intakeDoneData{
		OrgName: org.Name(lang), Receipt: cs.Receipt, Received: s.formatTime(cs.ReceivedAt, lang),
		Due: workflow.FormatDate(due.LegalDue, lang), DocDue: workflow.FormatDate(due.DocDue, lang),
		Rights: cs.Rights, AllRegisters: cs.AllRegisters, Delivery: cs.Delivery, DPOEmail: org.DPOEmail,
		HomeURL: intakeBase(lang, org) + "/", DocumentsOnly: workflow.DocumentsOnly(cs),
	}
	if !cs.AllRegisters {
		ids, err := q.CaseRegisterIDs(ctx, cs.ID)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			regs, err := q.RoutingRegisters(ctx, org.ID, ids)
			if err != nil {
				return err
			}
			for _, r := range regs {
				d.Registers = append(d.Registers, published(r.Name, r.Language, lang))
			}
		}
	}
	// A duplicate link (cs.DuplicateOf) is for staff only: the submitter is
	// told nothing about another request (issue 16, item 2).
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, "intake_done", lang, s.Catalog.T(lang, "intake.done.title"), d)
}
