package store

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
