#!/usr/bin/env bash
# apif_monitor.sh - AP-IF #5-7 periodic monitors against a real suidod: an application starts a
# monitor with a webhook, follows its server-sent events with curl -N while a gateway uploads
# samples over GW-IF HTTP (arriving within a second, heartbeats on the idle stream), reconnects
# with Last-Event-ID and gets what it missed; a python webhook receiver checks each HMAC and is
# refused once (retry); another tenant's / another application's access is 404; bad inputs are
# precise 400s (a webhook into an internal network too: only 127.0.0.1, where the receiver runs,
# is allow-listed); DELETE stops the stream and the webhook; monitors survive a restart.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod --set monitor.heartbeat=1s --set monitor.webhook_allow=127.0.0.1/32
SUIDOD_PID=$LAST_PID
upload() { bapi "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "$1"; }
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }
sample() { # DATA_ID MINUTE VALUE
  printf '{"data_id":"gorin-l2.%s","ts":"2026-11-24T00:%02d:00Z","value":%s}' "$1" "$2" "$3"
}
# sse NAME [curl args]: follow the events of $M as $APP into $T/NAME.sse
sse() {
  local name=$1; shift
  spawn "$name" curl -sN -H "Authorization: Bearer $APP" "$@" "$U/apif/v1/monitors/$M/events"
  SSE_PID=$LAST_PID
  mv_log=$T/$name.log
  wait_line "$mv_log" "^: monitor $M" 5
}

setup_tenants otaru
link_orgs "$OV $B"
approve_sheet "$A" a1 a2
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
reg apps "$OV" "$A" "Another app"; APP2=$TOK
reg apps "$OV" "$B" "Otaru app"; APPB=$TOK
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK

# ---- the webhook receiver (refuses its first POST) -------------------------------------------
: >"$T/secret"; : >"$T/hooks.log"
spawn hook python3 "$(dirname "$0")/webhook_receiver.py" 0 "$T/secret" "$T/hooks.log" 1
HP=$(port_from "$T/hook.log" '^listening ')

# ---- #5 start ---------------------------------------------------------------------------------
mon() { bapi "$1" POST /apif/v1/monitors -H 'Content-Type: application/json' -d "$2"; }
mon "$APP" "{\"data_ids\":[\"gorin-l2.tank_level\",\"gorin-l2.flow\"],\"interval_s\":60,
  \"webhook\":\"http://127.0.0.1:$HP/hook\"}"
expect_code "start monitor" 201
M=$(jid)
expect_eq "monitor answer" "$(j .state) $(j .interval_s) $(j '.data_ids|join(",")') $(j .owner)" \
  "active 60 gorin-l2.tank_level,gorin-l2.flow app:$(j .owner | cut -d: -f2)"
expect_match "secret shown once" "$(j .webhook_secret)" '^[0-9a-f]{64}$'
expect_eq "events url" "$(j .events_url)" "/apif/v1/monitors/$M/events"
j .webhook_secret >"$T/secret"
# the gateway is asked to collect the points: one monitor_start per device, fetched by its
# long-poll (GW-IF 要求データ取得)
expect_eq "gateway notified" "$(j .gateway_notified)" true
expect_eq "one request per device" "$(j '[.gateway_requests[].device]|join(",")')" gorin-l2
RID=$(j '.gateway_requests[0].request_id')
bapi "$GW" GET "/gwif/v1/requests?wait=0"
expect_eq "the gateway gets monitor_start" \
  "$(printf '%s' "$BODY" | jq -r --argjson r "$RID" '.requests[] | select(.id == $r) | [.kind, .monitor, .interval_s, (.data_ids|sort|join(","))] | join(" ")')" \
  "monitor_start $M 60 gorin-l2.flow,gorin-l2.tank_level"
bapi "$APP" GET "/apif/v1/monitors/$M"
expect_eq "get: no secret" "$CODE $(j .webhook_secret) $(j .webhook)" \
  "200 null http://127.0.0.1:$HP/hook"
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":3600}'
expect_code "second monitor, no webhook" 201; M2=$(jid)

# ---- events as samples are stored ------------------------------------------------------------
sse s1
upload "{\"samples\":[$(sample tank_level 1 1.5),$(sample pump1_current 1 99),$(sample flow 1 7)]}"
expect_code "upload 1" 200
wait_line "$T/s1.log" '"value":1.5' 1   # within a second of the commit
EV=$(grep '^data: ' "$T/s1.log" | head -1 | cut -c7-)
expect_eq "event holds the monitored points only" \
  "$(printf '%s' "$EV" | jq -c '[.monitor, [.samples[] | .data_id, .value, .quality, .ts]]')" \
  "[$M,[\"gorin-l2.tank_level\",1.5,\"good\",\"2026-11-24T00:01:00Z\",\"gorin-l2.flow\",7,\"good\",\"2026-11-24T00:01:00Z\"]]"
expect_match "event has an id" "$(grep '^id: ' "$T/s1.log" | head -1)" '^id: [0-9]{13}$'
expect_eq "event name" "$(grep -c '^event: samples' "$T/s1.log")" 1
wait_line "$T/s1.log" '^: heartbeat' 3
upload "{\"samples\":[$(sample pump1_current 2 5)]}"
sleep 0.3
expect_eq "unmonitored point: no event" "$(grep -c '^event: samples' "$T/s1.log")" 1
t0=$(date +%s%N)
upload "{\"samples\":[$(sample tank_level 2 2.5)]}"
wait_line "$T/s1.log" '"value":2.5' 1
echo "figure: upload answered + event seen by curl -N within $(( ($(date +%s%N) - t0) / 1000000 )) ms"
LAST=$(grep '^id: ' "$T/s1.log" | tail -1 | cut -c5-)

# ---- the client drops; what it missed comes back with Last-Event-ID --------------------------
kill "$SSE_PID"; wait "$SSE_PID" 2>/dev/null || true
upload "{\"samples\":[$(sample tank_level 3 3.5)]}"
upload "{\"samples\":[$(sample flow 4 4.5),$(sample tank_level 4 4.25)]}"
sse s2 -H "Last-Event-ID: $LAST"
wait_line "$T/s2.log" '"value":4.25' 2
for v in 3.5 4.5 4.25; do
  expect_eq "replayed $v" "$(grep -c "\"value\":$v[,}]" "$T/s2.log")" 1
done
expect_eq "unmonitored points are not replayed" "$(grep -c '"value":99' "$T/s2.log")" 0
upload "{\"samples\":[$(sample tank_level 5 5.5)]}"
wait_line "$T/s2.log" '"value":5.5' 1 # live again after the replay
bapi "$APP" GET "/apif/v1/monitors/$M/events?last_event_id=yesterday"
expect_err "bad last_event_id" 400 last_event_id

# ---- webhooks: every batch, signed, after one refused attempt --------------------------------
wait_line "$T/hooks.log" 'ok [0-9]+ 5.5 ' 10
# the refused first batch is retried after the backoff (1 s), possibly after the later batches:
# wait for all five, not for the last one
for i in $(seq 100); do [ "$(grep -c '^ok' "$T/hooks.log")" -ge 5 ] && break; sleep 0.1; done
expect_eq "receiver refused once" "$(grep -c refused-once "$T/hooks.log")" 1
expect_eq "no bad signature" "$(grep -c badsig "$T/hooks.log")" 0
expect_eq "webhook events (values)" \
  "$(grep '^ok' "$T/hooks.log" | awk '{print $3}' | sort | tr '\n' ' ')" "1.5,7 2.5 3.5 4.5,4.25 5.5 "
expect_eq "webhook names its monitor" "$(grep -c "^ok .* monitor=$M " "$T/hooks.log")" 5

# ---- #6 list and visibility ------------------------------------------------------------------
bapi "$APP" GET /apif/v1/monitors
expect_eq "list" "$CODE $(j '[.items[].id]|join(",")') $(j '.items[0].subscribers')" "200 $M,$M2 1"
bapi "$APP2" GET /apif/v1/monitors
expect_eq "another app of the tenant sees none" "$CODE $(j '.items|length')" "200 0"
bapi "$APP2" GET "/apif/v1/monitors/$M"
expect_code "another app's monitor" 404
bapi "$APPB" GET "/apif/v1/monitors/$M"
expect_code "another tenant's monitor" 404
bapi "$APPB" DELETE "/apif/v1/monitors/$M"
expect_code "another tenant cannot stop it" 404
bapi "$APPB" GET "/apif/v1/monitors/$M/events"
expect_code "another tenant cannot follow it" 404
user g "$OA" operator_general
api g GET /apif/v1/monitors
expect_eq "an operator of the tenant sees all" "$CODE $(j '.items|length')" "200 2"
bapi "$GW" GET /apif/v1/monitors
expect_code "a gateway may not" 403
bapi - GET /apif/v1/monitors
expect_code "anonymous" 401
bapi "$APP" GET /apif/v1/monitors/999999
expect_code "unknown id" 404

# ---- bad inputs --------------------------------------------------------------------------------
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":60'
expect_eq "malformed JSON" "$CODE $(j .error.code)" "400 syntax"
mon "$APP" '{"interval_s":60}'
expect_err "data_ids missing" 400 data_ids
mon "$APP" '{"data_ids":[],"interval_s":60}'
expect_err "data_ids empty" 400 data_ids
mon "$APP" '{"data_ids":["gorin-l2.flow",7],"interval_s":60}'
expect_err "data ID of wrong type" 400 "data_ids[1]"
mon "$APP" '{"data_ids":["gorin-l2.flow","gorin-l2.flow"],"interval_s":60}'
expect_err "duplicate data ID" 400 "data_ids[1]"
mon "$APP" '{"data_ids":["gorin-l2.flow","gorin-l2.nope"],"interval_s":60}'
expect_err "unknown data ID" 400 "data_ids[1]"
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":59}'
expect_err "interval too short" 400 interval_s
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":86401}'
expect_err "interval too long" 400 interval_s
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":"60"}'
expect_err "interval of wrong type" 400 interval_s
for w in 'ftp://127.0.0.1/x' 'file:///etc/passwd' 'http://' 'http://user@evil.example/' \
         'http://a b/' 'http://127.0.0.1:70000/' 'javascript:alert(1)'; do
  mon "$APP" "{\"data_ids\":[\"gorin-l2.flow\"],\"interval_s\":60,\"webhook\":\"$w\"}"
  expect_err "webhook $w" 400 webhook
done
# internal addresses, however spelled, are refused with the address and its kind; 127.0.0.1 alone
# is allow-listed here
for w in "http://[::1]:$HP/hook|::1 is a loopback" "http://127.0.0.2:$HP/|127.0.0.2 is a loopback" \
         "http://0x7f000002/|127.0.0.2 is a loopback" "http://2130706434/|127.0.0.2 is a loopback" \
         "http://0177.0.0.2/|127.0.0.2 is a loopback" \
         "http://169.254.169.254/latest/meta-data|169.254.169.254 is a link-local" \
         "http://10.0.0.1/|10.0.0.1 is a private" "http://[fd00::1]/|fd00::1 is a private" \
         "http://[::ffff:192.168.1.1]/|::ffff:192.168.1.1 is a private" \
         "http://100.64.0.1/|100.64.0.1 is a shared .CGNAT." "http://0.0.0.0:$HP/|0.0.0.0 is an unspecified"; do
  mon "$APP" "{\"data_ids\":[\"gorin-l2.flow\"],\"interval_s\":60,\"webhook\":\"${w%%|*}\"}"
  expect_err "webhook ${w%%|*}" 400 webhook
  expect_match "webhook ${w%%|*}: why" "$(j .error.message)" "^${w#*|} address"
done
mon "$APP" '{"data_ids":["gorin-l2.flow"],"interval_s":60,"every":5}'
expect_err "unknown member" 400 every
mon "$GW" '{"data_ids":["gorin-l2.flow"],"interval_s":60}'
expect_code "a gateway may not start one" 403
mon "$APPB" '{"data_ids":["gorin-l2.flow"],"interval_s":60}'
expect_err "another tenant's data ID" 400 "data_ids[0]"

# ---- #7 stop ---------------------------------------------------------------------------------
bapi "$APP" DELETE "/apif/v1/monitors/$M"
expect_eq "stop" "$CODE $(j .state)" "200 stopped"
expect_match "stopped time" "$(j .stopped)" '^2[0-9]{3}-'
wait_line "$T/s2.log" '^event: stopped' 2
bapi "$GW" GET "/gwif/v1/requests?wait=0"
expect_eq "the gateway gets monitor_stop" \
  "$(printf '%s' "$BODY" | jq -r '[.requests[] | select(.kind == "monitor_stop") | .monitor] | join(",")')" "$M"
for i in $(seq 40); do kill -0 "$SSE_PID" 2>/dev/null || break; sleep 0.05; done
expect_fail "the stream ended" kill -0 "$SSE_PID"
NH=$(grep -c '^ok' "$T/hooks.log")
upload "{\"samples\":[$(sample tank_level 6 6.5)]}"
sleep 1.5
expect_eq "no webhook after stop" "$(grep -c '^ok' "$T/hooks.log")" "$NH"
bapi "$APP" GET "/apif/v1/monitors/$M/events"
expect_code "events of a stopped monitor: 204 (EventSource stops)" 204
bapi "$APP" DELETE "/apif/v1/monitors/$M"
expect_eq "stop again is harmless" "$CODE $(j .state)" "200 stopped"
bapi "$APP" GET "/apif/v1/monitors?state=active"
expect_eq "active list" "$(j '[.items[].id]|join(",")')" "$M2"
bapi "$APP" GET "/apif/v1/monitors?state=paused"
expect_err "bad state filter" 400 state
api admin GET "/api/v1/audit?tenant_id=$A" >/dev/null 2>&1 || true

# ---- a restart keeps the active monitor and its stream ---------------------------------------
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" 2>/dev/null || true
mv "$T/suidod.log" "$T/suidod-1.log.old"
spawn suidod "$BIN/suidod" --set "data.dir=$T/data" --set "http.listen=127.0.0.1:0" \
  --set auth.password_cost=min --set monitor.heartbeat=1s --set monitor.webhook_allow=127.0.0.1/32 \
  ${SUIDO_STORE_URL:+--set "store.url=$SUIDO_STORE_URL"}
SUIDOD_PID=$LAST_PID
P=$(suidod_port "$T/suidod.log"); U="http://127.0.0.1:$P" # its clients connect anew
M=$M2
sse s3
upload "{\"samples\":[$(sample flow 7 7.75)]}"
wait_line "$T/s3.log" '"value":7.75' 1
# ---- a stream ends when its credential is revoked (AP-IF #2 disconnect) ----------------------
bapi "$APP" POST /apif/v1/disconnect
expect_code "disconnect" 204
wait_line "$T/s3.log" '^event: unauthorized' 3
for i in $(seq 40); do kill -0 "$SSE_PID" 2>/dev/null || break; sleep 0.05; done
expect_fail "the revoked stream ended" kill -0 "$SSE_PID"
expect_match "restart loaded it" "$(grep -o 'monitors: [0-9]* active' "$T/suidod.log")" '1 active'
# ---- stopping suidod ends open streams at once (an operator follows by session cookie) -------
spawn s4 curl -sN -b "$T/g.jar" "$U/apif/v1/monitors/$M2/events"
S4=$LAST_PID
wait_line "$T/s4.log" "^: monitor $M2" 5
t0=$(date +%s%N)
kill "$SUIDOD_PID"; rc=0; wait "$SUIDOD_PID" || rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "figure: suidod stopped with an open event stream in $ms ms"
expect_eq "clean exit" "$rc" 0
expect_eq "stop did not wait out the grace time" "$([ "$ms" -lt 5000 ] && echo fast)" fast
for i in $(seq 40); do kill -0 "$S4" 2>/dev/null || break; sleep 0.05; done
expect_fail "the client saw the end" kill -0 "$S4"
done_ok
