# platform.sh - what the platform integration tests share: a real suidod on port 0 (on
# PostgreSQL with SUIDO_PG=1 or SUIDO_STORE_URL), HTTP helpers keeping one cookie jar per user,
# and users created by the platform admin and past their first-login password change.
# Source after harness.sh; then start_suidod [extra suidod args...]; then login_admin, or the
# usual set-up below (setup_tenants, approve_sheet, reg; start_managed_broker for GW-IF over MQTT).

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
# user WHO ORG ROLE: created by the platform admin (who may take the provisional password in the
# answer: "deliver":"reply"), then logged in as WHO.
user() {
  jpost admin /api/v1/users \
    "{\"org_id\":$2,\"role\":\"$3\",\"email\":\"$1@example.jp\",\"deliver\":\"reply\"}"
  expect_code "create $1" 201
  login "$1" "$(j .user.login)" "$(j .provisional_password)"
}
# mail_credentials RCPT [SECONDS]: the provisional credentials mailed to RCPT (start_smtp's
# Maildir; suidod with notify.smtp_url), waited for; sets MAIL_LOGIN, MAIL_PW, MAIL_SUBJECT and
# MAIL_TEXT (the decoded body); the message is removed, so the next call waits for a new one.
mail_credentials() {
  local i=0 out
  until out=$("${SMTP_PY:-python3}" - "$T/mail" "$1" 2>/dev/null <<'PY'
import mailbox, re, sys
from email.header import decode_header, make_header
box = mailbox.Maildir(sys.argv[1], create=False)
for key, m in box.items():
    if m["X-RcptTo"] != sys.argv[2]:
        continue
    text = m.get_payload(decode=True).decode("utf-8")
    lg = re.search(r"^Login ID: (\S+)$", text, re.M)
    pw = re.search(r"^Provisional password: (\S+)$", text, re.M)
    if not lg or not pw:
        continue
    open(sys.argv[1] + "/last.txt", "w").write(text)
    print(lg.group(1), pw.group(1), str(make_header(decode_header(m["Subject"]))))
    box.remove(key)
    sys.exit(0)
sys.exit(1)
PY
  ); do
    i=$((i + 1)); [ "$i" -le $((${2:-10} * 10)) ] || fail "no credentials mailed to $1"
    sleep 0.1
  done
  read -r MAIL_LOGIN MAIL_PW MAIL_SUBJECT <<<"$out"
  MAIL_TEXT=$(cat "$T/mail/last.txt")
}
# admin_credentials: the bootstrap admin suidod printed first; sets ADMIN_LOGIN, ADMIN_PW.
# (printed by the first start: $T/suidod.first.log when start_managed_broker ran one before)
admin_credentials() {
  local f=$T/suidod.log
  [ -f "$T/suidod.first.log" ] && f=$T/suidod.first.log
  wait_line "$f" 'provisional password'
  ADMIN_LOGIN=$(awk '/login id:/ {print $3}' "$f")
  ADMIN_PW=$(awk '/provisional password:/ {print $3}' "$f")
}
# totp_enrol WHO: enrol a one-time password for WHO (oathtool makes the code); secret in TOTP.
totp_enrol() {
  jpost "$1" /api/v1/me/totp '{}'
  expect_code "TOTP enrolment of $1" 200
  TOTP=$(j .secret)
  jpost "$1" /api/v1/me/totp/confirm "{\"code\":\"$(oathtool --totp -b "$TOTP")\"}"
  expect_code "TOTP confirmation of $1" 200
}
# otp SECRET: a code for the next 30 s step, which a login accepts even right after the current
# step was used (by an enrolment or the previous login).
otp() { oathtool --totp -b -N 'now + 30 seconds' "$1"; }
# The bootstrap platform admin, as user "admin": platform admins must use one-time passwords,
# so it enrols one (secret in ADMIN_TOTP; log in again with "otp":"$(otp "$ADMIN_TOTP")").
login_admin() {
  ADMIN_IN=1
  admin_credentials
  login admin "$ADMIN_LOGIN" "$ADMIN_PW"
  totp_enrol admin
  ADMIN_TOTP=$TOTP
}

# suidoctl_home: a private HOME, where suidoctl keeps its session ($HOME/.config/suido).
suidoctl_home() { export HOME="$T/home"; mkdir -p "$HOME"; }

# ---- the usual set-up: tenants, vendors, operator admins, the master, registrations -----------
# With OPENAPI_CHECKS=1 these helpers also check the answers against docs/openapi.yaml.
setup_check() { [ -z "${OPENAPI_CHECKS:-}" ] || openapi_ok "$@"; }

# link_orgs "ORG TENANT"...: the admin lets each vendor org serve a tenant.
link_orgs() {
  local o
  for o in "$@"; do
    set -- $o; api admin PUT "/api/v1/orgs/$1/tenants/$2"; expect_code "link $o" 200
    setup_check "link $o" PUT "/api/v1/orgs/$1/tenants/$2"
  done
}

# setup_tenants [otaru]: tenant A (org OA, admins a1 a2), vendors V (OV, OG serving A)[, B (OB)].
setup_tenants() {
  local ta=${TENANT_NAME:-sapporo} oa=${ORG_NAME:-Sapporo} # names of A and OA
  [ -n "${ADMIN_IN:-}" ] || login_admin
  jpost admin /api/v1/tenants "{\"name\":\"$ta\",\"kind\":\"dedicated_operator\"}"; A=$(jid)
  setup_check "create tenant" POST /api/v1/tenants
  if [ "${1:-}" = otaru ]; then
    jpost admin /api/v1/tenants '{"name":"otaru","kind":"dedicated_operator"}'; B=$(jid)
  fi
  jpost admin /api/v1/tenants '{"name":"vendors","kind":"vendor"}'; V=$(jid)
  jpost admin /api/v1/orgs "{\"tenant_id\":$A,\"kind\":\"operator\",\"name\":\"$oa\"}"; OA=$(jid)
  setup_check "create org" POST /api/v1/orgs
  if [ "${1:-}" = otaru ]; then
    jpost admin /api/v1/orgs "{\"tenant_id\":$B,\"kind\":\"operator\",\"name\":\"Otaru\"}"
    OB=$(jid)
  fi
  jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"ap_vendor\",\"name\":\"AP\"}"; OV=$(jid)
  jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"gw_vendor\",\"name\":\"GW\"}"; OG=$(jid)
  link_orgs "$OV $A" "$OG $A"
  user a1 "$OA" operator_admin
  user a2 "$OA" operator_admin
}

# approve_sheet TENANT SUBMITTER APPROVER [FILE]: a master (default the sample) submitted, approved.
approve_sheet() {
  local f=${4:-$SAMPLE} n s
  n=$(basename "$f")
  api "$2" POST "/api/v1/tenants/$1/sheets" -H 'Content-Type: text/csv' --data-binary "@$f"
  expect_code "submit $n" 201
  setup_check "submit $n" POST "/api/v1/tenants/$1/sheets"
  s=$(jid)
  api "$3" POST "/api/v1/tenants/$1/sheets/$s/approve"
  expect_code "approve $n" 200
  setup_check "approve $n" POST "/api/v1/tenants/$1/sheets/$s/approve"
}

# register KIND(apps|gateways) ORG TENANT NAME: registered by the admin; sets CID, CS, RID.
register() {
  jpost admin "/api/v1/$1" "{\"org_id\":$2,\"tenant_id\":$3,\"name\":\"$4\"}"
  expect_code "register $4" 201
  setup_check "register $4" POST "/api/v1/$1"
  CID=$(j .client_id); CS=$(j .client_secret); RID=$(j '(.gw // .app).id')
}

# client_connect NAME [CLIENT_ID SECRET]: AP-IF connect (default $CID $CS); bearer token in TOK.
client_connect() {
  bapi - POST /apif/v1/connect -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"${2:-$CID}\",\"client_secret\":\"${3:-$CS}\"}"
  expect_code "connect $1" 200
  setup_check "connect $1" POST /apif/v1/connect
  TOK=$(j .access_token)
}

# reg KIND ORG TENANT NAME: register, then connect; sets TOK, CID, CS, RID.
reg() { register "$@"; client_connect "$4"; }

# gw_mqtt_account NAME: the broker account of the gateway with token $TOK; sets MQTT_USER, MQTT_PW.
gw_mqtt_account() {
  bapi "$TOK" GET /gwif/v1/mqtt
  expect_code "broker credentials of $1" 200
  MQTT_USER=$(j .username); MQTT_PW=$(j .password)
}

# ---- GW-IF over MQTT: a mosquitto whose accounts suidod writes (docs/mqtt.md) -----------------
# start_managed_broker [CONF LINE...]: mosquitto on the files suidod writes (passwd, acl, and
# conf.d/suidod.conf through include_dir); sets SUIDOD_MQTT and MQTT_CLI (the host, port and, over
# TLS, CA arguments of mosquitto_pub/sub/rr) too. MQTT_TLS=1: the listener speaks only TLS, with
# the certificate suidod issues from the platform CA (mqtt.broker_tls), and suidod connects with
# mqtts://; a first suidod run issues it, as the broker needs it to start.
start_managed_broker() {
  # suidod writes the broker's passwd and acl private to its user (umask 077), so the managed
  # broker runs as that same user: mosquitto started as root would drop to its own user and be
  # unable to read them, unless told to stay root ("user root")
  BROKER="$T/broker"
  mkdir -p "$BROKER/conf.d"
  local as=()
  [ "$(id -u)" = 0 ] && as=("user root")
  : >"$BROKER/passwd"; : >"$BROKER/acl"
  local tls=() scheme=mqtt
  SUIDOD_MQTT_TLS=()
  if [ "${MQTT_TLS:-}" = 1 ]; then
    SUIDOD_MQTT_TLS=(--set mqtt.broker_tls=true)
    start_suidod --set "mqtt.broker_dir=$BROKER" "${SUIDOD_MQTT_TLS[@]}"
    [ -s "$BROKER/tls/broker.crt" ] || fail "suidod issued no broker certificate"
    kill "$LAST_PID"; wait "$LAST_PID" || fail "suidod (certificate run) exit status $?"
    mv "$T/suidod.log" "$T/suidod.first.log"
    tls=("certfile $BROKER/tls/broker.crt" "keyfile $BROKER/tls/broker.key")
    scheme=mqtts
  fi
  start_mosquitto < <(printf '%s\n' "${tls[@]}" "allow_anonymous false" \
    "password_file $BROKER/passwd" "acl_file $BROKER/acl" "pid_file $BROKER/mosquitto.pid" \
    "${as[@]}" "$@" "include_dir $BROKER/conf.d")
  MOSQ_PID=$LAST_PID
  cp "$T/mosquitto.conf" "$T/mosquitto.conf.keep"
  SUIDOD_MQTT=(--set "mqtt.url=$scheme://127.0.0.1:$MQTT_PORT" --set "mqtt.broker_dir=$BROKER"
    --set "mqtt.broker_pid_file=$BROKER/mosquitto.pid" --set mqtt.sync_interval=1s
    "${SUIDOD_MQTT_TLS[@]}")
  MQTT_CLI=(-h 127.0.0.1 -p "$MQTT_PORT")
  [ "$scheme" = mqtts ] && MQTT_CLI+=(--cafile "$BROKER/tls/ca.crt")
  MQTT_URL=$scheme://127.0.0.1:$MQTT_PORT
}

# restart_broker [SECONDS]: stop mosquitto (SIGTERM), start it again on the same port and files.
restart_broker() {
  kill "$MOSQ_PID"; wait "$MOSQ_PID" 2>/dev/null || true
  sleep "${1:-1}"
  cp "$T/mosquitto.conf.keep" "$T/mosquitto.conf"
  spawn mosquitto2 mosquitto -c "$T/mosquitto.conf"
  MOSQ_PID=$LAST_PID
  wait_port "$MQTT_PORT"
}

# start_suidod_mqtt [args]: start_suidod on the managed broker, until connected; sets SUIDOD_PID.
start_suidod_mqtt() {
  start_suidod "${SUIDOD_MQTT[@]}" "$@"
  SUIDOD_PID=$LAST_PID
  wait_line "$T/suidod.log" "mqtt: connected to the broker" 15
}
