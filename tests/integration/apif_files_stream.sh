#!/usr/bin/env bash
# apif_files_stream.sh - large downloads of sealed files are streamed: a 64 MiB file fetched twice
# at once comes back byte for byte while suidod's peak RSS grows far less than the file (and no
# plaintext copy of it is held in memory files); a blob tampered with on disk breaks the download
# off (curl fails, short body) instead of answering 200 with a complete-looking body.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
suidoctl_home
start_suidod --set "objects.url=file://$T/objs?quota=$((256 * 1024 * 1024))"
SPID=$LAST_PID
BASE=$U
admin_credentials
ctl() { "$BIN/suidoctl" --server "$BASE" "$@"; }
echo "$ADMIN_PW" | ctl login "$ADMIN_LOGIN" --password-stdin >/dev/null 2>&1 || true
printf '%s\n%s\n' "$ADMIN_PW" 'Kawa-Nagare-2026!' | ctl passwd --password-stdin --login root >/dev/null
echo 'Kawa-Nagare-2026!' | ctl login root --password-stdin >/dev/null
SEC=$(ctl totp enrol | jq -r .secret)
ctl totp confirm "$(oathtool --totp -b "$SEC")" >/dev/null
TA=$(ctl tenant create "Sapporo water" shared_operator | jq .id)
TV=$(ctl tenant create "AP vendor K.K." vendor | jq .id)
OV=$(ctl org create "$TV" ap_vendor "AP vendor" | jq .id)
ctl org link "$OV" "$TA" >/dev/null
ctl app create "$OV" "$TA" "Archive" >"$T/app.json"
A=$(curl -s -X POST -H 'Content-Type: application/json' "$BASE/apif/v1/connect" \
  --data "{\"client_id\":\"$(jq -r .client_id "$T/app.json")\",\"client_secret\":\"$(jq -r .client_secret "$T/app.json")\"}" |
  jq -r .access_token)
expect_match "token" "$A" '^sdt_'
F=$BASE/apif/v1/files
AUTH="Authorization: Bearer $A"
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SPID/status"; }
# plaintext copies held in anonymous memory files (not in RSS, but memory all the same), KiB
memfd_kib() {
  local n=0 f
  for f in /proc/"$SPID"/fd/*; do
    case "$(readlink "$f" 2>/dev/null)" in /memfd:*) n=$((n + $(stat -L -c %s "$f") / 1024)) ;; esac
  done
  echo "$n"
}

SIZE=$((64 * 1024 * 1024))
head -c "$SIZE" /dev/urandom >"$T/big.bin"
SUM=$(sha256sum "$T/big.bin" | cut -d' ' -f1)
ST=$(curl -s -o "$T/put.json" -w '%{http_code}' -X PUT -H "$AUTH" --data-binary "@$T/big.bin" "$F/archive/big.bin")
expect_eq "upload" "$ST $(jq -r .sha256 "$T/put.json")" "201 $SUM"
BLOB="$T/objs/t$TA/${SUM:0:2}/$SUM"
[ -f "$BLOB" ] || fail "no blob at $BLOB"
cmp -s -n 4096 "$BLOB" "$T/big.bin" && fail "the blob is stored in plaintext"

# HEAD: the length without a body
curl -s -I -H "$AUTH" "$F/archive/big.bin" | tr -d '\r' >"$T/head.txt"
expect_match "HEAD status" "$(head -1 "$T/head.txt")" ' 200'
expect_eq "HEAD Content-Length" "$(awk -F': ' 'tolower($1) == "content-length" { print $2 }' "$T/head.txt")" "$SIZE"

# ---- two downloads at once: right bytes, and memory well below the file size -------------------
echo 5 >"/proc/$SPID/clear_refs" 2>/dev/null || true # reset VmHWM to the current RSS
RSS0=$(kib VmRSS); HWM0=$(kib VmHWM)
curl -s -o "$T/d1.bin" -D "$T/h1" -w '%{http_code}' -H "$AUTH" "$F/archive/big.bin" >"$T/st1" &
C1=$!
curl -s -o "$T/d2.bin" -D "$T/h2" -w '%{http_code}' -H "$AUTH" "$F/archive/big.bin" >"$T/st2" &
C2=$!
wait "$C1" || fail "download 1: curl exit $?"
wait "$C2" || fail "download 2: curl exit $?"
HWM1=$(kib VmHWM); MEMFD=$(memfd_kib)
expect_eq "download 1" "$(cat "$T/st1") $(sha256sum "$T/d1.bin" | cut -d' ' -f1)" "200 $SUM"
expect_eq "download 2" "$(cat "$T/st2") $(sha256sum "$T/d2.bin" | cut -d' ' -f1)" "200 $SUM"
expect_match "Content-Length" "$(tr -d '\r' <"$T/h1")" "Content-Length: $SIZE"
expect_match "still a download" "$(tr -d '\r' <"$T/h1")" 'Content-Disposition: attachment'
GROW=$((HWM1 - HWM0))
echo "suidod memory: VmRSS before ${RSS0} KiB, VmHWM before ${HWM0} KiB, after ${HWM1} KiB" \
  "(peak growth ${GROW} KiB for 2 x $((SIZE / 1024)) KiB); memory files held ${MEMFD} KiB"
[ "$GROW" -lt $((48 * 1024)) ] || fail "peak RSS grew by $GROW KiB serving two 64 MiB downloads"
checks=$((checks + 1))
expect_eq "no plaintext copy in memory files" "$MEMFD" 0
ST=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" -H "If-None-Match: \"$SUM\"" "$F/archive/big.bin")
expect_eq "unchanged: 304" "$ST" 304

# ---- a tampered blob: the download breaks off, never a 200 with a whole body -------------------
cp "$BLOB" "$T/blob.orig"
python3 - "$BLOB" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40 * 1024 * 1024)
    b = f.read(1)
    f.seek(40 * 1024 * 1024)
    f.write(bytes([b[0] ^ 1]))
PY
rc=0
curl -s -o "$T/bad.bin" -H "$AUTH" "$F/archive/big.bin" || rc=$?
[ "$rc" != 0 ] || fail "a tampered blob downloaded without a curl error"
checks=$((checks + 1))
GOT=$(stat -c %s "$T/bad.bin")
[ "$GOT" -lt "$SIZE" ] || fail "a tampered blob gave a whole body ($GOT bytes)"
checks=$((checks + 1))
wait_line "$T/suidod.log" "blob $SUM breaks off" 10
checks=$((checks + 1))
# the bytes it did send were sound: a prefix of the file
cmp -s -n "$GOT" "$T/bad.bin" "$T/big.bin" || fail "the short body is not a prefix of the file"
checks=$((checks + 1))
# truncated after a whole chunk: also cut short
head -c $((SIZE / 2)) "$T/blob.orig" >"$BLOB"
rc=0
curl -s -o "$T/short.bin" -H "$AUTH" "$F/archive/big.bin" || rc=$?
[ "$rc" != 0 ] && [ "$(stat -c %s "$T/short.bin")" -lt "$SIZE" ] || fail "a truncated blob: curl $rc"
checks=$((checks + 1))
cp "$T/blob.orig" "$BLOB"
curl -s -o "$T/again.bin" -H "$AUTH" "$F/archive/big.bin"
expect_eq "restored blob downloads" "$(sha256sum "$T/again.bin" | cut -d' ' -f1)" "$SUM"
done_ok
