-- 0002_accounts.sql - tenants, organisations, users, sessions, AP/GW registrations, audit.
-- The first tenant row is the common tenant, id 1 (SD_TENANT_COMMON, 表2-14 No.1).
CREATE TABLE tenants (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('common', 'shared_operator', 'dedicated_operator',
                                             'vendor')),
    created_at INTEGER NOT NULL
) STRICT;
INSERT INTO tenants (name, kind, created_at) VALUES ('common', 'common', 0);

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL CHECK (kind IN ('platform', 'operator', 'ap_vendor', 'gw_vendor')),
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX orgs_tenant ON orgs (tenant_id);

-- A vendor organisation serves these operator tenants (from the 利用申請書).
CREATE TABLE org_tenants (
    org_id    INTEGER NOT NULL REFERENCES orgs (id),
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (org_id, tenant_id)
) STRICT;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id), -- the org's tenant, kept for lookups
    role           TEXT NOT NULL,
    login          TEXT NOT NULL UNIQUE,
    email          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    pw_hash        TEXT NOT NULL,
    provisional    INTEGER NOT NULL DEFAULT 1,
    totp_secret    BLOB,                                      -- secretbox(nonce || box)
    totp_enabled   INTEGER NOT NULL DEFAULT 0,
    totp_required  INTEGER NOT NULL DEFAULT 0,
    last_totp_step INTEGER NOT NULL DEFAULT -1,
    failures       INTEGER NOT NULL DEFAULT 0,
    last_failure   INTEGER NOT NULL DEFAULT 0,                -- Unix seconds
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,                          -- SHA-256 hex of the token
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL                               -- absolute limit
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

-- Applications and gateways: one registration per (vendor org, operator tenant served).
CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('application', 'gateway')),
    name          TEXT NOT NULL,
    org_id        INTEGER NOT NULL REFERENCES orgs (id),
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    client_id     TEXT NOT NULL UNIQUE,
    secret_digest TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    expires_at    INTEGER NOT NULL DEFAULT 0,                 -- 0 = never
    cert_fp       TEXT NOT NULL DEFAULT '',                   -- SHA-256 of the client cert, hex
    failures      INTEGER NOT NULL DEFAULT 0,
    last_failure  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX clients_tenant ON clients (tenant_id);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,
    client_id  INTEGER NOT NULL REFERENCES clients (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX api_tokens_client ON api_tokens (client_id);

CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    actor      TEXT NOT NULL,                                 -- "user:3", "app:2", "system"
    actor_role TEXT NOT NULL DEFAULT '',
    tenant_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    object     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    request_id TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_tenant_ts ON audit (tenant_id, ts);
