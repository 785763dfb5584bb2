#!/usr/bin/env python3
"""webhook_receiver.py PORT SECRET_FILE OUT_FILE [FAIL_FIRST]

Prints "listening PORT" once it listens (PORT 0 picks a free port).

A webhook endpoint for apif_monitor.sh: verifies X-Suido-Signature (HMAC-SHA256 of the body
under the secret read from SECRET_FILE at each request) and appends one line per POST to
OUT_FILE: "ok <event_id> <values comma-separated>" or "badsig <event_id>". With FAIL_FIRST=1
the first POST is answered 503, so the sender's retry is exercised."""
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

port, secret_file, out_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fail_first = len(sys.argv) > 4 and sys.argv[4] == "1"
state = {"n": 0}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        state["n"] += 1
        if fail_first and state["n"] == 1:
            with open(out_file, "a") as f:
                f.write("refused-once\n")
            self.send_response(503)
            self.end_headers()
            return
        with open(secret_file, "rb") as f:
            key = f.read().strip()
        want = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Suido-Signature", "")
        doc = json.loads(body)
        ev = doc.get("event_id", "?")
        if hmac.compare_digest(want, got) and self.headers.get("X-Suido-Event-Id") == ev:
            vals = ",".join("%g" % s["value"] for s in doc["samples"])
            ids = ",".join(s["data_id"] for s in doc["samples"])
            line = "ok %s %s monitor=%s ids=%s\n" % (ev, vals, doc["monitor"], ids)
        else:
            line = "badsig %s\n" % ev
        with open(out_file, "a") as f:
            f.write(line)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", port), Handler)  # port 0: any free port
print("listening %d" % server.server_address[1], flush=True)
server.serve_forever()
