#!/usr/bin/env bash
# The indicator sweep beside cat, GNU grep and ripgrep on the same gen_logs.py file, at 1M and
# at 100k gen_iocs.py indicators (the 100k are the first 100k of the 1M list the logs were
# planted from): wall time, MB/s, user CPU, peak RSS, and the issue's ratios from this one run.
#   cat > /dev/null                       the read limit
#   grep -F -c -f LIST, rg -F -c -f LIST  literal matching of the indicator values (what analysts
#                                         script; counts into a file, see the README's note)
#   sweep 1 thread, sweep all cores       sweep_bench --mode sweep: Sweep() of sweeper.h with a
#                                         memory-mapped index, the code `caduceus sweep logs` runs
# plus the index build (seconds, bytes per indicator, RSS), the readers alone (tokenize, read),
# and the sweep's recall and precision against the ground truth (score_hits.py).
#
#   SWEEP_BENCH=build/release/bin/sweep_bench SIZE=256M bash bench/sweep_bench.sh
#
# Data goes to W (default /tmp/caduceus-sweep-bench), generated on first use with
# ../shared/bench/gen_iocs.py and gen_logs.py (seed 1). RUNS (default 3) runs each, the best
# wall time kept, except grep and rg (GREP_RUNS, default 1: minutes each; 0 leaves them out).
# RG_MEM_KIB caps ripgrep's virtual memory (default 14 GiB; it needs about 11 GiB at 1M). Needs
# python3 and GNU time; rg when installed (Debian package ripgrep), else its rows are left out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${CADUCEUS_SHARED_DIR:-$root/../shared}"
W="${W:-/tmp/caduceus-sweep-bench}"
SIZE="${SIZE:-256M}"
RUNS="${RUNS:-3}"
GREP_RUNS="${GREP_RUNS:-1}"
RG_MEM_KIB="${RG_MEM_KIB:-14680064}"
bin="${SWEEP_BENCH:-$root/build/release/bin/sweep_bench}"
iocs_1m="$W/iocs_1m.txt"
iocs_100k="$W/iocs_1m_first100k.txt"
log="$W/logs_$SIZE.log"

mkdir -p "$W"
[[ -x "$bin" ]] || { echo "no sweep_bench at $bin (set SWEEP_BENCH)" >&2; exit 2; }
if [[ ! -f "$iocs_1m" ]]; then
  python3 "$shared/bench/gen_iocs.py" --count 1000000 --seed 1 --no-stix --out "$W/iocs_1m" >&2
fi
[[ -f "$iocs_100k" ]] || head -n 100000 "$iocs_1m" > "$iocs_100k"
if [[ ! -f "$log" ]]; then
  python3 "$shared/bench/gen_logs.py" --size "$SIZE" --seed 1 --iocs "$iocs_1m" --out "$log" >&2
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null
results="$W/results.tsv"
: > "$results"
have_rg=0
command -v rg > /dev/null && have_rg=1
[[ $have_rg == 1 ]] || echo "ripgrep is not installed (apt-get install ripgrep): rg rows left out" >&2

# measure NAME RUNS CMD...: best of RUNS by wall time; stdout of CMD goes to a file.
measure() {
  local name="$1" runs="$2"; shift 2
  local best="" line
  [[ "$runs" -ge 1 ]] || return 0
  for _ in $(seq "$runs"); do
    if ! line=$( { /usr/bin/time -f "%e %U %M" "$@" > "$W/out.txt"; } 2>&1 | tail -1 ); then
      echo "$name: failed ($line)" >&2
      return 0
    fi
    if [[ -z "$best" ]] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
      best="$line"
    fi
  done
  echo -e "$name\t$best" >> "$results"
  echo "$name: $best (wall s, user s, max RSS KiB)" >&2
}

# shellcheck disable=SC2016  # $0 is expanded by the inner shell: the log's path
measure "cat" "$RUNS" sh -c 'cat "$0" > /dev/null' "$log"
measure "reader: tokenize" "$RUNS" "$bin" --mode tokenize "$log"
measure "reader: read (detect+parse)" "$RUNS" "$bin" --mode read "$log"
for n in 1m 100k; do
  list="$iocs_1m"
  [[ $n == 100k ]] && list="$iocs_100k"
  idx="$W/index_$n.bin"
  /usr/bin/time -f "%e %U %M" -o "$W/time.txt" "$bin" --mode index --iocs "$list" --out "$idx" \
    > "$W/index_$n.json"
  echo "index $n: $(cat "$W/index_$n.json") $(cat "$W/time.txt")" >&2
  echo -e "index $n build\t$(cat "$W/time.txt")" >> "$results"
  measure "grep -F -c -f $n" "$GREP_RUNS" grep -F -c -f "$list" "$log"
  if [[ $have_rg == 1 ]]; then
    # shellcheck disable=SC2016  # expanded by the inner shell
    measure "rg -F -c -f $n" "$GREP_RUNS" sh -c 'ulimit -v "$0"; exec rg -F -c -f "$1" "$2"' \
      "$RG_MEM_KIB" "$list" "$log"
  fi
  measure "sweep $n 1 thread" "$RUNS" "$bin" --mode sweep --index "$idx" --threads 1 "$log"
  measure "sweep $n all cores" "$RUNS" "$bin" --mode sweep --index "$idx" --threads 0 "$log"
  "$bin" --mode sweep --index "$idx" --threads 0 --lines "$W/lines_$n.txt" "$log" > /dev/null
  python3 "$shared/bench/score_hits.py" --truth "${log%.log}.truth.tsv" \
    --decoys "${log%.log}.decoys.tsv" --iocs "$list" --json < "$W/lines_$n.txt" \
    > "$W/recall_$n.json" || true
  echo -e "recall $n\t$(tr -d '\n' < "$W/recall_$n.json")" >> "$W/recall.tsv.tmp"
done

awk -F'\t' -v bytes="$bytes" '
  $1 ~ / build$/ { next }
  { split($2, t, " "); name[++n] = $1; wall[n] = t[1]; user[n] = t[2]; rss[n] = t[3] }
  $1 == "cat" { cat = t[1] }
  END {
    printf "%-30s %9s %8s %8s %9s %9s\n", "run", "MB/s", "wall s", "user s", "RSS MiB", "% of cat"
    for (i = 1; i <= n; i++) {
      w = wall[i] > 0 ? wall[i] : 0.01
      c = cat > 0 ? cat : 0.01
      printf "%-30s %9.1f %8.2f %8.2f %9.1f %9.2f\n", name[i], bytes / w / 1e6, wall[i], user[i], rss[i] / 1024, 100 * c / w
    }
    for (k = 1; k <= 2; k++) {
      s = k == 1 ? "1m" : "100k"
      best = 0
      for (i = 1; i <= n; i++) {
        if (name[i] ~ ("^(grep|rg) .* " s "$") && (best == 0 || wall[i] < best)) best = wall[i]
        if (name[i] == "sweep " s " 1 thread") { one = wall[i]; one_rss = rss[i] }
        if (name[i] == "sweep " s " all cores") { all = wall[i] }
      }
      versus = best > 0 ? sprintf("%.1fx the faster of grep/rg", best / one) : "grep/rg not run"
      printf "%s indicators: sweep 1 thread = %.2f%% of cat, %s; all cores %.2fx 1 thread; peak RSS %.0f MiB\n", s, 100 * cat / one, versus, one / all, one_rss / 1024
    }
    printf "%d bytes (cat at the resolution of /usr/bin/time: 0.01 s)\n", bytes
  }' "$results"
grep -h . "$W"/index_*.json
cat "$W/recall.tsv.tmp" && rm -f "$W/recall.tsv.tmp"
