-- 0007_requests.sql - which gateway serves a device (sheet column `gateway`), and requests to
-- gateways (immediate read, control, monitor start/stop) with their state history. docs/gwif.md.
ALTER TABLE devices ADD COLUMN gateway TEXT NOT NULL DEFAULT '';   -- clients.name of a gateway

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    gw_id        INTEGER NOT NULL REFERENCES clients (id),        -- the gateway routed to
    device       TEXT NOT NULL,                                   -- devices.code
    kind         TEXT NOT NULL CHECK (kind IN ('read', 'control', 'schedule', 'params',
                                               'assign', 'monitor_start', 'monitor_stop')),
    body         TEXT NOT NULL,                                   -- the kind's members, JSON
    state        TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'succeeded', 'failed',
                                                'timed_out', 'expired')),
    created_ms   INTEGER NOT NULL,                                -- ms since the epoch, UTC
    sent_ms      INTEGER,
    finished_ms  INTEGER,
    deadline_ms  INTEGER NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    message      TEXT NOT NULL DEFAULT '',
    result       TEXT NOT NULL DEFAULT '',                        -- the reply, JSON ('' = none)
    requested_by TEXT NOT NULL DEFAULT ''                         -- "app:3", "user:5", "system"
) STRICT;
CREATE INDEX requests_gw_state ON requests (gw_id, state, id);
CREATE INDEX requests_tenant ON requests (tenant_id, id);
CREATE INDEX requests_open ON requests (state, deadline_ms);

CREATE TABLE request_history (
    request_id INTEGER NOT NULL REFERENCES requests (id),
    state      TEXT NOT NULL,
    at_ms      INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX request_history_req ON request_history (request_id, at_ms);
