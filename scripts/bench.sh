#!/usr/bin/env bash
# bench.sh - run every benchmark binary and script; each prints its own figures and ratios.
set -u
BUILD=${BUILD:-build}
export BIN="$PWD/$BUILD/bin" BUILD SUIDO_ROOT="$PWD"
for b in "$BUILD"/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"; "$b" || echo "  (failed: $?)"
done
for b in bench/*.sh; do
  [ -f "$b" ] || continue
  echo "== $(basename "$b" .sh)"; bash "$b" || echo "  (failed: $?)"
done
