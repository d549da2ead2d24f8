ALTER TABLE staff_sessions DROP COLUMN second_factor_due;
DROP TABLE staff_recovery_codes;
ALTER TABLE staff_users
    DROP COLUMN totp_secret,
    DROP COLUMN totp_pending,
    DROP COLUMN totp_key_id,
    DROP COLUMN totp_enabled_at,
    DROP COLUMN totp_last_step;
DROP TABLE password_resets;
DROP TABLE password_reset_requests;
DROP TABLE staff_invites;
