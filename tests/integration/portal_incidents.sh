#!/usr/bin/env bash
# portal_incidents.sh - the incidents page (障害状況管理, issue 13) in real Chromium, driven by
# playwright-core (tests/browser/incidents.mjs): an operator opens an incident from an alarm of
# the console, changes its status with a note, links a second alarm, filters the list and exports
# it as CSV (UTF-8 with BOM and Shift_JIS), in Japanese and in English; an operator of another
# tenant neither lists nor opens it. Screenshots: $BUILD/artifacts/portal/incidents-*.png.
# Needs Debian chromium and `npm ci` (scripts/install-deps.sh does both): fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/incidents-*.png

start_suidod --set "web.root=$ROOT/web"
setup_tenants otaru
user g "$OA" operator_general; G_LOGIN=g@example.jp G_PW="kuma-Tsuru-Gorin-84$N-zq"
user b "$OB" operator_admin; B_LOGIN=b@example.jp B_PW="kuma-Tsuru-Gorin-84$N-zq"
approve_sheet "$A" a1 a2
reg gateways "$OG" "$A" "五輪 GW"; GW=$TOK

# two alarms of tenant A: a pump fault and a power failure (the engine runs on its own thread)
T1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
bapi "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary \
  "{\"samples\":[{\"data_id\":\"gorin-l2.pump1_fault\",\"ts\":\"$T1\",\"value\":1},{\"data_id\":\"gorin-l2.power_fail\",\"ts\":\"$T1\",\"value\":1}]}"
expect_code "upload alarms" 200
for i in $(seq 100); do
  api g GET "/api/v1/alarms?state=all"
  [ "$(j '.items | length')" = 2 ] && break
  sleep 0.05
done
expect_eq "two alarms in A" "$(j '.items | length')" 2

export BASE_URL="$U" ART CHROMIUM G_LOGIN G_PW B_LOGIN B_PW
timeout 300 node "$ROOT/tests/browser/incidents.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/incidents-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# what the browser did is in the store: the incident of A, by g, investigating, two alarms
api g GET /api/v1/incidents
expect_eq "one incident in A" "$(j '.items | length') $(j '.items[0].status')" "1 investigating"
api g GET "/api/v1/incidents/$(j '.items[0].id')"
expect_eq "two alarms linked, three history rows" "$(j '.alarm_ids | length') $(j '.history | length')" "2 3"
done_ok
