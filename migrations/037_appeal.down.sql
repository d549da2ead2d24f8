ALTER TABLE organisations DROP COLUMN appeal_fi, DROP COLUMN appeal_sv, DROP COLUMN appeal_en;
