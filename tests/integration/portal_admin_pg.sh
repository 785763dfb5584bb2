#!/usr/bin/env bash
# portal_admin_pg.sh - portal_admin.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/portal_admin.sh"
