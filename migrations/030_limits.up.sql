-- Issue 22, D-24: the per-address and per-email limits of the public pages
-- (form submissions, status look-ups, code entry, task links) are counted
-- here, so every instance on the database counts the same tries.
--
-- key_hash is a keyed hash (the keyring's blind-index key) of the limiter
-- key: no address, email or receipt is stored in clear. A fixed window per
-- key: hits counted since window_start, reset once window_end has passed;
-- the periodic sweep deletes ended windows.
--
-- UNLOGGED: the counts are short-lived and cheap to lose (a crash or a
-- failover to a standby empties the table, which only forgives tries), and
-- every hit writes, so skipping the WAL keeps the write off the disk's
-- critical path. pg_dump leaves their content out with
-- --no-unlogged-table-data; keeping it does no harm either.
CREATE UNLOGGED TABLE rate_limits (
    key_hash     bytea PRIMARY KEY,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    hits         integer NOT NULL
);
CREATE INDEX rate_limits_window_end ON rate_limits (window_end);
