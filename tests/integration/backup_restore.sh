#!/usr/bin/env bash
# backup_restore.sh - the daily backup (§2.8) against a real suidod: samples, files and a document
# stored, a backup taken online (POST /api/v1/backups), more changes, suidod stopped, the backup
# restored by `suidoctl restore` into a fresh data dir and a new suidod started there: counts and a
# file's SHA-256 are those of backup time. Refusals: a flipped byte (precise message, nothing
# written), a live suidod on the target, an existing store. A failing backup is logged and
# retried; an incomplete one never looks complete; keep pruning with a short interval.
# Encryption (§2.5): backups are sealed to backup.recipient (`suidoctl backup keygen`): no plaintext
# secret.key, sample or document in the backup dir; restore needs the identity, a wrong one or a
# re-hashed manifest fails cleanly; a backup without a recipient holds no secret.key at all.
# SUIDO_PG=1 runs the same on PostgreSQL (pg_dump / pg_restore; backup_restore_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
if [ "${SUIDO_PG:-}" = 1 ] && ! command -v pg_dump >/dev/null; then
  "$ROOT/scripts/install-deps.sh" >/dev/null || fail "pg_dump missing and postgresql-client not installable"
fi
BK="$T/backups"
"$BIN/suidoctl" backup keygen --out "$T/backup.id" >"$T/backup.pub" 2>"$T/keygen.err" ||
  fail "keygen: $(cat "$T/keygen.err")"
PUB=$(cat "$T/backup.pub")
expect_match "keygen prints a base64 public key" "$PUB" '^[A-Za-z0-9+/]{43}=$'
expect_eq "identity private" "$(stat -c %a "$T/backup.id")" 600
expect_fail "keygen never overwrites" "$BIN/suidoctl" backup keygen --out "$T/backup.id"
start_suidod --set "backup.dir=$BK" --set "backup.recipient=$PUB"
SUIDOD_PID=$LAST_PID
# §2.5: suidod says at start whether data.dir is on an encrypted (dm-crypt) volume
grep -Eq "data.dir $T/data is (on an encrypted volume|NOT on an encrypted volume .*docs/encryption.md)" \
  "$T/suidod.log" || fail "no word on the data volume's encryption at start"
# sql QUERY: one value from the running store (SQLite file or PostgreSQL), for counts
sql() {
  if [ "${SUIDO_PG:-}" = 1 ]; then psql -Atq "${DB_URL:-$PG_URL}" -c "$1"
  else sqlite3 "${DB_FILE:-$T/data/suido.db}" "$1"; fi
}
breq() { # TOKEN METHOD PATH [curl args]
  local tok=$1 m=$2 p=$3; shift 3
  CODE=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok" "$U$p" "$@")
  BODY=$(tr -d '\0' <"$T/body")
}

setup_tenants
approve_sheet "$A" a1 a2
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
printf '{"client_id":"%s","client_secret":"%s"}' "$CID" "$CS" >"$T/app.cred" # for after the restore
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK

# samples: HOURS hourly values of two points from hour START (ms timestamps, value = hour)
upload() { # START HOURS
  python3 - "$1" "$2" >"$T/batch.json" <<'PY'
import json, sys, datetime
s, n = int(sys.argv[1]), int(sys.argv[2])
t0 = datetime.datetime(2025, 11, 24, 15, tzinfo=datetime.timezone.utc)
out = []
for i in range(s, s + n):
    ts = (t0 + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.append({"data_id": "gorin-l2.tank_level", "ts": ts, "value": i})
    out.append({"data_id": "gorin-l2.flow", "ts": ts, "value": i * 2})
print(json.dumps({"samples": out}))
PY
  breq "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "@$T/batch.json"
  expect_code "upload $1+$2" 200
}
upload 0 48
head -c 300000 /dev/urandom >"$T/report.bin"
printf 'version one\n' >"$T/v1.txt"
breq "$APP" PUT /apif/v1/files/reports/2026/report.bin --data-binary "@$T/report.bin"
expect_code "put report" 201
breq "$APP" PUT /apif/v1/files/notes/a.txt --data-binary "@$T/v1.txt"
expect_code "put note" 201
breq "$APP" POST /apif/v1/collections/plans/documents -H 'Content-Type: application/json' \
  --data '{"pump":"P-1","rate":12.5}'
expect_code "document" 201
REPORT_SHA=$(sha256sum "$T/report.bin" | cut -d' ' -f1)
N_SAMPLES=$(sql "SELECT COUNT(*) FROM samples")
expect_eq "96 samples stored" "$N_SAMPLES" 96

# ---- authorisation, and a leftover of a crash that must never look complete ------------------
api a1 POST /api/v1/backups
expect_code "operator admin may not back up" 403
api - GET /api/v1/backups
expect_code "anonymous" 401
mkdir -p "$BK/20260101T000000Z.tmp" && echo half >"$BK/20260101T000000Z.tmp/store.db"
api admin GET /api/v1/backups
expect_code "list" 200
expect_eq "a crashed backup is incomplete" "$(j '.items[] | select(.id=="20260101T000000Z") | .result')" incomplete

# ---- the backup, online ------------------------------------------------------------------------
# writers keep going during the backup: it must not block them nor catch half a batch
( for k in 1 2 3 4 5 6 7 8; do
    curl -s -o /dev/null -X POST -H "Authorization: Bearer $GW" -H 'Content-Type: application/json' \
      "$U/gwif/v1/data" --data "{\"samples\":[{\"data_id\":\"gorin-l2.water_meter\",\"ts\":\"2025-11-24T15:0$k:00Z\",\"value\":$k}]}"
  done ) &
WRITER=$!
api admin POST "/api/v1/backups?wait=1"
expect_code "backup taken" 201
ID=$(j .id)
wait "$WRITER"
expect_match "id is the UTC start" "$ID" '^20[0-9]{6}T[0-9]{6}Z$'
expect_eq "result" "$(j .result)" ok
B_SAMPLES=$(j .counts.samples)
[ "$B_SAMPLES" -ge 96 ] && [ "$B_SAMPLES" -le 104 ] || fail "samples in the backup: $B_SAMPLES"
expect_eq "files in the backup" "$(j .counts.objects)" 2
expect_eq "store + 2 blobs + key + 4 PKI files" "$(j .files)" 8
[ -f "$BK/$ID/manifest.json" ] || fail "no manifest"
expect_eq "backup dir private" "$(stat -c %a "$BK/$ID")" 700
expect_eq "blob copied, not linked" "$(stat -c %h "$BK/$ID/objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA")" 1
[ "$(sha256sum <"$BK/$ID/objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA" | cut -d' ' -f1)" != "$REPORT_SHA" ] ||
  fail "the blob is in the backup in plaintext"
expect_eq "manifest names the recipient" "$(jq -r .encryption.recipient "$BK/$ID/manifest.json")" "$PUB"
expect_eq "key included (sealed)" "$(jq -r .key_included "$BK/$ID/manifest.json")" true
# nothing readable: the key, a sample's point, the document, the note, the report
cmp -s "$T/data/secret.key" "$BK/$ID/secret.key" && fail "secret.key in plaintext in the backup"
python3 - "$T/data/secret.key" "$T/report.bin" "$BK/$ID" <<'PY' || fail "plaintext in the backup"
import os, sys
key = open(sys.argv[1], 'rb').read(); rep = open(sys.argv[2], 'rb').read()[:4096]
needles = [key, rep, b'gorin-l2.tank_level', b'"pump":"P-1"', b'version one', b'SQLite format 3', b'PGDMP']
for d, _, fs in os.walk(sys.argv[3]):
    for f in fs:
        if f == 'manifest.json':
            continue
        b = open(os.path.join(d, f), 'rb').read()
        for n in needles:
            if n in b:
                sys.exit(f"{f} holds {n[:16]!r}")
PY
ls -a "$T/data" | grep -q '^\.backup-' && fail "the plaintext snapshot was left in the data dir"
api admin GET /api/v1/backups
expect_eq "listed with size and duration" \
  "$(j ".items[] | select(.id==\"$ID\") | (.result + \" \" + ((.size > 300000)|tostring) + \" \" + ((.duration_ms >= 0)|tostring))")" "ok true true"
expect_eq "the crash leftover is gone" "$(j '[.items[] | select(.result=="incomplete")] | length')" 0
[ ! -d "$BK/20260101T000000Z.tmp" ] || fail "incomplete backup not removed"
api admin GET "/api/v1/backups/$ID"
expect_code "one backup" 200
api admin GET /api/v1/backups/20000101T000000Z
expect_code "unknown backup" 404
api admin GET /api/v1/audit?action=backup
expect_eq "audited" "$(j '.items[0].action')" backup.create
# suidoctl backup goes through the same API (session of the admin's cookie jar)
mkdir -p "$T/home/.config/suido"
printf 'server %s\nsession %s\n' "$U" "$(awk '$6=="suido_session"{print $7}' "$T/admin.jar")" \
  >"$T/home/.config/suido/session"
HOME="$T/home" "$BIN/suidoctl" backup --wait >"$T/ctl.json" || fail "suidoctl backup: $(cat "$T/ctl.json")"
expect_eq "suidoctl backup" "$(jq -r .result "$T/ctl.json")" ok
ID2=$(jq -r .id "$T/ctl.json")
HOME="$T/home" "$BIN/suidoctl" backup list >"$T/ctl.json"
expect_eq "suidoctl backup list" "$(jq -r '.items | length' "$T/ctl.json")" 2

# ---- the state at backup time, then more changes ----------------------------------------------
B_LEVEL=$(sql "SELECT COUNT(*) FROM samples s JOIN points p ON p.id = s.point_id WHERE p.data_id = 'gorin-l2.water_meter'")
N_NOW=$(sql "SELECT COUNT(*) FROM samples")
expect_eq "every writer stored" "$N_NOW" 104
upload 48 24
breq "$APP" DELETE /apif/v1/files/reports/2026/report.bin
expect_code "delete report" 204
printf 'version two\n' >"$T/v2.txt"
breq "$APP" PUT /apif/v1/files/notes/a.txt --data-binary "@$T/v2.txt"
expect_code "replace note" 200
breq "$APP" PUT /apif/v1/files/new.txt --data-binary 'after the backup'
expect_code "new file" 201
expect_eq "changed" "$(sql "SELECT COUNT(*) FROM samples")" $((N_NOW + 48))

# ---- refusals ----------------------------------------------------------------------------------
R() { "$BIN/suidoctl" restore "$@" >"$T/restore.out" 2>&1; }
expect_fail "restore under a live suidod" R "$BK/$ID" --data-dir "$T/data" --force --identity "$T/backup.id"
expect_match "names the running suidod" "$(cat "$T/restore.out")" "suidod \\(pid $SUIDOD_PID\\) is running on"
cp -a "$BK/$ID" "$T/bad"
python3 - "$T/bad/objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[1000] ^= 0x01; open(p, 'wb').write(b)
PY
PGT=()
[ "${SUIDO_PG:-}" = 1 ] && PGT=(--store-url "${PG_URL%/*}/restored")
expect_fail "a flipped byte is refused" R "$T/bad" --data-dir "$T/fresh-bad" "${PGT[@]}"
expect_match "precise message" "$(cat "$T/restore.out")" \
  "backup $T/bad is damaged, nothing was restored: objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA: SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}"
[ ! -e "$T/fresh-bad" ] || fail "a refused restore created $T/fresh-bad"
cp -a "$BK/$ID" "$T/bad2"
printf 'X' | dd of="$T/bad2/manifest.json" bs=1 seek=3 conv=notrunc 2>/dev/null
expect_fail "a damaged manifest is refused" R "$T/bad2" --data-dir "$T/fresh-bad"
expect_match "manifest message" "$(cat "$T/restore.out")" "manifest.json"
rm -rf "$T/bad2"; cp -a "$BK/$ID" "$T/bad2"; truncate -s -1 "$T/bad2/secret.key"
expect_fail "a short file is refused" R "$T/bad2" --data-dir "$T/fresh-bad"
expect_match "size message" "$(cat "$T/restore.out")" "secret.key: 80 bytes, the manifest says 81"
# an attacker who re-hashes a changed file in the manifest still meets its MAC and the seal
rm -rf "$T/bad3"; cp -a "$BK/$ID" "$T/bad3"
B3="$T/bad3/objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA"
python3 - "$B3" "$T/bad3/manifest.json" "objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA" <<'PY'
import hashlib, json, sys
p, mp, rel = sys.argv[1:4]
b = bytearray(open(p, 'rb').read()); b[1000] ^= 0x01; open(p, 'wb').write(b)
m = json.load(open(mp))
for f in m['files']:
    if f['path'] == rel:
        f['sha256'] = hashlib.sha256(b).hexdigest()
json.dump(m, open(mp, 'w'), indent=1)
PY
expect_fail "a re-hashed manifest is refused" R "$T/bad3" --data-dir "$T/fresh-bad" --identity "$T/backup.id"
expect_match "MAC message" "$(cat "$T/restore.out")" "manifest.json: its MAC does not match"
[ ! -e "$T/fresh-bad" ] || fail "a refused restore created $T/fresh-bad"
# the MAC too: the seal of the file still fails, at its byte offset
python3 - "$T/bad3/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); del m['encryption']['mac']; json.dump(m, open(sys.argv[1], 'w'))
PY
expect_fail "a manifest without MAC is refused" R "$T/bad3" --data-dir "$T/fresh-bad" --identity "$T/backup.id"
expect_match "says what is missing" "$(cat "$T/restore.out")" "encryption is not suido-backup-seal/1"
# no identity, a wrong identity, a damaged identity file
expect_fail "an encrypted backup needs its identity" R "$BK/$ID" --data-dir "$T/fresh-bad"
expect_match "names the recipient" "$(cat "$T/restore.out")" "is encrypted to .*: give its identity file"
"$BIN/suidoctl" backup keygen --out "$T/other.id" >/dev/null 2>&1 || fail "keygen 2"
expect_fail "a wrong key fails cleanly" R "$BK/$ID" --data-dir "$T/fresh-bad" --identity "$T/other.id"
expect_match "wrong key message" "$(cat "$T/restore.out")" "wrong key: backup .* is encrypted to .*nothing was restored"
printf 'SUIDO-BACKUP-KEY-1 notakey\n' >"$T/junk.id"
expect_fail "a damaged identity" R "$BK/$ID" --data-dir "$T/fresh-bad" --identity "$T/junk.id"
expect_match "identity line" "$(cat "$T/restore.out")" "identity line 1"
[ ! -e "$T/fresh-bad" ] || fail "a refused restore created $T/fresh-bad"

# ---- stop, restore into a fresh data dir, start there -----------------------------------------
kill "$SUIDOD_PID"; wait "$SUIDOD_PID" || fail "suidod exit status $?"
expect_fail "an existing store is not overwritten" R "$BK/$ID" --data-dir "$T/data" --identity "$T/backup.id"
[ "${SUIDO_PG:-}" = 1 ] || expect_match "says why" "$(cat "$T/restore.out")" "suido.db exists"
if [ "${SUIDO_PG:-}" = 1 ]; then
  psql -q "$PG_URL" -c 'CREATE DATABASE restored' || fail "create database"
  DB_URL="${PG_URL%/*}/restored"
fi
R "$BK/$ID" --data-dir "$T/data2" --identity "$T/backup.id" "${PGT[@]}" || fail "restore: $(cat "$T/restore.out")"
expect_match "summary" "$(cat "$T/restore.out")" "restored backup $ID .* $B_SAMPLES samples, 2 files, 1 documents"
if [ "${SUIDO_PG:-}" = 1 ]; then
  expect_fail "a second restore into the same database" R "$BK/$ID" --data-dir "$T/data3" --identity "$T/backup.id" "${PGT[@]}"
  expect_match "not empty" "$(cat "$T/restore.out")" "already holds a suido store"
fi
DB_FILE="$T/data2/suido.db"
expect_eq "restored samples = backup time" "$(sql "SELECT COUNT(*) FROM samples")" "$B_SAMPLES"
expect_eq "restored level samples" \
  "$(sql "SELECT COUNT(*) FROM samples s JOIN points p ON p.id = s.point_id WHERE p.data_id = 'gorin-l2.water_meter'")" \
  "$((B_SAMPLES - 96))"
[ "$B_LEVEL" -ge "$((B_SAMPLES - 96))" ] || fail "level samples"
expect_eq "key restored" "$(cmp "$T/data/secret.key" "$T/data2/secret.key" && echo same)" same
# the platform CA and PF certificate come back too: clients pinned to the CA keep working
expect_eq "CA restored" "$(cmp "$T/data/pki/ca.crt" "$T/data2/pki/ca.crt" && echo same)" same
expect_eq "PF key restored" \
  "$(cmp "$T/data/pki/pf.key.sealed" "$T/data2/pki/pf.key.sealed" && echo same)" same
expect_eq "PF key mode" "$(stat -c %a "$T/data2/pki/pf.key.sealed")" 600

old_port=$P
ST2=(); [ "${SUIDO_PG:-}" = 1 ] && ST2=(--set "store.url=$DB_URL")
spawn suidod2 "$BIN/suidod" --set "data.dir=$T/data2" --set "http.listen=127.0.0.1:0" \
  --set auth.password_cost=min --set "backup.dir=$T/bk2" --set backup.interval=1s \
  --set backup.keep=3s --set backup.retry=1s "${ST2[@]}"
SUIDOD2=$LAST_PID
P=$(suidod_port "$T/suidod2.log"); U="http://127.0.0.1:$P"
[ "$old_port" != "$P" ] || true
bapi - POST /apif/v1/connect -H 'Content-Type: application/json' --data-binary "@$T/app.cred"
expect_code "the app's credentials survive" 200
APP=$(j .access_token)
breq "$APP" GET /apif/v1/files/reports/2026/report.bin
expect_code "deleted file is back" 200
expect_eq "file SHA-256 at backup time" "$(sha256sum <"$T/body" | cut -d' ' -f1)" "$REPORT_SHA"
breq "$APP" GET /apif/v1/files/notes/a.txt
expect_eq "replaced file is the old version" "$BODY" "version one"
# the restored blobs are sealed on disk; one flipped byte is a 500 and a log line, never garbage
V1_SHA=$(sha256sum "$T/v1.txt" | cut -d' ' -f1)
V1_BLOB="$T/data2/objects/t$A/${V1_SHA:0:2}/$V1_SHA"
grep -q 'version one' "$V1_BLOB" && fail "a restored blob is plaintext on disk"
cp "$V1_BLOB" "$T/v1.sealed"
python3 - "$V1_BLOB" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[40] ^= 0x01; open(p, 'wb').write(b)
PY
breq "$APP" GET /apif/v1/files/notes/a.txt
expect_code "a tampered blob is not served" 500
wait_line "$T/suidod2.log" "does not open: offset 32: the chunk does not authenticate" 5
cp "$T/v1.sealed" "$V1_BLOB"
breq "$APP" GET /apif/v1/files/new.txt
expect_code "a file newer than the backup is absent" 404
breq "$APP" GET "/apif/v1/points/gorin-l2.tank_level/values?from=2025-11-24T00:00:00Z&to=2025-12-01T00:00:00Z"
expect_code "values" 200
expect_eq "values at backup time" "$(j '.values | length')" 48
breq "$APP" GET /apif/v1/collections/plans/documents
expect_eq "document" "$(j '.items[0].data.rate')" 12.5
# (a provisional login id becomes the e-mail address at the first password change)
jpost admin2 /api/v1/login \
  "{\"login\":\"admin@localhost\",\"password\":\"kuma-Tsuru-Gorin-841-zq\",\"otp\":\"$(otp "$ADMIN_TOTP")\"}"
expect_code "the admin logs in with the password and one-time password of backup time" 200

# ---- a failing backup is logged loudly and retried; pruning keeps 3 s ------------------------
wait_line "$T/suidod2.log" "backup 2[0-9T]+Z done" 10
BLOB=$(ls "$T/data2/objects/t$A/${REPORT_SHA:0:2}/$REPORT_SHA")
mv "$BLOB" "$T/blob.away"
wait_line "$T/suidod2.log" "BACKUP FAILED: .*vanished during the backup" 10
api admin2 GET /api/v1/backups
expect_code "list after failure" 200
expect_match "failed attempt listed" "$(j '[.items[] | select(.result=="failed")][0].error')" "vanished"
mv "$T/blob.away" "$BLOB"
n=$(grep -c "done:" "$T/suidod2.log")
i=0; until [ "$(grep -c "done:" "$T/suidod2.log")" -gt "$n" ]; do
  i=$((i + 1)); [ $i -le 100 ] || fail "no retry after the failure"; sleep 0.1; done
sleep 5
wait_line "$T/suidod2.log" "backup: pruned" 5
api admin2 GET /api/v1/backups
now=$(date -u +%s)
oldest=$(j '[.items[] | select(.result=="ok")] | last | .id')
ot=$(date -u -d "$(echo "$oldest" | sed -E 's/^(....)(..)(..)T(..)(..)(..)Z.*/\1-\2-\3 \4:\5:\6/')" +%s)
[ $((now - ot)) -le 8 ] || fail "oldest kept backup $oldest is $((now - ot)) s old (keep 3 s)"
expect_match "older ones pruned" "$(ls "$T/bk2" | wc -l)" '^[1-7]$'
kill "$SUIDOD2"; wait "$SUIDOD2" || fail "suidod2 exit status $?"
expect_eq "every kept backup verifies" "$(for d in "$T"/bk2/2*Z; do [ -d "$d" ] && "$BIN/suidoctl" backup verify "$d" >/dev/null 2>&1; echo $?; done | sort -u | tr '\n' ' ')" "0 "
# suidod2 has no backup.recipient: its backups are plaintext, so they leave the key out, and a
# restore of one asks for the key rather than bringing back sealed secrets nobody can open
grep -q "no backup.recipient: backups are plaintext" "$T/suidod2.log" || fail "no warning without a recipient"
PLAIN=$(ls -d "$T"/bk2/2*Z | tail -1)
[ ! -e "$PLAIN/secret.key" ] || fail "a plaintext backup holds secret.key"
expect_eq "key_included false" "$(jq -r .key_included "$PLAIN/manifest.json")" false
if [ "${SUIDO_PG:-}" != 1 ]; then
  expect_fail "a plaintext backup without the key" R "$PLAIN" --data-dir "$T/data4"
  expect_match "asks for the key" "$(cat "$T/restore.out")" "holds no secret.key .*--key-file"
  R "$PLAIN" --data-dir "$T/data4" --key-file "$T/data2/secret.key" || fail "restore with --key-file: $(cat "$T/restore.out")"
  expect_eq "key placed" "$(cmp "$T/data2/secret.key" "$T/data4/secret.key" && echo same)" same
fi
expect_eq "no sanitizer report" "$(cat "$T"/suidod*.log | grep -Ec 'runtime error|Sanitizer' || true)" 0
done_ok
