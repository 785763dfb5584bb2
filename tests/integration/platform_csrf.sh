#!/usr/bin/env bash
# platform_csrf.sh - a state-changing request carrying the portal's session cookie is refused
# (403, saying why) when a foreign page could have made it: an Origin that is not this server's,
# or a body a form / no-cors fetch can send (text/plain, urlencoded, multipart, no Content-Type).
# Same-origin JSON, other media types (sheets as text/csv) and bearer-token calls are unaffected.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod --set web.public_url=https://suido.example.jp/portal/
login_admin
TEN='{"name":"csrf-%s","kind":"dedicated_operator"}'
# try WHAT CODE [curl args]: POST /api/v1/tenants as the admin (cookie) with these headers
try() {
  local what=$1 want=$2; shift 2
  api admin POST /api/v1/tenants "$@"
  expect_code "$what" "$want"
  if [ "$want" = 403 ]; then
    expect_eq "$what: error code" "$(j .error.code)" forbidden
    expect_match "$what: says why" "$(j .error.message)" 'Origin|Content-Type|application/json'
  fi
}

body() { printf "$TEN" "$(date +%s%N)"; } # unique names (called in a subshell)
FOREIGN='Origin: http://127.0.0.1:1'
try "foreign origin, JSON" 403 -H "$FOREIGN" -H 'Content-Type: application/json' -d "$(body)"
try "null origin" 403 -H 'Origin: null' -H 'Content-Type: application/json' -d "$(body)"
try "text/plain" 403 -H 'Content-Type: text/plain' -d "$(body)"
try "text/plain; charset" 403 -H 'Content-Type: TEXT/PLAIN;charset=utf-8' -d "$(body)"
try "form (curl -d)" 403 -d "$(body)"
try "multipart" 403 -F "x=$(body)"
try "foreign origin, text/plain" 403 -H "$FOREIGN" -H 'Content-Type: text/plain' -d "$(body)"
try "no Content-Type" 403 -H 'Content-Type:' --data-binary "$(body)"
api admin POST /api/v1/logout -H "$FOREIGN"
expect_code "foreign logout (no body)" 403
api admin GET /api/v1/tenants
expect_eq "nothing was created" "$(j '[.items[] | select(.name | startswith("csrf-"))] | length')" 0
# what the portal sends
try "same origin JSON" 201 -H "Origin: $U" -H 'Content-Type: application/json' -d "$(body)"
try "no Origin (curl, suidoctl), JSON" 201 -H 'Content-Type: application/json' -d "$(body)"
try "https scheme behind a proxy" 201 -H "Origin: https://127.0.0.1:$P" \
  -H 'Content-Type: application/json' -d "$(body)"
api admin PATCH "/api/v1/tenants/$(jid)" -H "Origin: $U" -H 'Content-Type: application/json' \
  -d '{"name":"csrf-renamed"}'
expect_code "same origin PATCH" 200
try "the configured public URL's origin (behind a proxy)" 201 \
  -H 'Origin: https://suido.example.jp' -H 'Content-Type: application/json' -d "$(body)"
try "its host with another scheme" 403 -H 'Origin: http://suido.example.jp' \
  -H 'Content-Type: application/json' -d "$(body)"
try "a longer host" 403 -H 'Origin: https://suido.example.jp.evil.example' \
  -H 'Content-Type: application/json' -d "$(body)"
api admin GET /api/v1/me -H "$FOREIGN"
expect_code "a GET is not state-changing" 200
# a bearer token is not sent by browsers on their own: no Origin / Content-Type rule for it
setup_tenants
reg apps "$OV" "$A" csrf-app
bapi "$TOK" PUT /apif/v1/files/notes/a.txt -H "$FOREIGN" --data-binary 'form-typed body'
expect_code "bearer PUT with a foreign Origin and a form type" 201
done_ok
