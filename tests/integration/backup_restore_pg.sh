#!/usr/bin/env bash
# backup_restore_pg.sh - backup_restore.sh on a throwaway PostgreSQL cluster: pg_dump in suidod's
# exported snapshot, pg_restore into a second database.
SUIDO_PG=1 exec bash "$(dirname "$0")/backup_restore.sh"
