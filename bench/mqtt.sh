#!/usr/bin/env bash
# mqtt.sh - GW-IF over MQTT end to end: samples a gateway publishes (batches with "id", QoS 1) that
# suidod stores (SQLite, synchronous=FULL) and acknowledges on down/ack, per second; next to the
# two baselines measured in the same run: sd_ts_ingest() in-process on the same schema with the
# same batches (what the store alone can do), and mosquitto's raw QoS 1 pub->sub message rate
# with messages of the same size (what the broker alone can do). Under a minute.
#   BIN=build/bin [BATCHES=400] [SIZE=100] bash bench/mqtt.sh
BIN=${BIN:-$PWD/build/bin}
export BIN
ROOT=${SUIDO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/platform.sh"
. "$ROOT/tests/lib/gwmqtt.sh"
B="$BIN/../bench/bench_mqtt"
BATCHES=${BATCHES:-400}
SIZE=${SIZE:-100}
rate() { awk '/^RATE/ {print $2}' "$1"; }

start_broker
mqtt_args
start_suidod "${MQTT_SUIDOD_ARGS[@]}" --set log.level=warn --set limits.tenant_rps=0 \
  --set backup.enabled=false
wait_line "$T/suidod.log" "ready on" 15
sleep 1
setup_gateway >/dev/null

T0=1735657200000
"$B" gw 127.0.0.1 "$MQTT_PORT" "$GW_CID" "$GW_PW" gorin-l2.flow "$T0" "$BATCHES" "$SIZE" \
  --window 16 --timeout 50 >"$T/e2e.out" 2>&1 || { cat "$T/e2e.out"; exit 1; }
"$B" ingest "$BATCHES" "$SIZE" >"$T/ingest.out" 2>&1 || { cat "$T/ingest.out"; exit 1; }
# the same payload size as a batch, on an anonymous broker of the same build
bytes=$(python3 -c "
import json
print(len(json.dumps({'id':'b123','samples':[{'data_id':'gorin-l2.flow','ts':$T0+i*1000,'value':123.004} for i in range($SIZE)]},separators=(',',':'))))")
RAW_PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n' \
  "$RAW_PORT" >"$T/raw.conf"
spawn rawbroker mosquitto -c "$T/raw.conf"
wait_port "$RAW_PORT"
"$B" raw 127.0.0.1 "$RAW_PORT" 20000 "$bytes" >"$T/raw.out" 2>&1 || { cat "$T/raw.out"; exit 1; }

e2e=$(rate "$T/e2e.out"); ing=$(rate "$T/ingest.out"); raw=$(rate "$T/raw.out")
grep -v '^RATE' "$T/e2e.out" "$T/ingest.out" "$T/raw.out" | sed 's/^[^:]*://'
awk -v e="$e2e" -v i="$ing" -v r="$raw" -v s="$SIZE" -v b="$bytes" 'BEGIN {
  printf "  end to end (MQTT -> stored -> acked) : %9.0f samples/s  (%.0f batches/s of %d)\n", e, e / s, s
  printf "  raw sd_ts_ingest, same batches       : %9.0f samples/s\n", i
  printf "  raw mosquitto pub->sub, %5d B msgs  : %9.0f msgs/s = %.0f samples/s\n", b, r, r * s
  printf "  ratio end to end / raw ingest        : %9.2f\n", e / i
  printf "  ratio end to end / raw broker        : %9.2f  (batches/s over msgs/s)\n", (e / s) / r
}'
