#!/usr/bin/env bash
# ingest.sh - GW-IF HTTP ingest under many connections (issue 15): POST /gwif/v1/data from CONNS
# keep-alive connections with batches of 1 and of 100 samples, into suidod on SQLite
# (synchronous=FULL: every answer is after a durable commit), as samples/s and p99 latency; next
# to the raw sqlite3 baseline measured in the same run on the same schema with the same
# durability (one prepared INSERT, one commit per row, and per 100 rows; one thread). Targets:
# batches of 1 >= 3x the raw one-commit-per-row rate (concurrent batches share commits), batches
# of 100 >= 0.8x raw, p99 <= 50 ms.
#   BIN=build/bin [CONNS=32] [DUR=5] bash bench/ingest.sh
#   (SUIDOD=path/to/another/suidod compares another build with the same load and baseline)
BIN=${BIN:-$PWD/build/bin}
export BIN
ROOT=${SUIDO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/platform.sh"
B="$BIN/../bench/bench_ingest"
CONNS=${CONNS:-32}
DUR=${DUR:-5}
if [ -n "${SUIDOD:-}" ]; then mkdir -p "$T/bin"; ln -s "$SUIDOD" "$T/bin/suidod"; BIN="$T/bin"; fi
start_suidod --set log.level=warn --set limits.tenant_rps=0 --set backup.enabled=false
setup_tenants
approve_sheet "$A" a1 a2
reg gateways "$OG" "$A" "GW 1"
val() { awk -v k="$1" '$1 == k {print $2}' "$2"; }

# each load between two raw runs (the disk is shared: its fsync time drifts), every (point, ts) new
load() { # NAME DATA_ID BATCH
  "$B" raw "$3" "$DUR" >"$T/$1.r1" || { cat "$T/$1.r1"; exit 1; }
  "$B" http "$P" "$TOK" "$2" "$3" "$CONNS" "$DUR" 1000000000000 >"$T/$1.h" ||
    { cat "$T/$1.h"; exit 1; }
  "$B" raw "$3" "$DUR" >"$T/$1.r2" || { cat "$T/$1.r2"; exit 1; }
  grep -hvE '^[A-Z0-9]+ ' "$T/$1.r1" "$T/$1.h" "$T/$1.r2"
  # every acknowledged sample is in the store
  stored=$(sqlite3 "$T/data/suido.db" "SELECT COUNT(*) FROM samples s JOIN points p ON \
    p.id = s.point_id WHERE p.data_id = '$2'")
  [ "$stored" = "$(val ACKED "$T/$1.h")" ] || fail "$1: acknowledged $(val ACKED "$T/$1.h"), stored $stored"
}
load b1 gorin-l2.pump1_runtime 1
load b100 gorin-l2.pump2_runtime 100
awk -v h1="$(val RATE "$T/b1.h")" -v h100="$(val RATE "$T/b100.h")" \
  -v r1="$(( ($(val RATE "$T/b1.r1") + $(val RATE "$T/b1.r2")) / 2 ))" \
  -v r100="$(( ($(val RATE "$T/b100.r1") + $(val RATE "$T/b100.r2")) / 2 ))" \
  -v p1="$(val P99 "$T/b1.h")" -v p100="$(val P99 "$T/b100.h")" -v c="$CONNS" 'BEGIN {
  printf "  ratio HTTP batches of 1 / raw one commit per row    : %6.2f  (target >= 3; raw mean %.0f)\n", h1 / r1, r1
  printf "  ratio HTTP batches of 100 / raw 100 rows per commit : %6.2f  (target >= 0.8; raw mean %.0f)\n", h100 / r100, r100
  printf "  p99 batches of 1: %.1f ms, of 100: %.1f ms  (target <= 50 ms, %d connections)\n", p1, p100, c
}'
