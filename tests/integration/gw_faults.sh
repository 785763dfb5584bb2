#!/usr/bin/env bash
# gw_faults.sh - suido-gw under faults, with counts: the platform down (kill -9) while the
# gateway collects, the gateway killed -9 mid-collection with a full queue, a line cut
# mid-frame, a terminal answering garbage, a mute terminal, an alarm taken while the platform is
# down. Afterwards every hourly block of every answering terminal is in the platform exactly as
# the terminal holds it, none twice, and every failure was recorded as an event.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/platform.sh"
. "$(dirname "$0")/../lib/gw.sh"
NT=20
SUIDOD_PORT=pick start_suidod # restarted on the same port below: the gateway has its URL
SUIDOD_PID=$LAST_PID
gw_platform "$NT"
gw_sim --time-scale 1 --history-hours 96
sim_ctl "drop sim-00003" >/dev/null          # the next answer is cut mid-frame
sim_ctl "noise sim-00005 1000" >/dev/null    # every answer byte corrupted
sim_ctl "mute sim-00009 on" >/dev/null       # accepts the call, never answers
# the platform is down when the gateway starts: its inventory comes from a file (the body of
# GET /gwif/v1/inventory), the documented option for that
GW_INVENTORY_FILE=$FLEET/inventory.json
printf 'collect_on_start = true\nworkers = 4\nretries = 2\nanswer_timeout = 2s\n' | gw_conf

# ---- the platform dies; the gateway collects into its queue and is killed -9 mid-way -------
kill -9 "$SUIDOD_PID"; wait "$SUIDOD_PID" 2>/dev/null || true
gw_start gw1
wait_line "$T/gw1.log" " polled sim-" 20
kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
polled1=$(grep -c ' polled sim-' "$T/gw1.log")
queued=$(qcount 0)
echo "first run: $polled1 polled before kill -9, $queued samples queued"
[ "$queued" -ge $((polled1 * 96)) ] || fail "queue lost samples: $queued for $polled1 polls"

# ---- the gateway restarts (platform still down): the queue survived, collection resumes ------
gw_start gw2
for i in $(seq 300); do
  [ "$(grep -c ' polled sim-' "$T/gw2.log")" -ge $((NT - 2)) ] &&
    [ "$(grep -c 'event poll_failed' "$T/gw2.log")" -ge 2 ] && break
  sleep 0.2
done
expect_eq "terminals polled after restart" "$(grep -c ' polled sim-' "$T/gw2.log")" $((NT - 2))
expect_match "line cut mid-frame retried" "$(grep 'poll sim-00003' "$T/gw2.log" "$T/gw1.log")" \
  "retry 1"
# (a terminal whose every byte is corrupted sometimes hangs up first: then the reason is that)
expect_match "garbage answers: a failure event" \
  "$(grep 'event poll_failed sim-00005' "$T/gw2.log")" "(checksum|line protocol|connection closed)"
expect_match "mute terminal: a failure event" \
  "$(grep 'event poll_failed sim-00009' "$T/gw2.log")" "did not answer|timed out"
for d in sim-00005 sim-00009; do
  expect_match "durable poll_failed event of $d" "$(qcount 1 "poll_failed\",\"device\":\"$d")" "^[1-9]"
done
expect_eq "nothing delivered while the platform is down" "$(grep -c 'platform reachable' "$T/gw2.log")" 0

# ---- an alarm while the platform is down: stored by the gateway before the terminal's EOT ---
sim_ctl "fault sim-00011 intrusion on" >/dev/null
wait_line "$T/gw2.log" "call from sim-00011 .*ENQ 2 alarm, [0-9]+ samples stored" 10
expect_eq "terminal_call event durable" "$(qcount 1 'terminal_call%sim-00011')" 1

# ---- an alarm report the gateway cannot read: a garbage event that says field, byte, reason --
sim_ctl "patch sim-00013 40 X" >/dev/null # Pi input 1 is 'X' in every text it sends
sim_ctl "fault sim-00013 intrusion on" >/dev/null
wait_line "$T/gw2.log" "event garbage .*refused: pi at byte 40: input 1 is 0x58" 20
expect_match "garbage event detail is durable" \
  "$(qcount 1 'garbage%field%pi%offset%40%why%0x58')" "^[1-9]"
sim_ctl "patch sim-00013 off" >/dev/null # its alarm is still pending: delivered on a later call

# ---- the platform comes back on the same port: everything drains, in order ------------------
spawn suidod2 "$BIN/suidod" --set "data.dir=$T/data" --set "http.listen=127.0.0.1:$P" \
  --set auth.password_cost=min
wait_line "$T/suidod2.log" "ready on"
for i in $(seq 300); do [ "$(qcount 0)" = 0 ] && break; sleep 0.2; done
expect_eq "data queue drained after the outage" "$(qcount 0)" 0
app_connect
bapi "$APP" GET /apif/v1/points/sim-00011.intrusion/latest
expect_eq "alarm taken during the outage" "$(j .value)" 1

# ---- counts: every hourly block of every answering terminal, once, equal to the terminal's --
ok1=$(hourly_check 1 4)
ok2=$(hourly_check 6 8)
ok3=$(hourly_check 10 "$NT")
echo "hourly level values checked against the terminals: $((ok1 + ok2 + ok3))"
[ $((ok1 + ok2 + ok3)) -ge $(((NT - 2) * 96)) ] || fail "too few hourly values"
expect_eq "noisy terminal: nothing invented" "$(pcount sim-00005.level)" 0
expect_eq "mute terminal: nothing invented" "$(pcount sim-00009.level)" 0
done_ok
