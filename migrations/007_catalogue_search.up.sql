-- Catalogue search (issue 15): residents search the way they speak, so a
-- word must also be found inside a compound ("lasten" in
-- "Lastensuojelun") and in either published language. search_text is the
-- searchable published text, lower-cased and folded (ä ö å ü é to a o a u
-- e, so "paivahoito" typed without umlauts still matches) with a space
-- before and after each word (punctuation is a space), as
-- registers.FoldSearch folds the query's pieces; the trigram
-- index serves the substring matches (LIKE '%term%') that the store builds
-- from the query's words, their stems and the curated word list
-- (registers/search_words.json), so a search does not scan every register.
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
-- create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE registers ADD COLUMN search_text text GENERATED ALWAYS AS (
    ' ' || regexp_replace(
        translate(lower(name || ' ' || purpose || ' ' || data_content || ' ' || sector || ' ' ||
                        controller_text || ' ' || systems),
                  'ÄÖÅÜÉäöåüé', 'aoaueaoaue'),
        '[[:space:] ()\[\]{}/\\,.;:!?"''«»”“–—-]+', ' ', 'g') || ' '
) STORED;

CREATE INDEX registers_search_trgm ON registers USING gin (search_text gin_trgm_ops);
