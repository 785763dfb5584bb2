#!/usr/bin/env bash
# apif_objects.sh - AP-IF #11-16 against a real suidod with applications' bearer tokens: documents
# (create, read, If-Match updates, 409/428, delete, list), files (multi-MiB streamed upload checked
# by sha256sum, traversal refused, listing), tenant isolation (404) and the per-tenant quota.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
suidoctl_home
QUOTA=$((8 * 1024 * 1024))
start_suidod --set "objects.url=file://$T/objs?quota=$QUOTA"
BASE=$U
admin_credentials
ctl() { "$BIN/suidoctl" --server "$BASE" "$@"; }
# breq TOKEN METHOD PATH [curl args...]: ST status, BODY body, headers in $T/hdr.
breq() {
  local tok=$1 m=$2 p=$3; shift 3
  ST=$(curl -s --path-as-is -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X "$m" \
    -H "Authorization: Bearer $tok" "$@" "$BASE$p")
  BODY=$(cat "$T/body")
}
jreq() { local t=$1 m=$2 p=$3 d=$4; shift 4; breq "$t" "$m" "$p" -H 'Content-Type: application/json' --data "$d" "$@"; }
hdr() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# ---- platform admin, two operator tenants, one AP vendor serving both, one app in each ----------
echo "$ADMIN_PW" | ctl login "$ADMIN_LOGIN" --password-stdin >/dev/null 2>&1 || true
printf '%s\n%s\n' "$ADMIN_PW" 'Kawa-Nagare-2026!' | ctl passwd --password-stdin --login root >/dev/null
echo 'Kawa-Nagare-2026!' | ctl login root --password-stdin >/dev/null
SEC=$(ctl totp enrol | jq -r .secret) # platform admins must use one-time passwords
ctl totp confirm "$(oathtool --totp -b "$SEC")" >/dev/null
TA=$(ctl tenant create "Sapporo water" shared_operator | jq .id)
TB=$(ctl tenant create "Otaru water" dedicated_operator | jq .id)
TV=$(ctl tenant create "AP vendor K.K." vendor | jq .id)
OV=$(ctl org create "$TV" ap_vendor "AP vendor" | jq .id)
ctl org link "$OV" "$TA" >/dev/null
ctl org link "$OV" "$TB" >/dev/null
token() {
  ctl app create "$OV" "$1" "$2" >"$T/app.json"
  curl -s -X POST -H 'Content-Type: application/json' "$BASE/apif/v1/connect" \
    --data "{\"client_id\":\"$(jq -r .client_id "$T/app.json")\",\"client_secret\":\"$(jq -r .client_secret "$T/app.json")\"}" |
    jq -r .access_token
}
A=$(token "$TA" "Leak detection")
B=$(token "$TB" "Otaru app")
expect_match "token A" "$A" '^sdt_'
expect_match "token B" "$B" '^sdt_'

# ---- documents ---------------------------------------------------------------------------------
D=/apif/v1/collections/plans/documents
jreq "$A" POST "$D" '{"pump":"P-1","rate":12.5}'
[ "$ST" != 404 ] || fail "no document routes: sd_api_object_routes() is not called"
expect_eq "create" "$ST $(j .version)" "201 1"
ID=$(j .id)
jreq "$A" POST "$D" '{"pump":"P-2"}'; ID2=$(j .id)
jreq "$A" POST "$D" '[1,2]'; expect_eq "array refused" "$ST" 400
jreq "$A" POST "$D" '{"a":'; expect_eq "bad JSON refused" "$ST" 400
jreq "$A" POST /apif/v1/collections/Plans/documents '{}'; expect_eq "bad collection" "$ST $(j .error.field)" "400 collection"
python3 -c 'import json; print(json.dumps({"x": "a" * 300000}))' >"$T/huge.json"
breq "$A" POST "$D" -H 'Content-Type: application/json' --data-binary "@$T/huge.json"
expect_eq "document over 256 KiB" "$ST" 413
breq "$A" GET "$D/$ID"
expect_eq "read" "$ST $(j .data.pump) $(j .version) $(hdr ETag)" '200 P-1 1 "1"'
jreq "$A" PUT "$D/$ID" '{"pump":"P-1","rate":13}'
expect_eq "update without If-Match" "$ST $(j .error.code)" "428 precondition_required"
jreq "$A" PUT "$D/$ID" '{"pump":"P-1","rate":13}' -H 'If-Match: "1"'
expect_eq "update v1" "$ST $(j .version)" "200 2"
jreq "$A" PUT "$D/$ID" '{"pump":"P-1","rate":99}' -H 'If-Match: 1'
expect_eq "stale update" "$ST $(j .error.code) $(j .current_version)" "409 version_mismatch 2"
jreq "$A" PUT "$D/$ID" '{}' -H 'If-Match: x'
expect_eq "bad If-Match" "$ST" 400
breq "$A" GET "$D/$ID"
expect_eq "stale update lost nothing" "$(j .data.rate) $(j .version)" "13 2"
breq "$A" GET "$D?limit=1"
expect_eq "list page 1" "$ST $(j '.items | length') $(j '.items[0].id') $(j .next_after)" "200 1 $ID $ID"
breq "$A" GET "$D?limit=1&after=$ID"
expect_eq "list page 2" "$(j '.items[0].id') $(j '.items[0].data.pump')" "$ID2 P-2"
breq "$A" GET /apif/v1/collections/other/documents
expect_eq "collections are separate" "$(j '.items | length')" 0
breq "$A" GET "/apif/v1/collections/other/documents/$ID"
expect_eq "id is per collection" "$ST" 404
# another tenant's application sees nothing
breq "$B" GET "$D/$ID"; expect_eq "B cannot read" "$ST" 404
breq "$B" GET "$D"; expect_eq "B lists nothing" "$ST $(j '.items | length')" "200 0"
jreq "$B" PUT "$D/$ID" '{"pwned":1}' -H 'If-Match: 2'; expect_eq "B cannot update" "$ST" 404
breq "$B" DELETE "$D/$ID" -H 'If-Match: 2'; expect_eq "B cannot delete" "$ST" 404
breq "$A" DELETE "$D/$ID"; expect_eq "delete without If-Match" "$ST" 428
breq "$A" DELETE "$D/$ID" -H 'If-Match: 1'; expect_eq "stale delete" "$ST $(j .current_version)" "409 2"
breq "$A" DELETE "$D/$ID" -H 'If-Match: 2'; expect_eq "delete" "$ST" 204
breq "$A" GET "$D/$ID"; expect_eq "deleted" "$ST" 404
breq - GET "$D"; expect_eq "anonymous" "$ST" 401

# ---- files: a multi-MiB streamed upload, read back byte for byte ---------------------------------
F=/apif/v1/files
head -c $((6 * 1024 * 1024 + 123)) /dev/urandom >"$T/big.bin"
SUM=$(sha256sum "$T/big.bin" | cut -d' ' -f1)
breq "$A" PUT "$F/reports/2026/水位.bin" -H 'Content-Type: application/octet-stream' --data-binary "@$T/big.bin"
expect_eq "upload" "$ST $(j .sha256) $(j .size)" "201 $SUM $((6 * 1024 * 1024 + 123))"
curl -s -o "$T/back.bin" -D "$T/hdr" -H "Authorization: Bearer $A" "$BASE$F/reports/2026/%E6%B0%B4%E4%BD%8D.bin"
expect_eq "download sha256" "$(sha256sum "$T/back.bin" | cut -d' ' -f1)" "$SUM"
expect_eq "X-Content-SHA256" "$(hdr X-Content-SHA256)" "$SUM"
expect_eq "ETag is the content hash" "$(hdr ETag)" "\"$SUM\""
breq "$A" GET "$F/reports/2026/%E6%B0%B4%E4%BD%8D.bin" -H "If-None-Match: \"$SUM\""
expect_eq "unchanged file: 304" "$ST" 304
printf 'hello\n' >"$T/small.txt"
breq "$A" PUT "$F/notes/a.txt" --data-binary "@$T/small.txt"; expect_eq "small upload" "$ST" 201
breq "$A" PUT "$F/notes/a.txt" --data-binary "@$T/small.txt"; expect_eq "replace" "$ST" 200
breq "$A" PUT "$F/notes/empty" --data-binary ''; expect_eq "empty file" "$ST $(j .size)" "201 0"
breq "$A" GET "$F/notes/a.txt"
expect_eq "text back" "$ST $BODY" "200 hello"
expect_match "content type" "$(hdr Content-Type)" '^text/plain'
breq "$A" GET "$F?prefix=reports/"
expect_eq "list prefix" "$ST $(j '.items | length') $(j '.items[0].path') $(j '.items[0].sha256')" \
  "200 1 reports/2026/水位.bin $SUM"
breq "$A" GET "$F"
expect_eq "list all" "$(j '[.items[].path] | join(",")')" "notes/a.txt,notes/empty,reports/2026/水位.bin"
expect_eq "usage" "$(j .usage) $(j .quota)" "$((6 * 1024 * 1024 + 123 + 6)) $QUOTA"
breq "$A" GET "$F?prefix=../"; expect_eq "bad prefix" "$ST" 400

# ---- traversal and malformed paths: refused with 400 (or never routed: 404) --------------------
for p in '../etc/passwd' 'notes/../../x' '%2e%2e/x' 'notes/%2E%2E/%2e%2e/x' 'a%2Fb' 'notes%2fa.txt' \
         'a%5Cb' 'a/./b' 'a//b' 'a/' '%01x' '.' 'a%00b'; do
  breq "$A" GET "$F/$p"
  case "$ST" in 400|404) ;; *) fail "GET $p: $ST $BODY" ;; esac
  breq "$A" PUT "$F/$p" --data-binary x
  case "$ST" in 400|404) ;; *) fail "PUT $p: $ST $BODY" ;; esac
  checks=$((checks + 2))
done
breq "$A" PUT "$F/%2e%2e/x" --data-binary x
expect_eq "encoded dot-dot says why" "$ST $(j .error.field)" "400 path"
breq "$A" PUT "$F/a%2Fb" --data-binary x
expect_match "encoded slash says why" "$ST $(j .error.message)" "^400 encoded"
long=$(python3 -c 'print("a" * 300)')
breq "$A" PUT "$F/$long" --data-binary x; expect_eq "long segment" "$ST" 400
breq "$A" GET "$F"
expect_eq "nothing stored by refused uploads" "$(j '.items | length')" 3
[ -z "$(find "$T/objs" -name 'x' -o -name 'passwd')" ] || fail "a refused name reached the disk"

# ---- another tenant: not there at all ------------------------------------------------------------
breq "$B" GET "$F/notes/a.txt"; expect_eq "B cannot read A's file" "$ST" 404
breq "$B" GET "$F"; expect_eq "B lists nothing" "$ST $(j '.items | length') $(j .usage)" "200 0 0"
breq "$B" DELETE "$F/notes/a.txt"; expect_eq "B cannot delete A's file" "$ST" 404
breq "$A" GET "$F/notes/a.txt"; expect_eq "A's file still there" "$ST" 200
breq "$B" PUT "$F/notes/a.txt" --data-binary 'B data'; expect_eq "B has its own namespace" "$ST" 201
breq "$A" GET "$F/notes/a.txt"; expect_eq "A's file unchanged" "$BODY" hello

# ---- quota -------------------------------------------------------------------------------------
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/mid.bin"
breq "$A" PUT "$F/mid.bin" --data-binary "@$T/mid.bin"
expect_eq "over quota" "$ST $(j .error.code)" "413 quota_exceeded"
breq "$A" GET "$F/mid.bin"; expect_eq "nothing stored over quota" "$ST" 404
breq "$B" PUT "$F/mid.bin" --data-binary "@$T/mid.bin"; expect_eq "quota is per tenant" "$ST" 201
breq "$A" DELETE "$F/reports/2026/水位.bin"; expect_eq "delete" "$ST" 204
breq "$A" GET "$F/reports/2026/水位.bin"; expect_eq "deleted" "$ST" 404
breq "$A" DELETE "$F/reports/2026/水位.bin"; expect_eq "delete twice" "$ST" 404
breq "$A" PUT "$F/mid.bin" --data-binary "@$T/mid.bin"; expect_eq "room after delete" "$ST" 201
expect_eq "blob removed from disk" "$(find "$T/objs" -type f -name "$SUM" | wc -l)" 0
breq - GET "$F"; expect_eq "anonymous files" "$ST" 401
done_ok
