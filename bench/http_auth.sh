#!/usr/bin/env bash
# http_auth.sh - suidod: authenticated small GET (/api/v1/me with a session cookie: session,
# user and links looked up in the store on every request) against a static file from the same
# server, as req/s and their ratio; suidod's RSS idle and under load. wrk drives the load.
#   BIN=build/bin DUR=5 CONN=32 bash bench/http_auth.sh
set -eu
BIN=${BIN:-$PWD/build/bin}
DUR=${DUR:-5}
CONN=${CONN:-32}
T=$(mktemp -d "${TMPDIR:-/tmp}/suido-bench.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
mkdir -p "$T/web"
printf '{"ok":true,"what":"a small static file"}\n' >"$T/web/small.json"
"$BIN/suidod" --set "data.dir=$T/data" --set "web.root=$T/web" --set "http.listen=127.0.0.1:$PORT" \
  --set auth.password_cost=min --set log.level=warn --set limits.tenant_rps=0 >"$T/suidod.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q 'provisional password' "$T/suidod.log" && break; sleep 0.05; done
L=$(awk '/login id:/ {print $3}' "$T/suidod.log")
P=$(awk '/provisional password:/ {print $3}' "$T/suidod.log")
curl -s -c "$T/cj" -X POST "$BASE/api/v1/login" -H 'Content-Type: application/json' -d "{\"login\":\"$L\",\"password\":\"$P\"}" >/dev/null
curl -s -b "$T/cj" -X POST "$BASE/api/v1/me/password" -H 'Content-Type: application/json' \
  -d "{\"current_password\":\"$P\",\"new_password\":\"Bench-Nagare-2026!\",\"login\":\"bench\"}" >/dev/null
TOK=$(awk '$6 == "suido_session" {print $7}' "$T/cj")
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "suido_session=$TOK" "$BASE/api/v1/me")" = 200 ] ||
  { echo "login failed"; cat "$T/suidod.log"; exit 1; }

rss() { awk '/VmRSS/ {print $2}' "/proc/$PID/status"; }
peak=0
sample() { while kill -0 "$PID" 2>/dev/null; do r=$(rss); [ "$r" -gt "$peak" ] && peak=$r; echo "$peak" >"$T/peak"; sleep 0.2; done; }
rps() { awk '/Requests\/sec/ {print $2}'; }

idle=$(rss)
sample & SP=$!
auth=$(wrk -t2 -c"$CONN" -d"${DUR}s" -H "Cookie: suido_session=$TOK" "$BASE/api/v1/me" | rps)
static=$(wrk -t2 -c"$CONN" -d"${DUR}s" "$BASE/small.json" | rps)
kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null || true
loaded=$(cat "$T/peak")
printf 'authenticated GET /api/v1/me   %10.0f req/s\n' "$auth"
printf 'static GET /small.json         %10.0f req/s\n' "$static"
awk -v a="$auth" -v s="$static" 'BEGIN { printf "ratio authenticated/static     %10.2f\n", a / s }'
printf 'suidod RSS idle %d KiB, under load (peak) %d KiB\n' "$idle" "$loaded"
