-- The band counts' trigger on cases (032_bands, 035_counts) ran its
-- PL/pgSQL function for every new case, though a new case is counted only
-- once it is confirmed or waits for triage (D-8): an intake's case (a code
-- not yet entered) never is. Split by operation, the INSERT trigger's WHEN
-- clause (the function's own new_in) is checked before the function is
-- called and before an AFTER event is queued: an intake no longer pays for
-- either (issue 21). UPDATE and DELETE keep the trigger as it was.
DROP TRIGGER cases_open_due_counts ON cases;

CREATE TRIGGER cases_open_due_counts AFTER UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION open_due_counts_track();

CREATE TRIGGER cases_open_due_counts_ins AFTER INSERT ON cases
    FOR EACH ROW
    WHEN (NEW.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
          AND (NEW.confirmed_at IS NOT NULL OR NEW.needs_triage))
    EXECUTE FUNCTION open_due_counts_track();
