-- The DPO's queue and the triage box at a million cases (issue 21): both
-- read an index in their own order and stop at the page (200 rows), instead
-- of sorting the whole open backlog on each request.
--
-- tasks.case_due is the case's dashboard urgency, urgentKey =
-- coalesce(urgent_due, extended_due, legal_due) (D-23, D-27), copied onto
-- its tasks so that the queue's order (urgency, case, register name, task)
-- comes presorted by (case_due, case_id) from one index; register names
-- only break ties within a case (an incremental sort of a few rows).
-- Kept by triggers: set from the case when a task is inserted (or moved to
-- another case), and rewritten on the case's tasks when any of the three
-- dates changes. A bulk load with triggers off (session_replication_role =
-- replica, the demo loader) must write it itself; NOT NULL makes a loader
-- that forgets it fail instead of filling the queue in the wrong order.
ALTER TABLE tasks ADD COLUMN case_due date;
UPDATE tasks t SET case_due = coalesce(c.urgent_due, c.extended_due, c.legal_due)
FROM cases c WHERE c.id = t.case_id;
ALTER TABLE tasks ALTER COLUMN case_due SET NOT NULL;

CREATE FUNCTION tasks_case_due_set() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- FOR SHARE waits for a transaction that is changing the case's dates
    -- and reads its committed row, so a task inserted beside such a change
    -- never keeps the old date (workflow changes lock the case first).
    SELECT coalesce(c.urgent_due, c.extended_due, c.legal_due) INTO NEW.case_due
    FROM cases c WHERE c.id = NEW.case_id FOR SHARE;
    IF NOT FOUND THEN
        NEW.case_due := 'infinity'; -- no such case: the foreign key rejects the row
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tasks_case_due BEFORE INSERT OR UPDATE OF case_id ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_case_due_set();

CREATE FUNCTION cases_case_due_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET case_due = coalesce(NEW.urgent_due, NEW.extended_due, NEW.legal_due)
    WHERE case_id = NEW.id AND case_due IS DISTINCT FROM coalesce(NEW.urgent_due, NEW.extended_due, NEW.legal_due);
    RETURN NULL;
END $$;

-- Most case updates leave the three dates alone: the WHEN clause keeps
-- them from queuing the trigger at all.
CREATE TRIGGER cases_case_due AFTER UPDATE ON cases
    FOR EACH ROW
    WHEN (coalesce(OLD.urgent_due, OLD.extended_due, OLD.legal_due)
          IS DISTINCT FROM coalesce(NEW.urgent_due, NEW.extended_due, NEW.legal_due))
    EXECUTE FUNCTION cases_case_due_follow();

-- store.DPOQueue: one ordered range per organisation, stopped at 200.
CREATE INDEX tasks_dpo_queue ON tasks (org_id, case_due, case_id, id)
    WHERE state = 'open' AND owner_email = '';

-- store.NeedingTriage: emailed cases waiting for the DPO, by urgency.
CREATE INDEX cases_needing_triage ON cases (org_id, (coalesce(urgent_due, extended_due, legal_due)), id)
    WHERE state = 'received' AND needs_triage;
