-- D-29: a new link for a delivered answer (workflow.RenewAnswerLink) is
-- an answer link mail as the first one was, and the server's acceptance
-- of it recorded "answer delivered" on the timeline a second time. The
-- row says it is a new link, so its acceptance says so instead. A
-- constant default: no rewrite of the table.
ALTER TABLE outbox ADD COLUMN link_renewal boolean NOT NULL DEFAULT false;
