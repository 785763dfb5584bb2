#!/usr/bin/env bash
# values_csv.sh - stored values as CSV against a real suidod (CSV提供・投入): the one-point sheet
# of AP-IF #10 (format=csv) and the several-point export (BOM, header, JST times, one column per
# point, Shift_JIS through iconv), agg=year; the import of the same sheet: exported, changed,
# imported and read back; a bad file answers every finding with row and column and stores
# nothing; audited; tenant B can neither export nor import A's points.
# SUIDO_PG=1 runs the same against PostgreSQL (values_csv_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod

setup_tenants otaru
user g "$OA" operator_general
user b1 "$OB" operator_admin
approve_sheet "$A" a1 a2
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK

# 6 hours from JST 2026-11-20 00:00 of two points; tank_level = i, flow = 2i (hour 3 missing)
python3 - >"$T/up.json" <<'PY'
import json, datetime
t0 = datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
out = []
for i in range(6):
    ts = (t0 + datetime.timedelta(hours=i)).isoformat()
    out.append({"data_id": "gorin-l2.tank_level", "ts": ts, "value": i + 0.5})
    if i != 3:
        out.append({"data_id": "gorin-l2.flow", "ts": ts, "value": i * 2})
print(json.dumps({"samples": out}))
PY
bapi "$GW" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "@$T/up.json"
expect_eq "upload" "$CODE $(j .stored)" "200 11"

R="from=2026-11-20T00:00:00%2B09:00&to=2026-11-21T00:00:00%2B09:00"
# get WHO PATH FILE: a download into FILE; sets CODE and HDR (the headers)
get() {
  CODE=$(curl -s -o "$3" -D "$T/hdr" -w '%{http_code}' -b "$T/$1.jar" -c "$T/$1.jar" "$U$2")
  HDR=$(tr -d '\r' <"$T/hdr")
}

# ---- one point: AP-IF #10 with format=csv ----------------------------------------------------
get g "/apif/v1/points/gorin-l2.tank_level/values?$R&format=csv" "$T/one.csv"
expect_eq "one point as CSV" "$CODE" 200
expect_match "a CSV download" "$HDR" "Content-Type: text/csv; charset=utf-8"
expect_match "as an attachment" "$HDR" 'attachment; filename="gorin-l2.tank_level.csv"'
expect_eq "UTF-8 BOM first" "$(head -c 3 "$T/one.csv" | od -An -tx1 | tr -d ' ')" efbbbf
expect_eq "header, Japanese first" "$(head -1 "$T/one.csv" | tr -d '\r' | tail -c +4)" \
  "日時(JST) / Time (JST),gorin-l2.tank_level"
expect_eq "JST times, values" "$(sed -n '2p;7p' "$T/one.csv" | tr -d '\r' | paste -sd'|')" \
  "2026-11-20 00:00:00,0.5|2026-11-20 05:00:00,5.5"
expect_eq "rows" "$(wc -l <"$T/one.csv")" 7
api g GET "/apif/v1/points/gorin-l2.tank_level/values?$R&format=xml"
expect_eq "bad format" "$CODE $(j .error.field)" "400 format"
# agg=year: JST calendar years (the JSON read)
api g GET "/apif/v1/points/gorin-l2.tank_level/values?from=2025-01-01T00:00:00%2B09:00&to=2028-01-01T00:00:00%2B09:00&agg=year"
expect_eq "yearly" "$CODE $(j '.agg') $(j '.buckets | length') $(j '.buckets[0].start') $(j '.buckets[0].count')" \
  "200 year 1 2025-12-31T15:00:00Z 6"
openapi_ok "yearly" GET /apif/v1/points/gorin-l2.tank_level/values

# ---- several points: GET /api/v1/values.csv --------------------------------------------------
get g "/api/v1/values.csv?data_ids=gorin-l2.tank_level,gorin-l2.flow&$R" "$T/two.csv"
expect_eq "two points" "$CODE" 200
expect_match "two points: a download" "$HDR" 'attachment; filename="values.csv"'
expect_eq "one column per point" "$(head -1 "$T/two.csv" | tr -d '\r' | tail -c +4)" \
  "日時(JST) / Time (JST),gorin-l2.tank_level,gorin-l2.flow"
expect_eq "a row per time, empty where no value" "$(sed -n '3p;5p' "$T/two.csv" | tr -d '\r' | paste -sd'|')" \
  "2026-11-20 01:00:00,1.5,2|2026-11-20 03:00:00,3.5,"
get g "/api/v1/values.csv?data_ids=gorin-l2.tank_level,gorin-l2.flow&$R&agg=day" "$T/day.csv"
expect_eq "daily averages" "$(sed -n 2p "$T/day.csv" | tr -d '\r')" "2026-11-20 00:00:00,3,4.8"
get g "/api/v1/values.csv?data_ids=gorin-l2.tank_level,gorin-l2.flow&$R&encoding=sjis" "$T/sjis.csv"
expect_match "Shift_JIS" "$HDR" "charset=Shift_JIS"
expect_eq "Shift_JIS reads back" "$(iconv -f CP932 -t UTF-8 "$T/sjis.csv" | head -1 | tr -d '\r')" \
  "日時(JST) / Time (JST),gorin-l2.tank_level,gorin-l2.flow"
api g GET "/api/v1/values.csv?data_ids=gorin-l2.tank_level,gorin-l2.nope&$R"
expect_eq "an unknown data ID is named" "$CODE $(j .error.field)" "404 data_ids"
expect_match "named" "$(j .error.message)" "gorin-l2.nope"
api g GET "/api/v1/values.csv?data_ids=gorin-l2.flow&from=2026-11-20T00:00:00%2B09:00&to=2026-12-31T00:00:00%2B09:00"
expect_eq "raw range too long" "$CODE $(j .error.field)" "400 to"
api g GET "/api/v1/values.csv?$R"
expect_eq "data_ids required" "$CODE $(j .error.field)" "400 data_ids"
api b1 GET "/api/v1/values.csv?data_ids=gorin-l2.flow&$R"
expect_eq "tenant B cannot export A's point" "$CODE" 404

# ---- import: export, change, import, read back ------------------------------------------------
# hour 1 of tank_level corrected to 99, hour 3 of flow filled in with 7, a new row at 06:00
sed -e 's/^2026-11-20 01:00:00,1.5,/2026-11-20 01:00:00,99,/' \
  -e 's/^\(2026-11-20 03:00:00,3.5,\)\r$/\17\r/' "$T/two.csv" >"$T/fix.csv"
printf '2026/11/20 6:00,42,\r\n' >>"$T/fix.csv" # as Excel writes a time back
imp() { api "$1" POST /api/v1/values.csv -H 'Content-Type: text/csv' --data-binary "@$2"; }
imp g "$T/fix.csv"
expect_eq "import" "$CODE $(j .stored) $(j .points)" "200 13 2"
openapi_ok "import" POST /api/v1/values.csv
api g GET "/apif/v1/points/gorin-l2.tank_level/values?$R"
expect_eq "corrected and added" "$(j '[.values[].value] | join(",")')" "0.5,99,2.5,3.5,4.5,5.5,42"
api g GET "/apif/v1/points/gorin-l2.flow/values?$R"
expect_eq "filled in" "$(j '.values[3].value') $(j '.values | length')" "7 6"
# the Shift_JIS export imports as it is
imp g "$T/sjis.csv"
expect_eq "Shift_JIS import" "$CODE $(j .stored)" "200 11"
api g GET "/apif/v1/points/gorin-l2.tank_level/values?$R"
expect_eq "back as exported" "$(j '.values[1].value')" 1.5
api a1 GET "/api/v1/audit?action=data.import"
expect_eq "audited with counts" "$(j '.items | length') $(j '.items[0].detail | if type == "string" then fromjson else . end | .values')" \
  "2 11"

# ---- a bad file: every finding with row and column, nothing stored -----------------------------
printf '%s\r\n' "日時(JST) / Time (JST),gorin-l2.tank_level,gorin-l2.nope" \
  "2026-11-20 01:00:00,1000," "2026-11-20 25:00:00,1," "2026-11-20 02:00:00,abc,1" \
  "2026-11-20 01:00:00,2," "1999-12-31 00:00:00,1," "2026-11-20 04:00:00,1,2,3" >"$T/bad.csv"
imp g "$T/bad.csv"
expect_eq "findings" "$CODE $(j .error.code)" "400 bad_field"
openapi_ok "findings" POST /api/v1/values.csv
expect_eq "each with row, column, reason" \
  "$(j '[.errors[] | "\(.row):\(.column)"] | sort | join(" ")')" "1:3 3:1 4:2 5:1 6:1 7:4"
expect_match "reasons" "$(j '[.errors[].reason] | join("|")')" "unknown data ID gorin-l2.nope"
api g GET "/apif/v1/points/gorin-l2.tank_level/values?$R"
expect_eq "nothing stored" "$(j '.values[1].value')" 1.5
printf 'x\r\n' >"$T/empty.csv"
imp g "$T/empty.csv"
expect_eq "no data ID column" "$CODE $(j '.errors[0].row'):$(j '.errors[0].column')" "400 1:0"

# ---- who may: tenant B, an application, a vendor -----------------------------------------------
imp b1 "$T/fix.csv"
expect_eq "tenant B cannot import into A's points" "$CODE $(j '[.errors[].row] | unique | join(",")')" \
  "400 1"
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
bapi "$APP" POST /api/v1/values.csv -H 'Content-Type: text/csv' --data-binary "@$T/fix.csv"
expect_eq "an application may not import" "$CODE" 403
bapi - GET "/api/v1/values.csv?data_ids=gorin-l2.flow&$R"
expect_eq "anonymous" "$CODE" 401
done_ok
