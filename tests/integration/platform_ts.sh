#!/usr/bin/env bash
# platform_ts.sh - time series against a real suidod: GW-IF HTTP upload as a gateway (idempotent
# re-send, back-fill, every bad-input class 4xx), AP-IF #10 raw / hourly / JST daily / monthly
# reads and latest value as an application and a portal user, another tenant's app -> 404.
# A sample of the answers is checked against docs/openapi.yaml's schemas (openapi_ok).
# SUIDO_STORE_URL=postgresql://... runs the same against PostgreSQL (or SUIDO_PG=1 to start one).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod
upload() { bapi "$1" POST /gwif/v1/data -H 'Content-Type: application/json' --data-binary "$2"; }
# expect_err WHAT CODE FIELD: status and the error's field
expect_err() { expect_eq "$1 (body: $BODY)" "$CODE $(j .error.field)" "$2 $3"; }

# the set-up helpers (tests/lib/platform.sh) check each answer against docs/openapi.yaml too
OPENAPI_CHECKS=1
setup_tenants otaru
link_orgs "$OV $B"
user g "$OA" operator_general
api g GET /api/v1/me; expect_code "me" 200; openapi_ok "me" GET /api/v1/me
api a1 GET /api/v1/users; expect_code "users" 200; openapi_ok "users" GET /api/v1/users
api a1 GET "/api/v1/users/$(j '.items[-1].id')"; expect_code "a user" 200
openapi_ok "a user" GET /api/v1/users/1

# the sample master in tenant A (four eyes)
approve_sheet "$A" a1 a2

# registrations and their bearer tokens
reg apps "$OV" "$A" "Leak detection"; APP=$TOK
reg apps "$OV" "$B" "Otaru app"; APPB=$TOK
reg gateways "$OG" "$A" "Sapporo GW"; GW=$TOK

# ---- upload: 48 hours (JST 2026-11-20 and -21) of two points, value = hour index ------------
batch() { # START_HOUR COUNT [extra python expression on i for the value]
  python3 - "$@" <<'PY'
import json, sys, datetime
s, n = int(sys.argv[1]), int(sys.argv[2])
t0 = datetime.datetime(2026, 11, 20, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
out = []
for i in range(s, s + n):
    ts = (t0 + datetime.timedelta(hours=i)).isoformat()
    out.append({"data_id": "gorin-l2.tank_level", "ts": ts, "value": i})
    out.append({"data_id": "gorin-l2.flow", "ts": ts, "value": i * 2, "quality": "estimated"})
print(json.dumps({"samples": out}))
PY
}
batch 24 24 >"$T/day2.json"
batch 0 24 >"$T/day1.json"
batch 0 48 >"$T/all.json"
upload "$GW" "@$T/day2.json"
expect_eq "upload day 2 (body: $BODY)" "$CODE $(j .stored)" "200 48"
openapi_ok "upload day 2" POST /gwif/v1/data
upload "$GW" "@$T/day1.json"                   # back-fill of the earlier day
expect_eq "back-fill day 1" "$CODE $(j .stored)" "200 48"
upload "$GW" "@$T/all.json"                    # the gateway re-sends everything
expect_eq "re-send" "$CODE $(j .stored)" "200 96"

V10=/apif/v1/points/gorin-l2.tank_level
R="from=2026-11-20T00:00:00%2B09:00&to=2026-11-22T00:00:00%2B09:00"
bapi "$APP" GET "$V10/values?$R&agg=raw"
expect_code "raw read" 200
openapi_ok "raw read" GET "$V10/values"
expect_eq "no doubles after re-send" "$(j '.values | length')" 48
expect_eq "raw in time order" "$(j '.values[0].ts') $(j '.values[47].ts')" \
  "2026-11-19T15:00:00Z 2026-11-21T14:00:00Z"
expect_eq "raw values" "$(j '[.values[].value] | add')" 1128
bapi "$APP" GET "/apif/v1/points/gorin-l2.flow/values?$R"
expect_eq "quality kept" "$(j '.values[0].quality') $(j '.values[1].value')" "estimated 2"
# paging with the cursor
bapi "$APP" GET "$V10/values?$R&limit=20"
C=$(j .next_cursor); expect_eq "page 1" "$(j '.values | length')" 20
openapi_ok "page 1" GET "$V10/values"
bapi "$APP" GET "$V10/values?$R&limit=20&cursor=$C"
C=$(j .next_cursor); expect_eq "page 2" "$(j '.values[0].value') $(j '.values | length')" "20 20"
bapi "$APP" GET "$V10/values?$R&limit=20&cursor=$C"
expect_eq "last page" "$(j '.values | length') $(j .next_cursor)" "8 null"
openapi_ok "last page" GET "$V10/values"
# aggregates
bapi "$APP" GET "$V10/values?$R&agg=hour"
expect_eq "hourly" "$CODE $(j '.buckets | length') $(j '.buckets[5].avg')" "200 48 5"
openapi_ok "hourly" GET "$V10/values"
bapi "$APP" GET "$V10/values?$R&agg=day"
expect_eq "daily = JST days" "$(j '[.buckets[].start] | join(",")')" \
  "2026-11-19T15:00:00Z,2026-11-20T15:00:00Z"
expect_eq "daily sums" "$(j '[.buckets[].sum] | join(",")') $(j '.buckets[1].min') $(j '.buckets[1].max')" \
  "276,852 24 47"
bapi "$APP" GET "$V10/values?from=2026-01-01T00:00:00%2B09:00&to=2027-01-01T00:00:00%2B09:00&agg=month"
expect_eq "monthly" "$(j '.buckets | length') $(j '.buckets[0].start') $(j '.buckets[0].count') $(j '.buckets[0].avg')" \
  "1 2026-10-31T15:00:00Z 48 23.5"
# latest = newest ts, also after a back-filled old sample
upload "$GW" '{"samples":[{"data_id":"gorin-l2.tank_level","ts":"2026-11-01T00:00:00Z","value":-1}]}'
expect_code "old back-fill" 200
bapi "$APP" GET "$V10/latest"
expect_eq "latest" "$CODE $(j .ts) $(j .value)" "200 2026-11-21T14:00:00Z 47"
openapi_ok "latest" GET "$V10/latest"
# a portal user of the tenant reads too
api g GET "$V10/values?$R&agg=day"
expect_eq "operator reads daily" "$CODE $(j '.buckets | length')" "200 2"

# ---- every bad upload is a precise 4xx and stores nothing ------------------------------------
OK='{"data_id":"gorin-l2.tank_level","ts":"2026-11-22T00:00:00+09:00","value":1}'
upload "$GW" '{"samples":['
expect_eq "malformed JSON" "$CODE $(j .error.code)" "400 syntax"
openapi_ok "malformed JSON" POST /gwif/v1/data
upload "$GW" "{\"samples\":[$OK,{\"data_id\":\"gorin-l2.flow\",\"ts\":\"2026-11-22T00:00:00Z\",\"value\":\"1\"}]}"
expect_err "value of wrong type" 400 "samples[1].value"
openapi_ok "value of wrong type" POST /gwif/v1/data
upload "$GW" "{\"samples\":[$OK,{\"data_id\":7,\"ts\":\"2026-11-22T00:00:00Z\",\"value\":1}]}"
expect_err "data_id of wrong type" 400 "samples[1].data_id"
upload "$GW" "{\"samples\":[$OK,{\"data_id\":\"gorin-l2.nope\",\"ts\":\"2026-11-22T00:00:00Z\",\"value\":1}]}"
expect_err "unknown data ID" 400 "samples[1].data_id"
upload "$GW" '{"samples":[{"data_id":"gorin-l2.flow","ts":"1999-12-31T23:00:00Z","value":1}]}'
expect_err "time before 2000" 400 "samples[0].ts"
upload "$GW" '{"samples":[{"data_id":"gorin-l2.flow","ts":"2099-01-01T00:00:00Z","value":1}]}'
expect_err "time in the future" 400 "samples[0].ts"
upload "$GW" '{"samples":[{"data_id":"gorin-l2.flow","ts":"2026-11-22T00:00:00","value":1}]}'
expect_err "time without zone" 400 "samples[0].ts"
upload "$GW" '{"samples":[{"data_id":"gorin-l2.flow","ts":"2026-11-22T00:00:00Z","value":1,"quality":"great"}]}'
expect_err "bad quality" 400 "samples[0].quality"
upload "$GW" '{"samples":[]}'
expect_err "no samples" 400 samples
upload "$GW" '{"rows":[]}'
expect_err "unknown member" 400 rows
python3 -c "
import json; s={'data_id':'gorin-l2.flow','ts':'2026-11-22T00:00:00Z','value':1}
print(json.dumps({'samples':[s]*10001}))" >"$T/many.json"
upload "$GW" "@$T/many.json"
expect_err "too many samples" 413 samples
openapi_ok "too many samples" POST /gwif/v1/data
head -c 2200000 /dev/zero | tr '\0' ' ' >"$T/big.json"
upload "$GW" "@$T/big.json"
expect_code "body over 2 MiB" 413
openapi_ok "body over 2 MiB" POST /gwif/v1/data
upload - "{\"samples\":[$OK]}"
expect_code "anonymous upload" 401
openapi_ok "anonymous upload" POST /gwif/v1/data
upload "$APP" "{\"samples\":[$OK]}"
expect_code "an application may not upload" 403
openapi_ok "an application may not upload" POST /gwif/v1/data
bapi "$APP" GET "$V10/values?from=2026-11-22T00:00:00%2B09:00&to=2026-11-23T00:00:00%2B09:00"
expect_eq "refused batches stored nothing" "$(j '.values | length')" 0

# ---- bad reads --------------------------------------------------------------------------------
bapi "$APP" GET "$V10/values?to=2026-11-22T00:00:00Z"
expect_err "from missing" 400 from
bapi "$APP" GET "$V10/values?from=yesterday&to=2026-11-22T00:00:00Z"
expect_err "from malformed" 400 from
bapi "$APP" GET "$V10/values?from=2026-11-22T00:00:00Z&to=2026-11-22T00:00:00Z"
expect_err "from = to" 400 to
bapi "$APP" GET "$V10/values?from=2026-01-01T00:00:00Z&to=2026-11-22T00:00:00Z&agg=raw"
expect_err "raw range too large" 400 to
bapi "$APP" GET "$V10/values?from=2026-01-01T00:00:00Z&to=2026-11-22T00:00:00Z&agg=hour"
expect_err "hourly range too large" 400 to
bapi "$APP" GET "$V10/values?$R&agg=week"
expect_err "bad agg" 400 agg
openapi_ok "bad agg" GET "$V10/values"
bapi "$APP" GET "$V10/values?$R&limit=0"
expect_err "bad limit" 400 limit
bapi "$APP" GET "/apif/v1/points/gorin-l2.nope/values?$R"
expect_code "unknown data ID" 404
openapi_ok "unknown data ID" GET /apif/v1/points/gorin-l2.nope/values
bapi "$APPB" GET "$V10/values?$R"
expect_code "another tenant's app" 404
bapi "$APPB" GET "$V10/latest"
expect_code "another tenant's app, latest" 404
expect_eq "another tenant's app, latest: as an unknown data ID" "$(j .error.field)" data_id
bapi "$APP" GET /apif/v1/points/gorin-l2.nope/latest
expect_err "unknown data ID, latest" 404 data_id
openapi_ok "unknown data ID, latest" GET /apif/v1/points/gorin-l2.nope/latest
bapi "$APP" GET /apif/v1/points/gorin-l2.pump2_current/latest
expect_eq "latest of a point without samples" "$CODE $(j .error.field) $(j .error.message)" \
  "404 null no samples stored for this point yet"
bapi "$GW" GET "$V10/latest"
expect_code "a gateway may not read latest" 403
bapi - GET "$V10/latest"
expect_code "anonymous latest" 401
bapi "$GW" GET "$V10/values?$R"
expect_code "a gateway may not read" 403
openapi_ok "a gateway may not read" GET "$V10/values"
bapi - GET "$V10/values?$R"
expect_code "anonymous read" 401
openapi_ok "anonymous read" GET "$V10/values"
# ---- a month of awkward reals: the replies written straight from the rows read back exactly --
# Every stored double comes back as the same double, spelled with the fewest digits that do it
# (0.1, not 0.10000000000000001: as many significant digits as Python's repr), and each hourly,
# JST daily and monthly bucket holds what the raw values give (sums added in time order, a
# month's as the sum of its days' sums); "missing" samples stay out of the buckets.
MONTH_IDS=gorin-l2.pump1_current
python3 - "$T/oct.json" <<'PY'
import json, sys, datetime, random
random.seed(15)
t0 = datetime.datetime(2026, 10, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
special = [0.1, 1 / 3, 2 / 3, 1e-300, 5e-324, 2.2250738585072014e-308, 1e300, 123456789.125,
           -2.5, 0.1 + 0.2, 9007199254740993.0, 1e16, 1e17, 1e-5, 0.0001, 100.0, 23.5]
out = []
for i in range(31 * 24 * 2):  # every 30 minutes, October 2026 JST
    k = i % 3
    v = special[(i // 3) % len(special)] if k == 0 else \
        random.uniform(-1000, 1000) if k == 1 else round(random.uniform(0, 10), 2)
    s = {"data_id": "gorin-l2.pump1_current",
         "ts": (t0 + datetime.timedelta(minutes=30 * i)).isoformat(), "value": v}
    if i % 97 == 5:
        s["quality"] = "missing"
    out.append(s)
json.dump({"samples": out}, open(sys.argv[1], "w"))
PY
upload "$GW" "@$T/oct.json"
expect_eq "a month of awkward reals stored" "$CODE $(j .stored)" "200 1488"
PC=/apif/v1/points/$MONTH_IDS
OCT="from=2026-10-01T00:00:00%2B09:00&to=2026-11-01T00:00:00%2B09:00"
bapi "$APP" GET "$PC/values?$OCT&limit=2000"
expect_code "raw month" 200
openapi_ok "raw month" GET "$PC/values"
cp "$T/body" "$T/oct.raw"
for a in hour day month; do
  bapi "$APP" GET "$PC/values?$OCT&agg=$a"
  expect_code "month by $a" 200
  openapi_ok "month by $a" GET "$PC/values"
  cp "$T/body" "$T/oct.$a"
done
checks=$((checks + 1))
python3 - "$T" <<'PY' || fail "month read back: see above"
import json, sys, datetime, functools
T = sys.argv[1]
up = json.load(open(T + "/oct.json"))["samples"]
def ms(s):
    return int(datetime.datetime.fromisoformat(s).timestamp() * 1000)
def iso(m):
    return datetime.datetime.fromtimestamp(m / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
def sig(tok):  # significant digits of a number token
    m = tok.lower().split("e")[0].lstrip("-")
    d = m.replace(".", "").lstrip("0")
    if "." in m and m.endswith(".0"):
        d = m[:-2].replace(".", "").lstrip("0")
    return len(d.rstrip("0")) or 1
bad = []
def check(what, got, want):
    if got != want:
        bad.append(f"{what}: got {got!r}, want {want!r}")
def tokens(path):  # the reply with each real kept as its spelling
    return json.load(open(path), parse_float=lambda t: ("real", t))
raw = tokens(T + "/oct.raw")
check("raw count", len(raw["values"]), len(up))
check("raw cursor", raw["next_cursor"], None)
for i, (r, s) in enumerate(zip(raw["values"], up)):
    check(f"values[{i}].ts", r["ts"], iso(ms(s["ts"])))
    check(f"values[{i}].quality", r["quality"], s.get("quality", "good"))
    kind, tok = r["value"]
    check(f"values[{i}].value {tok}", float(tok), s["value"])
    check(f"values[{i}].value {tok} digits", sig(tok), sig(repr(s["value"])))
ok = [(ms(s["ts"]), s["value"]) for s in up if s.get("quality") != "missing"]
def buckets(start):
    out = {}
    for t, v in ok:  # time order
        out.setdefault(start(t), []).append(v)
    return out
H, D, J = 3600000, 86400000, 9 * 3600000
hour = buckets(lambda t: t // H * H)
day = buckets(lambda t: (t + J) // D * D - J)
def agg(vs):
    s = functools.reduce(lambda a, b: a + b, vs)
    return {"count": len(vs), "min": min(vs), "max": max(vs), "sum": s, "avg": s / len(vs)}
want = {"hour": {k: agg(v) for k, v in hour.items()}, "day": {k: agg(v) for k, v in day.items()}}
days = [want["day"][k] for k in sorted(want["day"])]
msum = functools.reduce(lambda a, b: a + b, [d["sum"] for d in days])
mcount = sum(d["count"] for d in days)
want["month"] = {ms("2026-10-01T00:00:00+09:00"): {
    "count": mcount, "min": min(d["min"] for d in days), "max": max(d["max"] for d in days),
    "sum": msum, "avg": msum / mcount}}
for a in ("hour", "day", "month"):
    body = tokens(f"{T}/oct.{a}")
    check(f"{a} timezone", body["timezone"], "+09:00")
    check(f"{a} agg", body["agg"], a)
    got = body["buckets"]
    check(f"{a} bucket count", len(got), len(want[a]))
    for b, k in zip(got, sorted(want[a])):
        check(f"{a} start", b["start"], iso(k))
        for f in ("count", "min", "max", "sum", "avg"):
            g = b[f]
            if f == "count":
                check(f"{a} {b['start']} count", g, want[a][k]["count"])
                continue
            check(f"{a} {b['start']} {f} {g[1]}", float(g[1]), want[a][k][f])
            check(f"{a} {b['start']} {f} {g[1]} digits", sig(g[1]), sig(repr(want[a][k][f])))
for line in bad[:20]:
    print(line, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
bapi "$APP" GET "$PC/latest"
expect_eq "latest of the month, shortest" "$CODE $(printf '%s' "$BODY" | grep -o '"value":[^,]*')" \
  "200 \"value\":$(python3 -c "import json; print(repr(json.load(open('$T/oct.json'))['samples'][-1]['value']))")"
openapi_ok "latest of the month" GET "$PC/latest"
done_ok
