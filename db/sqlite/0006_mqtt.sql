-- 0006_mqtt.sql - alive monitoring of gateways over MQTT (birth "online" / last will "offline").
CREATE TABLE gw_state (
    client_id  INTEGER PRIMARY KEY REFERENCES clients (id),   -- the gateway's registration
    online     INTEGER NOT NULL,                              -- 0/1
    changed_at INTEGER NOT NULL,                              -- ms since the epoch, UTC
    last_seen  INTEGER NOT NULL                               -- last state/up message
) STRICT;
