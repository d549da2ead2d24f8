DROP TABLE IF EXISTS case_reply_files;
DROP TABLE IF EXISTS case_replies;
DROP TABLE IF EXISTS case_asks;
