DROP TRIGGER tasks_open_task_counts ON tasks;
DROP FUNCTION open_task_counts_track();
DROP TABLE open_task_counts;
DROP TABLE open_right_counts;
-- open_due_counts_track as 032 made it.
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
