-- The DPO's version of an owner's texts that a letter prints (the reasons
-- of a refusal or a guardian's restriction, what was rectified, the Art 19
-- recipients told), written on the case page before the answer goes out:
-- an owner writes in Finnish to a Swedish-speaking resident, or names a
-- colleague. The owner's original stays in answer_comment, answer_changes
-- and recipients_told; a letter prints the DPO's version when there is
-- one (empty: none). Sealed with the case key like the originals (022).
ALTER TABLE tasks ADD COLUMN letter_comment bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE tasks ADD COLUMN letter_changes bytea NOT NULL DEFAULT ''::bytea;
ALTER TABLE tasks ADD COLUMN letter_told bytea NOT NULL DEFAULT ''::bytea;
-- Who edited last and when (an actor id, never a name).
ALTER TABLE tasks ADD COLUMN letter_edited_by text NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN letter_edited_at timestamptz;
