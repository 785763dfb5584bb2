#!/usr/bin/env bash
# gw.sh - suido-gw with 1,000 simulated terminals over TCP (BENCH_GW_TERMINALS): terminals
# collected per minute (V + the 96-hour X, converted, queued durably, uploaded) against bare
# suidoctl calls (one X per terminal, same parallelism, nothing stored) measured in the same run;
# and alarm latency, fault injected at the simulator -> alarm point = 1 through AP-IF, p50/p99.
# The latency includes the simulator's alarm detection time (5 s of its clock, 83 ms at 60x),
# its dial-out and the ENQ/Y exchange, so it bounds "terminal's last byte -> visible" from above.
. "$(dirname "$0")/../tests/lib/harness.sh"
. "$(dirname "$0")/../tests/lib/platform.sh"
. "$(dirname "$0")/../tests/lib/gw.sh"
NT=${BENCH_GW_TERMINALS:-1000}
ALARMS=${BENCH_GW_ALARMS:-40}
PAR=8
start_suidod
t=$(date +%s.%N)
gw_platform "$NT"
echo "platform: master of $NT terminals approved in $(python3 -c "print(round($(date +%s.%N)-$t,1))") s"
gw_sim --time-scale 60 --start "$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)" --history-hours 96

# ---- baseline: bare suidoctl X calls, PAR at a time ------------------------------------------
t=$(date +%s.%N)
awk '$1 == "terminal" && $6 == "port" {print "tcp://127.0.0.1:" $7}' "$T/sim.log" >"$T/urls"
xargs -P "$PAR" -I{} sh -c "'$BIN/suidoctl' term call {} X >/dev/null || echo fail" \
  <"$T/urls" >"$T/base.out"
base_s=$(python3 -c "print($(date +%s.%N)-$t)")
[ -s "$T/base.out" ] && fail "baseline calls failed: $(wc -l <"$T/base.out")"

# ---- suido-gw: collect every terminal once --------------------------------------------------
printf 'collect_on_start = true\nworkers = %s\n' "$PAR" | gw_conf
t=$(date +%s.%N)
gw_start
for i in $(seq 3000); do
  [ "$(grep -c ' polled sim-' "$T/gw.log")" -ge "$NT" ] && break; sleep 0.1
done
gw_s=$(python3 -c "print($(date +%s.%N)-$t)")
expect_eq "terminals polled" "$(grep -c ' polled sim-' "$T/gw.log")" "$NT"
for i in $(seq 3000); do [ "$(qcount 0)" = 0 ] && break; sleep 0.1; done
up_s=$(python3 -c "print($(date +%s.%N)-$t)")
expect_eq "queue drained" "$(qcount 0)" 0

# ---- alarm latency ---------------------------------------------------------------------------
python3 - "$U" "$APP" "$SIM_CTL" "$NT" "$ALARMS" >"$T/lat.out" <<'PY'
import http.client, json, socket, sys, time
url, tok, ctl, nt, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
host, port = url.split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port))
lat = []
for a in range(k):
    term = "sim-%05d" % (1 + (a * 997) % nt)
    s = socket.create_connection(("127.0.0.1", ctl))
    s.sendall(("fault %s pump1 on\n" % term).encode())
    t0 = time.monotonic()
    s.close()
    while True:
        c.request("GET", "/apif/v1/points/%s.p1_fault/latest" % term,
                  headers={"Authorization": "Bearer " + tok})
        r = c.getresponse(); body = r.read()
        if r.status == 200 and json.loads(body)["value"] == 1:
            break
        if time.monotonic() - t0 > 30:
            sys.exit("alarm of %s not visible after 30 s" % term)
        time.sleep(0.005)
    lat.append(time.monotonic() - t0)
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
print("%.0f %.0f %.0f" % (p(0.5), p(0.99), max(lat) * 1000))
PY
read -r p50 p99 pmax <"$T/lat.out"
python3 - "$NT" "$base_s" "$gw_s" "$up_s" "$p50" "$p99" "$pmax" "$ALARMS" "$PAR" <<'PY'
import sys
nt, base, gw, up = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
p50, p99, pmax, k, par = sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8], sys.argv[9]
print("terminals: %d over TCP, %s calls at a time" % (nt, par))
print("suido-gw collection: %.0f terminals/min (V + X, %d samples each, durable queue)"
      % (nt * 60 / gw, 97 * 5 + 11))
print("  all of it acknowledged by the platform after %.1f s: %.0f terminals/min end to end"
      % (up, nt * 60 / up))
print("baseline bare suidoctl X calls: %.0f terminals/min" % (nt * 60 / base))
print("ratio suido-gw / baseline: %.2f (end to end %.2f)" % (base / gw, base / up))
print("alarm latency (fault injected -> alarm point 1 via AP-IF), %s alarms: p50 %s ms, p99 %s ms, max %s ms"
      % (k, p50, p99, pmax))
PY
