#!/usr/bin/env bash
# maint.sh - the maintenance workplace (issue 12) against a real suidod: the platform admin names
# a vendor serving tenant A its contractor; the contractor's user plans a month of 五輪 (simple:
# 3 daily visits + the monthly one), moves a visit, records a daily inspection with one "not good"
# item, which opens a defect; the contractor moves the defect's 修繕要望 status, the utility's staff
# instruct; every change in the history and the audit. Denials: operators do not record,
# contractors do not instruct, another vendor serving A and a tenant B (its admin, its vendor)
# see nothing; bad input answers with the field. An overdue visit is mailed once (aiosmtpd) to the
# contractor's 管理技術者 and step 1 of the approved contact list. SUIDO_PG=1: maint_pg.sh.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_smtp
start_suidod --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set notify.from=suido@pf.test \
  --set notify.digest=off --set notify.portal_url=http://portal.test --set maint.overdue_check=1s
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }
jpatch() { api "$1" PATCH "$2" -H 'Content-Type: application/json' -d "$3"; }

setup_tenants otaru
jpost admin /api/v1/orgs "{\"tenant_id\":$V,\"kind\":\"gw_vendor\",\"name\":\"GW2\"}"; OG2=$(jid)
link_orgs "$OG2 $B"
user g "$OA" operator_general
user b "$OB" operator_admin
user c1 "$OG" gwvendor_general   # the contractor's engineer
user c2 "$OV" apvendor_admin     # serves A, but is not its contractor
user c3 "$OG2" gwvendor_admin    # serves B
approve_sheet "$A" a1 a2

# ---- the contractor ---------------------------------------------------------------------------
api c1 GET "/api/v1/maint/facilities?tenant_id=$A"
expect_code "no contractor yet: the vendor reads nothing of A" 403
api a1 PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OG}"
expect_code "an operator does not name the contractor" 403
api admin PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OG2}"
expect_err "a vendor not serving A" 400 org_id
api admin PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OA}"
expect_err "an operator organisation" 400 org_id
api admin PUT "/api/v1/maint/contractors/$A" -H 'Content-Type: application/json' -d "{\"org_id\":$OG}"
expect_code "OG maintains A" 200

api c1 GET "/api/v1/maint/facilities?tenant_id=$A"
expect_eq "the contractor sees A's facilities" "$CODE $(j '.items | length')" "200 6"
F=$(j '.items[] | select(.code == "222") | .id')
expect_eq "五輪 is a simple facility" "$(j '.items[] | select(.code == "222") | .type')" simple
for who in c2 c3 b; do
  api "$who" GET "/api/v1/maint/facilities?tenant_id=$A"
  expect_code "$who does not list A's facilities" 403
done
api c2 GET /api/v1/maint/facilities
expect_eq "a vendor's own tenant lists nothing" "$CODE $(j '.items | length')" "200 0"

# ---- the plan of a month --------------------------------------------------------------------------
jpost g /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2026-11\"}"
expect_code "operators do not plan" 403
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2026-13\"}"
expect_err "month 13" 400 month
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2026-11\",\"annual_month\":13}"
expect_err "annual month 13" 400 annual_month
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2026-11\",\"annual_month\":4}"
expect_eq "November: 3 daily + the monthly visit" \
  "$CODE $(j '[.visits[] | select(.cycle == "daily")] | length') $(j '[.visits[] | select(.cycle == "monthly")] | length')" "201 3 1"
expect_eq "spread over the month" "$(j '[.visits[] | select(.cycle == "daily") | .planned_on] | join(",")')" \
  "2026-11-06,2026-11-16,2026-11-26"
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2026-11\"}"
expect_err "a month is planned once" 409 month
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2027-04\"}"
expect_eq "April: the 1年点検 instead of the monthly" "$CODE $(j '[.visits[].cycle] | sort | join(",")')" \
  "201 daily,daily,daily,yearly"
api g GET "/api/v1/maint/plan?facility=$F&month=2026-11"
expect_eq "the utility reads the plan" "$CODE $(j '.visits | length')" "200 4"
VISIT=$(j '[.visits[] | select(.cycle == "daily")][0].id')
for who in b c2 c3; do
  api "$who" GET "/api/v1/maint/plan?facility=$F&month=2026-11"
  expect_code "$who cannot see A's plan" 404
done
api g GET "/api/v1/maint/plan?facility=$F&month=11"
expect_err "a bad month" 400 month
jpatch c1 "/api/v1/maint/visits/$VISIT" '{"planned_on":"2026-11-31"}'
expect_err "no 31 November" 400 planned_on
jpatch g "/api/v1/maint/visits/$VISIT" '{"planned_on":"2026-11-05"}'
expect_code "operators do not move visits" 403
jpatch c1 "/api/v1/maint/visits/$VISIT" '{"planned_on":"2026-11-05"}'
expect_eq "a visit moved" "$CODE $(j "[.visits[] | select(.id == $VISIT)][0].planned_on")" "200 2026-11-05"

# ---- 業務区分 (別紙3): who records which inspection -------------------------------------------------
api c1 GET /api/v1/me; C1_ID=$(j .user.id)
api g GET /api/v1/me; G_ID=$(j .user.id)
user ca "$OG" gwvendor_admin     # the contractor's administrator
staff() { api "$1" PUT "/api/v1/maint/staff/$2" -H 'Content-Type: application/json' -d "{\"duty\":\"$3\"}"; }
staff c1 "$C1_ID" chief
expect_code "a general user does not set 業務区分 (nor sees the user)" 404
staff c2 "$C1_ID" chief
expect_code "another vendor's admin does not either" 403
staff ca "$C1_ID" boss
expect_err "an unknown duty" 400 duty
staff admin "$G_ID" chief
expect_err "operator staff have no 業務区分" 400 duty
staff ca "$C1_ID" technician
expect_eq "c1 is a 技術員" "$CODE $(j .duty)" "200 technician"
api ca GET "/api/v1/maint/staff?org_id=$OG"
expect_eq "the roster" "$CODE $(j '[.items[].duty] | join(",")')" "200 technician"

# ---- a daily inspection with one "not good" item ---------------------------------------------------
api c1 GET "/api/v1/maint/templates?cycle=daily"
expect_eq "the daily checklist of 別表6" "$CODE $(j '.items | length') $(j '.items[0].items | length')" "200 1 13"
TPL=$(j '.items[0].id')
TANK=$(j '.items[0].items[] | select(.label | startswith("貯水槽")) | .id')
ANS=$(j "[.items[0].items[] | if .kind == \"check\" then {item_id: .id, result: (if .id == $TANK then \"not_good\" else \"good\" end)} else {item_id: .id, value: 3.2, unit: .unit} end] | map(if .item_id == $TANK then .note = \"藻の発生\" else . end)")
BADUNIT=$(printf '%s' "$ANS" | jq -c '(.[] | select(.unit == "A")).unit = "kW"')
api c1 GET "/api/v1/maint/templates?cycle=weekly"
expect_err "no weekly cycle" 400 cycle
END='{"switches":true,"manholes":true,"alarm":true,"gas":true,"fire":true,"water_valve":true,"lights":true,"doors":true}'
rec() { jpost "$1" /api/v1/maint/inspections "{\"facility\":$F,\"cycle\":\"daily\",\"template_id\":$TPL,\"visit_id\":$VISIT,\"remarks\":\"受水槽に藻\",\"answers\":$2,\"end_checks\":$3}"; }
rec c1 "$ANS" '{"switches":true}'
expect_err "the 終業点検 items are all required" 400 end_checks.manholes
rec c1 "$BADUNIT" "$END"
expect_match "a current is in A (body: $BODY)" "$CODE $(j .error.field)" '^400 answers\[[0-9]+\]\.unit$'
rec c1 "$(printf '%s' "$ANS" | jq -c '.[1:]')" "$END"
expect_err "every check item answered" 400 answers
rec g "$ANS" "$END"
expect_code "operators do not record" 403
rec b "$ANS" "$END"
expect_code "tenant B's admin: no such facility" 404
YEARLY=$(api c1 GET "/api/v1/maint/templates?cycle=yearly"; j '.items[0].id')
jpost c1 /api/v1/maint/inspections "{\"facility\":$F,\"cycle\":\"yearly\",\"template_id\":$YEARLY,\"answers\":[],\"end_checks\":$END}"
expect_err "a 技術員 does not record a 1年点検" 403 cycle
expect_match "saying why" "$(j .error.message)" "技術員"
rec c1 "$ANS" "$END"
expect_eq "recorded, one defect opened" "$CODE $(j '.defect_ids | length') $(j .not_good)" "201 1 1"
INSP=$(jid); D=$(j '.defect_ids[0]')
rec c1 "$ANS" "$END"
expect_err "a visit is recorded once" 400 visit_id
api g GET "/api/v1/maint/plan?facility=$F&month=2026-11"
expect_eq "the visit is done" "$(j "[.visits[] | select(.id == $VISIT)][0].state")" done
api g GET "/api/v1/maint/inspections/$INSP"
expect_eq "the record as read by the utility" "$CODE $(j .remarks) $(j '.end_checks.doors')" "200 受水槽に藻 true"
api c3 GET "/api/v1/maint/inspections/$INSP"
expect_code "B's vendor: not found" 404
api g GET "/api/v1/maint/inspections?facility=$F&month=2026-11"
expect_eq "listed for the month" "$CODE $(j '.items | length')" "200 $(j '.items | length')"

# ---- the defect through its statuses ---------------------------------------------------------------
api g GET "/api/v1/maint/defects?status=awaiting"
expect_eq "the utility sees it 指示待ち" "$CODE $(j '.items | length') $(j '.items[0].id')" "200 1 $D"
api b GET "/api/v1/maint/defects?tenant_id=$A"
expect_code "B's admin lists nothing of A" 403
api b GET "/api/v1/maint/defects"
expect_eq "nor sees it in B" "$CODE $(j '.items | length')" "200 0"
jpatch g "/api/v1/maint/defects/$D" '{"status":"estimating"}'
expect_code "the status is the contractor's" 403
jpatch c1 "/api/v1/maint/defects/$D" '{"instruction":"repair"}'
expect_code "the instruction is the utility's" 403
jpatch c2 "/api/v1/maint/defects/$D" '{"status":"estimating"}'
expect_code "another vendor of A: not found" 404
jpatch c1 "/api/v1/maint/defects/$D" '{"status":"fixed"}'
expect_err "an unknown status" 400 status
jpatch g "/api/v1/maint/defects/$D" '{"instruction":"repair","instruction_on":"2026-02-30"}'
expect_err "a bad date" 400 instruction_on
jpatch c1 "/api/v1/maint/defects/$D" '{}'
expect_err "nothing to change" 400 null
for s in estimating considering; do
  jpatch c1 "/api/v1/maint/defects/$D" "{\"status\":\"$s\",\"note\":\"$s\"}"
  expect_eq "status $s" "$CODE $(j .status)" "200 $s"
done
jpatch g "/api/v1/maint/defects/$D" '{"instruction":"repair","instruction_on":"2026-11-25","note":"修繕依頼"}'
expect_eq "the utility instructs" "$CODE $(j .instruction) $(j .instruction_on)" "200 repair 2026-11-25"
for s in arranged done; do
  jpatch c1 "/api/v1/maint/defects/$D" "{\"status\":\"$s\"}"
  expect_eq "status $s" "$CODE $(j .status)" "200 $s"
done
api g GET "/api/v1/maint/defects/$D"
expect_eq "every change kept with who" "$(j '[.history[].field] | join(",")')" \
  "created,status,status,instruction,status,status"
expect_eq "the instruction's author" "$(j '.history[3].by_user')" "$(api g GET /api/v1/me; j .user.id)"
jpost c1 /api/v1/maint/defects "{\"facility\":$F,\"place\":\"受水槽\",\"description\":\"蓋の破損\",\"urgency\":\"urgent\"}"
expect_err "urgency" 400 urgency
jpost c1 /api/v1/maint/defects "{\"facility\":$F,\"place\":\"受水槽\",\"description\":\"蓋の破損\",\"urgency\":\"high\"}"
expect_eq "a defect by hand" "$CODE $(j .status) $(j .inspection_id)" "201 awaiting 0"

# ---- audit -------------------------------------------------------------------------------------------
api a1 GET "/api/v1/audit?action=maint.&limit=100"
expect_eq "the maintenance changes are audited" \
  "$(j '[.items[].action] | unique | join(",")')" \
  "maint.contractor,maint.defect_create,maint.defect_update,maint.inspection,maint.plan,maint.visit_move"
api ca GET "/api/v1/audit?action=maint.staff&limit=100"
expect_eq "業務区分 changes in the contractor's own tenant" "$(j '[.items[].object] | unique | join(",")')" "user:$C1_ID"
# ---- overdue visits: mailed once to the 管理技術者 and the contact list's step 1 -----------------
# (November's visits were overdue from the start: the check marked them while nobody was there to
# be told. January's are ahead; two moved into November become overdue, one after the other.)
api ca GET /api/v1/me; CA_ID=$(j .user.id)
staff ca "$CA_ID" manager
expect_code "ca is the 管理技術者" 200
E1='{"name":"当番","email":"duty@a.test","order":1,"min_severity":4,"duty":"always"}'
E2='{"name":"課長","email":"chief@a.test","order":2,"min_severity":2,"duty":"always"}'
jpost a1 /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"連絡体制表\",\"entries\":[$E1,$E2]}"
expect_code "contact list submitted" 201
api a2 POST "/api/v1/contacts/$(jid)/approve"; expect_code "contact list approved" 200
jpost c1 /api/v1/maint/plan "{\"facility\":$F,\"month\":\"2027-01\"}"
expect_code "January planned" 201
Y=$(j '[.visits[] | select(.cycle == "daily")][0].id'); Z=$(j '[.visits[] | select(.cycle == "daily")][1].id')
# mails: "recipient|subject" (RFC 2047 decoded) of every received message matching REGEX
mails() {
  "$SMTP_PY" - "$T/mail" "$1" <<'PY'
import mailbox, re, sys
from email.header import decode_header, make_header
for m in mailbox.Maildir(sys.argv[1], create=False):
    s = str(make_header(decode_header(m["Subject"])))
    if re.search(sys.argv[2], s):
        print("%s|%s" % (m["X-RcptTo"], s))
PY
}
wait_mails() { # REGEX COUNT
  local i=0
  until [ "$(mails "$1" | wc -l)" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le 150 ] || fail "no $2 mails matching '$1': $(mails .)"
    sleep 0.1
  done
}
jpatch c1 "/api/v1/maint/visits/$Y" '{"planned_on":"2026-11-20"}'
expect_code "a January visit moved into November" 200
wait_mails "2026-11-20" 2
expect_eq "to the 管理技術者 and step 1 (not the 技術員, not step 2)" \
  "$(mails 2026-11-20 | cut -d'|' -f1 | sort | tr '\n' ' ')" "ca@example.jp duty@a.test "
expect_match "Japanese subject" "$(mails 2026-11-20 | sed -n 1p)" "\[suido\] 点検期限超過: .* 日常点検 2026-11-20 \(overdue daily inspection: 222\)"
api g GET "/api/v1/maint/plan?facility=$F&month=2027-01"
expect_eq "shown overdue" "$(j "[.visits[] | select(.id == $Y)][0].state")" overdue
jpatch c1 "/api/v1/maint/visits/$Z" '{"planned_on":"2026-11-21"}'
wait_mails "2026-11-21" 2 # a later pass of the check
expect_eq "the first visit still mailed once" "$(mails 2026-11-20 | wc -l)" 2
done_ok
