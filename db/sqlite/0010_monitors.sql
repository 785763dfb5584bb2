-- 0010_monitors.sql - periodic monitors (AP-IF #5-7 定周期監視, lib/pf/monitor_http.c). The values
-- themselves are ordinary samples (0004); a monitor only says which points to push, to whom, and
-- how often the gateway should collect them. Stopped monitors are kept for the list and audit.
CREATE TABLE monitors (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants (id),
    owner_role     TEXT NOT NULL,                 -- policy role name of the starter
    owner_id       INTEGER NOT NULL,              -- its subject id (application or user)
    owner_org      INTEGER NOT NULL,              -- its organisation
    data_ids       TEXT NOT NULL,                 -- JSON array of the points' data IDs
    interval_s     INTEGER NOT NULL CHECK (interval_s BETWEEN 60 AND 86400),
    webhook_url    TEXT,                          -- http(s) URL, NULL = events stream only
    webhook_secret BLOB,                          -- HMAC key, sealed under the platform key
    state          TEXT NOT NULL CHECK (state IN ('active', 'stopped')),
    created_at     INTEGER NOT NULL,              -- ms since the epoch, UTC
    stopped_at     INTEGER
) STRICT;
CREATE INDEX monitors_tenant ON monitors (tenant_id, state);
