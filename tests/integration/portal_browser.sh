#!/usr/bin/env bash
# portal_browser.sh - the portal (web/) in real Chromium, driven by playwright-core: first login
# with the provisional password, password change, TOTP enrolment from the page's QR/secret (codes
# by oathtool), TOTP login, language switch, trend chart of uploaded samples; with the alarm
# engine: an alarm uploaded by a gateway arrives in the console, is acknowledged there, and the
# facility's colour follows the pumps and the alarms. Screenshots: $BUILD/artifacts/portal/.
# Needs Debian chromium and `npm ci` (scripts/install-deps.sh does both): fails, never skips.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (apt-get install chromium, or scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] ||
  fail "playwright-core missing: run 'npm ci' in $ROOT (scripts/install-deps.sh does)"
command -v node >/dev/null || fail "node not found"
ART="$ROOT/${BUILD:-build}/artifacts/portal"
mkdir -p "$ART"; rm -f "$ART"/[0-9][0-9]-*.png # its own screenshots only: other suites keep theirs here

# a flood is more than 3 alarms a minute here, so six power failures make one
start_suidod --set "web.root=$ROOT/web" --set alarm.flood_threshold=3

# ---- the shell is served with its CSP; the QR route is for logged-in users only --------------
CODE=$(curl -s -o "$T/index.html" -D "$T/h" -w '%{http_code}' "$U/")
expect_eq "index.html" "$CODE" 200
expect_match "CSP on the page" "$(grep -i '^content-security-policy' "$T/h")" "script-src 'self'"
api anon GET /api/v1/me/totp/qr.svg; expect_code "QR needs a session" 401

# ---- a tenant with the sample master, a gateway, and the operator who will use the browser --
login_admin
TENANT_NAME="北海道-2 住まいセンター" ORG_NAME="UR 北海道" setup_tenants
TA=$A
approve_sheet "$TA" a1 a2
# the QR of one's own pending enrolment only: none pending is 409, then the SVG, never cached
api a2 GET /api/v1/me/totp/qr.svg; expect_code "QR with nothing pending" 409
jpost a2 /api/v1/me/totp '{}'; expect_code "a2 enrols" 200
CODE=$(curl -s -o "$T/qr.svg" -D "$T/qh" -w '%{http_code}' -b "$T/a2.jar" "$U/api/v1/me/totp/qr.svg")
expect_eq "QR served" "$CODE" 200
expect_match "QR type" "$(grep -i '^content-type' "$T/qh")" 'image/svg\+xml'
expect_match "QR not cached" "$(grep -i '^cache-control' "$T/qh")" 'no-store'
expect_match "QR is an SVG" "$(head -c 300 "$T/qr.svg")" '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 [0-9]+ [0-9]+"'
expect_eq "QR hides the secret" "$(grep -c "$(j .secret)" "$T/qr.svg" || true)" 0
jpost a2 /api/v1/me/totp/confirm "{\"code\":\"$(oathtool --totp -b "$(j .secret)")\"}"
expect_code "a2 TOTP on" 200
api a2 GET /api/v1/me/totp/qr.svg; expect_code "QR once TOTP is on" 409
reg gateways "$OG" "$TA" "五輪 GW"; GW_TOKEN=$TOK
jpost admin /api/v1/users "{\"org_id\":$OA,\"role\":\"operator_admin\",\"email\":\"kanri@hokkaido2.example.jp\",\"deliver\":\"reply\"}"
expect_code "create browser user" 201
P_LOGIN=$(j .user.login); P_PW=$(j .provisional_password); P_ID=$(j .user.id)
api admin PATCH "/api/v1/users/$P_ID" -H 'Content-Type: application/json' -d '{"totp_required":true}'
expect_code "TOTP required for the browser user" 200

# ---- 24 hours of the tank level, hourly, ending now (the trend chart) -------------------------
python3 - >"$T/trend.json" <<'PY'
import json, datetime
now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
s = [{"data_id": "gorin-l2.tank_level", "ts": (now - datetime.timedelta(hours=h, minutes=-10)).isoformat(),
      "value": 2.0 + (h % 6) * 0.25} for h in range(1, 24)]
print(json.dumps({"samples": s}))
PY
bapi "$GW_TOKEN" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "@$T/trend.json"
expect_eq "trend upload (body: $BODY)" "$CODE $(j .stored)" "200 23"

# the alarm and status APIs answer before the browser starts (their steps always run)
for path in /api/v1/alarms /api/v1/status; do
  api a1 GET "$path"
  [ "$CODE" = 200 ] || fail "$path answered $CODE: $BODY"
done

# ---- issue 11: a stored page and its script, uploaded through the files API by an operator ----
# Served inline from the portal's origin, the page's <script src> (allowed by script-src 'self')
# would run with the session of whoever opens it and create a user. portal.mjs opens it.
EVIL_EMAIL=stored-xss@hokkaido2.example.jp
cat >"$T/evil.js" <<JS
localStorage.setItem('suido.pwned', 'js ran');
fetch('/api/v1/users', { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ org_id: $OA, role: 'operator_admin', email: '$EVIL_EMAIL' }) });
JS
cat >"$T/evil.html" <<'HTML'
<!doctype html><html><head><title>PWNED</title></head><body>
<script src="/apif/v1/files/xss/evil.js"></script>
<script>localStorage.setItem('suido.pwned', 'inline ran');</script>
</body></html>
HTML
api a1 PUT /apif/v1/files/xss/evil.js -H "Content-Type: text/javascript" --data-binary "@$T/evil.js"; expect_code "upload evil.js" 201
EVIL_HTML=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("xss/請求書 2026.html"))')
api a1 PUT "/apif/v1/files/$EVIL_HTML" -H "Content-Type: text/html" --data-binary "@$T/evil.html"; expect_code "upload the page" 201
CODE=$(curl -s -o "$T/evil.got" -D "$T/eh" -w '%{http_code}' -b "$T/a1.jar" "$U/apif/v1/files/$EVIL_HTML")
expect_eq "the page comes back byte for byte" "$CODE $(cmp -s "$T/evil.got" "$T/evil.html" && echo same)" "200 same"
hdr() { tr -d '\r' <"$T/eh" | awk -v n="$1" 'BEGIN{IGNORECASE=1} tolower($0) ~ "^" n ":" {sub(/^[^:]*: /, ""); print}'; }
expect_eq "as a download" "$(hdr content-disposition)" \
  "attachment; filename=\"___ 2026.html\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202026.html"
expect_eq "never as HTML" "$(hdr content-type)" "application/octet-stream"
expect_eq "nosniff" "$(hdr x-content-type-options)" "nosniff"
expect_eq "a CSP that runs nothing" "$(hdr content-security-policy)" "default-src 'none'; sandbox"
export EVIL_HTML EVIL_EMAIL

export BASE_URL="$U" P_LOGIN P_PW GW_TOKEN ART CHROMIUM
export P_NEWPW='Mizu-Nagare-Tsuru-84zq!' P_NEWLOGIN=portal-kanri
timeout 300 node "$ROOT/tests/browser/portal.mjs" 2>&1 | tee "$T/browser.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || fail "browser test failed (rc $rc); screenshots in $ART"
checks=$((checks + $(grep -c '^ok ' "$T/browser.log")))
ls "$ART"/*.png >/dev/null 2>&1 || fail "no screenshots in $ART"
done_ok
