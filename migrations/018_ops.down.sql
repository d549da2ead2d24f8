DROP INDEX IF EXISTS audit_heads_broken;
