-- An organisation's privacy address routes emailed requests to it
-- (OrgByPrivacyEmail, cmd/rightsdesk/inbound.go). Nothing stopped two
-- organisations from sharing one, so a DPO could set their own
-- organisation's address to another's published one and receive that
-- organisation's residents' requests. Each address now belongs to one
-- organisation; the comparison ignores case, as mail addresses do.
DO $$
DECLARE
    dup text;
BEGIN
    SELECT lower(privacy_email) INTO dup FROM organisations
    WHERE privacy_email <> '' GROUP BY lower(privacy_email) HAVING count(*) > 1 LIMIT 1;
    IF dup IS NOT NULL THEN
        RAISE EXCEPTION 'two organisations share the privacy address %: give each its own (rightsdesk org set --slug SLUG --privacy-email ADDRESS, or the organisation''s settings page) and migrate again', dup;
    END IF;
END $$;

CREATE UNIQUE INDEX organisations_privacy_email_key ON organisations (lower(privacy_email)) WHERE privacy_email <> '';
