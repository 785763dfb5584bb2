#!/usr/bin/env bash
# portal_bulletin_pg.sh - portal_bulletin.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/portal_bulletin.sh"
