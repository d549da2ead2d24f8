DROP INDEX IF EXISTS audit_events_on_time;
