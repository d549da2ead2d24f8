package api_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/demo"
	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// productEvents drives cases of f.org through every state and the other
// recorded steps (an extension, a document request's decision, an
// emailed request's triage, a web request's code), as the product does,
// and returns what their chains hold: action -> data keys. The demo's
// events are held to it.
func productEvents(t *testing.T, f *scFx) (map[string]map[string]bool, []store.Case) {
	t.Helper()
	ctx, wf, org := f.env.Ctx, f.env.Workflow, f.org
	actor := workflow.StaffActor(f.dpoUserID)
	var cases []store.Case
	for _, st := range workflow.States {
		cases = append(cases, f.inState(st))
	}
	ext := f.paper(org, f.env.Clock.Now().Add(-48*time.Hour), "in_person", func(r *workflow.Request) { r.DocumentRequest = true })
	if err := wf.Extend(ctx, org, ext.CaseID, actor, "many registers"); err != nil {
		t.Fatal(err)
	}
	if err := wf.DecideDocumentRequest(ctx, org, ext.CaseID, actor, "partly_disclosed", "another person's data", nil); err != nil {
		t.Fatal(err)
	}
	// RB-1, D-10: a withdrawal of consent aimed at a register whose basis
	// is not consent is counted on the routing.
	consent := f.paper(org, f.env.Clock.Now().Add(-48*time.Hour), "", func(r *workflow.Request) {
		r.Rights, r.AllRegisters, r.RegisterIDs = []string{"withdraw_consent"}, false, []int64{f.regOwned, f.regQueue}
	})
	emailed := f.caseByReceipt(org, f.emailed(org))
	if err := wf.Triage(ctx, org, emailed.ID, actor, workflow.Request{Rights: []string{"access"}, AllRegisters: true,
		Name: "Maija Meikäläinen", Email: "maija@example.fi", Lang: "fi", Delivery: "electronic"}); err != nil {
		t.Fatal(err)
	}
	web, err := wf.SubmitWeb(ctx, org, workflow.Request{Rights: []string{"erasure"}, AllRegisters: true, Name: "Eino Laine",
		Email: "eino@example.fi", Lang: "fi", Delivery: "electronic", Details: "Poistakaa tietoni."})
	if err != nil {
		t.Fatal(err)
	}
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	code := ""
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, "eino@example.fi") && m.Headers.Get("X-Rightsdesk-Kind") == "code" {
			code = inCodeRe.FindStringSubmatch(m.Text)[1]
		}
	}
	if _, err := wf.ConfirmCode(ctx, org, web.CaseID, code); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{ext.CaseID, consent.CaseID, emailed.ID, web.CaseID} {
		c, err := store.New(f.env.Pool).CaseByID(ctx, org.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	vocab := map[string]map[string]bool{}
	for _, c := range cases {
		trail, err := store.New(f.env.Pool).AuditTrail(ctx, org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range trail {
			if vocab[ev.Action] == nil {
				vocab[ev.Action] = map[string]bool{}
			}
			for k := range ev.Data {
				vocab[ev.Action][k] = true
			}
		}
	}
	for _, a := range []string{"received", "confirmed", "routed", "triage", "verify_identity", "task_sent", "task_answered",
		"answer_ready", "mark_answered", "close", "pause", "extend", "doc_decide", "refuse", "withdraw"} {
		if vocab[a] == nil {
			t.Fatalf("the product's paths wrote no %q event: the comparison would prove nothing (%v)", a, vocab)
		}
	}
	return vocab, cases
}

var (
	rawCodeRe = regexp.MustCompile(`\b[a-z][a-z0-9]*(_[a-z0-9]+)+\b`) // in_person, known_email, tasks_created
	isoDateRe = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
)

// checkTimeline fails on what a case page's timeline must never show: a
// Go formatting error, an action without its words (the "Event: %s"
// fallback), an unknown actor, a data key or code as recorded, an ISO
// date in Finnish or Swedish (terms.md).
func checkTimeline(t *testing.T, f *scFx, lang, receipt string, p htmlPage) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("%s (%s) = %d", receipt, lang, p.status)
	}
	if i := strings.Index(p.body, "%!"); i >= 0 {
		t.Errorf("%s (%s): a formatting error on the page: %q", receipt, lang, p.body[max(0, i-80):min(len(p.body), i+40)])
	}
	fallback := strings.TrimSpace(f.env.Catalog.T(lang, "timeline.other", "")) // "Event:"
	items := scElems(p.doc, "li", func(n *html.Node) bool { return scAttr(n, "data-seq") != "" })
	if len(items) == 0 {
		t.Fatalf("%s (%s): no timeline", receipt, lang)
	}
	for _, li := range items {
		action := scText(scFindAll(li, func(n *html.Node) bool { return scHasClass(n, "sc-tl-action") })[0])
		if strings.HasPrefix(action, fallback) || rawCodeRe.MatchString(action) {
			t.Errorf("%s (%s): an action without its words: %q", receipt, lang, action)
		}
		for _, sp := range scFindAll(li, func(n *html.Node) bool { return n.Data == "span" && n.Parent == li }) {
			if who := strings.TrimSpace(strings.TrimPrefix(scText(sp), "·")); who == demo.Actor || rawCodeRe.MatchString(who) {
				t.Errorf("%s (%s): actor %q as recorded", receipt, lang, who)
			}
		}
		for _, d := range scFindAll(li, func(n *html.Node) bool {
			return n.Data == "li" && n.Parent != nil && scHasClass(n.Parent, "sc-tl-details")
		}) {
			txt := scText(d)
			if rawCodeRe.MatchString(txt) {
				t.Errorf("%s (%s): %q in the timeline of %q shows a code as recorded", receipt, lang, txt, action)
			}
			if lang != "en" && isoDateRe.MatchString(txt) {
				t.Errorf("%s (%s): %q in the timeline of %q has an ISO date", receipt, lang, txt, action)
			}
		}
	}
}

// TestDemoCasePagesReadAsTheProducts (found in a walkthrough): `rightsdesk
// demo` wrote audit actions, data and identity methods the product never
// writes ("identity_verified", "tasks_created", "Tapa: suomi_fi", "Status
// ändrades: closed → %!s(MISSING)"). A small demo set now writes only
// what the product writes, action by action, key by key, and with the
// product's identity methods; its case pages (and the product's own)
// render in every language with no formatting error, no raw action, key
// or code, and no ISO date in Finnish or Swedish.
func TestDemoCasePagesReadAsTheProducts(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(scHelsinki(2026, 3, 7, 10))
	ctx := f.env.Ctx
	vocab, product := productEvents(t, f)

	if _, err := demo.Generate(ctx, f.env.Pool, f.env.Keys, f.org, demo.Options{Cases: 300, Years: 1, Seed: 11, Now: f.env.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.env.Pool.Query(ctx, `SELECT e.action, e.data FROM audit_events e WHERE e.org_id = $1 AND e.actor = $2`, f.org.ID, demo.Actor)
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]int{}
	for rows.Next() {
		var action string
		var raw []byte
		if err := rows.Scan(&action, &raw); err != nil {
			t.Fatal(err)
		}
		written[action]++
		keys, ok := vocab[action]
		if !ok {
			t.Errorf("demo writes action %q, which the product never writes", action)
			continue
		}
		var data map[string]any
		if err := json.Unmarshal(raw, &data); err != nil {
			t.Fatal(err)
		}
		for k, v := range data {
			if !keys[k] {
				t.Errorf("demo's %q event has key %q, which the product's has not (%s)", action, k, raw)
			}
			if k == "method" && !slices.Contains(workflow.IdentityMethods, v.(string)) {
				t.Errorf("demo's %q event records method %v, not one of the product's %v", action, v, workflow.IdentityMethods)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, a := range []string{"received", "confirmed", "routed", "triage", "verify_identity", "task_sent", "task_answered",
		"answer_ready", "mark_answered", "close", "pause", "extend", "doc_decide", "refuse", "withdraw"} {
		if written[a] == 0 {
			missing = append(missing, a)
		}
	}
	if len(missing) > 0 {
		t.Errorf("demo writes no %v events: its cases do not walk the product's paths (%v)", missing, written)
	}
	var methods []string
	if err := f.env.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT identity_method), '{}') FROM cases WHERE org_id = $1`,
		f.org.ID).Scan(&methods); err != nil {
		t.Fatal(err)
	}
	for _, m := range methods {
		if m != "" && !slices.Contains(workflow.IdentityMethods, m) {
			t.Errorf("a demo case's identity method is %q, not one of %v", m, workflow.IdentityMethods)
		}
	}

	// Every demo case's page in English, and one of each state in Finnish
	// and Swedish; the product's cases in all three.
	var receipts []string
	firstOf := map[string]string{}
	rs, err := f.env.Pool.Query(ctx, `SELECT receipt, state FROM cases WHERE org_id = $1 AND id > $2 ORDER BY id`, f.org.ID, product[len(product)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var r, st string
		if err := rs.Scan(&r, &st); err != nil {
			t.Fatal(err)
		}
		receipts = append(receipts, r)
		if firstOf[st] == "" {
			firstOf[st] = r
		}
	}
	if err := rs.Err(); err != nil || len(receipts) != 300 {
		t.Fatalf("%d demo cases, %v", len(receipts), err)
	}
	cl := f.login(t, f.dpo)
	for _, r := range receipts {
		checkTimeline(t, f, "en", r, cl.get(caseURL(r)))
	}
	sample := make([]string, 0, len(firstOf))
	for _, r := range firstOf {
		sample = append(sample, r)
	}
	sort.Strings(sample)
	for _, c := range product {
		sample = append(sample, c.Receipt)
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if p := cl.get("/staff/lang/" + lang); p.status != http.StatusSeeOther {
			t.Fatalf("language switch = %d", p.status)
		}
		for _, r := range sample {
			checkTimeline(t, f, lang, r, cl.get(caseURL(r)))
		}
	}
}
