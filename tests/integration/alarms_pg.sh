#!/usr/bin/env bash
# alarms_pg.sh - alarms.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/alarms.sh"
