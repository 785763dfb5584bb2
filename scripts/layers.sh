#!/usr/bin/env bash
# layers.sh - the layer table lib/LAYERS, read by the Makefile and checked by `make layers`.
#   layers.sh order          every layer, top to bottom (the link order)
#   layers.sh libs L...      the layers L use, directly or not, with L themselves, in link order
#   layers.sh check          fail on an #include that goes up or sideways (not in the table),
#                            on a lib/ folder missing from the table, or a table row with no folder,
#                            and on a store call in lib/api (handlers call services, never SQL)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TABLE="$ROOT/lib/LAYERS"

rows() { grep -v '^[[:space:]]*\(#\|$\)' "$TABLE"; }
order() { rows | awk '{print $1}'; }
uses() { rows | awk -v l="$1" '$1 == l { for (i = 2; i <= NF; i++) print $i }'; }

closure() { # names on stdin-less args; prints the set, unordered
  local -A seen=()
  local stack=("$@") l u
  while [ ${#stack[@]} -gt 0 ]; do
    l=${stack[-1]}; unset 'stack[-1]'
    [ -n "${seen[$l]:-}" ] && continue
    seen[$l]=1
    for u in $(uses "$l"); do stack+=("$u"); done
  done
  printf '%s\n' "${!seen[@]}"
}

case "${1:-}" in
order) order ;;
libs)
  shift
  want=$(closure "$@")
  for l in $(order); do grep -qx "$l" <<<"$want" && printf '%s ' "$l"; done
  echo ;;
check)
  status=0 n=0
  declared=$(order)
  for d in "$ROOT"/lib/*/; do
    l=$(basename "$d")
    grep -qx "$l" <<<"$declared" || { echo "layers: lib/$l is not in lib/LAYERS" >&2; status=1; }
  done
  for l in $declared; do
    [ -d "$ROOT/lib/$l" ] || { echo "layers: lib/LAYERS names '$l' but lib/$l does not exist" >&2; status=1; }
  done
  for l in $declared; do
    [ -d "$ROOT/lib/$l" ] || continue
    allowed=" $l $(uses "$l" | tr '\n' ' ') "
    while IFS=: read -r file line inc; do
      n=$((n + 1))
      dep=${inc#*\"}; dep=${dep%%/*}
      grep -qx "$dep" <<<"$declared" || continue # not a layer (e.g. gen/)
      case "$allowed" in
      *" $dep "*) ;;
      *) echo "layers: ${file#$ROOT/}:$line: includes \"$dep/...\" but lib/LAYERS lets $l use only:$allowed" >&2
         status=1 ;;
      esac
    done < <(grep -rn --include='*.[ch]' -o '^#include "[a-z_]*/[^"]*"' "$ROOT/lib/$l" || true)
  done
  # the faces hold no SQL: a handler calls a service (pf/), never the store
  calls=$(grep -rn --include='*.[ch]' -E '\bsd_(store|stmt)_[a-z_]+\(' "$ROOT/lib/api" || true)
  if [ -n "$calls" ]; then
    sed "s|^$ROOT/||; s|^|layers: a handler calls the store: |" <<<"$calls" >&2
    status=1
  fi
  [ $status -eq 0 ] && echo "layers: $n includes checked, none goes up; no handler calls the store"
  exit $status ;;
*) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
