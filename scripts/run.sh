#!/usr/bin/env bash
# run.sh - the main job on embedded defaults: the simulated terminals of the sample facilities,
# and (once built) the platform server with its sample tenant. Ctrl-C stops everything.
set -euo pipefail
BUILD=${BUILD:-build}
BIN="$PWD/$BUILD/bin"
RUN="$PWD/run"
mkdir -p "$RUN"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; echo; echo "stopped."' EXIT INT TERM

# the platform server on embedded defaults (SQLite in run/data, http://127.0.0.1:8080)
HTTP=${SUIDO_HTTP:-127.0.0.1:8080}
"$BIN/suidod" --config etc/suidod.conf --set "http.listen=$HTTP" --set "data.dir=$RUN/data" \
  --set "web.root=$PWD/web" \
  >>"$RUN/suidod.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "ready on" "$RUN/suidod.log" 2>/dev/null && break; sleep 0.1; done
grep -q "ready on" "$RUN/suidod.log" || { tail -20 "$RUN/suidod.log"; exit 1; }
if [ ! -s "$RUN/credentials.txt" ]; then
  echo "first start: loading the sample tenant, users and master data ..."
  scripts/seed-sample.sh "http://$HTTP" "$RUN/suidod.log" "$RUN/credentials.txt"
fi

BASE=${SUIDO_TERM_BASE:-7200}
CONTROL=$((BASE + 99))
"$BIN/suido-term" --config etc/sample-fleet.conf --base-port "$BASE" \
  --control "127.0.0.1:$CONTROL" >"$RUN/suido-term.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$RUN/suido-term.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$RUN/suido-term.log" || { cat "$RUN/suido-term.log"; exit 1; }

cat <<TXT
suido is running (logs in $RUN/).

Platform server: http://$HTTP  (API under /api/v1 and /apif/v1; docs/openapi.yaml)
Portal:          http://$HTTP/  (web/; log in as one of the users below)
Sample users (passwords made for this installation, kept in $RUN/credentials.txt):
$(sed 's/^/  /' "$RUN/credentials.txt")
Log in and look around:
  $BIN/suidoctl login --server http://$HTTP        # asks for login id and password
  $BIN/suidoctl whoami
  $BIN/suidoctl master get --csv                   # the facilities, terminals and points

Simulated terminals (etc/sample-fleet.conf, the facilities of the source's 別表1):
$(grep '^terminal' "$RUN/suido-term.log" | sed 's/^/  /')

Poll a terminal as a field engineer would:
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 1)) V        # 五輪 L2: pumps, tank, meters
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 1)) X        # the 4-day hourly log
  $BIN/suidoctl term control tcp://127.0.0.1:$((BASE + 1)) 1 on  # run pump 1 by hand
  $BIN/suidoctl term call tcp://127.0.0.1:$((BASE + 3)) L3       # 札幌平岸 L3 device
Inject a fault (control port $CONTROL):
  echo 'fault gorin-l2 pump1 on' > /dev/tcp/127.0.0.1/$CONTROL
  echo 'status' | (exec 3<>/dev/tcp/127.0.0.1/$CONTROL; cat >&3; timeout 1 cat <&3)
Press Ctrl-C to stop.
TXT
wait
