#!/usr/bin/env bash
# incidents_pg.sh - incidents.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/incidents.sh"
