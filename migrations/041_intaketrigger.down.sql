DROP TRIGGER cases_open_due_counts_ins ON cases;
DROP TRIGGER cases_open_due_counts ON cases;

CREATE TRIGGER cases_open_due_counts AFTER INSERT OR UPDATE OR DELETE ON cases
    FOR EACH ROW EXECUTE FUNCTION open_due_counts_track();
