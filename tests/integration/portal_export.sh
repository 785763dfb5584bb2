#!/usr/bin/env bash
# portal_export.sh - the CSV入出力 page in real Chromium (tests/browser/export.mjs): an operator
# administrator (Japanese) chooses points and a period and downloads the sheet, uploads a bad
# file and sees its findings by row and column (nothing stored), then a corrected one; staff in
# English does the same download; an AP vendor sees no link and the API refuses it.
# Screenshots: $BUILD/artifacts/portal/export-*.png.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] || fail "playwright-core missing: npm ci"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/export-*.png

start_suidod --set "web.root=$ROOT/web"
setup_tenants
A1_PW="kuma-Tsuru-Gorin-84$((N - 1))-zq"
approve_sheet "$A" a1 a2
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK
user g "$OA" operator_general; G_PW="kuma-Tsuru-Gorin-84$N-zq"
user va "$OV" apvendor_admin; VA_PW="kuma-Tsuru-Gorin-84$N-zq"
for w in a1 g va; do
  api "$w" GET /api/v1/me; expect_code "me of $w" 200
  declare "$(echo "$w" | tr a-z A-Z)_LOGIN=$(j .user.login)"
done
# yesterday and today (JST), one value an hour of tank_level
python3 - >"$T/up.json" <<'PY'
import json, datetime
jst = datetime.timezone(datetime.timedelta(hours=9))
d = datetime.datetime.now(jst).replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=1)
print(json.dumps({"samples": [{"data_id": "gorin-l2.tank_level",
  "ts": (d + datetime.timedelta(hours=i)).isoformat(), "value": i} for i in range(12)]}))
PY
bapi "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "@$T/up.json"
expect_eq "upload" "$CODE $(j .stored)" "200 12"
DAY=$(TZ=Asia/Tokyo date -d yesterday +%F)

export BASE_URL="$U" ART CHROMIUM A1_LOGIN A1_PW G_LOGIN G_PW VA_LOGIN VA_PW DAY
timeout 300 node "$ROOT/tests/browser/export.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/export-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# what the page imported is stored (hour 1 corrected to 99); the refused file stored nothing
api g GET "/apif/v1/points/gorin-l2.tank_level/values?from=${DAY}T00:00:00%2B09:00&to=${DAY}T12:00:00%2B09:00"
expect_eq "imported through the page" "$(j '[.values[].value] | .[0:3] | join(",")')" "0,99,2"
api va GET "/api/v1/values.csv?data_ids=gorin-l2.tank_level&from=${DAY}T00:00:00%2B09:00&to=${DAY}T12:00:00%2B09:00"
expect_code "the AP vendor may not export" 403
done_ok
