#!/usr/bin/env bash
# platform_login_storm.sh - a storm of bad logins at the real argon2id cost does not hold the
# server: 32 clients at once (each from its own loopback address, so the per-address throttle
# does not hide it) while an unrelated GET must be answered within 2 s (it waited 5.8-9.0 s when
# every attempt hashed). Then one address is throttled (429 + Retry-After) before any hashing,
# and a login id that does not exist answers its 6th failure exactly like an existing one
# (423, same body, same Retry-After), at a comparable cost for the failures before.
# Prints logins/s and the GET latencies during the storm.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
start_suidod --set auth.password_cost=interactive
login_admin
python3 - "$P" "$T/admin.jar" <<'PY' || fail "login storm (see above)"
import http.client, json, sys, threading, time
port, jar = int(sys.argv[1]), sys.argv[2]
cookie = next(l.split("\t")[5] + "=" + l.split("\t")[6].strip()
              for l in open(jar) if "suido_session" in l)
admin_login = None

def req(method, path, body=None, src="127.0.0.1", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(src, 0))
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    t0 = time.monotonic()
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse()
    data = r.read()
    dt = time.monotonic() - t0
    c.close()
    return r.status, dict(r.getheaders()), data, dt

def bad(src, login):
    return req("POST", "/api/v1/login", {"login": login, "password": "not-the-password"}, src)

fails = []
def check(what, ok):
    print(("ok  " if ok else "BAD ") + what)
    if not ok:
        fails.append(what)

st, _, me, _ = req("GET", "/api/v1/me", headers={"Cookie": cookie})
admin_login = json.loads(me)["user"]["login"]

# ---- the storm: 32 clients x 4 bad logins, each client its own address --------------------
codes, lock, busy = {}, threading.Lock(), []
def storm(i):
    for k in range(4):
        st, hd, body, _ = bad("127.0.1.%d" % (i + 1), "storm-%d-%d" % (i, k))
        with lock:
            codes[st] = codes.get(st, 0) + 1
            if st == 503:
                busy.append((hd, body))
threads = [threading.Thread(target=storm, args=(i,)) for i in range(32)]
t0 = time.monotonic()
for t in threads:
    t.start()
lat = []
while any(t.is_alive() for t in threads) and len(lat) < 40:
    st, _, _, dt = req("GET", "/api/v1/me", headers={"Cookie": cookie})
    check("GET during the storm answered 200", st == 200)
    lat.append(dt)
for t in threads:
    t.join()
dur = time.monotonic() - t0
n = sum(codes.values())
print("storm: %d logins in %.2f s = %.1f logins/s; answers %s" %
      (n, dur, n / dur, json.dumps(codes, sort_keys=True)))
print("GET /api/v1/me during the storm: %d GETs, max %.3f s, mean %.3f s" %
      (len(lat), max(lat), sum(lat) / len(lat)))
check("storm answered only 401 or 503", set(codes) <= {401, 503})
check("503 (no free password check) says when to retry, as busy",
      all(h.get("Retry-After") == "1" and json.loads(b)["error"]["code"] == "busy"
          for h, b in busy))
# Without the bound on hashing an unrelated GET waited 5.8-9.0 s (mean above 5 s); the bounds
# leave room for a machine busy with other suites, not for the old behaviour.
check("unrelated GETs answered in 1 s on average during the storm", sum(lat) / len(lat) < 1.0)
check("every unrelated GET answered within 4 s during the storm", max(lat) < 4.0)
check("the storm was answered within 30 s", dur < 30)

# ---- per-address throttle: 20 failures in a burst, then 429 before any hashing -------------
t0 = time.monotonic()
got = [bad("127.0.2.1", "throttle-%d" % i) for i in range(40)]
el = time.monotonic() - t0
n401 = sum(1 for g in got if g[0] == 401)
print("one address: %d failures answered 401 in %.1f s, then 429" % (n401, el))
check("first 20 failures from one address are answered 401",
      [g[0] for g in got[:20]] == [401] * 20)
check("then 429 (burst 20, refilled at 1/s)", got[-1][0] == 429 and n401 <= 20 + el + 1)
r429 = next(g for g in got if g[0] == 429)
check("429 says when to retry", int(r429[1].get("Retry-After", "0")) >= 1)
check("429 is rate_limited", json.loads(r429[2])["error"]["code"] == "rate_limited")
check("429 is answered before any hashing", r429[3] < 0.05 + min(g[3] for g in got[:20]))
check("another address is not throttled", bad("127.0.2.2", "throttle-x")[0] == 401)

# ---- no answer tells whether an id exists -------------------------------------------------
known = [bad("127.0.3.1", admin_login) for _ in range(6)]
ghost = [bad("127.0.3.2", "no-such-user@example.jp") for _ in range(6)]
print("failures 1-5: existing id mean %.3f s, unknown id mean %.3f s" %
      (sum(k[3] for k in known[:5]) / 5, sum(g[3] for g in ghost[:5]) / 5))
check("failures 1-5 answer alike", [k[0] for k in known[:5]] == [g[0] for g in ghost[:5]] == [401] * 5)
check("6th failure: same status", known[5][0] == ghost[5][0] == 423)
check("6th failure: same body", known[5][2] == ghost[5][2])
# the lock runs 60 s from the 5th failure: 60 or 59 by where the second turned, for both alike
ra = (int(known[5][1].get("Retry-After", "0")), int(ghost[5][1].get("Retry-After", "0")))
print("6th failure Retry-After: existing id %d, unknown id %d" % ra)
check("6th failure: same Retry-After", all(59 <= r <= 60 for r in ra))
check("an unknown id costs a password check too",
      sum(g[3] for g in ghost[:5]) > sum(k[3] for k in known[:5]) / 3)
check("case does not make another id", bad("127.0.3.3", "NO-SUCH-USER@example.jp")[0] == 423)
sys.exit(1 if fails else 0)
PY
checks=$((checks + 1))
done_ok
