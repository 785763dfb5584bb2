#!/usr/bin/env bash
# gwif_mqtt.sh - GW-IF over MQTT against a real mosquitto and suidod: broker accounts and ACLs from
# the registry, data stored and acknowledged, no crossing into another gateway's topics, last will
# recorded (and raising the gateway's no-contact alarm), events over up/event, the same data bodies
# accepted or refused alike over MQTT and HTTP (the one GW-IF time rule), a disabled gateway
# refused, suidod reconnecting after a broker restart.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
command -v mosquitto_pub >/dev/null || fail "mosquitto-clients not installed"

start_managed_broker "use_username_as_clientid true"
# a small payload limit (the default is POST /gwif/v1/data's 2 MiB), so the oversize test is cheap
MAXP=65536
start_suidod_mqtt --set mqtt.max_payload=$MAXP
expect_eq "broker options from suidod" "$(grep -v '^#' "$BROKER/conf.d/suidod.conf" | tr '\n' ' ')" \
  "message_size_limit $((2 * MAXP)) max_packet_size $((2 * MAXP + 1024)) set_tcp_nodelay true "


# ---- a tenant with master data, a gateway vendor, two gateways ---------------------------------
setup_tenants
approve_sheet "$A" a1 a2
PT=gorin-l2.water_meter

# gateway NAME: register, connect over AP-IF, fetch the broker password; sets CID_x, PW_x, ID_x.
gateway() {
  reg gateways "$OG" "$A" "$1"
  gw_mqtt_account "$1"
  expect_eq "username is the client id" "$MQTT_USER" "$CID"
  eval "ID_$1=$RID; CID_$1=$CID; PW_$1=$MQTT_PW; TOK_$1=$TOK"
}
gateway GA
gateway GB
api - GET /gwif/v1/mqtt
expect_code "credentials need a gateway token" 401
api a1 GET /gwif/v1/mqtt
expect_code "not for users" 403

# the broker learns them within a sync interval
wait_line "$BROKER/acl" "^user $CID_GB\$" 5
sleep 0.5
expect_eq "passwd mode: private to suidod's user (umask 077)" "$(stat -c %a "$BROKER/passwd") $(stat -c %a "$BROKER/acl")" "600 600"
M=("${MQTT_CLI[@]}" -V mqttv311)
pubA() { mosquitto_pub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 "$@"; }
pubB() { mosquitto_pub "${M[@]}" -u "$CID_GB" -P "$PW_GB" -q 1 "$@"; }
if [ "${MQTT_TLS:-}" = 1 ]; then
  expect_match "suidod over TLS" "$(grep -m1 'mqtt: broker TLS certificate issued' "$T/suidod.log" || true)$MQTT_URL" "^mqtts://"
  # the listener speaks TLS only: a plain client (right credentials) gets nowhere
  expect_fail "plain connection to the TLS listener" mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" \
    -u "$CID_GA" -P "$PW_GA" -t "suido/gw/$CID_GA/up/connect" -m '{}'
  # and a client that does not trust the platform CA refuses the broker
  expect_fail "TLS without the platform CA" mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" \
    --cafile /etc/ssl/certs/ca-certificates.crt -u "$CID_GA" -P "$PW_GA" \
    -t "suido/gw/$CID_GA/up/connect" -m '{}'
  expect_eq "key readable by its owner only" "$(stat -c %a "$BROKER/tls/broker.key")" 600
fi
expect_fail "wrong password refused" mosquitto_pub "${M[@]}" -u "$CID_GA" -P sdm_wrong -t "suido/gw/$CID_GA/up/data" -m x
expect_fail "anonymous refused" mosquitto_pub "${M[@]}" -t "suido/gw/$CID_GA/up/data" -m x

# values: the stored values of $PT from $T0 on, one line each (straight from the database: what
# sd_ts_ingest() committed, independent of the read API)
values() {
  sqlite3 "$T/data/suido.db" "SELECT printf('%g', s.value) FROM samples s JOIN points p ON p.id = s.point_id WHERE p.data_id = '$PT' AND s.ts_ms >= $T0 ORDER BY s.ts_ms"
}
# wait_values WHAT IGNORED WANT: until the values are WANT (space-separated).
wait_values() {
  local i=0 got
  while :; do
    got=$(values | tr '\n' ' ')
    [ "$got" = "$3" ] && { expect_eq "$1" "$got" "$3"; return; }
    i=$((i + 1)); [ "$i" -le 50 ] || fail "$1: got '$got', want '$3'"
    sleep 0.1
  done
}

# ---- data from A is stored, and acknowledged on A's down/ack after the commit -------------------
# A gateway is one MQTT connection (the broker uses the user name as client id, so a second
# connection as A would take the first over): mosquitto_rr publishes and awaits the ack on it.
T0=$(( ($(date +%s) - 7200) * 1000 ))
FROM=$(date -u -d "@$((T0 / 1000))" +%Y-%m-%dT%H:%M:%SZ); TO=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
# rr GW TOPIC_GW PAYLOAD: publish as GW on TOPIC_GW's data topic, print what comes on GW's down/ack
rr() {
  local u=CID_$1 p=PW_$1 t=CID_$2
  mosquitto_rr "${MQTT_CLI[@]}" -u "${!u}" -P "${!p}" -q 1 -W "${4:-10}" \
    -t "suido/gw/${!t}/up/data" -e "suido/gw/${!u}/down/ack" -m "$3"
}
rr GA GA "{\"id\":\"b1\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":10},{\"data_id\":\"$PT\",\"ts\":$((T0 + 60000)),\"value\":11.5,\"quality\":\"estimated\"}]}" >"$T/ack" 2>&1 \
  || fail "no ack for A: $(cat "$T/ack")"
expect_eq "ack after commit" "$(jq -r '"\(.id) \(.ok)"' <"$T/ack")" "b1 true"
wait_values "A's samples stored" - "10 11.5 "
# the same batch again: idempotent, nothing doubled
rr GA GA "{\"id\":\"b1\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":10}]}" >"$T/ack" 2>&1
expect_eq "re-sent batch acked" "$(jq -r .ok <"$T/ack")" true
wait_values "re-sent batch not doubled" - "10 11.5 "
# an unknown point refuses the whole batch, and the ack says which sample
rr GA GA "{\"id\":\"b2\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$((T0 + 120000)),\"value\":12},{\"data_id\":\"no.such\",\"ts\":$T0,\"value\":1}]}" >"$T/ack" 2>&1 \
  || fail "no ack for b2: $(cat "$T/ack")"
expect_eq "refused batch acked" "$(jq -r '"\(.ok) \(.index)"' <"$T/ack")" "false 1"
wait_values "refused batch stored nothing" - "10 11.5 "

# ---- one message, one meaning: the same bodies over HTTP (POST /gwif/v1/data) and MQTT -----------
# accepted alike: epoch ms, and ISO 8601 with "+0900" and a fraction (kept to the millisecond)
P2=gorin-l2.flow
ISO=$(TZ=Asia/Tokyo date -d "@$((T0 / 1000))" +%Y-%m-%dT%H:%M:%S.250%z)
SAME="{\"id\":\"b3\",\"samples\":[{\"data_id\":\"$P2\",\"ts\":$T0,\"value\":1},{\"data_id\":\"$P2\",\"ts\":\"$ISO\",\"value\":2}]}"
rr GA GA "$SAME" >"$T/ack" 2>&1 || fail "no ack for b3: $(cat "$T/ack")"
expect_eq "epoch ms and ISO 8601 over MQTT" "$(jq -r .ok <"$T/ack")" true
api - POST /gwif/v1/data -H "Authorization: Bearer $TOK_GA" -H 'Content-Type: application/json' \
  --data-binary "$SAME"
expect_eq "the same body over HTTP" "$CODE $(echo "$BODY" | jq -r .stored)" "200 2"
expect_eq "stored once, to the millisecond" \
  "$(sqlite3 "$T/data/suido.db" "SELECT group_concat(s.ts_ms - $T0) FROM samples s JOIN points p ON p.id = s.point_id WHERE p.data_id = '$P2'")" "0,250"
# refused alike, naming the sample and the member
BAD="{\"id\":\"b4\",\"samples\":[{\"data_id\":\"$P2\",\"ts\":$T0,\"value\":1},{\"data_id\":\"$P2\",\"ts\":$T0,\"value\":1},{\"data_id\":\"$P2\",\"ts\":$T0,\"value\":1},{\"data_id\":\"$P2\",\"ts\":\"2026-11-24T00:00:00\",\"value\":1}]}"
rr GA GA "$BAD" >"$T/ack" 2>&1 || fail "no ack for b4: $(cat "$T/ack")"
expect_eq "bad ts refused over MQTT" "$(jq -r '"\(.ok) \(.index) \(.field): \(.message)"' <"$T/ack")" \
  "false 3 samples[3].ts: not an ISO-8601 time or epoch milliseconds"
api - POST /gwif/v1/data -H "Authorization: Bearer $TOK_GA" -H 'Content-Type: application/json' \
  --data-binary "$BAD"
expect_eq "bad ts refused over HTTP" "$CODE $(echo "$BODY" | jq -r '"\(.error.field): \(.error.message)"')" \
  "400 samples[3].ts: not an ISO-8601 time or epoch milliseconds"
# the storage window, the same check on both
OLD="{\"id\":\"b5\",\"samples\":[{\"data_id\":\"$P2\",\"ts\":1764000,\"value\":1}]}"
rr GA GA "$OLD" >"$T/ack" 2>&1 || fail "no ack for b5: $(cat "$T/ack")"
expect_eq "seconds-as-ms refused over MQTT" "$(jq -r '"\(.field): \(.message)"' <"$T/ack")" \
  "samples[0].ts: outside 2000-01-01 .. now + 1 day"
api - POST /gwif/v1/data -H "Authorization: Bearer $TOK_GA" -H 'Content-Type: application/json' \
  --data-binary "$OLD"
expect_eq "seconds-as-ms refused over HTTP" "$CODE $(echo "$BODY" | jq -r '"\(.error.field): \(.error.message)"')" \
  "400 samples[0].ts: outside 2000-01-01 .. now + 1 day"

# ---- A can neither publish as B nor read B's topics ------------------------------------------
# A publishes on B's data topic and waits on B's down/ack: the publish is dropped (no ack to
# anyone), the subscription denied. (One connection as A at a time: the spy comes after.)
expect_fail "A hears nothing on B's down" \
  mosquitto_rr "${MQTT_CLI[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -W 3 \
    -t "suido/gw/$CID_GB/up/data" -e "suido/gw/$CID_GB/down/ack" \
    -m "{\"id\":\"evil\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$((T0 + 180000)),\"value\":666}]}"
# A listens on B's down and on everyone's up and state while B uploads and is acked
mosquitto_sub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -t "suido/gw/$CID_GB/down/#" \
  -t "suido/gw/+/up/#" -t "suido/gw/+/state" -W 4 >"$T/spy" 2>&1 &
SPY=$!
sleep 0.5
rr GB GB "{\"id\":\"bB\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$((T0 + 240000)),\"value\":13}]}" >"$T/ack" 2>&1 \
  || fail "no ack for B: $(cat "$T/ack")"
expect_eq "B's own ack" "$(jq -r .id <"$T/ack")" bB
wait_values "A's publish as B dropped, B's stored" - "10 11.5 13 "
wait "$SPY" || true
expect_eq "A read nothing of B (no uplink, no ack)" "$(grep -Ec 'samples|bB' "$T/spy" || true)" 0
pubB -t "suido/gw/$CID_GA/state" -r -m online || true
sleep 0.5
expect_eq "B cannot set A's state" \
  "$(sqlite3 "$T/data/suido.db" "SELECT count(*) FROM gw_state WHERE client_id = $ID_GA")" 0

# ---- alive monitoring: birth online, last will offline -----------------------------------------
pubA -t "suido/gw/$CID_GA/state" -r -m online
mosquitto_sub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -t "suido/gw/$CID_GA/down/#" \
  --will-topic "suido/gw/$CID_GA/state" --will-payload offline --will-retain --will-qos 1 \
  >/dev/null 2>&1 &
GWA=$!
state() { sqlite3 "$T/data/suido.db" "SELECT online FROM gw_state WHERE client_id = $ID_GA"; }
i=0; until [ "$(state)" = 1 ]; do i=$((i + 1)); [ $i -le 50 ] || fail "A never online"; sleep 0.1; done
expect_eq "A online" "$(state)" 1
sleep 0.5
kill -9 "$GWA"; wait "$GWA" 2>/dev/null || true
i=0; until [ "$(state)" = 0 ]; do i=$((i + 1)); [ $i -le 50 ] || fail "no last will"; sleep 0.1; done
expect_eq "A offline after its last will" "$(state)" 0
# ... which is also the gateway's "no contact" alarm (docs/alarms.md)
gwalarm() { sqlite3 "$T/data/suido.db" "SELECT state || ' ' || active FROM alarms WHERE source = 'gw:$ID_GA' ORDER BY id DESC LIMIT 1"; }
i=0; until [ "$(gwalarm)" = "unacked 1" ]; do i=$((i + 1)); [ $i -le 50 ] || break; sleep 0.1; done
expect_eq "last will raised the no-contact alarm" "$(gwalarm)" "unacked 1"

# ---- events over up/event: stored with the alarms they imply, acked after the commit -----------
mosquitto_rr "${MQTT_CLI[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -W 10 \
  -t "suido/gw/$CID_GA/up/event" -e "suido/gw/$CID_GA/down/ack" \
  -m "{\"id\":\"e1\",\"events\":[{\"ts\":$T0,\"kind\":\"poll_failed\",\"device\":\"hiragishi-l3\"}]}" \
  >"$T/ack" 2>&1 || fail "no ack for the events: $(cat "$T/ack")"
expect_eq "events acked" "$(jq -r '"\(.id) \(.ok)"' <"$T/ack")" "e1 true"
expect_eq "no-contact alarm of the device" \
  "$(sqlite3 "$T/data/suido.db" "SELECT name || ' ' || state FROM alarms WHERE device = 'hiragishi-l3'")" \
  "poll_failed unacked"
mosquitto_rr "${MQTT_CLI[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -W 10 \
  -t "suido/gw/$CID_GA/up/event" -e "suido/gw/$CID_GA/down/ack" \
  -m '{"id":7,"events":[{"ts":"yesterday","kind":"x"}]}' >"$T/ack" 2>&1 || fail "no ack: $(cat "$T/ack")"
expect_eq "bad events refused in the ack" "$(jq -r '"\(.id) \(.ok) \(.error)"' <"$T/ack")" "7 false bad_field"

# ---- an oversized uplink: refused before it is parsed, and memory stays bounded ------------------
# suidod refuses what is above mqtt.max_payload on down/ack, naming the batch; what is above twice
# that never leaves the broker (message_size_limit, max_packet_size from conf.d/suidod.conf).
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$SUIDOD_PID/status"; }
HWM0=$(hwm)
python3 -c "
import sys
s = '{\"id\":\"big1\",\"samples\":['
while len(s) < $MAXP + 100: s += '{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":1},'
sys.stdout.write(s + '{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":1}]}')" >"$T/big1"
mosquitto_rr "${MQTT_CLI[@]}" -u "$CID_GA" -P "$PW_GA" -q 1 -W 10 \
  -t "suido/gw/$CID_GA/up/data" -e "suido/gw/$CID_GA/down/ack" -m "$(cat "$T/big1")" >"$T/ack" 2>&1 \
  || fail "no ack for the oversized batch: $(cat "$T/ack")"
expect_eq "oversized batch refused, by its id" "$(jq -r '"\(.id) \(.ok) \(.error)"' <"$T/ack")" "big1 false too_large"
expect_match "the ack says why" "$(jq -r .message <"$T/ack")" "^message of [0-9]+ bytes above the limit of $MAXP bytes$"
expect_match "and suidod logs it" "$(cat "$T/suidod.log")" "above mqtt.max_payload \\($MAXP\\)"
# 48 MiB of samples: parsed, this took suidod's peak memory up by hundreds of MiB
python3 -c "
import sys
row = '{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":1},'
sys.stdout.write('{\"id\":\"huge\",\"samples\":[' + row * (48 * 1024 * 1024 // len(row)) + row[:-1] + ']}')" >"$T/huge"
# (the broker drops it, or disconnects the sender once max_packet_size is in force: either way)
pubA -t "suido/gw/$CID_GA/up/data" -f "$T/huge" >/dev/null 2>&1 || true
rm -f "$T/huge"
# A's next batch, behind it in the same order, is answered: the huge one never came
rr GA GA "{\"id\":\"after\",\"samples\":[{\"data_id\":\"$PT\",\"ts\":$T0,\"value\":10}]}" >"$T/ack" 2>&1 \
  || fail "no ack after the huge batch: $(cat "$T/ack")"
expect_eq "the batch after it acked" "$(jq -r '"\(.id) \(.ok)"' <"$T/ack")" "after true"
expect_eq "the 48 MiB batch never reached suidod" "$(grep -Ec 'message of [0-9]{8,} bytes' "$T/suidod.log" || true)" 0
HWM1=$(hwm)
echo "suidod VmHWM: $HWM0 kB before, $HWM1 kB after the oversized messages"
expect_eq "suidod's peak memory grew by less than 16 MiB" "$(( HWM1 - HWM0 < 16384 ))" 1
values_n() { sqlite3 "$T/data/suido.db" "SELECT count(*) FROM samples s JOIN points p ON p.id = s.point_id WHERE p.data_id = '$PT' AND s.ts_ms = $T0"; }
expect_eq "nothing of them stored" "$(values_n)" 1

# ---- disabling B lets it out ---------------------------------------------------------------
api admin PATCH "/api/v1/gateways/$ID_GB" -H 'Content-Type: application/json' -d '{"enabled":false}'
expect_code "disable B" 200
i=0; while grep -q "^user $CID_GB\$" "$BROKER/acl"; do
  i=$((i + 1)); [ $i -le 50 ] || fail "B still in the acl"; sleep 0.1; done
sleep 0.5
expect_fail "disabled B refused by the broker" pubB -t "suido/gw/$CID_GB/up/data" -m x
expect_match "refusal reason" "$(cat "$T/expect_fail.out")" "not authori[sz]ed|Connection Refused|refused"
pubA -t "suido/gw/$CID_GA/up/data" -m "{\"samples\":[{\"data_id\":\"$PT\",\"ts\":$((T0 + 300000)),\"value\":14}]}"
wait_values "A still in" "$T0" "10 11.5 13 14 "

# ---- the broker restarts mid-stream: suidod reconnects ------------------------------------------
restart_broker 1
i=0; until [ "$(grep -c 'mqtt: connected to the broker' "$T/suidod.log")" -ge 2 ]; do
  i=$((i + 1)); [ $i -le 400 ] || fail "suidod did not reconnect"; sleep 0.1; done
expect_match "suidod noticed the loss" "$(cat "$T/suidod.log")" "lost the broker"
sleep 0.5
pubA -t "suido/gw/$CID_GA/up/data" -m "{\"samples\":[{\"data_id\":\"$PT\",\"ts\":$((T0 + 360000)),\"value\":15}]}"
wait_values "data after the restart stored" "$T0" "10 11.5 13 14 15 "

# ---- a retained uplink is stored once, not again at every reconnect of suidod -------------------
# (the live delivery is stored; the broker's replay of the retained copy is ignored and logged)
events_of() { sqlite3 "$T/data/suido.db" "SELECT count(*) FROM events WHERE batch = '$1'"; }
pubA -r -t "suido/gw/$CID_GA/up/event" -m "{\"id\":\"ret1\",\"events\":[{\"ts\":$T0,\"kind\":\"door_open\"}]}"
i=0; until [ "$(events_of ret1)" = 1 ]; do i=$((i + 1)); [ $i -le 50 ] || fail "retained event never stored"; sleep 0.1; done
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" || fail "suidod exit status $?"
start_suidod_mqtt --set mqtt.max_payload=$MAXP
wait_line "$T/suidod.log" "retained message on suido/gw/$CID_GA/up/event ignored" 10
expect_eq "retained event stored once" "$(events_of ret1)" 1

# ---- a clean stop, and nothing for the sanitizers (SAN builds) to report -----------------------
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" || fail "suidod exit status $?"
expect_eq "no sanitizer report" "$(grep -Ec 'runtime error|Sanitizer' "$T/suidod.log" || true)" 0
expect_match "stopped cleanly" "$(tail -n 1 "$T/suidod.log")" "stopped"

done_ok
