#!/usr/bin/env bash
# portal_contacts.sh - the contact-list page (連絡体制表, web/js/views/contacts.js) in real Chromium
# against a real suidod and a real SMTP server (aiosmtpd): operator admin a1 builds a list of two
# steps in Japanese (a bad duty period first: the server's reason shows beside the field) and
# submits it; a2 returns it with a comment, a1 corrects and resubmits, a2 approves: the list is in
# force; a1's revision waits; an operator general reads without buttons; a vendor admin sees and
# submits only its own organisation's lists; Japanese and English, screenshots in
# $BUILD/artifacts/portal/contacts-*.png. Then the notifier: the test-mail button reaches the
# list's people, and an alarm raised by a gateway mails step 1 of the APPROVED list, not the
# waiting revision's nor the vendors'. Fails, never skips, without chromium or playwright-core.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/contacts-*.png

start_smtp
# mails: one line per received message, "recipient|subject" (RFC 2047 decoded), sorted
mails() {
  "$SMTP_PY" - "$T/mail" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = ["%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"]))))
       for m in mailbox.Maildir(sys.argv[1], create=False)]
print("\n".join(sorted(out)))
PY
}
nmail() { mails | grep -c -- "$1" || true; }
wait_mail() { # REGEX COUNT [SECONDS]
  local i=0
  until [ "$(nmail "$1")" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le $((${3:-10} * 10)) ] || fail "no $2 mails matching '$1': $(mails)"
    sleep 0.1
  done
}

# severity 1 escalates (slowly): a drill runs that ladder and is answerable only while it does
start_suidod --set "web.root=$ROOT/web" --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" \
  --set notify.from=suido@pf.test --set notify.repeats=0 --set notify.digest=off \
  --set notify.escalate_1=10m --set notify.escalate_2=0 --set notify.portal_url=http://portal.test

# ---- tenant A (admins a1 a2), its master and gateway, a general operator, two vendor admins ---
setup_tenants
A1_PW="kuma-Tsuru-Gorin-84$((N - 1))-zq"; A2_PW="kuma-Tsuru-Gorin-84$N-zq"
approve_sheet "$A" a1 a2
reg gateways "$OG" "$A" "五輪 GW"; GW_TOKEN=$TOK
user g "$OA" operator_general; G_PW="kuma-Tsuru-Gorin-84$N-zq"
user va "$OV" apvendor_admin; VA_PW="kuma-Tsuru-Gorin-84$N-zq"
user vb "$OG" gwvendor_admin
for w in a1 a2 g va; do
  api "$w" GET /api/v1/me; expect_code "me of $w" 200
  declare "$(echo "$w" | tr a-z A-Z)_LOGIN=$(j .user.login)"
done
# the GW vendor's own list, which the AP vendor must not see
jpost vb /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"GW保守 連絡体制\",\"entries\":[{\"name\":\"保守 五郎\",\"email\":\"gw@vendor.test\",\"order\":1,\"min_severity\":4,\"duty\":\"always\"}]}"
expect_code "the GW vendor submits its list" 201

# ---- the browser: the whole life cycle on the page ---------------------------------------------
export BASE_URL="$U" ART CHROMIUM A1_LOGIN A1_PW A2_LOGIN A2_PW G_LOGIN G_PW VA_LOGIN VA_PW
timeout 300 node "$ROOT/tests/browser/contacts.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/contacts-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# ---- what the page did, as the API sees it ------------------------------------------------------
api a1 GET /api/v1/contacts
expect_code "a1 lists" 200
L=$(j '.items[] | select(.status == "approved") | .id')
expect_eq "one list in force, two steps, phone added on resubmission" \
  "$(j "[.items[] | select(.status == \"approved\")] | length") $(j ".items[] | select(.id == $L) | [.entries[].order] | join(\",\")") $(j ".items[] | select(.id == $L) | .entries[1].phone")" \
  "1 1,2 011-000-0002"
expect_eq "decided by a2 with the comment" "$(j ".items[] | select(.id == $L) | .reason")" "承認します"
R=$(j '.items[] | select(.status == "submitted" and .org_id == '"$OA"') | .id')
[ -n "$R" ] || fail "the revision is not waiting: $BODY"
expect_eq "the vendors' lists are in the operator's view" \
  "$(j '[.items[] | select(.org_id != '"$OA"')] | length')" 2
api admin GET "/api/v1/audit?action=contact."
expect_eq "every step audited" "$(j '[.items[].action] | sort | unique | join(",")')" \
  "contact.approve,contact.reject,contact.submit,contact.update"
# the roles the page hid its buttons from are refused by the server too
api a1 POST "/api/v1/contacts/$R/approve"; expect_code "a1 cannot approve its own revision" 403
api g POST "/api/v1/contacts/$R/approve"; expect_code "a general operator cannot approve" 403
jpost g /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"x\",\"entries\":[]}"
expect_code "a general operator cannot submit" 403
api va GET /api/v1/contacts
expect_eq "the AP vendor reads its own list only" "$CODE $(j '[.items[].org_id] | unique | join(",")')" "200 $OV"
api va PUT "/api/v1/contacts/$L" -H 'Content-Type: application/json' -d '{"name":"x","entries":[]}'
expect_code "nor may it change the operator's list" 404
jpost va /api/v1/notifications/test "{\"list_id\":$L}"
expect_code "nor mail the operator's people" 404

# ---- the notifier uses the approved list ------------------------------------------------------
# the page's test-mail button (clicked in the browser on the approved list) reached its people
wait_mail '^c1@water.test|.*テストメール' 1
wait_mail '^c2@water.test|.*テストメール' 1
# the drill a2 started and answered on the page called step 1
wait_mail '^c1@water.test|.*訓練' 1
# an alarm of the tenant: step 1 of the list in force is mailed, nobody of the revision or vendors
bapi "$GW_TOKEN" POST /gwif/v1/data -H 'Content-Type: application/json' \
  -d "{\"samples\":[{\"data_id\":\"gorin-l2.pump1_fault\",\"ts\":\"$(date -u -d '-2 seconds' +%FT%TZ)\",\"value\":0}]}"
expect_code "pump fault input normal" 200
bapi "$GW_TOKEN" POST /gwif/v1/data -H 'Content-Type: application/json' \
  -d "{\"samples\":[{\"data_id\":\"gorin-l2.pump1_fault\",\"ts\":\"$(date -u +%FT%TZ)\",\"value\":1}]}"
expect_code "pump fault raised" 200
wait_mail '^c1@water.test|【中故障】' 1 15
expect_match "the alarm mail names the point" "$(mails | grep '^c1@water.test|【')" "gorin-l2.pump1_fault"
expect_eq "nobody else of the lists got an alarm mail" \
  "$(mails | grep -v 'テストメール' | cut -d'|' -f1 | sort -u | tr '\n' ' ')" "c1@water.test "
done_ok
