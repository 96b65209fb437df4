#!/usr/bin/env bash
# Runs the browser end-to-end tests against a live hub.
#
#   tests/ui/run.sh <path to caduceus-hub> <web dist dir>
#
# Creates a throwaway SQLite database with demo data, starts the hub on a free loopback port,
# runs every tests/ui/*.test.mjs with node's test runner in headless Debian Chromium, and always
# stops the hub and removes the temporary directory. Screenshots of failed tests and the hub's
# log (on failure) go to tests/ui/test-results/.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <caduceus-hub binary> <web dist dir>" >&2
  exit 2
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HUB="$(realpath "$1")"
WEBDIST="$(realpath "$2")"
RESULTS="${CADUCEUS_UI_RESULTS:-$HERE/test-results}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

[[ -x "$HUB" ]] || { echo "not an executable: $HUB" >&2; exit 2; }
[[ -f "$WEBDIST/index.html" ]] || { echo "no index.html in $WEBDIST (build web/ first)" >&2; exit 2; }
[[ -x "$CHROMIUM" ]] || { echo "no Chromium at $CHROMIUM (apt-get install -y chromium)" >&2; exit 2; }

if [[ ! -d "$HERE/node_modules/playwright-core" ]]; then
  (cd "$HERE" && npm ci --no-audit --no-fund)
fi

TMP="$(mktemp -d -t caduceus-ui.XXXXXX)"
HUB_PID=""
cleanup() {
  local status=$?
  if [[ -n "$HUB_PID" ]] && kill -0 "$HUB_PID" 2>/dev/null; then
    kill "$HUB_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$HUB_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$HUB_PID" 2>/dev/null || true
    wait "$HUB_PID" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$TMP/hub.log" ]]; then
    mkdir -p "$RESULTS"
    cp "$TMP/hub.log" "$RESULTS/hub.log"
    echo "--- last lines of the hub log (full log: $RESULTS/hub.log) ---" >&2
    tail -n 40 "$TMP/hub.log" >&2
  fi
  rm -rf "$TMP"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

"$HUB" demo --database "sqlite://$TMP/ui.db" --credentials-file "$TMP/creds.json" >"$TMP/demo.log" 2>&1 || {
  echo "caduceus-hub demo failed:" >&2
  cat "$TMP/demo.log" >&2
  exit 1
}

"$HUB" serve --database "sqlite://$TMP/ui.db" --listen 127.0.0.1:0 --web-root "$WEBDIST" \
  --port-file "$TMP/port" >"$TMP/hub.log" 2>&1 &
HUB_PID=$!

PORT=""
for _ in $(seq 1 300); do
  if ! kill -0 "$HUB_PID" 2>/dev/null; then
    echo "the hub exited before it was ready" >&2
    exit 1
  fi
  if [[ -s "$TMP/port" ]]; then
    PORT="$(tr -d '[:space:]' <"$TMP/port")"
    PORT="${PORT##*:}"
    if [[ "$PORT" =~ ^[0-9]+$ ]] && curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz"; then
      break
    fi
  fi
  PORT=""
  sleep 0.1
done
if [[ -z "$PORT" ]]; then
  echo "the hub did not answer /healthz within 30 seconds" >&2
  exit 1
fi

export CADUCEUS_URL="http://127.0.0.1:$PORT"
export CADUCEUS_CREDS="$TMP/creds.json"
export CADUCEUS_UI_RESULTS="$RESULTS"
export CHROMIUM_PATH="$CHROMIUM"

echo "hub listening on $CADUCEUS_URL; running the browser tests" >&2
cd "$HERE"
node --test --test-concurrency=1 --test-timeout=180000 ./*.test.mjs
