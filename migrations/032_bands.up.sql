-- The dashboard's band counts at a million cases (issue 21): the open
-- cases the default dashboard lists, counted per (organisation, state,
-- channel, urgent date), so the three bands are sums over a few hundred
-- rows instead of a scan of the open backlog. A case is counted when the
-- dashboard lists it: an open state and confirmed or waiting for triage
-- (D-8); its date is the dashboard's urgency key
-- coalesce(urgent_due, extended_due, legal_due) (D-23).
-- Filters not in the key (right, receipt, unit, person) still count cases.
--
-- The table holds deltas, not counters: a trigger on cases INSERTs +1/-1
-- rows and never UPDATEs, so concurrent intakes of one organisation, channel
-- and day take no shared row lock (issue 21 forbids a per-organisation lock
-- on the intake path). The count of a key is sum(n) over its rows; the
-- periodic sweep folds each organisation's deltas into one row per key
-- (store.CompactOpenDueCounts).
CREATE TABLE open_due_counts (
    org_id  bigint NOT NULL,
    state   text   NOT NULL,
    channel text   NOT NULL,
    due     date   NOT NULL,
    n       bigint NOT NULL CHECK (n <> 0)
);

CREATE INDEX open_due_counts_key ON open_due_counts (org_id, state, channel, due) INCLUDE (n);

CREATE FUNCTION open_due_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
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
            AND OLD.state = NEW.state AND OLD.channel = NEW.channel AND old_due = new_due)) THEN
        RETURN NULL; -- the count does not move (most updates)
    END IF;
    IF old_in THEN
        INSERT INTO open_due_counts (org_id, state, channel, due, n)
        VALUES (OLD.org_id, OLD.state, OLD.channel, old_due, -1);
    END IF;
    IF new_in THEN
        INSERT INTO open_due_counts (org_id, state, channel, due, n)
        VALUES (NEW.org_id, NEW.state, NEW.channel, new_due, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_open_due_counts AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION open_due_counts_track();

INSERT INTO open_due_counts (org_id, state, channel, due, n)
SELECT org_id, state, channel, coalesce(urgent_due, extended_due, legal_due), count(*)
FROM cases
WHERE state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
  AND (confirmed_at IS NOT NULL OR needs_triage)
GROUP BY 1, 2, 3, 4;
