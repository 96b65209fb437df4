#!/usr/bin/env bash
# STIX parse + validate throughput on the 1,000,000-indicator bundle of ../shared/bench/gen_iocs.py,
# next to `cat FILE > /dev/null` and `sha256sum FILE` on the same file, with peak RSS from
# /usr/bin/time -v. No storage is involved: this is the ceiling for bulk ingest. See
# docs/stix.md for what is measured and the figures.
#
# Environment (all optional):
#   COUNT        indicators to generate (default 1000000)
#   ROUNDS       runs of each measurement; the best wall time is reported (default 3, max 10)
#   CHUNK        bytes per BundleReader::Write (default 65536)
#   WORK         directory for the generated bundle (default /tmp/caduceus-stix-bench; never the
#                repository); an existing bundle of the same COUNT is reused
#   BENCH_BIN    the stix_ingest_bench binary; default: build the target in the "bench" preset
#   SHARED_DIR   the shared/ directory (default $CADUCEUS_SHARED_DIR, else <repo>/../shared)
#
# Exit status: 0 when every run read the whole bundle with no rejected object; 1 otherwise.
set -euo pipefail

kRepo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly kRepo
COUNT="${COUNT:-1000000}"
ROUNDS="${ROUNDS:-3}"
CHUNK="${CHUNK:-65536}"
WORK="${WORK:-/tmp/caduceus-stix-bench}"
SHARED_DIR="${SHARED_DIR:-${CADUCEUS_SHARED_DIR:-$kRepo/../shared}}"

die() {
  echo "stix_ingest_bench: $*" >&2
  exit 1
}

[[ "$COUNT" =~ ^[0-9]+$ && "$COUNT" -ge 1 ]] || die "COUNT must be a positive integer"
[[ "$ROUNDS" =~ ^[0-9]+$ && "$ROUNDS" -ge 1 && "$ROUNDS" -le 10 ]] || die "ROUNDS must be 1..10"
[[ "$CHUNK" =~ ^[0-9]+$ && "$CHUNK" -ge 1 ]] || die "CHUNK must be a positive integer"
case "$(realpath -m "$WORK")/" in
  "$kRepo"/*) die "WORK must be outside the repository" ;;
esac
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (apt-get install -y time)"
command -v bc >/dev/null || die "bc is missing (apt-get install -y bc)"
generator="$SHARED_DIR/bench/gen_iocs.py"
[[ -f "$generator" ]] || die "no $generator (set SHARED_DIR)"

if [[ -z "${BENCH_BIN:-}" ]]; then
  cmake --preset bench -S "$kRepo" >/dev/null
  cmake --build --preset bench --target stix_ingest_bench -j2 >/dev/null
  BENCH_BIN="$(find "$kRepo/build/bench" -type f -name stix_ingest_bench -perm -u+x | head -n 1)"
fi
[[ -x "${BENCH_BIN:-}" ]] || die "no stix_ingest_bench binary (set BENCH_BIN)"

mkdir -p "$WORK"
prefix="$WORK/iocs_$COUNT"
bundle="$prefix.stix.json"
if [[ ! -s "$bundle" ]]; then
  echo "generating $COUNT indicators into $bundle"
  python3 "$generator" --count "$COUNT" --seed 1 --out "$prefix" >/dev/null
fi
bytes="$(stat -L -c %s "$bundle")"
cat "$bundle" >/dev/null  # into the page cache, so that every run reads from memory

# Runs "$@" under /usr/bin/time -v; prints "<wall seconds> <peak RSS KiB> <CPU seconds>" (user +
# system). Output goes to $log.
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

best() {  # the run with the best wall time over ROUNDS runs of "$@": wall, RSS, CPU
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

# shellcheck disable=SC2016  # $0 is expanded by the inner shell: the bundle's path
result="$(best sh -c 'cat "$0" > /dev/null' "$bundle")"
read -r cat_wall cat_rss cat_cpu <<<"$result"
result="$(best sha256sum "$bundle")"
read -r sha_wall sha_rss sha_cpu <<<"$result"
result="$(best "$BENCH_BIN" "$bundle" "$CHUNK")"
read -r stix_wall stix_rss stix_cpu <<<"$result"
grep -q "^objects *$COUNT accepted, 0 rejected" "$log" || { cat "$log" >&2; die "objects rejected"; }

mb() { echo "scale=1; $bytes / 1000000 / $1" | bc -l; }
row() {  # name wall cpu rss objects(0: none)
  local per_s="-" per_cpu="-"
  if [[ "$5" != 0 ]]; then
    per_s="$(printf '%.0f' "$(echo "$5 / $2" | bc -l)")"
    per_cpu="$(printf '%.0f' "$(echo "$5 / $3" | bc -l)")"
  fi
  printf '%-18s %8.3f %8.3f %9s %9s %11s %11s %9s KiB\n' "$1" "$2" "$3" "$(mb "$2")" "$(mb "$3")" \
    "$per_s" "$per_cpu" "$4"
}
echo
echo "file: $bundle ($bytes bytes, $COUNT indicators); best wall time of $ROUNDS;" \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-18s %8s %8s %9s %9s %11s %11s %13s\n' "run" "wall s" "CPU s" "MB/s" "MB/CPU-s" \
  "objects/s" "obj/CPU-s" "peak RSS"
row "cat > /dev/null" "$cat_wall" "$cat_cpu" "$cat_rss" 0
row "sha256sum" "$sha_wall" "$sha_cpu" "$sha_rss" 0
row "parse + validate" "$stix_wall" "$stix_cpu" "$stix_rss" "$COUNT"
echo
echo "parse + validate throughput as a fraction of sha256sum's: wall" \
  "$(echo "scale=3; $sha_wall / $stix_wall" | bc -l), CPU $(echo "scale=3; $sha_cpu / $stix_cpu" | bc -l);" \
  "of cat's: wall $(echo "scale=3; $cat_wall / $stix_wall" | bc -l)," \
  "CPU $(echo "scale=3; $cat_cpu / $stix_cpu" | bc -l)"
echo "the last run's own report (its times exclude process start and exit):"
sed 's/^/  /' "$log"
