DROP INDEX tasks_unit_open;
DROP TRIGGER cases_case_open ON cases;
DROP FUNCTION cases_case_open_follow();

CREATE OR REPLACE FUNCTION tasks_case_due_set() RETURNS trigger LANGUAGE plpgsql AS $$
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

ALTER TABLE tasks DROP COLUMN case_open;
