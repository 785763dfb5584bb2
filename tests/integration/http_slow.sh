#!/usr/bin/env bash
# http_slow.sh - slow clients do not stop the server (issue 11): 600 loopback sockets sending a
# header line (or a body byte) every 3 s, from one address and from 200, while normal requests
# from 127.0.0.1 must all be answered, each within 5 s. First with the default deadlines (what
# saves the server is the per-address limit, and the oldest unfinished requests making room
# near http.max_conns), then with 3 s deadlines, every attacking socket cut within 6 s.
# Figures (sockets opened / cut, probes answered, latency) go to the suite's output.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
cd "$SUIDO_ROOT"
attack() { # WHAT ARGS...: run the attacker; it fails unless every probe was answered
  local what=$1; shift
  checks=$((checks + 1))
  python3 "$(dirname "$0")/http_slow.py" --port "$P" "$@" >"$T/attack.out" 2>&1 ||
    fail "$what: $(cat "$T/attack.out")"
  echo "$what: $(cat "$T/attack.out")"
}
start_suidod
attack "slow headers, one address" --mode header --sockets 600 --addrs 1 --hold 6
attack "slow headers, 200 addresses" --mode header --sockets 600 --addrs 200 --hold 6
attack "slow body, 200 addresses" --mode body --sockets 600 --addrs 200 --hold 6
kill "$LAST_PID"; wait "$LAST_PID" || true; unspawn "$LAST_PID"

start_suidod --set http.header_timeout=3s --set http.body_timeout=3s
attack "slow headers, 3 s deadline" --mode header --sockets 600 --addrs 200 --hold 12 --cut-bound 6
attack "slow body, 3 s deadline" --mode body --sockets 600 --addrs 200 --hold 12 --cut-bound 6
done_ok
