-- 0001_settings.sql - platform settings (name -> text); proves the migration mechanism.
-- SQLite files use STRICT tables, so a wrong type fails here as it does on PostgreSQL.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL -- milliseconds since the Unix epoch, UTC
) STRICT;
