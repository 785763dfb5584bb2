#!/usr/bin/env bash
# seed-sample.sh - load the sample operator tenant, its users and the master data of
# etc/sample-sheet.csv into a freshly bootstrapped suidod, through the public API only.
# usage: seed-sample.sh URL SUIDOD_LOG CREDENTIALS_FILE
# The passwords are random per installation and written to CREDENTIALS_FILE (mode 0600).
set -euo pipefail
U=$1 LOG=$2 OUT=$3
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
api() { # WHO METHOD PATH [curl args] -> $BODY, $CODE
  local who=$1 m=$2 p=$3; shift 3
  CODE=$(curl -s -o "$W/body" -w '%{http_code}' -b "$W/$who.jar" -c "$W/$who.jar" -X "$m" "$U$p" "$@")
  BODY=$(cat "$W/body")
}
must() { [ "$CODE" = "$1" ] || { echo "seed: $2 failed ($CODE): $BODY" >&2; exit 1; }; }
jpost() { api "$1" POST "$2" -H 'Content-Type: application/json' -d "$3"; }
newpw() { echo "Mizu-$(openssl rand -hex 6)-$(openssl rand -hex 3)"; }

: >"$OUT"; chmod 600 "$OUT"
# first login replaces the provisional password
login() { # WHO PROVISIONAL-LOGIN PROVISIONAL-PASSWORD ROLE-LABEL NEW-LOGIN
  local pw; pw=$(newpw)
  jpost "$1" /api/v1/login "{\"login\":\"$2\",\"password\":\"$3\"}"; must 200 "login $1"
  jpost "$1" /api/v1/me/password \
    "{\"current_password\":\"$3\",\"new_password\":\"$pw\",\"login\":\"$5\"}"
  must 200 "password of $1"
  printf '%-18s login %-20s password %s\n' "$4" "$5" "$pw" >>"$OUT"
}
user() { # WHO ORG ROLE EMAIL LOGIN
  jpost admin /api/v1/users "{\"org_id\":$2,\"role\":\"$3\",\"email\":\"$4\"}"; must 201 "user $1"
  login "$1" "$(echo "$BODY" | jget '["user"]["login"]')" \
    "$(echo "$BODY" | jget '["provisional_password"]')" "$3" "$5"
}

login admin "$(awk '/login id:/{print $3}' "$LOG" | tail -1)" \
  "$(awk '/provisional password:/{print $3}' "$LOG" | tail -1)" platform_admin pf-admin
jpost admin /api/v1/tenants '{"name":"北海道-2 住まいセンター","kind":"dedicated_operator"}'
must 201 tenant; T=$(echo "$BODY" | jget '["id"]')
jpost admin /api/v1/orgs "{\"tenant_id\":$T,\"kind\":\"operator\",\"name\":\"UR 北海道 給水施設管理\"}"
must 201 org; O=$(echo "$BODY" | jget '["id"]')
user a1 "$O" operator_admin admin1@hokkaido2.example.jp hokkaido2-admin1
user a2 "$O" operator_admin admin2@hokkaido2.example.jp hokkaido2-admin2
user g "$O" operator_general staff@hokkaido2.example.jp hokkaido2-staff
# four eyes: one admin submits the sheet, the other approves it
api a1 POST "/api/v1/tenants/$T/sheets?filename=sample-sheet.csv" -H 'Content-Type: text/csv' \
  --data-binary "@etc/sample-sheet.csv"; must 201 "sheet submit"
S=$(echo "$BODY" | jget '["id"]')
api a2 POST "/api/v1/tenants/$T/sheets/$S/approve"; must 200 "sheet approve"
echo "tenant $T: master version $(echo "$BODY" | jget '.get("version","?")') from etc/sample-sheet.csv" >>"$OUT"
