package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The organisation's audit log: its DPO reads what was changed, by whom
// and when, in words, newest first, a page at a time; a viewer and
// another organisation's DPO do not (the settings page says every change
// is logged, and nothing showed the log; found in a walkthrough).
func TestOrgAuditLogPage(t *testing.T) {
	t.Parallel()
	f := newAcctFixture(t)
	other := f.env.Org("vantaa", "Vantaa", "Vanda", "fi")
	f.addUser(t, "dpo@vantaa.example", "Ville Vantaa", "fi", other.ID, workflow.RoleDPO)
	f.addUser(t, "lasse@espoo.example", "Lasse Lukija", "fi", f.org.ID, workflow.RoleViewer)
	dpo := f.client(t)
	dpo.mustLogin(f.email)
	if p := f.invite(t, dpo, "espoo", "uusi@espoo.example", workflow.RoleViewer, "fi"); p.status != http.StatusSeeOther {
		t.Fatalf("invite = %d", p.status)
	}
	p := dpo.get("/staff/orgs/espoo/audit")
	if p.status != http.StatusOK {
		t.Fatalf("audit page = %d", p.status)
	}
	rows := htmlFindAll(htmlByID(p.doc, "org-audit"), func(n *html.Node) bool { return htmlIs(n, "tr") && htmlAttr(n, "data-seq") != "" })
	if len(rows) == 0 {
		t.Fatal("no events listed")
	}
	first := htmlTextSpaced(rows[0])
	if htmlAttr(rows[0], "data-action") != "staff.invite" || !strings.Contains(first, f.env.Catalog.T("fi", "orgaudit.action.staff.invite")) ||
		!strings.Contains(first, "Dana Dpo") {
		t.Errorf("the newest event reads %q (action %q), want the invitation by Dana Dpo in words", first, htmlAttr(rows[0], "data-action"))
	}
	table := htmlTextSpaced(htmlByID(p.doc, "org-audit"))
	if strings.Contains(table, "uusi@espoo.example") {
		t.Error("the log shows an address")
	}
	// Its details are in words: no data keys, ids or role codes.
	for _, code := range []string{"user_id", "invite_id", "new_account", "role:", "[", "seed"} {
		if strings.Contains(table, code) {
			t.Errorf("the log shows %q: %s", code, table)
		}
	}
	for _, who := range []string{"lasse@espoo.example", "dpo@vantaa.example"} {
		c := f.client(t)
		c.mustLogin(who)
		if p := c.get("/staff/orgs/espoo/audit"); p.status != http.StatusNotFound {
			t.Errorf("%s reading espoo's log = %d, want 404", who, p.status)
		}
	}
	if p := dpo.get("/staff/orgs/espoo/settings"); htmlByID(p.doc, "org-audit-link") == nil {
		t.Error("the settings page does not link the log")
	}

	// A page holds 100; the next page continues where it ended.
	q := store.New(f.env.Pool)
	for i := 0; i < 120; i++ {
		if err := q.AppendAudit(f.env.Ctx, f.env.Keys, store.AuditEvent{OrgID: f.org.ID, Actor: "cli", Action: "org.changed",
			At: f.env.Clock.Now(), Data: map[string]any{"fields": []string{"dpo-phone"}}}); err != nil {
			t.Fatal(err)
		}
	}
	p = dpo.get("/staff/orgs/espoo/audit")
	seqs := func(p htmlPage) []int {
		var out []int
		for _, r := range htmlFindAll(htmlByID(p.doc, "org-audit"), func(n *html.Node) bool { return htmlIs(n, "tr") && htmlAttr(n, "data-seq") != "" }) {
			n, _ := strconv.Atoi(htmlAttr(r, "data-seq"))
			out = append(out, n)
		}
		return out
	}
	page1 := seqs(p)
	older := htmlByID(p.doc, "org-audit-older")
	if len(page1) != 100 || older == nil {
		t.Fatalf("first page: %d events, older link %v", len(page1), older != nil)
	}
	page2 := seqs(dpo.get(htmlAttr(older, "href")))
	if len(page2) == 0 || page2[0] != page1[99]-1 {
		t.Errorf("second page starts at %v after %d", page2, page1[99])
	}
	for i := 1; i < len(page1); i++ {
		if page1[i] >= page1[i-1] {
			t.Fatalf("not newest first: %v", page1[:i+1])
		}
	}
}
