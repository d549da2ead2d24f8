-- Issue 19: a register read from a document-publicity description
-- (asiakirjajulkisuuskuvaus / tietovarannot, 906/2019 §28) is a data
-- store that may hold no personal data; the importer marks it and the
-- catalogue shows the mark.
ALTER TABLE registers ADD COLUMN data_store boolean NOT NULL DEFAULT false;
