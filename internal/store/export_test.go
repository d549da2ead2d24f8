package store

// The boxes' statements, for the EXPLAIN tests (queue_test.go).
const (
	DPOQueueSQL      = dpoQueueSQL
	NeedingTriageSQL = needingTriageSQL
	PersonCasesSQL   = personCasesSQL
)
