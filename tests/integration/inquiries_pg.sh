#!/usr/bin/env bash
# inquiries_pg.sh - inquiries.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/inquiries.sh"
