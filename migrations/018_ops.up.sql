-- Issue 22 (operations): /metrics counts the chains a verification found
-- broken at every scrape; this keeps that a read of the (normally empty)
-- broken set instead of a scan of one row per case ever received.
CREATE INDEX audit_heads_broken ON audit_heads (org_id, case_id) WHERE broken_seq <> 0;
