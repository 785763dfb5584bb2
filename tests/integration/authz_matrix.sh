#!/usr/bin/env bash
# authz_matrix.sh - authorisation against a real suidod, as an attacker would try it (issue 11):
#  - /apif/v1/me is for client bearer tokens only (a portal session's user id once read another
#    tenant's registration, client id included);
#  - wrong client secrets throttle the address that sends them, for that client id, and never lock
#    the real client out (curl binds 127.0.0.2 for the attacker: loopback is all of 127/8);
#  - an incident links only alarms and alarm groups of its own tenant;
#  - the role x route x tenant matrix: two operator tenants A and B, vendors serving A and
#    vendors serving B, a user of each role of docs/roles.md, an application and a gateway token
#    per tenant; every route of docs/openapi.yaml called by every principal with the path's ids
#    filled with objects of tenant A, the expected answer read from the policy table in
#    docs/roles.md (tests/lib/authz_matrix.py). Prints "N cells, M right".
# SUIDO_PG=1 runs the same against a throwaway PostgreSQL (authz_matrix_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod --set limits.tenant_rps=0 --set limits.connect_failures=5 \
  --set limits.connect_refill=1h
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }

# ---- tenants A (sapporo) and B (otaru); AP/GW vendors OV, OG serve A, OV2, OG2 serve B --------
setup_tenants otaru
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"ap_vendor\",\"name\":\"AP2\"}"; OV2=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"gw_vendor\",\"name\":\"GW2\"}"; OG2=$(jid)
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"ap_vendor\",\"name\":\"AP3\"}"; OX=$(jid)
link_orgs "$OV2 $B" "$OG2 $B" "$OX $A"
user ag "$OA" operator_general
user bg "$OB" operator_general
user ba "$OB" operator_admin
user ba2 "$OB" operator_admin
user v1ag "$OV" apvendor_general
user v1aa "$OV" apvendor_admin
user v1gg "$OG" gwvendor_general
user v1ga "$OG" gwvendor_admin
user v2ag "$OV2" apvendor_general
user v2aa "$OV2" apvendor_admin
user v2gg "$OG2" gwvendor_general
user v2ga "$OG2" gwvendor_admin
approve_sheet "$A" a2 a1
api a1 GET "/api/v1/tenants/$A/sheets"; SHEET_A=$(j '.items[0].id')
approve_sheet "$B" ba2 ba
reg apps "$OV" "$A" "App A"; APP_A=$TOK; APP_A_CID=$CID; APP_A_CS=$CS; APP_A_ID=$RID
reg gateways "$OG" "$A" "GW A"; GW_A=$TOK; GW_A_CID=$CID; GW_A_CS=$CS; GW_A_ID=$RID
reg apps "$OV2" "$B" "App B"; APP_B=$TOK
reg gateways "$OG2" "$B" "GW B"; GW_B=$TOK
register apps "$OV" "$A" "App A2"; APP_A2=$RID   # throwaway: rotated, renamed by the matrix
register gateways "$OG" "$A" "GW A2"; GW_A2=$RID

# ---- /apif/v1/me: bearer clients only -----------------------------------------------------------
bapi "$APP_A" GET /apif/v1/me
expect_eq "application reads its registration" "$CODE $(j .id) $(j .kind)" "200 $APP_A_ID application"
bapi "$GW_A" GET /apif/v1/me
expect_eq "gateway reads its registration" "$CODE $(j .id) $(j .kind)" "200 $GW_A_ID gateway"
for who in admin a1 ag v1ga ba; do
  api "$who" GET /apif/v1/me
  expect_eq "portal session $who on /apif/v1/me (body: $BODY)" "$CODE $(j .client_id)" "403 null"
  expect_match "the reason" "$(j .error.message)" "not for portal sessions"
done
api anon GET /apif/v1/me
expect_code "anonymous on /apif/v1/me" 401

# ---- connect: a throttle per (address, client id), never a lockout -----------------------------
# cconnect FROM CID SECRET: POST /apif/v1/connect from source address FROM; sets CODE, BODY, RA
cconnect() {
  CODE=$(curl -s --interface "$1" -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -X POST "$U/apif/v1/connect" -H 'Content-Type: application/json' \
    -d "{\"client_id\":\"$2\",\"client_secret\":\"$3\"}")
  BODY=$(cat "$T/body")
  RA=$(awk 'tolower($1) == "retry-after:" {print $2}' "$T/headers" | tr -d '\r')
}
n401=0 n429=0
for i in $(seq 50); do
  cconnect 127.0.0.2 "$GW_A_CID" "sdc_wrong$i"
  case $CODE in 401) n401=$((n401 + 1)) ;; 429) n429=$((n429 + 1)) ;; *) fail "wrong secret $i: $CODE $BODY" ;; esac
done
expect_eq "50 wrong secrets from one address: 5 refused, then throttled" "$n401 $n429" "5 45"
expect_match "Retry-After" "$RA" '^[0-9]+$'
[ "$RA" -ge 3500 ] && [ "$RA" -le 3601 ] || fail "Retry-After $RA is not about an hour"
expect_match "the reason" "$(j .error.message)" "this address"
cconnect 127.0.0.2 "$GW_A_CID" "$GW_A_CS"
expect_code "the throttled address waits even with the right secret" 429
cconnect 127.0.0.1 "$GW_A_CID" "$GW_A_CS"
expect_code "the real gateway from its own address connects at once" 200
GW_A2TOK=$(j .access_token)
bapi "$GW_A2TOK" GET /apif/v1/me
expect_eq "its new token works" "$CODE $(j .id)" "200 $GW_A_ID"
cconnect 127.0.0.2 "$APP_A_CID" "$APP_A_CS"
expect_code "another client id from the throttled address is not affected" 200
cconnect 127.0.0.3 "$GW_A_CID" "$GW_A_CS"
expect_code "nor the same client id from a third address" 200
api admin GET "/api/v1/audit?limit=500"
expect_eq "throttled attempts are audited" \
  "$(j '[.items[] | select(.action == "client.connect_throttled")] | length')" 46

# ---- incidents link alarms of their own tenant only --------------------------------------------
TS=2026-11-24T05:00:00+09:00
FAULT="{\"samples\":[{\"data_id\":\"gorin-l2.pump1_fault\",\"ts\":\"$TS\",\"value\":1}]}"
for g in "$GW_A" "$GW_B"; do
  bapi "$g" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "$FAULT"
  expect_code "a fault sample" 200
done
# alarm_of WHO: the id of WHO's tenant's pump fault alarm and its group (the engine runs on its
# own thread: poll a moment)
alarm_of() {
  local i
  for i in $(seq 100); do
    api "$1" GET "/api/v1/alarms?state=all"
    [ "$CODE" = 200 ] && [ "$(j '.items | length')" != 0 ] && break
    sleep 0.05
  done
  expect_eq "an alarm in $1's tenant (body: $BODY)" "$(j '.items | length')" 1
  AL=$(j '.items[0].id'); GR=$(j '.items[0].group_id')
}
alarm_of ag; AL_A=$AL; GR_A=$GR
alarm_of bg; AL_B=$AL; GR_B=$GR
jpost v1ga /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"pump\",\"alarm_ids\":[$AL_A,$AL_B]}"
expect_err "another tenant's alarm is not linked" 400 "alarm_ids[1]"
expect_eq "which id" "$(j .error.message)" "no alarm $AL_B in tenant $A"
if [ "$GR_B" != null ]; then
  jpost v1ga /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"pump\",\"group_ids\":[$GR_B]}"
  expect_err "another tenant's alarm group is not linked" 400 "group_ids[0]"
fi
jpost v2ga /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"pump\",\"alarm_ids\":[$AL_A]}"
expect_code "a vendor serving B opens nothing in A" 403
jpost v1ga /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"pump\",\"alarm_ids\":[$AL_A]}"
expect_eq "own tenant's alarm (body: $BODY)" "$CODE $(j '.alarm_ids | join(",")')" "201 $AL_A"
INC_A=$(jid)
api v1ga PATCH "/api/v1/incidents/$INC_A" -H 'Content-Type: application/json' \
  -d "{\"alarm_ids\":[$AL_A,$AL_B]}"
expect_err "nor linked by a change" 400 "alarm_ids[1]"
api ag GET "/api/v1/incidents/$INC_A"
expect_eq "the incident is unchanged" "$CODE $(j '.alarm_ids | join(",")')" "200 $AL_A"

# ---- the objects of tenant A the matrix aims at --------------------------------------------------
api a2 GET /api/v1/me; A2_ID=$(j .user.id)
E1='{"name":"当番","email":"duty@example.jp","order":1,"min_severity":1,"duty":"always"}'
jpost a2 /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"浄水課\",\"entries\":[$E1]}"
expect_code "a contact list of A" 201
CONTACT_A=$(jid)
bapi "$APP_A" POST /apif/v1/collections/authz/documents -H 'Content-Type: application/json' \
  -d '{"note":"tenant A"}'
expect_code "a document of A" 201
DOC_A=$(jid)
bapi "$APP_A" PUT /apif/v1/files/authz/a.txt --data-binary 'tenant A'
expect_code "a file of A" 201
jpost a2 /api/v1/inquiries \
  '{"addressee":"platform","category":"usage","subject":"画面","body":"操作方法を教えてください"}'
expect_code "an inquiry of A" 201
INQ_A=$(jid)
api a2 POST "/api/v1/inquiries/$INQ_A/files?name=a.txt" -H 'Content-Type: application/octet-stream' \
  --data-binary 'tenant A'
expect_code "a file of the inquiry of A" 201
INQ_FILE_A=$(jid)
jpost a1 /api/v1/bulletin '{"category":"notice","title":"A のお知らせ"}'
expect_code "a bulletin post of A" 201
BULLETIN_A=$(jid)
api a1 POST "/api/v1/bulletin/$BULLETIN_A/attachments?name=a.txt" \
  -H 'Content-Type: application/octet-stream' --data-binary 'tenant A'
expect_code "an attachment of A's post" 201
BULLETIN_ATT_A=$(jid)
jpost a1 /api/v1/bulletin '{"category":"notice","title":"withdrawn by the matrix"}'
expect_code "a bulletin post of A to withdraw" 201
BULLETIN_DEL_A=$(jid)

# ---- the maintenance workplace of A (issue 12): OG is its contractor --------------------------------
api admin PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OG}"
expect_code "OG maintains A" 200
api a1 GET /api/v1/maint/facilities; MFAC_A=$(j '.items[0].id')
jpost v1ga /api/v1/maint/plan "{\"facility\":$MFAC_A,\"month\":\"2026-11\"}"
expect_code "a plan of A" 201
MVISIT_A=$(j '[.visits[] | select(.cycle == "daily")][1].id')
for who in v1gg v1ga; do   # 主任技術者: they may record every cycle
  api "$who" GET /api/v1/me
  api admin PUT "/api/v1/maint/staff/$(j .user.id)" -H 'Content-Type: application/json' -d '{"duty":"chief"}'
  expect_code "$who is a 主任技術者" 200
done
api v1gg GET "/api/v1/maint/templates?cycle=daily"
ANS=$(j '[.items[0].items[] | if .kind == "check" then {item_id: .id, result: "good"} else {item_id: .id, value: 1} end] | .[0].result = "not_good"')
END='{"switches":true,"manholes":true,"alarm":true,"gas":true,"fire":true,"water_valve":true,"lights":true,"doors":true}'
jpost v1gg /api/v1/maint/inspections "{\"facility\":$MFAC_A,\"cycle\":\"daily\",\"template_id\":1,\"answers\":$ANS,\"end_checks\":$END}"
expect_code "an inspection of A" 201
MINSP_A=$(jid); MDEF_A=$(j '.defect_ids[0]')

# ---- the matrix -----------------------------------------------------------------------------------
cookie() { awk '$6 == "suido_session" {print $7}' "$T/$1.jar" | tail -1; }
{
  echo "{\"url\":\"$U\",\"A\":$A,\"B\":$B,\"V\":$V,\"ids\":{"
  echo "\"tenant_a\":$A,\"org_a\":$OA,\"org_ov\":$OV,\"org_og\":$OG,\"org_ox\":$OX,"
  echo "\"user_a2\":$A2_ID,\"app_a2\":$APP_A2,\"gw_a2\":$GW_A2,\"sheet_a\":$SHEET_A,"
  echo "\"alarm_a\":$AL_A,\"group_a\":$GR_A,\"incident_a\":$INC_A,\"contact_a\":$CONTACT_A,"
  echo "\"inquiry_a\":$INQ_A,\"inquiry_file_a\":$INQ_FILE_A,"
  echo "\"bulletin_a\":$BULLETIN_A,\"bulletin_att_a\":$BULLETIN_ATT_A,\"bulletin_del_a\":$BULLETIN_DEL_A,"
  echo "\"doc_a\":$DOC_A,\"maint_fac_a\":$MFAC_A,\"maint_visit_a\":$MVISIT_A,"
  echo "\"maint_inspection_a\":$MINSP_A,\"maint_defect_a\":$MDEF_A},"
  echo "\"linked\":{\"$OV\":[$A],\"$OG\":[$A],\"$OV2\":[$B],\"$OG2\":[$B]},\"principals\":["
  for u in admin ag a1 bg ba v1ag v1aa v1gg v1ga v2ag v2aa v2gg v2ga; do
    api "$u" GET /api/v1/me
    echo "{\"name\":\"$u\",\"cookie\":\"$(cookie "$u")\",\"me\":$(j .user)},"
  done
  for c in APP_A GW_A APP_B GW_B; do
    bapi "${!c}" GET /apif/v1/me
    echo "{\"name\":\"$c\",\"token\":\"${!c}\",\"client\":$BODY},"
  done
  echo '{"name":"anon"}]}'
} >"$T/matrix.json"
rc=0
python3 "$ROOT/tests/lib/authz_matrix.py" "$T/matrix.json" "$ROOT/docs/openapi.yaml" \
  "$ROOT/docs/roles.md" "$SAMPLE" >"$T/matrix.out" || rc=$?
cat "$T/matrix.out"
expect_eq "every cell of the matrix right" "$rc" 0
done_ok
