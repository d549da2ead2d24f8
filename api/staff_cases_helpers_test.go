package api_test

import (
	"bytes"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// Fixtures of the staff case pages' tests (issue 12): two organisations,
// each with a register that has an owner and one in the DPO's queue
// (D-11), a DPO and a viewer of the first and a DPO of the second.

const scPassword = "case pages test password"

type scFx struct {
	t         *testing.T
	env       *testenv.Env
	base      string
	org, org2 store.Org
	regOwned  int64 // register with an owner email
	regQueue  int64 // register without: its tasks sit in the DPO's queue
	regOwned2 int64
	auth      *workflow.StaffAuth
	dpo       string
	viewer    string
	dpo2      string
	dpoUserID int64
}

func newSCFx(t *testing.T) *scFx {
	t.Helper()
	env := testenv.New(t)
	f := &scFx{t: t, env: env}
	f.org = env.Org("espoo", "Espoon kaupunki", "Esbo stad", "fi")
	f.org2 = env.Org("vantaa", "Vantaan kaupunki", "Vanda stad", "fi")
	f.regOwned = env.Register(f.org.ID, "Varhaiskasvatuksen asiakasrekisteri", "e", "owner@espoo.test")
	f.regQueue = env.Register(f.org.ID, "Kirjaston asiakasrekisteri", "a", "")
	f.regOwned2 = env.Register(f.org2.ID, "Vantaan rekisteri", "e", "owner@vantaa.test")
	f.auth = &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	f.dpo, f.viewer, f.dpo2 = "dpo@espoo.test", "viewer@espoo.test", "dpo@vantaa.test"
	f.dpoUserID = f.addUser(f.dpo, "Dana Dpo", f.org.ID, workflow.RoleDPO)
	f.addUser(f.viewer, "Veera Viewer", f.org.ID, workflow.RoleViewer)
	f.addUser(f.dpo2, "Ville Vantaa", f.org2.ID, workflow.RoleDPO)
	f.base = env.HTTP().URL
	return f
}

func (f *scFx) addUser(email, name string, orgID int64, role string) int64 {
	f.t.Helper()
	res, err := f.auth.AddUser(f.env.Ctx, workflow.NewStaff{Email: email, Name: name, Lang: "en", OrgID: orgID, Role: role, Password: scPassword}, workflow.ActorCLI)
	if err != nil {
		f.t.Fatal(err)
	}
	return res.UserID
}

// scClient is a signed-in browser: cookies kept, redirects not followed.
type scClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

// login signs in through the sign-in page and keeps the CSRF token.
func (f *scFx) login(t *testing.T, email string) *scClient {
	t.Helper()
	c := &scClient{t: t, base: f.base, c: testenv.Client()}
	lp := c.get("/staff/login")
	tok, _ := htmlCSRF(lp.doc)
	if tok == "" {
		t.Fatalf("no CSRF token on the sign-in page (status %d)", lp.status)
	}
	c.csrf = tok
	p := c.post("/staff/login", url.Values{"email": {email}, "password": {scPassword}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s = %d", email, p.status)
	}
	// Staff pages in English unless a test switches.
	if p := c.get("/staff/lang/en"); p.status != http.StatusSeeOther {
		t.Fatalf("language switch = %d", p.status)
	}
	// Sign-in rotates the CSRF token: take the new one, as a browser does
	// from the next page it loads.
	if tok, _ := htmlCSRF(c.get("/staff/").doc); tok == "" || tok == c.csrf {
		t.Fatalf("the CSRF token was not rotated at sign-in")
	} else {
		c.csrf = tok
	}
	return c
}

func (c *scClient) do(req *http.Request) htmlPage {
	c.t.Helper()
	return htmlFetch(c.t, c.c, req)
}

func (c *scClient) get(path string) htmlPage {
	c.t.Helper()
	return c.do(formRequest(c.t, http.MethodGet, c.base+path, nil))
}

// post sends a form with the CSRF token (unless the form sets _csrf).
func (c *scClient) post(path string, form url.Values) htmlPage {
	c.t.Helper()
	// A copy: callers share forms between tests (package-level values),
	// and one client's token must never leak into another's request.
	form = maps.Clone(form)
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf)
	}
	return c.do(formRequest(c.t, http.MethodPost, c.base+path, form))
}

// postMultipart sends a multipart form with files (name -> content).
func (c *scClient) postMultipart(path string, form url.Values, files map[string]string) htmlPage {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	form.Set("_csrf", c.csrf)
	for k, vs := range form {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	for name, content := range files {
		fw, err := w.CreateFormFile("files", name)
		if err != nil {
			c.t.Fatal(err)
		}
		if _, err := fw.Write([]byte(content)); err != nil {
			c.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.do(req)
}

// ---- cases in every state --------------------------------------------------

var scRequest = workflow.Request{
	Rights: []string{"access"}, AllRegisters: true, Name: "Maija Meikäläinen", Email: "maija@example.fi",
	Lang: "fi", Hetu: "131052-308T",
}

// paper enters a request received at receivedAt (DL-4); with a method,
// identity is established at once and the tasks open.
func (f *scFx) paper(org store.Org, receivedAt time.Time, method string, mod func(*workflow.Request)) workflow.Submission {
	f.t.Helper()
	r := scRequest
	r.Rights = append([]string(nil), r.Rights...)
	if mod != nil {
		mod(&r)
	}
	sub, err := f.env.Workflow.EnterRequest(f.env.Ctx, org, workflow.StaffActor(f.dpoUserID), workflow.PaperRequest{
		Request: r, Channel: "paper", ReceivedAt: receivedAt, IdentityMethod: method, Authority: authorityWith(method)})
	if err != nil {
		f.t.Fatalf("entering request: %v", err)
	}
	return sub
}

// authorityWith: identity established at the counter comes here with the
// representative's authority shown too (ID-5), so the tasks open.
func authorityWith(method string) string {
	if method == "" {
		return ""
	}
	return workflow.AuthorityShown
}

// emailed stores a request that came by email: it needs triage.
func (f *scFx) emailed(org store.Org) string {
	f.t.Helper()
	raw := "From: Maija <maija@example.fi>\r\nTo: " + org.PrivacyEmail + "\r\nSubject: Tietopyyntö\r\n\r\nPyydän tietoni kirjastosta.\r\n"
	receipt, err := f.env.Workflow.ReceiveEmail(f.env.Ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "maija@example.fi",
		Raw: []byte(raw), ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		f.t.Fatal(err)
	}
	return receipt
}

func (f *scFx) caseByReceipt(org store.Org, receipt string) store.Case {
	f.t.Helper()
	c, err := store.New(f.env.Pool).CaseByReceipt(f.env.Ctx, []int64{org.ID}, receipt)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *scFx) tasks(org store.Org, caseID int64) []store.Task {
	f.t.Helper()
	ts, err := store.New(f.env.Pool).TasksOfCase(f.env.Ctx, org.ID, caseID)
	if err != nil {
		f.t.Fatal(err)
	}
	return ts
}

// task returns the case's task in the owned register or the queue one.
func (f *scFx) task(org store.Org, caseID int64, queue bool) (store.Task, bool) {
	for _, t := range f.tasks(org, caseID) {
		if (t.OwnerEmail == "") == queue {
			return t, true
		}
	}
	return store.Task{}, false
}

// inState makes a case of f.org in state st through the workflow.
func (f *scFx) inState(st workflow.State) store.Case {
	f.t.Helper()
	ctx, wf, org := f.env.Ctx, f.env.Workflow, f.org
	actor := workflow.StaffActor(f.dpoUserID)
	check := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatalf("driving a case to %s: %v", st, err)
		}
	}
	if st == workflow.StateReceived {
		return f.caseByReceipt(org, f.emailed(org))
	}
	received := f.env.Clock.Now().Add(-24 * time.Hour)
	method := ""
	switch st {
	case workflow.StateAwaitingIdentity, workflow.StateRefused, workflow.StateWithdrawn:
	default:
		method = "in_person"
	}
	sub := f.paper(org, received, method, nil)
	id := sub.CaseID
	answerAll := func() {
		for _, t := range f.tasks(org, id) {
			by := workflow.OwnerActor(t.ID)
			if t.OwnerEmail == "" {
				by = actor
			}
			check(wf.AnswerTask(ctx, org, t.ID, by, workflow.TaskAnswer{Answer: "no_data"}))
		}
	}
	switch st {
	case workflow.StateAnswerReady:
		answerAll()
	case workflow.StateAnswered: // approved, rendered and sent (issue 18)
		answerAll()
		check(wf.SendAnswer(ctx, org, id, actor))
		f.env.WorkAll(jobargs.RenderAnswer{}.Kind())
	case workflow.StateClosed:
		answerAll()
		check(wf.SendAnswer(ctx, org, id, actor))
		f.env.WorkAll(jobargs.RenderAnswer{}.Kind())
		check(wf.Close(ctx, org, id, actor))
	case workflow.StatePaused:
		check(wf.Pause(ctx, org, id, actor, "waiting for the requester's clarification"))
	case workflow.StateRefused:
		check(wf.Refuse(ctx, org, id, actor, "art12_5_unfounded", "manifestly unfounded"))
	case workflow.StateWithdrawn:
		check(wf.Withdraw(ctx, org, id, actor, "by phone"))
	}
	c, err := store.New(f.env.Pool).CaseByID(ctx, org.ID, id)
	check(err)
	if workflow.State(c.State) != st {
		f.t.Fatalf("case is %s, want %s", c.State, st)
	}
	return c
}

// snapshot is what must not change when an action is refused.
type scSnapshot struct {
	state, updated string
	audit, outbox  int
	tasks          string
}

func (f *scFx) snapshot(c store.Case) scSnapshot {
	f.t.Helper()
	q := store.New(f.env.Pool)
	now, err := q.CaseByID(f.env.Ctx, c.OrgID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	ev, err := q.AuditTrail(f.env.Ctx, c.OrgID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	mails, err := q.OutboxByCase(f.env.Ctx, c.OrgID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var ts []string
	for _, t := range f.tasks(f.orgOf(c), c.ID) {
		ts = append(ts, t.State+"/"+t.OwnerEmail+"/"+t.Answer)
	}
	return scSnapshot{state: now.State, updated: now.UpdatedAt.String(), audit: len(ev), outbox: len(mails), tasks: strings.Join(ts, ",")}
}

func (f *scFx) orgOf(c store.Case) store.Org {
	if c.OrgID == f.org2.ID {
		return f.org2
	}
	return f.org
}

// ---- HTML helpers ------------------------------------------------------------

// The staff case tests' names for the shared helpers (helpers_test.go).

func scFindAll(n *html.Node, pred func(*html.Node) bool) []*html.Node { return htmlFindAll(n, pred) }

func scAttr(n *html.Node, key string) string { return htmlAttr(n, key) }

func scHasClass(n *html.Node, class string) bool { return htmlHasClass(n, class) }

func scByID(doc *html.Node, id string) *html.Node { return htmlByID(doc, id) }

func scElems(doc *html.Node, tag string, pred func(*html.Node) bool) []*html.Node {
	return htmlElems(doc, func(n *html.Node) bool { return n.Data == tag && (pred == nil || pred(n)) })
}

// scText separates the text of list items, table cells, definitions and
// paragraphs with a space.
func scText(n *html.Node) string {
	return htmlTextBreaking(n, func(n *html.Node) bool {
		return n.Type == html.ElementNode && (n.Data == "dt" || n.Data == "dd" || n.Data == "li" || n.Data == "td" || n.Data == "th" || n.Data == "br" || n.Data == "p")
	})
}

// scFormActions lists the action URLs of a page's POST forms.
func scFormActions(doc *html.Node) []string {
	var out []string
	for _, f := range scElems(doc, "form", func(n *html.Node) bool { return strings.EqualFold(scAttr(n, "method"), "post") }) {
		out = append(out, scAttr(f, "action"))
	}
	return out
}
