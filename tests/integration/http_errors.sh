#!/usr/bin/env bash
# http_errors.sh - requests libmicrohttpd itself refuses (bad request line, no Host, too large
# headers or URI, bad Content-Length or chunk, unknown HTTP version) are answered in the one
# JSON error shape with Content-Type application/json, not libmicrohttpd's HTML pages (issue 11).
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
cd "$SUIDO_ROOT"
start_suidod
python3 "$(dirname "$0")/http_errors.py" "$P" >"$T/errors.out" 2>&1 ||
  fail "malformed requests: $(cat "$T/errors.out")"
cat "$T/errors.out"
checks=$((checks + $(wc -l <"$T/errors.out")))
done_ok
