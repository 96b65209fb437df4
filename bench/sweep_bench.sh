#!/usr/bin/env bash
# The sweep's log readers beside cat, GNU grep and ripgrep on one gen_logs.py file: best wall
# time of RUNS runs each (page cache warm), MB/s, user CPU, peak RSS, and the ratios. grep and
# rg run once with a regex that finds dotted quads and names, counting every match (grep -o |
# wc -l, rg --count-matches), which is about what the tokenizer finds, and once with -F -c -f
# over 100k indicators as plain strings (what analysts script; the issue's baseline). The sweep
# and rg runs are single-threaded.
#
#   SWEEP_BENCH=build/release/bin/sweep_bench SIZE=256M bash bench/sweep_bench.sh
#
# Data goes to W (default /tmp/caduceus-sweep-bench), generated on first use with
# ../shared/bench/gen_iocs.py and gen_logs.py (seed 1). Needs python3, GNU time; rg if installed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${CADUCEUS_SHARED_DIR:-$root/../shared}"
W="${W:-/tmp/caduceus-sweep-bench}"
SIZE="${SIZE:-256M}"
RUNS="${RUNS:-3}"
bin="${SWEEP_BENCH:-$root/build/release/bin/sweep_bench}"
iocs="$W/iocs_100k.txt"
log="$W/logs_$SIZE.log"

mkdir -p "$W"
[[ -x "$bin" ]] || { echo "no sweep_bench at $bin (set SWEEP_BENCH)" >&2; exit 2; }
if [[ ! -f "$iocs" ]]; then
  python3 "$shared/bench/gen_iocs.py" --count 100000 --seed 1 --no-stix --out "$W/iocs_100k" >&2
fi
if [[ ! -f "$log" ]]; then
  python3 "$shared/bench/gen_logs.py" --size "$SIZE" --seed 1 --iocs "$iocs" --out "$log" >&2
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null

regex='([0-9]{1,3}\.){3}[0-9]{1,3}|[A-Za-z0-9-]+\.[A-Za-z][A-Za-z0-9-]+'
results="$W/results.tsv"
: > "$results"

# measure NAME CMD...: best of RUNS by wall time; stdout of CMD goes to a file.
measure() {
  local name="$1"; shift
  local best="" line
  for _ in $(seq "$RUNS"); do
    line=$( { /usr/bin/time -f "%e %U %M" "$@" > "$W/out.txt"; } 2>&1 | tail -1 )
    if [[ -z "$best" ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
      best="$line"
    fi
  done
  echo -e "$name\t$best" >> "$results"
  echo "$name: $best (wall s, user s, max RSS KiB)" >&2
}

measure "cat" sh -c 'cat "$0" > /dev/null' "$log"
measure "grep -o -E names+quads" sh -c 'grep -o -E "$0" "$1" | wc -l' "$regex" "$log"
measure "grep -F -c -f 100k" grep -F -c -f "$iocs" "$log"
if command -v rg > /dev/null; then
  measure "rg -j1 --count-matches names+quads" rg -j1 --count-matches "$regex" "$log"
  measure "rg -j1 -F -c -f 100k" rg -j1 -F -c -f "$iocs" "$log"
fi
measure "sweep tokenize" "$bin" --mode tokenize "$log"
measure "sweep read --format text" "$bin" --mode text "$log"
measure "sweep read (detect+parse)" "$bin" --mode read "$log"

awk -F'\t' -v bytes="$bytes" '
  { split($2, t, " "); name[NR] = $1; wall[NR] = t[1]; user[NR] = t[2]; rss[NR] = t[3] }
  $1 == "cat" { cat = t[1] }
  $1 ~ /names\+quads/ && (best_re == "" || t[1] < best_re) { best_re = t[1] }
  END {
    printf "%-36s %9s %8s %8s %9s %9s %9s\n", "run", "MB/s", "wall s", "user s", "RSS MiB", "% of cat", "x regex"
    for (i = 1; i <= NR; i++) {
      w = wall[i] > 0 ? wall[i] : 0.01
      printf "%-36s %9.1f %8.2f %8.2f %9.1f %9.2f %9.2f\n", name[i], bytes / w / 1e6, wall[i], user[i], rss[i] / 1024, 100 * cat / w, best_re / w
    }
    printf "%d bytes, best of runs; x regex: speed over the faster regex run\n", bytes
  }' "$results"
