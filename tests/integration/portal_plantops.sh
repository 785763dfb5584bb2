#!/usr/bin/env bash
# portal_plantops.sh - operating the plant from the portal (issue 13, web/js/views/plant.js) in
# real Chromium against a real suidod, a real suido-gw and the sample fleet's simulated terminals
# (suido-term, etc/sample-fleet.conf): "read now" on 五輪 shows the values the terminal answered;
# switching 1号ポンプ on asks a confirmation naming facility, output and state, the request
# follows queued → sent → succeeded and the terminal's output is on (read back with suidoctl V);
# every request audited; a role without control (a GW vendor admin) sees no switch and is refused
# by the API; Japanese and English. And GET /api/v1/alarms/count equals the alarm list's length
# (unacked, active, by severity) before and after an acknowledgement, and the nav badge shows it.
# Screenshots: $BUILD/artifacts/portal/plantops-*.png. Fails, never skips, without chromium.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
. "$(dirname "$0")/../lib/gw.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/plantops-*.png

start_suidod --set "web.root=$ROOT/web"

# ---- tenant A with the sample master (五輪 = facility 222), its gateway, three portal users ----
setup_tenants
A1_PW="kuma-Tsuru-Gorin-84$((N - 1))-zq"
approve_sheet "$A" a1 a2
register gateways "$OG" "$A" "五輪 GW"; GW_CID=$CID; GW_SECRET=$CS
user g "$OA" operator_general; G_PW="kuma-Tsuru-Gorin-84$N-zq"
user vb "$OG" gwvendor_admin; VB_PW="kuma-Tsuru-Gorin-84$N-zq"
for w in a1 g vb; do
  api "$w" GET /api/v1/me; expect_code "me of $w" 200
  declare "$(echo "$w" | tr a-z A-Z)_LOGIN=$(j .user.login)"
done

# ---- the sample fleet's terminals (ports 0, read back) and suido-gw serving them --------------
FLEET=$T/fleet; mkdir -p "$FLEET"
start_relay center
spawn sim "$BIN/suido-term" --config "$ROOT/etc/sample-fleet.conf" --base-port 0 \
  --center "tcp://127.0.0.1:$RELAY_PORT" --control 127.0.0.1:0 --retry-ms 300 --history-hours 2
wait_line "$T/sim.log" '^ready' 30
SIM_CTL=$(port_from "$T/sim.log" '^control port ')
awk '$1 == "terminal" && $6 == "port" {print $5, "tcp://127.0.0.1:" $7}' "$T/sim.log" >"$FLEET/dialplan"
G2=$(awk '$1 == "terminal" && $5 == "0115812221" {print "tcp://127.0.0.1:" $7}' "$T/sim.log") # 五輪 L2
[ -n "$G2" ] || fail "五輪 L2 not in the simulator's output"
printf 'answer_timeout = 3s\nretries = 1\n' | gw_conf
gw_start
wait_line "$T/gw.log" "inventory version [0-9]+: [0-9]+ devices" 15
v=$("$BIN/suidoctl" term call "$G2" V)
expect_eq "pump 1 output off before" "$(echo "$v" | jq -r '.manual_state[0:1]')" 0

# ---- the count endpoint: equals the list, before and after an acknowledgement -----------------
sim_ctl "fault gorin-l2 pump2 on" >/dev/null
sim_ctl "fault gorin-l2 high on" >/dev/null
for i in $(seq 300); do
  api a1 GET '/api/v1/alarms?state=unacked'
  [ "$(j '.items | length')" -ge 2 ] && break; sleep 0.1
done
[ "$(j '.items | length')" -ge 2 ] || fail "the terminal's two alarms did not arrive: $BODY"
# count_is WHAT: /count's unacked, active and per severity equal the lists' lengths
count_is() {
  local want got
  api a1 GET '/api/v1/alarms?state=unacked&limit=1000'; expect_code "$1: unacked list" 200
  want=$(j '[(.items | length), (.items | group_by(.severity) | map({key: (.[0].severity | tostring), value: length}) | from_entries)] | tostring')
  api a1 GET '/api/v1/alarms?state=active&limit=1000'; expect_code "$1: active list" 200
  want="$want $(j '.items | length')"
  api a1 GET /api/v1/alarms/count; expect_code "$1: count" 200
  got=$(j '[.unacked, (.by_severity | to_entries | map(select(.value.unacked > 0)) | map({key, value: .value.unacked}) | from_entries)] | tostring')
  got="$got $(j .active)"
  expect_eq "$1: count equals the lists (unacked, by severity, active)" "$got" "$want"
}
count_is "two alarms"
api a1 GET '/api/v1/alarms?state=unacked'
jpost a1 "/api/v1/alarms/$(j '.items[0].id')/ack" '{"comment":"確認"}'; expect_code "ack one" 200
count_is "one acknowledged"
expect_eq "one fewer unacked, still active" "$(j '"\(.unacked) \(.active)"')" "1 2"
api anon GET /api/v1/alarms/count; expect_code "count needs a session" 401
api vb GET /api/v1/alarms/count; expect_code "a GW vendor reads no plant alarms" 403
api a1 GET /api/v1/alarms/count; UNACKED=$(j .unacked)

# ---- the browser -------------------------------------------------------------------------------
export BASE_URL="$U" ART CHROMIUM A1_LOGIN A1_PW G_LOGIN G_PW VB_LOGIN VB_PW UNACKED
timeout 300 node "$ROOT/tests/browser/plantops.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))

# ---- after the browser: the terminal's output is on, the requests audited -----------------------
v=$("$BIN/suidoctl" term call "$G2" V)
expect_eq "pump 1 output on at the terminal (manual state)" "$(echo "$v" | jq -r '.manual_state[0:1]')" 1
expect_eq "pump 1 running at the terminal (Di1)" "$(echo "$v" | jq -r '.di[0:1]')" A
api a1 GET '/apif/v1/requests?limit=100'; expect_code "request list" 200
CTRL=$(j '[.items[] | select(.kind == "control")][0].id')
api a1 GET "/apif/v1/requests/$CTRL"; expect_code "the control request" 200
expect_eq "control by a1, succeeded, passing queued and sent" \
  "$(j '"\(.data_id) \(.value) \(.state) \([.history[].state] | join(","))"')" \
  "gorin-l2.pump1_out on succeeded queued,sent,succeeded"
api a1 GET '/api/v1/audit?action=request.submit&limit=100'; expect_code "audit" 200
expect_eq "the control audited with output and value" \
  "$(j "[.items[] | select(.object == \"request:$CTRL\")][0] | .detail | if type == \"string\" then fromjson else . end | \"\(.data_id) \(.value)\"")" \
  "gorin-l2.pump1_out on"
expect_eq "the reads audited" "$(j '[.items[] | select((.detail | tostring) | test("read"))] | length > 0')" true
# the vendor's session is refused by the API itself, not only by the page
jpost vb /apif/v1/controls '{"data_id":"gorin-l2.pump1_out","value":"off"}'
expect_code "a GW vendor may not switch" 403
jpost vb /apif/v1/reads '{"data_ids":["gorin-l2.tank_level"]}'
expect_code "a GW vendor may not read through the gateway" 403
ls "$ART"/plantops-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"
done_ok
