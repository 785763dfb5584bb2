#!/usr/bin/env bash
# seed-sample.sh - load the sample operator tenant, its users and the master data of
# etc/sample-sheet.csv into a freshly bootstrapped suidod, through the public API only.
# usage: seed-sample.sh URL SUIDOD_LOG CREDENTIALS_FILE [GATEWAY_CONF]
# The passwords are random per installation and written to CREDENTIALS_FILE (mode 0600). With
# GATEWAY_CONF, a gateway vendor and a gateway (suido-gw) are registered for the sample tenant
# and its client credential is written there as suido-gw config keys (mode 0600).
set -euo pipefail
U=$1 LOG=$2 OUT=$3 GWCONF=${4:-}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
api() { # WHO METHOD PATH [curl args] -> $BODY, $CODE
  local who=$1 m=$2 p=$3; shift 3
  CODE=$(curl -s -o "$W/body" -w '%{http_code}' -b "$W/$who.jar" -c "$W/$who.jar" -X "$m" "$U$p" "$@")
  BODY=$(cat "$W/body")
}
must() { [ "$CODE" = "$1" ] || { echo "seed: $2 failed ($CODE): $BODY" >&2; exit 1; }; }
jpost() { api "$1" POST "$2" -H 'Content-Type: application/json' -d "$3"; }
jput() { api "$1" PUT "$2" -H 'Content-Type: application/json' -d "$3"; }
jpatch() { api "$1" PATCH "$2" -H 'Content-Type: application/json' -d "$3"; }
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
  # the platform admin takes the provisional password in the answer ("deliver":"reply"): the
  # sample's addresses receive no mail, and the users are logged in right here
  jpost admin /api/v1/users "{\"org_id\":$2,\"role\":\"$3\",\"email\":\"$4\",\"deliver\":\"reply\"}"
  must 201 "user $1"
  login "$1" "$(echo "$BODY" | jget '["user"]["login"]')" \
    "$(echo "$BODY" | jget '["provisional_password"]')" "$3" "$5"
}

login admin "$(awk '/login id:/{print $3}' "$LOG" | tail -1)" \
  "$(awk '/provisional password:/{print $3}' "$LOG" | tail -1)" platform_admin pf-admin
# platform admins must use one-time passwords: enrol one (oathtool stands in for the phone) and
# keep its secret beside the password, for an authenticator app or `oathtool --totp -b SECRET`
api admin POST /api/v1/me/totp; must 200 "TOTP enrolment of the admin"
SECRET=$(echo "$BODY" | jget '["secret"]')
jpost admin /api/v1/me/totp/confirm "{\"code\":\"$(oathtool --totp -b "$SECRET")\"}"
must 200 "TOTP confirmation of the admin"
sed -i "s|^\(platform_admin .*\)\$|\1 totp $SECRET|" "$OUT"
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
# the on-call list (連絡体制表) that alarms are mailed to, four eyes again: the duty phone around
# the clock for every severity, the section chief (step 2, after notify.escalate_N unacknowledged)
# for 重故障 and 中故障; make run's SMTP sink keeps the mails in run/mail
E1='{"name":"当番 北海道","email":"duty@hokkaido2.example.jp","phone":"011-000-2221","order":1,"min_severity":4,"duty":"always"}'
E2='{"name":"課長 給水","email":"chief@hokkaido2.example.jp","order":2,"min_severity":2,"duty":"always"}'
jpost a1 /api/v1/contacts "{\"tenant_id\":$T,\"name\":\"北海道-2 連絡体制表\",\"entries\":[$E1,$E2]}"
must 201 "contact list submit"; C=$(echo "$BODY" | jget '["id"]')
api a2 POST "/api/v1/contacts/$C/approve"; must 200 "contact list approve"
echo "tenant $T: contact list $C approved (alarm mails to duty@ and chief@hokkaido2.example.jp)" >>"$OUT"

# the gateway vendor serving this tenant, which is also its maintenance contractor (受注者)
jpost admin /api/v1/tenants '{"name":"サンプル ゲートウェイベンダー","kind":"vendor"}'
must 201 "vendor tenant"; VT=$(echo "$BODY" | jget '["id"]')
jpost admin /api/v1/orgs "{\"tenant_id\":$VT,\"kind\":\"gw_vendor\",\"name\":\"suido-gw vendor\"}"
must 201 "gw vendor org"; OG=$(echo "$BODY" | jget '["id"]')
api admin PUT "/api/v1/orgs/$OG/tenants/$T"; must 200 "link gw vendor"

if [ -n "$GWCONF" ]; then
  # the gateway that brings the simulated terminals in
  jpost admin /api/v1/gateways "{\"org_id\":$OG,\"tenant_id\":$T,\"name\":\"suido-gw 北海道-2\"}"
  must 201 "gateway"
  ( umask 077
    printf 'north.client_id=%s\nnorth.client_secret=%s\n' "$(echo "$BODY" | jget '["client_id"]')" \
      "$(echo "$BODY" | jget '["client_secret"]')" >"$GWCONF" )
  echo "gateway $(echo "$BODY" | jget '["client_id"]') registered for tenant $T (suido-gw)" >>"$OUT"
fi

# ---- the maintenance workplace (docs/maintenance.md): a month of the contract's work ---------
# The vendor maintains the 別表1 facilities: its 管理技術者 and a 技術員, this month's plans, the
# daily inspections of past days (one finds algae in the tank: an open defect, 見積作成中, which
# the utility asked to repair). Visits left unrecorded before today are mailed as overdue.
jput admin "/api/v1/maint/contractors/$T" "{\"org_id\":$OG}"; must 200 "maint contractor"
user m "$OG" gwvendor_admin manager@kanri.example.jp kanri-manager
user e "$OG" gwvendor_general tech@kanri.example.jp kanri-tech
for who in m:manager e:technician; do
  api "${who%%:*}" GET /api/v1/me; must 200 "me"
  jput admin "/api/v1/maint/staff/$(echo "$BODY" | jget '["user"]["id"]')" \
    "{\"duty\":\"${who#*:}\"}"; must 200 "業務区分 ${who#*:}"
done
MONTH=$(TZ=Asia/Tokyo date +%Y-%m) TODAY=$(TZ=Asia/Tokyo date +%F)
api m GET "/api/v1/maint/facilities?tenant_id=$T"; must 200 "maint facilities"
PAST=()
for f in $(echo "$BODY" | python3 -c 'import json,sys; print(*[i["id"] for i in json.load(sys.stdin)["items"]])'); do
  jpost m /api/v1/maint/plan "{\"facility\":$f,\"month\":\"$MONTH\"}"; must 201 "plan of $f"
  for v in $(echo "$BODY" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join("%d:%d:%s" % (d["facility_id"], v["id"], v["planned_on"]) for v in d["visits"]
               if v["cycle"] == "daily" and v["planned_on"] < sys.argv[1]))' "$TODAY"); do
    PAST+=("$v")
  done
done
# early in the month no daily visit is behind us yet: record visits of the last days by hand
while [ "${#PAST[@]}" -lt 2 ]; do
  PAST+=("$(echo "$BODY" | jget '["facility_id"]'):0:$(TZ=Asia/Tokyo date -d "-$((${#PAST[@]} + 1)) days" +%F)")
done
api e GET "/api/v1/maint/templates?cycle=daily"; must 200 "daily template"
TPL=$BODY
END='{"switches":true,"manholes":true,"alarm":true,"gas":true,"fire":true,"water_valve":true,"lights":true,"doors":true}'
n=0
for v in "${PAST[@]:0:3}"; do
  IFS=: read -r f visit on <<<"$v"
  # the first one: the tank is not good (algae), all else good; plausible readings
  body=$(echo "$TPL" | python3 -c '
import json, sys
t = json.load(sys.stdin)["items"][0]
f, visit, on, bad = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
vals = {"A": 12.4, "MPa": 0.42, "m³": 18230.5}
ans = []
for i in t["items"]:
    if i["kind"] == "value":
        ans.append({"item_id": i["id"], "value": vals.get(i["unit"], 1), "unit": i["unit"]})
    elif bad and i["label"].startswith("貯水槽"):
        ans.append({"item_id": i["id"], "result": "not_good", "note": "受水槽内に藻の発生"})
    else:
        ans.append({"item_id": i["id"], "result": "good"})
r = {"facility": f, "cycle": "daily", "template_id": t["id"], "answers": ans,
     "end_checks": json.loads(sys.argv[5]),
     "remarks": "受水槽内に藻の発生、清掃の見積を作成" if bad else "異常なし"}
if visit:
    r["visit_id"] = visit
import datetime
d = datetime.datetime.strptime(on + " 10:00 +0900", "%Y-%m-%d %H:%M %z")
r["done_at"] = int(d.timestamp() * 1000)
print(json.dumps(r, ensure_ascii=False))' "$f" "$visit" "$on" "$([ $n = 0 ] && echo 1)" "$END")
  jpost e /api/v1/maint/inspections "$body"; must 201 "daily inspection of $on"
  [ $n = 0 ] && D=$(echo "$BODY" | jget '["defect_ids"][0]')
  n=$((n + 1))
done
jpatch m "/api/v1/maint/defects/$D" '{"status":"estimating","note":"清掃の見積を作成中"}'
must 200 "defect 見積作成中"
jpatch g "/api/v1/maint/defects/$D" "{\"instruction\":\"repair\",\"instruction_on\":\"$TODAY\",\"note\":\"修繕依頼\"}"
must 200 "defect 修繕依頼"
echo "tenant $T: maintenance by suido-gw vendor: plans of $MONTH, $n daily inspections, defect $D open (見積作成中, 修繕依頼)" >>"$OUT"
