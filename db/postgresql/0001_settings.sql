-- 0001_settings.sql - platform settings (name -> text); proves the migration mechanism.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL -- milliseconds since the Unix epoch, UTC
);
