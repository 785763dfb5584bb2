#!/usr/bin/env bash
# portal_contacts_pg.sh - portal_contacts.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/portal_contacts.sh"
