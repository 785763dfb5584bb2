#!/usr/bin/env python3
"""http_errors.py PORT - raw malformed requests to 127.0.0.1:PORT (tests/integration/http_errors.sh).

Each must be answered with an error status, Content-Type application/json and the body
{"error":{"code":...,"message":...}}. Prints one line per case; exits 1 if any case fails.
"""
import json
import socket
import sys

port = int(sys.argv[1])
H = "Host: 127.0.0.1\r\n"
# (name, request, may the server just close without answering)
CASES = [
    ("garbage request line", b"GARBAGE\r\n\r\n", True),
    ("header without colon", b"GET /api/v1/status HTTP/1.1\r\n" + H.encode() +
     b"No colon here\r\n\r\n", False),
    ("no Host in HTTP/1.1", b"GET /api/v1/status HTTP/1.1\r\n\r\n", False),
    ("HTTP/2.0 over text", b"GET /api/v1/status HTTP/2.0\r\n" + H.encode() + b"\r\n", False),
    ("HTTP/0.9-style version", b"GET /api/v1/status HTTP/0.9\r\n" + H.encode() + b"\r\n", False),
    ("header too large", b"GET /api/v1/status HTTP/1.1\r\n" + H.encode() +
     b"X-Big: " + b"a" * 70000 + b"\r\n\r\n", False),
    ("URI too long", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n" + H.encode() + b"\r\n", False),
    ("bad Content-Length", b"POST /api/v1/login HTTP/1.1\r\n" + H.encode() +
     b"Content-Length: 12abc\r\n\r\n", False),
    ("huge Content-Length", b"POST /api/v1/login HTTP/1.1\r\n" + H.encode() +
     b"Content-Length: 99999999999999999999999\r\n\r\n", False),
    ("bad chunk", b"POST /api/v1/login HTTP/1.1\r\n" + H.encode() +
     b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", False),
]


def ask(raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(raw)
    except OSError:
        pass  # the server may answer and close before reading it all
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        pass
    s.close()
    return data


bad = 0
for name, raw, may_close in CASES:
    data = ask(raw)
    if not data and may_close:
        print("%-24s %-40s ok" % (name, "(closed, nothing sent)"))
        continue
    head, _, body = data.partition(b"\r\n\r\n")
    note = ""
    # libmicrohttpd 0.9.75 writes the status and headers twice for a bad Content-Length (its
    # state machine builds the error's head again); what follows them is still checked
    while body.startswith(b"HTTP/1.1 "):
        head, _, body = body.partition(b"\r\n\r\n")
        note = " (head sent twice by libmicrohttpd)"
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0] if lines else ""
    hdrs = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip()
            for l in lines[1:] if ":" in l}
    why = ""
    try:
        code = int(status.split()[1])
    except (IndexError, ValueError):
        code = 0
    if code < 400:
        why = "no error status"
    elif hdrs.get("content-type") != "application/json":
        why = "Content-Type %r" % hdrs.get("content-type")
    else:
        try:
            e = json.loads(body)["error"]
            if not isinstance(e["code"], str) or not isinstance(e["message"], str):
                why = "error shape"
        except (ValueError, KeyError, TypeError):
            why = "body is not the JSON error shape"
    print("%-24s %-40s %s" % (name, status, ("ok" + note) if not why else "FAIL: %s: %r" % (why, body[:120])))
    bad += bool(why)
sys.exit(1 if bad else 0)
