#!/usr/bin/env python3
"""relay.py TARGET_FILE - a TCP relay for tests: listens on 127.0.0.1 port 0, prints
"listening PORT", and forwards each connection to the HOST:PORT written in TARGET_FILE at the time
the connection arrives (re-read per connection). With no target, or nobody listening there, the
caller's connection is closed at once, as a refused call would be. Half-closes and closes are
passed on both ways, so a line cut mid-frame stays a line cut.

The harness (tests/lib/harness.sh start_relay/relay_to) uses it where the callers must be told an
address before the callee starts, or restarts on another port: the simulated terminals dial out
to the relay, which the gateway's port-0 listener is then connected behind."""
import socket
import sys
import threading

target_file = sys.argv[1]


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(c):
    try:
        with open(target_file) as f:
            host, port = f.read().strip().rsplit(":", 1)
        u = socket.create_connection((host, int(port)), timeout=5)
        u.settimeout(None)
    except (OSError, ValueError):
        c.close()
        return
    for s in (c, u):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=pump, args=(u, c), daemon=True)
    t.start()
    pump(c, u)
    t.join()
    c.close()
    u.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(256)
print("listening %d" % ls.getsockname()[1], flush=True)
while True:
    conn, _ = ls.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
