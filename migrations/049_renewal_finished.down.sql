ALTER TABLE outbox DROP COLUMN link_renewal;
