#!/usr/bin/env bash
# install-deps.sh - install the Debian packages suido builds, tests and runs with, if missing.
# Idempotent and quiet when everything is present. Needs root (or sudo) only when installing.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang clang-format libclang-rt-14-dev
  libmicrohttpd-dev libgnutls28-dev libmosquitto-dev libsqlite3-dev libpq-dev libjansson-dev libsodium-dev
  libssl-dev libcurl4-openssl-dev libcmocka-dev libqrencode-dev
  mosquitto mosquitto-clients sqlite3 postgresql postgresql-client oathtool wrk python3 python3-aiosmtpd python3-yaml socat openssl
  curl jq iproute2 procps
  chromium fonts-ipafont-gothic
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm run the browser tests' tooling only; a node that came with npm (nodesource) is
# kept, Debian's are installed when there is none
command -v npm >/dev/null || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packaged services must not run system-wide: tests start their own on loopback ports.
  for svc in mosquitto postgresql; do
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

# The browser tests' tooling (playwright-core, pinned in package-lock.json) from the npm registry;
# the browser itself is Debian's chromium, never a downloaded build.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$ROOT/node_modules/playwright-core/package.json" ] ||
   [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  (cd "$ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
