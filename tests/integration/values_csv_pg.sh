#!/usr/bin/env bash
# values_csv_pg.sh - values_csv.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/values_csv.sh"
