# gw.sh - what the gateway tests share: a tenant with a generated fleet's master, a registered
# gateway and an application, the simulator, and suido-gw. Source after harness.sh and
# platform.sh; then gw_platform N; gw_sim [suido-term args]; gw_start [suido-gw args].

# gw_platform N: suidod must run; tenant, users, master of N terminals, gateway, app.
# Sets A (tenant), GW_CID, GW_SECRET, APP (bearer token), FLEET (dir).
gw_platform() {
  GW_N=$1
  setup_tenants
  FLEET=$T/fleet; mkdir -p "$FLEET"
  python3 "$ROOT/tests/lib/gw_fleet.py" "$GW_N" 0 "$FLEET" # the dial plan: gw_sim
  approve_sheet "$A" a1 a2 "$FLEET/sheet.csv"
  register gateways "$OG" "$A" "fleet gw"; GW_CID=$CID; GW_SECRET=$CS
  register apps "$OV" "$A" "checker"; APP_CID=$CID; APP_CS=$CS
  app_connect
}

# app_connect: a fresh bearer token for the checking application in $APP.
app_connect() { client_connect app "$APP_CID" "$APP_CS"; APP=$TOK; }

# hourly_check FIRST LAST: for terminals FIRST..LAST the platform's hourly level values cover
# the terminal's own X report (read now with suidoctl), equal it value for value, and exceed it
# by at most the block its ring dropped meanwhile. Prints the number of hourly values checked.
hourly_check() {
  local k n=0 from to
  from=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  for k in $(seq "$1" "$2"); do
    "$BIN/suidoctl" term call "$(sim_url "$k")" X >"$T/x.json" ||
      fail "suidoctl X of terminal $k"
    bapi "$APP" GET "/apif/v1/points/$(printf 'sim-%05d' "$k").level/values?from=$from&to=$to"
    [ "$CODE" = 200 ] || fail "values of terminal $k: $CODE"
    printf '%s' "$BODY" >"$T/v.json"
    n=$((n + $(python3 - "$T" "$k" <<'PY'
import json, sys, datetime
t, k = sys.argv[1], sys.argv[2]
def s(x):
    return int(datetime.datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp())
x = {s(h["hour_end"]): 5 * h["analog"][0] / 255 for h in json.load(open(t + "/x.json"))["hours"]}
p = {}
for v in json.load(open(t + "/v.json"))["values"]:
    if s(v["ts"]) % 3600 == 0:  # hourly blocks; the V reading is stamped to the second
        p[s(v["ts"])] = v["value"]
missing = sorted(set(x) - set(p))
extra = len(set(p) - set(x))
bad = [h for h in x if h in p and abs(x[h] - p[h]) > 1e-6]
if missing or bad or extra > 1:
    print("terminal %s: %d missing, %d differ, %d extra" % (k, len(missing), len(bad), extra),
          file=sys.stderr)
    sys.exit(1)
print(len(p))
PY
)))
  done
  echo "$n"
}

# gw_sim [args]: suido-term with the fleet, every port bound as port 0 and read back from its
# output: the terminals' ports go into the dial plan $FLEET/dialplan, the control ports into
# SIM_CTL and SIM_L3_CTL. The terminals dial out to a relay (start_relay center) that gw_start
# points at the gateway's own port-0 listener, so the gateway may start, and restart, after them.
gw_sim() {
  start_relay center
  CENTER_PORT=$RELAY_PORT
  spawn sim "$BIN/suido-term" --count "$GW_N" --base-port 0 \
    --center "tcp://127.0.0.1:$CENTER_PORT" --control 127.0.0.1:0 --retry-ms 300 "$@"
  SIM_PID=$LAST_PID
  wait_line "$T/sim.log" '^ready' 30
  SIM_CTL=$(port_from "$T/sim.log" '^control port ')
  # the L3 device of the fleet on its own simulator
  spawn sim_l3 "$BIN/suido-term" --config "$FLEET/l3.conf" --base-port 0 \
    --center "tcp://127.0.0.1:$CENTER_PORT" --control 127.0.0.1:0 --retry-ms 300 "$@"
  wait_line "$T/sim_l3.log" '^ready' 30
  SIM_L3_CTL=$(port_from "$T/sim_l3.log" '^control port ')
  # "terminal INDEX L2 tel TEL port PORT NAME" -> "TEL tcp://127.0.0.1:PORT"
  awk '$1 == "terminal" && $6 == "port" {print $5, "tcp://127.0.0.1:" $7}' \
    "$T/sim.log" "$T/sim_l3.log" >"$FLEET/dialplan"
  [ "$(wc -l <"$FLEET/dialplan")" = $((GW_N + 1)) ] || fail "dial plan: $(wc -l <"$FLEET/dialplan") terminals"
}

# sim_url K: the link URL of generated terminal K (1..N), on the port its simulator reported.
sim_url() {
  awk -v i=$(($1 - 1)) '$1 == "terminal" && $2 == i {print "tcp://127.0.0.1:" $7; exit}' "$T/sim.log"
}

# gw_conf: the gateway's configuration file $T/gw.conf (extra [south] lines on stdin). The
# inventory comes from the platform, or from the file $GW_INVENTORY_FILE when set; the north
# binding is MQTT when a broker runs (gw_broker), else HTTP.
gw_conf() {
  cat >"$T/gw.conf" <<EOF2
[gw]
data_dir = $T/gw
[north]
url = $U
client_id = $GW_CID
client_secret = "$GW_SECRET"
batch = 1000
${GW_INVENTORY_FILE:+inventory_file = $GW_INVENTORY_FILE}
${MQTT_PORT:+binding = mqtt}
${MQTT_PORT:+mqtt_url = ${MQTT_URL:-mqtt://127.0.0.1:$MQTT_PORT}}
${MQTT_TLS:+mqtt_cafile = $BROKER/tls/ca.crt}
[south]
listen = tcp://127.0.0.1:0
dialplan = $FLEET/dialplan
x_guard = false
daily = false
EOF2
  cat >>"$T/gw.conf"
}

# gw_start [NAME]: run suido-gw with $T/gw.conf, log $T/NAME.log (default gw); its south side
# listens on port 0, and the terminals' relay (gw_sim) forwards their calls to the port it
# reports. Sets GW_PID, GW_PORT.
gw_start() {
  local name=${1:-gw}
  spawn "$name" "$BIN/suido-gw" --config "$T/gw.conf"
  GW_PID=$LAST_PID
  GW_PORT=$(port_from "$T/$name.log" 'suido-gw: ready, terminals call port ' 30)
  relay_to center "$GW_PORT"
}

# sim_ctl LINE [PORT]: one command to the simulator's control port; prints the answer.
sim_ctl() {
  python3 - "${2:-$SIM_CTL}" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall((sys.argv[2] + "\n").encode())
s.settimeout(2)
try:
    print(s.recv(4096).decode().strip())
except socket.timeout:
    pass
PY
}

# pcount DATA_ID: number of raw values the platform holds for a point (over the last 10 days).
pcount() {
  local from to
  from=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ); to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)
  bapi "$APP" GET "/apif/v1/points/$1/values?from=$from&to=$to&agg=raw"
  [ "$CODE" = 200 ] || fail "values of $1: $CODE $BODY"
  j '.values | length'
}

# qcount KIND(0 data,1 events) [LIKE]: items waiting in the gateway's queue.
qcount() {
  sqlite3 "$T/gw/queue.db" "select count(*) from q where kind=$1 and body like '%${2:-}%'"
}

# gw_broker: the managed broker (start_managed_broker) for the gateways; then start_suidod
# "${GW_SUIDOD_MQTT[@]}". Sets MQTT_PORT, BROKER.
gw_broker() {
  start_managed_broker "use_username_as_clientid true"
  GW_SUIDOD_MQTT=("${SUIDOD_MQTT[@]}")
}
