-- Staff accounts in the web UI (issue 19) and a second sign-in factor
-- (issue 16, item 12). The lead renumbers this file at merge.

-- An invitation to join an organisation: the link's token is random and
-- only its keyed hash is stored (key_id names the key, D-26); single use,
-- valid for 7 days. At most one pending invite per organisation and
-- address: re-sending replaces it.
CREATE TABLE staff_invites (
    id          bigserial PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email       text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'dpo', 'viewer')),
    lang        text NOT NULL CHECK (lang IN ('fi', 'sv', 'en')),
    token_hash  bytea NOT NULL UNIQUE,
    key_id      text NOT NULL,
    invited_by  bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    user_id     bigint REFERENCES staff_users (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX staff_invites_pending ON staff_invites (org_id, lower(email))
    WHERE used_at IS NULL AND revoked_at IS NULL;

-- "Forgot your password" requests, one row per form post, whether or not
-- an account has the address: the request path does the same work either
-- way and a job decides whether a link is mailed. email_hash and ip count
-- the limits (D-24); the address itself is kept encrypted only until the
-- job has run.
CREATE TABLE password_reset_requests (
    id         bigserial PRIMARY KEY,
    ip         text NOT NULL,
    email_hash bytea NOT NULL,
    email_enc  bytea,
    key_id     text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX password_reset_requests_ip ON password_reset_requests (ip, at);
CREATE INDEX password_reset_requests_email ON password_reset_requests (email_hash, at);

-- A mailed reset link: keyed hash only, single use, valid 1 hour.
CREATE TABLE password_resets (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    key_id     text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- TOTP (RFC 6238): the secret is encrypted with the keyring (totp_key_id);
-- totp_pending holds a secret being set up until one code confirms it;
-- totp_last_step is the last time step accepted, so a code is used once.
ALTER TABLE staff_users
    ADD COLUMN totp_secret     bytea,
    ADD COLUMN totp_pending    bytea,
    ADD COLUMN totp_key_id     text NOT NULL DEFAULT '',
    ADD COLUMN totp_enabled_at timestamptz,
    ADD COLUMN totp_last_step  bigint NOT NULL DEFAULT 0;

-- Recovery codes: hashed, single use, shown once.
CREATE TABLE staff_recovery_codes (
    id        bigserial PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    key_id    text NOT NULL,
    used_at   timestamptz
);
CREATE INDEX staff_recovery_codes_user ON staff_recovery_codes (user_id);

-- A session whose password was right but whose second factor is still
-- due: it opens nothing until a code completes it.
ALTER TABLE staff_sessions ADD COLUMN second_factor_due boolean NOT NULL DEFAULT false;
