-- The breach log (legal.md §6, BR; issue 21): every personal data breach
-- of an organisation, with the 72-hour clock of Art 33(1) counted in
-- elapsed hours from aware_at, the Art 33(3) content, the decision trail,
-- the notification to the Data Protection Ombudsman and the information
-- given to the persons (Art 34). Free text here describes the breach, not
-- a data subject; it is still kept out of logs and audit data (D-25).
CREATE TABLE breaches (
    id            bigserial PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The organisation's own running number, shown to the DPO.
    no            integer NOT NULL,
    title         text NOT NULL,
    aware_at      timestamptz NOT NULL,
    occurred_at   timestamptz,
    -- Art 33(3)(a)-(d).
    nature              text NOT NULL DEFAULT '',
    subject_categories  text NOT NULL DEFAULT '',
    subject_count       integer CHECK (subject_count >= 0),
    record_categories   text NOT NULL DEFAULT '',
    record_count        integer CHECK (record_count >= 0),
    consequences        text NOT NULL DEFAULT '',
    measures            text NOT NULL DEFAULT '',
    contact             text NOT NULL DEFAULT '',
    -- The risk to persons' rights and freedoms: unassessed, none (unlikely
    -- to result in a risk: no notification, Art 33(1)), risk (notify the
    -- Ombudsman), high (inform the persons as well, Art 34).
    risk          text NOT NULL DEFAULT 'unassessed' CHECK (risk IN ('unassessed', 'none', 'risk', 'high')),
    -- Whether to notify the Ombudsman, and why (Art 33(5)).
    decision        text NOT NULL DEFAULT '' CHECK (decision IN ('', 'notify', 'not_notify')),
    decision_reason text NOT NULL DEFAULT '',
    -- Art 33(1)/(4): the notification, its reference and, when late, the
    -- reasons for the delay.
    ombudsman_notified_at timestamptz,
    ombudsman_reference   text NOT NULL DEFAULT '',
    delay_reason          text NOT NULL DEFAULT '',
    -- Art 34: when and how the persons were told, or why that was not
    -- needed (34(3)).
    persons_notified_at       timestamptz,
    persons_how               text NOT NULL DEFAULT '',
    persons_not_needed_reason text NOT NULL DEFAULT '',
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    closed_at   timestamptz,
    created_by  bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, no)
);
-- The list: open ones first, by time left.
CREATE INDEX breaches_org_state_aware ON breaches (org_id, state, aware_at);

-- One row per reminder sent (24 h, 6 h before the limit, at the limit),
-- per deadline: a retried or re-inserted job finds its row and sends
-- nothing, so each reminder goes out once.
CREATE TABLE breach_reminders (
    breach_id    bigint NOT NULL REFERENCES breaches (id) ON DELETE CASCADE,
    hours_before integer NOT NULL,
    due_at       timestamptz NOT NULL,
    sent_at      timestamptz NOT NULL,
    PRIMARY KEY (breach_id, hours_before, due_at)
);
