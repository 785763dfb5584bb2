#!/usr/bin/env bash
# maint_pg.sh - maint.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/maint.sh"
