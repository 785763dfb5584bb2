#!/usr/bin/env bash
# authz_matrix_pg.sh - authz_matrix.sh against a throwaway PostgreSQL cluster.
SUIDO_PG=1 exec bash "$(dirname "$0")/authz_matrix.sh"
