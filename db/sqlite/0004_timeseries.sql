-- 0004_timeseries.sql - time series of point samples (lib/pf/ts.c). The key (point, ts) makes a
-- re-sent or back-filled sample replace its twin (idempotent ingest); the primary key's index
-- serves range reads and "latest" (newest ts of a point) directly, so no other index is needed.
-- No foreign key to points: samples outlive master changes and ingest checks the data ID itself.
CREATE TABLE samples (
    point_id    INTEGER NOT NULL,              -- points.id
    ts_ms       INTEGER NOT NULL,              -- sample time, ms since the epoch, UTC
    tenant_id   INTEGER NOT NULL,              -- tenants.id (the point's)
    value       REAL NOT NULL,
    quality     INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 3),  -- sd_ts_quality_t
    gw_id       INTEGER,                       -- gateways.id it came from, NULL if none
    received_ms INTEGER NOT NULL,              -- when the platform stored it
    PRIMARY KEY (point_id, ts_ms)
) STRICT, WITHOUT ROWID;
