-- A small unit's dashboard page at a million cases (issue 21,
-- docs/scale.md 25): the unit filter walked each open (organisation,
-- state) range in urgency order and probed every case's tasks until it
-- had a page, so a unit with few cases read the whole open backlog on
-- every request (4.6x its 10k time for a register with 0.45 % of the
-- cases). The unit's own open cases are now found from its registers'
-- tasks by an index of the tasks of open cases, and read by id.
--
-- tasks.case_open says whether the task's case is in an open state
-- (store.OpenStates), kept like case_due (034): set from the case when a
-- task is inserted or moved to another case (the same BEFORE trigger,
-- which reads the case FOR SHARE), and rewritten on the case's tasks when
-- the case's state moves between open and closed. A bulk load with
-- triggers off (the demo loader) must write it itself: no default, so a
-- loader that forgets it fails.
ALTER TABLE tasks ADD COLUMN case_open boolean NOT NULL DEFAULT false;
ALTER TABLE tasks ALTER COLUMN case_open DROP DEFAULT;
UPDATE tasks t SET case_open = true FROM cases c
WHERE c.id = t.case_id AND c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused');

CREATE OR REPLACE FUNCTION tasks_case_due_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- FOR SHARE waits for a transaction that is changing the case's dates
    -- or state and reads its committed row, so a task inserted beside such
    -- a change never keeps the old values (workflow changes lock the case
    -- first).
    SELECT coalesce(c.urgent_due, c.extended_due, c.legal_due),
           c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
    INTO NEW.case_due, NEW.case_open
    FROM cases c WHERE c.id = NEW.case_id FOR SHARE;
    IF NOT FOUND THEN
        NEW.case_due := 'infinity'; -- no such case: the foreign key rejects the row
        NEW.case_open := false;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION cases_case_open_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET case_open = NEW.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
    WHERE case_id = NEW.id;
    RETURN NULL;
END $$;

-- Only a state change between open and closed queues it.
CREATE TRIGGER cases_case_open AFTER UPDATE OF state ON cases
    FOR EACH ROW
    WHEN ((OLD.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused'))
          IS DISTINCT FROM (NEW.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')))
    EXECUTE FUNCTION cases_case_open_follow();

-- store.resolveUnitRanges: the open cases of a unit's registers, read
-- from the index alone (an index-only scan once vacuum has marked the
-- pages all-visible).
CREATE INDEX tasks_unit_open ON tasks (register_id, org_id, case_id) WHERE case_open;
