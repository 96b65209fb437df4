#!/usr/bin/env bash
# TAXII 2.1 paging benchmark: GET .../objects/?limit=1000 over a collection of 1,000,000
# indicators (../shared/bench/gen_iocs.py, imported with `caduceus-hub intel import`), with wrk
# on loopback, in pages per second. Two runs:
#   walk   every connection follows the `next` cursors of its own walk through the collection
#          (keyset paging deep into the collection; a finished walk starts again), which is what a
#          TAXII client pulling a collection does;
#   first  every request asks for the first page (no cursor).
# Beside them, for reading the figures as ratios: `cat` and `sha256sum` throughput of the bundle
# file on this machine, and the wall time of the import. Before measuring, one full walk with
# curl checks that paging returns every object exactly once (VERIFY=0 skips it).
#
# Environment (all optional):
#   COUNT        indicators (default 1000000)
#   LIMIT        page size asked for (default 1000, the server's maximum)
#   DURATION     seconds per measured wrk run (default 20, max 600)
#   CONNECTIONS  wrk connections (default 4)     WRK_THREADS  wrk threads (default 2)
#   THREADS      hub I/O threads (default 2)     WARMUP       unrecorded seconds first (default 2)
#   VERIFY       1 walks the whole collection once with curl before measuring (default 1)
#   WORK         directory for the generated bundle, outside the repository (default
#                /tmp/caduceus-taxii-bench); an existing bundle of the same COUNT is reused, as is
#                /tmp/caduceus-stix-bench's
#   HUB_BIN      caduceus-hub binary to use instead of building the release preset
#   SHARED_DIR   the shared/ directory (default $CADUCEUS_SHARED_DIR, else <repo>/../shared)
#   KEEP_TMP=1   keep the temporary directory (database, hub log, wrk reports)
#   REUSE_DB     a SQLite database kept by an earlier KEEP_TMP=1 run (its t.db): skips the demo
#                data and the import, and reports no import time
#
# Results: printed, and written to bench/results/taxii-<UTC time>.json. Exit status 0 when every
# run completed without errors, 3 when wrk saw errors or the verification walk failed, 1 when the
# benchmark could not be set up. Nothing listens on anything but 127.0.0.1.
set -euo pipefail

kRepo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly kRepo
readonly kResults="$kRepo/bench/results"
COUNT="${COUNT:-1000000}"
LIMIT="${LIMIT:-1000}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-4}"
WRK_THREADS="${WRK_THREADS:-2}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-2}"
VERIFY="${VERIFY:-1}"
WORK="${WORK:-/tmp/caduceus-taxii-bench}"
SHARED_DIR="${SHARED_DIR:-${CADUCEUS_SHARED_DIR:-$kRepo/../shared}}"
REUSE_DB="${REUSE_DB:-}"
DB=""
readonly kProducer="EU Health Cybersecurity Support Centre"
readonly kAccept="application/taxii+json;version=2.1"

T=""
HUB_PID=""
WRK_PID=""
declare -A RES=()

die() {
  echo "taxii_bench: $*" >&2
  exit 1
}
note() { printf '    %s\n' "$*" >&2; }
check_int() {
  if ! [[ "$2" =~ ^[0-9]+$ ]] || (($2 < $3 || $2 > $4)); then
    die "$1 must be an integer in [$3, $4]"
  fi
}

stop_pid() {
  local pid="$1" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 250; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$WRK_PID"
  stop_pid "$HUB_PID"
  if [[ -n "$T" && -d "$T" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "taxii_bench: kept $T" >&2; else rm -rf "$T"; fi
  fi
  exit "$rc"
}

# MB/s of a command reading FILE (best of three; the file is in the page cache).
throughput() {
  local file="$1" bytes best=0 start end rate i
  shift
  bytes="$(stat -L -c %s "$file")"
  for i in 1 2 3; do
    start="$(date +%s%N)"
    "$@" "$file" >/dev/null
    end="$(date +%s%N)"
    rate="$(awk -v b="$bytes" -v ns=$((end - start)) 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }')"
    awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }' && best="$rate"
  done
  echo "$best"
}

build_hub() {
  if [[ -n "${HUB_BIN:-}" ]]; then
    [[ -x "$HUB_BIN" ]] || die "HUB_BIN=$HUB_BIN is not executable"
    return
  fi
  cd "$kRepo"
  [[ -f build/release/build.ninja ]] || cmake --preset release >"$T/configure.log" 2>&1 ||
    { tail -n 30 "$T/configure.log" >&2; die "cmake --preset release failed"; }
  note "building caduceus-hub (release, -j2)"
  cmake --build --preset release --target caduceus-hub -j2 >"$T/build.log" 2>&1 ||
    { tail -n 40 "$T/build.log" >&2; die "building caduceus-hub failed"; }
  # The release preset puts binaries in build/bin; older configurations in build/release/bin.
  HUB_BIN="$kRepo/build/bin/caduceus-hub"
  [[ -x "$HUB_BIN" ]] || HUB_BIN="$kRepo/build/release/bin/caduceus-hub"
  [[ -x "$HUB_BIN" ]] || die "the build produced no caduceus-hub"
}

bundle_file() {
  local prefix="$WORK/iocs_$COUNT" other="/tmp/caduceus-stix-bench/iocs_$COUNT.stix.json"
  if [[ -s "$prefix.stix.json" ]]; then
    echo "$prefix.stix.json"
  elif [[ -s "$other" ]]; then
    echo "$other"
  else
    local generator="$SHARED_DIR/bench/gen_iocs.py"
    [[ -f "$generator" ]] || die "no $generator (set SHARED_DIR)"
    note "generating $COUNT indicators into $prefix.stix.json"
    python3 "$generator" --count "$COUNT" --seed 1 --out "$prefix" >/dev/null
    echo "$prefix.stix.json"
  fi
}

start_hub() {
  local i
  CADUCEUS_LOG_LEVEL=warn "$HUB_BIN" serve -d "sqlite://$DB" --listen 127.0.0.1:0 \
    --port-file "$T/port" --threads "$THREADS" >"$T/hub.log" 2>&1 &
  HUB_PID=$!
  for ((i = 0; i < 300; i++)); do
    [[ -s "$T/port" ]] && break
    kill -0 "$HUB_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s "$T/port" ]] || { cat "$T/hub.log" >&2; die "the hub did not start"; }
  PORT="$(tr -dc 0-9 <"$T/port")"
}

taxii_get() {
  curl -sS --fail-with-body --max-time 60 -H "Accept: $kAccept" \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$1"
}

# Walks every page once and checks that no object comes twice; prints the number of objects.
verify_walk() {
  BENCH_BEARER="$TOKEN" python3 - "http://127.0.0.1:$PORT$OBJECTS" "$LIMIT" "$kAccept" <<'EOF'
import json, os, sys, urllib.request
url, limit, accept = sys.argv[1], sys.argv[2], sys.argv[3]
headers = {"Accept": accept, "Authorization": "Bearer " + os.environ["BENCH_BEARER"]}
seen, cursor, pages, last = set(), None, 0, ""
while True:
    target = url + "?limit=" + limit + ("&next=" + cursor if cursor else "")
    with urllib.request.urlopen(urllib.request.Request(target, headers=headers)) as r:
        first = r.headers.get("X-TAXII-Date-Added-First", "")
        page = json.load(r)
        new_last = r.headers.get("X-TAXII-Date-Added-Last", "")
    pages += 1
    ids = [o["id"] for o in page.get("objects", [])]
    if ids and first < last:
        sys.exit(f"page {pages} starts before the previous one ended")
    last = new_last or last
    for i in ids:
        if i in seen:
            sys.exit(f"{i} came twice")
        seen.add(i)
    if not page.get("more"):
        break
    cursor = page["next"]
print(len(seen), pages)
EOF
}

write_lua() {
  cat >"$T/taxii.lua" <<'EOF'
-- BENCH_PATH: the objects URL with ?limit=; BENCH_FOLLOW=1: follow each response's next cursor.
local path = os.getenv("BENCH_PATH")
local follow = os.getenv("BENCH_FOLLOW") == "1"
wrk.headers["Accept"] = "application/taxii+json;version=2.1"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_BEARER")
local cursors = {}
local ended = 0

request = function()
  if follow and #cursors > 0 then
    return wrk.format("GET", path .. "&next=" .. table.remove(cursors, 1))
  end
  return wrk.format("GET", path)
end

if follow then
  response = function(status, headers, body)
    if status ~= 200 then return end
    local next = body:match('^{"more":true,"next":"([^"]+)"')
    if next then cursors[#cursors + 1] = next else ended = ended + 1 end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d errors=%d " ..
    "status=%d timeout=%d socket=%d\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, e.connect + e.read + e.write + e.status + e.timeout,
    e.status, e.timeout, e.connect + e.read + e.write))
end
EOF
}

cpu_ticks() {
  local f
  read -r -a f < <(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null || echo)
  ((${#f[@]} > 12)) && echo $((f[11] + f[12])) || echo 0
}

# run_wrk NAME FOLLOW: one measured run; fills RES[NAME.*].
run_wrk() {
  local name="$1" line kv before after
  export BENCH_PATH="$OBJECTS?limit=$LIMIT" BENCH_FOLLOW="$2" BENCH_BEARER="$TOKEN"
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$T/taxii.lua")
  if ((WARMUP > 0)); then
    timeout $((WARMUP + 60)) wrk "${args[@]}" -d"${WARMUP}s" "http://127.0.0.1:$PORT" >/dev/null
  fi
  note "wrk ${args[*]:0:2} -d${DURATION}s ($name)"
  before="$(cpu_ticks "$HUB_PID")"
  timeout $((DURATION + 120)) wrk "${args[@]}" -d"${DURATION}s" "http://127.0.0.1:$PORT" \
    >"$T/wrk-$name.txt" &
  WRK_PID=$!
  wait "$WRK_PID" || { cat "$T/wrk-$name.txt" >&2; die "wrk failed"; }
  WRK_PID=""
  after="$(cpu_ticks "$HUB_PID")"
  line="$(grep '^BENCH ' "$T/wrk-$name.txt")" || die "wrk printed no summary"
  for kv in ${line#BENCH }; do RES["$name.${kv%%=*}"]="${kv#*=}"; done
  RES["$name.pages_per_s"]="$(awk -v n="${RES[$name.requests]}" -v d="${RES[$name.duration_us]}" \
    'BEGIN { printf "%.1f", n / (d / 1e6) }')"
  RES["$name.mb_per_s"]="$(awk -v b="${RES[$name.bytes]}" -v d="${RES[$name.duration_us]}" \
    'BEGIN { printf "%.1f", b / 1e6 / (d / 1e6) }')"
  RES["$name.cpu_ms_per_page"]="$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    -v n="${RES[$name.requests]}" 'BEGIN { printf "%.2f", (n > 0 ? t / hz * 1e3 / n : 0) }')"
  unset BENCH_PATH BENCH_FOLLOW BENCH_BEARER
}

main() {
  check_int COUNT "$COUNT" 1 100000000
  check_int LIMIT "$LIMIT" 1 1000
  check_int DURATION "$DURATION" 1 600
  check_int CONNECTIONS "$CONNECTIONS" 1 1024
  check_int WRK_THREADS "$WRK_THREADS" 1 64
  check_int THREADS "$THREADS" 1 64
  check_int WARMUP "$WARMUP" 0 60
  ((CONNECTIONS >= WRK_THREADS)) || die "CONNECTIONS must be >= WRK_THREADS"
  case "$(realpath -m "$WORK")/" in "$kRepo"/*) die "WORK must be outside the repository" ;; esac
  local tool
  for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || die "$tool is missing (apt-get install -y $tool)"
  done
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  umask 077
  T="$(mktemp -d /tmp/caduceus-taxii-bench.XXXXXX)"
  mkdir -p "$WORK"

  echo "==> building the hub, preparing $COUNT indicators" >&2
  build_hub
  local bundle bytes cat_mbs sha_mbs
  bundle="$(bundle_file)"
  bytes="$(stat -L -c %s "$bundle")"
  cat_mbs="$(throughput "$bundle" cat)"
  sha_mbs="$(throughput "$bundle" sha256sum)"
  note "$bundle: $bytes bytes; cat $cat_mbs MB/s, sha256sum $sha_mbs MB/s"

  local import_s="null"
  if [[ -n "$REUSE_DB" ]]; then
    [[ -s "$REUSE_DB" ]] || die "REUSE_DB=$REUSE_DB is not a database"
    DB="$REUSE_DB"
    echo "==> reusing $DB (no import)" >&2
  else
    DB="$T/t.db"
    echo "==> demo database, importing the bundle into eu/indicators" >&2
    "$HUB_BIN" demo -d "sqlite://$DB" --credentials-file "$T/c.json" >"$T/demo.log" 2>&1 ||
      { cat "$T/demo.log" >&2; die "caduceus-hub demo failed"; }
    local start end
    start="$(date +%s%N)"
    "$HUB_BIN" intel import "$bundle" -d "sqlite://$DB" --collection eu/indicators \
      --producer "$kProducer" >"$T/import.log" 2>&1 ||
      { cat "$T/import.log" >&2; die "caduceus-hub intel import failed"; }
    end="$(date +%s%N)"
    import_s="$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')"
    note "$(tail -n 1 "$T/import.log") (wall ${import_s}s)"
  fi
  TOKEN="$("$HUB_BIN" token create -d "sqlite://$DB" --username eu.analyst --scopes read \
    2>"$T/token.log")" || { cat "$T/token.log" >&2; die "token create failed"; }

  echo "==> starting the hub ($THREADS threads)" >&2
  start_hub
  local collection
  collection="$(taxii_get /taxii2/eu/collections/indicators/ |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" ||
    die "GET /taxii2/eu/collections/indicators/ failed"
  OBJECTS="/taxii2/eu/collections/$collection/objects/"
  note "collection $collection"

  local verified="skipped" walked_pages=0
  if [[ "$VERIFY" == 1 ]]; then
    echo "==> verifying: one walk through every page with curl" >&2
    local out
    out="$(verify_walk)" || { echo "taxii_bench: FINDING: the verification walk failed" >&2; exit 3; }
    read -r verified walked_pages <<<"$out"
    ((verified >= COUNT)) ||
      { echo "taxii_bench: FINDING: the walk saw $verified objects, fewer than $COUNT" >&2; exit 3; }
    note "$verified objects in $walked_pages pages, each exactly once"
  fi

  write_lua
  echo "==> wrk: walking with next cursors" >&2
  run_wrk walk 1
  echo "==> wrk: the first page" >&2
  run_wrk first 0

  local stamp out errors=0 name
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$kResults"
  out="$kResults/taxii-$stamp.json"
  printf '\nGET objects/?limit=%s over %s objects; wrk -t%s -c%s -d%ss on loopback, hub %s threads\n' \
    "$LIMIT" "$COUNT" "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$THREADS"
  printf '%-8s %10s %10s %10s %10s %12s %7s\n' run "pages/s" "MB/s" "p50 (ms)" "p99 (ms)" \
    "CPU ms/page" errors
  for name in walk first; do
    printf '%-8s %10s %10s %10.1f %10.1f %12s %7s\n' "$name" "${RES[$name.pages_per_s]}" \
      "${RES[$name.mb_per_s]}" "$(awk -v u="${RES[$name.p50_us]}" 'BEGIN { print u / 1000 }')" \
      "$(awk -v u="${RES[$name.p99_us]}" 'BEGIN { print u / 1000 }')" \
      "${RES[$name.cpu_ms_per_page]}" "${RES[$name.errors]}"
    errors=$((errors + RES[$name.errors]))
  done
  printf 'machine: cat %s MB/s, sha256sum %s MB/s on the %s-byte bundle; import %s s; %s cores\n' \
    "$cat_mbs" "$sha_mbs" "$bytes" "$import_s" "$(nproc)"
  {
    printf '{"benchmark": "taxii", "time_utc": "%s", "count": %s, "limit": %s,\n' "$stamp" \
      "$COUNT" "$LIMIT"
    printf ' "settings": {"duration_s": %s, "connections": %s, "wrk_threads": %s,' "$DURATION" \
      "$CONNECTIONS" "$WRK_THREADS"
    printf ' "hub_threads": %s, "database": "sqlite", "cores": %s},\n' "$THREADS" "$(nproc)"
    printf ' "machine": {"bundle_bytes": %s, "cat_mb_per_s": %s, "sha256sum_mb_per_s": %s},\n' \
      "$bytes" "$cat_mbs" "$sha_mbs"
    printf ' "import_s": %s, "verified_objects": "%s", "verified_pages": %s,\n' "$import_s" \
      "$verified" "$walked_pages"
    local sep=""
    printf ' "runs": {'
    for name in walk first; do
      printf '%s"%s": {"pages_per_s": %s, "mb_per_s": %s, "p50_us": %s, "p99_us": %s,' "$sep" \
        "$name" "${RES[$name.pages_per_s]}" "${RES[$name.mb_per_s]}" "${RES[$name.p50_us]}" \
        "${RES[$name.p99_us]}"
      printf ' "cpu_ms_per_page": %s, "requests": %s, "errors": %s, "non_2xx": %s,' \
        "${RES[$name.cpu_ms_per_page]}" "${RES[$name.requests]}" "${RES[$name.errors]}" \
        "${RES[$name.status]}"
      printf ' "timeouts": %s}' "${RES[$name.timeout]}"
      sep=", "
    done
    printf '},\n "git": "%s"}\n' "$(git -C "$kRepo" rev-parse --short HEAD 2>/dev/null || echo none)"
  } >"$out"
  echo "results: $out"
  if ((errors > 0)); then
    for name in walk first; do
      echo "taxii_bench: $name: ${RES[$name.status]} non-2xx, ${RES[$name.timeout]} timeouts" \
        "(wrk's 2 s), ${RES[$name.socket]} socket errors" >&2
    done
    exit 3
  fi
}

main "$@"
