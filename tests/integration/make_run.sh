#!/usr/bin/env bash
# make_run.sh - the first ten minutes of `make run` (scripts/run.sh) as a newcomer lives them: the
# gateway's first collection brings the simulated terminals' 96 hours (four days of trends at
# once, whatever the minute of the hour), and an alarm injected as the printed instructions say
# is mailed to the sample contact list and kept in run/mail, readable with scripts/read-mail.py.
. "$(dirname "$0")/../lib/harness.sh"

RUN="$T/run"
# start_run FRESH [SMTP_PORT]: scripts/run.sh (log $T/run.log, pid RUN_PID) on a fresh run dir
# (FRESH=1) or the last one. Every port run.sh must be told is pre-picked; the terminals and their
# control port bind port 0 (SUIDO_TERM_BASE=0). A port taken meanwhile fails the start or makes
# run.sh fall back (it says so): start over on other ports, a bounded number of times. A given
# SMTP_PORT is one the caller holds: run.sh is to say so and go on.
start_run() {
  local fresh=$1 smtp=${2:-} try
  for try in 1 2 3; do
    [ "$fresh" = 1 ] && rm -rf "$RUN"
    HTTP_PORT=$(free_port)
    START=$(date +%s) # the fleet starts after this: its ring ends at this hour's top or later
    spawn run env SUIDO_RUN_DIR="$RUN" SUIDO_HTTP="127.0.0.1:$HTTP_PORT" \
      SUIDO_MQTT_PORT="$(free_port)" SUIDO_SMTP_PORT="${smtp:-$(free_port)}" \
      SUIDO_GW_PORT="$(free_port)" SUIDO_TERM_BASE=0 scripts/run.sh
    RUN_PID=$LAST_PID
    for _ in $(seq 1200); do
      grep -q "Press Ctrl-C" "$T/run.log" && break
      kill -0 "$RUN_PID" 2>/dev/null || break
      sleep 0.1
    done
    if grep -q "Press Ctrl-C" "$T/run.log" && ! grep -Eq "did not start|in use" "$T/run.log" &&
      { [ -n "$smtp" ] || ! grep -q "is taken" "$T/run.log"; }; then
      HTTP="http://127.0.0.1:$HTTP_PORT"
      return 0
    fi
    echo "run.sh attempt $try did not come up cleanly:" >&2; tail -n 5 "$T/run.log" >&2
    stop_run
    mv "$T/run.log" "$T/run.log.$try"
  done
  fail "scripts/run.sh did not start in 3 attempts"
}
stop_run() { # as Ctrl-C does: run.sh stops what it started
  kill "$RUN_PID" 2>/dev/null || true
  wait "$RUN_PID" 2>/dev/null || true
  unspawn "$RUN_PID"
}
start_run 1

# ---- the printed instructions say where the mail is and how to read it -----------------------
expect_match "mail sink running" "$(grep '^Mail:' "$T/run.log")" "aiosmtpd on 127.0.0.1:[0-9]+ keeps every mail in $RUN/mail"
expect_match "how to list the mail" "$(cat "$T/run.log")" "ls -t $RUN/mail/new"
expect_match "how to read the newest" "$(cat "$T/run.log")" "scripts/read-mail.py $RUN/mail"
expect_match "contact list seeded" "$(cat "$RUN/credentials.txt")" "contact list [0-9]+ approved"
expect_match "the contractor's login" "$(cat "$RUN/credentials.txt")" "gwvendor_general +login kanri-tech "
expect_match "where to see the maintenance" "$(cat "$T/run.log")" "Maintenance \\(保守点検\\): http://127.0.0.1:$HTTP_PORT/#/maint as kanri-tech"
# ---- the month of maintenance work, as the utility's staff read it ---------------------------
maint=$(python3 - "$HTTP" "$(awk '$3 == "hokkaido2-staff" {print $5}' "$RUN/credentials.txt")" <<'PY'
import http.cookiejar, json, sys, urllib.request
from datetime import datetime, timedelta, timezone
base, pw = sys.argv[1], sys.argv[2]
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
op.open(urllib.request.Request(f"{base}/api/v1/login", headers={"Content-Type": "application/json"},
        data=json.dumps({"login": "hokkaido2-staff", "password": pw}).encode()))
get = lambda p: json.load(op.open(base + p))
month = datetime.now(timezone(timedelta(hours=9))).strftime("%Y-%m")
facs = get("/api/v1/maint/facilities")["items"]
# every facility has visits every month but a 直結増圧 one (3ヶ月点検: 4 months a year)
facs = [f for f in facs if f["type"] != "direct_boost"]
planned = sum(len(get(f"/api/v1/maint/plan?facility={f['id']}&month={month}")["visits"]) > 0
              for f in facs)
recs = get(f"/api/v1/maint/inspections?month={month}")["items"] or \
    get("/api/v1/maint/inspections")["items"]
open_ = [d for d in get("/api/v1/maint/defects")["items"] if d["status"] != "done"]
print("planned", planned, "of", len(facs))
print("records", len(recs))
print("open", len(open_), open_[0]["status"], open_[0]["instruction"] if open_ else "-")
PY
)
echo "$maint"
expect_match "every 別表1 facility planned this month" "$maint" "planned ([1-9][0-9]*) of \\1$"
expect_match "two or three daily records" "$maint" "records [23]$"
expect_match "one open defect, 見積作成中, 修繕依頼" "$maint" "open 1 estimating repair"

# ---- history: the first collection of the L2 holds its terminal's 96 hours --------------------
wait_line "$RUN/suido-gw.log" "polled gorin-l2: " 120 ||
  fail "the gateway's first collection of gorin-l2 did not happen (x_guard near the hour?)"
PW=$(awk '$3 == "hokkaido2-staff" {print $5}' "$RUN/credentials.txt")
# per collected point: the hourly stamps (top of the hour; present values are stamped to the
# second) must be 96 consecutive hours ending at the last top of the hour before the fleet started
# or later; print "POINT COUNT FIRST LAST OK"
hist=$(python3 - "$HTTP" "$PW" "$START" <<'PY'
import http.cookiejar, json, sys, time, urllib.parse, urllib.request
from datetime import datetime, timezone
base, pw, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
op.open(urllib.request.Request(f"{base}/api/v1/login", headers={"Content-Type": "application/json"},
        data=json.dumps({"login": "hokkaido2-staff", "password": pw}).encode()))
iso = lambda s: datetime.fromtimestamp(s, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
frm, to = iso(start - 6 * 86400), iso(int(time.time()) + 3600)
def hourly(p):
    stamps, url = set(), f"{base}/apif/v1/points/gorin-l2.{p}/values?from={frm}&to={to}"
    cursor = None
    while True:
        d = json.load(op.open(url + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")))
        for v in d["values"]:
            ts = int(datetime.strptime(v["ts"][:19], "%Y-%m-%dT%H:%M:%S")
                     .replace(tzinfo=timezone.utc).timestamp())
            if ts % 3600 == 0:
                stamps.add(ts)
        cursor = d.get("next_cursor")
        if not cursor:
            return stamps
# the gateway uploads what it collected from its queue: wait (bounded) until the platform has it
deadline = time.time() + 120
for p in ("tank_level", "delivery_pressure", "flow", "pump1_current", "water_meter",
          "energy_meter", "delivered_volume"):
    while True:
        stamps = hourly(p)
        last = max(stamps) if stamps else 0
        want = {last - h * 3600 for h in range(96)}
        ok = last >= start - start % 3600 and want <= stamps and len(stamps) == 96
        if ok or time.time() > deadline:
            break
        time.sleep(0.2)
    print(p, len(stamps), iso(min(stamps)) if stamps else "-", iso(last), "ok" if ok else "BAD")
PY
)
echo "$hist"
expect_eq "points with 96 consecutive hours up to the fleet's start" \
  "$(echo "$hist" | grep -c ' ok$')" 7

# ---- an alarm injected as printed is mailed and kept in run/mail ------------------------------
CONTROL=$(awk '/^control port/ {print $3}' "$RUN/suido-term.log")
expect_match "control port printed" "$(cat "$T/run.log")" "> /dev/tcp/127.0.0.1/$CONTROL"
echo 'fault gorin-l2 pump1 on' >"/dev/tcp/127.0.0.1/$CONTROL"
mail=
for _ in $(seq 600); do
  if mail=$(scripts/read-mail.py "$RUN/mail" -n 10 2>/dev/null) &&
    echo "$mail" | grep -q "gorin-l2.pump1_fault"; then break; fi
  sleep 0.1
done
expect_match "alarm mail to the contact list's step 1" "$mail" "To: duty@hokkaido2.example.jp"
expect_match "Japanese subject decoded" "$mail" "Subject: 【中故障】222 gorin-l2.pump1_fault "
expect_match "body decoded, portal link" "$mail" "確認 \\(acknowledge\\): $HTTP/#/alarms/[0-9]+"

# ---- a second start on the same run dir, the SMTP port held by someone else: run.sh says so and
# runs on, mails waiting in suidod's outbox ---------------------------------------------------
stop_run
expect_eq "run.sh stopped everything it started" "$(tail -n 1 "$T/run.log")" "stopped."
mv "$T/run.log" "$T/run1.log"
start_relay holder # any listener holds a port
start_run 0 "$RELAY_PORT"
expect_match "taken SMTP port said" "$(grep '^Mail:' "$T/run.log")" "port $RELAY_PORT is taken \(set SUIDO_SMTP_PORT\): no SMTP sink, mails wait in suidod's outbox"
expect_eq "no seeding on the second start" "$(grep -c 'first start' "$T/run.log")" 0
wait_line "$RUN/suido-gw.log" "suido-gw: ready" 30
expect_eq "the gateway still running" "$(grep -c '^Gateway suido-gw: running' "$T/run.log")" 1
done_ok
