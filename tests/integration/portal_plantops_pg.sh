#!/usr/bin/env bash
# portal_plantops_pg.sh - portal_plantops.sh against a throwaway PostgreSQL cluster (the count
# query, requests and their audit on the second store).
SUIDO_PG=1 exec bash "$(dirname "$0")/portal_plantops.sh"
