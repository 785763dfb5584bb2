#!/usr/bin/env bash
# platform_store_guard_pg.sh - platform_store_guard.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/platform_store_guard.sh"
