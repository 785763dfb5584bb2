# gwmqtt.sh - a GW-IF over MQTT setup shared by faults_ingest.sh and bench/mqtt.sh: a mosquitto
# whose accounts suidod writes, suidod connected to it, a tenant with the sample master and one
# registered gateway with its broker password. Source after harness.sh and platform.sh.

# start_broker: mosquitto with suidod's passwd/acl in $BROKER; sets MQTT_PORT, MOSQ_PID.
start_broker() {
  chmod 755 "$T"
  BROKER="$T/broker"
  mkdir -p "$BROKER" && chmod 755 "$BROKER"
  if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown mosquitto "$BROKER"; fi
  : >"$BROKER/passwd"; : >"$BROKER/acl"
  start_mosquitto <<EOC
allow_anonymous false
password_file $BROKER/passwd
acl_file $BROKER/acl
pid_file $BROKER/mosquitto.pid
use_username_as_clientid true
max_queued_messages 100000
EOC
  MOSQ_PID=$LAST_PID
  cp "$T/mosquitto.conf" "$T/mosquitto.conf.keep"
}

# restart_broker: stop mosquitto (SIGTERM) and start it again on the same port and files.
restart_broker() {
  kill "$MOSQ_PID"; wait "$MOSQ_PID" 2>/dev/null || true
  sleep "${1:-1}"
  cp "$T/mosquitto.conf.keep" "$T/mosquitto.conf"
  spawn mosquitto2 mosquitto -c "$T/mosquitto.conf"
  MOSQ_PID=$LAST_PID
  wait_port "$MQTT_PORT"
}

MQTT_SUIDOD_ARGS=()
mqtt_args() {
  MQTT_SUIDOD_ARGS=(--set "mqtt.url=mqtt://127.0.0.1:$MQTT_PORT" --set "mqtt.broker_dir=$BROKER"
    --set "mqtt.broker_pid_file=$BROKER/mosquitto.pid" --set mqtt.sync_interval=1s)
}

# setup_gateway: tenant, sample master, gateway vendor, gateway; sets TEN, GW_TOK, GW_CID, GW_PW
# and waits until the broker knows the gateway.
setup_gateway() {
  login_admin
  jpost admin /api/v1/tenants '{"name":"sapporo","kind":"dedicated_operator"}'; TEN=$(jid)
  jpost admin /api/v1/tenants '{"name":"gw vendor","kind":"vendor"}'; local tg; tg=$(jid)
  jpost admin /api/v1/orgs "{\"tenant_id\":$TEN,\"kind\":\"operator\",\"name\":\"Sapporo\"}"
  local oa; oa=$(jid)
  jpost admin /api/v1/orgs "{\"tenant_id\":$tg,\"kind\":\"gw_vendor\",\"name\":\"GW\"}"
  local og; og=$(jid)
  api admin PUT "/api/v1/orgs/$og/tenants/$TEN"
  user a1 "$oa" operator_admin
  user a2 "$oa" operator_admin
  api a1 POST "/api/v1/tenants/$TEN/sheets" -H 'Content-Type: text/csv' --data-binary "@$SAMPLE"
  expect_code "submit master" 201
  api a2 POST "/api/v1/tenants/$TEN/sheets/$(j .id)/approve"
  expect_code "approve master" 200
  jpost admin /api/v1/gateways "{\"org_id\":$og,\"tenant_id\":$TEN,\"name\":\"GW 1\"}"
  expect_code "register gateway" 201
  printf '{"client_id":"%s","client_secret":"%s"}' "$(j .client_id)" "$(j .client_secret)" >"$T/gw.cred"
  bapi - POST /apif/v1/connect -H 'Content-Type: application/json' --data-binary "@$T/gw.cred"
  expect_code "gateway connect" 200
  GW_TOK=$(j .access_token)
  bapi "$GW_TOK" GET /gwif/v1/mqtt
  expect_code "broker credentials" 200
  GW_CID=$(j .username); GW_PW=$(j .password)
  wait_line "$BROKER/acl" "^user $GW_CID\$" 10
  sleep 0.5 # the broker reloads on SIGHUP
}
