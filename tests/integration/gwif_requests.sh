#!/usr/bin/env bash
# gwif_requests.sh - GW-IF inventory and requests against a real suidod (and mosquitto): the
# inventory a gateway serves (sheet column `gateway`, ETag/304), then the same request
# conformance checks over the HTTP long-poll and over MQTT (down/request, up/reply): sync and
# async reads stored as samples, controls queued -> sent -> succeeded, failures with reasons,
# timeouts and expiry, wrong gateway / other tenant 404, malformed bodies 400 with the field.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
command -v mosquitto_pub >/dev/null || fail "mosquitto-clients not installed"
# the broker's accounts come from suidod's registry (see gwif_mqtt.sh); no
# use_username_as_clientid: the fake gateway is two connections (a subscriber and mosquitto_pub)
start_managed_broker
start_suidod_mqtt
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }

setup_tenants otaru
link_orgs "$OV $B" "$OG $B"
user g "$OA" operator_general
user b1 "$OB" operator_admin
user b2 "$OB" operator_admin
approve_sheet "$A" a1 a2
approve_sheet "$B" b1 b2

# reg (tests/lib/platform.sh): token in $TOK, client_id in $CID, row id in $RID
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
reg apps "$OV" "$B" "Otaru app"; APPB=$TOK
reg gateways "$OG" "$A" "north"; GA=$TOK; CID_GA=$CID; ID_GA=$RID
reg gateways "$OG" "$B" "otaru gw"; GBT=$TOK

# ---- inventory -------------------------------------------------------------------------------
# the tenant's only gateway serves every device that names none
bapi "$GA" GET /gwif/v1/inventory
expect_code "inventory" 200
expect_eq "inventory: all 7 devices, version 1" "$(j '.devices | length') $(j .version)" "7 1"
expect_eq "inventory: tenant" "$(j .tenant)" sapporo
expect_eq "inventory: device fields" \
  "$(j '.devices[] | select(.code == "gorin-l2") | "\(.model) \(.facility) \(.tel) \(.terminal)"')" \
  "L2 222 0115812221 01"
expect_eq "inventory: outputs" \
  "$(j '.devices[] | select(.code == "gorin-l2") | [.outputs[] | "\(.data_id)=\(.output_no)"] | join(",")')" \
  "gorin-l2.pump1_out=1,gorin-l2.pump2_out=2,gorin-l2.valve_out=3"
expect_eq "inventory: every point once" "$(j '[.devices[].points[]] | length')" 57
CODE=$(curl -s -o /dev/null -w '%{http_code}' -D "$T/hdr" -H "Authorization: Bearer $GA" \
  -H 'If-None-Match: "v1"' "$U/gwif/v1/inventory")
expect_eq "inventory unchanged: 304" "$CODE" 304
expect_match "304 carries the ETag" "$(cat "$T/hdr")" 'ETag: "v1"'
bapi "$APP" GET /gwif/v1/inventory
expect_code "inventory is not for applications" 403
bapi - GET /gwif/v1/inventory
expect_code "inventory needs a token" 401

# a second gateway: devices now go by their `gateway` column
reg gateways "$OG" "$A" "south"; GS=$TOK; ID_GS=$RID
cat >"$T/gw.csv" <<CSV
kind,facility,device,name,model,branch,office,estate,terminal,tel,gateway
device,222,gorin-l2,五輪 受水槽・加圧ポンプ室 遠隔制御端末,L2,01,02,222,01,0115812221,north
device,222,gorin-l3,五輪 自動通報装置,L3,01,02,222,02,0115812222,south
CSV
approve_sheet "$A" a1 a2 "$T/gw.csv"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -D "$T/hdr" -H "Authorization: Bearer $GA" \
  -H 'If-None-Match: "v1"' "$U/gwif/v1/inventory"); BODY=$(cat "$T/body")
expect_code "inventory after a sheet" 200
expect_match "new ETag" "$(cat "$T/hdr")" 'ETag: "v2"'
expect_eq "north serves gorin-l2 only" "$(j '[.devices[].code] | join(",")') $(j .version)" \
  "gorin-l2 2"
bapi "$GS" GET /gwif/v1/inventory
expect_eq "south serves gorin-l3 only" "$(j '[.devices[].code] | join(",")')" "gorin-l3"
api a1 GET /apif/v1/master/devices
expect_match "the master shows the gateway" "$BODY" '"gateway": ?"north"'
bapi "$GBT" GET /gwif/v1/inventory
expect_eq "another tenant's gateway: its own master" "$(j .tenant) $(j '.devices | length')" \
  "otaru 7"

# ---- requests: AP-IF bodies and routing (the same for both bindings) ---------------------------
reads() { bapi "$1" POST /apif/v1/reads -H 'Content-Type: application/json' -d "$2"; }
controls() { bapi "$1" POST /apif/v1/controls -H 'Content-Type: application/json' -d "$2"; }
reads "$APP" '{}'; expect_err "reads: data_ids required" 400 data_ids
reads "$APP" '{"data_ids":"gorin-l2.flow"}'; expect_err "reads: data_ids an array" 400 data_ids
reads "$APP" '{"data_ids":[]}'; expect_err "reads: at least one" 400 data_ids
reads "$APP" '{"data_ids":["gorin-l2.flow",7]}'; expect_err "reads: strings" 400 "data_ids[1]"
reads "$APP" '{"data_ids":["gorin-l2.flow","no.such"]}'; expect_err "reads: unknown data ID" 400 "data_ids[1]"
reads "$APP" '{"data_ids":["gorin-l2.pump1_out"]}'; expect_err "reads: an output" 400 "data_ids[0]"
expect_match "reads: output named as such" "$(j .error.message)" "output"
reads "$APP" '{"data_ids":["gorin-l2.flow"],"wait":61}'; expect_err "reads: wait range" 400 wait
reads "$APP" '{"data_ids":["gorin-l2.flow"],"wait":"5"}'; expect_err "reads: wait type" 400 wait
reads "$APP" '{"data_ids":["gorin-l2.flow"],"colour":1}'; expect_err "reads: unknown member" 400 colour
reads "$APP" '{"data_ids":["gorin-l2.flow"'; expect_code "reads: malformed JSON" 400
reads "$APP" '{"data_ids":["hiragishi-l3.power_fail"]}'
expect_err "reads: a device no gateway serves" 409 "data_ids[0]"
reads "$APPB" '{"data_ids":["gorin-l2.flow"],"wait":0}'
expect_eq "reads in another tenant: its own master, its own (only) gateway" "$CODE" 202
reads "$GA" '{"data_ids":["gorin-l2.flow"]}'; expect_code "reads: not for gateways" 403
reads - '{"data_ids":["gorin-l2.flow"]}'; expect_code "reads: a token" 401
controls "$APP" '{"data_id":"gorin-l2.flow","value":"on"}'; expect_err "controls: a point" 400 data_id
expect_match "controls: point named as such" "$(j .error.message)" "point"
controls "$APP" '{"data_id":"nope","value":"on"}'; expect_err "controls: unknown" 400 data_id
controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":"maybe"}'; expect_err "controls: value" 400 value
controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":true}'; expect_err "controls: value type" 400 value
controls "$APP" '{"data_id":"gorin-l2.pump1_out"}'; expect_err "controls: value required" 400 value
controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":"on","wait":-1}'; expect_err "controls: wait" 400 wait
settings() { bapi "$1" POST "/apif/v1/devices/$2/settings" -H 'Content-Type: application/json' -d "$3"; }
settings "$APP" gorin-l2 '{"alarm_s":5}'; expect_err "settings: kind required" 400 kind
settings "$APP" gorin-l2 '{"kind":"control"}'; expect_err "settings: kind" 400 kind
settings "$APP" gorin-l2 '{"kind":"params"}'; expect_err "settings: nothing to change" 400 null
settings "$APP" gorin-l2 '{"kind":"params","alarm_s":301}'; expect_err "settings: alarm_s" 400 alarm_s
settings "$APP" gorin-l2 '{"kind":"params","dest":["1","x","3"]}'
expect_err "settings: dest" 400 "dest[1]"
settings "$APP" gorin-l2 '{"kind":"params","blocks":[]}'; expect_err "settings: a member of another kind" 400 blocks
settings "$APP" gorin-l2 '{"kind":"schedule","blocks":[{"output":0,"start":null}]}'
expect_err "settings: output" 400 "blocks[0].output"
settings "$APP" gorin-l2 '{"kind":"assign","pi":"PPPP"}'; expect_err "settings: pi" 400 pi
settings "$APP" gorin-l2 '{"kind":"assign","ai1":"AAAAAAAA","wait":99}'; expect_err "settings: wait" 400 wait
settings "$APP" no-such '{"kind":"params","alarm_s":5}'; expect_code "settings: unknown device" 404
settings "$APP" hiragishi-l3 '{"kind":"params","alarm_s":5}'
expect_err "settings: a device no gateway serves" 409 null
settings "$GA" gorin-l2 '{"kind":"params","alarm_s":5}'; expect_code "settings: not for gateways" 403
settings - gorin-l2 '{"kind":"params","alarm_s":5}'; expect_code "settings: a token" 401
api g POST /apif/v1/controls -H 'Content-Type: application/json' -d '{"data_id":"gorin-l2.pump1_out","value":"on","wait":0,"timeout":1}'
expect_code "an operator user may request a control" 202
G_REQ=$(j .id)
expect_match "requested by the user" "$(j .requested_by)" '^user:'
bapi "$APP" GET /apif/v1/requests?state=bogus; expect_err "list: state" 400 state
bapi "$APP" GET /apif/v1/requests?limit=0; expect_err "list: limit" 400 limit
bapi "$APP" GET /apif/v1/requests/999999; expect_code "unknown request" 404
bapi - GET /apif/v1/requests/999999; expect_code "unknown request, anonymous" 401
# the operator's control expires: nobody polled
i=0; until bapi "$APP" GET "/apif/v1/requests/$G_REQ" && [ "$(j .state)" = expired ]; do
  i=$((i + 1)); [ $i -le 60 ] || fail "never expired: $BODY"; sleep 0.1; done
expect_eq "expired, with reason" "$(j .state) $(j .reason) $(j '.history | map(.state) | join(",")')" \
  "expired expired queued,expired"

# ---- the conformance checks, over one binding ----------------------------------------------------
# BINDING=http: gw_take long-polls; gw_reply POSTs. BINDING=mqtt: gw_take reads what suidod pushed
# on down/request; gw_reply publishes on up/reply. Everything else is AP-IF, identical.
req_state() { bapi "$APP" GET "/apif/v1/requests/$1"; j .state; }
wait_state() { # ID STATE
  local i=0
  until bapi "$APP" GET "/apif/v1/requests/$1" && [ "$(j .state)" = "$2" ]; do
    i=$((i + 1)); [ $i -le 100 ] || fail "$BINDING: request $1 never $2: $BODY"; sleep 0.05
  done
  checks=$((checks + 1))
}
NOW_ISO() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

conformance() {
  BINDING=$1
  local v1=$2 id t0 cr se fi
  # a sync read: the app waits, the gateway takes and answers, the app gets the values
  curl -s -o "$T/sync.json" -w '%{http_code}' -H "Authorization: Bearer $APP" \
    -H 'Content-Type: application/json' -X POST "$U/apif/v1/reads" \
    -d '{"data_ids":["gorin-l2.tank_level","gorin-l2.flow"],"wait":10}' >"$T/sync.code" &
  local sync=$!
  gw_take
  expect_eq "$BINDING: read message" \
    "$(jq -r '"\(.kind) \(.device) \(.tel) \(.data_ids | join(",")) \(.master_version)"' <<<"$MSG")" \
    "read gorin-l2 0115812221 gorin-l2.tank_level,gorin-l2.flow 2"
  id=$(jq -r .id <<<"$MSG")
  t0=$(NOW_ISO 5)
  gw_reply "$id" "{\"id\":$id,\"ok\":true,\"values\":[{\"data_id\":\"gorin-l2.tank_level\",\"ts\":\"$t0\",\"value\":$v1},{\"data_id\":\"gorin-l2.flow\",\"ts\":\"$t0\",\"value\":7.5,\"quality\":\"estimated\"}]}"
  wait "$sync"
  BODY=$(cat "$T/sync.json")
  expect_eq "$BINDING: sync read 200 with the values" \
    "$(cat "$T/sync.code") $(j '[.values[] | "\(.data_id)=\(.value)"] | join(",")')" \
    "200 gorin-l2.tank_level=$v1,gorin-l2.flow=7.5"
  expect_eq "$BINDING: sync read: states" "$(j '[.requests[].state] | join(",")')" succeeded
  bapi "$APP" GET /apif/v1/points/gorin-l2.tank_level/latest
  expect_eq "$BINDING: the read values are stored" "$(j .value) $(j .ts)" "$v1 $t0"
  bapi "$APP" GET /apif/v1/points/gorin-l2.flow/latest
  expect_eq "$BINDING: quality stored" "$(j .quality)" estimated

  # an async read, followed by id
  reads "$APP" '{"data_ids":["gorin-l2.pump1_run"],"wait":0}'
  expect_eq "$BINDING: async read 202" "$CODE" 202
  id=$(j '.requests[0].id')
  gw_take
  expect_eq "$BINDING: the same request delivered" "$(jq -r .id <<<"$MSG")" "$id"
  wait_state "$id" sent
  gw_reply "$id" "{\"ok\":true,\"values\":[{\"data_id\":\"gorin-l2.pump1_run\",\"ts\":$(( ($(date +%s) - 3) * 1000 )),\"value\":1}]}"
  wait_state "$id" succeeded
  expect_eq "$BINDING: async result" "$(j '.result.values[0].value') $(j .kind) $(j .device)" \
    "1 read gorin-l2"

  # a control: queued -> sent -> succeeded, each with its time
  controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":"on","wait":0}'
  # (over MQTT an online gateway has it pushed before the answer: already sent)
  expect_match "$BINDING: control accepted" "$CODE $(j .state) $(j .output_no)" "^202 (queued|sent) 1$"
  id=$(j .id)
  gw_take
  expect_eq "$BINDING: control message" \
    "$(jq -r '"\(.kind) \(.data_id) \(.output_no) \(.value)"' <<<"$MSG")" "control gorin-l2.pump1_out 1 on"
  gw_reply "$id" '{"ok":true,"result":{"answer":"W ok"}}'
  wait_state "$id" succeeded
  expect_eq "$BINDING: transitions" "$(j '[.history[].state] | join(",")')" "queued,sent,succeeded"
  cr=$(j .created); se=$(j .sent); fi=$(j .finished)
  expect_match "$BINDING: times" "$cr $se $fi" '^20[0-9-]{8}T.*Z 20.*Z 20.*Z$'
  expect_eq "$BINDING: times in order" "$([[ ! "$se" < "$cr" && ! "$fi" < "$se" ]] && echo y)" y
  expect_eq "$BINDING: control result kept" "$(j .result.answer)" "W ok"

  # a control the terminal did not answer: failed, with the reason and message
  controls "$APP" '{"data_id":"gorin-l2.pump2_out","value":"off","wait":0}'
  id=$(j .id)
  gw_take
  gw_reply "$id" '{"ok":false,"reason":"no_answer","message":"no CONNECT after 3 tries"}'
  wait_state "$id" failed
  expect_eq "$BINDING: failure reason" "$(j .reason)|$(j .message)|$(j '.history[-1].reason')" \
    "no_answer|no CONNECT after 3 tries|no_answer"

  # a malformed reply and another gateway's reply change nothing; the right one then does
  controls "$APP" '{"data_id":"gorin-l2.valve_out","value":"on","wait":0}'
  id=$(j .id)
  gw_take
  gw_reply "$id" '{"ok":"yes"}'
  gw_reply_other "$id" '{"ok":true}'
  sleep 0.3
  expect_eq "$BINDING: bad and foreign replies ignored" "$(req_state "$id")" sent
  gw_reply "$id" '{"ok":true}'
  wait_state "$id" succeeded
  bapi "$APPB" GET "/apif/v1/requests/$id"
  expect_code "$BINDING: another tenant's app: 404" 404

  # taken but never answered: timed out at its deadline
  reads "$APP" '{"data_ids":["gorin-l2.flow"],"wait":0,"timeout":1}'
  id=$(j '.requests[0].id')
  gw_take
  wait_state "$id" timed_out
  expect_eq "$BINDING: timeout reason" "$(j .reason) $(j '[.history[].state] | join(",")')" \
    "timeout queued,sent,timed_out"
  # never taken (south neither polls nor is online): expired
  reads "$APP" '{"data_ids":["gorin-l3.tank_low"],"wait":1,"timeout":2}'
  expect_eq "$BINDING: sync read that does not finish: 202" "$CODE $(j '.requests[0].state')" \
    "202 queued"
  id=$(j '.requests[0].id')
  wait_state "$id" expired
  # a sync read whose request times out within the wait: 200, no values, the state says why
  curl -s -o "$T/sync.json" -w '%{http_code}' -H "Authorization: Bearer $APP" \
    -H 'Content-Type: application/json' -X POST "$U/apif/v1/reads" \
    -d '{"data_ids":["gorin-l2.flow"],"wait":5,"timeout":1}' >"$T/sync.code" &
  sync=$!
  gw_take
  wait "$sync"
  CODE=$(cat "$T/sync.code"); BODY=$(cat "$T/sync.json")
  expect_eq "$BINDING: finished (timed out) within wait: 200" "$CODE $(j '.values | length') $(j '.requests[0].state')" \
    "200 0 timed_out"
}

# ---- HTTP binding ------------------------------------------------------------------------------
gw_take() {
  bapi "$GA" GET "/gwif/v1/requests?wait=5"
  expect_code "http: long-poll" 200
  MSG=$(j '.requests[0]')
  [ "$MSG" != null ] || fail "http: long-poll answered no request: $BODY"
}
gw_reply() { bapi "$GA" POST "/gwif/v1/requests/$1/reply" -H 'Content-Type: application/json' -d "$2"; }
gw_reply_other() { bapi "$GS" POST "/gwif/v1/requests/$1/reply" -H 'Content-Type: application/json' -d "$2"; }
conformance http 2.43

# HTTP only: the reply codes, the long-poll waking, several gateways waiting at once
controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":"off","wait":0}'; id=$(j .id)
gw_take
gw_reply "$id" '{"ok":true,"values":"x"}'; expect_err "http: reply values type" 400 values
gw_reply "$id" '{"ok":false}'; expect_err "http: reason required" 400 reason
gw_reply "$id" '{"ok":false,"reason":"tired"}'; expect_err "http: reason known" 400 reason
gw_reply "$id" '{"ok":true,"values":[{"data_id":"gorin-l2.flow","ts":"yesterday","value":1}]}'
expect_err "http: a bad value time" 400 "values[0].ts"
gw_reply "$id" '{"ok":true,"values":[{"data_id":"gorin-l2.flow","ts":1764000000000,"value":1}]}'
expect_err "http: values only in replies to reads" 400 values
gw_reply "$id" '{"id":1,"ok":true}'; expect_err "http: id must match" 400 id
gw_reply "$id" '{"ok":true'; expect_code "http: malformed reply" 400
gw_reply_other "$id" '{"ok":true}'; expect_code "http: another gateway's request" 404
gw_reply 999999 '{"ok":true}'; expect_code "http: unknown request" 404
bapi "$APP" POST "/gwif/v1/requests/$id/reply" -H 'Content-Type: application/json' -d '{"ok":true}'
expect_code "http: apps cannot reply" 403
gw_reply "$id" '{"ok":true}'; expect_eq "http: reply" "$CODE $(j .state)" "200 succeeded"
gw_reply "$id" '{"ok":true}'; expect_eq "http: same reply again" "$CODE $(j .state)" "200 succeeded"
gw_reply "$id" '{"ok":false,"reason":"nak"}'; expect_code "http: conflicting reply" 409
reads "$APP" '{"data_ids":["gorin-l2.tank_level"],"wait":0}'; id=$(j '.requests[0].id')
gw_take
gw_reply "$id" "{\"ok\":true,\"values\":[{\"data_id\":\"gorin-l3.tank_low\",\"ts\":$(( $(date +%s) * 1000 )),\"value\":1}]}"
expect_err "http: a value of another device" 400 "values[0].data_id"
gw_reply "$id" "{\"ok\":true,\"values\":[{\"data_id\":\"gorin-l2.tank_level\",\"ts\":$(( ($(date +%s) + 172800) * 1000 )),\"value\":1}]}"
expect_err "http: a value from the future" 400 "values[0].ts"
bapi "$GA" GET "/gwif/v1/requests?wait=61"; expect_err "http: wait range" 400 wait
bapi "$APP" GET "/gwif/v1/requests?wait=0"; expect_code "http: long-poll is for gateways" 403
bapi "$GS" GET "/gwif/v1/requests?wait=0"
expect_eq "http: south has nothing of north's" "$CODE $(j '.requests | length')" "200 0"
# north and south both wait; a request for south wakes south at once, north keeps waiting
pollbg() { curl -s -o "$T/poll_$1.json" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $2" \
  "$U/gwif/v1/requests?wait=$3" >"$T/poll_$1.code" & }
pollbg n "$GA" 3; PN=$!
pollbg s "$GS" 20; PS=$!
sleep 0.5
reads "$APP" '{"data_ids":["gorin-l3.tank_low"],"wait":0}'; id=$(j '.requests[0].id')
wait "$PS"
expect_eq "http: south woken with its request" "$(jq -r '.requests[0].id' <"$T/poll_s.json")" "$id"
expect_eq "http: ... at once, not at the end of its wait" \
  "$(awk '{print ($2 < 5) ? "fast" : "slow " $2}' <"$T/poll_s.code")" fast
wait "$PN"
expect_eq "http: north's wait ran out empty" "$(jq -c .requests <"$T/poll_n.json")" "[]"
bapi "$APP" GET "/apif/v1/requests?state=succeeded&limit=2"
expect_eq "http: list by state" "$CODE $(j '.items | length') $(j '[.items[].state] | unique | join(",")')" \
  "200 2 succeeded"
bapi "$APPB" GET "/apif/v1/requests?limit=1000"
expect_eq "http: another tenant lists its own" "$(j '[.items[].device] | unique | join(",")')" "gorin-l2"

# ---- MQTT binding ------------------------------------------------------------------------------
mqtt_pw() { bapi "$1" GET /gwif/v1/mqtt; expect_code "mqtt password" 200; j .password; }
PW_GA=$(mqtt_pw "$GA"); PW_GS=$(mqtt_pw "$GS")
CID_GS=$(bapi "$GS" GET /apif/v1/me; j .client_id)
wait_line "$BROKER/acl" "^user $CID_GS\$" 5
sleep 0.3
M=(-h 127.0.0.1 -p "$MQTT_PORT" -V mqttv311 -q 1)
# requests queued while the gateway is offline wait for its birth
reads "$APP" '{"data_ids":["gorin-l2.tank_level"],"wait":0}'; BEFORE=$(j '.requests[0].id')
sleep 0.3
expect_eq "mqtt: offline gateway: still queued" "$(req_state "$BEFORE")" queued
: >"$T/down.log"
mosquitto_sub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -t "suido/gw/$CID_GA/down/request" \
  --will-topic "suido/gw/$CID_GA/state" --will-payload offline --will-retain --will-qos 1 \
  >"$T/down.log" 2>"$T/sub.err" &
SUB=$!
sleep 0.5
mosquitto_pub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -t "suido/gw/$CID_GA/state" -r -m online
TAKEN=0
gw_take() {
  local i=0
  until [ "$(wc -l <"$T/down.log")" -gt "$TAKEN" ]; do
    i=$((i + 1)); [ $i -le 100 ] || fail "mqtt: nothing pushed on down/request ($TAKEN taken)"
    sleep 0.05
  done
  TAKEN=$((TAKEN + 1))
  MSG=$(sed -n "${TAKEN}p" "$T/down.log")
}
gw_take
expect_eq "mqtt: the birth pushes what waited" "$(jq -r .id <<<"$MSG")" "$BEFORE"
wait_state "$BEFORE" sent
gw_reply() { mosquitto_pub "${M[@]}" -u "$CID_GA" -P "$PW_GA" -t "suido/gw/$CID_GA/up/reply" \
  -m "$(jq -c --argjson id "$1" '. + {id: $id}' <<<"$2" 2>/dev/null || printf '%s' "$2")"; }
gw_reply_other() { mosquitto_pub "${M[@]}" -u "$CID_GS" -P "$PW_GS" -t "suido/gw/$CID_GS/up/reply" \
  -m "$(jq -c --argjson id "$1" '. + {id: $id}' <<<"$2")"; }
gw_reply "$BEFORE" '{"ok":false,"reason":"busy"}'
wait_state "$BEFORE" failed
conformance mqtt 3.25
# events: acknowledged on down/ack with the batch id (stored once the alarm module is wired)
mosquitto_rr "${M[@]}" -u "$CID_GA" -P "$PW_GA" -W 5 -t "suido/gw/$CID_GA/up/event" \
  -e "suido/gw/$CID_GA/down/ack" -m '{"id":"ev-1","events":[{"ts":1764000000000,"kind":"poll_failed"}]}' \
  >"$T/evack" 2>&1 || fail "mqtt: no ack for events: $(cat "$T/evack")"
expect_eq "mqtt: events acked" "$(jq -r .id <"$T/evack")" ev-1
# the gateway dies: its last will makes it offline, and requests wait again
kill -9 "$SUB"; wait "$SUB" 2>/dev/null || true
sleep 0.5
controls "$APP" '{"data_id":"gorin-l2.pump1_out","value":"on","wait":0}'; id=$(j .id)
sleep 0.3
expect_eq "mqtt: offline again: queued, not pushed" "$(req_state "$id")" queued
bapi "$GA" GET "/gwif/v1/requests?wait=0"
expect_eq "mqtt: ... and the long-poll still takes it" "$(j '.requests[0].id')" "$id"

# a long-poll waiting when suidod stops is answered (empty), not cut
pollbg x "$GA" 30; PX=$!
sleep 0.5
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" || fail "suidod exit status $?"
wait "$PX"
expect_eq "http: stop answers the waiting long-poll" "$(cut -d' ' -f1 <"$T/poll_x.code") $(jq -c .requests <"$T/poll_x.json")" "200 []"
expect_eq "no sanitizer report" "$(grep -Ec 'runtime error|Sanitizer' "$T/suidod.log" || true)" 0
done_ok
