#!/usr/bin/env bash
# platform_accounts_pg.sh - platform_accounts.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/platform_accounts.sh"
