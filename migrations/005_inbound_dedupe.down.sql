DROP INDEX inbound_messages_org_message_id;
ALTER TABLE inbound_messages DROP COLUMN message_id;
