-- D-24: the per-token limit of /api/v1 (API_RATE) is counted here, so every
-- instance on the database spends the same budget. Until now each process
-- kept its own bucket, and N instances allowed N times the rate.
--
-- A token bucket per token: level is what was left at `at`; it refills at
-- the configured rate up to the burst. An instance takes a few requests at
-- a time (the lease it hands out from memory, api/apirate.go), so a busy
-- token writes here once every few requests, not on each one; `granted`
-- is what the last take got, for the statement's RETURNING.
--
-- UNLOGGED, like rate_limits (030): cheap to lose (a crash refills every
-- bucket), and a transaction that writes only here waits for no WAL flush.
CREATE UNLOGGED TABLE api_rate (
    token_id bigint PRIMARY KEY REFERENCES api_tokens (id) ON DELETE CASCADE,
    level    double precision NOT NULL,
    at       timestamptz NOT NULL,
    granted  integer NOT NULL
);

-- What a bucket holds at now: what it held at `at`, refilled at rate a
-- second, at most burst. A clock that went back refills nothing.
CREATE FUNCTION api_rate_level(level double precision, at timestamptz, now timestamptz,
                               rate double precision, burst double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT least(burst, level + greatest(0, extract(epoch FROM now - at)) * rate)
$$;
