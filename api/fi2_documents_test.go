package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// A request for documents alone (FI-2, 621/1999 §14): the web form's "I
// also ask for documents" ticked and no GDPR right. Found in a
// walkthrough as a Swedish resident of Jakobstad: it got the GDPR
// receipt, waited for identity, could be decided but never closed, and
// its dashboard, case page and status page switched to a GDPR deadline
// once decided.

// fdWeb files a request through the web form in lang as a resident does:
// the form, the emailed code, the receipt page.
func fdWeb(t *testing.T, f *scFx, lang string, form url.Values) (string, htmlPage) {
	t.Helper()
	r := &scClient{t: t, base: f.base, c: testenv.Client()}
	base := "/" + lang + "/o/" + f.org.Slug
	tok, _ := htmlCSRF(r.get(base + "/request").doc)
	r.csrf = tok
	if p := r.post(base+"/request", form); p.status != http.StatusSeeOther || p.location() != base+"/confirm" {
		t.Fatalf("form = %d %q: %s", p.status, p.location(), strings.Join(p.summary(), "; "))
	}
	var code string
	for _, m := range rqMails(t, f.env, "code") {
		if slices.Contains(m.To, form.Get("email")) {
			if c := inCodeRe.FindStringSubmatch(m.Text); c != nil {
				code = c[1]
			}
		}
	}
	if code == "" {
		t.Fatal("no code mail")
	}
	tok, _ = htmlCSRF(r.get(base + "/confirm").doc)
	r.csrf = tok
	p := r.post(base+"/confirm", url.Values{"code": {code}})
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), base+"/done/") {
		t.Fatalf("code = %d %q", p.status, p.location())
	}
	done := r.get(p.location())
	if done.status != http.StatusOK {
		t.Fatalf("receipt page = %d", done.status)
	}
	return strings.TrimPrefix(p.location(), base+"/done/"), done
}

// fdDocumentsForm is the web form with documents asked for and no right.
func fdDocumentsForm(lang, email string) url.Values {
	return url.Values{"name": {"Sara Svensson"}, "email": {email}, "reply_lang": {lang}, "scope": {"all"},
		"period": {"all"}, "delivery": {"electronic"}, "behalf": {"self"}, "document_request": {"1"}, "op": {"send"}}
}

// fdMailTo is the latest mail of kind to address.
func fdMailTo(t *testing.T, f *scFx, kind, to string) mail.Caught {
	t.Helper()
	for _, m := range rqMails(t, f.env, kind) { // newest first
		if slices.Contains(m.To, to) {
			return m
		}
	}
	t.Fatalf("no %s mail to %s", kind, to)
	return mail.Caught{}
}

// fdOffered lists the actions whose forms a case page offers.
func fdOffered(p htmlPage, path string) []string {
	var out []string
	for _, a := range scFormActions(p.doc) {
		if act, ok := strings.CutPrefix(a, path+"/actions/"); ok {
			out = append(out, act)
		}
	}
	return out
}

func fdLacks(t *testing.T, what, text string, never ...string) {
	t.Helper()
	for _, n := range never {
		if strings.Contains(text, n) {
			t.Errorf("%s says %q:\n%s", what, n, text)
		}
	}
}

func fdHas(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// FI-2: a request for documents alone runs on its own clock only, from
// the receipt to its closing: its receipt (page and mail) gives the
// decision date and the Openness Act's rule, no GDPR date or text; it
// needs no identity, is offered no GDPR step, and its decision answers
// it, so the DPO can close it; the dashboard, the case page and the
// status page never name a GDPR deadline, and the status page says when
// it was decided, in the resident's language.
func TestFI2DocumentsOnlyRequestFromReceiptToClose(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	// Received Tue 3 March 2026: the two weeks end Tue 17 March; the
	// GDPR's month would end on Good Friday 3 April -> Tue 7 April.
	const docDue, gdprDue = "17.3.2026", "7.4.2026"
	email := "sara@example.se"
	receipt, done := fdWeb(t, f, "sv", fdDocumentsForm("sv", email))

	// The receipt page.
	page := scText(scByID(done.doc, "main"))
	if page == "" {
		page = scText(done.doc)
	}
	fdHas(t, "receipt page", page, "har tagit emot din begäran om handlingar", docDue, "621/1999")
	fdLacks(t, "receipt page", page, "dataskyddsbegäran", gdprDue, "två månader", "Alla register", "ansvarspersoner", "identitet")
	if scByID(done.doc, "due") != nil || scByID(done.doc, "registers") != nil {
		t.Error("receipt page shows the GDPR due date or the registers")
	}
	if d := scByID(done.doc, "doc-due"); d == nil || scText(d) != docDue {
		t.Errorf("receipt page's decision date: %q", scText(d))
	}

	// The receipt mail.
	m := fdMailTo(t, f, "receipt", email)
	fdHas(t, "receipt mail", m.Text, "har tagit emot din begäran om handlingar", "Begäran om handlingar avgörs senast: "+docDue,
		"621/1999", "beslutar om handlingarna lämnas ut", receipt)
	fdLacks(t, "receipt mail", m.Text+m.HTML, "dataskyddsbegäran", "Vi svarar senast", gdprDue, "två månader",
		"Alla register", "ansvarspersoner", "identitet", "säker länk")

	// No identity step: the DPO decides it at once.
	c := f.caseByReceipt(f.org, receipt)
	if c.State != string(workflow.StateInProgress) || c.GDPR || !c.DocumentRequest {
		t.Fatalf("confirmed request for documents alone: state %s gdpr=%v documents=%v", c.State, c.GDPR, c.DocumentRequest)
	}
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + receipt
	cp := cl.get(path)
	offered := fdOffered(cp, path)
	for _, a := range []string{"doc_decide", "doc_extend", "withdraw"} {
		if !slices.Contains(offered, a) {
			t.Errorf("case page does not offer %s: %v", a, offered)
		}
	}
	for _, a := range []string{"verify_identity", "extend", "pause", "refuse", "close"} {
		if slices.Contains(offered, a) {
			t.Errorf("case page offers %s to a request for documents alone: %v", a, offered)
		}
	}
	if scByID(cp.doc, "doc-decide-answers") == nil {
		t.Error("the decision form does not say it answers the request")
	}
	if scByID(cp.doc, "identity") != nil {
		t.Error("the case page waits for an identity the request does not need")
	}
	// No registers: the request is for documents, not personal data.
	fdLacks(t, "case page request", scText(scByID(cp.doc, "request")), f.env.Catalog.T("en", "staffcase.f.registers"))
	fdLacks(t, "case page timeline", scText(scByID(cp.doc, "timeline")), "statutory due date", "7 April 2026")
	deadlines := scText(scByID(cp.doc, "deadlines"))
	fdHas(t, "case page deadlines", deadlines, "17 March 2026")
	fdLacks(t, "case page deadlines", deadlines, "Legal due date", "One month ends", "target")
	if u := scByID(cp.doc, "case-urgent"); u == nil || scAttr(u, "data-clock") != "fi2_two_weeks" {
		t.Errorf("case page urgency: %q", scText(u))
	}
	// The GDPR's steps are refused, whatever is posted.
	for act, form := range map[string]url.Values{"extend": {"reason": {"många"}}, "pause": {"reason": {"fråga"}},
		"refuse": {"ground": {"art12_5_excessive"}, "reason": {"x"}}} {
		if p := cl.post(path+"/actions/"+act, form); p.status != http.StatusConflict ||
			!strings.Contains(scText(p.doc), "A request for documents alone has none of the GDPR steps") {
			t.Errorf("%s on a request for documents alone = %d", act, p.status)
		}
	}
	if st := f.caseByReceipt(f.org, receipt); st.ExtendedDue != nil || st.PausedAt != nil || st.State != string(workflow.StateInProgress) {
		t.Fatalf("a refused GDPR step changed the case: %+v", st)
	}
	row := scText(scRowOf(cl.get("/staff/").doc, receipt))
	fdHas(t, "dashboard row", row, "17 March 2026", "Openness Act (2 weeks)")
	fdLacks(t, "dashboard row", row, "GDPR", "7 April 2026")

	// The status page while it runs, in Swedish.
	_, view := rqStatus(t, f, "sv", receipt)
	if d := scByID(view.doc, "doc-due"); d == nil || scText(d) != docDue {
		t.Errorf("status page's decision date: %q", scText(d))
	}
	if scByID(view.doc, "due") != nil || scByID(view.doc, "tasks") != nil {
		t.Error("status page shows the GDPR due date or the registers")
	}
	next := scText(scByID(view.doc, "next"))
	fdHas(t, "status page's next step", next, "Vi behandlar din begäran om handlingar", docDue)
	fdLacks(t, "status page", scText(view.doc), "ansvarspersoner", gdprDue, "identitet")

	// Decided two days later: answered, and the DPO closes it.
	f.env.Clock.Advance(2 * 24 * time.Hour)
	cl = f.login(t, f.dpo) // the session ended meanwhile
	if p := cl.post(path+"/actions/doc_decide", url.Values{"decision": {"partly_disclosed"}, "note": {"Sekretess (24 §)"}}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d", p.status)
	}
	c = f.caseByReceipt(f.org, receipt)
	if c.State != string(workflow.StateAnswered) || c.AnsweredAt == nil || c.DocDecidedAt == nil {
		t.Fatalf("decided request for documents alone: state %s answered %v", c.State, c.AnsweredAt)
	}
	if dec := fdMailTo(t, f, "doc_decided", email); !strings.Contains(dec.Text, "Sekretess (24 §)") {
		t.Errorf("decision mail: %s", dec.Text)
	}
	cp = cl.get(path)
	if offered := fdOffered(cp, path); !slices.Contains(offered, "close") || slices.Contains(offered, "doc_decide") {
		t.Errorf("after the decision the case page offers %v; want close", offered)
	}
	// The documents themselves go outside the product: the DPO is told so.
	if n := scByID(cp.doc, "doc-deliver"); n == nil || !strings.Contains(scText(n), "Electronically") {
		t.Errorf("no word on delivering the documents: %q", scText(n))
	}
	fdLacks(t, "case page", scText(scByID(cp.doc, "deadlines")), "Legal due date")
	// Listed with answered requests under its own clock, not the GDPR's.
	row = scText(scRowOf(cl.get("/staff/?state=answered").doc, receipt))
	fdHas(t, "answered dashboard row", row, "17 March 2026", "Openness Act (2 weeks)")
	fdLacks(t, "answered dashboard row", row, "GDPR", "7 April 2026")

	_, view = rqStatus(t, f, "sv", receipt)
	if d := scByID(view.doc, "doc-decided"); d == nil || scText(d) != "5.3.2026: handlingarna lämnas ut delvis" {
		t.Errorf("status page's decision: %q", scText(d))
	}
	fdHas(t, "status page's next step", scText(scByID(view.doc, "next")), "Din begäran om handlingar avgjordes 5.3.2026", "besvärsanvisning")
	if scByID(view.doc, "due") != nil || scByID(view.doc, "doc-due") != nil {
		t.Error("a decided request's status page still shows a due date")
	}

	if p := cl.post(path+"/actions/close", nil); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d", p.status)
	}
	if c := f.caseByReceipt(f.org, receipt); c.State != string(workflow.StateClosed) {
		t.Fatalf("after close: %s", c.State)
	}
	_, view = rqStatus(t, f, "sv", receipt)
	fdHas(t, "closed status page", scText(scByID(view.doc, "next")), "avgjordes 5.3.2026")
}

// FI-2: a request for documents alone that arrived by email is triaged
// as one, and is in progress at once; one entered from a letter gets its
// receipt in the print queue with its decision date and the Openness
// Act's rule, not the GDPR's.
func TestFI2DocumentsOnlyTriagedAndOnPaper(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	receipt := f.emailed(f.org)
	form := url.Values{"document_request": {"1"}, "scope": {"all"}, "lang": {"en"}, "name": {"Maija Meikäläinen"},
		"email": {"maija@example.fi"}, "delivery": {"electronic"}}
	if p := cl.post("/staff/cases/"+receipt+"/actions/triage", form); p.status != http.StatusSeeOther {
		t.Fatalf("triage = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	if c := f.caseByReceipt(f.org, receipt); c.State != string(workflow.StateInProgress) || c.NeedsTriage || c.DocDue == nil {
		t.Fatalf("triaged request for documents alone: %s triage=%v", c.State, c.NeedsTriage)
	}
	m := fdMailTo(t, f, "receipt", "maija@example.fi")
	fdHas(t, "receipt mail", m.Text, "has received your request for documents", "decided by: 17 March 2026")
	fdLacks(t, "receipt mail", m.Text, "data protection request", "We will answer by", "two months", "register owners")

	// From a letter, with no email address: the receipt goes by post.
	sub := f.paper(f.org, f.env.Clock.Now(), "in_person", func(r *workflow.Request) {
		r.Rights, r.DocumentRequest, r.Email, r.Delivery, r.Address, r.Lang = nil, true, "", "paper", "Storgatan 1, 68600 Jakobstad", "sv"
	})
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateInProgress) || c.IdentityVerifiedAt != nil {
		t.Fatalf("entered request for documents alone: %s", c.State)
	}
	ls := lgQueuedOf(t, f, sub.CaseID, "receipt")
	if len(ls) != 1 {
		t.Fatalf("receipts queued: %d", len(ls))
	}
	txt := lgLetterText(t, cl, ls[0])
	fdHas(t, "receipt letter", txt, "har tagit emot din begäran om handlingar", "Begäran om handlingar (offentlighetslagen 621/1999)",
		"avgörs senast", "17.3.2026", "14 §")
	fdLacks(t, "receipt letter", txt, "dataskyddsbegäran", "Vi svarar senast", "7.4.2026", "två månader", "Alla register", "ansvarspersoner")
	if p := cl.post("/staff/cases/"+sub.Receipt+"/actions/doc_decide", url.Values{"decision": {"disclosed"}}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d", p.status)
	}
	if c := f.caseByReceipt(f.org, sub.Receipt); c.State != string(workflow.StateAnswered) {
		t.Fatalf("decided: %s", c.State)
	}
	if n := len(lgQueuedOf(t, f, sub.CaseID, "doc_decision")); n != 1 {
		t.Errorf("decision letters queued: %d", n)
	}
}

// FI-2: a request for GDPR rights and documents keeps both clocks: the
// receipt names both dates, identity is still needed, the GDPR extension
// is offered beside the FI-2 one, and the decision on the documents
// leaves the GDPR request running on its own deadline.
func TestFI2MixedRequestKeepsBothClocks(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	form := fdDocumentsForm("sv", "blandad@example.se")
	form["rights"] = []string{"access"}
	receipt, done := fdWeb(t, f, "sv", form)
	if scByID(done.doc, "due") == nil || scByID(done.doc, "doc-due") == nil {
		t.Error("a mixed request's receipt page lacks one of its dates")
	}
	m := fdMailTo(t, f, "receipt", "blandad@example.se")
	fdHas(t, "receipt mail", m.Text, "dataskyddsbegäran", "Vi svarar senast: 7.4.2026", "Begäran om handlingar avgörs senast: 17.3.2026", "två månader")
	if c := f.caseByReceipt(f.org, receipt); c.State != string(workflow.StateAwaitingIdentity) {
		t.Fatalf("mixed request after its code: %s, want awaiting_identity", c.State)
	}
	cl := f.login(t, f.dpo)
	path := "/staff/cases/" + receipt
	if p := cl.post(path+"/actions/verify_identity", url.Values{"method": {"matching_data"}}); p.status != http.StatusSeeOther {
		t.Fatalf("verify = %d", p.status)
	}
	mixed := cl.get(path)
	fdHas(t, "mixed request", scText(scByID(mixed.doc, "request")), f.env.Catalog.T("en", "staffcase.f.registers"))
	offered := fdOffered(mixed, path)
	for _, a := range []string{"extend", "doc_extend", "doc_decide", "pause", "refuse"} {
		if !slices.Contains(offered, a) {
			t.Errorf("mixed request: %s not offered: %v", a, offered)
		}
	}
	if p := cl.post(path+"/actions/doc_decide", url.Values{"decision": {"disclosed"}}); p.status != http.StatusSeeOther {
		t.Fatalf("doc_decide = %d", p.status)
	}
	c := f.caseByReceipt(f.org, receipt)
	if c.State != string(workflow.StateInProgress) || c.AnsweredAt != nil {
		t.Fatalf("mixed request after the decision on documents: %s", c.State)
	}
	if u := scByID(cl.get(path).doc, "case-urgent"); scAttr(u, "data-clock") != "gdpr" {
		t.Errorf("mixed request's urgency after the decision: %q", scAttr(u, "data-clock"))
	}
	_, view := rqStatus(t, f, "sv", receipt)
	if d := scByID(view.doc, "doc-decided"); d == nil || !strings.Contains(scText(d), "handlingarna lämnas ut") {
		t.Errorf("mixed status page's decision: %q", scText(d))
	}
	if d := scByID(view.doc, "due"); d == nil || scText(d) != "7.4.2026" || scByID(view.doc, "tasks") == nil {
		t.Error("mixed status page lost its GDPR due date or registers")
	}
	fdHas(t, "mixed status page", scText(scByID(view.doc, "next")), "ansvarspersoner")
}
