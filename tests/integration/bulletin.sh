#!/usr/bin/env bash
# bulletin.sh - the bulletin board (掲示板) against a real suidod and a real SMTP server: a board
# per tenant (tenant B never sees tenant A's posts, by list, id, read mark or attachment), the
# common board every tenant and vendor reads, roles (general users read, admins post), validity
# periods (out of period: only the author and the board's managers), read marks and the unread
# count per user, attachments served as downloads, audit, and a maintenance window announced by
# the platform admin posted on the common board and mailed (Japanese first) to every tenant's
# approved contacts.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }

start_smtp
mails() { # "recipient|subject" per received message, sorted
  "$SMTP_PY" - "$T/mail" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = ["%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"]))))
       for m in mailbox.Maildir(sys.argv[1], create=False)]
print("\n".join(sorted(out)))
PY
}
mail_body() { # the decoded body of the first mail to $1
  "$SMTP_PY" - "$T/mail" "$1" <<'PY'
import mailbox, sys
for m in mailbox.Maildir(sys.argv[1], create=False):
    if m["X-RcptTo"] == sys.argv[2]:
        print(m.get_payload(decode=True).decode("utf-8"))
        break
PY
}
start_suidod --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set notify.from=suido@pf.test \
  --set notify.retry_base=1s --set notify.retry_max=1s --set notify.digest=off \
  --set monitor.cpu_warn=101 --set monitor.cpu_fault=101 --set monitor.memory_warn=101 \
  --set monitor.memory_fault=101 --set monitor.disk_warn=101 --set monitor.disk_fault=101
login_admin
setup_tenants otaru
user ag "$OA" operator_general
user b1 "$OB" operator_admin
user b2 "$OB" operator_admin
user bg "$OB" operator_general
user va "$OV" apvendor_general

# ---- tenant A's board: admins post, everyone of A reads, nobody else --------------------------
jpost ag /api/v1/bulletin '{"category":"notice","title":"x"}'
expect_code "a general operator may not post" 403
jpost a1 /api/v1/bulletin '{"category":"news","title":"x"}'
expect_err "an unknown category" 400 category
jpost a1 /api/v1/bulletin '{"category":"notice","title":"x","valid_from":"2026-13-01T00:00:00+09:00"}'
expect_err "a bad time" 400 valid_from
jpost a1 /api/v1/bulletin "{\"tenant_id\":$B,\"category\":\"notice\",\"title\":\"x\"}"
expect_code "A's admin may not post on B's board" 403
jpost a1 /api/v1/bulletin '{"category":"failure","title":"配水池 水位計 故障","body":"交換作業中です。"}'
expect_code "A's admin posts on A's board" 201
PA=$(jid)
expect_eq "the post" "$(j '[.tenant_id, .category, .read, .current] | join(",")')" \
  "$A,failure,false,true"
api ag GET /api/v1/bulletin
expect_eq "A's general user lists it, unread" "$(j "[.items[] | select(.id == $PA) | .read] | join(\",\")")" false
for who in b1 bg va; do
  api "$who" GET /api/v1/bulletin
  expect_eq "$who does not list A's post" "$(j "[.items[] | select(.id == $PA)] | length")" 0
  api "$who" GET "/api/v1/bulletin/$PA"
  expect_code "$who cannot read A's post" 404
  api "$who" POST "/api/v1/bulletin/$PA/read"
  expect_code "$who cannot mark A's post" 404
  api "$who" PATCH "/api/v1/bulletin/$PA" -H 'Content-Type: application/json' -d '{"title":"y"}'
  expect_code "$who cannot change A's post" 404
  api "$who" DELETE "/api/v1/bulletin/$PA"
  expect_code "$who cannot withdraw A's post" 404
  api "$who" GET "/api/v1/bulletin?tenant_id=$A"
  expect_code "$who cannot list A's board" 403
done
api ag PATCH "/api/v1/bulletin/$PA" -H 'Content-Type: application/json' -d '{"title":"y"}'
expect_code "A's general user reads but may not change it" 403

# ---- attachments: a download for A, nothing for B ---------------------------------------------
printf '手順書 v1\n' >"$T/att.txt"
api ag POST "/api/v1/bulletin/$PA/attachments?name=x.txt" -H 'Content-Type: application/octet-stream' --data-binary "@$T/att.txt"
expect_code "a general user may not attach" 403
api a1 POST "/api/v1/bulletin/$PA/attachments?name=a/b.txt" -H 'Content-Type: application/octet-stream' --data-binary "@$T/att.txt"
expect_err "a name with '/'" 400 name
api a1 POST "/api/v1/bulletin/$PA/attachments?name=%E6%89%8B%E9%A0%86%E6%9B%B8.txt" \
  -H 'Content-Type: application/octet-stream' --data-binary "@$T/att.txt"
expect_code "A's admin attaches a file" 201
AT=$(jid)
expect_eq "its size" "$(j .size)" "$(stat -c %s "$T/att.txt")"
curl -s -D "$T/h" -o "$T/got" -b "$T/ag.jar" "$U/api/v1/bulletin/$PA/attachments/$AT"
expect_match "served as a download" "$(tr -d '\r' <"$T/h")" "Content-Disposition: attachment;.*filename\*=UTF-8''%E6%89%8B%E9%A0%86%E6%9B%B8.txt"
expect_match "in a sandbox" "$(tr -d '\r' <"$T/h")" "Content-Security-Policy: default-src 'none'; sandbox"
expect_eq "the same bytes" "$(cmp -s "$T/got" "$T/att.txt" && echo same)" same
api b1 GET "/api/v1/bulletin/$PA/attachments/$AT"
expect_code "B cannot download A's attachment" 404
api ag GET "/api/v1/bulletin/$PA"
expect_eq "the post lists it" "$(j '[.attachments[].name] | join(",")')" "手順書.txt"

# ---- the common board: the platform admin posts, every tenant and vendor reads ------------------
jpost a1 /api/v1/bulletin "{\"tenant_id\":1,\"category\":\"notice\",\"title\":\"x\"}"
expect_code "a tenant admin may not post on the common board" 403
jpost admin /api/v1/bulletin '{"category":"notice","title":"ポータル 新機能のお知らせ","body":"掲示板を公開しました。"}'
expect_code "the platform admin posts on the common board" 201
PC=$(jid)
expect_eq "on the common board" "$(j .tenant_id)" 1
for who in ag a1 b1 bg va; do
  api "$who" GET /api/v1/bulletin
  expect_eq "$who lists the common post" "$(j "[.items[] | select(.id == $PC)] | length")" 1
done
api bg GET "/api/v1/bulletin?category=failure"
expect_eq "the category filter" "$(j '.items | length')" 0
api ag GET "/api/v1/bulletin?category=failure"
expect_eq "the category filter (A)" "$(j '[.items[].id] | join(",")')" "$PA"

# ---- read marks per user --------------------------------------------------------------------------
api ag GET /api/v1/bulletin/unread
expect_eq "two unread for ag" "$(j .unread)" 2
api ag POST "/api/v1/bulletin/$PA/read"
expect_code "ag reads A's post" 204
api ag POST "/api/v1/bulletin/$PA/read"
expect_code "again is no change" 204
api ag GET /api/v1/bulletin/unread
expect_eq "one unread left" "$(j .unread)" 1
api a2 GET /api/v1/bulletin/unread
expect_eq "a2's marks are a2's" "$(j .unread)" 2
api b1 GET /api/v1/bulletin/unread
expect_eq "B counts only its own and the common board" "$(j .unread)" 1
api ag GET /api/v1/bulletin
expect_eq "marked read in the list" "$(j "[.items[] | select(.id == $PA) | .read] | join(\",\")")" true

# ---- validity period ------------------------------------------------------------------------------
jpost a1 /api/v1/bulletin '{"category":"notice","title":"x","valid_from":"2020-01-02T00:00:00+09:00","valid_until":"2020-01-01T00:00:00+09:00"}'
expect_err "an end before the start" 400 valid_until
jpost a1 /api/v1/bulletin '{"category":"notice","title":"終了した告知","valid_from":"2020-01-01T00:00:00+09:00","valid_until":"2020-01-02T00:00:00+09:00"}'
expect_code "an expired post" 201
PX=$(jid)
expect_eq "not current" "$(j .current)" false
for who in ag; do
  api "$who" GET "/api/v1/bulletin?all=1"
  expect_eq "hidden from $who even with all=1" "$(j "[.items[] | select(.id == $PX)] | length")" 0
  api "$who" GET "/api/v1/bulletin/$PX"
  expect_code "$who cannot open it" 404
done
api a1 GET /api/v1/bulletin
expect_eq "hidden from the default list" "$(j "[.items[] | select(.id == $PX)] | length")" 0
api a1 GET "/api/v1/bulletin?all=1"
expect_eq "its author sees it with all=1" "$(j "[.items[] | select(.id == $PX) | .current] | join(\",\")")" false
api a2 GET "/api/v1/bulletin/$PX"
expect_code "another admin (bulletin.manage) opens it" 200
api ag GET /api/v1/bulletin/unread
expect_eq "not counted as unread" "$(j .unread)" 1
api a2 PATCH "/api/v1/bulletin/$PX" -H 'Content-Type: application/json' -d '{"valid_until":null}'
expect_code "another admin renews it" 200
expect_eq "current again" "$(j .current)" true
api ag GET "/api/v1/bulletin/$PX"
expect_code "now ag reads it" 200

# ---- maintenance: the common board and the tenants' contacts -----------------------------------
list() { # TENANT SUBMITTER APPROVER ADDRESS
  jpost "$2" /api/v1/contacts "{\"tenant_id\":$1,\"name\":\"連絡体制表\",\"entries\":[{\"name\":\"当番\",\"email\":\"$4\",\"order\":1,\"min_severity\":1,\"duty\":\"always\"}]}"
  expect_code "a contact list of $1" 201
  [ -z "$3" ] && return
  api "$3" POST "/api/v1/contacts/$(jid)/approve"
  expect_code "approved" 200
}
list "$A" a1 a2 duty-a@water.test
list "$B" b1 b2 duty-b@water.test
list "$A" a1 "" pending-a@water.test
jpost a1 /api/v1/maintenance '{"starts_at":"2099-01-01T01:00:00+09:00","ends_at":"2099-01-01T03:00:00+09:00","title":"x"}'
expect_code "only the platform admin announces" 403
jpost admin /api/v1/maintenance '{"starts_at":"2099-01-01T01:00:00+09:00","ends_at":"2099-01-01T03:00:00+09:00","title":"ストレージ 定期保守"}'
expect_code "the platform admin announces a window" 201
MW=$(jid)
for who in ag b1 va; do
  api "$who" GET "/api/v1/bulletin?category=maintenance"
  expect_eq "$who sees the window on the common board" \
    "$(j "[.items[] | select(.maintenance_id == $MW) | .title, .tenant_id] | join(\",\")")" "ストレージ 定期保守,1"
done
i=0
until [ "$(mails | grep -c 'メンテナンスのお知らせ')" -ge 2 ]; do
  i=$((i + 1)); [ "$i" -le 100 ] || fail "no maintenance mails: $(mails)"; sleep 0.1
done
expect_eq "one mail to each tenant's approved contact, none to a pending list" "$(mails)" \
"duty-a@water.test|[suido] メンテナンスのお知らせ / Maintenance notice: ストレージ 定期保守
duty-b@water.test|[suido] メンテナンスのお知らせ / Maintenance notice: ストレージ 定期保守"
BODY_A=$(mail_body duty-a@water.test)
expect_match "the window in JST" "$BODY_A" "期間: 2099-01-01 01:00 〜 2099-01-01 03:00 \(JST\)"
expect_eq "Japanese first, English below" \
  "$([ "$(grep -n '^期間' <<<"$BODY_A" | cut -d: -f1)" -lt "$(grep -n '^Window' <<<"$BODY_A" | cut -d: -f1)" ] && echo yes)" yes
api admin GET "/api/v1/notifications"
expect_eq "in the notification log as maintenance" "$(j '[.items[] | select(.kind == "maintenance")] | length')" 2

# ---- withdrawal and audit -------------------------------------------------------------------------
api a2 DELETE "/api/v1/bulletin/$PA"
expect_code "another admin withdraws A's post" 204
api ag GET "/api/v1/bulletin/$PA"
expect_code "gone" 404
api ag GET "/api/v1/bulletin/$PA/attachments/$AT"
expect_code "its attachment too" 404
api a1 GET "/api/v1/audit?action=bulletin."
expect_eq "audited" "$(j '[.items[].action] | sort | unique | join(",")')" \
  "bulletin.attach,bulletin.create,bulletin.delete,bulletin.update"
api admin GET "/api/v1/audit?action=bulletin."
expect_match "the announcement audited with the window" "$(j '[.items[].action] | join(",")')" "bulletin.create"
done_ok
