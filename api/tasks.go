package api

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The register owner's task page (issue 6): /{lang}/t/{token}. The token
// in the path opens the task; a browser cookie confirmed by an emailed
// code (workflow.VerifyTaskCode) is needed to see the request and answer.
// Access logs carry the route pattern only (D-18).

// ownerCookie holds a random browser id; only its hash reaches the
// database (task_browsers, bound to the owner's address by workflow).
const ownerCookie = "rd_owner"

func (s *Server) taskRoutes(g *echo.Group) {
	g.GET("/t/:token", s.taskPage, taskHeaders)
	g.POST("/t/:token/code", s.taskSendCode, taskHeaders)
	g.POST("/t/:token/verify", s.taskVerify, taskHeaders)
	g.POST("/t/:token/answer", s.taskAnswer, taskHeaders)
	g.POST("/t/:token/reassign", s.taskReassign, taskHeaders)
	g.GET("/t/:token/files/:id", s.taskFile, taskHeaders)
	g.POST("/t/:token/reveal", s.taskReveal, taskHeaders)                  // issue 16 item 11
	g.POST("/t/:token/withheld", s.taskWithheld, taskHeaders)              // issue 18, 15(4)
	g.POST("/t/:token/withheld/remove", s.taskWithheldRemove, taskHeaders) // issue 18, 15(4)
}

// taskHeaders: task pages show personal data behind a secret URL: no
// caches, no indexing.
func taskHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		return next(c)
	}
}

// ---- page data -----------------------------------------------------------

type taskFieldError struct {
	Field, Anchor, Key string
}

type taskOption struct {
	Value, Label, Hint string
	Selected           bool
}

// taskForm is what the owner sent, kept for a re-render.
type taskForm struct {
	Answer, Ground, GuardianGround string
	Guardian                       bool
	Comment, Changes, Extract      string
	RecipientsTold                 string // Art 19
	RecipientsNone                 bool
	FilesLost                      bool
	ReassignName, ReassignEmail    string
}

type taskFact struct {
	Label, Value, Lang, Hint string
}

type taskPageData struct {
	Base         string // /{lang}/t/{token}
	OrgName      string
	DPOEmail     string
	Receipt      string
	Register     string
	RegisterLang string // D-5: lang of the published name when not the page's
	Right        string
	RightHelp    string
	Basis        string
	BasisUnknown bool // D-11
	Due          string
	Overdue      bool
	Paused       bool
	OwnerMasked  string // where the code goes
	CodeMinutes  int

	Verified    bool
	CodePending bool
	Answerable  bool
	Answered    bool
	NotAllowed  bool // an answer came for a task that no longer takes one

	// The request (verified only).
	Requester   string
	HetuMask    string
	HetuFull    string // shown only after the reveal button (issue 16 item 11)
	SubjectFull string
	Revealable  bool
	OnBehalf    bool
	Relation    string
	Subject     string
	SubjectMask string
	Details     string
	DetailsLang string
	// AnswerLang: the answer's language when it is not the page's
	// (FI-3): the owner's extract and reasons go into it as written.
	AnswerLang     string
	Period         string
	Delivery       string
	Answers        []taskOption
	Grounds        []taskOption
	NoGrounds      bool // D-11: a refusal has no ground to cite yet
	Guardian       bool // ID-5: offer the guardian restriction
	GuardianGround []taskOption
	// Art19: the form asks who was told of the change (Art 19);
	// Recipients is the register's published list, a reminder.
	Art19      bool
	Recipients string
	Form       taskForm
	Errors     []taskFieldError

	// The answer given (read-only view).
	Given      []taskFact
	Extract    [][]string
	Files      []taskFile
	AnsweredAt string
	// Withheld: the marks on an extract answer (issue 18, 15(4)).
	Withheld *withheldView
}

type taskFile struct {
	Href, Name, Size string
}

// FieldErr is the message key of a field's error, or "".
func (d *taskPageData) FieldErr(field string) string {
	for _, e := range d.Errors {
		if e.Field == field {
			return e.Key
		}
	}
	return ""
}

type taskGoneData struct {
	Reason   string // unknown, expired, cancelled
	OrgName  string
	DPOEmail string
	DPOName  string
}

type taskReassignedData struct {
	OrgName, Register, RegisterLang, Name, Email, Receipt string
}

// ---- handlers ------------------------------------------------------------

// openTask resolves the token; when the link does not work it renders the
// "link no longer works" page and returns ok=false.
func (s *Server) openTask(c echo.Context) (workflow.TaskView, bool, error) {
	v, err := s.Workflow.OpenTaskLink(c.Request().Context(), c.Param("token"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return v, false, s.renderTaskGone(c, http.StatusNotFound, "unknown", nil)
	case errors.Is(err, workflow.ErrLinkExpired):
		return v, false, s.renderTaskGone(c, http.StatusGone, "expired", &v.Org)
	case err != nil:
		return v, false, err
	case v.Cancelled:
		return v, false, s.renderTaskGone(c, http.StatusGone, "cancelled", &v.Org)
	}
	setPageOrg(c, v.Org, false)
	return v, true, nil
}

func (s *Server) renderTaskGone(c echo.Context, status int, reason string, org *store.Org) error {
	lang := langOf(c)
	d := taskGoneData{Reason: reason}
	if org != nil {
		setPageOrg(c, *org, false)
		d.OrgName, d.DPOEmail, d.DPOName = org.Name(lang), org.DPOEmail, org.DPOName
	}
	return s.taskRender(c, status, "task_gone", lang, s.Catalog.T(lang, "task.gone.title"), d)
}

// taskRender renders a task page whose language links lead to the same
// task page (a re-rendered POST must not link to a GET-less path).
func (s *Server) taskRender(c echo.Context, status int, name, lang, title string, data any) error {
	p := s.page(c, lang, title, data)
	base := "/t/" + c.Param("token")
	for i := range p.LangLinks {
		p.LangLinks[i].Href = "/" + p.LangLinks[i].Lang + base
	}
	return c.Render(status, name, p)
}

// ownerBrowser returns the hash of this browser's id, issuing the cookie
// when there is none (or a malformed one).
func (s *Server) ownerBrowser(c echo.Context, issue bool) []byte {
	if ck, err := c.Cookie(ownerCookie); err == nil && len(ck.Value) == 43 {
		return secret.Hash(ck.Value)
	}
	if !issue {
		return nil
	}
	id := secret.Token()
	c.SetCookie(&http.Cookie{Name: ownerCookie, Value: id, Path: "/", MaxAge: int((180 * 24 * time.Hour).Seconds()),
		HttpOnly: true, Secure: s.Config.Secure(), SameSite: http.SameSiteLaxMode})
	return secret.Hash(id)
}

func (s *Server) taskPage(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	return s.showTask(c, v, http.StatusOK, taskForm{}, nil)
}

// showTask renders the verify page or, for a verified browser, the task
// with its form (or its answer, read-only).
func (s *Server) showTask(c echo.Context, v workflow.TaskView, status int, f taskForm, fe workflow.FieldErrors) error {
	return s.showTaskRevealed(c, v, status, f, fe, nil)
}

// showTaskRevealed is showTask with the full henkilötunnus when the owner
// asked for it. Showing the task's data to a verified browser is recorded
// in the case's access log (issue 16 item 11).
func (s *Server) showTaskRevealed(c echo.Context, v workflow.TaskView, status int, f taskForm, fe workflow.FieldErrors, rev *workflow.RevealedHetu) error {
	lang := langOf(c)
	ctx := c.Request().Context()
	verified, err := s.Workflow.TaskBrowserVerified(ctx, v, s.ownerBrowser(c, true))
	if err != nil {
		return err
	}
	d := s.taskData(c, lang, v, verified, f, fe)
	title := s.Catalog.T(lang, "task.title", v.Task.RegisterName)
	if !verified {
		return s.taskRender(c, status, "task_verify", lang, title, d)
	}
	if rev != nil {
		d.HetuFull, d.SubjectFull = rev.Hetu, rev.SubjectHetu
	}
	ws, _ := c.Get(ctxWithheldForm).(withheldState)
	if d.Withheld, err = s.taskWithheldView(ctx, c, lang, v, ws.errs, ws.vals); err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(ctx, v.Org.ID, v.Task.CaseID, workflow.OwnerActor(v.Task.ID), workflow.AccessTaskViewed, v.Task.ID); err != nil {
		return err
	}
	return s.taskRender(c, status, "task_show", lang, title, d)
}

// taskReveal shows the full henkilötunnus to a verified owner of an open
// or answered task after a deliberate click; the audit trail records it
// (issue 16 item 11). The page is rendered, not redirected to: the code
// never reaches a URL.
func (s *Server) taskReveal(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	ctx := c.Request().Context()
	verified, err := s.Workflow.TaskBrowserVerified(ctx, v, s.ownerBrowser(c, false))
	if err != nil {
		return err
	}
	if !verified {
		return errForbidden
	}
	rev, err := s.Workflow.RevealHetu(ctx, v.Org, v.Task.CaseID, v.Task.ID, workflow.OwnerActor(v.Task.ID))
	if err != nil {
		return err
	}
	return s.showTaskRevealed(c, v, http.StatusOK, taskForm{}, nil, &rev)
}

func (s *Server) taskSendCode(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	if ok, retry := s.limits.allowUntil("taskcode:"+c.RealIP(), 20, time.Hour); !ok {
		return rateLimited(retry)
	}
	err = s.Workflow.SendTaskCode(c.Request().Context(), v.Task.ID)
	if cl := (*workflow.CodesLimitedError)(nil); errors.As(err, &cl) {
		s.tooMany(c, cl.RetryAt)
		return s.showTask(c, v, http.StatusTooManyRequests, taskForm{}, workflow.FieldErrors{"code": "task.err.code_rate"})
	}
	if err != nil {
		return err
	}
	flash(c, "task.flash.code_sent")
	return c.Redirect(http.StatusSeeOther, taskBase(c))
}

func (s *Server) taskVerify(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	if ok, retry := s.limits.allowUntil("taskverify:"+c.RealIP(), 30, 10*time.Minute); !ok {
		return rateLimited(retry)
	}
	code := c.FormValue("code")
	err = s.Workflow.VerifyTaskCode(c.Request().Context(), v.Task.ID, code, s.ownerBrowser(c, true))
	key := ""
	switch {
	case err == nil:
		flash(c, "task.flash.verified")
		return c.Redirect(http.StatusSeeOther, taskBase(c))
	case errors.Is(err, workflow.ErrCodeWrong):
		key = "task.err.code"
	case errors.Is(err, workflow.ErrCodeLocked):
		key = "task.err.code_locked"
	case errors.Is(err, workflow.ErrCodeExpired):
		key = "task.err.code_expired"
	default:
		return err
	}
	if strings.TrimSpace(code) == "" {
		key = "task.err.code_empty"
	}
	// Reload: the failed try may have ended the pending code.
	if v, ok, err = s.openTask(c); !ok || err != nil {
		return err
	}
	return s.showTask(c, v, http.StatusUnprocessableEntity, taskForm{}, workflow.FieldErrors{"code": key})
}

func (s *Server) taskAnswer(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	f := taskForm{
		Answer: c.FormValue("answer"), Ground: c.FormValue("ground"), GuardianGround: c.FormValue("guardian_ground"),
		Guardian: c.FormValue("guardian") == "1", Comment: c.FormValue("comment"), Changes: c.FormValue("changes"),
		Extract: c.FormValue("extract"), RecipientsTold: c.FormValue("recipients_told"), RecipientsNone: c.FormValue("recipients_none") == "1"}
	a := workflow.TaskAnswer{Answer: f.Answer, Comment: f.Comment, Changes: f.Changes, ExtractText: f.Extract,
		GuardianRestricted: f.Guardian, RecipientsTold: f.RecipientsTold, RecipientsNone: f.RecipientsNone}
	switch {
	case f.Answer == string(workflow.AnswerRefused):
		a.Ground = f.Ground
	case f.Guardian:
		a.Ground = f.GuardianGround
	}
	files, err := taskUploads(c)
	if err != nil {
		return err
	}
	a.Attachments = files
	err = s.Workflow.OwnerAnswer(c.Request().Context(), v.Task.ID, s.ownerBrowser(c, false), a)
	var fe workflow.FieldErrors
	switch {
	case err == nil:
		flash(c, "task.flash.answered")
		return c.Redirect(http.StatusSeeOther, taskBase(c))
	case errors.As(err, &fe):
		f.FilesLost = len(files) > 0
		return s.showTask(c, v, http.StatusUnprocessableEntity, f, fe)
	case errors.Is(err, workflow.ErrBrowserUnverified):
		return s.showTask(c, v, http.StatusForbidden, taskForm{}, nil)
	case errors.Is(err, workflow.ErrNotAllowed):
		if v, ok, err = s.openTask(c); !ok || err != nil {
			return err
		}
		return s.showTask(c, v, http.StatusConflict, taskForm{}, workflow.FieldErrors{"_state": "task.err.not_allowed"})
	}
	return err
}

// taskUploads reads the files of the answer form. The global body limit
// (12M) bounds a submission; each file is read up to one byte past
// workflow.MaxAttachment so the workflow can name a file that is too large.
func taskUploads(c echo.Context) ([]workflow.Attachment, error) {
	form, err := c.MultipartForm()
	if errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, echo.NewHTTPError(http.StatusBadRequest)
	}
	var out []workflow.Attachment
	for _, fh := range form.File["files"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the empty file input of a form sent without files
		}
		data, err := taskReadUpload(fh)
		if err != nil {
			return nil, err
		}
		ct := fh.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			ct = mt
		} else {
			ct = ""
		}
		out = append(out, workflow.Attachment{Filename: fh.Filename, ContentType: ct, Data: data})
	}
	return out, nil
}

func taskReadUpload(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, workflow.MaxAttachment+1))
}

func (s *Server) taskReassign(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	f := taskForm{ReassignName: c.FormValue("name"), ReassignEmail: c.FormValue("email")}
	err = s.Workflow.OwnerReassign(c.Request().Context(), v.Task.ID, s.ownerBrowser(c, false), f.ReassignName, f.ReassignEmail)
	var fe workflow.FieldErrors
	switch {
	case err == nil:
		lang := langOf(c)
		return s.taskRender(c, http.StatusOK, "task_reassigned", lang, s.Catalog.T(lang, "task.reassigned.title"), taskReassignedData{
			OrgName: v.Org.Name(lang), Register: v.Task.RegisterName, RegisterLang: taskPubLang(v.Task.RegisterLang, lang),
			Name: strings.TrimSpace(f.ReassignName), Email: strings.TrimSpace(f.ReassignEmail), Receipt: v.Receipt})
	case errors.As(err, &fe):
		return s.showTask(c, v, http.StatusUnprocessableEntity, f, fe)
	case errors.Is(err, workflow.ErrBrowserUnverified):
		return s.showTask(c, v, http.StatusForbidden, taskForm{}, nil)
	case errors.Is(err, workflow.ErrNotAllowed):
		return s.showTask(c, v, http.StatusConflict, taskForm{}, workflow.FieldErrors{"_state": "task.err.not_allowed"})
	}
	return err
}

// taskFile serves one of the owner's own uploaded files, always as a
// download: an uploaded HTML file must never render on our origin.
func (s *Server) taskFile(c echo.Context) error {
	v, ok, err := s.openTask(c)
	if !ok || err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return errNotFound
	}
	ctx := c.Request().Context()
	verified, err := s.Workflow.TaskBrowserVerified(ctx, v, s.ownerBrowser(c, false))
	if err != nil {
		return err
	}
	if !verified {
		return errForbidden
	}
	a, err := store.New(s.Pool).TaskAttachment(ctx, v.Org.ID, v.Task.ID, id)
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(ctx, v.Org.ID, v.Task.CaseID, workflow.OwnerActor(v.Task.ID), workflow.AccessFileDownloaded, id); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	return c.Blob(http.StatusOK, taskDownloadType(a.ContentType), a.Data)
}

// taskDownloadType keeps common document types and sends anything else as
// bytes.
func taskDownloadType(ct string) string {
	switch ct {
	case "application/pdf", "text/plain", "text/csv", "text/tab-separated-values", "application/json",
		"image/png", "image/jpeg", "application/zip",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.text":
		if strings.HasPrefix(ct, "text/") {
			return ct + "; charset=utf-8"
		}
		return ct
	}
	return "application/octet-stream"
}

func taskBase(c echo.Context) string {
	return "/" + langOf(c) + "/t/" + c.Param("token")
}

// taskPubLang is the lang attribute of published text in lang l shown
// on a page in pageLang (D-5), "" when they are the same.
func taskPubLang(l, pageLang string) string {
	if !i18n.Valid(l) || l == pageLang {
		return ""
	}
	return l
}

// ---- building the page ---------------------------------------------------

// taskErrorOrder is the order of the error summary: the form's order.
var taskErrorOrder = []string{"_state", "code", "answer", "extract", "files", "changes", "recipients_told", "ground", "guardian",
	"guardian_ground", "comment", "name", "email"}

func (s *Server) taskData(c echo.Context, lang string, v workflow.TaskView, verified bool, f taskForm, fe workflow.FieldErrors) *taskPageData {
	t := v.Task
	T := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	d := &taskPageData{
		Base: taskBase(c), OrgName: v.Org.Name(lang), DPOEmail: v.Org.DPOEmail, Receipt: v.Receipt,
		Register: t.RegisterName, RegisterLang: taskPubLang(t.RegisterLang, lang),
		Right: T("right." + t.Right), RightHelp: T("task.right." + t.Right + ".help"),
		Basis: T("basis." + taskBasisKey(t.LegalBasis)), BasisUnknown: v.Rule.BasisNeeded,
		Due:         workflow.FormatDate(v.Due.OwnerTarget, lang),
		Overdue:     workflow.HelsinkiDate(s.Now()).After(v.Due.OwnerTarget) && t.State == "open",
		Paused:      v.CaseState == workflow.StatePaused,
		OwnerMasked: taskMaskEmail(t.OwnerEmail), CodeMinutes: int(workflow.TaskCodeTTL.Minutes()),
		Verified: verified, CodePending: v.CodePending, Answerable: v.Answerable, Answered: v.Answered(),
		Form: f,
	}
	for _, field := range taskErrorOrder {
		if key, ok := fe[field]; ok {
			d.Errors = append(d.Errors, taskFieldError{Field: field, Anchor: taskAnchor(field, t), Key: key})
		}
	}
	for field, key := range fe { // anything not in the order list still shows
		if !slices.Contains(taskErrorOrder, field) {
			d.Errors = append(d.Errors, taskFieldError{Field: field, Anchor: "answer-form", Key: key})
		}
	}
	d.NotAllowed = d.FieldErr("_state") != ""
	if !verified {
		return d
	}
	r := v.Requester
	d.Requester, d.HetuMask, d.OnBehalf = r.Name, r.HetuMask, r.OnBehalf
	d.Revealable = r.HetuMask != "" || r.SubjectHetuMask != ""
	if r.OnBehalf {
		d.Subject, d.SubjectMask = r.SubjectName, r.SubjectHetuMask
		if r.Relation != "" {
			d.Relation = T("relation." + r.Relation)
		}
	}
	d.Details, d.DetailsLang = v.Details, taskPubLang(v.CaseLang, lang)
	d.AnswerLang = d.DetailsLang
	switch from, to := v.PeriodFrom, v.PeriodTo; {
	case from.IsZero() && to.IsZero():
		d.Period = T("task.period.all")
	case to.IsZero():
		d.Period = T("task.period.from", workflow.FormatDate(from, lang))
	case from.IsZero():
		d.Period = T("task.period.to", workflow.FormatDate(to, lang))
	default:
		d.Period = workflow.FormatDate(from, lang) + " – " + workflow.FormatDate(to, lang)
	}
	d.Delivery = T("delivery." + v.Delivery)

	if d.Answered {
		s.answeredFacts(d, lang, v)
		return d
	}
	for _, a := range t.AllowedAnswers {
		d.Answers = append(d.Answers, taskOption{Value: a, Label: T("answer." + a), Hint: T("task.answer." + a + ".hint"),
			Selected: f.Answer == a})
	}
	for _, g := range v.Grounds {
		d.Grounds = append(d.Grounds, taskOption{Value: string(g), Label: T("ground." + string(g)), Selected: f.Ground == string(g)})
	}
	d.NoGrounds = len(d.Grounds) == 0
	d.Art19 = slices.ContainsFunc(t.AllowedAnswers, func(a string) bool { return workflow.Art19Answer(workflow.Answer(a)) })
	d.Recipients = v.Recipients
	d.Guardian = r.OnBehalf && slices.Contains(t.AllowedAnswers, string(workflow.AnswerExtract))
	for _, g := range workflow.GuardianGrounds {
		d.GuardianGround = append(d.GuardianGround, taskOption{Value: string(g), Label: T("ground." + string(g)),
			Selected: f.GuardianGround == string(g)})
	}
	return d
}

// answeredFacts fills the read-only view of a given answer.
func (s *Server) answeredFacts(d *taskPageData, lang string, v workflow.TaskView) {
	t := v.Task
	T := func(key string, args ...any) string { return s.Catalog.T(lang, key, args...) }
	d.Given = append(d.Given, taskFact{Label: T("task.given.answer"), Value: T("answer." + t.Answer)})
	if t.AnswerGround != "" {
		label := T("task.given.ground")
		if t.GuardianRestricted && workflow.Answer(t.Answer) != workflow.AnswerRefused {
			label = T("task.given.guardian")
		}
		d.Given = append(d.Given, taskFact{Label: label, Value: T("ground." + t.AnswerGround)})
	}
	if t.GuardianRestricted && workflow.Answer(t.Answer) == workflow.AnswerRefused {
		d.Given = append(d.Given, taskFact{Label: T("task.given.guardian"), Value: T("task.given.yes")})
	}
	if t.AnswerChanges != "" {
		d.Given = append(d.Given, taskFact{Label: T("task.given.changes"), Value: workflow.MaskHetuInText(t.AnswerChanges)})
	}
	if told := workflow.RecipientLines(t.RecipientsTold); len(told) > 0 { // Art 19
		d.Given = append(d.Given, taskFact{Label: T("task.art19.label"), Value: strings.Join(told, "\n")})
	} else if t.RecipientsNone {
		d.Given = append(d.Given, taskFact{Label: T("task.art19.label"), Value: T("task.art19.none_given")})
	}
	if t.AnswerComment != "" {
		d.Given = append(d.Given, taskFact{Label: T("task.given.comment"), Value: workflow.MaskHetuInText(t.AnswerComment)})
	}
	if t.AnsweredAt != nil {
		d.AnsweredAt = workflow.FormatDateTime(*t.AnsweredAt, lang)
	}
	if t.ExtractText != "" {
		for _, line := range strings.Split(workflow.MaskHetuInText(t.ExtractText), "\n") { // issue 16 item 3
			d.Extract = append(d.Extract, strings.Split(strings.TrimRight(line, "\r"), "\t"))
		}
	}
	for _, a := range v.Attachments {
		d.Files = append(d.Files, taskFile{Href: d.Base + "/files/" + strconv.FormatInt(a.ID, 10), Name: a.Filename,
			Size: taskSize(a.Size)})
	}
}

// taskAnchor is the id of the element a field's error links to.
func taskAnchor(field string, t store.Task) string {
	switch field {
	case "answer":
		if len(t.AllowedAnswers) > 0 {
			return "answer-" + t.AllowedAnswers[0]
		}
		return "answer-form"
	case "name", "email":
		return "reassign-" + field
	case "_state":
		return "answer-form"
	case "withheld", "withheld_ground", "withheld_reason":
		return "withheld-form" // issue 18: the marking form
	}
	return field
}

func taskBasisKey(b string) string {
	if b == "" {
		return "unknown"
	}
	return b
}

// taskMaskEmail shows where a code goes without spelling out the address:
// m•••@example.fi.
func taskMaskEmail(e string) string {
	at := strings.LastIndexByte(e, '@')
	if at <= 0 {
		return ""
	}
	first := []rune(e[:at])[0]
	return string(first) + "•••" + e[at:]
}

func taskSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " kB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
