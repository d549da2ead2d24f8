package workflow_test

import (
	"context"
	"testing"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// BenchmarkIntake measures a web submission end to end against one bare
// insert, on the same database (house rule 6):
//
//   - SubmitWeb: validation, then one transaction with the receipt number,
//     deadlines (DL-4, D-8), the case, the requester with the encrypted
//     henkilötunnus (ID-4), the audit row, the code mail's outbox row and
//     its River job (ID-2).
//   - SubmitWebBaseline: BEGIN, INSERT of one small row, COMMIT: the floor
//     of any write transaction on this pool.
func BenchmarkIntake(b *testing.B) {
	env := testenv.New(b)
	ctx := context.Background()
	org := env.Org("benchby", "Penkkikunta", "Bänkby", "fi")
	env.Register(org.ID, "Asiakasrekisteri", "c", "owner@benchby.test")
	if _, err := env.Pool.Exec(ctx, `CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, payload text NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	req := workflow.Request{Rights: []string{"access", "rectification"}, AllRegisters: true,
		Name: "Maija Meikäläinen", Email: "maija@example.test", Lang: "fi", Hetu: "131052-308T",
		Details: "Osoitteeni on väärin"}

	b.Run("SubmitWeb", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := env.Workflow.SubmitWeb(ctx, org, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SubmitWebBaseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tx, err := env.Pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO bench_baseline (payload) VALUES ($1)`, "x"); err != nil {
				_ = tx.Rollback(ctx)
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
