-- Organisations (the legal controllers, D-4), their units, and the register
-- catalogue imported from published register descriptions (RD).

CREATE TABLE organisations (
    id               bigserial PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]*$'),
    name_fi          text NOT NULL,
    name_sv          text NOT NULL,
    primary_lang     text NOT NULL DEFAULT 'fi' CHECK (primary_lang IN ('fi', 'sv')),
    business_id      text NOT NULL DEFAULT '',
    dpo_name         text NOT NULL DEFAULT '',
    dpo_email        text NOT NULL DEFAULT '',
    -- privacy_email receives requests by mail (inbound SMTP, issue 6).
    privacy_email    text NOT NULL DEFAULT '',
    -- DL-9: whether Midsummer Eve and Christmas Eve count as non-working
    -- for legal_due.
    eves_non_working boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE units (
    id     bigserial PRIMARY KEY,
    org_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name   text NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE registers (
    id                 bigserial PRIMARY KEY,
    org_id             bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- D-3: identity within the organisation is the normalised published name.
    norm_name          text NOT NULL,
    name               text NOT NULL,
    language           text NOT NULL DEFAULT 'fi' CHECK (language IN ('fi', 'sv')),
    purpose            text NOT NULL DEFAULT '',
    -- D-4: what the document printed as controller, verbatim.
    controller_text    text NOT NULL DEFAULT '',
    unit_id            bigint REFERENCES units (id) ON DELETE SET NULL,
    contact_text       text NOT NULL DEFAULT '',
    owner_name         text NOT NULL DEFAULT '',
    owner_email        text NOT NULL DEFAULT '',
    -- Art 6(1) letter, or 'unknown' (D-11).
    legal_basis        text NOT NULL DEFAULT 'unknown' CHECK (legal_basis IN ('a', 'b', 'c', 'd', 'e', 'f', 'unknown')),
    legal_basis_text   text NOT NULL DEFAULT '',
    data_content       text NOT NULL DEFAULT '',
    sources            text NOT NULL DEFAULT '',
    recipients         text NOT NULL DEFAULT '',
    retention          text NOT NULL DEFAULT '',
    systems            text NOT NULL DEFAULT '',
    sector             text NOT NULL DEFAULT '',
    notes              text NOT NULL DEFAULT '',
    extra              jsonb NOT NULL DEFAULT '{}',
    warnings           text[] NOT NULL DEFAULT '{}',
    source_file        text NOT NULL DEFAULT '',
    source_row         integer NOT NULL DEFAULT 0,
    source_format      text NOT NULL DEFAULT '',
    -- D-3: fields the DPO edited by hand; an import never overwrites them.
    edited_fields      text[] NOT NULL DEFAULT '{}',
    -- D-7 / RD-2: the register now has another controller.
    controller_elsewhere      boolean NOT NULL DEFAULT false,
    elsewhere_name            text NOT NULL DEFAULT '',
    elsewhere_contact         text NOT NULL DEFAULT '',
    -- Set when the latest import of its source no longer lists it.
    missing_from_source boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (org_id, norm_name)
);
CREATE INDEX registers_org_sector ON registers (org_id, sector, name);
