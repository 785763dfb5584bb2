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

# A TCP port nobody listens on now (the kernel's pick, released at once).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# spawn NAME CMD... : start CMD in the background, log to $T/NAME.log, remember its pid in $LAST_PID.
spawn() {
  local name=$1; shift
  "$@" >"$T/$name.log" 2>&1 &
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
  MQTT_PORT=$(free_port)
  { echo "listener $MQTT_PORT 127.0.0.1"; echo "persistence false"; cat; } >"$T/mosquitto.conf"
  spawn mosquitto mosquitto -c "$T/mosquitto.conf"
  wait_port "$MQTT_PORT"
}

# start_smtp: python3-aiosmtpd on a free port writing each message to $T/mail/; sets SMTP_PORT.
start_smtp() {
  SMTP_PORT=$(free_port)
  mkdir -p "$T/mail"
  spawn smtp python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$T/mail"
  wait_port "$SMTP_PORT"
}

# start_postgres: a throwaway cluster owned by the postgres user; sets PG_URL.
start_postgres() {
  local bindir=/usr/lib/postgresql/15/bin port
  port=$(free_port)
  chmod 755 "$T"; mkdir -p "$T/pg" && chown postgres "$T/pg" && chmod 700 "$T/pg"
  runuser -u postgres -- "$bindir/initdb" -D "$T/pg/data" -U postgres -A trust >/dev/null
  spawn postgres runuser -u postgres -- "$bindir/postgres" -D "$T/pg/data" -p "$port" \
    -k "$T/pg" -c listen_addresses=127.0.0.1 -c fsync=off
  wait_port "$port" 30
  PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
}
