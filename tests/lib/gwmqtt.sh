# gwmqtt.sh - a GW-IF over MQTT setup shared by faults_ingest.sh and bench/mqtt.sh: a mosquitto
# whose accounts suidod writes, suidod connected to it, a tenant with the sample master and one
# registered gateway with its broker password. Source after harness.sh and platform.sh.

# start_broker: mosquitto with suidod's passwd/acl in $BROKER; sets MQTT_PORT, MOSQ_PID.
start_broker() {
  start_managed_broker "use_username_as_clientid true" "max_queued_messages 100000"
}
# (restart_broker [SECONDS]: tests/lib/platform.sh)

MQTT_SUIDOD_ARGS=()
# mqtt_args: the suidod arguments for that broker in MQTT_SUIDOD_ARGS.
mqtt_args() { MQTT_SUIDOD_ARGS=("${SUIDOD_MQTT[@]}"); }

# setup_gateway: tenant, sample master, gateway vendor, gateway; sets TEN, GW_TOK, GW_CID, GW_PW
# and waits until the broker knows the gateway.
setup_gateway() {
  setup_tenants
  TEN=$A
  approve_sheet "$TEN" a1 a2
  reg gateways "$OG" "$TEN" "GW 1"; GW_TOK=$TOK
  gw_mqtt_account "GW 1"; GW_CID=$MQTT_USER; GW_PW=$MQTT_PW
  wait_line "$BROKER/acl" "^user $GW_CID\$" 10
  sleep 0.5 # the broker reloads on SIGHUP
}
