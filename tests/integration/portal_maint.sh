#!/usr/bin/env bash
# portal_maint.sh - 保守点検 (issue 12) in real Chromium (tests/browser/maint.mjs): the contractor
# plans last month of 五輪 (every visit overdue, in red), records a daily inspection at a phone's
# size (390x844) with one "not good" item that opens a defect, and moves the defect through its
# statuses; the utility's staff instruct, in English; tenant B's admin, a vendor of A that is not
# its contractor and the platform admin see nothing (the link hidden for the last, the API
# 403/404). The browser starts with the sessions these users opened here (their cookies).
# Screenshots: $BUILD/artifacts/portal/maint-*.png. Needs chromium and `npm ci`: fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/maint-*.png

start_suidod --set "web.root=$ROOT/web"
login_admin
TENANT_NAME="北海道-2 住まいセンター" ORG_NAME="UR 北海道" setup_tenants otaru
approve_sheet "$A" a1 a2
user g "$OA" operator_general
user b "$OB" operator_admin
user c1 "$OG" gwvendor_general
user c2 "$OV" apvendor_general
api admin PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OG}"
expect_code "GW (OG) maintains A" 200
api c1 GET /api/v1/me
api admin PUT "/api/v1/maint/staff/$(j .user.id)" -H 'Content-Type: application/json' -d '{"duty":"technician"}'
expect_code "c1 is a 技術員: daily inspections" 200
api c1 GET "/api/v1/maint/facilities?tenant_id=$A"
F=$(j '.items[] | select(.code == "222") | .id')
expect_match "五輪 found" "$F" '^[0-9]+$'
cookie() { awk '$6 == "suido_session" {print $7}' "$T/$1.jar" | tail -1; }

export BASE_URL="$U" ART CHROMIUM FAC="$F"
export PREV_MONTH=$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%Y-%m-01) -1 month" +%Y-%m)
export C1_COOKIE=$(cookie c1) G_COOKIE=$(cookie g) B_COOKIE=$(cookie b) C2_COOKIE=$(cookie c2) \
  ADMIN_COOKIE=$(cookie admin)
timeout 300 node "$ROOT/tests/browser/maint.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/maint-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# what the browser did, as the API and the audit log see it
api g GET "/api/v1/maint/defects?tenant_id=$A"
expect_eq "one defect, done, instructed" "$(j '.items | length') $(j '.items[0].status') $(j '.items[0].instruction')" \
  "1 done repair"
api g GET "/api/v1/maint/defects/$(j '.items[0].id')"
expect_eq "its history" "$(j '[.history[] | .to_value] | join(",")')" \
  "awaiting,estimating,repair $(TZ=Asia/Tokyo date +%F),considering,arranged,done"
done_ok
