DROP TABLE api_idempotency;
ALTER TABLE login_failures DROP COLUMN id;
DROP TABLE login_locks;
