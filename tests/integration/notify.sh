#!/usr/bin/env bash
# notify.sh - on-call e-mail against a real suidod and a real SMTP server (aiosmtpd on loopback):
# contact lists with four-eyes approval and precise duty errors, test mails with the right
# recipients and Japanese subjects, a drill that escalates to step 2 when not acknowledged and
# stops when acknowledged, an SMTP outage retried until delivered, status/SLA/incident shapes
# and roles.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"

start_smtp
# mails: one line per received message, "recipient|subject" (RFC 2047 decoded), sorted
mails() {
  "$SMTP_PY" - "$T/mail" "$@" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    if m["X-RcptTo"] == "ops@pf.test" and len(sys.argv) < 3:
        continue  # resource alerts: only when asked for
    out.append("%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"])))))
print("\n".join(sorted(out)))
PY
}
nmail() { mails | grep -c -- "$1" || true; }
wait_mail() { # REGEX COUNT [SECONDS]
  local i=0
  until [ "$(nmail "$1")" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le $((${3:-10} * 10)) ] || fail "no $2 mails matching '$1': $(mails)"
    sleep 0.1
  done
}

start_suidod --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set notify.from=suido@pf.test \
  --set notify.escalate_1=3s --set notify.repeats=0 --set notify.retry_base=1s \
  --set notify.retry_max=1s --set notify.digest=off --set notify.portal_url=http://portal.test \
  --set notify.ops_to=ops@pf.test --set monitor.interval=1s --set monitor.disk_warn=0.01 \
  --set monitor.disk_fault=101 --set monitor.cpu_warn=101 --set monitor.cpu_fault=101 \
  --set monitor.memory_warn=101 --set monitor.memory_fault=101
login_admin

# ---- resource monitoring: a crossed threshold mails the platform's operators -----------------
i=0
until mails all | grep -q "^ops@pf.test|.*リソース監視 disk: ok → warn"; do
  i=$((i + 1)); [ "$i" -le 100 ] || fail "no resource alert: $(mails all)"; sleep 0.1
done
expect_eq "one resource alert" "$(mails all | grep -c '^ops@pf.test')" 1
setup_tenants otaru
user g "$OA" operator_general
user b1 "$OB" operator_admin
user gv "$OG" gwvendor_admin

# ---- contact lists: validation, roles, four eyes -----------------------------------------------
E1='{"name":"当番 一郎","email":"c1@water.test","phone":"011-000-0001","order":1,"min_severity":2,"duty":"always"}'
E1B='{"name":"夜間 不在","email":"off@water.test","order":1,"min_severity":4,"duty":"sat 03:00-03:01"}'
E2='{"name":"課長 二郎","email":"c2@water.test","order":2,"min_severity":1,"duty":"mon-fri 00:00-24:00;sat,sun,hol 00:00-24:00"}'
E3='{"name":"部長 三郎","email":"c3@water.test","order":3,"min_severity":1,"duty":"always"}'
LIST="{\"tenant_id\":$A,\"name\":\"浄水課 連絡体制表\",\"entries\":[$E1,$E1B,$E2,$E3]}"
jpost g /api/v1/contacts "$LIST"
expect_code "a general operator may not submit" 403
jpost a1 /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"x\",\"entries\":[{\"name\":\"x\",\"email\":\"x@y.test\",\"order\":1,\"min_severity\":1,\"duty\":\"mon-fri 08:30-17:75\"}]}"
expect_eq "bad duty minute (body: $BODY)" "$CODE $(j .error.field)" "400 entries[0].duty"
expect_match "duty error names the byte" "$(j .error.message)" "byte 14: time out of range"
jpost a1 /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"x\",\"entries\":[{\"name\":\"x\",\"email\":\"x@y.test>\",\"order\":1,\"min_severity\":1,\"duty\":\"always\"}]}"
expect_eq "bad e-mail" "$CODE $(j .error.field)" "400 entries[0].email"
jpost a1 /api/v1/contacts "{\"tenant_id\":$A,\"facility\":\"nope\",\"name\":\"x\",\"entries\":[$E1]}"
expect_eq "unknown facility" "$CODE $(j .error.field)" "400 facility"
jpost b1 /api/v1/contacts "$LIST"
expect_code "another tenant's admin may not submit" 403
jpost a1 /api/v1/contacts "$LIST"
expect_eq "submit (body: $BODY)" "$CODE $(j .status) $(j '.entries | length')" "201 submitted 4"
L=$(jid)
api a1 POST "/api/v1/contacts/$L/approve"
expect_code "the submitter may not approve (four eyes)" 403
api g POST "/api/v1/contacts/$L/approve"
expect_code "a general operator may not approve" 403
api b1 POST "/api/v1/contacts/$L/approve"
expect_code "another tenant's admin does not see it" 404
api a2 POST "/api/v1/contacts/$L/approve"
expect_eq "approve" "$CODE $(j .status)" "200 approved"
api a2 POST "/api/v1/contacts/$L/approve"
expect_code "approve twice" 409
api a1 PUT "/api/v1/contacts/$L" -H 'Content-Type: application/json' -d "$LIST"
expect_code "an approved list is not edited in place" 409
api g GET "/api/v1/contacts"
expect_eq "an operator reads the lists" "$CODE $(j '.items | length') $(j '.items[0].entries[2].email')" \
  "200 1 c2@water.test"
# the operator's list names its staff and their phones: a vendor sees and changes its own only
api gv GET "/api/v1/contacts?tenant_id=$A"
expect_eq "a linked vendor does not read the operator's list" "$CODE $(j '.items | length')" "200 0"
api gv PUT "/api/v1/contacts/$L" -H 'Content-Type: application/json' -d "$LIST"
expect_code "nor change it" 404
api gv DELETE "/api/v1/contacts/$L"
expect_code "nor withdraw it" 404
jpost gv /api/v1/notifications/test "{\"list_id\":$L}"
expect_code "nor mail its people" 404
api b1 GET "/api/v1/contacts"
expect_eq "another tenant sees none" "$CODE $(j '.items | length')" "200 0"
# a second list for the same scope replaces the first once approved
jpost a1 /api/v1/contacts "{\"tenant_id\":$A,\"name\":\"v2\",\"entries\":[$E1]}"; L2=$(jid)
api a2 POST "/api/v1/contacts/$L2/reject" -H 'Content-Type: application/json' -d '{"reason":"古い"}'
expect_eq "reject" "$CODE $(j .status) $(j .reason)" "200 rejected 古い"
api a1 DELETE "/api/v1/contacts/$L2"
expect_code "withdraw" 204
api admin GET "/api/v1/audit?action=contact."
expect_eq "audited" "$(j '[.items[].action] | sort | unique | join(",")')" \
  "contact.approve,contact.delete,contact.reject,contact.submit"

# ---- test mail: every entry of the list, right recipients, Japanese subject --------------------
jpost g /api/v1/notifications/test "{\"list_id\":$L}"
expect_code "a general operator may not send tests" 403
jpost a1 /api/v1/notifications/test "{\"list_id\":$L}"
expect_eq "test queued" "$CODE $(j '.ids | length')" "202 4"
wait_mail "テストメール" 4
expect_eq "test mail recipients" "$(mails | cut -d'|' -f1 | tr '\n' ' ')" \
  "c1@water.test c2@water.test c3@water.test off@water.test "
expect_match "test subject" "$(mails | head -1)" "\\[suido\\] テストメール \\(test\\) 浄水課 連絡体制表"
api a1 GET "/api/v1/notifications?tenant_id=$A"
expect_eq "log with SMTP result" "$(j '[.items[] | .state] | unique | join(",")') $(j '.items[0].smtp_code')" \
  "sent 250"
rm -f "$T"/mail/new/*

# ---- drill: step 1 now, step 2 after 3 s unacknowledged, acknowledged before step 3 ------------
jpost a1 /api/v1/notifications/test "{\"list_id\":$L,\"drill\":true}"
expect_eq "drill started" "$CODE $(j .queued)" "202 1"
D=$(j .drill_id)
wait_mail "c1@water.test.*訓練.*重故障" 1
wait_mail "c2@water.test.*訓練" 1 8
api a1 GET "/api/v1/notifications?tenant_id=$A"
DR="[.items[] | select(.alarm_id == -$D)] | sort_by(.id)"
expect_eq "steps 1 and 2, off duty skipped" "$(j "$DR | map(\"\\(.step):\\(.rcpt)\") | .[0:2] | join(\",\")")" \
  "1:c1@water.test,2:c2@water.test"
expect_match "step 2 after the escalation time (ms)" "$(j "$DR | .[1].created_at - .[0].created_at")" \
  "^(29[5-9][0-9]|3[0-9]{3})$"
api a1 POST "/api/v1/notifications/drills/$D/ack"
expect_eq "acknowledged" "$CODE $(j .state)" "200 acked"
sleep 4
expect_eq "no step 3 after the acknowledgement" "$(nmail c3@water.test)" 0
api a1 POST "/api/v1/notifications/drills/$D/ack"
expect_code "ack twice" 409
api b1 POST "/api/v1/notifications/drills/$D/ack"
expect_code "another tenant cannot ack" 404
# an unacknowledged drill runs the whole ladder and stops (repeats = 0)
jpost a1 /api/v1/notifications/test "{\"list_id\":$L,\"drill\":true}"
wait_mail "c3@water.test.*訓練" 1 12
sleep 3.5
expect_eq "ladder ran once" "$(nmail "訓練")" 5
rm -f "$T"/mail/new/*

# ---- SMTP down: kept, retried, delivered when the server is back -----------------------------
kill "$SMTP_PID"; wait "$SMTP_PID" 2>/dev/null || true
jpost a1 /api/v1/notifications/test "{\"list_id\":$L,\"order\":3}"
expect_eq "queued while SMTP is down" "$CODE $(j '.ids | length')" "202 1"
N1=$(j '.ids[0]')
sleep 2.5
api a1 GET "/api/v1/notifications?tenant_id=$A"
expect_eq "pending, retried" "$(j ".items[] | select(.id == $N1) | .state")" pending
expect_match "attempts counted" "$(j ".items[] | select(.id == $N1) | .attempts")" "^[2-9]$"
expect_match "failure recorded" "$(j ".items[] | select(.id == $N1) | .smtp_result")" "onnect"
restart_smtp
wait_mail "c3@water.test.*テストメール" 1 10
api a1 GET "/api/v1/notifications?tenant_id=$A"
expect_eq "delivered after the outage" "$(j ".items[] | select(.id == $N1) | .state") $(j ".items[] | select(.id == $N1) | .smtp_code")" \
  "sent 250"
expect_eq "exactly once" "$(nmail c3@water.test)" 1

# ---- status (§2.1 #3): services, gateways, applications, resources, performance -------------
register gateways "$OG" "$A" "Sapporo GW"
reg apps "$OV" "$A" "Leak app"
bapi "$TOK" GET /apif/v1/master
api admin GET /api/v1/status
expect_code "status" 200
expect_eq "status shape" "$(j '[.generated_at != null, (.components | length > 0), (.resources | length), (.performance | length)] | map(tostring) | join(" ")')" \
  "true true 5 3"
expect_eq "resources" "$(j '[.resources[].name] | join(",")')" "cpu,memory,disk,db_size,outbox"
expect_eq "disk over its (test) threshold" "$(j '.resources[] | select(.name == "disk") | .state')" warn
expect_eq "interfaces" "$(j '[.performance[].interface] | join(",")')" "apif,gwif,portal"
expect_match "portal requests counted" "$(j '.performance[] | select(.interface == "portal") | .requests')" "^[1-9][0-9]*$"
expect_match "apif requests counted" "$(j '.performance[] | select(.interface == "apif") | .requests')" "^[1-9][0-9]*$"
expect_eq "services" "$(j '[.components[] | select(.kind == "service") | "\(.name)=\(.state)"] | join(",")')" \
  "suidod=ok,store=ok,smtp=ok"
expect_eq "gateway never connected" "$(j '.components[] | select(.kind == "gateway") | .state')" unknown
expect_eq "application alive by its token" "$(j '.components[] | select(.kind == "application") | .state')" ok
api gv GET /api/v1/status
expect_eq "a GW vendor sees its gateway only" "$CODE $(j '[.components[].kind] | join(",")') $(j '.resources | length')" \
  "200 gateway 0"
api b1 GET /api/v1/status
expect_eq "another tenant sees no gateway of A" "$CODE $(j '[.components[] | select(.kind != "service")] | length')" "200 0"
api nobody GET /api/v1/status
expect_code "anonymous status" 401

# ---- incidents (障害状況管理): status history by who and when, linked alarms -------------------
jpost a1 /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"x\"}"
expect_code "operators open incidents in their own tenant (issue 13: 障害対応状況を参照・更新)" 201
jpost gv /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"GW 通信断\",\"alarm_ids\":[0]}"
expect_eq "bad alarm id" "$CODE $(j .error.field)" "400 alarm_ids[0]"
jpost gv /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"GW 通信断\",\"alarm_ids\":[11,12],\"note\":\"停電の疑い\"}"
expect_eq "no such alarm (body: $BODY)" "$CODE $(j .error.field)" "400 alarm_ids[0]"
jpost gv /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"GW 通信断\",\"group_ids\":[5]}"
expect_eq "no such alarm group" "$CODE $(j .error.field)" "400 group_ids[0]"
jpost gv /api/v1/incidents "{\"tenant_id\":$A,\"title\":\"GW 通信断\",\"alarm_ids\":[],\"note\":\"停電の疑い\"}"
expect_eq "vendor opens an incident" "$CODE $(j .status) $(j '.alarm_ids | length') $(j '.history[0].to')" \
  "201 open 0 open"
I=$(jid)
api gv PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d '{"status":"closed"}'
expect_code "open -> closed is refused" 409
for st in investigating resolved closed; do
  api gv PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' \
    -d "{\"status\":\"$st\",\"note\":\"$st\"}"
  expect_eq "to $st" "$CODE $(j .status)" "200 $st"
done
expect_eq "history" "$(j '[.history[] | "\(.from)>\(.to)"] | join(",")')" \
  ">open,open>investigating,investigating>resolved,resolved>closed"
api gv PATCH "/api/v1/incidents/$I" -H 'Content-Type: application/json' -d '{"note":"x"}'
expect_code "a closed incident does not change" 409
api g GET "/api/v1/incidents/$I"
expect_eq "an operator reads it" "$CODE $(j '.history | length')" "200 4"
api b1 GET "/api/v1/incidents/$I"
expect_code "another tenant does not see it" 404
api g GET "/api/v1/incidents?status=closed"
expect_eq "list by status" "$CODE $(j '.items | length')" "200 1"

# ---- SLA and announced maintenance -----------------------------------------------------------
api g GET /api/v1/sla
expect_code "sla" 200
expect_eq "sla shape" "$(j '[.services[].name] | join(",")') $(j '.refund_pct') $(j '.month | test("^[0-9]{4}-[0-9]{2}$")')" \
  "apif,storage,gwif 0 true"
expect_eq "probes found everything up" "$(j '[.services[].down_minutes] | add') $(j .availability_pct)" "0 100"
api g GET "/api/v1/sla?month=2026-13"
expect_eq "bad month" "$CODE $(j .error.field)" "400 month"
api g GET "/api/v1/sla?month=2020-01"
expect_eq "a month before service" "$CODE $(j .measured_minutes) $(j .availability_pct)" "200 0 100"
api gv GET /api/v1/sla
expect_code "vendors do not read the SLA" 403
FUT=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ); FUT2=$(date -u -d '+1 day 2 hour' +%Y-%m-%dT%H:%M:%SZ)
jpost admin /api/v1/maintenance "{\"starts_at\":\"2020-01-01T00:00:00Z\",\"ends_at\":\"2020-01-02T00:00:00Z\",\"title\":\"x\"}"
expect_eq "maintenance after the fact" "$CODE $(j .error.field)" "400 starts_at"
jpost a1 /api/v1/maintenance "{\"starts_at\":\"$FUT\",\"ends_at\":\"$FUT2\",\"title\":\"x\"}"
expect_code "only the platform announces maintenance" 403
jpost admin /api/v1/maintenance "{\"starts_at\":\"$FUT\",\"ends_at\":\"$FUT2\",\"title\":\"定期保守\"}"
expect_code "announce maintenance" 201
api g GET /api/v1/maintenance
expect_eq "maintenance listed" "$CODE $(j '.items[0].title')" "200 定期保守"
api admin GET /api/v1/sla
expect_code "platform admin reads the SLA" 200

done_ok
