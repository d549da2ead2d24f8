DROP INDEX IF EXISTS cases_closed;
DROP TABLE IF EXISTS purged_cases;
