#!/usr/bin/env python3
"""http_slow.py - a slow-client attack on loopback, for tests/integration/http_slow.sh.

Opens SOCKETS connections to 127.0.0.1:PORT from ADDRS source addresses (127.0.1.1 ...; all of
127/8 is loopback), each sending an unfinished request a little at a time: a header line every
3 s (--mode header) or one body byte every 3 s after a complete head (--mode body). Meanwhile
PROBES normal requests from 127.0.0.1 are sent one after another, each given PROBE_TIMEOUT
seconds. Everything is bounded by HOLD seconds. Prints the figures; exits 0 when every probe
was answered and every attacking socket the server accepted was cut by the server within
CUT_BOUND seconds of its opening (0 = do not check the cuts).
"""
import argparse
import select
import socket
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--mode", choices=("header", "body"), default="header")
ap.add_argument("--sockets", type=int, default=600)
ap.add_argument("--addrs", type=int, default=1)
ap.add_argument("--hold", type=float, default=8.0)
ap.add_argument("--probes", type=int, default=6)
ap.add_argument("--probe-timeout", type=float, default=5.0)
ap.add_argument("--cut-bound", type=float, default=0.0)
a = ap.parse_args()

socks = {}  # socket -> opened at (monotonic)
cut = {}  # socket -> seconds from opening to the server closing it
refused = 0
t_start = time.monotonic()


def src(i):
    n = i % a.addrs
    return "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)


def head():
    if a.mode == "header":
        return b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return (b"POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")


def attack():
    global refused
    for i in range(a.sockets):
        if time.monotonic() - t_start > a.hold / 2:
            break
        s = socket.socket()
        s.settimeout(1.0)
        try:
            s.bind((src(i), 0))
            s.connect(("127.0.0.1", a.port))
            s.sendall(head())
        except OSError:
            refused += 1
            s.close()
            continue
        socks[s] = time.monotonic()


def drip():
    """Every 3 s one more line (or byte) on each open socket; note the ones the server cut."""
    last = 0.0
    while time.monotonic() - t_start < a.hold:
        live = [s for s in list(socks) if s not in cut]
        if live:
            r, _, _ = select.select(live[:1000], [], [], 0.2)
            for s in r:
                try:  # an answer or a close: either way the server stopped waiting
                    s.recv(4096)
                except OSError:
                    pass
                cut[s] = time.monotonic() - socks[s]
        else:
            time.sleep(0.2)
        if time.monotonic() - last >= 3.0:
            last = time.monotonic()
            for s in live:
                if s in cut:
                    continue
                try:
                    s.send(b"X-Slow: 1\r\n" if a.mode == "header" else b"1")
                except OSError:
                    cut[s] = time.monotonic() - socks[s]


def probe():
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(a.probe_timeout)
    try:
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", a.port))
        s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        d = s.recv(64)
        ok = d.startswith(b"HTTP/1.1 ")
        why = "" if ok else "closed without an answer" if not d else "answer %r" % d[:20]
    except OSError as e:
        ok, why = False, "%s" % e
    finally:
        s.close()
    return ok, time.monotonic() - t0, why


at = threading.Thread(target=attack)
at.start()
dt = threading.Thread(target=drip)
dt.start()
time.sleep(min(1.0, a.hold / 4))  # let the attack take hold first
answered, lat, whys = 0, [], []
for i in range(a.probes):
    if time.monotonic() - t_start > a.hold:
        break
    ok, d, why = probe()
    answered += ok
    if ok:
        lat.append(d * 1000)
    else:
        whys.append("probe %d at %.1f s: %s after %.1f s" % (i + 1, time.monotonic() - t_start, why, d))
    time.sleep(0.3)
at.join()
dt.join()
opened = len(socks)
late = [s for s in socks if s not in cut or (a.cut_bound and cut[s] > a.cut_bound)]
lat.sort()
print("attack %s: %d sockets from %d address(es), %d opened, %d refused at connect, "
      "%d cut by the server (slowest after %.1f s), %d still open or cut late; "
      "answered %d of %d probes, latency median %.0f ms max %.0f ms" %
      (a.mode, a.sockets, a.addrs, opened, refused, len(cut),
       max(cut.values()) if cut else 0.0, len(late), answered, a.probes,
       lat[len(lat) // 2] if lat else -1, lat[-1] if lat else -1))
for w in whys:
    print(w)
for s in socks:
    s.close()
sys.exit(0 if answered == a.probes and (not a.cut_bound or not late) else 1)
