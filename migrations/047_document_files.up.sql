-- FI-2, Openness Act 621/1999 §14: the documents the DPO gives out with
-- the decision on a request for documents. Stored with the case and
-- sealed with the case key like the owners' answer files (021): a
-- document's name and contents are personal data. The resident gets
-- them behind the decision's secure link (answer_deliveries, kind
-- doc_decision); rows go with their case, and a purge deletes them.
CREATE TABLE document_files (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    case_id      bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    filename     bytea NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);
-- Led by the case (TestCaseReferencesAreIndexed): a case decides its
-- organisation, and deleting a case looks here by case_id alone.
CREATE INDEX document_files_case ON document_files (case_id);
