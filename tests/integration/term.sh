#!/usr/bin/env bash
# term.sh - suido-term and suidoctl term as separate processes over TCP and a PTY: every request
# type, control and schedules, fault injection, clock sync, L2 and L3 dial-out.
. "$(dirname "$0")/../lib/harness.sh"

jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
ctl() { # send one control line, print the reply
  exec 3<>"/dev/tcp/127.0.0.1/$CTL"; printf '%s\n' "$1" >&3; head -n 1 <&3; exec 3<&-
}

# every listener on port 0, read back from what suido-term prints; the terminal dials out to a
# relay, pointed at the one-shot center (suidoctl term answer, port 0 too) when one is up
start_relay center; CENTER=$RELAY_PORT
spawn term "$BIN/suido-term" --listen 127.0.0.1:0 --control 127.0.0.1:0 --modem pty: \
  --modem tcp://127.0.0.1:0 --center "tcp://127.0.0.1:$CENTER" --retry-ms 200
wait_line "$T/term.log" '^ready'
P=$(port_from "$T/term.log" '^terminal 0 L2 tel [0-9]+ port ')
CTL=$(port_from "$T/term.log" '^control port ')
MODEM=$(port_from "$T/term.log" '^modem tcp port ')
PTY=$(awk '/modem pty/{print $3}' "$T/term.log")
T1="tcp://127.0.0.1:$P"
call() { "$BIN/suidoctl" term call "$T1" "$@"; }
# A call may straddle a minute or an hour: a time the terminal reports is checked against the
# clock read just before and just after the call.
# around FORMAT DATE_ARG CMD...: run CMD, output in OUT; SPAN="BEFORE AFTER" (date -u -d DATE_ARG).
around() {
  local f=$1 d=$2 b; shift 2
  b=$(date -u -d "$d" "+$f"); OUT=$("$@"); SPAN="$b $(date -u -d "$d" "+$f")"
}
expect_around() { # WHAT GOT "$SPAN"
  checks=$((checks + 1))
  [ "$2" = "${3% *}" ] || [ "$2" = "${3#* }" ] || fail "$1: got '$2', want '${3% *}' or '${3#* }'"
}
# A terminal's clock counts whole minutes from its last sync, which dropped the seconds: it may
# read up to a minute behind the wall clock. around_clock is around with its start a minute
# earlier, and expect_clock accepts any minute in that span.
around_clock() {
  local d=$1; shift
  local b; b=$(date -u -d "$d -1 min" +%s); OUT=$("$@"); SPAN="$b $(date -u -d "$d" +%s)"
}
expect_clock() { # WHAT GOT "$SPAN" (epoch seconds)
  checks=$((checks + 1))
  local got; got=$(date -u -d "$2" +%s 2>/dev/null || echo -1)
  [ "$got" -ge $((${3% *} / 60 * 60)) ] && [ "$got" -le "${3#* }" ] ||
    fail "$1: got '$2', want a minute between $(date -u -d "@${3% *}" +%FT%TZ) and $(date -u -d "@${3#* }" +%FT%TZ)"
}

# X: 96 consecutive hourly blocks ending at the last top of the hour, JST header decoded to UTC
around %Y-%m-%dT%H:00:00Z now call X; x=$OUT
expect_eq "X type" "$(echo "$x" | jget '["type"]')" scheduled_report
expect_eq "X blocks" "$(echo "$x" | jget '["hours"].__len__()')" 96
last=$(echo "$x" | jget '["hours"][-1]["hour_end"]')
expect_around "last block is the last top of the hour" "$last" "$SPAN"
expect_eq "tel" "$(echo "$x" | jget '["tel"]')" 0115812221
# every request letter answers with its type
for r in Y:alarm_report Z:alarm_report I:alarm_report K:alarm_report G:alarm_report \
         H:alarm_report R:schedule_answer V:monitor_answer F:param_answer L:assign_answer; do
  expect_eq "answer to ${r%%:*}" "$(call "${r%%:*}" | jget '["type"]')" "${r#*:}"
done
# annotated raw bytes name each field with its offset
expect_match "raw annotate" "$(call V --raw)" "38 +2 +rt_points"

# control: output 2 ON runs pump 2 (Di3 monitoring 'A'), then OFF returns it to automatic
expect_eq "W answer" "$("$BIN/suidoctl" term control "$T1" 2 on | jget '["letter"]')" W
v=$(call V)
expect_eq "manual state" "$(echo "$v" | jget '["manual_state"]')" 01000000
expect_eq "pump 2 running" "$(echo "$v" | jget '["di"][2]')" A
"$BIN/suidoctl" term control "$T1" 2 off >/dev/null
expect_eq "manual off" "$(call V | jget '["manual_state"]')" 00000000
expect_fail "output 9 refused" "$BIN/suidoctl" term control "$T1" 9 on

# schedule block 3 set, read back by R, released
start=$(date -u -d '+1 hour' +%Y-%m-%dT%H:00:00Z)
"$BIN/suidoctl" term schedule "$T1" 3 "$start" 45 >/dev/null
r=$(call R)
expect_eq "schedule state" "$(echo "$r" | jget '["blocks"][2]["state"]')" 1
expect_eq "schedule start" "$(echo "$r" | jget '["blocks"][2]["start"]')" "$start"
expect_eq "schedule minutes" "$(echo "$r" | jget '["blocks"][2]["minutes"]')" 45
"$BIN/suidoctl" term schedule "$T1" 3 clear >/dev/null
expect_eq "schedule released" "$(call R | jget '["blocks"][2]["state"]')" " "

# parameters (E after F) and I/O assignment (J after L)
"$BIN/suidoctl" term params "$T1" --alarm-s 30 --dest1 0112223333 >/dev/null
f=$(call F)
expect_eq "alarm detection time" "$(echo "$f" | jget '["alarm_detection_s"]')" 30
expect_eq "destination 1" "$(echo "$f" | jget '["destinations"][0]')" 0112223333
"$BIN/suidoctl" term assign "$T1" --ai1 AAAAAIII >/dev/null
expect_eq "assignment" "$(call L | jget '["assignment"]["ai1"]')" AAAAAIII
expect_fail "bad assignment length" "$BIN/suidoctl" term assign "$T1" --ai1 AAA

# clock drift of 10 minutes shows in the header; X syncs minutes back to the center's clock
expect_eq "drift" "$(ctl 'drift default 600')" "ok 1"
around_clock '+10 min' call V
expect_clock "drifted clock" "$(echo "$OUT" | jget '["time"]')" "$SPAN"
call X >/dev/null
around_clock now call V
expect_clock "clock synced by X" "$(echo "$OUT" | jget '["time"]')" "$SPAN"

# line noise: every byte corrupted -> the center gives up with a checksum or protocol error
ctl 'noise default 1000' >/dev/null
expect_fail "noisy line fails" "$BIN/suidoctl" term call "$T1" V --retries 1 --timeout 1000
expect_match "noise reason" "$(cat "$T/expect_fail.out")" "checksum|protocol|NAK|answer"
ctl 'noise default 0' >/dev/null
# a few corrupted bytes are survived by resending
ctl 'noise default 1' >/dev/null
expect_eq "retries survive light noise" "$(call V --retries 8 | jget '["type"]')" monitor_answer
ctl 'noise default 0' >/dev/null
# a muted terminal never answers; a dropped line ends the call
ctl 'mute default on' >/dev/null
expect_fail "mute" "$BIN/suidoctl" term call "$T1" V --retries 1 --timeout 500
expect_match "mute reason" "$(cat "$T/expect_fail.out")" "did not answer|timed out"
ctl 'mute default off' >/dev/null
ctl 'drop default' >/dev/null
expect_fail "line dropped mid-frame" "$BIN/suidoctl" term call "$T1" X --retries 1 --timeout 1000
expect_eq "answers again after the drop" "$(call V | jget '["type"]')" monitor_answer
expect_match "control errors are precise" "$(ctl 'fault default flood on')" "^error: unknown fault"

# issue 11: a terminal liberal in what it sends. Pi inputs 13-16 blank under a count of 16 (not
# fitted) is read, not NAK'd; so is a released schedule block written with zeros
expect_eq "patch taken" "$(ctl 'patch default 52 ____')" "ok 1"
expect_eq "Y with unfitted Pi inputs read" "$(call Y | jget '["pi"][12:]')" "    "
ctl 'patch default 52 _0000000000000' >/dev/null
r=$(call R)
expect_eq "R released block in zeros: state" "$(echo "$r" | jget '["blocks"][1]["state"]')" " "
expect_eq "R released block in zeros: no duration" "$(echo "$r" | jget '["blocks"][1]["minutes"]')" None
# --raw shows the bytes as the terminal sent them, not a re-encoding
expect_match "raw shows the variant" "$(call R --raw)" 'block\[1\]\.sched_start +"0000000000" +blank'
# what cannot be read is refused with field, byte and reason, not "terminal did not answer"
ctl 'patch default 40 X' >/dev/null
expect_fail "unreadable Pi state refused" "$BIN/suidoctl" term call "$T1" Y --retries 1 --timeout 1000
expect_match "refusal names field, byte and reason" "$(cat "$T/expect_fail.out")" \
  "answer was refused: field pi at byte 40: input 1 is 0x58"
expect_match "the NAK reason is logged" "$(cat "$T/expect_fail.out")" "refused the terminal's text: pi at byte 40"
expect_eq "patch off" "$(ctl 'patch default off')" "ok 1"
# the simulator itself still sends the canonical form: released blocks in spaces
expect_match "simulator canonical again" "$(call R --raw)" 'block\[1\]\.sched_start +" {10}" +blank'

# the same terminal through the PTY modem: ATD<tel>, CONNECT, request, +++ ATH
expect_eq "via PTY modem" "$("$BIN/suidoctl" term call 0115812221 F --via "serial://$PTY" | jget '["type"]')" param_answer
expect_fail "unknown number: NO CARRIER" "$BIN/suidoctl" term call 0999999999 F --via "serial://$PTY"
expect_match "no carrier reason" "$(cat "$T/expect_fail.out")" "carrier"

# the TCP modem bank answers Hayes commands: ATD<tel> connects to that terminal
modem_reply=$(exec 3<>"/dev/tcp/127.0.0.1/$MODEM"; printf 'ATE0\rATD0115812221\r' >&3; timeout 1 cat <&3 | tr -d '\r' | tr '\n' ' ')
expect_match "TCP modem port" "$modem_reply" "OK.*CONNECT 9600"
# by tel number through a dial plan, as the gateway will
printf '# test plan\n0115812221  tcp://127.0.0.1:%s\n' "$P" >"$T/dialplan"
expect_eq "dial plan" "$("$BIN/suidoctl" term call 0115812221 V --dialplan "$T/dialplan" | jget '["tel"]')" 0115812221
expect_fail "tel missing from the dial plan" "$BIN/suidoctl" term call 0119999999 V --dialplan "$T/dialplan"

# alarm dial-out: pump 1 fault -> ENQ 2 -> center requests Y -> report shows Di2 = '1'
"$BIN/suidoctl" term answer --listen tcp://127.0.0.1:0 --wait 15000 >"$T/answer.json" &
ANS=$!; relay_to center "$(port_from "$T/answer.json" '^listening ')"
ctl 'fault default pump1 on' >/dev/null
wait "$ANS" || fail "no alarm call arrived"
a=$(sed 1d "$T/answer.json")
expect_eq "ENQ request number" "$(echo "$a" | jget '["enq"]["request"]')" 2
expect_eq "alarm report" "$(echo "$a" | jget '["report"]["letter"]')" Y
expect_eq "pump 1 fault input" "$(echo "$a" | jget '["report"]["di"][1]')" 1
ctl 'fault default pump1 off' >/dev/null
done_ok

# --- time scale: an hour a second, no history at start: hourly blocks appear as time runs ------
spawn fast "$BIN/suido-term" --listen 127.0.0.1:0 --time-scale 3600 --history-hours 0
P2=$(port_from "$T/fast.log" '^terminal 0 L2 tel [0-9]+ port ')
n0=$("$BIN/suidoctl" term call "tcp://127.0.0.1:$P2" X | jget '["hours"].__len__()')
sleep 3
n1=$("$BIN/suidoctl" term call "tcp://127.0.0.1:$P2" X | jget '["hours"].__len__()')
[ "$n1" -ge $((n0 + 2)) ] || fail "time scale: $n0 then $n1 hourly blocks after 3 s at 3600x"
checks=$((checks + 1))

# --- L3 devices from the sample fleet file: poll and dial-out with designation ---------------
# --base-port 0: every terminal of the file on a port of its own, printed with its tel
start_relay center3; C3=$RELAY_PORT
spawn fleet "$BIN/suido-term" --config "$SUIDO_ROOT/etc/sample-fleet.conf" --base-port 0 \
  --center "tcp://127.0.0.1:$C3" --control 127.0.0.1:0 --retry-ms 200
wait_line "$T/fleet.log" '^ready'
CTL3=$(port_from "$T/fleet.log" '^control port ')
expect_eq "fleet size" "$(grep -c '^terminal ' "$T/fleet.log")" 7
H3=$(awk '$1 == "terminal" && $5 == "0118212571" {print $7}' "$T/fleet.log") # 札幌平岸 L3
expect_eq "ports all distinct" "$(awk '$1 == "terminal" {print $7}' "$T/fleet.log" | sort -u | wc -l)" 7
r3=$("$BIN/suidoctl" term call "tcp://127.0.0.1:$H3" L3)
expect_eq "L3 report" "$(echo "$r3" | jget '["type"]')" l3_report
expect_eq "L3 estate (札幌平岸)" "$(echo "$r3" | jget '["estate"]')" 257
expect_fail "L2 request to an L3 is refused" "$BIN/suidoctl" term call "tcp://127.0.0.1:$H3" V --retries 0 --timeout 800
"$BIN/suidoctl" term answer --l3 1 --listen tcp://127.0.0.1:0 --wait 15000 >"$T/a3.json" &
ANS=$!; relay_to center3 "$(port_from "$T/a3.json" '^listening ')"
CTL=$CTL3 ctl 'fault sumikawa2-l3 intrusion on' >/dev/null
wait "$ANS" || fail "no L3 alarm call"
a3=$(sed 1d "$T/a3.json")
expect_eq "L3 alarm report" "$(echo "$a3" | jget '["report"]["letter"]')" Y
expect_eq "L3 tel" "$(echo "$a3" | jget '["report"]["tel"]')" 0118213052
expect_eq "L3 intrusion input" "$(echo "$a3" | jget '["report"]["alarms"][9]')" 1
# the sample fleet starts with its 4 days: the L2's ring is full (make run's trends)
G2=$(awk '$1 == "terminal" && $5 == "0115812221" {print $7}' "$T/fleet.log") # 五輪 L2
expect_eq "sample fleet: 96 h at start" \
  "$("$BIN/suidoctl" term call "tcp://127.0.0.1:$G2" X | jget '["hours"].__len__()')" 96

# --- the fleet file's history_hours is the terminals' history at start; the command line wins --
printf '%s\n' '[fleet]' 'history_hours = 5' '[terminal.a]' 'kind = L2' 'tel = 0110000001' \
  'port = 1' >"$T/h5.conf"
# (half past an hour: the next top of the hour, which would add a block, is 30 minutes away)
spawn h5 "$BIN/suido-term" --config "$T/h5.conf" --base-port 0 --start 2026-11-20T00:30:00Z
P5=$(port_from "$T/h5.log" '^terminal 0 L2 tel [0-9]+ port ')
expect_eq "fleet.history_hours = 5" \
  "$("$BIN/suidoctl" term call "tcp://127.0.0.1:$P5" X | jget '["hours"].__len__()')" 5
spawn h7 "$BIN/suido-term" --config "$T/h5.conf" --base-port 0 --history-hours 7 \
  --start 2026-11-20T00:30:00Z
P7=$(port_from "$T/h7.log" '^terminal 0 L2 tel [0-9]+ port ')
expect_eq "--history-hours 7 over the file's 5" \
  "$("$BIN/suidoctl" term call "tcp://127.0.0.1:$P7" X | jget '["hours"].__len__()')" 7
printf '%s\n' '[fleet]' 'history_hours = 97' >"$T/h97.conf"
expect_fail "history_hours beyond the 4-day ring is refused" "$BIN/suido-term" --config "$T/h97.conf"
done_ok
