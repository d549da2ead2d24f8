-- Staff accounts, memberships per organisation, server-side sessions and the
-- failed-login record behind lockout (issue 12).

CREATE TABLE staff_users (
    id            bigserial PRIMARY KEY,
    email         text NOT NULL,
    name          text NOT NULL DEFAULT '',
    -- argon2id in PHC string form: parameters live in the hash.
    password_hash text NOT NULL,
    lang          text NOT NULL DEFAULT 'fi' CHECK (lang IN ('fi', 'sv', 'en')),
    disabled_at   timestamptz,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (lower(email));

CREATE TABLE memberships (
    user_id bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    org_id  bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role    text NOT NULL CHECK (role IN ('admin', 'dpo', 'viewer')),
    PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE staff_sessions (
    -- sha256 of the random cookie value: a database leak yields no sessions.
    id_hash      bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Failed logins by client address, for per-IP back-off.
CREATE TABLE login_failures (
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

-- D-20: integration tokens, stored as hashes.
CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name         text NOT NULL,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    UNIQUE (org_id, name)
);
