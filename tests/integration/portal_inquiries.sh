#!/usr/bin/env bash
# portal_inquiries.sh - 問い合わせ in the portal, in real Chromium (playwright-core): an operator
# opens an inquiry to its admins and attaches a file (Japanese), an admin finds it by search,
# replies and closes it (English); the mails arrive at aiosmtpd; a user of another tenant gets
# "not found". Screenshots: $BUILD/artifacts/portal/inquiries-*.png. Fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/inquiries-*.png

start_smtp
mails() {
  "$SMTP_PY" - "$T/mail" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    out.append("%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"])))))
print("\n".join(sorted(out)))
PY
}
wait_mail() { # REGEX COUNT
  local i=0
  until [ "$(mails | grep -c -- "$1" || true)" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le 100 ] || fail "no $2 mails matching '$1': $(mails)"
    sleep 0.1
  done
}
start_suidod --set "web.root=$ROOT/web" --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" \
  --set notify.from=suido@pf.test --set notify.digest=off --set notify.portal_url=http://portal.test
setup_tenants otaru
pw() { echo "kuma-Tsuru-Gorin-84$N-zq"; } # the password login() just set
P_A1PW=kuma-Tsuru-Gorin-842-zq # login_admin was the first login, a1 the second
user op "$OA" operator_general; P_OPPW=$(pw)
user bg "$OB" operator_general; P_BGPW=$(pw)
printf 'unit,m3/h\nFT-101,120\n' >"$T/計器.csv"

export BASE_URL="$U" ART CHROMIUM P_OPPW P_BGPW P_A1PW P_FILE="$T/計器.csv"
timeout 300 node "$ROOT/tests/browser/inquiries.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/inquiries-*.png >/dev/null 2>&1 || fail "no screenshots in $ART"

# ---- what the browser did, seen from the API and the mailbox -------------------------------------
api op GET /api/v1/inquiries
Q=$(j '.items[0].id')
expect_eq "the inquiry (body: $BODY)" "$(j '.items[0].subject') $(j '.items[0].status')" \
  "ポンプ P-2 の停止 closed"
api op GET "/api/v1/inquiries/$Q"
expect_eq "its thread" "$(j '[.messages[].kind] | join(",")')" "message,file,message,status"
expect_eq "the file" "$(j '.files[0].name')" "計器.csv"
wait_mail "^a1@example.jp|.*新しい問い合わせ: ポンプ P-2 の停止" 1
wait_mail "^op@example.jp|.*#$Q 返信: ポンプ P-2 の停止" 1
wait_mail "^op@example.jp|.*#$Q 状況の変更" 1
api bg GET "/api/v1/inquiries/$Q"
expect_code "another tenant's user: 404" 404
done_ok
