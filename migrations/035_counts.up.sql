-- Maintained counts for the rest of the DPO's dashboard and statistics page
-- at a million cases (issue 21), of the same design as open_due_counts:
-- delta rows (+1/-1) INSERTed by row triggers, never UPDATEd, no unique
-- key (concurrent writers share no row lock), the count of a key is
-- sum(n), the periodic sweep folds each organisation's deltas
-- (store.CompactMaintainedCounts), store.RebuildMaintainedCounts rebuilds
-- an organisation's rows from the source tables.

-- The band counts of a right filter: open_due_counts' cases with one row
-- per distinct right of the case (a case of two rights counts under each;
-- the dashboard's right filter is `right = ANY(rights)`). Right-first key:
-- a right filter reads one index range (measured against the rights set as
-- a key: 3-5x cheaper to read, the same intake cost within noise).
CREATE TABLE open_right_counts (
    org_id  bigint NOT NULL,
    "right" text   NOT NULL,
    state   text   NOT NULL,
    channel text   NOT NULL,
    due     date   NOT NULL,
    n       bigint NOT NULL CHECK (n <> 0)
);

CREATE INDEX open_right_counts_key ON open_right_counts (org_id, "right", state, channel, due) INCLUDE (n);

-- Open tasks (waiting or open) per register; the unit is joined at read
-- time (a register may move to another unit).
CREATE TABLE open_task_counts (
    org_id      bigint NOT NULL,
    register_id bigint NOT NULL,
    n           bigint NOT NULL CHECK (n <> 0)
);

CREATE INDEX open_task_counts_key ON open_task_counts (org_id, register_id) INCLUDE (n);

-- One trigger function keeps both case tables (one call per changed case
-- row on the intake path, one extra INSERT statement).
CREATE OR REPLACE FUNCTION open_due_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_in boolean := false;
    new_in boolean := false;
    old_due date;
    new_due date;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_in := OLD.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
            AND (OLD.confirmed_at IS NOT NULL OR OLD.needs_triage);
        old_due := coalesce(OLD.urgent_due, OLD.extended_due, OLD.legal_due);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_in := NEW.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
            AND (NEW.confirmed_at IS NOT NULL OR NEW.needs_triage);
        new_due := coalesce(NEW.urgent_due, NEW.extended_due, NEW.legal_due);
    END IF;
    IF TG_OP = 'UPDATE' AND old_in = new_in AND (NOT old_in OR (OLD.org_id = NEW.org_id
            AND OLD.state = NEW.state AND OLD.channel = NEW.channel AND old_due = new_due
            AND OLD.rights = NEW.rights)) THEN
        RETURN NULL; -- the counts do not move (most updates)
    END IF;
    IF old_in THEN
        INSERT INTO open_due_counts (org_id, state, channel, due, n)
        VALUES (OLD.org_id, OLD.state, OLD.channel, old_due, -1);
        INSERT INTO open_right_counts (org_id, "right", state, channel, due, n)
        SELECT DISTINCT OLD.org_id, r, OLD.state, OLD.channel, old_due, -1 FROM unnest(OLD.rights) r WHERE r IS NOT NULL;
    END IF;
    IF new_in THEN
        INSERT INTO open_due_counts (org_id, state, channel, due, n)
        VALUES (NEW.org_id, NEW.state, NEW.channel, new_due, 1);
        INSERT INTO open_right_counts (org_id, "right", state, channel, due, n)
        SELECT DISTINCT NEW.org_id, r, NEW.state, NEW.channel, new_due, 1 FROM unnest(NEW.rights) r WHERE r IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION open_task_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_in boolean := false;
    new_in boolean := false;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_in := OLD.state IN ('waiting', 'open');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        new_in := NEW.state IN ('waiting', 'open');
    END IF;
    IF TG_OP = 'UPDATE' AND old_in = new_in AND (NOT old_in
            OR (OLD.org_id = NEW.org_id AND OLD.register_id = NEW.register_id)) THEN
        RETURN NULL;
    END IF;
    IF old_in THEN
        INSERT INTO open_task_counts (org_id, register_id, n) VALUES (OLD.org_id, OLD.register_id, -1);
    END IF;
    IF new_in THEN
        INSERT INTO open_task_counts (org_id, register_id, n) VALUES (NEW.org_id, NEW.register_id, 1);
    END IF;
    RETURN NULL;
END $$;

-- Only the columns of the key wake it: answers, tokens and owners do not.
CREATE TRIGGER tasks_open_task_counts AFTER INSERT OR DELETE OR UPDATE OF state, register_id, org_id ON tasks
    FOR EACH ROW EXECUTE FUNCTION open_task_counts_track();

INSERT INTO open_right_counts (org_id, "right", state, channel, due, n)
SELECT org_id, r, state, channel, due, count(*)
FROM (SELECT DISTINCT c.id, c.org_id, r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due) AS due
      FROM cases c, unnest(c.rights) r
      WHERE c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
        AND (c.confirmed_at IS NOT NULL OR c.needs_triage) AND r IS NOT NULL) x
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO open_task_counts (org_id, register_id, n)
SELECT org_id, register_id, count(*) FROM tasks WHERE state IN ('waiting', 'open') GROUP BY 1, 2;
