ALTER TABLE staff_users DROP COLUMN platform_admin;
