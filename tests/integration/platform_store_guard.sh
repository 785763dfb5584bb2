#!/usr/bin/env bash
# platform_store_guard.sh - suidod's data directory is its own: every file it creates is private
# to its user (0600, directories 0700); it refuses, at once and with a message that says how to
# recover, to start on a store that is not the one its secret key and PKI belong to (another key,
# a truncated or emptied database: no second platform with a new administrator beside the old
# key) or that lacks a table or column its migrations made. A normal restart is unaffected.
# SUIDO_PG=1 runs the same on PostgreSQL (platform_store_guard_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod
SUIDOD_PID=$LAST_PID
admin_credentials
D="$T/data"

# ---- modes, while it runs (SQLite's -wal and -shm exist only then) ----------------------------
if [ "${SUIDO_PG:-}" != 1 ]; then
  for f in suido.db suido.db-wal suido.db-shm; do [ -f "$D/$f" ] || fail "$f missing"; done
fi
[ -f "$D/pki/ca.crt" ] || fail "no CA made"
expect_eq "files not private" "$(find "$D" -type f ! -perm 600 -printf '%m %P\n' | sort)" ""
expect_eq "directories not private" "$(find "$D" -type d ! -perm 700 -printf '%m %P\n' | sort)" ""
expect_eq "secret.key" "$(stat -c %a "$D/secret.key")" 600

stop_suidod() { kill "$SUIDOD_PID"; wait "$SUIDOD_PID" 2>/dev/null || true; }
stop_suidod
store=()
[ -n "${SUIDO_STORE_URL:-}" ] && store=(--set "store.url=$SUIDO_STORE_URL")
sql() {
  if [ "${SUIDO_PG:-}" = 1 ]; then psql -Atq "$SUIDO_STORE_URL" -v ON_ERROR_STOP=1 -c "$1"
  else sqlite3 "$D/suido.db" "$1"; fi
}
# refuse WHAT PATTERN: suidod exits 1 at once, saying PATTERN, and makes no administrator
refuse() {
  local rc=0
  timeout 30 "$BIN/suidod" --set "data.dir=$D" --set http.listen=127.0.0.1:0 \
    --set auth.password_cost=min "${store[@]}" >"$T/refused.out" 2>&1 || rc=$?
  expect_eq "$1: exit status ($(cat "$T/refused.out"))" "$rc" 1
  expect_match "$1: message" "$(cat "$T/refused.out")" "$2"
  expect_fail "$1: no new administrator" grep -q 'provisional password' "$T/refused.out"
}

# ---- another secret key ------------------------------------------------------------------------
cp "$D/secret.key" "$T/key.keep"
head -c 32 /dev/urandom >"$D/secret.key"
refuse "another key" "store .* belongs to another secret key than $D/secret.key \\(key id [0-9a-f]{32}, the store expects [0-9a-f]{32}\\)"
expect_match "another key: recovery" "$(cat "$T/refused.out")" "restore them from its backup"
cp "$T/key.keep" "$D/secret.key"

# ---- its own key: a normal restart, no second administrator -----------------------------------
mv "$T/suidod.log" "$T/suidod-1.log.old"
spawn suidod "$BIN/suidod" --set "data.dir=$D" --set "http.listen=127.0.0.1:0" \
  --set auth.password_cost=min "${store[@]}"
SUIDOD_PID=$LAST_PID
P=$(suidod_port "$T/suidod.log"); U="http://127.0.0.1:$P"
expect_fail "restart: no new administrator" grep -q 'provisional password' "$T/suidod.log"
jpost admin /api/v1/login "{\"login\":\"$ADMIN_LOGIN\",\"password\":\"$ADMIN_PW\"}"
expect_code "the first administrator still logs in" 200
stop_suidod

# ---- a table and a column dropped by hand ------------------------------------------------------
sql "DROP TABLE samples" >/dev/null
sql "ALTER TABLE monitors DROP COLUMN webhook_url" >/dev/null
refuse "schema" "does not have the schema its migrations made: missing table samples, column monitors.webhook_url\\."
expect_match "schema: recovery" "$(cat "$T/refused.out")" "suidoctl restore"

# ---- the database emptied (a zero-length suido.db), the key and PKI still there ---------------
if [ "${SUIDO_PG:-}" = 1 ]; then
  sql "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
else
  : >"$D/suido.db"; rm -f "$D/suido.db-wal" "$D/suido.db-shm"
fi
refuse "empty store" "store .* is empty, but $D/secret.key already exists: this is not a new platform"
expect_match "empty store: recovery" "$(cat "$T/refused.out")" \
  "Restore the store from a backup \\(suidoctl restore\\).* move $D/secret.key and $D/pki away first"
expect_eq "the key is kept" "$(cmp "$D/secret.key" "$T/key.keep" && echo same)" same
refuse "empty store, again" "is empty"

# ---- moved away as told: a new platform starts ------------------------------------------------
mkdir "$T/old" && mv "$D/secret.key" "$D/pki" "$T/old/"
mv "$T/suidod.log" "$T/suidod-2.log.old"
spawn suidod "$BIN/suidod" --set "data.dir=$D" --set "http.listen=127.0.0.1:0" \
  --set auth.password_cost=min "${store[@]}"
SUIDOD_PID=$LAST_PID
P=$(suidod_port "$T/suidod.log")
wait_line "$T/suidod.log" 'provisional password'
expect_eq "a new key" "$(cmp -s "$D/secret.key" "$T/key.keep" || echo new)" new
done_ok
