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
