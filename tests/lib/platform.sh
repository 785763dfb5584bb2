# platform.sh - what the platform integration tests share: a real suidod on port 0 (on
# PostgreSQL with SUIDO_PG=1 or SUIDO_STORE_URL), HTTP helpers keeping one cookie jar per user,
# and users created by the platform admin and past their first-login password change.
# Source after harness.sh; then start_suidod [extra suidod args...]; then login_admin.

ROOT=${SUIDO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SAMPLE="$ROOT/etc/sample-sheet.csv"

# start_suidod [args]: suidod on port 0; sets P (the port it reports) and U. With SUIDOD_PORT=pick
# it gets a pre-picked port instead (free_port, retried on a collision), for a test that will
# restart it on the same port after its clients were told the URL.
start_suidod() {
  local store=()
  if [ "${SUIDO_PG:-}" = 1 ]; then start_postgres; SUIDO_STORE_URL=$PG_URL; fi
  [ -n "${SUIDO_STORE_URL:-}" ] && store=(--set "store.url=$SUIDO_STORE_URL")
  if [ "${SUIDOD_PORT:-}" = pick ]; then
    start_listener suidod P "$BIN/suidod" --set "data.dir=$T/data" \
      --set "http.listen=127.0.0.1:@PORT@" --set auth.password_cost=min "${store[@]}" "$@"
    wait_line "$T/suidod.log" "ready on"
  else
    spawn suidod "$BIN/suidod" --set "data.dir=$T/data" --set "http.listen=127.0.0.1:0" \
      --set auth.password_cost=min "${store[@]}" "$@"
    P=$(suidod_port "$T/suidod.log")
  fi
  U="http://127.0.0.1:$P"
}

j() { printf '%s' "$BODY" | jq -r "$1"; }
jid() { j .id; } # not "id": that would shadow id(1)
# api WHO METHOD PATH [curl args]: as user WHO (cookie jar); sets BODY and CODE.
api() {
  local who=$1 m=$2 p=$3; shift 3
  CODE=$(curl -s -o "$T/body" -w '%{http_code}' -b "$T/$who.jar" -c "$T/$who.jar" -X "$m" \
    "$U$p" "$@")
  BODY=$(cat "$T/body")
}
jpost() { api "$1" POST "$2" -H 'Content-Type: application/json' -d "$3"; }
# bapi TOKEN METHOD PATH [curl args]: the same with a bearer token ("-" = none).
bapi() {
  local tok=$1 m=$2 p=$3; shift 3
  local a=(-s -o "$T/body" -w '%{http_code}' -X "$m")
  [ "$tok" != - ] && a+=(-H "Authorization: Bearer $tok")
  CODE=$(curl "${a[@]}" "$U$p" "$@"); BODY=$(cat "$T/body")
}
expect_code() { expect_eq "$1 (body: $BODY)" "$CODE" "$2"; }
# openapi_ok WHAT METHOD PATH: the last answer ($CODE, $T/body) matches its schema in
# docs/openapi.yaml (tests/lib/openapi_check.mjs; needs `npm ci`)
openapi_ok() {
  checks=$((checks + 1))
  node "$ROOT/tests/lib/openapi_check.mjs" "$2" "$3" "$CODE" "$T/body" >/dev/null 2>"$T/openapi.err" ||
    fail "$1: not as docs/openapi.yaml says: $(cat "$T/openapi.err")"
}

# login WHO LOGIN PASSWORD: log in and replace the provisional password.
N=0
login() {
  N=$((N + 1))
  jpost "$1" /api/v1/login "{\"login\":\"$2\",\"password\":\"$3\"}"
  expect_code "login $1" 200
  jpost "$1" /api/v1/me/password \
    "{\"current_password\":\"$3\",\"new_password\":\"kuma-Tsuru-Gorin-84$N-zq\"}"
  expect_code "password of $1" 200
}
# user WHO ORG ROLE: created by the platform admin, then logged in as WHO.
user() {
  jpost admin /api/v1/users "{\"org_id\":$2,\"role\":\"$3\",\"email\":\"$1@example.jp\"}"
  expect_code "create $1" 201
  login "$1" "$(j .user.login)" "$(j .provisional_password)"
}
# The bootstrap platform admin suidod printed at its first start, as user "admin".
login_admin() {
  login admin "$(awk '/login id:/{print $3}' "$T/suidod.log")" \
    "$(awk '/provisional password:/{print $3}' "$T/suidod.log")"
}
