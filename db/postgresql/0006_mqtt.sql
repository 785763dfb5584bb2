-- 0006_mqtt.sql - alive monitoring of gateways over MQTT (birth "online" / last will "offline").
CREATE TABLE gw_state (
    client_id  BIGINT PRIMARY KEY REFERENCES clients (id),    -- the gateway's registration
    online     INTEGER NOT NULL,                              -- 0/1
    changed_at BIGINT NOT NULL,                               -- ms since the epoch, UTC
    last_seen  BIGINT NOT NULL                                -- last state/up message
);
