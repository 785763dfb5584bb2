#!/usr/bin/env bash
# gw_e2e.sh - suido-gw end to end with real processes: suido-term (GW_E2E_TERMINALS, default 100,
# L2 terminals on a 60x clock) -> suido-gw (daily collection V+X, terminal calls) -> GW-IF HTTP ->
# suidod -> AP-IF (GW_E2E_BINDING=mqtt: through a real mosquitto, gw_e2e_mqtt.sh). Checks every hourly block of every terminal arrived once, the values of one
# terminal against its own X report read independently with suidoctl, an injected alarm as an
# alarm-point sample and a terminal_call event stored before the terminal got its EOT, and the
# same for an L3 device (no ENQ; the gateway tells it from an L2 by its silence).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
. "$(dirname "$0")/../lib/gw.sh"
NT=${GW_E2E_TERMINALS:-100}
GW_SUIDOD_MQTT=()
[ "${GW_E2E_BINDING:-http}" = mqtt ] && gw_broker
start_suidod "${GW_SUIDOD_MQTT[@]}"
gw_platform "$NT"
# the simulated fleet lives one day in the past, an hour a real minute, 96 h in every ring
gw_sim --time-scale 60 --start "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" --history-hours 96
printf 'collect_on_start = true\nworkers = 8\nanswer_timeout = 3s\nretries = 2\n' | gw_conf
t0=$(date +%s.%N)
gw_start
wait_line "$T/gw.log" "inventory version 1: $((NT + 1)) devices" 5

[ -n "${MQTT_PORT:-}" ] && wait_line "$T/gw.log" "mqtt: connected as gw-" 15

# ---- daily collection: every terminal once, all 96 blocks ------------------------------------
for i in $(seq 600); do
  [ "$(grep -c ' polled sim-' "$T/gw.log")" -ge "$NT" ] && break; sleep 0.2
done
expect_eq "terminals polled" "$(grep -c ' polled sim-' "$T/gw.log")" "$NT"
t1=$(date +%s.%N)
for i in $(seq 300); do [ "$(qcount 0)" = 0 ] && break; sleep 0.2; done
expect_eq "data queue drained" "$(qcount 0)" 0
echo "polled $NT terminals in $(python3 -c "print(round($t1-$t0,1))") s"
# the platform holds exactly what the terminals held: per analog point 96 hourly values (X)
# and the present one (V); pulses come only hourly
total=0
for k in $(seq "$NT"); do total=$((total + $(pcount "$(printf 'sim-%05d' "$k").level"))); done
expect_eq "level values in the platform" "$total" "$((97 * NT))"
W=$(printf 'sim-%05d' $(( NT < 42 ? NT : 42 )))
expect_eq "hourly water-meter values of $W" "$(pcount "$W.water")" 96

# ---- values: the platform's hourly data equals the terminal's own X, read with suidoctl -------
"$BIN/suidoctl" term call "$(sim_url 1)" X >"$T/x1.json"
from=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
for p in level water volume; do
  bapi "$APP" GET "/apif/v1/points/sim-00001.$p/values?from=$from&to=$to&agg=raw"
  expect_code "values of sim-00001.$p" 200
  printf '%s' "$BODY" >"$T/v_$p.json"
done
cmp=$(python3 - "$T" <<'PY'
import json, sys, datetime
t = sys.argv[1]
x = json.load(open(t + "/x1.json"))
def ms(s):
    return int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp())
hours = {ms(h["hour_end"]): h for h in x["hours"]}
rules = {"level": lambda h: 5 * h["analog"][0] / 255, "water": lambda h: h["pulse"][0] * 0.1,
         "volume": lambda h: h["integration"][0]}
matched = bad = 0
for p, f in rules.items():
    for v in json.load(open(t + "/v_%s.json" % p))["values"]:
        h = hours.get(ms(v["ts"]))
        if h is None:
            continue  # the ring moved on since the gateway's call
        if abs(f(h) - v["value"]) > 1e-6:
            bad += 1
            print("mismatch", p, v, f(h), file=sys.stderr)
        matched += 1
print(matched, bad)
PY
)
set -- $cmp
[ "$1" -ge 200 ] || fail "only $1 platform values matched a block of the terminal's X report"
expect_eq "values differing from the terminal's own X" "$2" 0
rt=$(pcount sim-00001.p1_runtime)
[ "$rt" -ge 4 ] || fail "run-time days of sim-00001: $rt"
before=$(pcount sim-00001.level)

# ---- an alarm: pump 1 of sim-00007 fails -> the terminal calls -> sample + event --------------
sim_ctl "fault sim-00007 pump1 on" >/dev/null
ta=$(date +%s.%N)
for i in $(seq 200); do
  bapi "$APP" GET /apif/v1/points/sim-00007.p1_fault/latest
  [ "$CODE" = 200 ] && [ "$(j .value)" = 1 ] && break; sleep 0.1
done
expect_eq "alarm point latest value" "$(j .value)" 1
echo "alarm visible through AP-IF $(python3 -c "print(round($(date +%s.%N)-$ta,2))") s after injection"
wait_line "$T/gw.log" "call from sim-00007 .*ENQ 2 alarm, [0-9]+ samples stored" 5
bapi "$APP" GET /apif/v1/points/sim-00008.p1_fault/latest
expect_eq "sim-00008 pump 1 normal" "$(j .value)" 0
# the call's event reached the platform, and the alarm engine raised pump 1's fault (major = 2)
evq() { sqlite3 "$T/data/suido.db" "SELECT count(*) FROM events WHERE $1"; }
for i in $(seq 100); do
  [ "$(evq "kind = 'terminal_call' AND device = 'sim-00007'")" -ge 1 ] && break; sleep 0.1
done
expect_eq "terminal_call event stored" \
  "$([ "$(evq "kind = 'terminal_call' AND device = 'sim-00007'")" -ge 1 ] && echo yes)" yes
# the fleet lives a day in the past: every terminal's clock was off, synchronised and reported
drifts=$(evq "kind = 'clock_drift' AND device LIKE 'sim-%'")
[ "$drifts" -ge "$NT" ] || fail "clock_drift events: $drifts for $NT terminals"
bapi "$APP" GET '/apif/v1/alarms?state=active'
expect_code "AP-IF alarms" 200
expect_eq "pump 1 fault of sim-00007 raised, unacknowledged, major" \
  "$(j '[.items[] | select(.data_id == "sim-00007.p1_fault")][0] | "\(.state) \(.severity)"')" \
  "unacked 2"

# ---- an L3 device calls: no ENQ; the L3 request, its report, the designation, then EOT -------
wait_line "$T/gw.log" " polled l3-00001" 10
sim_ctl "fault l3-00001 pump1 on" "$SIM_L3_CTL" >/dev/null
for i in $(seq 200); do
  bapi "$APP" GET /apif/v1/points/l3-00001.p1_fault/latest
  [ "$CODE" = 200 ] && [ "$(j .value)" = 1 ] && break; sleep 0.1
done
expect_eq "L3 alarm point latest value" "$(j .value)" 1
wait_line "$T/gw.log" "call from l3-00001 .*L3 report Y alarm, [0-9]+ samples stored" 5
bapi "$APP" GET /apif/v1/points/l3-00001.power/latest
expect_eq "L3 power alarm normal" "$(j .value)" 0

# ---- requests: control pump 1, read it back ---------------------------------------------------
bapi "$APP" POST /apif/v1/controls -H 'Content-Type: application/json' \
-d '{"data_id":"sim-00003.pump1","value":"on","wait":20}'
expect_code "control pump 1 of sim-00003" 200
expect_eq "control succeeded" "$(j '.state // .requests[0].state')" succeeded
bapi "$APP" POST /apif/v1/reads -H 'Content-Type: application/json' \
  -d '{"data_ids":["sim-00003.p1_run","sim-00003.level"],"wait":20}'
expect_code "read sim-00003" 200
expect_eq "pump 1 runs after the control" \
  "$(j '[.values[] | select(.data_id=="sim-00003.p1_run")][0].value')" 1
bapi "$APP" POST /apif/v1/controls -H 'Content-Type: application/json' \
  -d '{"data_id":"sim-00003.pump1","value":"on","wait":20}'
sim_ctl "mute sim-00004 on" >/dev/null
bapi "$APP" POST /apif/v1/reads -H 'Content-Type: application/json' \
  -d '{"data_ids":["sim-00004.level"],"wait":40,"timeout":60}'
expect_match "read of a mute terminal fails with a reason" "$BODY" "no_answer"
expect_eq "no sample lost or doubled meanwhile" "$(pcount sim-00001.level)" "$before"
# ---- settings: schedule (S), params (E), assign (J) through AP-IF, read back with suidoctl -------
S5=$(sim_url 5)
set_req() { bapi "$APP" POST "/apif/v1/devices/$1/settings" -H 'Content-Type: application/json' -d "$2"; }
# 12 h ahead (JST): the 60x simulated clock does not reach it before the read-back
hhmm=$(TZ=Asia/Tokyo date -d '+12 hours' +%H:%M)
set_req sim-00005 "{\"kind\":\"schedule\",\"blocks\":[{\"output\":2,\"start\":\"$hhmm\",\"minutes\":45}],\"wait\":20}"
expect_code "schedule of sim-00005" 200
expect_eq "schedule request succeeded" "$(j '.state') $(j '.kind') $(j '.result.answer')" \
  "succeeded schedule S"
"$BIN/suidoctl" term call "$S5" R >"$T/r5.json"
expect_eq "R of sim-00005 shows block 2" \
  "$(jq -r '.blocks[1] | "\(.state) \(.minutes)"' "$T/r5.json")" "1 45"
expect_eq "the block starts at $hhmm JST" \
  "$(TZ=Asia/Tokyo date -d "$(jq -r '.blocks[1].start' "$T/r5.json")" +%H:%M)" "$hhmm"
"$BIN/suidoctl" term call "$S5" F >"$T/f5a.json"
set_req sim-00005 '{"kind":"params","alarm_s":17,"wait":20}'
expect_code "params of sim-00005" 200
expect_eq "params request succeeded" "$(j '.state') $(j '.result.answer')" "succeeded E"
"$BIN/suidoctl" term call "$S5" F >"$T/f5.json"
expect_eq "F of sim-00005 shows alarm_s 17" "$(jq -r .alarm_detection_s "$T/f5.json")" 17
expect_eq "the other parameters kept" \
  "$(jq -c '[.monitor_detection_s, .destinations, .line_type, .carrier_level]' "$T/f5.json")" \
  "$(jq -c '[.monitor_detection_s, .destinations, .line_type, .carrier_level]' "$T/f5a.json")"
set_req sim-00005 '{"kind":"assign","ai2":"IIIIAAAA","wait":20}'
expect_code "assign of sim-00005" 200
expect_eq "assign request succeeded" "$(j '.state') $(j '.result.answer')" "succeeded J"
"$BIN/suidoctl" term call "$S5" L >"$T/l5.json"
expect_eq "L of sim-00005 shows ai2" "$(jq -r .assignment.ai2 "$T/l5.json")" IIIIAAAA
# precise refusals: a bad body names its member, an unknown device is 404, L3 is refused
set_req sim-00005 '{"kind":"params","alarm_s":0}'
expect_code "alarm_s 0" 400
expect_match "names alarm_s" "$BODY" '"alarm_s"'
set_req sim-00005 '{"kind":"schedule","blocks":[{"output":1,"start":"25:00","minutes":1}]}'
expect_code "start 25:00" 400
expect_match "names blocks[0].start" "$BODY" 'blocks\[0\]\.start'
set_req no-such-device '{"kind":"params","alarm_s":5}'
expect_code "unknown device" 404
set_req l3-00001 '{"kind":"params","alarm_s":5,"wait":20}'
expect_eq "L3 settings refused" "$(j '.state') $(j '.reason')" "failed refused"
done_ok
