-- Issue 18, withheld content (legal.md §3, Art 15(4); 1050/2018 §34;
-- ID-5): what of an owner's answer is left out of the letter. One row a
-- mark: a whole row of the extract (row_no), one cell (row_no and col_no,
-- both 1-based in the extract as internal/pdf parses it), or a whole
-- uploaded file (attachment_id). Each has its ground and the short reason
-- the letter prints. The owner marks while the case is open; the DPO sees
-- and changes the marks before sending. Rows go with their task.
CREATE TABLE answer_withheld (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id       bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    task_id       bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    row_no        integer CHECK (row_no > 0),
    col_no        integer CHECK (col_no > 0),
    attachment_id bigint REFERENCES task_attachments (id) ON DELETE CASCADE,
    ground        text NOT NULL,
    reason        text NOT NULL,
    created_at    timestamptz NOT NULL,
    created_by    text NOT NULL,
    CHECK ((row_no IS NOT NULL AND attachment_id IS NULL)
        OR (row_no IS NULL AND col_no IS NULL AND attachment_id IS NOT NULL))
);
CREATE INDEX answer_withheld_task ON answer_withheld (org_id, task_id);
CREATE INDEX answer_withheld_case ON answer_withheld (org_id, case_id);

-- Issue 18, paper and on-site delivery (IN-1): a letter for a requester
-- who chose paper (or to view the answer on site) waits here for the DPO,
-- as rendered (bytes, so what is printed is what was approved). done_on is
-- the date the DPO recorded: posted (paper) or viewed (on site); the case
-- is answered then. Receipts and extension notices of paper requesters
-- come here too. Rows go with their case.
CREATE TABLE letter_queue (
    id         bigserial PRIMARY KEY,
    org_id     bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    method     text NOT NULL CHECK (method IN ('paper', 'on_site')),
    lang       text NOT NULL,
    filename   text NOT NULL,
    pdf        bytea NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    done_at    timestamptz,
    done_on    date,
    done_by    text
);
CREATE INDEX letter_queue_waiting ON letter_queue (org_id, created_at) WHERE done_at IS NULL;
CREATE INDEX letter_queue_case ON letter_queue (org_id, case_id);
