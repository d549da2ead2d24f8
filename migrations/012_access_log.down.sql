DROP TABLE IF EXISTS case_access_log;
