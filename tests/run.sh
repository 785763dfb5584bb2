#!/usr/bin/env bash
# run.sh - run every test suite, each in its own process with a timeout, several at a time, as
# libuv's runner does; print "N passed, N failed" last.
#
# Suites: each unit test binary ($BUILD/tests/test_*), each fuzz target's corpus replay
# ($BUILD/fuzz-replay/fuzz_* over tests/fuzz/corpus/<name>/) and each integration script
# (tests/integration/*.sh). Suites are independent: every integration script makes its own temp
# dir, and its programs bind port 0 or take ports from tests/lib/harness.sh, so they may overlap.
#
#   JOBS=N          suites at a time (default: the number of CPUs; JOBS=1 runs them one by one)
#   TESTS=REGEX     only the suites whose name (unit/test_json, integration/term, ...) matches
#
# A line "PASS|FAIL name  Ns" is printed as each suite finishes; every suite's output is kept in
# $BUILD/test-logs/<name>.log, and the tails of the failing ones are printed at the end. Suites
# start longest first (by their durations in the previous run) so the pool drains evenly.
set -u
BUILD=${BUILD:-build}
export BIN="$PWD/$BUILD/bin" BUILD SUIDO_ROOT="$PWD"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: JOBS must be a positive number" >&2; exit 2; }
TESTS=${TESTS:-}
logdir="$BUILD/test-logs"
mkdir -p "$logdir"
rm -f "$logdir"/*.log "$logdir"/*.result
durations="$logdir/durations" # "seconds name" per line, from the previous run

# --- the suites: name, timeout (s), command -------------------------------------------------
names=() timeouts=() cmds=()
add() { # name timeout cmd...
  local name=$1 t=$2; shift 2
  [ -z "$TESTS" ] || [[ "$name" =~ $TESTS ]] || return 0
  names+=("$name"); timeouts+=("$t"); cmds+=("$(printf '%q ' "$@")")
}
for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  add "unit/$(basename "$t")" 120 "$t"
done
for t in "$BUILD"/fuzz-replay/fuzz_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t"); corpus="tests/fuzz/corpus/${n#fuzz_}"
  # a target with no corpus yet still runs once, on the empty input
  if [ -d "$corpus" ]; then add "fuzz/${n#fuzz_}" 300 "$t" "$corpus"; else add "fuzz/${n#fuzz_}" 300 "$t"; fi
done
for t in tests/integration/*.sh; do
  [ -f "$t" ] || continue
  add "integration/$(basename "$t" .sh)" 600 bash "$t"
done
total=${#names[@]}

# longest first: previous durations, integration scripts before the rest when unknown
# (a command substitution, not a process substitution: `wait -n` below must see only the suites)
order=($(
  for i in "${!names[@]}"; do
    d=$(awk -v n="${names[$i]}" '$2 == n {print $1; exit}' "$durations" 2>/dev/null)
    if [ -z "$d" ]; then case ${names[$i]} in integration/*) d=30 ;; *) d=1 ;; esac; fi
    echo "$d $i"
  done | sort -s -k1,1nr | cut -d' ' -f2))

# --- the pool ---------------------------------------------------------------------------------
# Each suite runs under timeout(1), which puts it in its own process group and kills the group
# when time is up; the job itself writes "rc seconds" to $logdir/<name>.result and prints its line.
run_one() { # index
  local i=$1 name=${names[$1]} file=${names[$1]//\//_} start=$SECONDS rc
  eval "timeout -k 5 ${timeouts[$i]} ${cmds[$i]}" >"$logdir/$file.log" 2>&1 </dev/null
  rc=$?
  local secs=$((SECONDS - start))
  echo "$rc $secs" >"$logdir/$file.result"
  if [ "$rc" -eq 0 ]; then
    printf 'PASS %-40s %3ds\n' "$name" "$secs"
  else
    local why=""
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why=", timed out after ${timeouts[$i]}s"
    printf 'FAIL %-40s %3ds (exit %d%s; log: %s)\n' "$name" "$secs" "$rc" "$why" "$logdir/$file.log"
  fi
}

jobs_pids=()
stop() {
  trap - INT TERM
  echo "run.sh: interrupted, stopping the running suites" >&2
  # the timeout(1) under each job forwards the signal to its suite's process group
  for p in "${jobs_pids[@]:-}"; do [ -n "$p" ] && pkill -TERM -P "$p" 2>/dev/null; done
  wait 2>/dev/null
  exit 130
}
trap stop INT TERM

t0=$SECONDS
running=0
echo "running $total suites, $JOBS at a time (logs in $logdir)"
for i in "${order[@]}"; do
  while [ "$running" -ge "$JOBS" ]; do
    wait -n 2>/dev/null
    running=$((running - 1))
  done
  run_one "$i" &
  jobs_pids+=("$!")
  running=$((running + 1))
done
wait

# --- the tally --------------------------------------------------------------------------------
pass=0 fail=0 failed=()
: >"$durations.new"
for i in "${!names[@]}"; do
  name=${names[$i]} file=${names[$i]//\//_} rc=1 secs=0
  [ -f "$logdir/$file.result" ] && read -r rc secs <"$logdir/$file.result"
  echo "$secs $name" >>"$durations.new"
  if [ "$rc" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed+=("$name"); fi
done
# keep durations of suites this run did not select (TESTS=...)
[ -f "$durations" ] && awk 'NR == FNR {seen[$2] = 1; next} !($2 in seen)' "$durations.new" \
  "$durations" >>"$durations.new"
mv "$durations.new" "$durations"

for name in "${failed[@]}"; do
  file=${name//\//_}
  echo
  echo "--- $name (log: $logdir/$file.log)"
  # the harness's own verdict first: it is often above the dumped program logs of the tail
  grep -m 5 -E '^(FAIL:|\[  FAILED  \]|ERROR:|==[0-9]+==ERROR)' "$logdir/$file.log" | sed 's/^/    ! /'
  tail -n 40 "$logdir/$file.log" | sed 's/^/    | /'
done
echo
echo "wall time $((SECONDS - t0))s, $JOBS jobs"
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
