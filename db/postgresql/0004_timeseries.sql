-- 0004_timeseries.sql - time series of point samples (lib/pf/ts.c). The key (point, ts) makes a
-- re-sent or back-filled sample replace its twin (idempotent ingest); the primary key's index
-- serves range reads and "latest" (newest ts of a point) directly, so no other index is needed.
-- No foreign key to points: samples outlive master changes and ingest checks the data ID itself.
CREATE TABLE samples (
    point_id    BIGINT NOT NULL,               -- points.id
    ts_ms       BIGINT NOT NULL,               -- sample time, ms since the epoch, UTC
    tenant_id   BIGINT NOT NULL,               -- tenants.id (the point's)
    value       DOUBLE PRECISION NOT NULL,
    quality     SMALLINT NOT NULL CHECK (quality BETWEEN 0 AND 3),  -- sd_ts_quality_t
    gw_id       BIGINT,                        -- gateways.id it came from, NULL if none
    received_ms BIGINT NOT NULL,               -- when the platform stored it
    PRIMARY KEY (point_id, ts_ms)
);
