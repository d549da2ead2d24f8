-- Inbound mail dedupe (issue 6). A sender's MTA retries a message after a
-- temporary failure (our 451), so the same message may arrive twice for
-- one organisation: its Message-ID finds the case the first delivery
-- made. Messages without one ('') are never taken for each other.

ALTER TABLE inbound_messages ADD COLUMN message_id text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX inbound_messages_org_message_id ON inbound_messages (org_id, message_id) WHERE message_id <> '';
