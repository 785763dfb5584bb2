-- 0012_login_hardening.sql - login ids are case-insensitive ("OAA" and "oaA" are one id)
-- and unique as such; failures of login ids that do not exist, so they lock like real ones;
-- platform administrators must use one-time passwords.
-- A database holding ids that differ only in case is refused, naming them (migrate.c runs the
-- refuse-if query first): an administrator renames all but one of each, then starts again.
-- refuse-if: SELECT 'login ids that differ only in case: ' || group_concat(login, ', ') || ' (rename all but one of each, then start again)' FROM users WHERE lower(login) IN (SELECT lower(login) FROM users GROUP BY lower(login) HAVING COUNT(*) > 1)
CREATE UNIQUE INDEX users_login_lower ON users (lower(login));

CREATE TABLE login_failures (
    login        TEXT PRIMARY KEY,                              -- as lower-cased
    failures     INTEGER NOT NULL,
    last_failure INTEGER NOT NULL                               -- Unix seconds
) STRICT;
CREATE INDEX login_failures_last ON login_failures (last_failure);

-- platform administrators always use one-time passwords (also enforced by role in the code)
UPDATE users SET totp_required = 1 WHERE role = 'platform_admin';
