#!/usr/bin/env bash
# portal_admin.sh - administration in the portal (issue 13, §2.2): provisional credentials mailed
# to the user's own address (aiosmtpd on loopback) and never in the API's answer to a tenant's
# administrator, login with the mailed credentials, reset by mail; another tenant's administrator
# can neither list nor change these users; the audit log's filters and paging; then the users
# and audit pages in real Chromium (tests/browser/admin.mjs), in Japanese and English, as an
# administrator and as staff who sees neither link. Screenshots: $BUILD/artifacts/portal/admin-*.
# SUIDO_PG=1 runs the same on PostgreSQL (portal_admin_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] || fail "playwright-core missing: npm ci"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/admin-*.png

start_smtp
start_suidod --set "web.root=$ROOT/web" --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" \
  --set notify.from=suido@pf.test --set notify.digest=off --set notify.retry_base=1s \
  --set web.public_url=http://portal.test
login_admin
setup_tenants otaru
user b1 "$OB" operator_admin
api a1 GET /api/v1/me; A1_ID=$(j .user.id)

# ---- a tenant's administrator issues an account: the password goes to the user, not to a1 -----
jpost a1 /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"staff@sapporo.test\"}"
expect_code "a1 issues an account" 201
openapi_ok "issue by mail" POST /api/v1/users
expect_eq "delivered by mail" "$(j .delivered)" mail
expect_eq "no password in the answer" "$(j 'has("provisional_password")')" false
expect_eq "nothing like a password in it" "$(grep -c sdp_ "$T/body" || true)" 0
S_ID=$(j .user.id); S_LOGIN=$(j .user.login)
mail_credentials staff@sapporo.test
expect_eq "the mailed login id" "$MAIL_LOGIN" "$S_LOGIN"
expect_match "subject in Japanese first" "$MAIL_SUBJECT" '^\[suido\] 仮アカウント発行のお知らせ \(your provisional account\)$'
ja_line=$(grep -n '^仮パスワード: ' <<<"$MAIL_TEXT" | cut -d: -f1)
en_line=$(grep -n '^Provisional password: ' <<<"$MAIL_TEXT" | cut -d: -f1)
expect_eq "Japanese above English" "$([ "${ja_line:-99}" -lt "${en_line:-0}" ] && echo yes)" yes
expect_match "the portal's address" "$MAIL_TEXT" 'ポータル: http://portal\.test'
jpost staff /api/v1/login "{\"login\":\"$MAIL_LOGIN\",\"password\":\"$MAIL_PW\"}"
expect_eq "login with the mailed credentials" "$CODE $(j .password_change_required)" "200 true"
jpost a1 /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"x@sapporo.test\",\"deliver\":\"reply\"}"
expect_eq "a tenant admin may not take the password" "$CODE $(j .error.field)" "403 deliver"
jpost a1 /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"x@sapporo.test\",\"deliver\":\"fax\"}"
expect_eq "unknown delivery" "$CODE $(j .error.field)" "400 deliver"
api a1 GET "/api/v1/users/$S_ID"
expect_eq "last login recorded" "$(j '.last_login_at > 0')" true

# ---- reset by mail: the old password is gone, the mailed one works -----------------------------
api a1 POST "/api/v1/users/$S_ID/reset"
expect_eq "reset mailed" "$CODE $(j .delivered) $(j 'has("provisional_password")')" "200 mail false"
openapi_ok "reset by mail" POST "/api/v1/users/$S_ID/reset"
OLD_PW=$MAIL_PW
mail_credentials staff@sapporo.test
expect_match "reset subject" "$MAIL_SUBJECT" '^\[suido\] パスワード再設定のお知らせ'
jpost staff2 /api/v1/login "{\"login\":\"$S_LOGIN\",\"password\":\"$OLD_PW\"}"
expect_code "the old provisional password no longer works" 401
jpost staff2 /api/v1/login "{\"login\":\"$S_LOGIN\",\"password\":\"$MAIL_PW\"}"
expect_code "the mailed reset password works" 200

# ---- another tenant's administrator sees none of it --------------------------------------------
api b1 GET /api/v1/users
expect_eq "b1 lists none of A's users" "$(j "[.items[] | select(.tenant_id == $A)] | length")" 0
api b1 GET "/api/v1/users/$S_ID"; expect_code "b1 cannot read A's user" 404
api b1 PATCH "/api/v1/users/$S_ID" -H 'Content-Type: application/json' -d '{"disabled":true}'
expect_code "b1 cannot disable A's user" 404
api b1 POST "/api/v1/users/$S_ID/reset"; expect_code "b1 cannot reset A's user" 404
jpost b1 /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"y@otaru.test\"}"
expect_eq "b1 cannot issue in A" "$CODE $(j .error.field)" "400 org_id"
api staff2 GET /api/v1/users; expect_code "staff may not list users" 403

# ---- the audit log: filters and paging -----------------------------------------------------------
api a1 GET "/api/v1/audit?object=user:$S_ID&action=user."
expect_eq "by object" "$(j '[.items[].action] | sort | join(",")')" "user.create,user.reset"
openapi_ok "audit" GET "/api/v1/audit"
expect_eq "created by a1, by mail" "$(j '.items[] | select(.action == "user.create") | .actor, .detail' | xargs)" \
  "user:$A1_ID {deliver:mail,role:operator_general}"
api a1 GET "/api/v1/audit?actor=user:$A1_ID&action=user."
expect_eq "by actor and action" "$(j '[.items[] | .actor] | unique | join(",")')" "user:$A1_ID"
api a1 GET "/api/v1/audit?limit=2"; FIRST=$(j '.items[1].id'); expect_eq "page of 2" "$(j '.items | length')" 2
api a1 GET "/api/v1/audit?limit=2&before=$FIRST"
expect_eq "the next page starts below" "$(j "[.items[].id | select(. >= $FIRST)] | length")" 0
api a1 GET "/api/v1/audit?since=$(( ($(date +%s) + 3600) * 1000 ))"
expect_eq "since the future: nothing" "$(j '.items | length')" 0
api a1 GET "/api/v1/audit?until=1"; expect_eq "until 1970: nothing" "$(j '.items | length')" 0
api b1 GET "/api/v1/audit?object=user:$S_ID"; expect_eq "b1 sees none of A's audit" "$(j '.items | length')" 0
api a1 GET "/api/v1/audit?limit=0"; expect_eq "bad limit" "$CODE $(j .error.field)" "400 limit"

# ---- the pages in Chromium: an administrator (br) and staff (st) ---------------------------------
jpost admin /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_admin\",\"email\":\"br@sapporo.test\",\"deliver\":\"reply\"}"
BR_LOGIN=$(j .user.login); login br "$BR_LOGIN" "$(j .provisional_password)"; BR_PW="kuma-Tsuru-Gorin-84$N-zq"
BR_LOGIN=br@sapporo.test # the first change made the address the login id
jpost admin /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"st@sapporo.test\",\"deliver\":\"reply\"}"
ST_LOGIN=$(j .user.login); login st "$ST_LOGIN" "$(j .provisional_password)"; ST_PW="kuma-Tsuru-Gorin-84$N-zq"
ST_LOGIN=st@sapporo.test
jpost admin /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_general\",\"email\":\"rs@sapporo.test\",\"deliver\":\"reply\"}"
export BASE_URL="$U" ART CHROMIUM BR_LOGIN BR_PW ST_LOGIN ST_PW
timeout 300 node "$ROOT/tests/browser/admin.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/admin-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"
# what the page issued and reset went to the users' mailboxes, and works
mail_credentials new@sapporo.test
jpost new /api/v1/login "{\"login\":\"$MAIL_LOGIN\",\"password\":\"$MAIL_PW\"}"
expect_code "login with the credentials the page had mailed" 200
mail_credentials rs@sapporo.test
jpost rs /api/v1/login "{\"login\":\"$MAIL_LOGIN\",\"password\":\"$MAIL_PW\"}"
expect_code "login with the password the page's reset mailed" 200
done_ok
