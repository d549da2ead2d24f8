package store

import "context"

// The boxes' statements, for the EXPLAIN tests (queue_test.go).
const (
	DPOQueueSQL      = dpoQueueSQL
	NeedingTriageSQL = needingTriageSQL
	PersonCasesSQL   = personCasesSQL
)

// The case reads by organisation and state (intake3_test.go).
const (
	CasesDueBySQL     = casesDueBySQL
	OpenCasesByDueSQL = openCasesByDueSQL
)

// DashboardStatement is Dashboard's statement for f, without a person
// search (dashboard_csv_test.go).
func DashboardStatement(f DashboardFilter) (string, []any) { return f.dashboardStatement() }

// MergeAtMost makes Dashboard merge at most n ranges as UNION ALL branches
// for f, and join them LATERAL beyond (maxMergedRanges).
func MergeAtMost(f DashboardFilter, n int) DashboardFilter { f.mergeMax = n; return f }

// UnitByIDAtMost makes Dashboard read a unit's open cases by id when it
// has at most n of them (n < 0: never; unitByIDMax).
func UnitByIDAtMost(f DashboardFilter, n int) DashboardFilter { f.unitByIDMax = n; return f }

// ResolvedDashboardStatement is Dashboard's statement for f once its
// person search and unit ranges are resolved.
func (q *Q) ResolvedDashboardStatement(ctx context.Context, f DashboardFilter) (string, error) {
	f, err := q.resolvePerson(ctx, f)
	if err != nil {
		return "", err
	}
	if f, err = q.resolveUnitRanges(ctx, f); err != nil {
		return "", err
	}
	sql, _ := f.dashboardStatement()
	return sql, nil
}
