#!/usr/bin/env bash
# run.sh - the main job on embedded defaults: mosquitto, the platform server with its sample
# tenant, the simulated terminals of the sample facilities and the gateway (suido-gw) that brings
# them onto the platform, and an SMTP sink that keeps the mails suidod sends. Ctrl-C stops
# everything.
# Ports (loopback) and the state directory can be moved, e.g. beside another installation:
#   SUIDO_HTTP=127.0.0.1:8080 SUIDO_MQTT_PORT=8883 SUIDO_SMTP_PORT=2525 SUIDO_GW_PORT=7100
#   SUIDO_TERM_BASE=7200 (terminals on +1.., control on +99; 0: any free ports) SUIDO_RUN_DIR=run
set -euo pipefail
BUILD=${BUILD:-build}
BIN="$PWD/$BUILD/bin"
RUN=$(realpath -m "${SUIDO_RUN_DIR:-$PWD/run}")
mkdir -p "$RUN"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; echo; echo "stopped."' EXIT INT TERM

# the mail sink: aiosmtpd keeps every mail suidod sends (alarms, escalations, digests, resource
# alerts) in the Maildir run/mail, so a newcomer sees them; without it mails wait in the outbox
SMTP_PORT=${SUIDO_SMTP_PORT:-2525}
MAIL="$RUN/mail"
NOTIFY=()
SMTP_PY=python3
python3 -c 'import aiosmtpd' 2>/dev/null || SMTP_PY=/usr/bin/python3 # the Debian package's python
MAIL_STATE="no SMTP sink (python3-aiosmtpd is not installed): mails wait in suidod's outbox"
if (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; then
  MAIL_STATE="port $SMTP_PORT is taken (set SUIDO_SMTP_PORT): no SMTP sink, mails wait in suidod's outbox"
  echo "$MAIL_STATE"
elif "$SMTP_PY" -c 'import aiosmtpd' 2>/dev/null; then
  mkdir -p "$MAIL/cur" "$MAIL/new" "$MAIL/tmp"
  "$SMTP_PY" -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Mailbox "$MAIL" \
    >>"$RUN/smtp.log" 2>&1 &
  pids+=($!)
  # up when the port answers while ours still runs (someone else's server may hold the port)
  for _ in $(seq 100); do
    kill -0 "${pids[-1]}" 2>/dev/null || break
    (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null && sleep 0.2 && break
    sleep 0.1
  done
  if kill -0 "${pids[-1]}" 2>/dev/null; then
    NOTIFY=(--set "notify.smtp_url=smtp://127.0.0.1:$SMTP_PORT" --set "notify.portal_url=http://${SUIDO_HTTP:-127.0.0.1:8080}")
    MAIL_STATE="aiosmtpd on 127.0.0.1:$SMTP_PORT keeps every mail in $MAIL (Maildir, log $RUN/smtp.log)"
  else
    unset 'pids[-1]'
    MAIL_STATE="the SMTP sink did not start (port $SMTP_PORT in use? set SUIDO_SMTP_PORT; see $RUN/smtp.log): mails wait in suidod's outbox"
    echo "$MAIL_STATE"
  fi
fi

# the MQTT broker, TLS only (mqtts://, port 8883): suidod writes its accounts, ACLs, limits
# (conf.d/suidod.conf) and its certificate, issued by the platform CA (docs/mqtt.md), so suidod
# starts first and the broker after it; suidod connects once the broker is up
MQTT_PORT=${SUIDO_MQTT_PORT:-8883}
BROKER="$RUN/broker"
MQTT=()
HAVE_MOSQUITTO=
if command -v mosquitto >/dev/null; then
  HAVE_MOSQUITTO=1
  mkdir -p "$BROKER/conf.d"
  # suidod writes the broker's files private to its user (umask 077), so mosquitto runs as that
  # user too (started as root it would otherwise drop to its own user and fail to read them)
  rm -f "$BROKER/mosquitto.pid" # a stale one must not get suidod's SIGHUP
  MQTT=(--set "mqtt.url=mqtts://127.0.0.1:$MQTT_PORT" --set "mqtt.broker_dir=$BROKER"
    --set "mqtt.broker_pid_file=$BROKER/mosquitto.pid" --set mqtt.broker_tls=true)
fi

# the platform server on embedded defaults (SQLite in run/data, http://127.0.0.1:8080)
HTTP=${SUIDO_HTTP:-127.0.0.1:8080}
"$BIN/suidod" --config etc/suidod.conf --set "http.listen=$HTTP" --set "data.dir=$RUN/data" \
  --set "web.root=$PWD/web" "${MQTT[@]}" "${NOTIFY[@]}" >>"$RUN/suidod.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "ready on" "$RUN/suidod.log" 2>/dev/null && break; sleep 0.1; done
grep -q "ready on" "$RUN/suidod.log" || { tail -20 "$RUN/suidod.log"; exit 1; }
BINDING=http
if [ -n "$HAVE_MOSQUITTO" ]; then
  printf '%s\n' "listener $MQTT_PORT 127.0.0.1" "certfile $BROKER/tls/broker.crt" \
    "keyfile $BROKER/tls/broker.key" "allow_anonymous false" "password_file $BROKER/passwd" \
    "acl_file $BROKER/acl" "pid_file $BROKER/mosquitto.pid" "use_username_as_clientid true" \
    "persistence false" "user $(id -un)" "include_dir $BROKER/conf.d" >"$BROKER/mosquitto.conf"
  mosquitto -c "$BROKER/mosquitto.conf" >>"$RUN/mosquitto.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "mqtt: connected to the broker" "$RUN/suidod.log" && break
    kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "${pids[-1]}" 2>/dev/null; then
    BINDING=mqtt
  else
    echo "mosquitto did not start (port $MQTT_PORT in use?): the gateway uses HTTP; see $RUN/mosquitto.log"
  fi
fi
if [ ! -s "$RUN/credentials.txt" ]; then
  echo "first start: loading the sample tenant, users and master data ..."
  scripts/seed-sample.sh "http://$HTTP" "$RUN/suidod.log" "$RUN/credentials.txt" \
    "$RUN/suido-gw.conf"
fi

# the simulated fleet starts with the 96 hours its terminals keep (fleet.history_hours), so the
# gateway's first collection brings four days of trends; terminals dial the gateway's port
BASE=${SUIDO_TERM_BASE:-7200}
GW_PORT=${SUIDO_GW_PORT:-7100}
"$BIN/suido-term" --config etc/sample-fleet.conf --base-port "$BASE" \
  --control "127.0.0.1:$([ "$BASE" = 0 ] && echo 0 || echo $((BASE + 99)))" \
  --center "tcp://127.0.0.1:$GW_PORT" >"$RUN/suido-term.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$RUN/suido-term.log" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$RUN/suido-term.log" || { cat "$RUN/suido-term.log"; exit 1; }
CONTROL=$(awk '/^control port/ {print $3}' "$RUN/suido-term.log")
tport() { awk -v tel="$1" '$1 == "terminal" && $5 == tel {print $7}' "$RUN/suido-term.log"; }
GORIN=$(tport 0115812221) HIRAGISHI=$(tport 0118212571)

# the gateway: terminals by tel through a dial plan onto the simulator's ports; collects every
# terminal at start (then daily), takes their alarm calls on 127.0.0.1:$GW_PORT (the fleet's
# center). No guard around the top of the hour (south.x_guard): the simulator closes its hourly
# block at once, and a first collection held back until xx:05 would leave a new user's trend a
# single dot for up to ten minutes.
awk '/^terminal/ {print $5, "tcp://127.0.0.1:" $7}' "$RUN/suido-term.log" >"$RUN/dialplan"
GW_STATE="not started: $RUN/suido-gw.conf is missing (delete $RUN/ to start over)"
if [ -s "$RUN/suido-gw.conf" ]; then
  "$BIN/suido-gw" --config "$RUN/suido-gw.conf" --set "north.url=http://$HTTP" \
    --set "north.binding=$BINDING" --set "north.mqtt_url=mqtts://127.0.0.1:$MQTT_PORT" \
    --set "north.mqtt_cafile=$BROKER/tls/ca.crt" \
    --set "gw.data_dir=$RUN/gw" --set "south.dialplan=$RUN/dialplan" \
    --set "south.listen=tcp://127.0.0.1:$GW_PORT" --set south.x_guard=false \
    --set south.collect_on_start=true >>"$RUN/suido-gw.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -q "suido-gw: ready" "$RUN/suido-gw.log" 2>/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "${pids[-1]}" 2>/dev/null; then
    GW_STATE="running over $BINDING (log $RUN/suido-gw.log, queue $RUN/gw/queue.db)"
  else
    GW_STATE="did not start (port $GW_PORT in use? set SUIDO_GW_PORT; see $RUN/suido-gw.log)"
  fi
fi

cat <<TXT
suido is running (logs in $RUN/).

Platform server: http://$HTTP  (API under /api/v1 and /apif/v1; docs/openapi.yaml)
Portal:          http://$HTTP/  (web/; log in as one of the users below)
Sample users (passwords made for this installation, kept in $RUN/credentials.txt):
$(sed 's/^/  /' "$RUN/credentials.txt")
The platform admin also needs a one-time password: add its totp secret to an authenticator app,
or take the code from \`oathtool --totp -b <secret>\`.
Log in and look around:
  $BIN/suidoctl login --server http://$HTTP        # asks for login id and password
  $BIN/suidoctl whoami
  $BIN/suidoctl master get --csv                   # the facilities, terminals and points
Maintenance (保守点検): http://$HTTP/#/maint as kanri-tech (技術員) or kanri-manager (管理技術者) of
  the contractor, or as hokkaido2-staff: this month's plans, the daily inspections recorded, the
  open defect (見積作成中, 修繕依頼); a visit left unrecorded is mailed as overdue to the
  管理技術者 and the contact list's step 1

Simulated terminals (etc/sample-fleet.conf, the facilities of the source's 別表1):
$(grep '^terminal' "$RUN/suido-term.log" | sed 's/^/  /')

Poll a terminal as a field engineer would:
  $BIN/suidoctl term call tcp://127.0.0.1:$GORIN V        # 五輪 L2: pumps, tank, meters
  $BIN/suidoctl term call tcp://127.0.0.1:$GORIN X        # the 4-day hourly log
  $BIN/suidoctl term control tcp://127.0.0.1:$GORIN 1 on  # run pump 1 by hand
  $BIN/suidoctl term call tcp://127.0.0.1:$HIRAGISHI L3       # 札幌平岸 L3 device
Gateway suido-gw: $GW_STATE
  It collected the terminals' 96-hour logs at start: the portal's トレンド (7日) shows four days of
  五輪's tank level at once. Through AP-IF, e.g. as staff:
  curl -s -c /tmp/jar -H 'Content-Type: application/json' -d '{"login":"hokkaido2-staff","password":"<from above>"}' http://$HTTP/api/v1/login
  curl -s -b /tmp/jar "http://$HTTP/apif/v1/points/gorin-l2.tank_level/values?from=\$(date -u -d -4days +%FT%TZ)&to=\$(date -u +%FT%TZ)&agg=hour"
  curl -s -b /tmp/jar http://$HTTP/apif/v1/points/gorin-l2.pump1_fault/latest
Inject a fault (control port $CONTROL): the terminal dials the gateway, the alarm point turns 1,
an alarm is raised and mailed to the sample contact list (連絡体制表, duty@hokkaido2.example.jp)
  echo 'fault gorin-l2 pump1 on' > /dev/tcp/127.0.0.1/$CONTROL
  echo 'fault gorin-l2 pump1 off' > /dev/tcp/127.0.0.1/$CONTROL    # the fault returns
  echo 'status' | (exec 3<>/dev/tcp/127.0.0.1/$CONTROL; cat >&3; timeout 1 cat <&3)
Mail: $MAIL_STATE
  ls -t $MAIL/new | head                  # one file per mail, newest first
  scripts/read-mail.py $MAIL              # the newest, subject and body decoded (-n 5: five)
Press Ctrl-C to stop.
TXT
wait
