#!/usr/bin/env bash
# pki_cms.sh - certificates (AP-IF #9, GW-IF #7) and CMS payload protection against a real suidod,
# with the real `openssl cms` as the client: keys and certificates made by `openssl req`,
# registered through the API; bodies signed / encrypted by `openssl cms` accepted, suidod's signed
# / encrypted answers verified and decrypted by `openssl cms`; plain bodies refused in a protected
# tenant and accepted in an unprotected one; wrong signer, tampered, truncated and misaddressed
# messages refused precisely; roles and tenants of every new route; the PKI survives a restart.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod
SUIDOD_PID=$LAST_PID
CMS=application/pkcs7-mime
PEM=application/x-pem-file # certificates uploaded with the admin's cookie
# hapi TOKEN METHOD PATH [curl args]: bapi keeping the answer's headers in $T/hdr and its body in
# $T/resp (bytes: CMS answers are binary)
hapi() {
  local tok=$1 m=$2 p=$3; shift 3
  : >"$T/resp" # curl leaves an old file as it was when the answer has no body
  CODE=$(curl -s -D "$T/hdr" -o "$T/resp" -w '%{http_code}' -X "$m" \
    -H "Authorization: Bearer $tok" "$U$p" "$@")
  BODY=$(tr -d '\0' <"$T/resp")
}
ctype() { tr -d '\r' <"$T/hdr" | awk -F': ' 'tolower($1)=="content-type"{print $2}'; }
upload() { # TOKEN FILE CONTENT-TYPE
  hapi "$1" POST /gwif/v1/data -H "Content-Type: $3" --data-binary "@$2"
}
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.code)" "$2 $3"; }
fp_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }

# ---- tenants, vendors, the sample master, users ------------------------------------------------
setup_tenants otaru
link_orgs "$OV $B"
user b1 "$OB" operator_admin
approve_sheet "$A" a1 a2

reg apps "$OV" "$A" "Leak detection"; APP=$TOK; APP_ID=$RID
reg apps "$OV" "$B" "Otaru app"; APPB=$TOK; APPB_ID=$RID
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK; GW_ID=$RID

# client keys and self-signed certificates, made the way a vendor would
for c in gw app intruder; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$c.key" -out "$T/$c.crt" -days 30 \
    -subj "/O=Vendor/CN=$c" 2>/dev/null
done
openssl req -x509 -newkey rsa:1024 -nodes -keyout "$T/weak.key" -out "$T/weak.crt" -days 30 \
  -subj /CN=weak 2>/dev/null
python3 - "$T/old.crt" <<'PY'
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
n = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
t = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
c = (x509.CertificateBuilder().subject_name(n).issuer_name(n).public_key(k.public_key())
     .serial_number(7).not_valid_before(t).not_valid_after(t + datetime.timedelta(days=30))
     .sign(k, hashes.SHA256()))
open(sys.argv[1], "wb").write(c.public_bytes(Encoding.PEM))
PY

# ---- certificate retrieval (AP-IF #9, GW-IF #7) ------------------------------------------------
hapi "$GW" GET /gwif/v1/certificates
expect_eq "GW-IF #7 (body: $BODY)" "$CODE $(j .protection) $(j .media_type)" "200 none $CMS"
expect_match "PF fingerprint" "$(j .platform.fingerprint)" '^[0-9a-f]{64}$'
expect_eq "the PF certificate is issued by the CA" "$(j .platform.issuer)" "$(j .ca.subject)"
j .ca.pem >"$T/ca.pem"; j .platform.pem >"$T/pf.pem"
expect_match "openssl verifies the PF certificate" "$(openssl verify -CAfile "$T/ca.pem" "$T/pf.pem")" ': OK$'
expect_eq "fingerprint is the certificate's SHA-256" "$(fp_of "$T/pf.pem")" "$(j .platform.fingerprint)"
hapi "$GW" GET '/gwif/v1/certificates?format=pem'
expect_eq "PEM bundle" "$CODE $(grep -c 'BEGIN CERTIFICATE' "$T/resp")" "200 2"
expect_match "PEM bundle type" "$(ctype)" '^application/x-pem-file'
hapi "$GW" GET '/gwif/v1/certificates?format=xml'
expect_err "bad format" 400 bad_field
hapi "$APP" GET /apif/v1/certificates
expect_eq "AP-IF #9" "$CODE $(j .platform.fingerprint) $(j .self)" "200 $(fp_of "$T/pf.pem") null"
hapi "$APP" GET /gwif/v1/certificates
expect_err "an application on GW-IF #7" 403 forbidden
hapi "$GW" GET /apif/v1/certificates
expect_err "a gateway on AP-IF #9" 403 forbidden
bapi - GET /apif/v1/certificates
expect_code "anonymous" 401
api a1 GET /apif/v1/certificates
expect_eq "an operator reads them too" "$CODE $(j .protection)" "200 none"

# ---- registering clients' certificates ---------------------------------------------------------
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/gw.crt"
expect_eq "register the gateway's certificate (body: $BODY)" "$CODE $(j .fingerprint) $(j .pinned)" \
  "200 $(fp_of "$T/gw.crt") true"
expect_eq "subject and key" "$(j .subject) $(j .key) $(j .usable)" "CN=gw,O=Vendor RSA-2048 true"
api admin GET "/api/v1/gateways/$GW_ID"
expect_eq "clients.cert_fp follows" "$(j .cert_fingerprint)" "$(fp_of "$T/gw.crt")"
openssl x509 -in "$T/app.crt" -outform DER -out "$T/app.der"
api admin PUT "/api/v1/apps/$APP_ID/certificate" -H 'Content-Type: application/pkix-cert' \
  --data-binary "@$T/app.der"
expect_eq "register the application's certificate as DER" "$CODE $(j .fingerprint)" \
  "200 $(fp_of "$T/app.crt")"
# issue 11: a DER certificate whose names hold PEM armour is DER (told by its first byte), and
# what is stored reads back; BER that OpenSSL would re-encode is refused and nothing changes
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/armour.key" -out "$T/armour.crt" -days 30 \
  -subj '/CN=-----END CERTIFICATE-----/O=-----BEGIN CERTIFICATE-----' 2>/dev/null
openssl x509 -in "$T/armour.crt" -outform DER -out "$T/armour.der"
expect_match "the DER holds -----END" "$(grep -c -a -- "-----END" "$T/armour.der")" "^[1-9]"
api admin PUT "/api/v1/apps/$APP_ID/certificate" -H 'Content-Type: application/pkix-cert' \
  --data-binary "@$T/armour.der"
expect_eq "DER with PEM armour in its names (body: $BODY)" "$CODE $(j .fingerprint) $(j .pinned)" \
  "200 $(fp_of "$T/armour.crt") true"
api admin GET "/api/v1/apps/$APP_ID/certificate"
expect_eq "... and reads back" "$CODE $(j .fingerprint)" "200 $(fp_of "$T/armour.crt")"
python3 - "$T/app.der" "$T/app.ber" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
assert d[:2] == b'\x30\x82'
open(sys.argv[2], 'wb').write(b'\x30\x80' + d[4:] + b'\x00\x00')  # indefinite length
PY
api admin PUT "/api/v1/apps/$APP_ID/certificate" -H 'Content-Type: application/pkix-cert' \
  --data-binary "@$T/app.ber"
expect_match "BER is refused" "$CODE $(j .error.field) $(j .error.message)" '^400 certificate .*non-canonical'
api admin GET "/api/v1/apps/$APP_ID"
expect_eq "... and the pin did not move" "$(j .cert_fingerprint)" "$(fp_of "$T/armour.crt")"
api admin PUT "/api/v1/apps/$APP_ID/certificate" -H 'Content-Type: application/pkix-cert' \
  --data-binary "@$T/app.der"
expect_eq "the application's own certificate again" "$CODE $(j .fingerprint)" "200 $(fp_of "$T/app.crt")"
cat "$T/gw.key" "$T/gw.crt" >"$T/keyandcert.pem"
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/keyandcert.pem"
expect_eq "a private key is refused" "$CODE $(j .error.field)" "400 certificate"
expect_match "... saying why" "$(j .error.message)" 'private key'
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/old.crt"
expect_match "expired certificate" "$CODE $(j .error.field) $(j .error.message)" '^400 certificate expired'
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/weak.crt"
expect_match "RSA-1024" "$CODE $(j .error.message)" '^400 key RSA-1024 not accepted'
cat "$T/gw.crt" "$T/app.crt" >"$T/two.pem"
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/two.pem"
expect_match "a chain" "$CODE $(j .error.message)" '^400 more than one certificate'
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary 'hello'
expect_eq "garbage" "$CODE $(j .error.code)" "400 bad_field"
api a1 PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/intruder.crt"
expect_code "an operator may not register certificates" 403
api b1 GET "/api/v1/gateways/$GW_ID/certificate"
expect_code "another tenant's operator" 404
hapi "$APPB" GET "/api/v1/apps/$APP_ID/certificate"
expect_code "another tenant's application" 404
hapi "$APP" GET "/api/v1/apps/$APP_ID/certificate?format=pem"
expect_eq "an application reads its own, as PEM" "$CODE $(fp_of "$T/resp")" "200 $(fp_of "$T/app.crt")"
expect_match "... as a download" "$(tr -d '\r' <"$T/hdr" | grep -i '^content-disposition:')" \
  "attachment; filename=\"app-$APP_ID.pem\""
api a1 GET "/api/v1/apps/$APP_ID/certificate"
expect_eq "the operator of the tenant reads it" "$CODE $(j .app_id)" "200 $APP_ID"
api admin GET "/api/v1/apps/$APPB_ID/certificate"
expect_code "none registered" 404
hapi "$APP" GET /apif/v1/certificates
expect_eq "AP-IF #9: own and the gateways' certificates" \
  "$(j .self.fingerprint) $(j '.peers | length') $(j '.peers[0].fingerprint')" \
  "$(fp_of "$T/app.crt") 1 $(fp_of "$T/gw.crt")"
hapi "$GW" GET /gwif/v1/certificates
expect_eq "GW-IF #7: the applications' certificates" "$(j '.peers[0].client_id != null') $(j '.peers[0].fingerprint')" \
  "true $(fp_of "$T/app.crt")"

# ---- the tenant setting ------------------------------------------------------------------------
api a1 GET "/api/v1/tenants/$A/protection"
expect_eq "default" "$CODE $(j .protection) $(j .clients_without_certificate)" "200 none 0"
api a1 PUT "/api/v1/tenants/$A/protection" -H 'Content-Type: application/json' -d '{"protection":"signed"}'
expect_code "an operator may not change it" 403
api b1 GET "/api/v1/tenants/$A/protection"
expect_code "another tenant's operator" 404
api admin PUT "/api/v1/tenants/$A/protection" -H 'Content-Type: application/json' -d '{"protection":"sealed"}'
expect_eq "bad value" "$CODE $(j .error.field)" "400 protection"
api admin PUT "/api/v1/tenants/$V/protection" -H 'Content-Type: application/json' -d '{"protection":"signed"}'
expect_eq "not on a vendor tenant" "$CODE $(j .error.field)" "400 protection"
api admin GET "/api/v1/tenants/$B/protection"
expect_eq "tenant B: one client without a certificate" "$(j .clients_without_certificate)" 1

# ---- unprotected tenant: plain and CMS both accepted -------------------------------------------
S1='{"samples":[{"data_id":"gorin-l2.tank_level","ts":"2026-11-20T00:00:00Z","value":1}]}'
S2='{"samples":[{"data_id":"gorin-l2.tank_level","ts":"2026-11-20T01:00:00Z","value":2}]}'
S3='{"samples":[{"data_id":"gorin-l2.tank_level","ts":"2026-11-20T02:00:00Z","value":3}]}'
printf '%s' "$S1" >"$T/s1.json"; printf '%s' "$S2" >"$T/s2.json"; printf '%s' "$S3" >"$T/s3.json"
sign() { # IN OUT NAME: signed by NAME's key, content attached
  openssl cms -sign -binary -nodetach -in "$1" -outform DER -out "$2" -signer "$T/$3.crt" \
    -inkey "$T/$3.key"
}
upload "$GW" "$T/s1.json" application/json
expect_eq "plain upload, unprotected tenant" "$CODE $(j .stored) $(ctype)" "200 1 application/json"
sign "$T/s2.json" "$T/s2.p7m" gw
upload "$GW" "$T/s2.p7m" "$CMS"
expect_eq "signed upload, unprotected tenant" "$CODE $(j .stored) $(ctype)" "200 1 application/json"

# ---- signed ------------------------------------------------------------------------------------
api admin PUT "/api/v1/tenants/$A/protection" -H 'Content-Type: application/json' -d '{"protection":"signed"}'
expect_eq "protect tenant A (body: $BODY)" "$CODE $(j .protection)" "200 signed"
upload "$GW" "$T/s1.json" application/json
expect_err "plain body in a protected tenant" 415 protection_required
upload "$GW" "$T/s2.p7m" "$CMS"
expect_eq "signed by the gateway: accepted" "$CODE $(ctype)" "200 $CMS; smime-type=signed-data"
openssl cms -verify -inform DER -in "$T/resp" -CAfile "$T/ca.pem" -out "$T/ans.json" 2>"$T/verify.err"
expect_match "openssl verifies the answer" "$(cat "$T/verify.err")" 'Verification successful'
expect_eq "... which is the JSON answer" "$(jq .stored "$T/ans.json")" 1
sign "$T/s3.json" "$T/s3.intruder" intruder
upload "$GW" "$T/s3.intruder" "$CMS"
expect_err "signed by an unknown key" 403 wrong_signer
sign "$T/s3.json" "$T/s3.app" app
upload "$GW" "$T/s3.app" "$CMS"
expect_err "signed by another registered client" 403 wrong_signer
python3 - "$T/s2.p7m" "$T/s2.bad" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
i = d.index(b'"value":2')
open(sys.argv[2], "wb").write(d[:i + 8] + b"9" + d[i + 9:])
PY
upload "$GW" "$T/s2.bad" "$CMS"
expect_err "tampered value" 400 bad_signature
head -c 300 "$T/s2.p7m" >"$T/s2.cut"
upload "$GW" "$T/s2.cut" "$CMS"
expect_err "truncated" 400 syntax
openssl cms -sign -binary -in "$T/s3.json" -outform DER -out "$T/s3.det" -signer "$T/gw.crt" \
  -inkey "$T/gw.key"
upload "$GW" "$T/s3.det" "$CMS"
expect_match "detached signature" "$CODE $(j .error.code) $(j .error.message)" '^400 syntax detached'
hapi "$APP" GET /apif/v1/points/gorin-l2.tank_level/latest
expect_eq "AP-IF answer signed" "$CODE $(ctype)" "200 $CMS; smime-type=signed-data"
openssl cms -verify -inform DER -in "$T/resp" -CAfile "$T/ca.pem" -out "$T/ans.json" 2>/dev/null
expect_eq "latest value through the signature" "$(jq .value "$T/ans.json")" 2
hapi "$GW" GET /gwif/v1/inventory
expect_eq "GW-IF inventory signed" "$CODE $(ctype)" "200 $CMS; smime-type=signed-data"
openssl cms -verify -inform DER -in "$T/resp" -CAfile "$T/ca.pem" -out "$T/inv.json" 2>/dev/null
expect_match "... and verifies" "$(jq -c '.devices | length' "$T/inv.json")" '^[1-9]'
ETAG=$(tr -d '\r' <"$T/hdr" | awk -F': ' 'tolower($1)=="etag"{print $2}')
hapi "$GW" GET /gwif/v1/inventory -H "If-None-Match: $ETAG"
expect_eq "304 has nothing to sign" "$CODE $(wc -c <"$T/resp")" "304 0"
hapi "$APP" GET /apif/v1/points/gorin-l2.nope/latest
expect_eq "errors stay plain JSON" "$CODE $(ctype) $(j .error.code)" "404 application/json not_found"
hapi "$APPB" GET /apif/v1/certificates
expect_eq "tenant B is not protected" "$CODE $(j .protection)" "200 none"

# ---- signed and encrypted ----------------------------------------------------------------------
api admin PUT "/api/v1/tenants/$A/protection" -H 'Content-Type: application/json' \
  -d '{"protection":"signed_encrypted"}'
expect_eq "signed_encrypted" "$CODE $(j .protection)" "200 signed_encrypted"
upload "$GW" "$T/s2.p7m" "$CMS"
expect_match "signed but not encrypted" "$CODE $(j .error.code) $(j .error.message)" \
  '^415 protection_required .*encrypted'
sign "$T/s3.json" "$T/s3.p7m" gw
openssl cms -encrypt -binary -aes256 -in "$T/s3.p7m" -outform DER -out "$T/s3.env" "$T/pf.pem"
upload "$GW" "$T/s3.env" "$CMS"
expect_eq "signed then encrypted (AES-256-CBC): accepted" "$CODE $(ctype)" \
  "200 $CMS; smime-type=enveloped-data"
openssl cms -decrypt -inform DER -in "$T/resp" -recip "$T/gw.crt" -inkey "$T/gw.key" \
  -out "$T/ans.p7m"
openssl cms -verify -inform DER -in "$T/ans.p7m" -CAfile "$T/ca.pem" -out "$T/ans.json" 2>/dev/null
expect_eq "openssl decrypts and verifies the answer" "$(jq .stored "$T/ans.json")" 1
openssl cms -encrypt -binary -aes-256-gcm -in "$T/s3.p7m" -outform DER -out "$T/s3.gcm" "$T/pf.pem"
upload "$GW" "$T/s3.gcm" "$CMS"
expect_eq "AES-256-GCM (AuthEnvelopedData) too" "$CODE" 200
openssl cms -encrypt -binary -aes256 -in "$T/s3.p7m" -outform DER -out "$T/s3.wrong" "$T/gw.crt"
upload "$GW" "$T/s3.wrong" "$CMS"
expect_err "encrypted to another certificate" 400 not_decryptable
openssl cms -encrypt -binary -aes256 -in "$T/s3.json" -outform DER -out "$T/s3.plainenv" "$T/pf.pem"
upload "$GW" "$T/s3.plainenv" "$CMS"
expect_match "encrypted but not signed" "$CODE $(j .error.code) $(j .error.message)" \
  '^415 protection_required .*signed'
openssl cms -encrypt -binary -aes256 -in "$T/s3.intruder" -outform DER -out "$T/s3.ienv" "$T/pf.pem"
upload "$GW" "$T/s3.ienv" "$CMS"
expect_err "encrypted, signed by an unknown key" 403 wrong_signer
hapi "$APP" GET /apif/v1/points/gorin-l2.tank_level/latest
openssl cms -decrypt -inform DER -in "$T/resp" -recip "$T/app.crt" -inkey "$T/app.key" \
  -out "$T/ans.p7m"
openssl cms -verify -inform DER -in "$T/ans.p7m" -CAfile "$T/ca.pem" -out "$T/ans.json" 2>/dev/null
expect_eq "AP-IF answer for the application: decrypt, verify" "$CODE $(jq .value "$T/ans.json")" "200 3"
expect_fail "the gateway's key cannot read the application's answer" \
  openssl cms -decrypt -inform DER -in "$T/resp" -recip "$T/gw.crt" -inkey "$T/gw.key"

# a client whose certificate is removed is refused, but can still fetch certificates
api admin DELETE "/api/v1/gateways/$GW_ID/certificate"
expect_code "remove the gateway's certificate" 204
api admin DELETE "/api/v1/gateways/$GW_ID/certificate"
expect_code "... once" 404
upload "$GW" "$T/s3.env" "$CMS"
expect_err "no certificate in a protected tenant" 403 certificate_required
hapi "$GW" GET /gwif/v1/certificates
expect_eq "certificates stay reachable" "$CODE $(j .protection) $(j .self)" "200 signed_encrypted null"
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/gw.crt"
expect_code "register it again" 200
api admin PATCH "/api/v1/gateways/$GW_ID" -H 'Content-Type: application/json' \
  -d "{\"cert_fingerprint\":\"$(fp_of "$T/intruder.crt")\"}"
upload "$GW" "$T/s3.env" "$CMS"
expect_match "a registration pinning another fingerprint" "$CODE $(j .error.code) $(j .error.message)" \
  '^403 certificate_required .*pinned'
api admin PUT "/api/v1/gateways/$GW_ID/certificate" -H "Content-Type: $PEM" --data-binary "@$T/gw.crt"

# ---- back to none ------------------------------------------------------------------------------
api admin PUT "/api/v1/tenants/$A/protection" -H 'Content-Type: application/json' -d '{"protection":"none"}'
upload "$GW" "$T/s1.json" application/json
expect_eq "plain accepted again" "$CODE $(j .stored)" "200 1"
api admin GET "/api/v1/audit?action=tenant.protection"
expect_eq "every change audited" "$(j '.items | length')" 3
api admin GET "/api/v1/audit?action=gw.certificate"
expect_eq "certificate changes audited" "$(j '[.items[].action] | sort | unique | join(",")')" \
  "gw.certificate,gw.certificate_remove"

# ---- suidoctl, with the admin's session ---------------------------------------------------------
export HOME="$T/home"; mkdir -p "$HOME/.config/suido"
printf 'server %s\nsession %s\n' "$U" "$(awk '$6=="suido_session"{print $7}' "$T/admin.jar")" \
  >"$HOME/.config/suido/session"
ctl() { "$BIN/suidoctl" "$@"; }
expect_eq "suidoctl tenant protection" "$(ctl tenant protection "$B" | jq -r .protection)" none
ctl tenant protection "$B" signed >/dev/null
expect_eq "suidoctl sets it" "$(ctl tenant protection "$B" | jq -r .protection)" signed
ctl tenant protection "$B" none >/dev/null
expect_fail "suidoctl: bad value" ctl tenant protection "$B" sealed
expect_eq "suidoctl gw cert" "$(ctl gw cert "$GW_ID" "$T/gw.crt" | jq -r .fingerprint)" "$(fp_of "$T/gw.crt")"
expect_eq "suidoctl gw cert (show)" "$(ctl gw cert "$GW_ID" | jq -r .pinned)" true
expect_fail "suidoctl: a key is refused" ctl gw cert "$GW_ID" "$T/keyandcert.pem"

# ---- the PKI at rest, and across a restart -----------------------------------------------------
expect_eq "sealed keys are 0600" "$(stat -c %a "$T/data/pki/pf.key.sealed" "$T/data/pki/ca.key.sealed" | sort -u)" 600
expect_fail "no PEM private key on disk" grep -rl 'PRIVATE KEY' "$T/data/pki"
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" 2>/dev/null || true
SUIDO_PG= start_suidod # the same store (and PostgreSQL, if that is where it is)
hapi "$GW" GET /gwif/v1/certificates
expect_eq "same PF certificate after a restart" "$CODE $(j .platform.fingerprint)" "200 $(fp_of "$T/pf.pem")"
done_ok
