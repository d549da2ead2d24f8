package migrations

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the role the embedded default creates for the server: it owns
// nothing, so it cannot ALTER or DISABLE TRIGGER on the audit trail, and it
// has no UPDATE, DELETE or TRUNCATE on it (issue 16).
const AppRole = "rightsdesk_app"

// appendOnly are the tables the application may only read and append to.
var appendOnly = []string{"audit_events", "audit_checkpoints", "audit_checkpoint_heads"}

// GrantApp gives role what the server needs on the schema, and no more:
// SELECT, INSERT, UPDATE and DELETE on every table and the sequences,
// except the audit trail and its checkpoints, which are SELECT and INSERT
// only. create makes the role (LOGIN, no password: the embedded cluster
// trusts local connections) when it does not exist. Run it as the owner
// after the migrations, on every start: new tables get their grants.
func GrantApp(ctx context.Context, pool *pgxpool.Pool, role string, create bool) error {
	id := pgx.Identifier{role}.Sanitize()
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Two instances starting at once would race on the ACLs.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(lockKey+1)); err != nil {
			return err
		}
		if create {
			// Roles are per cluster: another database's start may create it
			// at the same moment.
			if _, err := tx.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN
				IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) THEN
					CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
				END IF;
			EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
			END $$`, quoteLiteral(role), id)); err != nil {
				return fmt.Errorf("creating the application role %s: %w", role, err)
			}
		}
		var owner, super bool
		if err := tx.QueryRow(ctx, `SELECT pg_has_role($1, c.relowner, 'USAGE'), r.rolsuper
			FROM pg_class c, pg_roles r WHERE c.oid = 'audit_events'::regclass AND r.rolname = $1`, role).Scan(&owner, &super); err != nil {
			return fmt.Errorf("the application role %s: %w", role, err)
		}
		if owner || super {
			return fmt.Errorf("the application role %s owns the schema or is a superuser: it could change the audit trail; give DATABASE_URL a role of its own", role)
		}
		stmts := []string{
			`GRANT USAGE ON SCHEMA public TO ` + id,
			`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + id,
			`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO ` + id,
			`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ` + id,
			`REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM ` + id,
		}
		for _, t := range appendOnly {
			stmts = append(stmts, fmt.Sprintf(`REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %s`, pgx.Identifier{t}.Sanitize(), id))
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("granting the application role: %w", err)
			}
		}
		return nil
	})
}

// OwnsSchema reports whether the pool's role owns the audit trail or is a
// superuser: it could then rewrite history (issue 16).
func OwnsSchema(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var owns bool
	err := pool.QueryRow(ctx, `SELECT pg_has_role(current_user, c.relowner, 'USAGE') OR r.rolsuper
		FROM pg_class c, pg_roles r WHERE c.oid = 'audit_events'::regclass AND r.rolname = current_user`).Scan(&owns)
	return owns, err
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
