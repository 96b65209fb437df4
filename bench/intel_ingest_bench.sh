#!/usr/bin/env bash
# Bulk ingest into the intel store: the 1,000,000-indicator bundle of ../shared/bench/gen_iocs.py
# streamed by IntelService::Import into a fresh SQLite database and a fresh PostgreSQL database
# (a scratch cluster started here), next to `cat FILE > /dev/null` and `sha256sum FILE` on the
# same file, each under /usr/bin/time -v for peak RSS, and, for SQLite, `sqlite_ceiling`: the
# same number of object, correlation value and link rows inserted straight through SQLite's C API
# into the store's schema (SQLite's own rate for these rows and indexes, the ceiling of any import
# into this schema), and its --load-then-index mode (the rows into bare tables in one transaction,
# then the store's indexes built by sorting: the fastest SQLite takes them at all). The issue asks for >= 100,000 objects/s on SQLite and peak memory under
# 1 GiB. See docs/intel.md for what is measured and the figures.
#
# Environment (all optional):
#   COUNT        indicators to generate (default 1000000)
#   ROUNDS       runs of each measurement; the best wall time is reported (default 1, max 5)
#   BATCH        objects per transaction (default 10000)
#   BACKENDS     "sqlite postgresql" (default), or one of them
#   WORK         directory for the bundle and the databases (default /tmp/caduceus-intel-bench;
#                never the repository); an existing bundle of the same COUNT is reused
#   BENCH_BIN    the intel_ingest_bench binary; default: build the target in the "bench" preset
#   CEILING_BIN  the sqlite_ceiling binary; default: the same, next to BENCH_BIN
#   SHARED_DIR   the shared/ directory (default $CADUCEUS_SHARED_DIR, else <repo>/../shared)
#
# Exit status: 0 when every run stored the whole bundle with no rejected object; 1 otherwise.
set -euo pipefail

kRepo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly kRepo
COUNT="${COUNT:-1000000}"
ROUNDS="${ROUNDS:-1}"
BATCH="${BATCH:-10000}"
BACKENDS="${BACKENDS:-sqlite postgresql}"
WORK="${WORK:-/tmp/caduceus-intel-bench}"
SHARED_DIR="${SHARED_DIR:-${CADUCEUS_SHARED_DIR:-$kRepo/../shared}}"

die() {
  echo "intel_ingest_bench: $*" >&2
  exit 1
}

[[ "$COUNT" =~ ^[0-9]+$ && "$COUNT" -ge 1 ]] || die "COUNT must be a positive integer"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 && "$ROUNDS" -le 5 ]] || die "ROUNDS must be 1..5"
[[ "$BATCH" =~ ^[0-9]+$ && "$BATCH" -ge 1 && "$BATCH" -le 100000 ]] || die "BATCH must be 1..100000"
for b in $BACKENDS; do
  [[ "$b" == sqlite || "$b" == postgresql ]] || die "unknown backend $b"
done
case "$(realpath -m "$WORK")/" in
  "$kRepo"/*) die "WORK must be outside the repository" ;;
esac
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install -y time)"
command -v bc >/dev/null || die "bc is missing (apt-get install -y bc)"
generator="$SHARED_DIR/bench/gen_iocs.py"
[[ -f "$generator" ]] || die "no $generator (set SHARED_DIR)"

if [[ -z "${BENCH_BIN:-}" ]]; then
  cmake --preset bench -S "$kRepo" >/dev/null
  cmake --build --preset bench --target intel_ingest_bench sqlite_ceiling -j2 >/dev/null
  BENCH_BIN="$(find "$kRepo/build/bench" -type f -name intel_ingest_bench -perm -u+x | head -n 1)"
fi
[[ -x "${BENCH_BIN:-}" ]] || die "no intel_ingest_bench binary (set BENCH_BIN)"
CEILING_BIN="${CEILING_BIN:-$(dirname "$BENCH_BIN")/sqlite_ceiling}"
[[ -x "$CEILING_BIN" ]] || die "no sqlite_ceiling binary (set CEILING_BIN)"

mkdir -p "$WORK"
prefix="$WORK/iocs_$COUNT"
bundle="$prefix.stix.json"
if [[ ! -s "$bundle" ]]; then
  echo "generating $COUNT indicators into $bundle"
  python3 "$generator" --count "$COUNT" --seed 1 --out "$prefix" >/dev/null
fi
bytes="$(stat -L -c %s "$bundle")"
cat "$bundle" >/dev/null  # into the page cache, so that every run reads from memory

pgdir=""
cleanup() {
  if [[ -n "$pgdir" ]]; then "$kRepo/scripts/pg-test-server.sh" stop "$pgdir" >/dev/null 2>&1 || true; fi
  rm -f "$WORK"/ingest.db "$WORK"/ingest.db-wal "$WORK"/ingest.db-shm "$WORK"/ceiling.db*
}
trap cleanup EXIT

pg_url=""
if [[ " $BACKENDS " == *" postgresql "* ]]; then
  pgdir="$(mktemp -d /tmp/caduceus-intel-bench-pg.XXXXXX)"
  pg_url="$("$kRepo/scripts/pg-test-server.sh" start "$pgdir")"
fi

# Runs "$@" under /usr/bin/time -v; prints "<wall seconds> <peak RSS KiB> <CPU seconds>".
log="$WORK/last-run.log"
measure() {
  local report="$WORK/time.txt" start end
  start="$(date +%s.%N)"
  /usr/bin/time -v -o "$report" "$@" >"$log" 2>&1 || { cat "$log" >&2; die "$1 failed"; }
  end="$(date +%s.%N)"
  local rss cpu
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")"
  cpu="$(awk -F': ' '/User time|System time/ {sum += $2} END {print sum}' "$report")"
  echo "$(echo "$end - $start" | bc -l) $rss $cpu"
}

# A fresh, empty database for one run.
fresh_db() {  # backend round
  if [[ "$1" == sqlite ]]; then
    rm -f "$WORK"/ingest.db "$WORK"/ingest.db-wal "$WORK"/ingest.db-shm
    echo "sqlite://$WORK/ingest.db"
  else
    local name="intel_bench_$2"
    psql -q "$pg_url" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    echo "${pg_url/\/postgres\?//$name?}"
  fi
}

best() {  # label command...: the run with the best wall time of ROUNDS
  local best="" best_wall="" wall rss cpu run
  for ((i = 0; i < ROUNDS; i++)); do
    run="$(measure "$@")"
    read -r wall rss cpu <<<"$run"
    if [[ -z "$best_wall" ]] || (($(echo "$wall < $best_wall" | bc -l))); then
      best_wall="$wall"
      best="$run"
    fi
  done
  echo "$best"
}

ingest() {  # backend: best of ROUNDS fresh imports
  local best="" best_wall="" wall rss cpu run url
  for ((i = 0; i < ROUNDS; i++)); do
    url="$(fresh_db "$1" "$i")"
    run="$(measure "$BENCH_BIN" "$url" "$bundle" "$BATCH")"
    grep -q "^objects *$COUNT stored, 0 duplicates, 0 rejected" "$log" ||
      { cat "$log" >&2; die "$1: not every object was stored"; }
    cp "$log" "$WORK/last-$1.log"
    read -r wall rss cpu <<<"$run"
    if [[ -z "$best_wall" ]] || (($(echo "$wall < $best_wall" | bc -l))); then
      best_wall="$wall"
      best="$run"
    fi
  done
  echo "$best"
}

# shellcheck disable=SC2016  # $0 is expanded by the inner shell: the bundle's path
read -r cat_wall cat_rss cat_cpu <<<"$(best sh -c 'cat "$0" > /dev/null' "$bundle")"
read -r sha_wall sha_rss sha_cpu <<<"$(best sha256sum "$bundle")"
declare -A wall rss cpu
for b in $BACKENDS; do
  read -r "wall[$b]" "rss[$b]" "cpu[$b]" <<<"$(ingest "$b")"
done
if [[ " $BACKENDS " == *" sqlite "* ]]; then
  ceiling_db="$WORK/ceiling.db"
  # shellcheck disable=SC2016  # expanded by the inner shell: a fresh file for every run
  fresh='rm -f "$0" "$0-wal" "$0-shm" && exec "$@"'
  read -r ceil_wall ceil_rss ceil_cpu <<<"$(best sh -c "$fresh" "$ceiling_db" \
    "$CEILING_BIN" "$ceiling_db" "$COUNT" "$BATCH")"
  read -r bare_wall bare_rss bare_cpu <<<"$(best sh -c "$fresh" "$ceiling_db" \
    "$CEILING_BIN" "$ceiling_db" "$COUNT" "$BATCH" --no-indexes)"
  read -r sort_wall sort_rss sort_cpu <<<"$(best sh -c "$fresh" "$ceiling_db" \
    "$CEILING_BIN" "$ceiling_db" "$COUNT" "$BATCH" --load-then-index)"
fi

mb() { echo "scale=1; $bytes / 1000000 / $1" | bc -l; }
row() {  # name wall cpu rss objects(0: none)
  local per_s="-"
  [[ "$5" != 0 ]] && per_s="$(printf '%.0f' "$(echo "$5 / $2" | bc -l)")"
  printf '%-24s %8.3f %8.3f %9s %11s %9s KiB\n' "$1" "$2" "$3" "$(mb "$2")" "$per_s" "$4"
}
echo
echo "file: $bundle ($bytes bytes, $COUNT indicators); batch $BATCH; best wall time of $ROUNDS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-24s %8s %8s %9s %11s %13s\n' "run" "wall s" "CPU s" "MB/s" "objects/s" "peak RSS"
row "cat > /dev/null" "$cat_wall" "$cat_cpu" "$cat_rss" 0
row "sha256sum" "$sha_wall" "$sha_cpu" "$sha_rss" 0
for b in $BACKENDS; do row "ingest $b" "${wall[$b]}" "${cpu[$b]}" "${rss[$b]}" "$COUNT"; done
if [[ -n "${ceil_wall:-}" ]]; then
  row "SQLite alone" "$ceil_wall" "$ceil_cpu" "$ceil_rss" "$COUNT"
  row "SQLite alone, no index" "$bare_wall" "$bare_cpu" "$bare_rss" "$COUNT"
  row "SQLite, load then index" "$sort_wall" "$sort_cpu" "$sort_rss" "$COUNT"
fi
echo
if [[ -n "${ceil_wall:-}" ]]; then
  echo "ingest sqlite as a fraction of SQLite alone with the store's indexes:" \
    "$(echo "scale=3; $ceil_wall / ${wall[sqlite]}" | bc -l); SQLite alone with and without" \
    "its secondary indexes: $(echo "scale=3; $bare_wall / $ceil_wall" | bc -l)"
fi
for b in $BACKENDS; do
  echo "ingest $b as a fraction of sha256sum's throughput (wall): " \
    "$(echo "scale=3; $sha_wall / ${wall[$b]}" | bc -l); of cat's: " \
    "$(echo "scale=3; $cat_wall / ${wall[$b]}" | bc -l)"
done
[[ -n "$pg_url" ]] && echo "PostgreSQL: a scratch cluster with fsync=off; its server processes'" \
  "CPU time and memory are not in the figures above."
for b in $BACKENDS; do
  echo "the last $b run's own report:"
  sed 's/^/  /' "$WORK/last-$b.log" | grep -v "applied migration"
done
