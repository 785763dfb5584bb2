#!/usr/bin/env bash
# incidents.sh - 障害状況管理 for operators (issue 13) against a real suidod:
#  - an operator (general) opens an incident in its own tenant with severity, facility,
#    description and an alarm of its tenant, changes its status and adds notes (history by who
#    and when, audited); another tenant's alarm or an unknown facility is refused by field;
#  - tenant B's operator admin neither sees nor changes it, nor opens one in A; a vendor does not
#    change the operator's incident, nor opens one in a tenant it does not serve;
#  - GET /api/v1/incidents?format=csv and GET /api/v1/alarms?format=csv: a download with a BOM,
#    Japanese headers, JST times, the formula guard; &encoding=sjis decodes with iconv from CP932;
#    the JSON list's filters hold for the CSV; bad format / encoding are 400 by field.
# SUIDO_PG=1 runs the same against a throwaway PostgreSQL (incidents_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod
upload() { bapi "$1" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "$2"; }
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }
# header NAME: a header of the last answer fetched with -D "$T/h"
header() { awk -v n="$(echo "$1" | tr A-Z a-z)" 'tolower($1) == n ":" {sub(/^[^:]*: */, ""); print}' "$T/h" | tr -d '\r'; }

setup_tenants otaru
user g "$OA" operator_general
user b "$OB" operator_admin
user b2 "$OB" operator_admin
user v "$OV" apvendor_general
approve_sheet "$A" a1 a2
approve_sheet "$B" b b2
reg gateways "$OG" "$A" "Sapporo GW"; GW_A=$TOK
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"gw_vendor\",\"name\":\"GW B\"}"; OG2=$(jid)
link_orgs "$OG2 $B"
reg gateways "$OG2" "$B" "Otaru GW"; GW_B=$TOK

# ---- a pump fault in each tenant (the engine runs on its own thread: wait for the alarm) ------
T1=2026-11-24T05:00:00+09:00
S="{\"samples\":[{\"data_id\":\"gorin-l2.pump1_fault\",\"ts\":\"$T1\",\"value\":1}]}"
upload "$GW_A" "$S"; expect_code "upload A" 200
upload "$GW_B" "$S"; expect_code "upload B" 200
alarm_of() {
  local i
  for i in $(seq 100); do
    api "$1" GET "/api/v1/alarms?state=all"
    [ "$CODE" = 200 ] && [ "$(j '.items | length')" = 1 ] && break
    sleep 0.05
  done
  expect_eq "one alarm in $1's tenant (body: $BODY)" "$(j '.items | length')" 1
  AL=$(j '.items[0].id')
}
alarm_of g; AL_A=$AL
alarm_of b; AL_B=$AL

# ---- an operator opens and works its incident -------------------------------------------------
NEW="{\"title\":\"=1号ポンプ 故障\",\"severity\":2,\"facility\":\"222\",\"description\":\"五輪 受水槽の1号ポンプ停止\",\"note\":\"現地確認へ\""
jpost g /api/v1/incidents "$NEW,\"alarm_ids\":[$AL_B]}"
expect_err "another tenant's alarm is not linked" 400 "alarm_ids[0]"
expect_eq "which" "$(j .error.message)" "no alarm $AL_B in tenant $A"
jpost g /api/v1/incidents "{\"title\":\"x\",\"facility\":\"999\"}"
expect_err "unknown facility" 400 facility
jpost g /api/v1/incidents "{\"title\":\"x\",\"severity\":5}"
expect_err "severity 1-4" 400 severity
jpost g /api/v1/incidents "$NEW,\"alarm_ids\":[$AL_A]}"
expect_eq "operator general opens an incident in its tenant (body: $BODY)" \
  "$CODE $(j .tenant_id) $(j .status) $(j .severity) $(j .facility) $(j '.alarm_ids | join(",")')" \
  "201 $A open 2 222 $AL_A"
expect_eq "description and first note" "$(j .description)|$(j '.history[0].note')" \
  "五輪 受水槽の1号ポンプ停止|現地確認へ"
I=$(jid)
api g PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' \
  -d '{"status":"investigating","note":"業者手配済み"}'
expect_eq "operator changes the status" "$CODE $(j .status)" "200 investigating"
api g PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d '{"note":"部品待ち"}'
expect_eq "a note alone" "$CODE $(j .status) $(j '.history | length') $(j '.history[2].note')" \
  "200 investigating 3 部品待ち"
api g PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d "{\"alarm_ids\":[$AL_A,$AL_B]}"
expect_err "nor linked by a change" 400 "alarm_ids[1]"
api g GET "/api/v1/me"; G_ID=$(j .user.id)
api g GET "/api/v1/incidents/$I"
expect_eq "history by who" "$(j '[.history[].by] | unique | join(",")')" "$G_ID"
api a1 GET "/api/v1/audit?action=incident."
expect_eq "audited" "$CODE $(j '[.items[] | select(.object == "incident:'"$I"'") | .action] | sort | join(",")')" \
  "200 incident.create,incident.update,incident.update"

# ---- other tenants and vendors ----------------------------------------------------------------
api b GET "/api/v1/incidents/$I"
expect_code "tenant B does not see A's incident" 404
api b PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d '{"note":"x"}'
expect_code "nor changes it" 404
jpost b /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"x\"}"
expect_code "nor opens one in A" 403
api b GET "/api/v1/incidents?tenant_id=$A"
expect_code "nor lists A's" 403
api v PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d '{"note":"x"}'
expect_code "a vendor does not change the operator's incident" 404
jpost v /api/v1/incidents "{\"tenant_id\":$B,\"title\":\"x\"}"
expect_code "a vendor opens nothing in a tenant it does not serve" 403
jpost b /api/v1/incidents '{"title":"小樽 停電","severity":1}'
expect_eq "B's own" "$CODE $(j .tenant_id)" "201 $B"
api g GET /api/v1/incidents
expect_eq "A's list is A's" "$CODE $(j '[.items[].tenant_id] | unique | join(",")') $(j '.items | length')" "200 $A 1"
expect_eq "list row" "$(j '.items[0] | [.severity, .facility, .created_by_login != ""] | join(",")')" "2,222,true"

# ---- CSV: incidents ---------------------------------------------------------------------------
api g GET "/api/v1/incidents?format=csv" -D "$T/h"
expect_code "incidents CSV" 200
expect_eq "type" "$(header Content-Type)" "text/csv; charset=utf-8"
expect_match "a download" "$(header Content-Disposition)" '^attachment; filename="incidents.csv"'
expect_eq "BOM" "$(head -c 3 "$T/body" | od -An -tx1 | tr -d ' ')" efbbbf
mapfile -t L < <(tail -c +4 "$T/body" | tr -d '\r')
expect_eq "Japanese headers first" "${L[0]}" \
  "ID,件名 / Title,状態 / Status,重要度 / Severity,施設 / Facility,登録者 / Opened by,登録日時(JST) / Opened (JST),更新日時(JST) / Updated (JST),テナント / Tenant"
expect_eq "rows" "${#L[@]}" 2
expect_match "the row: formula guarded, Japanese status, JST time" "${L[1]}" \
  "^$I,\"'=1号ポンプ 故障\",対応中 investigating,2,222,[^,]+,20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},.*,$A\$"
# the time is JST: the JSON list says created_at in ms, UTC
api g GET /api/v1/incidents; MS=$(j '.items[0].created_at')
api g GET "/api/v1/incidents?format=csv"
expect_match "created_at in JST" "$BODY" "$(TZ=Asia/Tokyo date -d "@$((MS / 1000))" '+%Y-%m-%d %H:%M:%S')"
api g GET "/api/v1/incidents?format=csv&encoding=sjis" -D "$T/h"
expect_eq "sjis type" "$CODE $(header Content-Type)" "200 text/csv; charset=Shift_JIS"
expect_eq "no BOM in Shift_JIS" "$(head -c 2 "$T/body" | od -An -tx1 | tr -d ' ')" 4944
iconv -f CP932 -t UTF-8 "$T/body" >"$T/sjis.txt" || fail "the sjis export is not CP932"
expect_match "decoded header" "$(sed -n 1p "$T/sjis.txt")" "^ID,件名 / Title,状態 / Status,"
expect_match "decoded row" "$(sed -n 2p "$T/sjis.txt")" "^$I,\"'=1号ポンプ 故障\",対応中 investigating,2,222,"
api g GET "/api/v1/incidents?format=csv&status=closed"
expect_eq "filters hold: status" "$(tail -c +4 "$T/body" | tr -d '\r' | wc -l)" 1
api b GET "/api/v1/incidents?format=csv"
expect_eq "B's CSV has B's only" "$(tail -c +4 "$T/body" | tr -d '\r' | tail -n +2 | cut -d, -f2)" "小樽 停電"
api g GET "/api/v1/incidents?format=xml"
expect_err "bad format" 400 format
api g GET "/api/v1/incidents?format=csv&encoding=latin1"
expect_err "bad encoding" 400 encoding
api v GET "/api/v1/incidents?format=csv"
expect_eq "a vendor's CSV lists no operator incident" "$CODE $(tail -c +4 "$T/body" | tr -d '\r' | wc -l)" "200 1"

# ---- CSV: alarms ------------------------------------------------------------------------------
api g GET "/api/v1/alarms?format=csv&state=all" -D "$T/h"
expect_eq "alarms CSV" "$CODE $(header Content-Type)" "200 text/csv; charset=utf-8"
expect_match "a download" "$(header Content-Disposition)" '^attachment; filename="alarms.csv"'
expect_eq "BOM" "$(head -c 3 "$T/body" | od -An -tx1 | tr -d ' ')" efbbbf
mapfile -t L < <(tail -c +4 "$T/body" | tr -d '\r')
expect_match "headers" "${L[0]}" '^ID,発生日時\(JST\) / Raised \(JST\),重要度 / Severity,状態 / State,施設コード / Facility code,施設名 / Facility,'
expect_eq "one alarm" "${#L[@]}" 2
expect_match "the alarm, raised 05:00 JST" "${L[1]}" "^$AL_A,2026-11-24 05:00:00,[1-4],unacked,222,五輪,gorin-l2,gorin-l2.pump1_fault,"
api g GET "/api/v1/alarms?format=csv&state=all&encoding=sjis"
iconv -f CP932 -t UTF-8 "$T/body" >"$T/sjis.txt" || fail "the sjis alarm export is not CP932"
expect_match "sjis alarms decode" "$(sed -n 2p "$T/sjis.txt")" "^$AL_A,2026-11-24 05:00:00,.*,222,五輪,"
api g GET "/api/v1/alarms?format=csv&state=cleared"
expect_eq "filters hold: state" "$(tail -c +4 "$T/body" | tr -d '\r' | wc -l)" 1
api b GET "/api/v1/alarms?format=csv&state=all"
expect_match "B's alarm only" "$(tail -c +4 "$T/body" | tr -d '\r' | sed -n 2p)" "^$AL_B,"
api v GET "/api/v1/alarms?format=csv"
expect_code "a vendor reads no plant alarms" 403
done_ok
