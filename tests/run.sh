#!/usr/bin/env bash
# run.sh - run every unit test binary and integration script; print "N passed, N failed".
# Each test runs in its own process with a timeout, as libuv's runner does.
set -u
BUILD=${BUILD:-build}
export BIN="$PWD/$BUILD/bin" BUILD SUIDO_ROOT="$PWD"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 failed=()
logdir="$BUILD/test-logs"; mkdir -p "$logdir"

run_one() { # name timeout cmd...
  local name=$1 t=$2; shift 2
  local log="$logdir/${name////_}.log" start=$SECONDS
  if timeout -k 5 "$t" "$@" >"$log" 2>&1; then
    pass=$((pass + 1)); printf 'PASS %-40s %3ds\n' "$name" $((SECONDS - start))
  else
    fail=$((fail + 1)); failed+=("$name")
    printf 'FAIL %-40s %3ds (log: %s)\n' "$name" $((SECONDS - start)) "$log"
    tail -n 40 "$log" | sed 's/^/    | /'
  fi
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  run_one "unit/$(basename "$t")" 120 "$t"
done
for t in tests/integration/*.sh; do
  [ -f "$t" ] || continue
  run_one "integration/$(basename "$t" .sh)" 600 bash "$t"
done

echo
[ ${#failed[@]} -eq 0 ] || echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
