package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pgtest"
	"rightsdesk/internal/store"
)

// Issue 21 (intake cost): every index on cases takes a leaf insert per
// intake, so the ones no query reads are gone (migration intake3):
// cases_org_state_due, cases_org_due and cases_org_urgent. The reads by
// organisation and state that could have used them read
// cases_org_state_urgent, in the plan for the given values and in the
// generic plan, and never scan cases.
func TestExplainCaseReadsWithoutDueIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	orgs := seedQueue(ctx, t, pool, 6000)

	rows, err := pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'cases'`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"cases_org_state_due", "cases_org_due", "cases_org_urgent"} {
		if slices.Contains(names, gone) {
			t.Errorf("index %s still on cases (every intake writes it, no query reads it): %v", gone, names)
		}
	}
	if !slices.Contains(names, "cases_org_state_urgent") {
		t.Fatalf("cases_org_state_urgent missing: %v", names)
	}

	open := "'{" + strings.Join(store.OpenStates, ",") + "}'"
	for _, c := range []struct {
		name, sql, types string
		args             []string
	}{
		{"CasesDueBy", store.CasesDueBySQL, "bigint, text[], date", []string{fmt.Sprint(orgs[0]), open, "'2027-01-31'"}},
		{"OpenCasesByDue", store.OpenCasesByDueSQL, "text[]", []string{open}},
	} {
		custom, generic := explainBoth(ctx, t, pool, c.types, c.sql, c.args)
		for kind, plan := range map[string]string{"custom": custom, "generic": generic} {
			if !strings.Contains(plan, "cases_org_state_urgent on cases") {
				t.Errorf("%s, %s plan does not read cases_org_state_urgent:\n%s", c.name, kind, plan)
			}
			if strings.Contains(plan, "Seq Scan on cases") {
				t.Errorf("%s, %s plan scans cases:\n%s", c.name, kind, plan)
			}
		}
	}
}
