package workflow_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/jobs"
	"rightsdesk/migrations"
)

// asAppRole moves the fixture onto the application's own role (issue 16:
// the server connects as a role that cannot change history), after the
// owner has set the organisation up.
func asAppRole(t *testing.T, f *fixture) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	owner := f.env.Pool
	if err := migrations.GrantApp(ctx, owner, migrations.AppRole, true); err != nil {
		t.Fatal(err)
	}
	cfg := owner.Config().Copy()
	cfg.ConnConfig.User = migrations.AppRole
	app, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	var who string
	if err := app.QueryRow(ctx, `SELECT current_user`).Scan(&who); err != nil || who != migrations.AppRole {
		t.Fatalf("connected as %q (%v)", who, err)
	}
	rc, err := jobs.NewClient(app, nil, jobs.Options{}, f.env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	f.env.Pool, f.env.River = app, rc
	f.env.Workflow.Pool, f.env.Workflow.River = app, rc
	return app
}

// Issue 16 (audit trail holds): as the application's role, intake works
// end to end, and the audit trail and its checkpoints can be read and
// appended to but not changed: UPDATE, DELETE, TRUNCATE, disabling the
// triggers and session_replication_role = replica all fail.
func TestAppRoleCannotChangeHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owner := f.env.Pool
	app := asAppRole(t, f)
	ctx := context.Background()

	sub, err := f.env.Workflow.SubmitWeb(ctx, f.org, f.request("access"))
	if err != nil {
		t.Fatalf("intake as the app role: %v", err)
	}
	code := f.codeFrom(t, "maija@example.test")
	if _, err := f.env.Workflow.ConfirmCode(ctx, f.org, sub.CaseID, code); err != nil {
		t.Fatalf("confirming as the app role: %v", err)
	}
	var events int
	if err := app.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1`, sub.CaseID).Scan(&events); err != nil || events == 0 {
		t.Fatalf("audit events of the case: %d %v", events, err)
	}

	refused := []string{
		`UPDATE audit_events SET action = 'x' WHERE case_id = ` + itoa(sub.CaseID),
		`DELETE FROM audit_events WHERE case_id = ` + itoa(sub.CaseID),
		`TRUNCATE audit_events`,
		`TRUNCATE audit_events CASCADE`,
		`ALTER TABLE audit_events DISABLE TRIGGER ALL`,
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`,
		`DROP TRIGGER audit_events_no_change ON audit_events`,
		`DROP TABLE audit_events`,
		`SET session_replication_role = replica`,
		`SET LOCAL session_replication_role = replica`,
		`UPDATE audit_checkpoints SET chains = 0`,
		`DELETE FROM audit_checkpoints`,
		`TRUNCATE audit_checkpoints, audit_checkpoint_heads`,
		`DELETE FROM audit_checkpoint_heads`,
		`ALTER TABLE audit_checkpoints DISABLE TRIGGER ALL`,
		`CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
	}
	for _, q := range refused {
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, q)
		_ = tx.Rollback(ctx)
		if err == nil {
			t.Errorf("as the app role %q succeeded", q)
		} else if !strings.Contains(err.Error(), "permission denied") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("%q: refused for the wrong reason: %v", q, err)
		}
	}
	// The events are all still there, seen by the owner.
	var after int
	if err := owner.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE case_id = $1`, sub.CaseID).Scan(&after); err != nil || after != events {
		t.Fatalf("events after the attempts: %d, want %d (%v)", after, events, err)
	}
	// It may append (the workflow did) and read checkpoints.
	if _, err := app.Exec(ctx, `SELECT count(*) FROM audit_checkpoints`); err != nil {
		t.Fatalf("reading checkpoints: %v", err)
	}
	owns, err := migrations.OwnsSchema(ctx, app)
	if err != nil || owns {
		t.Fatalf("OwnsSchema(app) = %v, %v", owns, err)
	}
	if owns, err := migrations.OwnsSchema(ctx, owner); err != nil || !owns {
		t.Fatalf("OwnsSchema(owner) = %v, %v", owns, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
