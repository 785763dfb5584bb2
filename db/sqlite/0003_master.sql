-- 0003_master.sql - master data (facilities, devices, points, outputs), its versions, and the
-- initial-information sheets (初期情報設定シート) through which it changes. See docs/master-data.md.
-- Uniqueness the validator needs across a whole change (terminal codes, tel, one object per
-- input) is checked by lib/pf/sheet.c on the merged master, not by constraints here: a sheet may
-- swap two inputs, which a row-by-row unique index would refuse half-way.
CREATE TABLE sheets (
    id           INTEGER PRIMARY KEY,
    tenant_id    INTEGER NOT NULL REFERENCES tenants (id),
    status       TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'applied')),
    submitted_by INTEGER NOT NULL,             -- users.id
    submitted_at INTEGER NOT NULL,             -- ms since the epoch, UTC
    filename     TEXT NOT NULL DEFAULT '',
    raw          BLOB NOT NULL,                -- the file as uploaded, byte for byte
    encoding     TEXT NOT NULL CHECK (encoding IN ('utf-8', 'shift_jis')),
    objects      INTEGER NOT NULL,             -- objects in the sheet
    errors       TEXT NOT NULL DEFAULT '[]',   -- JSON findings of the last validation
    decided_by   INTEGER,                      -- users.id of the approver / rejecter
    decided_at   INTEGER,
    reason       TEXT NOT NULL DEFAULT '',
    version      INTEGER                       -- master version the sheet produced
) STRICT;
CREATE INDEX sheets_tenant ON sheets (tenant_id, id);

CREATE TABLE master_versions (
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id),
    version    INTEGER NOT NULL,
    sheet_id   INTEGER NOT NULL REFERENCES sheets (id),
    applied_at INTEGER NOT NULL,
    applied_by INTEGER NOT NULL,               -- users.id
    PRIMARY KEY (tenant_id, version)
) STRICT;

CREATE TABLE facilities (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    code        TEXT NOT NULL,                 -- 施設コード
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('dedicated', 'simple', 'small', 'direct_boost')),
    estate      TEXT NOT NULL,                 -- 団地コード 000-999
    estate_name TEXT NOT NULL DEFAULT '',
    supply      TEXT NOT NULL DEFAULT '',
    tank_m3     REAL,
    households  INTEGER,
    address     TEXT NOT NULL DEFAULT '',
    version     INTEGER NOT NULL,              -- master version that last wrote the row
    UNIQUE (tenant_id, code)
) STRICT;

CREATE TABLE devices (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    code        TEXT NOT NULL,                 -- 端末コード
    name        TEXT NOT NULL,
    model       TEXT NOT NULL CHECK (model IN ('L2', 'L3')),
    branch      TEXT NOT NULL,                 -- 00-99
    office      TEXT NOT NULL,                 -- 00-99
    estate      TEXT NOT NULL,                 -- 000-999
    terminal    TEXT NOT NULL,                 -- 00-99
    tel         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    UNIQUE (tenant_id, code)
) STRICT;
CREATE INDEX devices_facility ON devices (facility_id);
CREATE INDEX devices_codes ON devices (branch, office, estate, terminal);

CREATE TABLE points (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    data_id   TEXT NOT NULL,                   -- データID, unique in the tenant with outputs'
    name      TEXT NOT NULL,
    signal    TEXT NOT NULL CHECK (signal IN ('alarm', 'monitor', 'pulse', 'runtime', 'analog',
                                              'integration')),
    input     TEXT NOT NULL,                   -- Di1-48, Pi1-16, Ai1-16, Integ1-4
    unit      TEXT NOT NULL DEFAULT '',
    scale_lo  REAL,                            -- engineering value at 4 mA (raw 00)
    scale_hi  REAL,                            -- engineering value at 20 mA (raw FF)
    factor    REAL,                            -- engineering units per count
    limit_lo  REAL,
    limit_hi  REAL,
    severity  TEXT NOT NULL DEFAULT '',
    version   INTEGER NOT NULL,
    UNIQUE (tenant_id, data_id)
) STRICT;
CREATE INDEX points_device ON points (device_id);

CREATE TABLE outputs (
    id        INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    device_id INTEGER NOT NULL REFERENCES devices (id),
    data_id   TEXT NOT NULL,
    name      TEXT NOT NULL,
    output_no INTEGER NOT NULL CHECK (output_no BETWEEN 1 AND 8),
    drives    TEXT NOT NULL DEFAULT '',        -- 制御対象: what the relay switches
    version   INTEGER NOT NULL,
    UNIQUE (tenant_id, data_id)
) STRICT;
CREATE INDEX outputs_device ON outputs (device_id);
