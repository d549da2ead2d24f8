package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// orgAuditWrappers are the functions that pass an action on to the
// organisation's chain, with the index of their action argument. A call
// of one with a literal names an organisation-level action.
var orgAuditWrappers = map[string]int{
	"breachAudit": 4, "changeBreach": 4, "auditAccount": 3, "sendInvite": 4, "AuditExport": 3,
}

// orgAuditForwarders may write a non-literal action: they forward their
// callers' (covered by orgAuditWrappers). A case's received event is built
// by receivedEvent (intake.go).
var orgAuditForwarders = []string{"audit", "auditAccount", "sendInvite", "AuditExport", "breachAudit", "changeBreach"}

// orgLevelActions reads the product's source for every action it writes
// to an organisation's own chain (case id 0, or an event without a case):
// s.audit(ctx, q, org, 0, actor, "x", ...), an AuditEvent literal
// without CaseID, and the wrappers above. A non-literal action outside a
// known forwarder fails the test: the walk must be taught it.
func orgLevelActions(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	fset := token.NewFileSet()
	lit := func(e ast.Expr) (string, bool) {
		if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
			s, err := strconv.Unquote(b.Value)
			return s, err == nil
		}
		return "", false
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "e2e" || n == "testdata" || strings.HasPrefix(n, ".") || n == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			forwarder := slices.Contains(orgAuditForwarders, fn.Name.Name)
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				name := ""
				switch f := call.Fun.(type) {
				case *ast.SelectorExpr:
					name = f.Sel.Name
				case *ast.Ident:
					name = f.Name
				}
				where := fset.Position(call.Pos()).String()
				switch {
				case name == "audit" && len(call.Args) >= 6:
					if z, ok := call.Args[3].(*ast.BasicLit); !ok || z.Value != "0" {
						return true // a case's event
					}
					if a, ok := lit(call.Args[5]); ok {
						found[a] = true
					} else if !forwarder {
						t.Errorf("%s: an organisation-level audit with a non-literal action: teach orgLevelActions", where)
					}
				case name == "AppendAudit" && len(call.Args) == 3:
					cl, ok := call.Args[2].(*ast.CompositeLit)
					if !ok {
						if !forwarder && !strings.Contains(where, "intake.go") {
							t.Errorf("%s: AppendAudit of a built event: teach orgLevelActions", where)
						}
						return true
					}
					var action ast.Expr
					caseLevel := false
					for _, el := range cl.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if !ok {
							continue
						}
						switch kv.Key.(*ast.Ident).Name {
						case "CaseID":
							caseLevel = true
						case "Action":
							action = kv.Value
						}
					}
					if caseLevel || action == nil {
						return true
					}
					if a, ok := lit(action); ok {
						found[a] = true
					} else if !forwarder {
						t.Errorf("%s: an organisation-level AppendAudit with a non-literal action: teach orgLevelActions", where)
					}
				default:
					if i, ok := orgAuditWrappers[name]; ok && len(call.Args) > i {
						if a, ok := lit(call.Args[i]); ok {
							found[a] = true
						}
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk finds what is known to be written (else it reads nothing).
	for _, a := range []string{"org.changed", "staff.invite", "staff.totp_enable", "breach_created", "breach_reminded",
		"breach_notified", "cases_exported", "archive_exported", "digest_sent", "keys.rotate", "catalogue_imported"} {
		if !found[a] {
			t.Errorf("the source walk missed %q", a)
		}
	}
	var out []string
	for a := range found {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Every action the product writes to an organisation's own chain is named
// in words in fi, sv and en on its audit log, never "Other event": breach
// events, CSV exports and archive downloads read "Other event" with raw
// keys (found in a walkthrough). The actions come from the source, so a
// new one cannot be forgotten.
func TestOrgAuditNamesEveryOrgLevelAction(t *testing.T) {
	t.Parallel()
	actions := orgLevelActions(t)
	f := newSCFx(t)
	q := store.New(f.env.Pool)
	for _, a := range actions {
		if err := q.AppendAudit(f.env.Ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, Actor: "cli", Action: a, At: f.env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	dpo := f.login(t, f.dpo)
	for _, lang := range []string{"fi", "sv", "en"} {
		if p := dpo.get("/staff/lang/" + lang); p.status != http.StatusSeeOther {
			t.Fatal(p.status)
		}
		p := dpo.get("/staff/orgs/espoo/audit")
		if p.status != http.StatusOK {
			t.Fatalf("audit page = %d", p.status)
		}
		other := f.env.Catalog.T(lang, "orgaudit.action.other")
		seen := map[string]bool{}
		for _, tr := range htmlFindAll(htmlByID(p.doc, "org-audit"), func(n *html.Node) bool { return htmlIs(n, "tr") && htmlAttr(n, "data-seq") != "" }) {
			a := htmlAttr(tr, "data-action")
			seen[a] = true
			if strings.Contains(htmlTextSpaced(tr), other) {
				t.Errorf("%s: %q reads %q", lang, a, other)
			}
		}
		for _, a := range actions {
			if !seen[a] {
				t.Errorf("%s: %q not listed", lang, a)
			}
		}
	}
}

// The details of a breach's events, an export's and a reminder's read in
// words: the decision and the risk as the breach form names them, the
// fields by their labels, counts as sentences; no data key or code
// ("Decision: not_notify · risk: none", "Fields: decision_reason",
// "cases: 46"; found in a walkthrough). BR: the reminder sent after the
// limit says so, not "0 h before the limit".
func TestOrgAuditBreachAndExportDetailsInWords(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	f.env.Clock.Set(time.Date(2026, 10, 24, 13, 0, 0, 0, workflow.Helsinki()))
	dpo := f.login(t, f.dpo)
	id := createBreach(t, dpo, breachForm(func(v url.Values) {
		v.Set("risk", "none")
		v.Set("decision", "not_notify")
		v.Set("decision_reason", "Encrypted disk.")
	}))
	base := "/staff/breaches/" + strconv.FormatInt(id, 10)
	v := breachForm(func(v url.Values) {
		v.Set("risk", "none")
		v.Set("decision", "not_notify")
		v.Set("decision_reason", "The disk was encrypted.")
	})
	if p := dpo.post(base, v); p.status != http.StatusSeeOther {
		t.Fatalf("edit = %d %v", p.status, p.summary())
	}
	// A second breach whose last reminder runs late, days after its limit.
	late := createBreach(t, dpo, breachForm(func(v url.Values) { v.Set("title", "Late one") }))
	b, err := q(f).BreachByID(f.env.Ctx, late)
	if err != nil {
		t.Fatal(err)
	}
	due := workflow.BreachDeadline(b.AwareAt)
	f.env.Clock.Set(due.Add(50 * time.Hour))
	if out, err := f.env.Workflow.SendBreachReminder(f.env.Ctx, jobargs.BreachReminder{BreachID: late, HoursBefore: 0, Due: due.Unix()}); err != nil || out != workflow.OutcomeSent {
		t.Fatalf("reminder = %v %v", out, err)
	}
	dpo = f.login(t, f.dpo)
	if p := dpo.post(base+"/close", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("close = %d %v", p.status, p.summary())
	}
	if p := dpo.get("/staff/cases.csv?state=received"); p.status != http.StatusOK {
		t.Fatalf("csv = %d", p.status)
	}
	// An archive download of 46 requests, as workflow.ExportArchive writes it.
	if err := q(f).AppendAudit(f.env.Ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, Actor: "staff:" + strconv.FormatInt(f.dpoUserID, 10),
		Action: "archive_exported", At: f.env.Clock.Now(), Data: map[string]any{"cases": 46}}); err != nil {
		t.Fatal(err)
	}
	p := dpo.get("/staff/orgs/espoo/audit")
	rows := map[string]string{}
	for _, tr := range htmlFindAll(htmlByID(p.doc, "org-audit"), func(n *html.Node) bool { return htmlIs(n, "tr") && htmlAttr(n, "data-seq") != "" }) {
		a := htmlAttr(tr, "data-action")
		var cells []string
		for _, td := range htmlFindAll(tr, func(n *html.Node) bool { return htmlIs(n, "td") }) {
			// The recorded code stays beside the words, for whoever
			// verifies the chain; the rest must be words.
			txt := htmlTextSpaced(td)
			txt = strings.TrimSpace(strings.TrimSuffix(txt, a))
			cells = append(cells, txt)
		}
		rows[a] = strings.Join(cells, " | ") // newest first: the oldest stays

	}
	want := map[string][]string{
		"breach_created":   {"Breach recorded", "Personal data breach no. 1", "Do not notify", "Unlikely to result in a risk", "Reasoning of the decision"},
		"breach_edited":    {"Breach record changed", "Fields: Reasoning of the decision", "Decision: Do not notify", "Risk assessment: Unlikely to result in a risk"},
		"breach_closed":    {"Breach closed", "Personal data breach no. 1", "Decision: Do not notify"},
		"breach_reminded":  {"Breach reminder sent", "Personal data breach no. 2", "Reminder sent after the limit had passed", "Sent to 1 recipient."},
		"cases_exported":   {"Requests exported (CSV)"},
		"archive_exported": {"Archive of requests downloaded", "46 requests archived."},
	}
	for a, ws := range want {
		row, ok := rows[a]
		if !ok {
			t.Errorf("%s not in the log", a)
			continue
		}
		for _, w := range ws {
			if !strings.Contains(row, w) {
				t.Errorf("%s reads %q, want %q in it", a, row, w)
			}
		}
		for _, code := range []string{"not_notify", "decision_reason", "none", "risk:", "cases:", "hours_before", "recipients", "breach:", "no:", "due:", "Other event", "state:", "notified:"} {
			if strings.Contains(row, code) {
				t.Errorf("%s shows %q: %s", a, code, row)
			}
		}
	}
	// The breach's own trail says the same of the late reminder.
	trail := htmlTextSpaced(htmlByID(dpo.get("/staff/breaches/"+strconv.FormatInt(late, 10)).doc, "breach-history"))
	if !strings.Contains(trail, "Reminder sent after the limit had passed") || strings.Contains(trail, "0 h before") {
		t.Errorf("the trail reads %q", trail)
	}
}

func q(f *scFx) *store.Q { return store.New(f.env.Pool) }
