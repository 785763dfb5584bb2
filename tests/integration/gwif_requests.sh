#!/usr/bin/env bash
# gwif_requests.sh - GW-IF inventory and requests against a real suidod (and mosquitto): the
# inventory a gateway serves (sheet column `gateway`, ETag/304), then the same request
# conformance checks over the HTTP long-poll and over MQTT (down/request, up/reply): sync and
# async reads stored as samples, controls queued -> sent -> succeeded, failures with reasons,
# timeouts and expiry, wrong gateway / other tenant 404, malformed bodies 400 with the field.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }

login_admin
jpost admin /api/v1/tenants '{"name":"sapporo","kind":"dedicated_operator"}'; A=$(jid)
jpost admin /api/v1/tenants '{"name":"otaru","kind":"dedicated_operator"}'; B=$(jid)
jpost admin /api/v1/tenants '{"name":"vendors","kind":"vendor"}'; V=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$A,\"kind\":\"operator\",\"name\":\"Sapporo\"}"; OA=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$B,\"kind\":\"operator\",\"name\":\"Otaru\"}"; OB=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"ap_vendor\",\"name\":\"AP\"}"; OV=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"gw_vendor\",\"name\":\"GW\"}"; OG=$(jid)
for o in "$OV $A" "$OV $B" "$OG $A" "$OG $B"; do
  set -- $o; api admin PUT "/api/v1/orgs/$1/tenants/$2"; expect_code "link $o" 200
done
user a1 "$OA" operator_admin
user a2 "$OA" operator_admin
user g "$OA" operator_general
user b1 "$OB" operator_admin
user b2 "$OB" operator_admin

# sheet TENANT_ID USER APPROVER FILE: submit and approve
sheet() {
  api "$2" POST "/api/v1/tenants/$1/sheets" -H 'Content-Type: text/csv' --data-binary "@$4"
  expect_code "submit $4" 201
  api "$3" POST "/api/v1/tenants/$1/sheets/$(j .id)/approve"
  expect_code "approve $4" 200
}
sheet "$A" a1 a2 "$SAMPLE"
sheet "$B" b1 b2 "$SAMPLE"

# reg KIND ORG TENANT NAME -> token in $TOK, client_id in $CID, row id in $RID
reg() {
  jpost admin "/api/v1/$1" "{\"org_id\":$2,\"tenant_id\":$3,\"name\":\"$4\"}"
  expect_code "register $4" 201
  local cs; CID=$(j .client_id); cs=$(j .client_secret)
  RID=$(printf '%s' "$BODY" | jq -r '(.gw // .app).id')
  bapi - POST /apif/v1/connect -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$CID\",\"client_secret\":\"$cs\"}"
  expect_code "connect $4" 200
  TOK=$(j .access_token)
}
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
reg apps "$OV" "$B" "Otaru app"; APPB=$TOK
reg gateways "$OG" "$A" "north"; GA=$TOK; CID_GA=$CID; ID_GA=$RID
reg gateways "$OG" "$B" "otaru gw"; GBT=$TOK

# ---- inventory -------------------------------------------------------------------------------
# the tenant's only gateway serves every device that names none
bapi "$GA" GET /gwif/v1/inventory
expect_code "inventory" 200
expect_eq "inventory: all 7 devices, version 1" "$(j '.devices | length') $(j .version)" "7 1"
expect_eq "inventory: tenant" "$(j .tenant)" sapporo
expect_eq "inventory: device fields" \
  "$(j '.devices[] | select(.code == "gorin-l2") | "\(.model) \(.facility) \(.tel) \(.terminal)"')" \
  "L2 222 0115812221 01"
expect_eq "inventory: outputs" \
  "$(j '.devices[] | select(.code == "gorin-l2") | [.outputs[] | "\(.data_id)=\(.output_no)"] | join(",")')" \
  "gorin-l2.pump1_out=1,gorin-l2.pump2_out=2,gorin-l2.valve_out=3"
expect_eq "inventory: every point once" "$(j '[.devices[].points[]] | length')" 57
CODE=$(curl -s -o /dev/null -w '%{http_code}' -D "$T/hdr" -H "Authorization: Bearer $GA" \
  -H 'If-None-Match: "v1"' "$U/gwif/v1/inventory")
expect_eq "inventory unchanged: 304" "$CODE" 304
expect_match "304 carries the ETag" "$(cat "$T/hdr")" 'ETag: "v1"'
bapi "$APP" GET /gwif/v1/inventory
expect_code "inventory is not for applications" 403
bapi - GET /gwif/v1/inventory
expect_code "inventory needs a token" 401

# a second gateway: devices now go by their `gateway` column
reg gateways "$OG" "$A" "south"; GS=$TOK; ID_GS=$RID
cat >"$T/gw.csv" <<CSV
kind,facility,device,name,model,branch,office,estate,terminal,tel,gateway
device,222,gorin-l2,五輪 受水槽・加圧ポンプ室 遠隔制御端末,L2,01,02,222,01,0115812221,north
device,222,gorin-l3,五輪 自動通報装置,L3,01,02,222,02,0115812222,south
CSV
sheet "$A" a1 a2 "$T/gw.csv"
CODE=$(curl -s -o "$T/body" -w '%{http_code}' -D "$T/hdr" -H "Authorization: Bearer $GA" \
  -H 'If-None-Match: "v1"' "$U/gwif/v1/inventory"); BODY=$(cat "$T/body")
expect_code "inventory after a sheet" 200
expect_match "new ETag" "$(cat "$T/hdr")" 'ETag: "v2"'
expect_eq "north serves gorin-l2 only" "$(j '[.devices[].code] | join(",")') $(j .version)" \
  "gorin-l2 2"
bapi "$GS" GET /gwif/v1/inventory
expect_eq "south serves gorin-l3 only" "$(j '[.devices[].code] | join(",")')" "gorin-l3"
api a1 GET /apif/v1/master/devices
expect_match "the master shows the gateway" "$BODY" '"gateway": ?"north"'
bapi "$GBT" GET /gwif/v1/inventory
expect_eq "another tenant's gateway: its own master" "$(j .tenant) $(j '.devices | length')" \
  "otaru 7"
done_ok
