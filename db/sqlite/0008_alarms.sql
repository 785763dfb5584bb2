-- 0008_alarms.sql - gateway events and plant alarms (lib/pf/event.c, alarm.c; docs/alarms.md).
-- Alarms copy their facility, device and wording from the master when raised, so an alarm stays
-- readable after the master changes and lists need no joins. alarms.seq is the id of the alarm's
-- last history row: history ids only grow, so "changed since seq N" is one indexed range.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    gw_id       INTEGER,                       -- clients.id of the gateway, NULL if none
    batch       TEXT NOT NULL DEFAULT '',      -- the batch's "id" as the gateway sent it
    ts_ms       INTEGER NOT NULL,              -- when it happened, ms since the epoch, UTC
    kind        TEXT NOT NULL,
    device      TEXT NOT NULL DEFAULT '',      -- device code
    data_id     TEXT NOT NULL DEFAULT '',
    severity    INTEGER CHECK (severity BETWEEN 1 AND 4),
    message     TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',      -- JSON object as sent, '' if none
    received_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX events_tenant ON events (tenant_id, id);

CREATE TABLE alarm_groups (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    kind       TEXT NOT NULL CHECK (kind IN ('flood', 'cause')),
    title      TEXT NOT NULL,
    facility   TEXT NOT NULL DEFAULT '',       -- cause groups: the facility code
    cause_ms   INTEGER NOT NULL,               -- flood: first raise; cause: the shared time
    opened_at  INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,               -- newest member's raise: floods join by it
    closed_at  INTEGER                         -- set when no member is left uncleared
) STRICT;
CREATE INDEX alarm_groups_tenant ON alarm_groups (tenant_id, closed_at);

CREATE TABLE alarms (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants (id),
    source        TEXT NOT NULL,               -- pt:<point id> | dev:<device id> | gw:<client id>
    kind          TEXT NOT NULL CHECK (kind IN ('point', 'no_contact')),
    group_id      INTEGER REFERENCES alarm_groups (id),
    facility      TEXT NOT NULL DEFAULT '',
    facility_name TEXT NOT NULL DEFAULT '',
    device        TEXT NOT NULL DEFAULT '',
    data_id       TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL,
    message       TEXT NOT NULL,
    severity      INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    state         TEXT NOT NULL CHECK (state IN ('unacked', 'acked', 'rtn_unacked', 'cleared',
                                                 'shelved', 'out_of_service')),
    prev_state    TEXT NOT NULL DEFAULT '',    -- what shelved / out_of_service return to
    active        INTEGER NOT NULL,            -- 0/1: the condition is abnormal now
    cond_ms       INTEGER NOT NULL,            -- time of the sample/event last evaluated
    raised_at     INTEGER NOT NULL,
    acked_at      INTEGER,
    acked_by      TEXT,
    returned_at   INTEGER,
    cleared_at    INTEGER,
    shelved_until INTEGER,
    updated_at    INTEGER NOT NULL,
    seq           INTEGER NOT NULL DEFAULT 0
) STRICT;
-- at most one open (not cleared) alarm per source: a re-alarm can never duplicate
CREATE UNIQUE INDEX alarms_open ON alarms (tenant_id, source) WHERE state <> 'cleared';
CREATE INDEX alarms_seq ON alarms (tenant_id, seq);
CREATE INDEX alarms_raised ON alarms (tenant_id, raised_at);
CREATE INDEX alarms_group ON alarms (group_id);

CREATE TABLE alarm_history (
    id         INTEGER PRIMARY KEY,
    alarm_id   INTEGER NOT NULL REFERENCES alarms (id),
    tenant_id  INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,                  -- user:3, app:4, gw:5, system
    transition TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX alarm_history_alarm ON alarm_history (alarm_id, id);

-- per-point overrides of the configured hysteresis and on-delay (NULL = the default)
CREATE TABLE alarm_settings (
    point_id     INTEGER PRIMARY KEY REFERENCES points (id),
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    deadband_pct REAL,
    delay_s      INTEGER,
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT NOT NULL
) STRICT;
