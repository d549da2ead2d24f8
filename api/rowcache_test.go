package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"rightsdesk/api"
	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 21 (branch gocost): the API token with its organisation and the
// organisation of a form's slug are read once a second, not once a request
// (rowcache.go). A change made in this process is seen by the next request;
// one made by another process (the CLI's `token revoke`, another instance)
// when the entry's TTL ends.

func formPage(t *testing.T, h http.Handler, slug string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/fi/o/"+slug+"/request", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET form: %d", rec.Code)
	}
	return rec.Body.String()
}

func TestRowCacheSeesThisProcessesOrgEdit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	api.SetRowCacheTTL(env.Server(), time.Hour)
	org := env.Org("cacheby", "Välimuistikunta", "Cacheby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "") // open to residents
	h := env.Server().Handler()
	if body := formPage(t, h, org.Slug); !strings.Contains(body, "Välimuistikunta") {
		t.Fatal("the form does not name the organisation")
	}
	org, err := store.New(env.Pool).OrgByID(env.Ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	org.NameFI = "Uusikunta"
	if err := store.New(env.Pool).UpdateOrg(env.Ctx, org); err != nil {
		t.Fatal(err)
	}
	if body := formPage(t, h, org.Slug); !strings.Contains(body, "Uusikunta") || strings.Contains(body, "Välimuistikunta") {
		t.Error("the form still shows the name before this process's edit")
	}
}

// Not parallel: another test's organisation or token write empties the
// cache, and this test needs an entry to stay.
func TestRowCacheOtherProcessesChangeAfterTTL(t *testing.T) {
	env := testenv.New(t)
	srv := env.Server()
	api.SetRowCacheTTL(srv, time.Hour)
	org := env.Org("ttlby", "Vanhakunta", "Ttlby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "") // open to residents
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now}
	token, err := auth.AddAPIToken(env.Ctx, org.ID, "erp", workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	getReq := func() int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/requests/RD-2026-000001", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		_, _ = io.Copy(io.Discard, rec.Body)
		return rec.Code
	}
	formPage(t, h, org.Slug)
	if code := getReq(); code != http.StatusNotFound {
		t.Fatalf("valid token, unknown receipt: %d", code)
	}
	// Another process renames the organisation and revokes the token
	// (written here past the store, as that process would).
	if _, err := env.Pool.Exec(context.Background(), `UPDATE organisations SET name_fi = 'Toinenkunta' WHERE id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(context.Background(), `UPDATE api_tokens SET revoked_at = now() WHERE org_id = $1`, org.ID); err != nil {
		t.Fatal(err)
	}
	// Within the TTL the entries serve: this is what saves the round trips.
	if body := formPage(t, h, org.Slug); !strings.Contains(body, "Vanhakunta") {
		t.Error("the form read the organisation again within the TTL")
	}
	if code := getReq(); code != http.StatusNotFound {
		t.Errorf("the token was read again within the TTL: %d", code)
	}
	// After it, both are read again: the revoked token is refused.
	api.SetRowCacheTTL(srv, time.Nanosecond)
	if body := formPage(t, h, org.Slug); !strings.Contains(body, "Toinenkunta") {
		t.Error("the form shows the old name after the TTL")
	}
	if code := getReq(); code != http.StatusUnauthorized {
		t.Errorf("a token revoked by another process: %d after the TTL, want 401", code)
	}
}
