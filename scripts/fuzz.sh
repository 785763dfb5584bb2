#!/usr/bin/env bash
# fuzz.sh - link each tests/fuzz/fuzz_*.c with libFuzzer + ASan + UBSan and run it for FUZZ_TIME s.
# Seeds come from tests/fuzz/corpus/<name>/; the growing corpus is kept in $FB/corpus.
set -euo pipefail
FUZZ_TIME=${FUZZ_TIME:-60}
FB=${FUZZ_BUILD:-build/fuzz}
libs=""
for l in $LAYERS; do libs="$libs $FB/lib/libsd$l.a"; done
mkdir -p $FB/bin $FB/corpus
status=0
for src in "$@"; do
  name=$(basename "$src" .c)
  bin=$FB/bin/$name
  clang -std=c11 -O1 -g -Ilib -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -pthread \
    -o "$bin" "$src" $libs $LDLIBS
  work=$FB/corpus/$name; mkdir -p "$work"
  seeds=tests/fuzz/corpus/${name#fuzz_}; [ -d "$seeds" ] || seeds=""
  dict=tests/fuzz/${name#fuzz_}.dict; dictarg=(); [ -f "$dict" ] && dictarg=(-dict="$dict")
  echo "== $name for ${FUZZ_TIME}s"
  if ! "$bin" -max_total_time="$FUZZ_TIME" -print_final_stats=1 "${dictarg[@]}" \
      -artifact_prefix=$FB/ "$work" $seeds 2>$FB/$name.log; then
    status=1; tail -n 30 $FB/$name.log
  fi
  grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' $FB/$name.log | tail -n 2
done
exit $status
