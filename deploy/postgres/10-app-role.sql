-- The server's own role (docs/operations.md, "Database roles"): it owns
-- nothing and is no superuser, so it cannot change the audit trail. The
-- owner (POSTGRES_USER) runs the migrations and grants this role what it
-- needs at every start. Run once, when the postgres volume is new.
CREATE ROLE rightsdesk_app LOGIN PASSWORD 'rightsdesk_app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
