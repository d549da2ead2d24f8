package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// The JSON API for requests (issue 5): POST /api/v1/requests validates
// like the form and emails the requester a code; GET returns where a
// request stands, only to its organisation's token, never naming the
// person (ID-4).

type v1Fixture struct {
	*inFixture
	token, otherToken string
}

func newV1Fixture(t *testing.T) *v1Fixture {
	t.Helper()
	f := &v1Fixture{inFixture: newInFixture(t)}
	auth := &workflow.StaffAuth{Pool: f.env.Pool, Keys: f.env.Keys, Now: f.env.Clock.Now}
	var err error
	if f.token, err = auth.AddAPIToken(f.env.Ctx, f.org.ID, "erp", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	other := f.env.Org("muukunta", "Muukunta", "Annanby", "sv")
	f.env.Register(other.ID, "Kundregister", "e", "") // open to residents
	if f.otherToken, err = auth.AddAPIToken(f.env.Ctx, other.ID, "erp", workflow.ActorCLI); err != nil {
		t.Fatal(err)
	}
	return f
}

// An organisation not yet open to residents (no register in its
// catalogue) takes no request through the API either: 409, saying that
// nothing was stored, and nothing is.
func TestV1RequestToClosedOrganisation(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	closed := f.env.Org("suljettu", "Suljettu", "Stängd", "fi")
	auth := &workflow.StaffAuth{Pool: f.env.Pool, Keys: f.env.Keys, Now: f.env.Clock.Now}
	token, err := auth.AddAPIToken(f.env.Ctx, closed.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"rights":["access"],"name":"Maija Meikäläinen","email":"maija@example.test"}`
	code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", token, body)
	if code != http.StatusConflict || out["error"] != "error.org_not_open" || out["message"] != f.env.Catalog.T("fi", "error.org_not_open_post") {
		t.Fatalf("closed organisation: %d %s", code, raw)
	}
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases WHERE org_id = $1`, closed.ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d cases stored (%v)", n, err)
	}
}

// call sends a JSON request; hdr are extra header pairs.
func (f *v1Fixture) call(t *testing.T, method, path, token, body string, hdr ...string) (int, map[string]any, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, out, rec.Body.String()
}

func TestV1RequestsCreateAndGet(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	body := `{"rights":["access","erasure"],"name":"Maija Meikäläinen","email":"maija@example.test",
		"hetu":"131052-308T","lang":"sv","document_request":true}`
	code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, raw)
	}
	receipt, _ := out["receipt"].(string)
	dl := workflow.CalendarFor(f.org).Compute(f.env.Clock.Now())
	if !regexp.MustCompile(`^RD-2026-\d{6}$`).MatchString(receipt) || out["legal_due"] != dl.LegalDue.String() ||
		out["safe_target"] != dl.SafeTarget.String() || out["state"] != "received" ||
		out["document_request_due"] != dl.DocumentRequestDue.String() || out["received_at"] == nil {
		t.Fatalf("created %s", raw)
	}
	if strings.Contains(raw, "131052") || strings.Contains(raw, "maija") {
		t.Fatal("personal data echoed")
	}
	c := f.caseByReceipt(t, receipt)
	if c.Channel != "api" || c.Lang != "sv" || !c.AllRegisters {
		t.Fatalf("case %s %s %v", c.Channel, c.Lang, c.AllRegisters)
	}
	// The requester gets a code, in their language, like from the form.
	f.env.WorkAll(jobargs.DeliverMail{}.Kind())
	var codeMail string
	for _, m := range f.env.Catcher.Messages() {
		if slices.Contains(m.To, "maija@example.test") && m.Headers.Get("X-Rightsdesk-Kind") == "code" {
			codeMail = inCodeRe.FindStringSubmatch(m.Text)[1]
			if m.Subject != f.env.Catalog.T("sv", "mail.code.subject") || strings.Contains(m.Subject, codeMail) {
				t.Fatalf("code mail subject %q", m.Subject)
			}
		}
	}
	if codeMail == "" {
		t.Fatal("no code mail")
	}

	code, out, raw = f.call(t, http.MethodGet, "/api/v1/requests/"+receipt, f.token, "")
	if code != http.StatusOK || out["state"] != "received" {
		t.Fatalf("get: %d %s", code, raw)
	}
	dls, _ := out["deadlines"].(map[string]any)
	want := map[string]string{"received_date": "2026-03-03", "raw_end": dl.RawEnd.String(), "legal_due": dl.LegalDue.String(),
		"safe_target": dl.SafeTarget.String(), "document_request_due": dl.DocumentRequestDue.String()}
	for k, v := range want {
		if dls[k] != v {
			t.Fatalf("deadline %s = %v, want %s", k, dls[k], v)
		}
	}
	if dls["extended_due"] != nil {
		t.Fatalf("extended_due %v before any extension", dls["extended_due"])
	}
	if _, err := f.env.Workflow.ConfirmCode(f.env.Ctx, f.org, c.ID, codeMail); err != nil {
		t.Fatal(err)
	}
	code, out, raw = f.call(t, http.MethodGet, "/api/v1/requests/"+receipt, f.token, "")
	tasks, _ := out["tasks"].(map[string]any)
	if code != http.StatusOK || out["state"] != string(workflow.StateAwaitingIdentity) || tasks["total"] != 6.0 || tasks["waiting"] != 6.0 {
		t.Fatalf("after confirming: %s", raw)
	}
	for _, secret := range []string{"131052", "308T", "maija@", "Meikäläinen"} {
		if strings.Contains(raw, secret) {
			t.Fatalf("GET names the person (%s)", secret)
		}
	}

	// Chosen registers: all_registers may be left out.
	body = `{"rights":["access"],"register_ids":[` + strconv.FormatInt(f.regB, 10) + `],"name":"Matti","email":"matti@example.test"}`
	code, out, raw = f.call(t, http.MethodPost, "/api/v1/requests", f.token, body)
	if code != http.StatusCreated {
		t.Fatalf("chosen: %d %s", code, raw)
	}
	c = f.caseByReceipt(t, out["receipt"].(string))
	if c.AllRegisters || c.Lang != f.org.PrimaryLang {
		t.Fatalf("chosen registers, primary language by default: %v %s", c.AllRegisters, c.Lang)
	}
	_, out, _ = f.call(t, http.MethodGet, "/api/v1/requests/"+c.Receipt, f.token, "")
	if ids, _ := out["register_ids"].([]any); len(ids) != 1 || ids[0] != float64(f.regB) {
		t.Fatalf("register_ids %v", out["register_ids"])
	}
}

func TestV1RequestsRefusals(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, `{"rights":["access"],"name":"Maija","email":"maija@example.test"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, raw)
	}
	receipt := out["receipt"].(string)

	t.Run("validation", func(t *testing.T) {
		cases := []struct {
			body  string
			field string
			key   string
		}{
			{`{"rights":["access"],"email":"a@example.test"}`, "name", "intake.err.name"},
			{`{"rights":["access"],"name":"A"}`, "email", "intake.err.email"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","hetu":"280453-111A"}`, "hetu", "intake.err.hetu.check"},
			{`{"rights":["rectification"],"name":"A","email":"a@example.test"}`, "details", "intake.err.details_rectification"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","delivery":"paper"}`, "address", "intake.err.address_paper"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","on_behalf":true,"subject_name":"B"}`, "relation", "intake.err.relation"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","register_ids":[999999]}`, "register_ids", "intake.err.registers"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","all_registers":true,"register_ids":[` + strconv.FormatInt(f.regA, 10) + `]}`, "register_ids", "intake.err.scope_conflict"},
			{`{"rights":["access"],"name":"A","email":"a@example.test","lang":"de"}`, "lang", "intake.err.lang"},
		}
		for _, tc := range cases {
			code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, tc.body, "Accept-Language", "sv-FI,sv;q=0.9")
			fields, _ := out["fields"].(map[string]any)
			fe, _ := fields[tc.field].(map[string]any)
			if code != http.StatusUnprocessableEntity || out["error"] != "validation" || fe["key"] != tc.key || fe["message"] != f.env.Catalog.T("sv", tc.key) {
				t.Errorf("%s: %d %s", tc.body, code, raw)
			}
		}
	})
	t.Run("bad body", func(t *testing.T) {
		for _, body := range []string{`{"rights":["access"],"nmae":"typo"}`, `{"rights":`, `[]`} {
			if code, out, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body); code != http.StatusBadRequest || out["error"] != "error.badrequest" {
				t.Errorf("%s: %d %s", body, code, raw)
			}
		}
		big := `{"details":"` + strings.Repeat("x", 200_000) + `"}`
		if code, _, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, big); code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize: %d %s", code, raw)
		}
	})
	t.Run("tokens", func(t *testing.T) {
		for _, tok := range []string{"", "rdt_unknown"} {
			if code, _, _ := f.call(t, http.MethodPost, "/api/v1/requests", tok, `{}`); code != http.StatusUnauthorized {
				t.Errorf("POST with token %q: %d", tok, code)
			}
			if code, _, _ := f.call(t, http.MethodGet, "/api/v1/requests/"+receipt, tok, ""); code != http.StatusUnauthorized {
				t.Errorf("GET with token %q: %d", tok, code)
			}
		}
		// Another organisation's token does not find the receipt.
		if code, out, _ := f.call(t, http.MethodGet, "/api/v1/requests/"+receipt, f.otherToken, ""); code != http.StatusNotFound || out["error"] != "error.notfound" {
			t.Errorf("cross-org: %d %v", code, out)
		}
		if code, _, _ := f.call(t, http.MethodGet, "/api/v1/requests/RD-2026-999999", f.token, ""); code != http.StatusNotFound {
			t.Errorf("unknown receipt: %d", code)
		}
	})
	// Only the one valid request was stored.
	if n := f.cases(t); n != 1 {
		t.Fatalf("%d cases", n)
	}
	trail, err := store.New(f.env.Pool).AuditTrail(f.env.Ctx, f.org.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	// D-20: no request, valid or not, appends to the organisation's chain
	// (that serialised all intake, issue 21); the token's last use is kept.
	for _, ev := range trail {
		if ev.Action == "api_token.use" {
			t.Fatalf("token use on the organisation's chain: %+v", ev)
		}
	}
}

// v1Count is the number of requests filed through the API.
func (f *v1Fixture) v1Count(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.env.Pool.QueryRow(f.env.Ctx, `SELECT count(*) FROM cases WHERE channel = 'api'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 16, item 8: a retry with the same Idempotency-Key gets the first
// answer and files nothing new, also when the retries run in parallel; the
// same key with another body is refused.
func TestV1RequestsIdempotencyKey(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	body := `{"rights":["access"],"name":"Maija Meikäläinen","email":"maija@example.test"}`
	code, first, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body, "Idempotency-Key", "erp-4711")
	if code != http.StatusCreated {
		t.Fatalf("first: %d %s", code, raw)
	}
	code, again, raw2 := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body, "Idempotency-Key", "erp-4711")
	if code != http.StatusCreated || raw2 != raw || again["receipt"] != first["receipt"] {
		t.Fatalf("retry: %d %s, want the first answer %s", code, raw2, raw)
	}
	if n := f.v1Count(t); n != 1 {
		t.Fatalf("%d requests filed, want 1", n)
	}
	// Parallel retries of a new key: one request, one answer for all.
	var wg sync.WaitGroup
	receipts := make([]any, 6)
	codes := make([]int, 6)
	body2 := `{"rights":["erasure"],"name":"Matti Meikäläinen","email":"matti@example.test"}`
	for i := range receipts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", strings.NewReader(body2))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("Idempotency-Key", "erp-4712")
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			codes[i], receipts[i] = rec.Code, out["receipt"]
		}()
	}
	wg.Wait()
	for i := range receipts {
		if codes[i] != http.StatusCreated || receipts[i] != receipts[0] || receipts[i] == nil {
			t.Fatalf("parallel retries: %v %v", codes, receipts)
		}
	}
	if n := f.v1Count(t); n != 2 {
		t.Fatalf("%d requests filed after parallel retries, want 2", n)
	}
	// The same key for another body: refused, nothing filed.
	code, out, _ := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body2, "Idempotency-Key", "erp-4711")
	if code != http.StatusConflict || out["error"] != "error.idempotency_key_reused" {
		t.Fatalf("reused key: %d %v", code, out)
	}
	// Keys are per organisation: another organisation's same key is new.
	if code, _, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.otherToken, body, "Idempotency-Key", "erp-4711"); code != http.StatusCreated {
		t.Fatalf("other organisation, same key: %d %s", code, raw)
	}
	if code, out, _ := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body, "Idempotency-Key", "has space"); code != http.StatusBadRequest || out["error"] != "error.idempotency_key" {
		t.Fatalf("bad key: %d %v", code, out)
	}
	if n := f.v1Count(t); n != 3 {
		t.Fatalf("%d requests filed, want 3", n)
	}
}

// Issue 16, item 8: the API reads only JSON (415 otherwise) and only one
// JSON value (400 for anything after it but white space).
func TestV1RequestsContentTypeAndTrailingData(t *testing.T) {
	t.Parallel()
	f := newV1Fixture(t)
	body := `{"rights":["access"],"name":"Maija Meikäläinen","email":"maija@example.test"}`
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
		if code, out, _ := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body, "Content-Type", ct); code != http.StatusUnsupportedMediaType || out["error"] != "error.content_type" {
			t.Errorf("Content-Type %s: %d %v", ct, code, out)
		}
	}
	for _, tail := range []string{`{"rights":["erasure"]}`, `x`, `]`, `"more"`} {
		if code, out, _ := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body+tail); code != http.StatusBadRequest || out["error"] != "error.trailing_data" && out["error"] != "error.badrequest" {
			t.Errorf("trailing %q: %d %v", tail, code, out)
		}
	}
	if n := f.v1Count(t); n != 0 {
		t.Fatalf("%d requests filed from refused bodies", n)
	}
	if code, _, raw := f.call(t, http.MethodPost, "/api/v1/requests", f.token, body+"\n\t ", "Content-Type", "application/json; charset=utf-8"); code != http.StatusCreated {
		t.Fatalf("JSON with charset and trailing white space: %d %s", code, raw)
	}
}
