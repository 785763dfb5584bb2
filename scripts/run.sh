#!/usr/bin/env bash
# run.sh - the main job on embedded defaults: mosquitto, the platform server with its sample
# tenant, the simulated terminals of the sample facilities and the gateway (suido-gw) that brings
# them onto the platform. Ctrl-C stops everything.
set -euo pipefail
BUILD=${BUILD:-build}
BIN="$PWD/$BUILD/bin"
RUN="$PWD/run"
mkdir -p "$RUN"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; echo; echo "stopped."' EXIT INT TERM

# the MQTT broker, TLS only (mqtts://, port 8883): suidod writes its accounts, ACLs, limits
# (conf.d/suidod.conf) and its certificate, issued by the platform CA (docs/mqtt.md), so suidod
# starts first and the broker after it; suidod connects once the broker is up
MQTT_PORT=${SUIDO_MQTT_PORT:-8883}
BROKER="$RUN/broker"
MQTT=()
HAVE_MOSQUITTO=
if command -v mosquitto >/dev/null; then
  HAVE_MOSQUITTO=1
  mkdir -p "$BROKER/conf.d"
  # suidod writes the broker's files private to its user (umask 077), so mosquitto runs as that
  # user too (started as root it would otherwise drop to its own user and fail to read them)
  rm -f "$BROKER/mosquitto.pid" # a stale one must not get suidod's SIGHUP
  MQTT=(--set "mqtt.url=mqtts://127.0.0.1:$MQTT_PORT" --set "mqtt.broker_dir=$BROKER"
    --set "mqtt.broker_pid_file=$BROKER/mosquitto.pid" --set mqtt.broker_tls=true)
fi

# the platform server on embedded defaults (SQLite in run/data, http://127.0.0.1:8080)
HTTP=${SUIDO_HTTP:-127.0.0.1:8080}
"$BIN/suidod" --config etc/suidod.conf --set "http.listen=$HTTP" --set "data.dir=$RUN/data" \
  --set "web.root=$PWD/web" "${MQTT[@]}" >>"$RUN/suidod.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "ready on" "$RUN/suidod.log" 2>/dev/null && break; sleep 0.1; done
grep -q "ready on" "$RUN/suidod.log" || { tail -20 "$RUN/suidod.log"; exit 1; }
BINDING=http
if [ -n "$HAVE_MOSQUITTO" ]; then
  printf '%s\n' "listener $MQTT_PORT 127.0.0.1" "certfile $BROKER/tls/broker.crt" \
    "keyfile $BROKER/tls/broker.key" "allow_anonymous false" "password_file $BROKER/passwd" \
    "acl_file $BROKER/acl" "pid_file $BROKER/mosquitto.pid" "use_username_as_clientid true" \
    "persistence false" "user $(id -un)" "include_dir $BROKER/conf.d" >"$BROKER/mosquitto.conf"
  mosquitto -c "$BROKER/mosquitto.conf" >>"$RUN/mosquitto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "mqtt: connected to the broker" "$RUN/suidod.log" && break
    kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "${pids[-1]}" 2>/dev/null; then
    BINDING=mqtt
  else
    echo "mosquitto did not start (port $MQTT_PORT in use?): the gateway uses HTTP; see $RUN/mosquitto.log"
  fi
fi
if [ ! -s "$RUN/credentials.txt" ]; then
  echo "first start: loading the sample tenant, users and master data ..."
  scripts/seed-sample.sh "http://$HTTP" "$RUN/suidod.log" "$RUN/credentials.txt" \
    "$RUN/suido-gw.conf"
fi

BASE=${SUIDO_TERM_BASE:-7200}
CONTROL=$((BASE + 99))
"$BIN/suido-term" --config etc/sample-fleet.conf --base-port "$BASE" \
  --control "127.0.0.1:$CONTROL" >"$RUN/suido-term.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$RUN/suido-term.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$RUN/suido-term.log" || { cat "$RUN/suido-term.log"; exit 1; }

# the gateway: terminals by tel through a dial plan onto the simulator's ports; collects every
# terminal at start (then daily), takes their alarm calls on 127.0.0.1:7100 (the fleet's center)
awk '/^terminal/ {print $5, "tcp://127.0.0.1:" $7}' "$RUN/suido-term.log" >"$RUN/dialplan"
GW_STATE="not started: $RUN/suido-gw.conf is missing (delete $RUN/ to start over)"
if [ -s "$RUN/suido-gw.conf" ]; then
  "$BIN/suido-gw" --config "$RUN/suido-gw.conf" --set "north.url=http://$HTTP" \
    --set "north.binding=$BINDING" --set "north.mqtt_url=mqtts://127.0.0.1:$MQTT_PORT" \
    --set "north.mqtt_cafile=$BROKER/tls/ca.crt" \
    --set "gw.data_dir=$RUN/gw" --set "south.dialplan=$RUN/dialplan" \
    --set south.collect_on_start=true >>"$RUN/suido-gw.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "suido-gw: ready" "$RUN/suido-gw.log" 2>/dev/null && break; sleep 0.1; done
  GW_STATE="running over $BINDING (log $RUN/suido-gw.log, queue $RUN/gw/queue.db)"
fi

cat <<TXT
suido is running (logs in $RUN/).

Platform server: http://$HTTP  (API under /api/v1 and /apif/v1; docs/openapi.yaml)
Portal:          http://$HTTP/  (web/; log in as one of the users below)
Sample users (passwords made for this installation, kept in $RUN/credentials.txt):
$(sed 's/^/  /' "$RUN/credentials.txt")
The platform admin also needs a one-time password: add its totp secret to an authenticator app,
or take the code from \`oathtool --totp -b <secret>\`.
Log in and look around:
  $BIN/suidoctl login --server http://$HTTP        # asks for login id and password
  $BIN/suidoctl whoami
  $BIN/suidoctl master get --csv                   # the facilities, terminals and points

Simulated terminals (etc/sample-fleet.conf, the facilities of the source's 別表1):
$(grep '^terminal' "$RUN/suido-term.log" | sed 's/^/  /')

Poll a terminal as a field engineer would:
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 1)) V        # 五輪 L2: pumps, tank, meters
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 1)) X        # the 4-day hourly log
  $BIN/suidoctl term control tcp://127.0.0.1:$((BASE + 1)) 1 on  # run pump 1 by hand
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 3)) L3       # 札幌平岸 L3 device
Gateway suido-gw: $GW_STATE
  It collected the terminals' 96-hour logs at start; read them through AP-IF, e.g. as staff:
  curl -s -c /tmp/jar -H 'Content-Type: application/json' -d '{"login":"hokkaido2-staff","password":"<from above>"}' http://$HTTP/api/v1/login
  curl -s -b /tmp/jar "http://$HTTP/apif/v1/points/gorin-l2.tank_level/values?from=\$(date -u -d -2days +%FT%TZ)&to=\$(date -u +%FT%TZ)&agg=hour"
  curl -s -b /tmp/jar http://$HTTP/apif/v1/points/gorin-l2.pump1_fault/latest
Inject a fault (control port $CONTROL): the terminal dials the gateway, the alarm point turns 1
  echo 'fault gorin-l2 pump1 on' > /dev/tcp/127.0.0.1/$CONTROL
  echo 'status' | (exec 3<>/dev/tcp/127.0.0.1/$CONTROL; cat >&3; timeout 1 cat <&3)
Press Ctrl-C to stop.
TXT
wait
