#!/usr/bin/env bash
# http_client_cert.sh - portal client certificates (issue 11): an operator admin issues a TLS
# client certificate (platform CA) to a user of their tenant; with the tenant's switch on and
# http.client_ca set, a portal request is refused without one, with one of another tenant, with
# one the platform did not issue, and after revocation, and served with a valid one (curl --cert).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
cd "$SUIDO_ROOT"
start_suidod
setup_tenants otaru
user b1 "$OB" operator_admin
uid() { api "$1" GET /api/v1/me; j '.id // .user.id'; }
A1=$(uid a1); B1=$(uid b1)
# issue: a1 for itself (tenant A); a1 may not issue for b1 (other tenant: 404); admin for b1
jpost a1 "/api/v1/users/$A1/portal-certificates" '{}'
expect_code "a1 issues its certificate" 201
openapi_ok "issue" POST "/api/v1/users/$A1/portal-certificates"
C1=$(jid); j .certificate >"$T/a1.crt"; j .private_key >"$T/a1.key"
j .pkcs12 | base64 -d >"$T/a1.p12"; P12PW=$(j .pkcs12_password)
expect_match "for TLS client authentication" \
  "$(openssl x509 -in "$T/a1.crt" -noout -ext extendedKeyUsage)" "TLS Web Client Authentication"
expect_match "issued by the platform CA" \
  "$(openssl verify -CAfile "$T/data/pki/ca.crt" "$T/a1.crt")" ": OK"
expect_match "PKCS#12 opens with its password" \
  "$(openssl pkcs12 -in "$T/a1.p12" -passin "pass:$P12PW" -nokeys 2>/dev/null)" "BEGIN CERTIFICATE"
jpost a1 "/api/v1/users/$B1/portal-certificates" '{}'
expect_code "a1 cannot issue for another tenant" 404
jpost admin "/api/v1/users/$B1/portal-certificates" '{}'
expect_code "admin issues for b1" 201
j .certificate >"$T/b1.crt"; j .private_key >"$T/b1.key"
jpost a1 "/api/v1/users/$A1/portal-certificates" '{}'
C2=$(jid); j .certificate >"$T/a1b.crt"; j .private_key >"$T/a1b.key"
# the switch: the platform admin's (tenant.manage)
api a1 PUT "/api/v1/tenants/$A/portal-certificates" -H 'Content-Type: application/json' \
  -d '{"required":true}'
expect_code "an operator admin cannot flip the switch" 403
api admin PUT "/api/v1/tenants/$A/portal-certificates" -H 'Content-Type: application/json' \
  -d '{"required":true}'
expect_code "switch on" 200
openapi_ok "switch" PUT "/api/v1/tenants/$A/portal-certificates"
expect_eq "switch reads back" "$(j .required)" true

# restart over HTTPS, trusting the platform CA for client certificates
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$T/srv.key" -out "$T/srv.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=intruder \
  -keyout "$T/own.key" -out "$T/own.crt" 2>/dev/null
kill "$LAST_PID"; wait "$LAST_PID" || true; unspawn "$LAST_PID"
start_suidod --set "http.tls_cert=$T/srv.crt" --set "http.tls_key=$T/srv.key" \
  --set "http.client_ca=$T/data/pki/ca.crt"
U="https://127.0.0.1:$P"
export CURL_CA_BUNDLE="$T/srv.crt"
api a1 GET /api/v1/me
expect_code "no client certificate: refused" 403
expect_match "says why" "$BODY" '"code":"certificate_required"'
api a1 GET /api/v1/me --cert "$T/a1.crt" --key "$T/a1.key"
expect_code "with its certificate: served" 200
api a1 GET /api/v1/me --cert "$T/b1.crt" --key "$T/b1.key"
expect_code "another tenant's certificate: refused" 403
expect_match "another tenant" "$BODY" 'another tenant'
api a1 GET /api/v1/me --cert "$T/own.crt" --key "$T/own.key"
expect_code "a certificate the platform did not issue: refused" 403
api b1 GET /api/v1/me
expect_code "tenant B has no switch: served without" 200
# the same in Chromium (playwright-core), the certificate given to the browser context
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || fail "chromium not found at $CHROMIUM (scripts/install-deps.sh)"
[ -f "$ROOT/node_modules/playwright-core/package.json" ] || fail "playwright-core missing: npm ci"
CHROMIUM=$CHROMIUM BASE=$U SESSION=$(awk '$6 == "suido_session" {print $7}' "$T/a1.jar") \
  CERT="$T/a1.crt" KEY="$T/a1.key" OTHER_CERT="$T/b1.crt" OTHER_KEY="$T/b1.key" \
  node "$ROOT/tests/browser/client_cert.mjs" >"$T/browser.out" 2>&1 ||
  fail "in Chromium: $(cat "$T/browser.out")"
cat "$T/browser.out"
checks=$((checks + $(grep -c '^ok:' "$T/browser.out")))
api admin GET /api/v1/portal-certificates
expect_code "admin lists" 200
expect_eq "three issued" "$(j '.items | length')" 3
api a1 GET /api/v1/portal-certificates --cert "$T/a1.crt" --key "$T/a1.key"
expect_eq "a1 sees its tenant's only" "$(j '[.items[].tenant_id] | unique | tostring')" "[$A]"
api a1 DELETE "/api/v1/portal-certificates/$C1" --cert "$T/a1b.crt" --key "$T/a1b.key"
expect_code "a1 revokes its first certificate" 204
api a1 GET /api/v1/me --cert "$T/a1.crt" --key "$T/a1.key"
expect_code "revoked: refused" 403
expect_match "revoked" "$BODY" 'revoked'
api a1 GET /api/v1/me --cert "$T/a1b.crt" --key "$T/a1b.key"
expect_code "the second one still works" 200
api a1 GET /api/v1/audit --cert "$T/a1b.crt" --key "$T/a1b.key"
expect_match "issue and revoke audited" "$BODY" 'user.portal_cert_revoke'
api admin PUT "/api/v1/tenants/$A/portal-certificates" -H 'Content-Type: application/json' \
  -d '{"required":false}'
api a1 GET /api/v1/me
expect_code "switch off: served without" 200
: "$C2"
done_ok
