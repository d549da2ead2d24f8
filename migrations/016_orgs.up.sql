-- Organisation settings edited by the organisation's DPO (issue 19, D-27).
-- Organisations cannot be removed (no code path deletes one, and cases
-- reference them without cascade), so a slug is never freed for reuse.
ALTER TABLE organisations
    ADD COLUMN name_en             text NOT NULL DEFAULT '',
    -- Language Act 423/2003: a bilingual organisation serves fi and sv.
    ADD COLUMN bilingual           boolean NOT NULL DEFAULT true,
    ADD COLUMN dpo_phone           text NOT NULL DEFAULT '',
    -- The sender block of letters (internal/pdf), one line per row.
    ADD COLUMN postal_address      text NOT NULL DEFAULT '',
    -- The accessibility supervisor's contact (Act 306/2019).
    ADD COLUMN a11y_supervisor     text NOT NULL DEFAULT '',
    -- D-28: closed cases are purged after this many years (at least 2).
    ADD COLUMN retention_years     integer NOT NULL DEFAULT 2 CHECK (retention_years BETWEEN 2 AND 100),
    -- A re-encoded PNG or a checked SVG (workflow.CleanLogo), 200 KB at most.
    ADD COLUMN logo                bytea,
    ADD COLUMN logo_type           text NOT NULL DEFAULT '' CHECK (logo_type IN ('', 'png', 'svg')),
    ADD CONSTRAINT organisations_logo_size CHECK (logo IS NULL OR octet_length(logo) <= 204800);

-- D-30: changing eves_non_working applies to cases received after the
-- change. Each case keeps the setting it was received under; cases stored
-- before this migration take their organisation's current setting.
ALTER TABLE cases ADD COLUMN eves_non_working boolean NOT NULL DEFAULT false;
UPDATE cases SET eves_non_working = o.eves_non_working FROM organisations o
    WHERE o.id = cases.org_id AND o.eves_non_working;
