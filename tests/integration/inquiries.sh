#!/usr/bin/env bash
# inquiries.sh - 問い合わせ対応 against a real suidod and a real SMTP server (aiosmtpd on loopback):
# validation with the field, who sees which inquiry (an operator's question to its admins is not
# the platform's; another tenant's and another vendor's are 404), the thread and its status moves
# by side, a mail to the other party on each reply (Japanese subject first), files stored under
# the inquiry's reserved path and served as downloads (and refused to applications), search, the
# audit. SUIDO_PG=1 runs the same on PostgreSQL (inquiries_pg.sh).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"

start_smtp
# mails: one line per received message, "recipient|subject" (RFC 2047 decoded), sorted
mails() {
  "$SMTP_PY" - "$T/mail" <<'PY'
import mailbox, sys
from email.header import decode_header, make_header
out = []
for m in mailbox.Maildir(sys.argv[1], create=False):
    out.append("%s|%s" % (m["X-RcptTo"], str(make_header(decode_header(m["Subject"])))))
print("\n".join(sorted(out)))
PY
}
nmail() { mails | grep -c -- "$1" || true; }
wait_mail() { # REGEX COUNT
  local i=0
  until [ "$(nmail "$1")" -ge "$2" ]; do
    i=$((i + 1)); [ "$i" -le 100 ] || fail "no $2 mails matching '$1': $(mails)"
    sleep 0.1
  done
}
# body of the (only) mail to RCPT whose subject matches REGEX, decoded
mail_body() {
  "$SMTP_PY" - "$T/mail" "$1" "$2" <<'PY'
import mailbox, re, sys
from email.header import decode_header, make_header
for m in mailbox.Maildir(sys.argv[1], create=False):
    s = str(make_header(decode_header(m["Subject"])))
    if m["X-RcptTo"] == sys.argv[2] and re.search(sys.argv[3], s):
        print(m.get_payload(decode=True).decode("utf-8"))
PY
}

start_suidod --set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set notify.from=suido@pf.test \
  --set notify.digest=off --set notify.portal_url=http://portal.test
setup_tenants otaru
user ag "$OA" operator_general
user bg "$OB" operator_general
user b1 "$OB" operator_admin
user v1ag "$OV" apvendor_general
user v1aa "$OV" apvendor_admin
user v1ga "$OG" gwvendor_admin
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }
J=(-H 'Content-Type: application/json')

# ---- validation: each error names its field -----------------------------------------------------
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"usage","body":"x"}'
expect_err "subject is required" 400 subject
jpost ag /api/v1/inquiries '{"addressee":"boss","category":"usage","subject":"s","body":"x"}'
expect_err "unknown addressee" 400 addressee
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"gossip","subject":"s","body":"x"}'
expect_err "unknown category" 400 category
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"usage","subject":"a\r\nBcc: x@evil.test","body":"x"}'
expect_err "a subject is one line (it goes into a mail header)" 400 subject
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"usage","subject":"s","body":"x","tenant_id":1}'
expect_err "unknown field" 400 tenant_id
jpost admin /api/v1/inquiries '{"addressee":"platform","category":"usage","subject":"s","body":"x"}'
expect_code "the platform operator answers inquiries, it does not open them" 403

# ---- an operator's question to its tenant's admins ------------------------------------------------
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"data","subject":"流量計の単位","body":"浄水場の流量計 FT-101 の単位は m3/h ですか。"}'
expect_eq "opened (body: $BODY)" "$CODE $(j .status) $(j .addressee) $(j '.messages | length')" \
  "201 received tenant 1"
Q1=$(jid)
wait_mail "新しい問い合わせ" 2
expect_eq "the tenant's admins are told" "$(mails | cut -d'|' -f1 | tr '\n' ' ')" \
  "a1@example.jp a2@example.jp "
expect_match "Japanese subject first" "$(mails | head -1)" \
  "\\[suido\\] 問い合わせ #$Q1 新しい問い合わせ: 流量計の単位 \\(New inquiry\\)"
expect_match "the mail links the portal" "$(mail_body a1@example.jp 新しい)" \
  "http://portal.test/#/inquiries\\?id=$Q1"
for u in admin bg b1 v1ag v1aa; do
  api "$u" GET "/api/v1/inquiries/$Q1"
  expect_code "$u does not see an operator's question to its admins" 404
  jpost "$u" "/api/v1/inquiries/$Q1/replies" '{"body":"x"}'
  expect_code "$u cannot reply to it" 404
  api "$u" GET /api/v1/inquiries
  expect_eq "$u does not list it" "$(j "[.items[] | select(.id == $Q1)] | length")" 0
done

# ---- the thread: an answer, a follow-up, status by side ------------------------------------------
jpost a1 "/api/v1/inquiries/$Q1/replies" '{"body":"はい、m3/h です。"}'
expect_eq "an answer (body: $BODY)" "$CODE $(j .status) $(j '.messages[1].side')" \
  "201 answered answerer"
wait_mail "^ag@example.jp|.*返信" 1
expect_match "the answer is in the mail" "$(mail_body ag@example.jp 返信)" "はい、m3/h です。"
expect_eq "only the opener is told of the answer" "$(nmail 返信)" 1
jpost ag "/api/v1/inquiries/$Q1/replies" '{"body":"ありがとうございます。もう一点…"}'
expect_eq "a follow-up reopens it" "$CODE $(j .status) $(j '.messages[2].side')" \
  "201 in_progress requester"
wait_mail "返信" 3
api ag PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"answered"}'
expect_err "the requester may only close" 409 status
api a1 PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"received"}'
expect_err "no way back to received" 409 status
api a1 PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"done"}'
expect_err "unknown status" 400 status
api a2 PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"answered","note":"回答済みとします"}'
expect_eq "the other admin answers (body: $BODY)" "$CODE $(j .status) $(j '.messages[3].kind')" \
  "200 answered status"
wait_mail "^ag@example.jp|.*状況の変更" 1

# ---- files: stored under the inquiry, served as downloads, not the applications' ---------------
printf 'unit,m3/h\nFT-101,120\n' >"$T/ft.csv"
api ag POST "/api/v1/inquiries/$Q1/files?name=計器.csv" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$T/ft.csv"
expect_code "a file attached" 201
F1=$(jid)
expect_eq "its hash" "$(j .sha256)" "$(sha256sum "$T/ft.csv" | cut -d' ' -f1)"
api ag POST "/api/v1/inquiries/$Q1/files" -H 'Content-Type: application/octet-stream' --data-binary x
expect_err "a name is required" 400 name
api ag POST "/api/v1/inquiries/$Q1/files?name=a%2Fb" -H 'Content-Type: application/octet-stream' \
  --data-binary x
expect_err "a name is one segment" 400 name
api ag POST "/api/v1/inquiries/$Q1/files?name=x.txt" -H 'Content-Type: text/plain' --data-binary x
expect_code "a cookie upload as text/plain is refused (CSRF)" 403
CODE=$(curl -s -D "$T/h" -o "$T/dl" -w '%{http_code}' -b "$T/a1.jar" "$U/api/v1/inquiries/$Q1/files/$F1")
expect_eq "the admin downloads it" "$CODE $(cmp -s "$T/dl" "$T/ft.csv" && echo same)" "200 same"
expect_match "as an attachment" "$(tr -d '\r' <"$T/h" | grep -i '^content-disposition')" \
  "attachment; filename=.*UTF-8''%E8%A8%88%E5%99%A8.csv"
api bg GET "/api/v1/inquiries/$Q1/files/$F1"
expect_code "another tenant's user cannot" 404
api ag GET "/api/v1/inquiries/$Q1/files/999999"
expect_code "no such file" 404
api ag GET "/api/v1/inquiries/$Q1"
expect_eq "the thread shows the file" "$(j '.files[0].name') $(j '.messages[-1].kind')" "計器.csv file"
reg apps "$OV" "$A" probe
bapi "$TOK" GET "/apif/v1/files"
expect_eq "an application does not list the inquiry's files" "$CODE $(j '.items | length')" "200 0"
bapi "$TOK" PUT "/apif/v1/files/.suido/inquiries/$Q1/x" --data-binary 'x'
expect_err "nor writes under the reserved path" 400 path

# ---- search and filters ---------------------------------------------------------------------------
jpost ag /api/v1/inquiries '{"addressee":"tenant","category":"failure","subject":"Pump P-2 stops","body":"100% at night_shift"}'
Q2=$(jid)
ids() { j '[.items[].id] | join(",")'; }
api ag GET "/api/v1/inquiries"; expect_eq "both, newest first" "$(ids)" "$Q2,$Q1"
api ag GET "/api/v1/inquiries?q=pump"; expect_eq "subject, any case" "$(ids)" "$Q2"
api ag GET "/api/v1/inquiries?q=m3%2Fh"; expect_eq "in a reply" "$(ids)" "$Q1"
api ag GET "/api/v1/inquiries?q=100%25"; expect_eq "% is literal" "$(ids)" "$Q2"
api ag GET "/api/v1/inquiries?q=p_2"; expect_eq "_ is literal" "$(ids)" ""
api ag GET "/api/v1/inquiries?status=answered"; expect_eq "by status" "$(ids)" "$Q1"
api ag GET "/api/v1/inquiries?category=failure"; expect_eq "by category" "$(ids)" "$Q2"
api ag GET "/api/v1/inquiries?category=gossip"; expect_err "a bad filter" 400 category

# ---- closing: final --------------------------------------------------------------------------------
api ag PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"closed"}'
expect_eq "the requester closes" "$CODE $(j .status)" "200 closed"
jpost a1 "/api/v1/inquiries/$Q1/replies" '{"body":"x"}'
expect_err "a closed inquiry takes no replies" 409 status
api a1 PATCH "/api/v1/inquiries/$Q1" "${J[@]}" -d '{"status":"in_progress"}'
expect_err "nor status changes" 409 status
api a1 GET "/api/v1/audit?action=inquiry.reply"
expect_eq "replies audited" "$(j '[.items[] | select(.object == "inquiry:'"$Q1"'")] | length')" 2
api a1 GET "/api/v1/audit?action=inquiry.status"
expect_eq "status changes audited" "$(j '[.items[] | select(.object == "inquiry:'"$Q1"'")] | length')" 2

# ---- a vendor's question to the platform ----------------------------------------------------------
jpost v1ag /api/v1/inquiries '{"addressee":"platform","category":"account","subject":"証明書の更新","body":"手順を教えてください"}'
expect_code "a vendor opens one to the platform" 201
QV=$(jid)
api admin GET "/api/v1/inquiries?q=証明書"
expect_eq "the platform operator lists it" "$(ids)" "$QV"
api admin GET /api/v1/inquiries
expect_eq "and only what is addressed to it" "$(j "[.items[] | select(.addressee != \"platform\")] | length")" 0
api v1aa GET "/api/v1/inquiries/$QV"
expect_code "the vendor's admin sees its organisation's" 200
for u in v1ga a1 ag bg; do
  api "$u" GET "/api/v1/inquiries/$QV"
  expect_code "$u does not (another organisation / tenant)" 404
done
jpost admin "/api/v1/inquiries/$QV/replies" '{"body":"ポータルの証明書画面から更新できます。"}'
expect_eq "the platform answers" "$CODE $(j .status)" "201 answered"
wait_mail "^v1ag@example.jp|.*証明書の更新" 1
jpost v1ag /api/v1/inquiries '{"addressee":"tenant","category":"usage","subject":"社内確認","body":"x"}'
expect_code "a vendor asks its own admins" 201
wait_mail "社内確認" 1
expect_eq "only its own organisation's admin is told" "$(mails | grep 社内確認 | cut -d'|' -f1)" \
  "v1aa@example.jp"
done_ok
