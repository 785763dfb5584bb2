#!/usr/bin/env bash
# platform_accounts.sh - suidod's accounts end to end: bootstrap, provisional id and password,
# first-login change, TOTP (checked by the independent oathtool), replay, lockout, session expiry,
# the role x endpoint matrix across two operator tenants (404 across tenants), AP-IF connect.
# SUIDO_STORE_URL=postgresql://... runs the same against PostgreSQL (or SUIDO_PG=1 to start one).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
suidoctl_home
LOCKOUT=(--set auth.lockout_threshold=3 --set auth.lockout_base=2s)
start_smtp # provisional credentials go to the user's address
start_suidod "${LOCKOUT[@]}" --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" \
  --set notify.from=suido@pf.test --set notify.digest=off
BASE=$U
admin_credentials
expect_match "provisional id" "$ADMIN_LOGIN" '^tmp-[0-9a-f]{10}$'
expect_match "provisional password" "$ADMIN_PW" '^sdp_'

# req JAR METHOD PATH [JSON]: sets ST and BODY; JAR is a curl cookie file ("-" = none).
req() {
  local jar=$1 m=$2 p=$3 d=${4:-}
  local a=(-s -o "$T/body" -w '%{http_code}' -X "$m" -H 'Content-Type: application/json')
  [ "$jar" != - ] && a+=(-b "$jar" -c "$jar")
  [ -n "$d" ] && a+=(--data "$d")
  ST=$(curl "${a[@]}" "$BASE$p"); BODY=$(cat "$T/body")
}
# breq TOKEN METHOD PATH [JSON]: the same with a bearer token.
breq() {
  local a=(-s -o "$T/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1"
           -H 'Content-Type: application/json')
  [ -n "${4:-}" ] && a+=(--data "$4")
  ST=$(curl "${a[@]}" "$BASE$3"); BODY=$(cat "$T/body")
}
ctl() { "$BIN/suidoctl" --server "$BASE" "$@"; }

# ---- the API describes itself: docs/openapi.yaml, embedded, public ---------------------------
req - GET /api/v1/openapi.yaml
expect_eq "openapi served" "$ST" 200
cmp -s "$T/body" "$SUIDO_ROOT/docs/openapi.yaml" || fail "served openapi.yaml differs from docs/"
checks=$((checks + 1))

# ---- bootstrap admin: provisional login, first-login password change ---------------------
expect_fail "wrong password" sh -c "echo wrong | '$BIN/suidoctl' --server $BASE login $ADMIN_LOGIN --password-stdin"
echo "$ADMIN_PW" | ctl login "$ADMIN_LOGIN" --password-stdin >"$T/out" 2>&1
expect_match "first login says change" "$(cat "$T/out")" 'password change required'
expect_eq "session file mode" "$(stat -c %a "$HOME/.config/suido/session")" 600
expect_fail "provisional may not list tenants" ctl tenant list
expect_match "password_change_required code" "$(cat "$T/expect_fail.out")" password_change_required
expect_fail "weak password refused" sh -c "printf '%s\nshort\n' '$ADMIN_PW' | '$BIN/suidoctl' --server $BASE passwd --password-stdin --login root"
printf '%s\n%s\n' "$ADMIN_PW" 'Kawa-Nagare-2026!' | ctl passwd --password-stdin --login root >/dev/null
echo 'Kawa-Nagare-2026!' | ctl login root --password-stdin >/dev/null
expect_eq "whoami" "$(ctl whoami | jq -r .user.login)" root
expect_eq "whoami role" "$(ctl whoami | jq -r .user.role)" platform_admin
expect_fail "old provisional password gone" sh -c "echo '$ADMIN_PW' | '$BIN/suidoctl' --server $BASE login root --password-stdin"
echo 'Kawa-Nagare-2026!' | ctl login root --password-stdin >/dev/null

# ---- TOTP: enrol, confirm with oathtool, wrong and replayed codes refused --------------------
# a platform admin must enrol before anything else (a password alone held every tenant)
expect_eq "platform admin must enrol" "$(ctl whoami | jq -r .totp_enrolment_required)" true
expect_fail "nothing before enrolment" ctl tenant list
expect_match "says why" "$(cat "$T/expect_fail.out")" "enrolment required"
SECRET=$(ctl totp enrol | jq -r .secret)
expect_match "base32 secret" "$SECRET" '^[A-Z2-7]{32}$'
expect_fail "wrong confirm code" ctl totp confirm 000000
CODE=$(oathtool --totp -b "$SECRET")
ctl totp confirm "$CODE" >/dev/null
req - POST /api/v1/login '{"login":"root","password":"Kawa-Nagare-2026!"}'
expect_eq "login without code" "$ST $(j .error.code)" "401 otp_required"
req - POST /api/v1/login "{\"login\":\"root\",\"password\":\"Kawa-Nagare-2026!\",\"otp\":\"$CODE\"}"
expect_eq "confirm code replayed at login" "$ST" 401
NEXT=$(oathtool --totp -b -N "now + 30 seconds" "$SECRET")
expect_fail "wrong code at login" sh -c "echo 'Kawa-Nagare-2026!' | '$BIN/suidoctl' --server $BASE login root --password-stdin --otp 123456"
echo 'Kawa-Nagare-2026!' | ctl login root --password-stdin --otp "$NEXT" >/dev/null
expect_eq "logged in with TOTP" "$(ctl whoami | jq -r .user.totp_enabled)" true
req - POST /api/v1/login "{\"login\":\"root\",\"password\":\"Kawa-Nagare-2026!\",\"otp\":\"$NEXT\"}"
expect_eq "login code replayed" "$ST" 401
ROOT_ID=$(ctl whoami | jq .user.id)
expect_fail "platform admins cannot drop TOTP" ctl user otp-require "$ROOT_ID" off
expect_match "says why" "$(cat "$T/expect_fail.out")" "always use one-time passwords"

# ---- tenants, organisations, links ------------------------------------------------------------
TA=$(ctl tenant create "Sapporo water" shared_operator | jq .id)
TB=$(ctl tenant create "Otaru water" dedicated_operator | jq .id)
TV=$(ctl tenant create "AP vendor K.K." vendor | jq .id)
TG=$(ctl tenant create "GW vendor K.K." vendor | jq .id)
expect_fail "duplicate tenant" ctl tenant create "Sapporo water" shared_operator
expect_fail "common kind refused" ctl tenant create "second common" common
OA=$(ctl org create "$TA" operator "Sapporo City Waterworks" | jq .id)
OB=$(ctl org create "$TB" operator "Otaru City Waterworks" | jq .id)
OV=$(ctl org create "$TV" ap_vendor "AP vendor" | jq .id)
OG=$(ctl org create "$TG" gw_vendor "GW vendor" | jq .id)
expect_fail "operator org in a vendor tenant" ctl org create "$TV" operator "misplaced"
ctl org link "$OV" "$TA" >/dev/null
ctl org link "$OG" "$TA" >/dev/null
expect_fail "operator cannot be linked" ctl org link "$OA" "$TB"
expect_eq "vendor serves A" "$(ctl org show "$OV" | jq -c .serves)" "[$TA]"

# mkuser JARNAME CREATOR_JAR ORG ROLE EMAIL LOGIN: issue, first login, change, log in again.
PW2='Mizu-no-Kuni-2026?'
mkuser() {
  local jar="$T/$1.jar" creator=$2 org=$3 role=$4 email=$5 login=$6
  : >"$jar"
  local tmp pw id
  if [ "$creator" = admin ]; then # the platform admin may take it in the answer (--reply)
    ctl user create "$org" "$role" "$email" --reply >"$T/u.json"; BODY=$(cat "$T/u.json")
    tmp=$(j .user.login); pw=$(j .provisional_password); id=$(j .user.id)
  else # a tenant's admin never sees it: it is mailed to the user
    req "$creator" POST /api/v1/users "{\"org_id\":$org,\"role\":\"$role\",\"email\":\"$email\"}"
    expect_eq "create $login" "$ST $(j .delivered) $(j 'has("provisional_password")')" "201 mail false"
    id=$(j .user.id)
    mail_credentials "$email"
    tmp=$MAIL_LOGIN; pw=$MAIL_PW
    expect_eq "$login: the mailed login id is the user's" "$tmp" "$(j .user.login)"
  fi
  req "$jar" POST /api/v1/login "{\"login\":\"$tmp\",\"password\":\"$pw\"}"
  expect_eq "$login first login" "$ST $(j .password_change_required)" "200 true"
  req "$jar" POST /api/v1/me/password "{\"current_password\":\"$pw\",\"new_password\":\"$PW2\",\"login\":\"$login\"}"
  expect_eq "$login password change" "$ST" 200
  req "$jar" POST /api/v1/login "{\"login\":\"$login\",\"password\":\"$PW2\"}"
  expect_eq "$login login" "$ST $(j .password_change_required)" "200 false"
  eval "ID_$1=$id"
}
mkuser adminA admin "$OA" operator_admin a-admin@sapporo.example adminA
mkuser adminB admin "$OB" operator_admin b-admin@otaru.example adminB
mkuser genA "$T/adminA.jar" "$OA" operator_general a-staff@sapporo.example genA
mkuser genB "$T/adminB.jar" "$OB" operator_general b-staff@otaru.example genB
mkuser apv admin "$OV" apvendor_admin ap@vendor.example apv
mkuser gwv admin "$OG" gwvendor_admin gw@vendor.example gwv
# login ids are one id in any case ("OAA" could be created beside "oaA")
req - POST /api/v1/login "{\"login\":\"ADMINa\",\"password\":\"$PW2\"}"
expect_eq "login id in another case" "$ST $(j .user.login)" "200 adminA"

# ---- registrations ---------------------------------------------------------------------------
ctl app create "$OV" "$TA" "Leak detection" >"$T/app.json"
APP=$(jq .app.id "$T/app.json"); CID=$(jq -r .client_id "$T/app.json"); CS=$(jq -r .client_secret "$T/app.json")
expect_match "client secret shown once" "$CS" '^sdc_'
expect_eq "secret not in show" "$(ctl app show "$APP" | jq 'has("client_secret")')" false
expect_fail "vendor does not serve B" ctl app create "$OV" "$TB" "Not linked"
ctl gw create "$OG" "$TA" "Sapporo GW 1" >"$T/gw.json"
GW=$(jq .gw.id "$T/gw.json"); GCID=$(jq -r .client_id "$T/gw.json"); GCS=$(jq -r .client_secret "$T/gw.json")
# an app in tenant B for the cross-tenant checks
OV2=$(ctl org create "$TV" ap_vendor "AP vendor 2" | jq .id)
ctl org link "$OV2" "$TB" >/dev/null
APPB=$(ctl app create "$OV2" "$TB" "Otaru app" | jq .app.id)

# ---- the matrix: who may, who may not; other tenants' objects are 404 ---------------------------
A="$T/adminA.jar"; B="$T/adminB.jar"; G="$T/genA.jar"; V="$T/apv.jar"; W="$T/gwv.jar"
check() { # JAR METHOD PATH WANT [JSON]
  req "$1" "$2" "$3" "${5:-}"; expect_eq "$(basename "$1" .jar) $2 $3" "$ST" "$4"
}
check - GET /api/v1/users 401
check "$A" GET /api/v1/users 200
expect_eq "adminA sees only tenant A users" "$(j '[.items[].tenant_id] | unique | join(",")')" "$TA"
check "$A" GET "/api/v1/users/$ID_genA" 200
check "$A" GET "/api/v1/users/$ID_genB" 404
check "$A" GET "/api/v1/users/$ID_adminB" 404
check "$A" PATCH "/api/v1/users/$ID_genB" 404 '{"disabled":true}'
check "$A" POST "/api/v1/users/$ID_genB/reset" 404
check "$A" GET /api/v1/users/999999 404
check "$A" POST /api/v1/users 400 "{\"org_id\":$OB,\"role\":\"operator_general\",\"email\":\"x@y.example\"}"
check "$A" POST /api/v1/users 400 "{\"org_id\":$OA,\"role\":\"platform_admin\",\"email\":\"x@y.example\"}"
check "$A" GET "/api/v1/tenants/$TA" 200
check "$A" GET "/api/v1/tenants/$TB" 404
check "$A" POST /api/v1/tenants 403 '{"name":"x","kind":"vendor"}'
check "$A" GET "/api/v1/orgs/$OB" 404
check "$A" GET "/api/v1/apps/$APP" 200
check "$A" GET "/api/v1/apps/$APPB" 404
check "$A" PATCH "/api/v1/apps/$APP" 403 '{"enabled":false}'
check "$A" GET "/api/v1/gateways/$GW" 200
# renaming tenants and organisations: platform admin only, name validated, audited
# root's suidoctl session (it has TOTP by now, and codes cannot be replayed) as a curl jar
R="$T/root.jar"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tsuido_session\t%s\n' \
  "$(awk '/^session /{print $2}' "$HOME/.config/suido/session")" >"$R"
check "$R" PATCH "/api/v1/tenants/$TB" 200 '{"name":"Otaru City Waterworks Bureau"}'
expect_eq "tenant renamed" "$(j .name)" "Otaru City Waterworks Bureau"
check "$R" PATCH "/api/v1/tenants/$TB" 400 '{"name":"bad\u0007name"}'
check "$R" PATCH "/api/v1/tenants/$TB" 400 '{"name":"x","kind":"vendor"}'
check "$A" PATCH "/api/v1/tenants/$TA" 403 '{"name":"mine now"}'
check "$R" PATCH "/api/v1/orgs/$OA" 200 '{"name":"札幌市水道局"}'
expect_eq "org renamed" "$(j .name)" "札幌市水道局"
check "$R" GET "/api/v1/audit?action=tenant.update" 200
expect_match "rename audited" "$(j "[.items[].action] | join(\",\")")" "tenant.update"
check "$A" GET /api/v1/audit 200
expect_eq "adminA audit only tenant A" "$(j '[.items[].tenant_id] | unique | join(",")')" "$TA"
check "$B" GET "/api/v1/users/$ID_genA" 404
check "$B" GET "/api/v1/apps/$APP" 404
check "$B" GET "/api/v1/gateways/$GW" 404
check "$B" GET /api/v1/apps 200
expect_eq "adminB sees only B's apps" "$(j '[.items[].id] | join(",")')" "$APPB"
check "$G" GET /api/v1/users 403
check "$G" GET "/api/v1/users/$ID_genA" 403
check "$G" GET /api/v1/me 200
check "$G" GET "/api/v1/apps/$APP" 200
check "$G" GET /api/v1/audit 403
check "$G" PATCH "/api/v1/users/$ID_genA" 403 '{"role":"operator_admin"}'
check "$V" GET "/api/v1/apps/$APP" 200
check "$V" GET "/api/v1/apps/$APPB" 404
check "$V" GET "/api/v1/tenants/$TA" 200
check "$V" GET "/api/v1/tenants/$TB" 404
check "$V" GET /api/v1/gateways 403
check "$V" GET "/api/v1/users/$ID_genA" 404
check "$W" GET "/api/v1/gateways/$GW" 200
check "$W" GET "/api/v1/apps/$APP" 404
check "$V" POST /api/v1/users 201 "{\"org_id\":$OV,\"role\":\"apvendor_general\",\"email\":\"ap2@vendor.example\"}"
check "$V" POST /api/v1/users 400 "{\"org_id\":$OV,\"role\":\"operator_admin\",\"email\":\"ap3@vendor.example\"}"
expect_eq "admin sees every tenant" "$(ctl tenant list | jq '.items | length')" 5
expect_eq "admin role change" "$(ctl user role "$ID_genA" operator_admin | jq -r .role)" operator_admin
ctl user role "$ID_genA" operator_general >/dev/null

# ---- per-user TOTP enforcement --------------------------------------------------------------
ctl user otp-require "$ID_genA" on >/dev/null
check "$A" PATCH "/api/v1/users/$ID_genA" 403 '{"totp_required":false}'
req "$G" POST /api/v1/login "{\"login\":\"genA\",\"password\":\"$PW2\"}"
expect_eq "enrolment required" "$ST $(j .totp_enrolment_required)" "200 true"
check "$G" GET "/api/v1/apps/$APP" 403
req "$G" POST /api/v1/me/totp; GSEC=$(j .secret)
expect_match "otpauth uri" "$(j .uri)" '^otpauth://totp/suido:genA\?secret='
req "$G" POST /api/v1/me/totp/confirm "{\"code\":\"$(oathtool --totp -b "$GSEC")\"}"
expect_eq "genA TOTP on" "$ST" 200
req "$G" POST /api/v1/login "{\"login\":\"genA\",\"password\":\"$PW2\",\"otp\":\"$(oathtool --totp -b -N 'now + 30 seconds' "$GSEC")\"}"
expect_eq "genA login with TOTP" "$ST" 200
check "$G" GET "/api/v1/apps/$APP" 200

# ---- lockout with back-off (threshold 3, 2 s) -------------------------------------------------
for i in 1 2 3; do
  req - POST /api/v1/login '{"login":"genB","password":"not-the-password"}'
  expect_eq "genB wrong password $i" "$ST" 401
done
req - POST /api/v1/login "{\"login\":\"genB\",\"password\":\"$PW2\"}"
expect_eq "locked even with the right password" "$ST $(j .error.code)" "423 locked"
sleep 2.2
req - POST /api/v1/login "{\"login\":\"genB\",\"password\":\"$PW2\"}"
expect_eq "unlocked after back-off" "$ST" 200
req - POST /api/v1/login '{"login":"genB","password":"not-the-password"}'
expect_eq "one failure after success does not lock" "$ST" 401
req - POST /api/v1/login '{"login":"nobody","password":"x"}'
expect_eq "unknown login" "$ST" 401

# ---- disable, reset -----------------------------------------------------------------------------
ctl user disable "$ID_genB" >/dev/null
check "$T/genB.jar" GET /api/v1/me 401
req - POST /api/v1/login "{\"login\":\"genB\",\"password\":\"$PW2\"}"
expect_eq "disabled user refused" "$ST" 401
ctl user enable "$ID_genB" >/dev/null
expect_eq "reset mailed" "$(ctl user reset "$ID_genB" | jq -r '.delivered, has("provisional_password")' | xargs)" "mail false"
mail_credentials b-staff@otaru.example
NEWPW=$MAIL_PW
expect_match "reset mail in Japanese first" "$MAIL_SUBJECT" '^\[suido\] パスワード再設定'
req "$T/adminB.jar" POST "/api/v1/users/$ID_genB/reset" '{"deliver":"reply"}'
expect_eq "tenant admins may not take a password in the answer" "$ST $(j .error.field)" "403 deliver"
req "$T/adminA.jar" POST "/api/v1/users/$ID_genB/reset"
expect_eq "another tenant's user cannot be reset" "$ST" 404
req - POST /api/v1/login "{\"login\":\"genB\",\"password\":\"$PW2\"}"
expect_eq "old password after reset" "$ST" 401
req "$T/genB.jar" POST /api/v1/login "{\"login\":\"genB\",\"password\":\"$NEWPW\"}"
expect_eq "reset gives provisional" "$ST $(j .password_change_required)" "200 true"

# ---- AP-IF connect / disconnect; disabled and expired credentials refused at once ---------------
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
expect_eq "connect" "$ST $(j .token_type)" "200 Bearer"
TOK=$(j .access_token)
expect_match "bearer token" "$TOK" '^sdt_'
breq "$TOK" GET /apif/v1/me; expect_eq "app me" "$ST $(j .client_id)" "200 $CID"
breq "$TOK" GET "/api/v1/apps/$APPB"; expect_eq "app sees not other tenant's app" "$ST" 404
breq "$TOK" GET /api/v1/users; expect_eq "app may not list users" "$ST" 403
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"sdc_wrong\"}"
expect_eq "wrong secret" "$ST" 401
SESSION_TOK=$(awk '/^session/ {print $2}' "$HOME/.config/suido/session")
breq "$SESSION_TOK" GET /api/v1/me; expect_eq "session token is no bearer token" "$ST" 401
ctl app disable "$APP" >/dev/null
breq "$TOK" GET /apif/v1/me; expect_eq "disabled app refused at once" "$ST" 401
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
expect_eq "disabled app cannot connect" "$ST" 401
ctl app enable "$APP" >/dev/null
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
TOK=$(j .access_token)
breq "$TOK" GET /apif/v1/me; expect_eq "re-enabled app" "$ST" 200
breq "$TOK" POST /apif/v1/disconnect; expect_eq "disconnect" "$ST" 204
breq "$TOK" GET /apif/v1/me; expect_eq "token revoked" "$ST" 401
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
TOK=$(j .access_token)
ctl api PATCH "/api/v1/apps/$APP" "{\"expires_at\":$(( $(date +%s) * 1000 - 1000 ))}" >/dev/null
breq "$TOK" GET /apif/v1/me; expect_eq "expired registration refused at once" "$ST" 401
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
expect_eq "expired registration cannot connect" "$ST $(j .error.code)" "401 expired"
NEWCS=$(ctl app rotate "$APP" | jq -r .client_secret)
ctl api PATCH "/api/v1/apps/$APP" '{"expires_at":0}' >/dev/null
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$CS\"}"
expect_eq "old secret after rotation" "$ST" 401
req - POST /apif/v1/connect "{\"client_id\":\"$CID\",\"client_secret\":\"$NEWCS\"}"
expect_eq "new secret" "$ST" 200
req - POST /apif/v1/connect "{\"client_id\":\"$GCID\",\"client_secret\":\"$GCS\"}"
GTOK=$(j .access_token)
breq "$GTOK" GET /apif/v1/me; expect_eq "gateway me" "$ST $(j .kind)" "200 gateway"

# ---- audit ----------------------------------------------------------------------------------------
AUD=$(ctl audit 1000)
for a in user.bootstrap login.ok login.fail login.locked user.password user.totp_on tenant.create \
         org.link user.create user.update user.reset app.register app.disable client.connect \
         client.connect_fail client.disconnect app.rotate; do
  expect_eq "audited $a" "$(printf '%s' "$AUD" | jq --arg a "$a" '[.items[] | select(.action == $a)] | length > 0')" true
done
expect_eq "no secret in audit" "$(printf '%s' "$AUD" | grep -c -E 'sdp_|sdc_|sdt_|sds_|Mizu-no' || true)" 0

# ---- logout; session expiry (a second suidod on the same data with short TTLs) -------------------
ctl logout >/dev/null
expect_fail "after logout" ctl --server "$BASE" api GET /api/v1/me
spawn suidod2 "$BIN/suidod" --set "data.dir=$T/data" --set auth.password_cost=min "${LOCKOUT[@]}" \
  ${SUIDO_STORE_URL:+--set "store.url=$SUIDO_STORE_URL"} --set "http.listen=127.0.0.1:0" \
  --set auth.session_idle=3s --set auth.session_max=9s
PORT2=$(suidod_port "$T/suidod2.log")
BASE="http://127.0.0.1:$PORT2"
E="$T/exp.jar"; : >"$E"
# The cookie lives session_max (9 s), well past the idle limit (3 s), so a slow machine cannot
# make curl drop it before the server says "expired".
req "$E" POST /api/v1/login "{\"login\":\"adminA\",\"password\":\"$PW2\"}"; expect_eq "login 2" "$ST" 200
sleep 4 # time itself is what is tested: the session must sit idle past session_idle
req "$E" GET /api/v1/me; expect_eq "idle session expired" "$ST $(j .error.code)" "401 expired"
# absolute limit: a session used every half second still ends session_max after its login
req "$E" POST /api/v1/login "{\"login\":\"adminA\",\"password\":\"$PW2\"}"
t_login=$(date +%s%N)
for i in $(seq 40); do sleep 0.5; req "$E" GET /api/v1/me; [ "$ST" = 200 ] || break; done
held_ms=$((($(date +%s%N) - t_login) / 1000000))
expect_eq "absolute session limit" "$ST" 401
expect_eq "not before session_max ($held_ms ms)" "$([ "$held_ms" -ge 9000 ] && echo yes)" yes
done_ok
