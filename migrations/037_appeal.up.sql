-- An organisation's own appeal instructions (valitusosoitus /
-- besvärsanvisning), one per language, as its lawyer confirmed them. Every
-- refusal prints them: letters, mails and the status page (DL-6). Empty
-- means the default text (an oikaisuvaatimus under the Local Government
-- Act 410/2015 §134), which suits a municipality but not every controller.
ALTER TABLE organisations
    ADD COLUMN appeal_fi text NOT NULL DEFAULT '',
    ADD COLUMN appeal_sv text NOT NULL DEFAULT '',
    ADD COLUMN appeal_en text NOT NULL DEFAULT '';
