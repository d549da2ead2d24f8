package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// D-20: an API token's use is recorded on the case it creates (the case's
// first event names the token, not the resident) and on the case it reads
// (the case page's access log, once an hour per token and case), and the
// DPO's case page says so in the DPO's language. Another organisation's token reads nothing and leaves
// nothing.
func TestV1TokenUseRecordedOnTheCase_D20(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	token, err := f.auth.AddAPIToken(f.env.Ctx, f.org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.auth.AddAPIToken(f.env.Ctx, f.org2.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, tok, body string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, f.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return res.StatusCode, out
	}
	code, out := call(http.MethodPost, "/api/v1/requests", token,
		`{"rights":["access"],"name":"Maija Meikäläinen","email":"maija@example.test","lang":"fi"}`)
	receipt, _ := out["receipt"].(string)
	if code != http.StatusCreated || receipt == "" {
		t.Fatalf("create: %d %v", code, out)
	}
	q := store.New(f.env.Pool)
	cs, err := q.CaseByReceipt(f.env.Ctx, []int64{f.org.ID}, receipt)
	if err != nil {
		t.Fatal(err)
	}
	if evs := auditOf(t, q, f.org.ID, cs.ID, "received"); len(evs) != 1 || evs[0].Actor != "token:erp" {
		t.Fatalf("received events: %+v, want one by token:erp", evs)
	}

	for range 2 {
		if code, _ := call(http.MethodGet, "/api/v1/requests/"+receipt, token, ""); code != http.StatusOK {
			t.Fatalf("get: %d", code)
		}
	}
	if code, _ := call(http.MethodGet, "/api/v1/requests/"+receipt, other, ""); code != http.StatusNotFound {
		t.Fatalf("another organisation's token: %d", code)
	}
	// Read twice within the hour, then again an hour later: an entry an
	// hour (a polling integration does not bury the staff's reads).
	if n, all := countAccess(accessOf(t, q, f.org.ID, cs.ID), "token:erp", workflow.AccessAPIRead, 0), accessOf(t, q, f.org.ID, cs.ID); n != 1 || len(all) != 1 {
		t.Fatalf("access log: %+v, want one read of token:erp", all)
	}
	f.env.Clock.Advance(workflow.APIReadEvery + time.Second)
	if code, _ := call(http.MethodGet, "/api/v1/requests/"+receipt, token, ""); code != http.StatusOK {
		t.Fatalf("get an hour later: %d", code)
	}
	if n, all := countAccess(accessOf(t, q, f.org.ID, cs.ID), "token:erp", workflow.AccessAPIRead, 0), accessOf(t, q, f.org.ID, cs.ID); n != 2 || len(all) != 2 {
		t.Fatalf("access log: %+v, want two reads of token:erp an hour apart", all)
	}

	// The DPO's case page (in English for this account) names the
	// integration in the timeline and in the access log.
	dpo := f.login(t, f.dpo)
	p := dpo.get("/staff/cases/" + receipt)
	if p.status != http.StatusOK {
		t.Fatalf("case page: %d", p.status)
	}
	if tl := scText(scByID(p.doc, "timeline")); !strings.Contains(tl, "Integration erp") {
		t.Fatalf("timeline: %s", tl)
	}
	acc := scText(scByID(p.doc, "access-log"))
	if strings.Count(acc, "Status read through the API") != 2 || !strings.Contains(acc, "Integration erp") {
		t.Fatalf("access log: %s", acc)
	}
}
