#!/usr/bin/env bash
# openapi_valid.sh - docs/openapi.yaml (the contract AP and GW vendors build against, served as
# GET /api/v1/openapi.yaml) is a valid OpenAPI 3 document for @apidevtools/swagger-parser, with
# every path parameter declared (tests/api/openapi_validate.mjs). The copy suidod serves is the
# file itself. Needs `npm ci`: fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
command -v node >/dev/null || fail "node not found"
[ -f "$ROOT/node_modules/@apidevtools/swagger-parser/package.json" ] ||
  fail "@apidevtools/swagger-parser missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"

out=$(node "$ROOT/tests/api/openapi_validate.mjs" "$ROOT/docs/openapi.yaml" 2>&1) ||
  fail "docs/openapi.yaml is not valid OpenAPI 3:
$out"
echo "$out"
expect_match "validator verdict" "$out" 'valid OpenAPI 3\.[0-9.]+ \([0-9]+ paths, [0-9]+ operations\)'

# the document suidod embeds and serves is the one validated
start_suidod
api anon GET /api/v1/openapi.yaml
expect_code "GET /api/v1/openapi.yaml" 200
cmp -s "$T/body" "$ROOT/docs/openapi.yaml" || fail "suidod serves another openapi.yaml than docs/ (rebuild?)"
checks=$((checks + 1))
done_ok
