#!/usr/bin/env bash
# bulletin_pg.sh - bulletin.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/bulletin.sh"
