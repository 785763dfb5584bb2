#!/usr/bin/env bash
# apif_read.sh - suidod: AP-IF stored-data reads against static files of the same bytes from the
# same server, in one run: GET a month (31 JST days) of hourly aggregates of one point and GET its
# latest value as an application (bearer token), then the very bodies they answered served from
# web.root; req/s and each ratio (issue 15's targets: month >= 0.25, latest >= 0.9 of static).
# The point gets one sample every STEP_MIN minutes (default 60: the gateway's hourly data).
#   BIN=build/bin DUR=5 CONN=32 STEP_MIN=60 bash bench/apif_read.sh
set -u
ROOT=${SUIDO_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BIN=${BIN:-$ROOT/build/bin}
export BIN
. "$ROOT/tests/lib/harness.sh"
. "$ROOT/tests/lib/platform.sh"
DUR=${DUR:-5}
CONN=${CONN:-32}
STEP_MIN=${STEP_MIN:-60}
mkdir -p "$T/web"
start_suidod --set "web.root=$T/web" --set log.level=warn --set limits.tenant_rps=0
setup_tenants >/dev/null
approve_sheet "$A" a1 a2 >/dev/null
reg apps "$OV" "$A" "Bench app" >/dev/null; APP=$TOK
reg gateways "$OG" "$A" "Bench GW" >/dev/null; GW=$TOK

# October 2026 (JST), a tank level with two decimals as a terminal reports it
python3 - "$STEP_MIN" >"$T/month.samples" <<'PY'
import json, sys, datetime, random
step = int(sys.argv[1]); random.seed(15)
t0 = datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
n = 31 * 24 * 60 // step
out = [{"data_id": "gorin-l2.tank_level", "ts": (t0 + datetime.timedelta(minutes=i * step)).isoformat(),
        "value": round(3.0 + random.random() * 2.5, 2)} for i in range(n)]
for k in range(0, n, 5000):
    print(json.dumps({"samples": out[k:k + 5000]}))
PY
while IFS= read -r line; do
  bapi "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "$line"
  [ "$CODE" = 200 ] || { echo "upload failed: $CODE $BODY"; exit 1; }
done <"$T/month.samples"

P10=/apif/v1/points/gorin-l2.tank_level
MONTH="$P10/values?from=2026-10-01T00:00:00%2B09:00&to=2026-11-01T00:00:00%2B09:00&agg=hour"
bapi "$APP" GET "$MONTH"
[ "$CODE" = 200 ] || { echo "month read failed: $CODE $BODY"; exit 1; }
cp "$T/body" "$T/web/month.json"
bapi "$APP" GET "$P10/latest"
[ "$CODE" = 200 ] || { echo "latest failed: $CODE $BODY"; exit 1; }
cp "$T/body" "$T/web/latest.json"

rps() { awk '/Requests\/sec/ {r=$2} /Non-2xx/ {bad=1} END {print bad ? -1 : r}'; }
run() { wrk -t2 -c"$CONN" -d"${DUR}s" "$@" | rps; }
H="Authorization: Bearer $APP"
run -d1s -H "$H" "$U$MONTH" >/dev/null # warm-up
month=$(run -H "$H" "$U$MONTH")
smonth=$(run "$U/month.json")
latest=$(run -H "$H" "$U$P10/latest")
slatest=$(run "$U/latest.json")
printf 'samples every %s min; wrk -t2 -c%s -d%ss\n' "$STEP_MIN" "$CONN" "$DUR"
printf 'GET month of hourly aggregates (%6d B) %10.0f req/s\n' "$(stat -c %s "$T/web/month.json")" "$month"
printf 'static file of the same bytes            %10.0f req/s\n' "$smonth"
awk -v a="$month" -v s="$smonth" 'BEGIN { printf "ratio month/static                       %10.3f (target >= 0.25)\n", a / s }'
printf 'GET latest                   (%6d B) %10.0f req/s\n' "$(stat -c %s "$T/web/latest.json")" "$latest"
printf 'static file of the same bytes            %10.0f req/s\n' "$slatest"
awk -v a="$latest" -v s="$slatest" 'BEGIN { printf "ratio latest/static                      %10.3f (target >= 0.9)\n", a / s }'
