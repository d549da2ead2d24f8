ALTER TABLE cases DROP COLUMN eves_non_working;
ALTER TABLE organisations
    DROP CONSTRAINT organisations_logo_size,
    DROP COLUMN logo_type,
    DROP COLUMN logo,
    DROP COLUMN retention_years,
    DROP COLUMN a11y_supervisor,
    DROP COLUMN postal_address,
    DROP COLUMN dpo_phone,
    DROP COLUMN bilingual,
    DROP COLUMN name_en;
