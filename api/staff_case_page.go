package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The case page (issue 12): everything about one case, its tasks, the
// timeline from the audit chain, and exactly the actions its state allows.

// caseForm is one action form of the case page: the values typed into it
// and, after a refused submission, its errors. Templates read it through
// V, Checked and E.
type caseForm struct {
	ID      string // element id prefix, e.g. "pause", "task-12-answer"
	values  url.Values
	errs    workflow.FieldErrors
	Message string // a form-level message, already translated
	// texts: a field error's message already translated, where it
	// needs more than its key (FI-2: the documents' total and the limit).
	texts map[string]string
}

// Text is a field error's message when the form carries it translated
// (texts), else "": the page then translates E's key.
func (f *caseForm) Text(name string) string { return f.texts[name] }

// V is the value of a field.
func (f *caseForm) V(name string) string { return f.values.Get(name) }

// Checked reports whether a checkbox, radio or caseOption has value.
func (f *caseForm) Checked(name, value string) bool {
	return slices.Contains(f.values[name], value)
}

// E is the message key of a field's error, or "".
func (f *caseForm) E(name string) string { return f.errs[name] }

// Failed reports whether this form was refused.
func (f *caseForm) Failed() bool { return len(f.errs) > 0 || f.Message != "" }

// caseError is one entry of the page's error summary.
type caseError struct {
	Href, Message string
}

// caseFact is one detail of a timeline entry: a sentence (Label empty) or
// a recorded text under its label.
type caseFact struct {
	Label, Value string
}

type caseAccess struct {
	At, Who, What string
}

type caseDeadline struct {
	Label, Value, Note string
	Strong, Warn       bool
}

type caseRequester struct {
	Name, Email, Phone, Address     string
	HetuMask                        string
	HetuTemporary                   bool
	OnBehalf                        bool
	Relation, SubjectName, SubjHetu string
	HetuFull, SubjHetuFull          string // after the reveal button (issue 16 item 11)
	// ID-5: the represented person's temporary henkilötunnus (ID-3), and
	// the DPO's decision on the representative's authority.
	SubjHetuTemporary                      bool
	Authority, AuthorityLabel, AuthorityAt string
}

type caseTask struct {
	ID                        int64
	Anchor                    string
	Register, RegisterLang    string
	Right, RightValue         string
	Basis                     string
	Owner, OwnerEmail         string
	Queue                     bool // no owner email: the DPO's queue (D-11)
	State, StateValue         string
	Answer, Ground            string
	Comment, Changes, Extract string
	GuardianRestricted        bool
	// RecipientsTold and RecipientsNone: the answer's Art 19 statement
	// (who was told of the change, or nobody to tell).
	RecipientsTold               []string
	RecipientsNone               bool
	ShowArt19                    bool       // the answer form asks for the Art 19 recipients
	Files                        int        // how many files came with the answer
	FileList                     []caseFile // the files, each a download link
	GuardianOffered              bool       // the form offers a guardian's restriction (ID-5)
	AnsweredAt, AnsweredBy       string
	CanReassign, CanAnswer       bool
	ReassignURL, AnswerURL       string
	Answers, Grounds             []caseOption
	BasisNeeded                  bool
	ShowChanges, ShowExtract     bool
	ReassignForm, AnswerForm     *caseForm
	ReassignFormID, AnswerFormID string
	// Withheld: the marks on an extract answer (issue 18, 15(4)).
	Withheld *withheldView
	// LetterTexts: the owner's texts the letter prints, each as the letter
	// prints it and with the owner's original when the DPO edited it
	// (letter_edit.go); the form while the answer has not gone out.
	LetterTexts []caseLetterText
	// The owner's originals of Comment, Changes and RecipientsTold, which
	// show the letter's texts: set only where the DPO's version differs.
	CommentOriginal, ChangesOriginal string
	ToldOriginal                     []string
	CommentEdited, ChangesEdited     bool
	ToldEdited                       bool
	LetterEditedBy, LetterEdited     string // who edited them last, when
	letterEditedBy                   string // the actor, for its label
	LetterLang                       string // the letter's language
	CanEditLetter                    bool
	LetterURL, LetterFormID          string
	LetterForm                       *caseForm
}

// caseDocuments lists the documents given with the case's decision on
// its document request (FI-2) and says where they went: behind the
// decision's secure link (until the newest link ends), enclosed with the
// decision letter in the print queue, or to be viewed at the office.
func (s *Server) caseDocuments(ctx context.Context, d *caseData, cs store.Case, org store.Org, lang string) error {
	docs, err := s.Workflow.DocumentsOfCase(ctx, org, cs.ID)
	if err != nil || len(docs) == 0 {
		return err
	}
	for _, f := range docs {
		d.DocFiles = append(d.DocFiles, caseFile{Name: f.Filename, Size: caseFileSize(f.Size, lang), URL: caseDocumentURL(cs.Receipt, f.ID)})
	}
	ds, err := store.New(s.Pool).AnswerDeliveriesOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return err
	}
	var until *time.Time
	for _, x := range ds {
		if x.Kind == string(pdf.KindDocDecision) {
			until = &x.ExpiresAt
		}
	}
	switch {
	case cs.Delivery == workflow.MethodOnSite:
		d.DocFilesNote = s.Catalog.T(lang, "staffcase.doc.on_site")
	case until != nil:
		d.DocFilesNote = s.Catalog.T(lang, "staffcase.doc.sent_link", workflow.FormatDate(workflow.HelsinkiDate(until.Add(-1)), lang))
	default:
		d.DocFilesNote = s.Catalog.T(lang, "staffcase.doc.enclosed")
	}
	return nil
}

// caseFile is a file uploaded with a task's answer. Its name is shown on
// the page only; the download URL carries ids (names may be personal data).
type caseFile struct {
	Name, Size, URL string
}

type caseTimelineItem struct {
	Seq     int
	At      string
	Actor   string
	Action  string
	Details []caseFact
}

type caseMail struct {
	Kind, To, State, StateValue, At, Sent, Error string
}

type caseData struct {
	Case       store.Case
	Receipt    string
	OrgName    string
	CanAct     bool
	Viewer     bool
	State      string
	StateValue string
	Band       string
	BandLabel  string
	SafePassed bool
	Rights     []string
	Document   bool
	// DocumentsOnly: a request for documents alone (FI-2): no GDPR
	// dates or steps; its decision answers it.
	DocumentsOnly bool
	// DocDeliver: documents were given (in whole or in part) and none
	// were attached to the decision: the DPO delivers them outside the
	// product (FI-2). DocFiles: the documents given with the decision,
	// each a download link; DocFilesNote says where they went.
	DocDeliver   bool
	DocFiles     []caseFile
	DocFilesNote string
	Channel      string
	Delivery     string
	Lang         string
	DetailsLang  string // lang attribute of the requester's own text
	// DetailsMasked is the request's text with any henkilötunnus in it
	// masked (ID-4): the full one is shown only by the logged reveal,
	// or in the original message of an emailed request.
	DetailsMasked string
	Received      string
	Confirmed     string
	Period        string
	AllRegisters  bool
	Registers     []caseOption
	Requester     caseRequester
	Deadlines     []caseDeadline
	Identity      string
	IdentityAt    string
	Refusal       string
	RefusalText   string
	Extension     string
	PauseReason   string
	DuplicateOf   string
	DuplicateURL  string
	Repeats       int
	// D-23: the earliest running deadline and its clock; FI-2's decision.
	Urgent, UrgentClock, UrgentLabel string
	DocDecision, DocDecidedAt        string
	DocExtension                     string
	DocBlock                         string   // why the one-month clock can no longer be chosen
	ConsentNot                       []string // RB-1: chosen registers a withdrawal of consent does not reach
	DocDecisions, AuthorityOptions   []caseOption
	AddRegisters                     []caseOption // registers the case has no task in
	NoTasks                          bool         // a case with rights that reached no register
	Tasks                            []caseTask
	Timeline                         []caseTimelineItem
	Access                           []caseAccess // the access log, for the DPO (issue 16 item 11)
	ShowAccess                       bool
	Chain                            caseChain
	Mails                            []caseMail
	EmailURL                         string     // the original message of an emailed request
	EmailFiles                       []caseFile // the files that came with it
	// The requester's answers given on the status page while the case
	// was paused (issue 20, DL-8); ReplyPending flags one given in this
	// pause.
	Replies      []caseReply
	ReplyPending bool

	// Actions the state allows, in workflow.StaffActions order.
	Actions      []string
	ExtendLast   string // the last day an extension may be decided (DL-11)
	ExtendBlock  string // why an extension is no longer possible, translated
	Methods      []caseOption
	Grounds      []caseOption
	RightOptions []caseOption
	Langs        []caseOption
	Deliveries   []caseOption
	RegisterList []caseRegisterGroup

	Notice  string // a page-level message (409), translated
	Summary []caseError
	forms   map[string]*caseForm

	// AccessLetterURL: the access answer can be rendered (issue 18);
	// Portability: it answers data portability alone (Art 20), and the
	// page names it so.
	AccessLetterURL string
	Portability     bool
	// AccessExportURL: its machine-readable export (ZIP, Art 20).
	AccessExportURL string
	// AccessHTMLURL: the letter as an accessible HTML page.
	AccessHTMLURL string
	// SendAnswerURL: the DPO may send the answer as a link (issue 18);
	// SendAnswerNoEmail: it could be, but the requester has no address.
	SendAnswerURL     string
	SendAnswerDays    int
	SendAnswerNoEmail bool
	// SendAnswerGaps: the access answer's registers whose Art 15 items
	// the catalogue lacks, so the letter says "not stated" for them.
	SendAnswerGaps []answerGap
	AnswersSent    []caseDelivery // each letter sent as a link: which, when, until, downloads
	// SendAnswerPaper: the answer goes to the print queue (IN-1): the
	// hint's key; Queued: the case's letters there (issue 18).
	SendAnswerPaper string
	Queued          []string
	Letters         []caseLetter // the other letters (issue 18)

	// RD-2, D-7: the registers of the request whose controller is now
	// elsewhere, which the DPO may forward the request for, and how the
	// requester's consent may have been given.
	Forward        []caseForward
	ForwardURL     string
	ConsentMethods []caseOption
	// Render: the latest approval's rendering (issue 18), translated;
	// RenderState its state (pending, done, failed).
	Render, RenderState string
	// MarkNeedsLetter: "mark answered" waits for a rendered letter.
	MarkNeedsLetter bool

	// Issue 21: who the case is assigned to, and the assign form.
	Assign caseAssign
}

// caseForward is one register the request can be forwarded for.
type caseForward struct {
	Value, Name, Lang, Controller, Contact string
}

type caseRegisterGroup struct {
	Title string
	Lang  string
	Items []caseOption
}

// Form is the named action form (empty unless it was just refused).
func (d *caseData) Form(id string) *caseForm {
	if f, ok := d.forms[id]; ok {
		return f
	}
	f := &caseForm{ID: id, values: url.Values{}}
	d.forms[id] = f
	return f
}

// Has reports whether the case page offers the action.
func (d *caseData) Has(action string) bool { return slices.Contains(d.Actions, action) }

// ActionURL is where an action's form posts.
func (d *caseData) ActionURL(action string) string {
	return caseURL(d.Receipt) + "/actions/" + action
}

// caseFormFields lists each form's fields in page order, for the error
// summary's links (a field the form does not show links to the form).
var caseFormFields = map[string][]string{
	"triage":          {"rights", "registers", "name", "email", "hetu", "lang", "delivery", "details"},
	"verify_identity": {"method", "note"},
	"pause":           {"reason"},
	"extend":          {"reason"},
	"refuse":          {"ground", "reason"},
	"withdraw":        {"note"},
	"mark_answered":   {"note"},
	"note":            {"note"},
	"reassign":        {"name", "email"},
	"answer":          {"answer", "ground", "guardian_restricted", "comment", "changes", "recipients_told", "extract", "files"},
	"letter":          {"comment", "changes", "recipients_told"},
	"doc_decide":      {"decision", "note"},
	"doc_extend":      {"reason"},
	"authority":       {"authority", "note"},
	"add_register":    {"register"},
	"forward":         {"register", "to", "consent", "consent_method"},
	"assign":          {"assignee"},
}

func caseFormKind(id string) string {
	if strings.HasPrefix(id, "task-") {
		return id[strings.LastIndexByte(id, '-')+1:]
	}
	return id
}

func (s *Server) staffCasePage(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	// Issue 16 item 11: every view of a case page is in its access log.
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, staffUser(c).Actor(), workflow.AccessCaseViewed, 0); err != nil {
		return err
	}
	return s.renderCase(c, http.StatusOK, cs, org, nil, "")
}

// staffCaseReveal shows the full henkilötunnus to the DPO (a staff user
// who can act on the case) after a deliberate click, recorded in the audit
// trail (issue 16 item 11). Rendered, never redirected: the code stays out
// of URLs.
func (s *Server) staffCaseReveal(c echo.Context) error {
	cs, org, err := s.staffCase(c)
	if err != nil {
		return err
	}
	u := staffUser(c)
	if !u.CanAct(org.ID) {
		return errForbidden
	}
	rev, err := s.Workflow.RevealHetu(c.Request().Context(), org, cs.ID, 0, u.Actor())
	if err != nil {
		return err
	}
	if err := s.Workflow.LogAccess(c.Request().Context(), org.ID, cs.ID, u.Actor(), workflow.AccessCaseViewed, 0); err != nil {
		return err
	}
	d, err := s.buildCaseData(c, cs, org)
	if err != nil {
		return err
	}
	d.Requester.HetuFull, d.Requester.SubjHetuFull = rev.Hetu, rev.SubjectHetu
	return s.render(c, http.StatusOK, "staff_case", langOf(c), cs.Receipt, d)
}

// renderCase renders the case page; failed is the form just refused (its
// values and errors shown beside it), notice a page-level message.
func (s *Server) renderCase(c echo.Context, status int, cs store.Case, org store.Org, failed *caseForm, notice string) error {
	d, err := s.buildCaseData(c, cs, org)
	if err != nil {
		return err
	}
	lang := langOf(c)
	d.Notice = notice
	if failed != nil {
		d.forms[failed.ID] = failed
		for i := range d.Tasks {
			t := &d.Tasks[i]
			switch failed.ID {
			case t.ReassignFormID:
				t.ReassignForm = failed
			case t.AnswerFormID:
				t.AnswerForm = failed
			case t.LetterFormID:
				t.LetterForm = failed
			}
		}
		if failed.Message != "" {
			d.Summary = append(d.Summary, caseError{Href: "#form-" + failed.ID, Message: failed.Message})
		}
		known := caseFormFields[caseFormKind(failed.ID)]
		keys := make([]string, 0, len(failed.errs))
		for k := range failed.errs {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			a, b := slices.Index(known, keys[i]), slices.Index(known, keys[j])
			if a < 0 {
				a = len(known)
			}
			if b < 0 {
				b = len(known)
			}
			if a != b {
				return a < b
			}
			return keys[i] < keys[j]
		})
		for _, k := range keys {
			href := "#" + failed.ID + "-" + k
			if !slices.Contains(known, k) {
				href = "#form-" + failed.ID
			}
			msg := failed.Text(k)
			if msg == "" {
				msg = s.Catalog.T(lang, failed.errs[k])
			}
			d.Summary = append(d.Summary, caseError{Href: href, Message: msg})
		}
	}
	return s.render(c, status, "staff_case", lang, cs.Receipt, d)
}

// caseGDPRDeadlines lists a GDPR request's dates (DL-7): every stored
// field; the paused due date beside the unpaused one, never instead of
// it (DL-8).
func (s *Server) caseGDPRDeadlines(d *caseData, cs store.Case, due workflow.Due, now time.Time, lang string) {
	fd := func(x workflow.Date) string { return workflow.FormatDate(x, lang) }
	d.Deadlines = append(d.Deadlines,
		caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.raw_end"), Value: fd(due.RawEnd), Note: s.Catalog.T(lang, "staffcase.due.raw_end.note")})
	legal := caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.legal_due"), Value: fd(due.LegalDue), Strong: cs.ExtendedDue == nil}
	if pd := due.PausedDue; !pd.IsZero() {
		legal.Note = s.Catalog.N(lang, "staffcase.due.paused_beside", workflow.PausedDaysAt(cs, now), fd(pd), workflow.PausedDaysAt(cs, now))
	}
	d.Deadlines = append(d.Deadlines, legal,
		caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.safe_target"), Value: fd(due.SafeTarget),
			Note: s.Catalog.T(lang, "staffcase.due.safe_target.note"), Warn: d.SafePassed && cs.ExtendedDue == nil})
	if cs.ExtendedDue != nil {
		ext := caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.extended_due"), Value: fd(due.ExtendedDue), Strong: true}
		if !due.PausedExtendedDue.IsZero() {
			ext.Note = s.Catalog.T(lang, "staffcase.due.paused_extended", fd(due.PausedExtendedDue))
		}
		d.Deadlines = append(d.Deadlines, ext)
	}
	// D-23: the owners' target as moved, only when something moved it (a
	// pause, the extension, an earlier document date); otherwise it is
	// the owners' target date above and "as moved" read as a pause that
	// never was (walkthrough).
	if due.OwnerTarget != due.SafeTarget {
		d.Deadlines = append(d.Deadlines, caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.owner_target"), Value: fd(due.OwnerTarget),
			Note: s.Catalog.T(lang, "staffcase.due.owner_target.note")})
	}
}

func (s *Server) buildCaseData(c echo.Context, cs store.Case, org store.Org) (*caseData, error) {
	ctx := c.Request().Context()
	lang := langOf(c)
	u := staffUser(c)
	q := store.New(s.Pool)
	now := s.Now()
	today := workflow.HelsinkiDate(now)
	cal := workflow.CalendarFor(org)
	due := workflow.DueOf(cs, cal, now)
	state := workflow.State(cs.State)

	d := &caseData{
		Case: cs, Receipt: cs.Receipt, OrgName: org.Name(lang), CanAct: u.CanAct(org.ID), Viewer: !u.CanAct(org.ID),
		State: s.caseLabel(lang, "state.", cs.State), StateValue: cs.State, Document: cs.DocumentRequest, DocumentsOnly: workflow.DocumentsOnly(cs),
		Channel: s.caseLabel(lang, "channel.", cs.Channel), Delivery: s.caseLabel(lang, "delivery.", cs.Delivery),
		Lang: s.Catalog.T(lang, "staffcase.lang."+cs.Lang), DetailsLang: publishedLang(cs.Lang, lang),
		DetailsMasked: workflow.MaskHetuInText(cs.Details),
		Received:      caseTime(cs.ReceivedAt, lang), AllRegisters: cs.AllRegisters,
		Identity: s.caseLabel(lang, "method.", cs.IdentityMethod), PauseReason: cs.PauseReason,
		forms: map[string]*caseForm{},
	}
	if cs.ConfirmedAt != nil {
		d.Confirmed = caseTime(*cs.ConfirmedAt, lang)
	}
	if cs.IdentityVerifiedAt != nil {
		d.IdentityAt = caseTime(*cs.IdentityVerifiedAt, lang)
	}
	for _, r := range cs.Rights {
		d.Rights = append(d.Rights, s.caseLabel(lang, "right.", r))
	}
	if cs.PeriodFrom != nil || cs.PeriodTo != nil {
		d.Period = workflow.FormatDate(caseDayPtr(cs.PeriodFrom), lang) + " – " + workflow.FormatDate(caseDayPtr(cs.PeriodTo), lang)
	}
	if cs.RefusalGround != "" {
		d.Refusal, d.RefusalText = s.caseLabel(lang, "ground.", cs.RefusalGround), cs.RefusalReason
	}
	if cs.ExtendedDue != nil {
		d.Extension = cs.ExtensionReason
	}
	// D-23: the case's urgency is its earliest running deadline, named by
	// its clock (the GDPR one, its extension, or FI-2's).
	if !due.Urgent.IsZero() {
		d.Urgent, d.UrgentClock = workflow.FormatDate(due.Urgent, lang), string(due.UrgentClock)
		d.UrgentLabel = s.caseLabel(lang, "clock.", string(due.UrgentClock))
	}
	if state.Open() {
		band := workflow.BandOf(due.Effective, today)
		if !due.Urgent.IsZero() {
			band = workflow.BandOf(due.Urgent, today)
		}
		d.Band, d.BandLabel = string(band), s.caseLabel(lang, "band.", string(band))
		d.SafePassed = band != workflow.BandOverdue && caseSafePassed(cs, today)
	}

	// Deadlines (DL-7). A request for documents alone has only its FI-2
	// dates: the GDPR's are no deadline of it.
	fd := func(x workflow.Date) string { return workflow.FormatDate(x, lang) }
	if !workflow.DocumentsOnly(cs) {
		s.caseGDPRDeadlines(d, cs, due, now, lang)
	}
	if cs.DocumentRequest { // FI-2: its own clock
		two := caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.doc_due"), Value: fd(due.DocDue),
			Strong: due.DocRuns && cs.DocExtendedAt == nil}
		month := caseDeadline{Label: s.Catalog.T(lang, "staffcase.due.doc_extended"), Value: fd(due.DocExtended),
			Strong: due.DocRuns && cs.DocExtendedAt != nil}
		if cs.DocExtendedAt != nil {
			month.Note = s.Catalog.T(lang, "staffcase.doc.extended_on", caseTime(*cs.DocExtendedAt, lang))
			d.DocExtension = cs.DocExtensionReason
		}
		d.Deadlines = append(d.Deadlines, two, month)
		if cs.DocDecidedAt != nil {
			d.DocDecision = s.caseLabel(lang, "staffcase.doc.decision.", cs.DocDecision)
			d.DocDecidedAt = caseTime(*cs.DocDecidedAt, lang)
			if err := s.caseDocuments(ctx, d, cs, org, lang); err != nil {
				return nil, err
			}
			d.DocDeliver = cs.DocDecision != "refused" && len(d.DocFiles) == 0
		}
	}

	// The requester, and whom the request is about (ID-5). The
	// henkilötunnus only ever as its mask (ID-4).
	req, err := q.RequesterOf(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	d.Requester = caseRequester{Name: req.Name, Email: req.Email, Phone: req.Phone, Address: req.Address,
		HetuMask: req.HetuMask, HetuTemporary: req.HetuTemporary, OnBehalf: req.OnBehalf,
		Relation: s.caseLabel(lang, "relation.", req.Relation), SubjectName: req.SubjectName, SubjHetu: req.SubjectHetuMask,
		SubjHetuTemporary: cs.SubjectHetuTemporary}
	if req.OnBehalf { // ID-5: the DPO's decision on the representative's authority
		d.Requester.Authority = cs.Authority
		if cs.Authority != "" {
			d.Requester.AuthorityLabel = s.caseLabel(lang, "staffcase.authority.", cs.Authority)
		}
		if cs.AuthorityAt != nil {
			d.Requester.AuthorityAt = caseTime(*cs.AuthorityAt, lang)
		}
	}

	if !cs.AllRegisters {
		ids, err := q.CaseRegisterIDs(ctx, cs.ID)
		if err != nil {
			return nil, err
		}
		if len(ids) > 0 {
			regs, err := q.RoutingRegisters(ctx, org.ID, ids)
			if err != nil {
				return nil, err
			}
			for _, r := range regs {
				d.Registers = append(d.Registers, caseOption{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
			}
		}
	}
	if cs.DuplicateOf != nil {
		if dup, err := q.CaseByID(ctx, org.ID, *cs.DuplicateOf); err == nil {
			d.DuplicateOf, d.DuplicateURL = dup.Receipt, caseURL(dup.Receipt)
		}
	}
	// RB-1: a withdrawal of consent aimed at registers whose basis is
	// not consent: the DPO sees which (the requester is told too).
	notConsent, err := workflow.ConsentNotApplicable(ctx, q, cs)
	if err != nil {
		return nil, err
	}
	for _, r := range notConsent {
		d.ConsentNot = append(d.ConsentNot, r.Name)
	}
	// IN-2: other requests about the same person in the year before.
	if d.Repeats, err = q.RepeatCount(ctx, org.ID, cs.ID, cs.ReceivedAt.AddDate(-1, 0, 0), cs.ReceivedAt); err != nil {
		return nil, err
	}

	tasks, err := q.TasksOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	attachments, err := q.CaseAttachments(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	files := map[int64][]caseFile{}
	for _, a := range attachments {
		files[a.TaskID] = append(files[a.TaskID], caseFile{Name: a.Filename, Size: caseFileSize(a.Size, lang),
			URL: caseTaskFileURL(cs.Receipt, a.TaskID, a.ID)})
	}
	taskNames := map[int64]string{}
	taskOwners := map[int64]string{} // who acts as "owner:<task>": the task's owner, not its register
	for _, t := range tasks {
		taskNames[t.ID] = t.RegisterName
		taskOwners[t.ID] = s.caseOwnerLabel(lang, t)
		d.Tasks = append(d.Tasks, s.caseTaskView(lang, cs, t, files[t.ID], req.OnBehalf, d.CanAct))
	}
	wv, err := s.caseWithheldViews(ctx, c, lang, cs, org, tasks, attachments, req.OnBehalf, d.CanAct, d.forms)
	if err != nil {
		return nil, err
	}
	for i := range d.Tasks {
		d.Tasks[i].Withheld = wv[d.Tasks[i].ID]
	}
	// The DPO's edit of the owner's texts a letter prints, until the
	// answer goes out (letter_edit.go).
	letterOpen := d.CanAct && workflow.LetterTextsEditable(cs)
	if letterOpen {
		outgoing, err := s.Workflow.AnswerOutgoing(ctx, org, cs)
		if err != nil {
			return nil, err
		}
		letterOpen = !outgoing
	}
	for i, t := range tasks {
		s.caseLetterTexts(lang, cs, t, &d.Tasks[i], letterOpen)
		if t.LetterEditedAt != nil {
			d.Tasks[i].LetterEdited, d.Tasks[i].letterEditedBy = caseTime(*t.LetterEditedAt, lang), t.LetterEditedBy
		}
	}
	if workflow.AccessLetterReady(tasks) {
		d.AccessLetterURL = caseAccessLetterURL(cs.Receipt)
		d.Portability = workflow.PortabilityOnly(tasks)
		d.AccessExportURL = caseAccessExportURL(cs.Receipt)
		d.AccessHTMLURL = caseAccessHTMLURL(cs.Receipt)
	}
	render, rendered, err := s.Workflow.AnswerRenderOf(ctx, org, cs.ID)
	if err != nil {
		return nil, err
	}
	if rendered {
		d.RenderState = render.State
		switch render.State {
		case workflow.RenderPending:
			d.Render = s.Catalog.T(lang, "answer.render.pending", caseTime(render.CreatedAt, lang))
			if render.Attempts > 0 {
				d.Render += " " + s.Catalog.N(lang, "answer.render.retrying", render.Attempts, render.Attempts)
			}
		case workflow.RenderFailed:
			d.Render = s.Catalog.T(lang, "answer.render.failed", caseTime(render.UpdatedAt, lang)) + " " +
				s.Catalog.T(lang, "answer.render.failure."+render.Failure)
		}
	}
	if workflow.AnswerReady(tasks) && d.CanAct && workflow.Allowed(workflow.State(cs.State), workflow.ActMarkAnswered) &&
		d.RenderState != workflow.RenderPending {
		d.SendAnswerURL, d.SendAnswerDays = caseSendAnswerURL(cs.Receipt), int(workflow.AnswerLinkTTL.Hours()/24)
		d.SendAnswerNoEmail = strings.TrimSpace(req.Email) == ""
		if d.SendAnswerGaps, err = s.answerGaps(ctx, q, org.ID, tasks, lang); err != nil {
			return nil, err
		}
	}
	if err := s.casePrintQueue(ctx, d, cs, org, tasks, lang); err != nil { // issue 18, IN-1
		return nil, err
	}
	_, asked, err := workflow.AwaitingReply(ctx, q, cs)
	if err != nil {
		return nil, err
	}
	sent, err := q.AnswerDeliveriesOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	queued, err := q.QueuedLettersOfCase(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	d.Letters = s.caseOtherLetters(lang, cs, tasks, d.CanAct, asked, queued, sent)
	d.AnswersSent = s.caseDeliveries(lang, cs.Receipt, tasks, sent, s.Workflow.Now(), d.CanAct)

	answeredBy := make([]string, len(tasks))
	for i, t := range tasks {
		answeredBy[i] = t.AnsweredBy
	}
	for _, t := range tasks {
		if t.LetterEditedBy != "" {
			answeredBy = append(answeredBy, t.LetterEditedBy) // who edited the letter texts, named like who answered
		}
	}
	// Issue 16 item 11: the DPO reads who read the case's data.
	var access []store.AccessEntry
	more := answeredBy
	if d.CanAct {
		if access, err = s.Workflow.AccessLog(ctx, org, cs.ID); err != nil {
			return nil, err
		}
		more = slices.Clone(answeredBy)
		for _, a := range access {
			more = append(more, a.Actor)
		}
	}
	names, err := s.caseTimeline(c, d, cs, taskNames, taskOwners, more)
	if err != nil {
		return nil, err
	}
	d.ShowAccess = d.CanAct
	for _, a := range access {
		what := s.Catalog.T(lang, "staffcase.access."+a.What)
		if a.What == workflow.AccessTaskViewed && taskNames[a.Ref] != "" {
			what += ": " + taskNames[a.Ref]
		}
		d.Access = append(d.Access, caseAccess{At: caseTime(a.At, lang), Who: s.caseActorLabel(lang, a.Actor, names, taskOwners), What: what})
	}
	for i := range d.Tasks {
		if by := answeredBy[i]; by != "" {
			d.Tasks[i].AnsweredBy = s.caseActorLabel(lang, by, names, taskOwners)
		}
		if by := d.Tasks[i].letterEditedBy; by != "" {
			d.Tasks[i].LetterEditedBy = s.caseActorLabel(lang, by, names, taskNames)
		}
	}
	if cs.Channel == "email" { // issue 17: the sender's message and files
		if _, err := q.InboundIDOfCase(ctx, org.ID, cs.ID); err == nil {
			d.EmailURL = caseURL(cs.Receipt) + "/email"
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		efs, err := q.InboundFiles(ctx, org.ID, cs.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range efs {
			d.EmailFiles = append(d.EmailFiles, caseFile{Name: f.Filename, Size: caseFileSize(f.Size, lang),
				URL: caseURL(cs.Receipt) + "/email/files/" + strconv.FormatInt(f.ID, 10)})
		}
	}
	if err := s.caseReplies(c, d, cs, org); err != nil { // issue 20
		return nil, err
	}
	if err := s.caseAssignment(c, d, cs, org); err != nil { // issue 21
		return nil, err
	}
	mails, err := q.OutboxByCase(ctx, org.ID, cs.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range mails {
		mv := caseMail{Kind: s.caseLabel(lang, "staffcase.mail.kind.", m.Kind), To: m.To, StateValue: m.State,
			State: s.caseLabel(lang, "staffcase.mail.state.", m.State), At: caseTime(m.CreatedAt, lang), Error: m.LastError}
		if m.SentAt != nil {
			mv.Sent = caseTime(*m.SentAt, lang)
		}
		d.Mails = append(d.Mails, mv)
	}

	if d.CanAct {
		if err := s.caseActions(c, d, cs, org, today, tasks); err != nil {
			return nil, err
		}
		if err := s.caseForwardForm(c, d, cs); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (s *Server) caseTaskView(lang string, cs store.Case, t store.Task, files []caseFile, onBehalf, canAct bool) caseTask {
	id := strconv.FormatInt(t.ID, 10)
	v := caseTask{
		ID: t.ID, Anchor: "task-" + id, Register: t.RegisterName, RegisterLang: publishedLang(t.RegisterLang, lang),
		Right: s.caseLabel(lang, "right.", t.Right), RightValue: t.Right, Basis: s.caseLabel(lang, "basis.", t.LegalBasis),
		Owner: t.OwnerName, OwnerEmail: t.OwnerEmail, Queue: t.OwnerEmail == "",
		State: s.caseLabel(lang, "staffcase.task.state.", t.State), StateValue: t.State,
		Answer: s.caseLabel(lang, "answer.", t.Answer), Ground: s.caseLabel(lang, "ground.", t.AnswerGround),
		Comment: t.AnswerComment, Changes: t.AnswerChanges, Extract: t.ExtractText,
		GuardianRestricted: t.GuardianRestricted, Files: len(files), FileList: files,
		RecipientsTold: workflow.RecipientLines(t.RecipientsTold), RecipientsNone: t.RecipientsNone,
		ReassignURL:    caseURL(cs.Receipt) + "/tasks/" + id + "/reassign",
		AnswerURL:      caseURL(cs.Receipt) + "/tasks/" + id + "/answer",
		ReassignFormID: "task-" + id + "-reassign", AnswerFormID: "task-" + id + "-answer",
	}
	if t.AnsweredAt != nil {
		v.AnsweredAt = caseTime(*t.AnsweredAt, lang)
	}
	v.ReassignForm = &caseForm{ID: v.ReassignFormID, values: url.Values{}}
	v.AnswerForm = &caseForm{ID: v.AnswerFormID, values: url.Values{}}
	if !canAct {
		return v
	}
	st := workflow.State(cs.State)
	v.CanReassign = workflow.Allowed(st, workflow.ActReassignTask) && (t.State == "waiting" || t.State == "open")
	v.CanAnswer = caseTaskAnswerable(cs, t)
	if v.CanAnswer {
		for _, a := range t.AllowedAnswers {
			v.Answers = append(v.Answers, caseOption{Value: a, Label: s.caseLabel(lang, "answer.", a)})
		}
		rule := workflow.RuleFor(workflow.Right(t.Right), workflow.Basis(t.LegalBasis))
		v.BasisNeeded = rule.BasisNeeded && len(rule.Grounds) == 0
		// ID-5: the guardian ground and a guardian's restriction only on a
		// request made on someone else's behalf (workflow.ValidateAnswer).
		v.GuardianOffered = onBehalf && t.Right == string(workflow.RightAccess)
		for _, g := range workflow.OfferedGrounds(rule, onBehalf) {
			v.Grounds = append(v.Grounds, caseOption{Value: string(g), Label: s.caseLabel(lang, "ground.", string(g))})
		}
		v.ShowChanges = slices.Contains(t.AllowedAnswers, string(workflow.AnswerRectified))
		v.ShowExtract = slices.Contains(t.AllowedAnswers, string(workflow.AnswerExtract))
		v.ShowArt19 = slices.ContainsFunc(t.AllowedAnswers, func(a string) bool { return workflow.Art19Answer(workflow.Answer(a)) })
	}
	return v
}

// addableRegisters are the organisation's registers a GDPR case has no
// task in, by name, for the "add a register" form (none for a document
// request alone: it has no right to route).
func (s *Server) addableRegisters(c echo.Context, cs store.Case, org store.Org, tasks []store.Task) ([]caseOption, error) {
	if len(cs.Rights) == 0 {
		return nil, nil
	}
	// Ids and names only: the catalogue as "all registers" routes it.
	regs, err := store.New(s.Pool).RoutingRegisters(c.Request().Context(), org.ID, nil)
	if err != nil {
		return nil, err
	}
	var out []caseOption
	for _, r := range regs {
		if !slices.ContainsFunc(tasks, func(t store.Task) bool { return t.RegisterID == r.ID }) {
			out = append(out, caseOption{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
		}
	}
	return out, nil
}

// taskAnswerable: the DPO answers open tasks of its own queue (D-11) while
// the case is in progress (or paused in progress).
func caseTaskAnswerable(cs store.Case, t store.Task) bool {
	st := workflow.State(cs.State)
	return t.State == "open" && t.OwnerEmail == "" && (st == workflow.StateInProgress || st == workflow.StatePaused)
}

// caseActions fills the action forms the case allows
// (workflow.StaffActionsFor: its state, and for a request for documents
// alone no GDPR step), with what they need.
func (s *Server) caseActions(c echo.Context, d *caseData, cs store.Case, org store.Org, today workflow.Date, tasks []store.Task) error {
	lang := langOf(c)
	for _, a := range workflow.StaffActionsFor(cs) {
		if a == workflow.ActTriage && !cs.NeedsTriage {
			continue // a web request is confirmed by its code, not triaged
		}
		switch {
		case (a == workflow.ActDocDecide || a == workflow.ActDocExtend) && (!cs.DocumentRequest || cs.DocDecidedAt != nil):
			continue // FI-2: only an undecided document request
		case a == workflow.ActAuthority && !d.Requester.OnBehalf:
			continue // ID-5: only a request made on behalf of someone else
		case a == workflow.ActAddRegister:
			opts, err := s.addableRegisters(c, cs, org, tasks)
			if err != nil {
				return err
			}
			if len(opts) == 0 {
				continue
			}
			d.AddRegisters = opts
		case a == workflow.ActMarkAnswered:
			// Issue 18: not without a rendered answer letter.
			ok, err := store.New(s.Pool).HasRenderedAnswer(c.Request().Context(), org.ID, cs.ID)
			if err != nil {
				return err
			}
			if !ok {
				d.MarkNeedsLetter = true
				continue
			}
		}
		d.Actions = append(d.Actions, string(a))
	}
	if d.Has(string(workflow.ActDocExtend)) {
		switch {
		case cs.DocExtendedAt != nil:
			d.DocBlock = s.Catalog.T(lang, "staffcase.doc.already_extended")
		case cs.DocDue != nil && today.After(caseDayPtr(cs.DocDue)):
			d.DocBlock = s.Catalog.T(lang, "staffcase.doc.too_late", workflow.FormatDate(caseDayPtr(cs.DocDue), lang))
		}
	}
	for _, x := range workflow.DocDecisions {
		d.DocDecisions = append(d.DocDecisions, caseOption{Value: x, Label: s.caseLabel(lang, "staffcase.doc.decision.", x)})
	}
	for _, x := range workflow.Authorities {
		d.AuthorityOptions = append(d.AuthorityOptions, caseOption{Value: x, Label: s.caseLabel(lang, "staffcase.authority.", x)})
	}
	if d.Has(string(workflow.ActExtend)) {
		legal := caseDay(cs.LegalDue)
		switch {
		case cs.ExtendedDue != nil:
			d.ExtendBlock = s.Catalog.T(lang, "staffcase.extend.already", workflow.FormatDate(caseDayPtr(cs.ExtendedDue), lang))
		case today.After(legal):
			d.ExtendBlock = s.Catalog.T(lang, "staffcase.extend.too_late", workflow.FormatDate(legal, lang))
		default:
			d.ExtendLast = workflow.FormatDate(legal, lang)
		}
	}
	for _, m := range workflow.IdentityMethods {
		d.Methods = append(d.Methods, caseOption{Value: m, Label: s.caseLabel(lang, "method.", m)})
	}
	for _, g := range workflow.RefusalGrounds {
		d.Grounds = append(d.Grounds, caseOption{Value: g, Label: s.caseLabel(lang, "ground.", g)})
	}
	if !d.Has(string(workflow.ActTriage)) {
		return nil
	}
	// Triage: the form starts from what the email said (issue 6).
	f := d.Form("triage")
	if len(f.values) == 0 {
		req, err := store.New(s.Pool).RequesterOf(c.Request().Context(), org.ID, cs.ID)
		if err != nil {
			return err
		}
		// ID-4: a henkilötunnus in the message stays masked here; the DPO
		// types it into its own field from the original message (whose
		// viewing is logged).
		f.values = url.Values{"name": {req.Name}, "email": {req.Email}, "lang": {cs.Lang}, "details": {workflow.MaskHetuInText(cs.Details)},
			"scope": {"all"}, "delivery": {orDefault(cs.Delivery, "electronic")}}
	}
	d.RightOptions, d.Langs, d.Deliveries = s.caseRequestOptions(lang)
	groups, err := s.caseRegisterChoices(c, org, lang)
	if err != nil {
		return err
	}
	d.RegisterList = groups
	return nil
}

// caseForwardForm fills the forward form (RD-2, D-7) of an open case that
// concerns registers whose controller is elsewhere.
func (s *Server) caseForwardForm(c echo.Context, d *caseData, cs store.Case) error {
	if !workflow.State(cs.State).Open() {
		return nil
	}
	lang := langOf(c)
	regs, err := workflow.ForwardableRegisters(c.Request().Context(), store.New(s.Pool), cs)
	if err != nil || len(regs) == 0 {
		return err
	}
	for _, r := range regs {
		d.Forward = append(d.Forward, caseForward{Value: strconv.FormatInt(r.ID, 10), Name: r.Name, Lang: publishedLang(r.Language, lang),
			Controller: r.ElsewhereName, Contact: r.ElsewhereContact})
	}
	d.ForwardURL = caseURL(cs.Receipt) + "/forward"
	for _, m := range workflow.ConsentMethods {
		d.ConsentMethods = append(d.ConsentMethods, caseOption{Value: m, Label: s.caseLabel(lang, "staffcase.forward.method.", m)})
	}
	return nil
}

// requestOptions are the choices of a request form: rights, reply
// languages and deliveries.
func (s *Server) caseRequestOptions(lang string) (rights, langs, deliveries []caseOption) {
	for _, r := range workflow.Rights {
		rights = append(rights, caseOption{Value: string(r), Label: s.caseLabel(lang, "right.", string(r))})
	}
	for _, l := range []string{"fi", "sv", "en"} {
		langs = append(langs, caseOption{Value: l, Label: s.Catalog.T(lang, "staffcase.lang."+l)})
	}
	for _, x := range []string{"electronic", "paper", "on_site"} {
		deliveries = append(deliveries, caseOption{Value: x, Label: s.caseLabel(lang, "delivery.", x)})
	}
	return rights, langs, deliveries
}

// registerChoices lists the organisation's registers by sector, for
// choosing some of them.
func (s *Server) caseRegisterChoices(c echo.Context, org store.Org, lang string) ([]caseRegisterGroup, error) {
	regs, err := store.New(s.Pool).Registers(c.Request().Context(), org.ID, store.RegisterFilter{})
	if err != nil {
		return nil, err
	}
	var out []caseRegisterGroup
	for _, r := range regs {
		pl := publishedLang(r.Language, lang)
		title := r.Sector
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, caseRegisterGroup{Title: title, Lang: pl})
		}
		g := &out[len(out)-1]
		g.Items = append(g.Items, caseOption{Value: strconv.FormatInt(r.ID, 10), Label: r.Name, Lang: pl})
	}
	return out, nil
}

// ---- timeline ------------------------------------------------------------

// caseChainCheck shows the result of the chain's last verification (the
// checkpoint job and `rightsdesk audit verify` record it), not a check
// recomputed on every view (issue 16).
func (s *Server) caseChainCheck(c echo.Context, d *caseData, cs store.Case) error {
	h, err := store.New(s.Pool).AuditHeadOf(c.Request().Context(), cs.OrgID, cs.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		d.Chain = caseChain{State: "unverified"}
		return nil
	case err != nil:
		return err
	}
	switch {
	case h.BrokenSeq > 0:
		d.Chain = caseChain{State: "broken", Seq: h.BrokenSeq}
	case h.VerifiedAt != nil:
		d.Chain = caseChain{State: "intact", Seq: h.VerifiedSeq}
	default:
		d.Chain = caseChain{State: "unverified"}
	}
	if h.VerifiedAt != nil {
		d.Chain.At = caseTime(*h.VerifiedAt, langOf(c))
	}
	return nil
}

// caseChain is the audit chain's last verification as the page shows it.
type caseChain struct {
	State string // intact, broken or unverified
	At    string // when it was verified
	Seq   int    // the events verified, or the first broken one
}

// caseTimeline turns the case's audit chain into the timeline.
// It returns the names of the staff members who acted, by id (actors in
// the chain and in more, e.g. who answered a task).
func (s *Server) caseTimeline(c echo.Context, d *caseData, cs store.Case, taskNames, taskOwners map[int64]string, more []string) (map[int64]string, error) {
	ctx := c.Request().Context()
	lang := langOf(c)
	q := store.New(s.Pool)
	events, err := q.AuditTrail(ctx, cs.OrgID, cs.ID)
	if err != nil {
		return nil, err
	}
	if err := s.caseChainCheck(c, d, cs); err != nil {
		return nil, err
	}
	notes, err := q.CaseNotes(ctx, cs.OrgID, cs.ID)
	if err != nil {
		return nil, err
	}
	for _, ev := range events {
		resolveTextRefs(ev.Data, notes)
	}
	actors := slices.Clone(more)
	for _, ev := range events {
		actors = append(actors, ev.Actor)
	}
	var staffIDs []int64
	for _, a := range actors {
		if id, ok := strings.CutPrefix(a, "staff:"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				staffIDs = append(staffIDs, n)
			}
		}
	}
	staffIDs = append(staffIDs, assigneeIDs(events)...)
	names := map[int64]string{}
	if len(staffIDs) > 0 {
		if names, err = q.StaffNames(ctx, staffIDs); err != nil {
			return nil, err
		}
	}
	// Newest first: the DPO reads what happened last.
	for i := len(events) - 1; i >= 0; i-- {
		ev := events[i]
		nameAssignees(ev.Data, names)
		d.Timeline = append(d.Timeline, caseTimelineItem{
			Seq: ev.Seq, At: caseTime(ev.At, lang), Actor: s.caseActorLabel(lang, ev.Actor, names, taskOwners),
			Action: s.caseActionLabel(lang, ev.Action), Details: s.caseEventDetails(lang, ev, taskNames),
		})
	}
	return names, nil
}

// answerGap is a register of an access answer and the Art 15(1) items its
// letter will say are "not stated".
type answerGap struct {
	Register, Lang, URL string
	Missing             string
}

// answerGaps lists the registers of the case's access tasks whose Art 15
// items the catalogue lacks, before the DPO sends the answer: a letter
// saying "not stated" for nearly everything went out without a word of
// warning (found in an answer walkthrough).
func (s *Server) answerGaps(ctx context.Context, q *store.Q, orgID int64, tasks []store.Task, lang string) ([]answerGap, error) {
	var out []answerGap
	seen := map[int64]bool{}
	for _, t := range tasks {
		if t.Right != string(workflow.RightAccess) || t.State != "answered" || workflow.Answer(t.Answer) == workflow.AnswerRefused || seen[t.RegisterID] {
			continue
		}
		seen[t.RegisterID] = true
		r, err := q.Register(ctx, orgID, t.RegisterID)
		if err != nil {
			return nil, err
		}
		var missing []string
		for _, f := range []struct {
			key   string
			empty bool
		}{
			{"letter.reg.purpose", r.Purpose == ""},
			{"letter.reg.basis", r.LegalBasisText == "" && (!workflow.ValidBasis(r.LegalBasis) || workflow.Basis(r.LegalBasis) == workflow.BasisUnknown)},
			{"letter.reg.categories", r.DataContent == ""},
			{"letter.reg.recipients", r.Recipients == ""},
			{"letter.reg.retention", r.Retention == ""},
			{"letter.reg.source", r.Sources == ""},
		} {
			if f.empty {
				missing = append(missing, s.Catalog.T(lang, f.key))
			}
		}
		if len(missing) > 0 {
			out = append(out, answerGap{Register: r.Name, Lang: publishedLang(r.Language, lang),
				URL: "/staff/registers/" + strconv.FormatInt(r.ID, 10), Missing: strings.Join(missing, ", ")})
		}
	}
	return out, nil
}

// resolveTextRefs puts the free text an event refers to (D-25: the
// event holds only the case_notes id, as note_ref, reason_ref, to_ref)
// back under its plain key for the timeline.
func resolveTextRefs(data map[string]any, notes map[int64]string) {
	for k, v := range data {
		base, ok := strings.CutSuffix(k, "_ref")
		if !ok {
			continue
		}
		if id, ok := v.(float64); ok {
			if text, ok := notes[int64(id)]; ok {
				data[base] = text
			}
		}
		delete(data, k)
	}
}

// timelineText formats a timeline sentence with exactly the values its
// text asks for: a value the event did not record (an older event, a
// missing key) reads "not recorded", never as a Go formatting error
// ("%!s(MISSING)"), and one too many is left out.
func (s *Server) timelineText(lang, key string, args ...any) string {
	m, ok := s.Catalog.Raw(lang, key)
	if !ok {
		m, _ = s.Catalog.Raw("en", key)
	}
	n := fmtVerbs(m)
	for i, a := range args {
		if a == "" {
			args[i] = s.Catalog.T(lang, "staffcase.tl.unknown")
		}
	}
	for len(args) < n {
		args = append(args, s.Catalog.T(lang, "staffcase.tl.unknown"))
	}
	return s.Catalog.T(lang, key, args[:n]...)
}

// pluralKey is key's plural form for n (i18n.Catalog.N's choice) when the
// catalogue has it: timelineText then formats it.
func (s *Server) pluralKey(lang, key string, n int) (string, bool) {
	if i18n.PluralCategory(lang, n) == "one" && s.Catalog.Has(lang, key+".one") {
		return key + ".one", true
	}
	return key, s.Catalog.Has(lang, key)
}

// fmtVerbs counts the values a catalogue message formats: its verbs, not
// "%%"; an explicit index ("%[2]s") counts up to it.
func fmtVerbs(m string) int {
	n, max := 0, 0
	for i := 0; i < len(m); i++ {
		if m[i] != '%' {
			continue
		}
		if i+1 < len(m) && m[i+1] == '%' {
			i++
			continue
		}
		if i+1 < len(m) && m[i+1] == '[' {
			if j := strings.IndexByte(m[i:], ']'); j > 0 {
				if x, err := strconv.Atoi(m[i+2 : i+j]); err == nil && x > max {
					max = x
				}
			}
			continue
		}
		n++
	}
	if max > n {
		return max
	}
	return n
}

func (s *Server) caseActionLabel(lang, action string) string {
	if s.Catalog.Has(lang, "timeline."+action) {
		return s.Catalog.T(lang, "timeline."+action)
	}
	return s.Catalog.T(lang, "timeline.other", action)
}

// caseOwnerLabel names who answers as the owner of task t: the owner's
// name, else email, as the catalogue gave them to the task, with the
// register; a task with neither is the register's owner, unnamed.
// ("Register owner: Kundregistret" named the register, not the owner:
// walkthrough.)
func (s *Server) caseOwnerLabel(lang string, t store.Task) string {
	who := strings.TrimSpace(t.OwnerName)
	if who == "" {
		who = strings.TrimSpace(t.OwnerEmail)
	}
	if who == "" {
		return s.Catalog.T(lang, "staffcase.actor.owner_of", t.RegisterName)
	}
	return s.Catalog.T(lang, "staffcase.actor.owner", who, t.RegisterName)
}

func (s *Server) caseActorLabel(lang, actor string, staff map[int64]string, tasks map[int64]string) string {
	kind, rest, _ := strings.Cut(actor, ":")
	switch kind {
	case "resident":
		return s.Catalog.T(lang, "staffcase.actor.resident")
	case "system":
		return s.Catalog.T(lang, "staffcase.actor.system")
	case "staff":
		id, _ := strconv.ParseInt(rest, 10, 64)
		if n, ok := staff[id]; ok {
			return n
		}
		return s.Catalog.T(lang, "staffcase.actor.staff")
	case "owner": // tasks: the labels of caseOwnerLabel
		id, _ := strconv.ParseInt(rest, 10, 64)
		if l, ok := tasks[id]; ok {
			return l
		}
		return s.Catalog.T(lang, "staffcase.actor.owner_unknown")
	case "token":
		return s.Catalog.T(lang, "staffcase.actor.token", rest)
	case "cli":
		return s.Catalog.T(lang, "staffcase.actor.cli")
	case "seed":
		return s.Catalog.T(lang, "staffcase.actor.seed")
	case "demo":
		// `rightsdesk demo`'s synthetic cases say plainly what they are.
		return s.Catalog.T(lang, "staffcase.actor.demo")
	}
	return actor
}

// documentsOnlyEvent: the event records a request for documents alone
// (its receipt: no right, documents asked for), whose GDPR date is none of
// its deadlines (FI-2).
func documentsOnlyEvent(data map[string]any) bool {
	rights, _ := data["rights"].([]any)
	docs, _ := data["document_request"].(bool)
	return docs && len(rights) == 0
}

// eventDetails shows an audit event's data as sentences: a flag, a count
// or a date reads as a sentence of its own (staffcase.tls.KEY, counts in
// their plural form), a recorded text or name under its label; a key the
// catalogue does not know shows as recorded.
func (s *Server) caseEventDetails(lang string, ev store.AuditEvent, tasks map[int64]string) []caseFact {
	var out []caseFact
	t := func(k string) string { return s.Catalog.T(lang, "staffcase.tl."+k) }
	sentence := func(k string) (string, bool) {
		key := "staffcase.tls." + k
		return key, s.Catalog.Has(lang, key)
	}
	data := ev.Data
	if from, ok := data["from"].(string); ok && ev.Action != string(workflow.ActReassignTask) {
		to, _ := data["to"].(string)
		out = append(out, caseFact{Value: s.timelineText(lang, "staffcase.tls.state", s.caseLabel(lang, "state.", from), s.caseLabel(lang, "state.", to))})
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := data[k]
		val := ""
		if k == "registers" && ev.Action == "letter_rendered" {
			continue // how many registers the letter covers, not a choice of registers
		}
		switch k {
		case "from":
			continue
		case "to":
			if ev.Action != string(workflow.ActReassignTask) {
				continue
			}
			val = fmt.Sprint(v)
			k = "to_owner"
		case "task", "outbox", "attachment", "document", "letter", "marks", "mark", "ask", "reply", "reply_files", "reply_file", "render", "delivery",
			"user_id", "invite_id", "previous_assignee":
			continue // ids: the register or the kind names it
		case "register":
			if _, id := v.(float64); id {
				continue // an organisation event's register id (its name is not recorded)
			}
			val = fmt.Sprint(v)
		case "role": // the organisation's log (staff events)
			val = s.caseLabel(lang, "staff.role.", fmt.Sprint(v))

		case "letter_kind": // issue 18, the print queue
			val = s.caseLabel(lang, "print.kind.", fmt.Sprint(v))
			k = "letter"
		case "consent_method": // RD-2
			val = s.caseLabel(lang, "staffcase.forward.method.", fmt.Sprint(v))
		case "letter_method":
			val = s.caseLabel(lang, "print.method.", fmt.Sprint(v))
		case "kind":
			// A mail's kind, or a letter's (an answer's parts).
			if kind := fmt.Sprint(v); s.Catalog.Has(lang, "print.kind."+kind) && !s.Catalog.Has(lang, "staffcase.mail.kind."+kind) {
				val = s.caseLabel(lang, "print.kind.", kind)
			} else {
				val = s.caseLabel(lang, "staffcase.mail.kind.", kind)
			}
			if ev.Action == "letter_rendered" {
				k = "letter" // a letter, not a message
			}
		case "method":
			val = s.caseLabel(lang, "method.", fmt.Sprint(v))
		case "ground":
			val = s.caseLabel(lang, "ground.", fmt.Sprint(v))
		case "decision": // FI-2, a document request's
			val = s.caseLabel(lang, "staffcase.doc.decision.", fmt.Sprint(v))
		case "state": // a state recorded alone (older demo data wrote one)
			val = s.caseLabel(lang, "state.", fmt.Sprint(v))
		case "basis": // D-11, the catalogue's basis reached a task
			val = s.caseLabel(lang, "basis.", fmt.Sprint(v))
		case "right":
			val = s.caseLabel(lang, "right.", fmt.Sprint(v))
		case "answer":
			val = s.caseLabel(lang, "answer.", fmt.Sprint(v))
		case "channel":
			val = s.caseLabel(lang, "channel.", fmt.Sprint(v))
		case "lang":
			val = s.caseLabel(lang, "staffcase.lang.", fmt.Sprint(v))
		case "rights":
			var names []string
			if list, ok := v.([]any); ok {
				for _, r := range list {
					names = append(names, s.caseLabel(lang, "right.", fmt.Sprint(r)))
				}
			}
			val = strings.Join(names, ", ")
		case "legal_due", "extended_due", "paused_due", "due", "delivered_on", "reply_by", "doc_due", "doc_extended_due":
			if k == "legal_due" && documentsOnlyEvent(data) {
				continue // FI-2: no deadline of a request for documents alone
			}
			raw := fmt.Sprint(v)
			dt, err := workflow.ParseDate(raw)
			if err != nil || dt.IsZero() {
				// Older resume events recorded a zero paused due date
				// ("0000-00-00"): there was none, so nothing to show.
				if raw == "" || raw == (workflow.Date{}).String() {
					continue
				}
				val = raw
				break
			}
			val = workflow.FormatDate(dt, lang)
			if key, ok := sentence(k); ok {
				out = append(out, caseFact{Value: s.timelineText(lang, key, val)})
				continue
			}
		case "received_at":
			if tm, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v)); err == nil {
				val = caseTime(tm, lang)
			}
		default:
			switch x := v.(type) {
			case bool:
				// A flag reads as a sentence ("Pyytäjä vahvisti
				// sähköpostiosoitteensa."), never as "label: yes".
				word := "yes"
				if !x {
					word = "no"
				}
				if key, ok := sentence(k + "." + word); ok {
					out = append(out, caseFact{Value: s.Catalog.T(lang, key)})
					continue
				}
				if !x {
					continue // "no" adds nothing to read
				}
				val = s.Catalog.T(lang, "staffcase.yes")
			case nil:
				continue
			case []any:
				// A list: changed fields by their form labels, files by
				// name (the organisation's log).
				var names []string
				for _, e := range x {
					name := fmt.Sprint(e)
					prefixes := []string{"catalogue.edited.", "orgs.field."}
					if ev.Action == "letter_texts_edited" { // the owner's texts the DPO edited
						prefixes = []string{"letteredit.field."}
					}
					for _, prefix := range prefixes {
						if (k == "fields" || k == "restored") && s.Catalog.Has(lang, prefix+name) {
							name = s.Catalog.T(lang, prefix+name)
							break
						}
					}
					names = append(names, name)
				}
				val = strings.Join(names, ", ")
			case string:
				if x == "" {
					continue
				}
				if key, ok := sentence(k); ok {
					out = append(out, caseFact{Value: s.timelineText(lang, key, x)})
					continue
				}
				val = x
			case float64:
				if x == 0 && k != "tasks" && k != "paused_days" {
					continue // e.g. "registers: 0" for all registers
				}
				if k == "files" && ev.Action == "email_files_stored" {
					k = "email_files" // the message's files, not the answer's
				}
				if key, ok := sentence(k); ok && x == float64(int(x)) {
					if key, ok := s.pluralKey(lang, key, int(x)); ok {
						out = append(out, caseFact{Value: s.timelineText(lang, key, int(x))})
						continue
					}
				}
				val = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				val = fmt.Sprint(x)
			}
		}
		if val == "" {
			continue
		}
		label := k
		if s.Catalog.Has(lang, "staffcase.tl."+k) {
			label = t(k)
		}
		out = append(out, caseFact{Label: label, Value: val})
	}
	return out
}
