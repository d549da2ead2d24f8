-- D-29: a platform administrator is a flag on a staff account, not an
-- organisation role. Platform administrators create organisations and
-- invite each one's first DPO (issue 19).
ALTER TABLE staff_users ADD COLUMN platform_admin boolean NOT NULL DEFAULT false;
