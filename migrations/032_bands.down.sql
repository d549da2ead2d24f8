DROP TRIGGER cases_open_due_counts ON cases;
DROP FUNCTION open_due_counts_track();
DROP TABLE open_due_counts;
