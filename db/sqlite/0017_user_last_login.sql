-- 0017_user_last_login.sql - when each user last logged in (ms since epoch, 0 = never), for the
-- administrators' user list in the portal; the audit log keeps every login.
ALTER TABLE users ADD COLUMN last_login_at INTEGER NOT NULL DEFAULT 0;
