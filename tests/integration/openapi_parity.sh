#!/usr/bin/env bash
# openapi_parity.sh - docs/openapi.yaml against the routes suidod really registers: every route
# is documented and every documented operation is a route (same methods for every path). A real
# suidod (with every optional route on: portal files, GW-IF over MQTT) is asked by its router
# (an unknown method gets 405 + Allow, or 404) about every documented path and every API path
# literal of lib/ and src/; literal ("METHOD", "/path") registrations in the sources must be
# documented too. The logic is tests/api/openapi_parity.mjs. Needs `npm ci`: fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
command -v node >/dev/null || fail "node not found"
[ -f "$ROOT/node_modules/@apidevtools/swagger-parser/package.json" ] ||
  fail "@apidevtools/swagger-parser missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"

mkdir -p "$T/broker"
start_suidod --set "web.root=$ROOT/web" --set "mqtt.broker_dir=$T/broker"

node "$ROOT/tests/api/openapi_parity.mjs" "$U" "$ROOT" >"$T/parity.out" 2>&1 || {
  cat "$T/parity.out" >&2; fail "docs/openapi.yaml and the registered routes differ"; }
cat "$T/parity.out"
n=$(sed -n 's/^ok: \([0-9]*\) checks$/\1/p' "$T/parity.out")
expect_match "parity checks ran" "$n" '^[1-9][0-9]*$'
checks=$((checks + n))
done_ok
