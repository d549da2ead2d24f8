-- The demo loader's dropped indexes (issue 21): a large `rightsdesk demo`
-- load drops the secondary indexes of the tables it fills and builds them
-- again after the load. Each definition (pg_get_indexdef) is saved here in
-- the transaction that drops it and deleted in the one that rebuilds it,
-- so a load killed in between leaves the definitions, and the next demo
-- run rebuilds them before it does anything else.
CREATE TABLE demo_dropped_indexes (
    index_name text PRIMARY KEY,
    table_name text NOT NULL,
    def        text NOT NULL,
    dropped_at timestamptz NOT NULL DEFAULT now()
);
