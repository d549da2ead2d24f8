package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// scValidForms are valid submissions of every action of the case page.
var scValidForms = map[string]url.Values{
	"triage": {"rights": {"access"}, "scope": {"all"}, "lang": {"fi"}, "name": {"Maija Meikäläinen"},
		"email": {"maija@example.fi"}, "details": {"Kirjaston tiedot"}, "delivery": {"electronic"}},
	"verify_identity": {"method": {"in_person"}, "note": {"visited the office"}},
	"pause":           {"reason": {"waiting for the requester's clarification"}},
	"resume":          {},
	"extend":          {"reason": {"the request covers many registers"}},
	"refuse":          {"ground": {"art12_5_excessive"}, "reason": {"the fifth identical request this month"}},
	"mark_answered":   {"note": {"sent by post"}},
	"close":           {},
	"withdraw":        {"note": {"withdrawn by phone"}},
	"note":            {"note": {"called the requester"}},
	"reassign":        {"name": {"Olli Omistaja"}, "email": {"olli@espoo.test"}},
	"answer":          {"answer": {"no_data"}},
	// FI-2, ID-5 (issue 20): offered only on a document request, or on a
	// request made on behalf of someone else.
	"doc_decide": {"decision": {"disclosed"}},
	"doc_extend": {"reason": {"hundreds of documents"}},
	"authority":  {"authority": {"shown"}},
}

// scActionURL is where an action posts for case c (task actions on the
// case's task: the owned one for reassign, the queue one for answer).
func (f *scFx) actionURL(c store.Case, action string) (string, bool) {
	base := "/staff/cases/" + c.Receipt
	switch action {
	case "reassign", "answer":
		t, ok := f.task(f.orgOf(c), c.ID, action == "answer")
		if !ok {
			return "", false
		}
		return base + "/tasks/" + strconv.FormatInt(t.ID, 10) + "/" + action, true
	}
	return base + "/actions/" + action, true
}

// TestCaseActionsInEveryState: every action of the case page, in every
// state: it succeeds (303 to the case page) exactly where the state
// machine allows it, and otherwise is refused with 409 and nothing changes
// (case, tasks, audit chain, mail).
func TestCaseActionsInEveryState(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	actions := make([]string, 0, len(workflow.StaffActions)+2)
	for _, a := range workflow.StaffActions {
		actions = append(actions, string(a))
	}
	actions = append(actions, "reassign", "answer")
	for _, st := range workflow.States {
		for _, action := range actions {
			t.Run(string(st)+"/"+action, func(t *testing.T) {
				c := f.inState(st)
				form := scClone(scValidForms[action])
				if action == "add_register" {
					// A register the catalogue gained after the case was
					// routed to all registers: the one it can be added.
					id := f.env.Register(f.org.ID, "Lisätty rekisteri "+c.Receipt, "e", "")
					form = url.Values{"register": {strconv.FormatInt(id, 10)}}
				}
				before := f.snapshot(c)
				// What should happen.
				var want bool
				switch action {
				case "reassign":
					tk, ok := f.task(f.org, c.ID, false)
					want = ok && workflow.Allowed(st, workflow.ActReassignTask) && (tk.State == "waiting" || tk.State == "open")
				case "answer":
					tk, ok := f.task(f.org, c.ID, true)
					want = ok && tk.State == "open" && (st == workflow.StateInProgress || st == workflow.StatePaused)
				case "doc_decide", "doc_extend", "authority":
					// The cases here are GDPR requests of the requester's
					// own: FI-2 and ID-5 actions are never offered (see
					// TestFI2CaseActions, TestID5AuthorityGatesTasks).
					want = false
				case "mark_answered":
					// Issue 18: not without a rendered answer letter, which
					// no case here has before it is answered.
					want = false
				default:
					want = workflow.Allowed(st, workflow.Action(action))
				}
				// The page offers the action exactly when it is allowed.
				page := cl.get("/staff/cases/" + c.Receipt)
				path, hasTask := f.actionURL(c, action)
				if !hasTask {
					// No task in this state (an untriaged email): a task
					// of another case is not found here.
					other := f.inState(workflow.StateInProgress)
					tk, _ := f.task(f.org, other.ID, action == "answer")
					path = fmt.Sprintf("/staff/cases/%s/tasks/%d/%s", c.Receipt, tk.ID, action)
				}
				if offered := slices.Contains(scFormActions(page.doc), path); offered != want {
					t.Errorf("page offers %s: %v, want %v", path, offered, want)
				}
				p := cl.post(path, form)
				switch {
				case !hasTask:
					if p.status != http.StatusNotFound {
						t.Errorf("task of another case = %d, want 404", p.status)
					}
				case want:
					if p.status != http.StatusSeeOther || p.location() != "/staff/cases/"+c.Receipt {
						t.Fatalf("POST %s = %d %q, want 303 to the case: %s", path, p.status, p.location(), scText(scByID(p.doc, "error-summary")))
					}
					after := f.caseByReceipt(f.org, c.Receipt)
					if act := workflow.Action(action); slices.Contains(workflow.StaffActions, act) {
						next, _ := workflow.Next(st, act, workflow.StateInProgress)
						if after.State != string(next) {
							t.Errorf("state after %s = %s, want %s", action, after.State, next)
						}
					}
					if f.snapshot(c).audit <= before.audit {
						t.Error("the action left no audit event")
					}
					// The flash message is shown once on the case page.
					if got := cl.get(p.location()); scElems(got.doc, "div", func(n *html.Node) bool { return scHasClass(n, "flash") }) == nil {
						t.Error("no flash message after the action")
					}
					return
				default:
					if p.status != http.StatusConflict {
						t.Fatalf("POST %s in %s = %d, want 409", action, st, p.status)
					}
					if n := scByID(p.doc, "notice"); !strings.Contains(scText(n), "not possible") {
						t.Errorf("409 page says %q", scText(n))
					}
				}
				if after := f.snapshot(c); after != before {
					t.Errorf("a refused action changed the case:\n before %+v\n after  %+v", before, after)
				}
			})
		}
	}
}

func scClone(v url.Values) url.Values {
	out := url.Values{}
	for k, x := range v {
		out[k] = slices.Clone(x)
	}
	return out
}

// TestExtendOnlyInFirstMonth: DL-5, DL-11: an extension is decided until
// legal_due; after that, or a second time, it is refused with a clear
// message (409) and nothing changes.
func TestExtendOnlyInFirstMonth(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	late := f.paper(f.org, f.env.Clock.Now().AddDate(0, -2, 0), "in_person", nil)
	lateCase := f.caseByReceipt(f.org, late.Receipt)

	page := cl.get("/staff/cases/" + late.Receipt)
	if scByID(page.doc, "extend-blocked") == nil || scByID(page.doc, "extend-reason") != nil {
		t.Error("the case page offers an extension after the first month")
	}
	before := f.snapshot(lateCase)
	p := cl.post("/staff/cases/"+late.Receipt+"/actions/extend", url.Values{"reason": {"too many requests"}})
	if p.status != http.StatusConflict {
		t.Fatalf("late extension = %d, want 409", p.status)
	}
	msg := scText(scByID(p.doc, "extend-message"))
	if !strings.Contains(msg, "can no longer be extended") || !strings.Contains(msg, "3 February 2026") {
		t.Errorf("late extension message %q", msg)
	}
	if summary := scText(scByID(p.doc, "error-summary")); !strings.Contains(summary, "can no longer be extended") {
		t.Errorf("error summary %q", summary)
	}
	if f.snapshot(lateCase) != before {
		t.Error("a refused extension changed the case")
	}

	// On legal_due itself it is still possible (DL-11), once.
	onTime := f.paper(f.org, f.env.Clock.Now().AddDate(0, -1, 0), "in_person", nil)
	c := f.caseByReceipt(f.org, onTime.Receipt)
	if workflow.DateOf(c.LegalDue.UTC()) != workflow.HelsinkiDate(f.env.Clock.Now()) {
		t.Fatalf("fixture: legal due %v is not today", c.LegalDue)
	}
	page = cl.get("/staff/cases/" + onTime.Receipt)
	if hint := scText(scByID(page.doc, "extend-reason-hint")); !strings.Contains(hint, "Possible until 3 March 2026") {
		t.Errorf("extend hint %q does not name the last day", hint)
	}
	if p := cl.post("/staff/cases/"+onTime.Receipt+"/actions/extend", url.Values{"reason": {"complex"}}); p.status != http.StatusSeeOther {
		t.Fatalf("extension on legal_due = %d", p.status)
	}
	c = f.caseByReceipt(f.org, onTime.Receipt)
	if c.ExtendedDue == nil || c.ExtensionReason != "complex" {
		t.Fatalf("not extended: %+v", c.ExtendedDue)
	}
	before = f.snapshot(c)
	p = cl.post("/staff/cases/"+onTime.Receipt+"/actions/extend", url.Values{"reason": {"again"}})
	if p.status != http.StatusConflict || !strings.Contains(scText(scByID(p.doc, "extend-message")), "Already extended") {
		t.Errorf("second extension = %d %q", p.status, scText(scByID(p.doc, "extend-message")))
	}
	if f.snapshot(c) != before {
		t.Error("a second extension changed the case")
	}
	// The requester was told (DL-5: the extension generates a letter).
	mails, err := store.New(f.env.Pool).OutboxByCase(f.env.Ctx, f.org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(mails, func(m store.OutboxRow) bool { return m.Kind == "extended" && m.To == "maija@example.fi" }) {
		t.Error("no extension letter queued")
	}
}

// TestActionValidation: refused input re-renders the case page with 422,
// the error beside the field (aria-invalid, aria-describedby, summary
// link) and the typed text kept; nothing changes.
func TestActionValidation(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	tests := []struct {
		name, state, action string
		form                url.Values
		field, errKey       string // the element id with aria-invalid, the message expected
		kept                [2]string
	}{
		{"pause without reason", "in_progress", "pause", url.Values{"reason": {"   "}}, "pause-reason", "This field is required.", [2]string{}},
		{"refuse without reasons", "awaiting_identity", "refuse", url.Values{"ground": {"art12_5_unfounded"}, "reason": {""}}, "refuse-reason", "This field is required.", [2]string{"refuse-ground", "art12_5_unfounded"}},
		{"refuse without ground", "awaiting_identity", "refuse", url.Values{"ground": {""}, "reason": {"my reasons"}}, "refuse-ground", "Choose the ground of the refusal.", [2]string{"refuse-reason", "my reasons"}},
		{"verify without method", "awaiting_identity", "verify_identity", url.Values{"method": {"passport_copy"}, "note": {"typed note"}}, "verify_identity-method", "Choose how the identity was established.", [2]string{"verify_identity-note", "typed note"}},
		{"empty note", "answered", "note", url.Values{"note": {""}}, "note-note", "This field is required.", [2]string{}},
		{"extend without reasons", "in_progress", "extend", url.Values{"reason": {""}}, "extend-reason", "This field is required.", [2]string{}},
		{"triage with a bad email", "received", "triage", url.Values{"rights": {"access"}, "scope": {"all"}, "lang": {"fi"}, "name": {"Typed Name"}, "email": {"not an address"}, "delivery": {"electronic"}}, "triage-email", "", [2]string{"triage-name", "Typed Name"}},
		{"reassign with a bad email", "in_progress", "reassign", url.Values{"name": {"Olli"}, "email": {"olli at espoo"}}, "", "Enter a valid email address", [2]string{}},
		{"refuse a register without ground (D-12)", "in_progress", "answer", url.Values{"answer": {"refused"}, "comment": {"reasons"}}, "", "", [2]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := f.inState(workflow.State(tc.state))
			before := f.snapshot(c)
			path, _ := f.actionURL(c, tc.action)
			p := cl.post(path, scClone(tc.form))
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", p.status)
			}
			field := tc.field
			if field == "" { // task forms: ids carry the task id
				tk, _ := f.task(f.org, c.ID, tc.action == "answer")
				prefix := fmt.Sprintf("task-%d-%s-", tk.ID, tc.action)
				field = prefix + map[string]string{"reassign": "email", "answer": "ground"}[tc.action]
			}
			el := scByID(p.doc, field)
			if el == nil {
				t.Fatalf("no element #%s", field)
			}
			if el.Data != "fieldset" && scAttr(el, "aria-invalid") != "true" {
				t.Errorf("#%s is not marked invalid", field)
			}
			errEl := scByID(p.doc, field+"-error")
			if errEl == nil || !strings.Contains(scAttr(el, "aria-describedby"), field+"-error") {
				t.Fatalf("#%s has no described error", field)
			}
			if tc.errKey != "" && !strings.Contains(scText(errEl), tc.errKey) {
				t.Errorf("error text %q, want %q", scText(errEl), tc.errKey)
			}
			summary := scByID(p.doc, "error-summary")
			links := scElems(summary, "a", func(n *html.Node) bool { return scAttr(n, "href") == "#"+field })
			if len(links) == 0 {
				t.Errorf("the error summary does not link to #%s: %q", field, scText(summary))
			}
			if id, want := tc.kept[0], tc.kept[1]; id != "" {
				el := scByID(p.doc, id)
				got := scAttr(el, "value")
				switch el.Data {
				case "textarea":
					got = scText(el)
				case "select":
					for _, o := range scElems(el, "option", nil) {
						if _, sel := scAttrOK(o, "selected"); sel {
							got = scAttr(o, "value")
						}
					}
				}
				if got != want {
					t.Errorf("#%s kept %q, want %q", id, got, want)
				}
			}
			if f.snapshot(c) != before {
				t.Error("refused input changed the case")
			}
		})
	}
}

func scAttrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// TestViewerCannotAct: a viewer sees the case but no action, and every
// action POST is 403 with nothing changed.
func TestViewerCannotAct(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.viewer)
	c := f.inState(workflow.StateInProgress)
	p := cl.get("/staff/cases/" + c.Receipt)
	if p.status != http.StatusOK {
		t.Fatalf("viewer's case page = %d", p.status)
	}
	for _, a := range scFormActions(p.doc) {
		if strings.HasPrefix(a, "/staff/cases/") {
			t.Errorf("a viewer is offered %s", a)
		}
	}
	if scByID(p.doc, "readonly") == nil {
		t.Error("the page does not say it is read-only")
	}
	before := f.snapshot(c)
	for action, form := range scValidForms {
		path, _ := f.actionURL(c, action)
		if p := cl.post(path, scClone(form)); p.status != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", action, p.status)
		}
	}
	if f.snapshot(c) != before {
		t.Error("a viewer changed the case")
	}
	if p := cl.get("/staff/cases/new"); p.status != http.StatusForbidden {
		t.Errorf("viewer's new-case page = %d, want 403", p.status)
	}
	if p := cl.post("/staff/cases/new", url.Values{"org": {f.org.Slug}, "name": {"X"}}); p.status != http.StatusForbidden {
		t.Errorf("viewer entering a case = %d, want 403", p.status)
	}
}

// TestOtherOrganisationGets404: staff of one organisation never see or
// change another's case: the case page, every action and every task URL
// are 404s (not 403), and nothing changes.
func TestOtherOrganisationGets404(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	intruder := f.login(t, f.dpo2)
	c := f.inState(workflow.StateInProgress)
	before := f.snapshot(c)
	if p := intruder.get("/staff/cases/" + c.Receipt); p.status != http.StatusNotFound {
		t.Errorf("GET another organisation's case = %d", p.status)
	}
	if p := intruder.get("/staff/cases/" + strings.ToLower(c.Receipt)); p.status != http.StatusNotFound {
		t.Errorf("GET another organisation's case (lower case) = %d", p.status)
	}
	for action, form := range scValidForms {
		path, _ := f.actionURL(c, action)
		if p := intruder.post(path, scClone(form)); p.status != http.StatusNotFound {
			t.Errorf("POST %s on another organisation's case = %d, want 404", action, p.status)
		}
	}
	// Their own case with this organisation's task id: still not found.
	own := f.paper(f.org2, f.env.Clock.Now().Add(-time.Hour), "in_person", nil)
	tk, _ := f.task(f.org, c.ID, false)
	for _, a := range []string{"reassign", "answer"} {
		path := fmt.Sprintf("/staff/cases/%s/tasks/%d/%s", own.Receipt, tk.ID, a)
		if p := intruder.post(path, scClone(scValidForms[a])); p.status != http.StatusNotFound {
			t.Errorf("POST %s with another organisation's task = %d, want 404", path, p.status)
		}
	}
	// The new-case form does not take another organisation either.
	if p := intruder.get("/staff/cases/new?org=" + f.org.Slug); p.status != http.StatusNotFound {
		t.Errorf("new case for another organisation = %d, want 404", p.status)
	}
	form := scClone(scNewCase)
	form.Set("org", f.org.Slug)
	if p := intruder.post("/staff/cases/new", form); p.status != http.StatusNotFound {
		t.Errorf("entering a case for another organisation = %d, want 404", p.status)
	}
	if f.snapshot(c) != before {
		t.Error("another organisation's staff changed the case")
	}
	// Unknown receipts and actions are 404s too.
	own1 := f.login(t, f.dpo)
	for _, path := range []string{"/staff/cases/RD-2026-999999", "/staff/cases/../../etc", "/staff/cases/x"} {
		if p := own1.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s = %d", path, p.status)
		}
	}
	if p := own1.post("/staff/cases/"+c.Receipt+"/actions/delete", nil); p.status != http.StatusNotFound {
		t.Errorf("unknown action = %d", p.status)
	}
}

// TestActionWithoutCSRF: a POST without the form token is refused (403)
// and changes nothing.
func TestActionWithoutCSRF(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	c := f.inState(workflow.StateInProgress)
	before := f.snapshot(c)
	for _, tok := range []string{"", "forged-token"} {
		form := scClone(scValidForms["note"])
		form.Set("_csrf", tok)
		if p := cl.post("/staff/cases/"+c.Receipt+"/actions/note", form); p.status != http.StatusForbidden {
			t.Errorf("POST with CSRF %q = %d, want 403", tok, p.status)
		}
	}
	if f.snapshot(c) != before {
		t.Error("a POST without CSRF token changed the case")
	}
}

// TestTimelineShowsActions: the timeline is the audit chain, newest first,
// with localized action names and the chain's check; a removed event is
// reported by its seq.
func TestTimelineShowsActions(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	c := f.inState(workflow.StateInProgress)
	steps := []struct{ action, form string }{
		{"note", "note=called the requester"},
		{"pause", "reason=waiting for clarification"},
		{"resume", ""},
		{"extend", "reason=many registers"},
	}
	for _, s := range steps {
		form, _ := url.ParseQuery(s.form)
		if p := cl.post("/staff/cases/"+c.Receipt+"/actions/"+s.action, form); p.status != http.StatusSeeOther {
			t.Fatalf("%s = %d", s.action, p.status)
		}
	}
	p := cl.get("/staff/cases/" + c.Receipt)
	var names []string
	for _, n := range scElems(p.doc, "strong", func(n *html.Node) bool { return scHasClass(n, "sc-tl-action") }) {
		names = append(names, scText(n))
	}
	want := []string{"Deadline extended", "Clock resumed", "Clock paused", "Internal note", "Identity established"}
	if len(names) < len(want) || !slices.Equal(names[:len(want)], want) {
		t.Errorf("timeline starts %v, want %v", names, want)
	}
	if names[len(names)-1] != "Request received" {
		t.Errorf("timeline ends with %q", names[len(names)-1])
	}
	tl := scText(scByID(p.doc, "timeline"))
	for _, s := range []string{"Dana Dpo", "called the requester", "waiting for clarification", "In progress → Paused", "many registers", "2 June 2026"} {
		if !strings.Contains(tl, s) {
			t.Errorf("timeline lacks %q", s)
		}
	}
	// The page shows the last verification, not a check on every view.
	if chain := scByID(p.doc, "chain"); scAttr(chain, "data-chain") != "unverified" {
		t.Errorf("chain check before any verification %q", scText(chain))
	}
	if _, err := f.env.Workflow.Checkpoint(f.env.Ctx); err != nil {
		t.Fatal(err)
	}
	p = cl.get("/staff/cases/" + c.Receipt)
	if chain := scByID(p.doc, "chain"); scAttr(chain, "data-chain") != "intact" || !strings.Contains(scText(chain), "verified") {
		t.Errorf("chain check %q", scText(chain))
	}
	// In Finnish and Swedish too.
	for lang, s := range map[string]string{"fi": "Määräaikaa jatkettu", "sv": "Tidsfristen förlängd"} {
		cl.get("/staff/lang/" + lang)
		if p := cl.get("/staff/cases/" + c.Receipt); !strings.Contains(scText(scByID(p.doc, "timeline")), s) {
			t.Errorf("%s timeline lacks %q", lang, s)
		}
	}
	// Removing an event (triggers off, as a superuser could) breaks the
	// chain at its seq; the page shows it after the next verification.
	err := pgx.BeginFunc(f.env.Ctx, f.env.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(f.env.Ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		_, err := tx.Exec(f.env.Ctx, `DELETE FROM audit_events WHERE case_id = $1 AND seq = 4`, c.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := f.env.Workflow.VerifyAudit(f.env.Ctx, c.OrgID); err != nil || r.OK() {
		t.Fatalf("verify after a deletion: %+v %v", r, err)
	}
	chain := scByID(cl.get("/staff/cases/"+c.Receipt).doc, "chain")
	if scAttr(chain, "data-chain") != "broken" || !strings.Contains(scText(chain), "4") {
		t.Errorf("broken chain shown as %q", scText(chain))
	}
}

// TestOddInputIsNotAnError: NUL bytes and invalid UTF-8 are input to
// validate, never a 500.
func TestOddInputIsNotAnError(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	c := f.inState(workflow.StateInProgress)
	before := f.snapshot(c)
	// Input is checked once at the edge: text PostgreSQL cannot store is a
	// 422 that names the field by its label, and nothing is stored.
	for _, note := range []string{"\x00", "ok \xff text", "bell \x07"} {
		p := cl.post("/staff/cases/"+c.Receipt+"/actions/note", url.Values{"note": {note}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "“Note”") {
			t.Errorf("note %q = %d, want 422 naming the field: %s", note, p.status, p.body)
		}
	}
	if after := f.snapshot(c); !reflect.DeepEqual(before, after) {
		t.Errorf("refused notes changed the case:\n%+v\n%+v", before, after)
	}
	if p := cl.post("/staff/cases/"+c.Receipt+"/actions/note", url.Values{"note": {"tab\tand\r\nlines ä"}}); p.status != http.StatusSeeOther {
		t.Errorf("note with tab and line breaks = %d, want 303", p.status)
	}
	if p := cl.get("/staff/?q=%FF%00" + strings.Repeat("ä", 60)); p.status != http.StatusUnprocessableEntity {
		t.Errorf("odd search = %d, want 422", p.status)
	}
	if p := cl.get("/staff/?after=garbage&band=nope&state=nope&right=nope"); p.status != http.StatusOK {
		t.Errorf("odd filters = %d", p.status)
	}
}
