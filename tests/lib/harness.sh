# harness.sh - shared harness for integration tests: free loopback ports, processes that are always
# cleaned up, waiting for readiness, and real services (mosquitto, PostgreSQL, SMTP) on loopback.
# Source it; it sets -eu, a temp dir $T and a trap that kills everything started with `spawn`.
set -eu
: "${BIN:?BIN must point at the built programs}"
T=$(mktemp -d "${TMPDIR:-/tmp}/suido-it.XXXXXX")
PIDS=()
checks=0

cleanup() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  # a graceful stop first (PostgreSQL takes a moment), SIGKILL only for what hangs
  local i
  for i in $(seq 60); do
    local alive=0
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.05
  done
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    echo "--- logs of failed test ($T)" >&2
    for f in "$T"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 30 "$f" >&2; }; done
  fi
  rm -rf "$T"
}
trap cleanup EXIT

# Ports. A program that can bind port 0 is started on port 0 and its port read back from its
# output (port_from); a pre-picked port is only for what must be told its port in advance
# (mosquitto, PostgreSQL, aiosmtpd, a restart on the same port), and its start is retried on a
# collision (start_listener).
#
# free_port: a TCP port nobody listens on now, chosen at random below (or above) the kernel's
# ephemeral range (ip_local_port_range): the kernel never hands such a port to an outgoing
# connection or to a port-0 bind, so only another pre-pick can take it before it is used.
free_port() {
  python3 - <<'PY'
import random, socket
try:
    lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
except OSError:
    lo, hi = 32768, 60999
ranges = [r for r in ((10000, lo - 1), (hi + 1, 65535)) if r[1] - r[0] >= 1000]
for _ in range(500):
    a, b = random.choice(ranges) if ranges else (1024, 65535)
    p = random.randint(a, b)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
else:
    raise SystemExit("free_port: no free port found")
PY
}

# port_from FILE REGEX [SECONDS]: wait for a line of FILE matching REGEX (an ERE) followed by a
# port number; print that number. E.g. port_from "$T/suidod.log" 'ready on http://[^ ]*:'.
port_from() {
  local file=$1 re=$2 limit=${3:-10}
  wait_line "$file" "$re[0-9]+" "$limit" || return 1
  grep -Eo -- "$re[0-9]+" "$file" | head -n 1 | grep -Eo '[0-9]+$'
}

# suidod_port LOG: the port a suidod started on port 0 reports ("suidod ready on http://...:PORT").
suidod_port() { port_from "$1" 'suidod ready on https?://[^ ]*:' 30; }

# start_listener NAME PORTVAR CMD... : start CMD (spawn NAME) on a pre-picked port, retrying with
# another port when it was taken meanwhile. "@PORT@" in CMD's arguments is replaced by the port;
# a function start_listener_conf, if defined, is called with the port first (to write a
# configuration file). Waits until the port accepts; sets PORTVAR and LAST_PID.
start_listener() {
  local _n=$1 _v=$2 _try _port _pid _i _a; shift 2
  for _try in 1 2 3 4 5; do
    _port=$(free_port)
    local _args=()
    for _a in "$@"; do _args+=("${_a//@PORT@/$_port}"); done
    if declare -F start_listener_conf >/dev/null; then start_listener_conf "$_port"; fi
    spawn "$_n" "${_args[@]}"
    _pid=$LAST_PID
    for _i in $(seq 600); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$_port") 2>/dev/null; then
        # the answer might have come from whoever took the port: ours must still be running
        sleep 0.2
        kill -0 "$_pid" 2>/dev/null && { printf -v "$_v" %s "$_port"; return 0; }
      fi
      kill -0 "$_pid" 2>/dev/null || break
      sleep 0.05
    done
    if kill -0 "$_pid" 2>/dev/null; then
      echo "$_n: port $_port never opened" >&2; return 1
    fi
    wait "$_pid" 2>/dev/null || true
    unspawn "$_pid"
    grep -Eqi 'in use|already exists' "$T/$_n.log" ||
      { echo "$_n exited before listening on $_port:" >&2; tail -n 20 "$T/$_n.log" >&2; return 1; }
    echo "$_n: port $_port taken meanwhile (attempt $_try), another port" >&2
    mv "$T/$_n.log" "$T/$_n.log.$_try"
  done
  echo "$_n: no port after 5 attempts" >&2
  return 1
}

# unspawn PID: forget a process that has exited (its pid may be reused).
unspawn() {
  local p keep=()
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && keep+=("$p"); done
  PIDS=("${keep[@]:-}")
}

# start_relay NAME: a TCP relay on port 0 (sets RELAY_PORT) forwarding each connection to the
# port relay_to NAME PORT names; for dial-outs to a program that starts, or restarts on another
# port, after its callers were told where to call (tests/lib/relay.py).
start_relay() {
  : >"$T/$1.target"
  spawn "$1" python3 "$(dirname "${BASH_SOURCE[0]}")/relay.py" "$T/$1.target"
  RELAY_PORT=$(port_from "$T/$1.log" '^listening ')
}
relay_to() { echo "127.0.0.1:$2" >"$T/$1.target.new" && mv "$T/$1.target.new" "$T/$1.target"; }

# spawn NAME CMD... : start CMD in the background, log to $T/NAME.log, remember its pid in $LAST_PID.
spawn() {
  local name=$1; shift
  # truncate here, not in the child: a restart must not find the last run's "ready" line
  : >"$T/$name.log"
  "$@" >>"$T/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 limit=${2:-10} i=0
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    i=$((i + 1)); [ "$i" -le $((limit * 20)) ] || { echo "port $port never opened" >&2; return 1; }
    sleep 0.05
  done
}

# wait_line FILE REGEX [SECONDS]: until FILE has a line matching REGEX (a one-shot listener
# must not be probed with wait_port: the probe would be its one connection).
wait_line() {
  local file=$1 re=$2 limit=${3:-10} i=0
  until grep -Eq -- "$re" "$file" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -le $((limit * 20)) ] || { echo "no '$re' in $file" >&2; return 1; }
    sleep 0.05
  done
}

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_eq WHAT GOT WANT
expect_eq() {
  checks=$((checks + 1))
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_match WHAT TEXT REGEX
expect_match() {
  checks=$((checks + 1))
  printf '%s' "$2" | grep -Eq -- "$3" || fail "$1: '$2' does not match /$3/"
}

# expect_fail WHAT CMD... : CMD must exit non-zero.
expect_fail() {
  local what=$1; shift
  checks=$((checks + 1))
  if "$@" >"$T/expect_fail.out" 2>&1; then fail "$what: succeeded but should have failed"; fi
}

done_ok() { echo "ok: $checks checks"; }

# start_mosquitto: a private broker on a free port; sets MQTT_PORT. Extra config lines on stdin.
start_mosquitto() {
  cat >"$T/mosquitto.extra"
  start_listener_conf() {
    { echo "listener $1 127.0.0.1"; echo "persistence false"; cat "$T/mosquitto.extra"; } \
      >"$T/mosquitto.conf"
  }
  start_listener mosquitto MQTT_PORT mosquitto -c "$T/mosquitto.conf"
  unset -f start_listener_conf
}

# start_smtp: aiosmtpd on a free port, mail into the Maildir $T/mail; sets SMTP_PORT, SMTP_PID.
start_smtp() {
  # aiosmtpd is a Debian package: the system python has it even when another python3 comes first
  SMTP_PY=python3
  python3 -c 'import aiosmtpd' 2>/dev/null || SMTP_PY=/usr/bin/python3
  mkdir -p "$T/mail/cur" "$T/mail/new" "$T/mail/tmp"
  start_listener smtp SMTP_PORT "$SMTP_PY" -m aiosmtpd -n -l "127.0.0.1:@PORT@" \
    -c aiosmtpd.handlers.Mailbox "$T/mail"
  SMTP_PID=$LAST_PID
}

# restart_smtp: the SMTP server of start_smtp again on $SMTP_PORT (which its clients were told).
restart_smtp() {
  spawn smtp "$SMTP_PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox \
    "$T/mail"
  SMTP_PID=$LAST_PID
  wait_port "$SMTP_PORT"
}

# start_postgres: a throwaway cluster owned by the postgres user; sets PG_URL.
start_postgres() {
  local bindir=/usr/lib/postgresql/15/bin port
  chmod 755 "$T"; mkdir -p "$T/pg" && chown postgres "$T/pg" && chmod 700 "$T/pg"
  runuser -u postgres -- "$bindir/initdb" -D "$T/pg/data" -U postgres -A trust >/dev/null
  start_listener postgres port runuser -u postgres -- "$bindir/postgres" -D "$T/pg/data" \
    -p @PORT@ -k "$T/pg" -c listen_addresses=127.0.0.1 -c fsync=off
  PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}
