#!/usr/bin/env bash
# portal_bulletin.sh - the bulletin board (掲示板, web/js/views/bulletin.js) in real Chromium
# (playwright-core) against a real suidod and aiosmtpd: operator admin a1 posts a notice with an
# attachment and an end of its period (Japanese); general operator g sees it unread (the nav badge),
# opens it (read, the badge goes down) and downloads the attachment under its Japanese name; the
# platform admin's maintenance window (POST /api/v1/maintenance) is on the common board and the
# page's upcoming windows for users of tenants A and B (English for B) and mailed to both tenants'
# approved contacts; a1's post starting later stays on a1's page, marked; B's user finds neither A's post in the list nor by its URL; an expired post
# is hidden from g. Screenshots: $BUILD/artifacts/portal/bulletin-*.png
# (bulletin-pg-*.png from portal_bulletin_pg.sh). Fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
# the PostgreSQL twin keeps its own screenshots (bulletin-pg-*), as the two may run at once
SHOT=bulletin; [ "${SUIDO_PG:-}" = 1 ] && SHOT=bulletin-pg
mkdir -p "$ART"; rm -f "$ART/$SHOT"-[0-9]*.png

start_smtp
mails() { # "recipient|subject" per received message, sorted
  "$SMTP_PY" - "$T/mail" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = ["%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"]))))
       for m in mailbox.Maildir(sys.argv[1], create=False)]
print("\n".join(sorted(out)))
PY
}
wait_mail() { # REGEX COUNT
  local i=0
  until [ "$(mails | grep -c -- "$1" || true)" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le 150 ] || fail "no $2 mails matching '$1': $(mails)"
    sleep 0.1
  done
}
start_suidod --set "web.root=$ROOT/web" --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" \
  --set notify.from=suido@pf.test --set notify.digest=off --set notify.portal_url=http://portal.test \
  --set notify.retry_base=1s --set notify.retry_max=1s
setup_tenants otaru
pw() { echo "kuma-Tsuru-Gorin-84$N-zq"; } # the password login() just set
P_A1PW=kuma-Tsuru-Gorin-842-zq # login_admin was the first login, a1 the second
user g "$OA" operator_general; P_GPW=$(pw)
user b1 "$OB" operator_admin
user b2 "$OB" operator_admin
user bg "$OB" operator_general; P_BGPW=$(pw)

# each tenant's approved contact list (the maintenance mail's addressees), and one still waiting
list() { # TENANT SUBMITTER APPROVER ADDRESS
  jpost "$2" /api/v1/contacts "{\"tenant_id\":$1,\"name\":\"連絡体制表\",\"entries\":[{\"name\":\"当番\",\"email\":\"$4\",\"order\":1,\"min_severity\":1,\"duty\":\"always\"}]}"
  expect_code "a contact list of $1" 201
  [ -z "$3" ] && return
  api "$3" POST "/api/v1/contacts/$(jid)/approve"
  expect_code "approved" 200
}
list "$A" a1 a2 duty-a@water.test
list "$B" b1 b2 duty-b@water.test
list "$A" a1 "" pending-a@water.test

# an expired post of A (its period is over): hidden from a general user
jpost a1 /api/v1/bulletin '{"category":"notice","title":"終了した告知","valid_from":"2020-01-01T00:00:00+09:00","valid_until":"2020-01-02T00:00:00+09:00"}'
expect_code "an expired post" 201
P_PX=$(jid)
# the platform admin announces a maintenance window (the API: its page needs a one-time password)
jpost admin /api/v1/maintenance '{"starts_at":"2099-01-01T01:00:00+09:00","ends_at":"2099-01-01T03:00:00+09:00","title":"ストレージ 定期保守"}'
expect_code "the platform admin announces a window" 201
MW=$(jid)
printf '点検手順 v1\n1. 停止\n2. 交換\n' >"$T/点検手順.txt"

export BASE_URL="$U" ART SHOT CHROMIUM P_A1PW P_GPW P_BGPW P_PX P_FILE="$T/点検手順.txt"
timeout 300 node "$ROOT/tests/browser/bulletin.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART/$SHOT"-[0-9]*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# ---- what the browser did, seen from the API and the mailbox -------------------------------------
api a1 GET /api/v1/bulletin
PA=$(j '.items[] | select(.title == "浄水場 見学会のお知らせ") | .id')
[ -n "$PA" ] || fail "the page's post is not listed: $BODY"
api a1 GET "/api/v1/bulletin/$PA"
expect_eq "posted from the page: A's board, an end of period, the attachment" \
  "$(j '[.tenant_id, .category, .valid_from, (.valid_until > 0), .attachments[0].name] | join(",")')" \
  "$A,notice,1585699200000,true,点検手順.txt"
api g GET "/api/v1/bulletin/$PA"
expect_eq "g opened it on the page: read" "$(j .read)" true
api g GET /api/v1/bulletin/unread
expect_eq "and the maintenance post is still unread for g" "$(j .unread)" 1
api bg GET "/api/v1/bulletin/$PA"
expect_code "B's user: A's post not found" 404
api bg GET "/api/v1/bulletin?category=maintenance"
expect_eq "B's user lists the window on the common board" \
  "$(j "[.items[] | select(.maintenance_id == $MW) | .tenant_id] | join(\",\")")" 1
wait_mail 'メンテナンスのお知らせ' 2
expect_eq "mailed to each tenant's approved contact, none to a waiting list" "$(mails)" \
"duty-a@water.test|[suido] メンテナンスのお知らせ / Maintenance notice: ストレージ 定期保守
duty-b@water.test|[suido] メンテナンスのお知らせ / Maintenance notice: ストレージ 定期保守"
done_ok
