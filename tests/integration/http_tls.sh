#!/usr/bin/env bash
# http_tls.sh - what TLS suidod speaks (issue 11): TLS 1.3 and 1.2 with forward-secret AEAD
# suites only. openssl s_client, made willing to offer anything (@SECLEVEL=0), must be refused
# TLS 1.0 / 1.1, static-RSA key exchange and CBC suites, and get through with ECDHE + AES-GCM /
# ChaCha20 and with TLS 1.3.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
cd "$SUIDO_ROOT"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
start_suidod --set "http.tls_cert=$T/cert.pem" --set "http.tls_key=$T/key.pem"
# hs ARGS...: 0 when a handshake with these s_client arguments completes
hs() {
  timeout 10 openssl s_client -connect "127.0.0.1:$P" -servername 127.0.0.1 "$@" \
    </dev/null >"$T/hs.out" 2>&1 && grep -Eq '^New, TLSv1\.[0-9], Cipher is [A-Z]' "$T/hs.out"
}
refused() { checks=$((checks + 1)); ! hs "$@" || fail "handshake accepted: $*: $(grep -E '^New,' "$T/hs.out")"; }
accepted() { checks=$((checks + 1)); hs "$@" || fail "handshake refused: $*: $(tail -5 "$T/hs.out")"; }
refused -tls1 -cipher 'ALL:@SECLEVEL=0'
refused -tls1_1 -cipher 'ALL:@SECLEVEL=0'
refused -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0'          # static RSA, CBC
refused -tls1_2 -cipher 'AES256-GCM-SHA384:@SECLEVEL=0'   # static RSA, AEAD
refused -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' # forward secret but CBC
refused -tls1_2 -cipher 'ECDHE-RSA-AES256-SHA384:@SECLEVEL=0'
accepted -tls1_2 -cipher 'ECDHE-RSA-AES128-GCM-SHA256'
accepted -tls1_2 -cipher 'ECDHE-RSA-AES256-GCM-SHA384'
accepted -tls1_2 -cipher 'ECDHE-RSA-CHACHA20-POLY1305'
accepted -tls1_3
# and it still answers over it
checks=$((checks + 1))
code=$(curl -s --cacert "$T/cert.pem" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/api/v1/status")
[ "$code" != 000 ] || fail "no HTTPS answer"
done_ok
