#!/usr/bin/env bash
# HTTP benchmark of caduceus-hub against nginx on this machine, over loopback only.
#
# Runs wrk against (1) a static JSON file served by nginx, (2) the hub's GET /healthz and (3) the
# hub's GET /api/v1/me with a read-scoped bearer token, on a fresh SQLite demo database, and prints
# requests/s, p99 latency, CPU time per request and errors for each, plus the ratios hub/nginx.
# The hub's RSS is sampled every second during (3) (start, max and end are printed, not asserted).
# The results are written to bench/results/http-<UTC time>.json, the raw wrk reports, RSS samples
# and the hub's log next to it as .log. See bench/README.md.
#
# Environment (all optional):
#   DURATION      seconds per measured wrk run (default 20; the brief's long run is 60; max 600)
#   CONNECTIONS   wrk connections (default 32)
#   THREADS       hub I/O threads = nginx worker_processes (default 2)
#   WRK_THREADS   wrk threads (default 2)
#   WARMUP        seconds of unrecorded load before each measured run (default 2; 0 disables)
#   ROUNDS        repeat the three runs this many times, interleaved, and report medians (default 1)
#   HUB_BIN       use this caduceus-hub binary instead of building the release preset
#   KEEP_TMP=1    keep the temporary directory (database, logs, nginx config) for inspection
#
# Exit status: 0 when every run completed without errors; 3 when the runs completed but wrk saw
# errors (non-2xx/3xx responses, socket errors) or the hub died under load; 1 when the benchmark
# could not be set up. Needs root (or sudo) only to install missing packages (wrk, nginx-light,
# curl). Run as root, nginx is started as the unprivileged user `nobody`. Nothing listens on
# anything but 127.0.0.1, and every wait and run is bounded in time.
set -euo pipefail

kScriptDir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kRepo="$(cd "$kScriptDir/.." && pwd)"
readonly kScriptDir kRepo
readonly kLua="$kScriptDir/wrk_report.lua"
readonly kResults="$kScriptDir/results"

DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
WRK_THREADS="${WRK_THREADS:-2}"
WARMUP="${WARMUP:-2}"
ROUNDS="${ROUNDS:-1}"

T=""
HUB_PID=""
NGINX_PID=""
SAMPLER_PID=""
WRK_PID=""
STEP=0
STEPS=0
kClkTck="$(getconf CLK_TCK)"
readonly kClkTck
# Results of the wrk runs, keyed "TARGET.ROUND.FIELD" (TARGET: nginx, health, me; see run_wrk).
declare -A RES=()
# Per-target medians and totals over the rounds, keyed "TARGET.FIELD" (see summarise).
declare -A SUM=()

die() {
  echo "http_bench: $*" >&2
  exit 1
}

step() {
  STEP=$((STEP + 1))
  printf '\n==> [%d/%d] %s\n' "$STEP" "$STEPS" "$*" >&2
}

note() { printf '    %s\n' "$*" >&2; }

check_int() {
  local name="$1" value="$2" min="$3" max="$4"
  if ! [[ "$value" =~ ^[0-9]+$ ]] || ((value < min || value > max)); then
    die "$name must be an integer in [$min, $max], got '$value'"
  fi
}

stop_pid() {
  local pid="$1" signal="$2" wait_s="$3" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < wait_s * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$WRK_PID" TERM 5
  stop_pid "$SAMPLER_PID" TERM 2
  stop_pid "$NGINX_PID" QUIT 10
  stop_pid "$HUB_PID" TERM 25
  if [[ -n "$T" && -d "$T" ]]; then
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
      echo "http_bench: kept $T" >&2
    else
      rm -rf "$T"
    fi
  fi
  exit "$rc"
}

need_root_cmd() {
  if ((EUID == 0)); then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "'$*' needs root; install wrk, nginx-light and curl first"
  fi
}

apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
  need_root_cmd "${apt[@]}" install -y "$@" >&2 ||
    { need_root_cmd "${apt[@]}" update >&2 && need_root_cmd "${apt[@]}" install -y "$@" >&2; }
}

nginx_bin() {
  command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; } || true
}

ensure_packages() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  if ((${#missing[@]} > 0)); then
    note "installing ${missing[*]}"
    apt_install "${missing[@]}" || die "could not install ${missing[*]}"
  fi
  if [[ -z "$(nginx_bin)" ]]; then
    note "installing nginx-light"
    apt_install nginx-light || apt_install nginx || die "could not install nginx"
  fi
  note "wrk: $(command -v wrk), nginx: $(nginx_bin), curl: $(command -v curl)"
}

build_hub() {
  if [[ -n "${HUB_BIN:-}" ]]; then
    [[ -x "$HUB_BIN" ]] || die "HUB_BIN=$HUB_BIN is not executable"
    note "using HUB_BIN=$HUB_BIN (not building)"
    return
  fi
  cd "$kRepo"
  if [[ ! -f build/release/build.ninja ]]; then
    note "configuring the release preset (build/release)"
    cmake --preset release >"$T/cmake-configure.log" 2>&1 ||
      { tail -n 30 "$T/cmake-configure.log" >&2; die "cmake --preset release failed"; }
  fi
  note "building caduceus-hub (release, -j2)"
  cmake --build --preset release --target caduceus-hub -j2 >"$T/cmake-build.log" 2>&1 ||
    { tail -n 40 "$T/cmake-build.log" >&2; die "building caduceus-hub failed"; }
  HUB_BIN="$kRepo/build/release/bin/caduceus-hub"
  [[ -x "$HUB_BIN" ]] || die "the build produced no $HUB_BIN"
}

# Waits until URL answers 200 (with optional extra curl arguments); fails after SECONDS.
wait_http_ok() {
  local url="$1" seconds="$2" pid="$3" i
  shift 3
  for ((i = 0; i < seconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url")" == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

start_hub() {
  local i
  CADUCEUS_LOG_LEVEL=warn "$HUB_BIN" serve -d "sqlite://$T/b.db" --listen 127.0.0.1:0 \
    --port-file "$T/port" --threads "$THREADS" >"$T/hub.log" 2>&1 &
  HUB_PID=$!
  for ((i = 0; i < 300; i++)); do
    [[ -s "$T/port" ]] && break
    kill -0 "$HUB_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -s "$T/port" ]] || { cat "$T/hub.log" >&2; die "the hub did not start"; }
  HUB_PORT="$(tr -dc 0-9 <"$T/port")"
  wait_http_ok "http://127.0.0.1:$HUB_PORT/healthz" 30 "$HUB_PID" ||
    { cat "$T/hub.log" >&2; die "the hub's /healthz did not answer 200"; }
  BENCH_CHECK="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$HUB_PORT/api/v1/me")"
  [[ "$BENCH_CHECK" == 200 ]] || die "GET /api/v1/me with the bearer token answered $BENCH_CHECK"
  note "hub pid $HUB_PID on 127.0.0.1:$HUB_PORT, $THREADS threads"
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_nginx_conf() {
  local ng="$1" port="$2" extra_temp=""
  local v
  v="$("$NGINX" -V 2>&1)"
  [[ "$v" == *--without-http_uwsgi_module* ]] ||
    extra_temp+="  uwsgi_temp_path $ng/tmp/uwsgi;"$'\n'
  [[ "$v" == *--without-http_scgi_module* ]] || extra_temp+="  scgi_temp_path $ng/tmp/scgi;"$'\n'
  [[ "$v" == *--without-http_fastcgi_module* ]] ||
    extra_temp+="  fastcgi_temp_path $ng/tmp/fastcgi;"$'\n'
  cat >"$ng/nginx.conf" <<EOF
worker_processes $THREADS;
daemon off;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path $ng/tmp/body;
  proxy_temp_path $ng/tmp/proxy;
$extra_temp  types { application/json json; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$port;
    root $ng/www;
  }
}
EOF
}

start_nginx() {
  local ng="$T/nginx" run_as=() attempt
  mkdir -p "$ng/www" "$ng/tmp"
  curl -s --max-time 5 -o "$ng/www/healthz.json" "http://127.0.0.1:$HUB_PORT/healthz"
  STATIC_BYTES="$(stat -c %s "$ng/www/healthz.json")"
  if ((EUID == 0)); then
    chmod 711 "$T"
    run_as=(setpriv "--reuid=$(id -u nobody)" "--regid=$(id -g nobody)" --clear-groups --)
  fi
  for ((attempt = 0; attempt < 10; attempt++)); do
    NGINX_PORT=$((20000 + RANDOM % 40000))
    port_is_free "$NGINX_PORT" || continue
    write_nginx_conf "$ng" "$NGINX_PORT"
    rm -f "$ng/error.log"
    ((EUID == 0)) && chown -R "$(id -u nobody):$(id -g nobody)" "$ng" && chmod -R u+rwX,go-rwx "$ng"
    "${run_as[@]}" "$NGINX" -p "$ng/" -c "$ng/nginx.conf" -e "$ng/error.log" &
    NGINX_PID=$!
    if wait_http_ok "http://127.0.0.1:$NGINX_PORT/healthz.json" 10 "$NGINX_PID"; then
      note "nginx pid $NGINX_PID on 127.0.0.1:$NGINX_PORT, $THREADS workers," \
        "static file of $STATIC_BYTES bytes (the hub's /healthz body)"
      return
    fi
    stop_pid "$NGINX_PID" QUIT 5
    NGINX_PID=""
    grep -q "in use" "$ng/error.log" 2>/dev/null || { cat "$ng/error.log" >&2 || true; break; }
  done
  die "nginx did not start"
}

# wrk_bounded LIMIT_S ARGS...: runs wrk with a hard time limit, in the background so that a signal
# to this script is handled at once (the trap then stops wrk too).
wrk_bounded() {
  local limit="$1" rc=0
  shift
  timeout "$limit" wrk "$@" &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  return "$rc"
}

# Unrecorded load so that caches, connection pools and the allocator settle before measuring.
warm_up() {
  ((WARMUP > 0)) || return 0
  note "warm-up ${WARMUP}s"
  wrk_bounded $((WARMUP + 30)) -t"$WRK_THREADS" -c"$CONNECTIONS" -s "$kLua" -d"${WARMUP}s" \
    "$1" >/dev/null
}

# Sum of user + system CPU time, in clock ticks, of the given processes (all their threads).
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null || echo)
    ((${#f[@]} > 12)) && total=$((total + f[11] + f[12]))
  done
  echo "$total"
}

# run_wrk KEY URL PID...: runs wrk against URL, keeps the raw report in $T/wrk-KEY.txt and stores
# the fields of its BENCH line in RES[KEY.*], plus RES[KEY.errors] (their sum), RES[KEY.rps] and
# RES[KEY.cpu_us_per_req] (CPU time the PIDs spent per completed request).
run_wrk() {
  local key="$1" url="$2" line kv f ticks_before ticks_after
  shift 2
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --latency -s "$kLua")
  note "wrk ${args[*]:0:3} -d${DURATION}s $url  (${DURATION}s)"
  ticks_before="$(cpu_ticks "$@")"
  wrk_bounded $((DURATION + 60)) "${args[@]}" -d"${DURATION}s" "$url" >"$T/wrk-$key.txt" ||
    { cat "$T/wrk-$key.txt" >&2; die "wrk failed against $url"; }
  ticks_after="$(cpu_ticks "$@")"
  line="$(grep '^BENCH ' "$T/wrk-$key.txt")" || die "wrk printed no summary for $url"
  for kv in ${line#BENCH }; do
    RES["$key.${kv%%=*}"]="${kv#*=}"
  done
  for f in requests duration_us p50_us p90_us p99_us max_us connect read write status timeout; do
    [[ "${RES[$key.$f]:-}" =~ ^[0-9]+$ ]] || die "wrk's summary lacks $f: $line"
  done
  RES["$key.errors"]=$((RES[$key.connect] + RES[$key.read] + RES[$key.write] + \
    RES[$key.status] + RES[$key.timeout]))
  RES["$key.rps"]="$(awk -v n="${RES[$key.requests]}" -v d="${RES[$key.duration_us]}" \
    'BEGIN { printf "%.1f", n / (d / 1e6) }')"
  RES["$key.cpu_us_per_req"]="$(awk -v t=$((ticks_after - ticks_before)) -v hz="$kClkTck" \
    -v n="${RES[$key.requests]}" 'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }')"
  note "${RES[$key.rps]} req/s, p99 $(ms "${RES[$key.p99_us]}") ms," \
    "${RES[$key.cpu_us_per_req]} CPU us/request, ${RES[$key.errors]} errors"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Appends the hub's RSS (KiB) to $T/rss every second until stopped.
start_sampler() {
  (
    while kill -0 "$HUB_PID" 2>/dev/null; do
      rss_kib "$HUB_PID" >>"$T/rss"
      sleep 1
    done
  ) &
  SAMPLER_PID=$!
}

stop_sampler() {
  stop_pid "$SAMPLER_PID" TERM 2
  SAMPLER_PID=""
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "0" }'; }
percent() { awk -v r="$1" 'BEGIN { printf "%.1f%%", r * 100 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
                              else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
json_str() {
  local s="${1//\\/\\\\}"
  s="${s//\"/\\\"}"
  printf '"%s"' "$(tr -d '\000-\037' <<<"$s")"
}

# Sets SUM[NAME.*]: the median over the rounds of rps, p99_us and cpu_us_per_req, and the totals of
# requests and errors.
summarise() {
  local name="$1" f r values
  for f in rps p99_us cpu_us_per_req; do
    values=()
    for ((r = 1; r <= ROUNDS; r++)); do values+=("${RES[$name.$r.$f]}"); done
    SUM["$name.$f"]="$(median "${values[@]}")"
  done
  SUM["$name.requests"]=0
  SUM["$name.errors"]=0
  for ((r = 1; r <= ROUNDS; r++)); do
    SUM["$name.requests"]=$((SUM[$name.requests] + RES[$name.$r.requests]))
    SUM["$name.errors"]=$((SUM[$name.errors] + RES[$name.$r.errors]))
  done
}

json_run() {
  local key="$1" f
  printf '    {"target": "%s", "round": %s,' "${key%.*}" "${key##*.}"
  printf ' "requests": %s, "duration_s": %s, "requests_per_s": %s,' "${RES[$key.requests]}" \
    "$(awk -v d="${RES[$key.duration_us]}" 'BEGIN { printf "%.3f", d / 1e6 }')" \
    "${RES[$key.rps]}"
  printf ' "cpu_us_per_request": %s,\n' "${RES[$key.cpu_us_per_req]}"
  printf '     "latency_ms": {"p50": %s, "p90": %s, "p99": %s, "max": %s},' \
    "$(ms "${RES[$key.p50_us]}")" "$(ms "${RES[$key.p90_us]}")" \
    "$(ms "${RES[$key.p99_us]}")" "$(ms "${RES[$key.max_us]}")"
  printf ' "errors": {"total": %s' "${RES[$key.errors]}"
  for f in status connect read write timeout; do
    printf ', "%s": %s' "$f" "${RES[$key.$f]}"
  done
  printf '}}'
}

json_summary() {
  local name="$1" label="$2" url="$3"
  printf '    "%s": {"label": %s, "url": %s,\n' "$name" "$(json_str "$label")" "$(json_str "$url")"
  printf '      "requests_per_s": %s, "p99_ms": %s, "cpu_us_per_request": %s,' \
    "${SUM[$name.rps]}" "$(ms "${SUM[$name.p99_us]}")" "${SUM[$name.cpu_us_per_req]}"
  printf ' "requests": %s, "errors": %s}' "${SUM[$name.requests]}" "${SUM[$name.errors]}"
}

main() {
  check_int DURATION "$DURATION" 1 600
  check_int CONNECTIONS "$CONNECTIONS" 1 4096
  check_int THREADS "$THREADS" 1 64
  check_int WRK_THREADS "$WRK_THREADS" 1 64
  check_int WARMUP "$WARMUP" 0 60
  check_int ROUNDS "$ROUNDS" 1 10
  ((CONNECTIONS >= WRK_THREADS)) || die "CONNECTIONS must be >= WRK_THREADS"
  STEPS=$((6 + 3 * ROUNDS))

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  umask 077
  T="$(mktemp -d /tmp/caduceus-http-bench.XXXXXX)"
  local load_start
  load_start="$(cut -d' ' -f1-3 /proc/loadavg)"

  step "checking tools (wrk, nginx, curl)"
  ensure_packages
  NGINX="$(nginx_bin)"

  step "building caduceus-hub (release preset)"
  build_hub

  step "creating the SQLite demo database and a read-scoped API token"
  "$HUB_BIN" demo -d "sqlite://$T/b.db" --credentials-file "$T/c.json" >"$T/demo.log" 2>&1 ||
    { cat "$T/demo.log" >&2; die "caduceus-hub demo failed"; }
  TOKEN="$("$HUB_BIN" token create -d "sqlite://$T/b.db" --username eu.analyst --scopes read \
    2>"$T/token.log")" || { cat "$T/token.log" >&2; die "caduceus-hub token create failed"; }
  [[ -n "$TOKEN" ]] || die "caduceus-hub token create printed no token"
  note "database $T/b.db, token for eu.analyst (scope read)"

  step "starting the hub (SQLite, CADUCEUS_LOG_LEVEL=warn)"
  start_hub

  step "starting nginx (unprivileged, foreground, access_log off)"
  start_nginx
  local nginx_pids
  read -r -a nginx_pids <<<"$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"

  local url_nginx="http://127.0.0.1:$NGINX_PORT/healthz.json"
  local url_health="http://127.0.0.1:$HUB_PORT/healthz"
  local url_me="http://127.0.0.1:$HUB_PORT/api/v1/me"
  local rss_before r of="" hub_alive=1
  rss_before="$(rss_kib "$HUB_PID")"
  : >"$T/rss"
  for ((r = 1; r <= ROUNDS; r++)); do
    ((ROUNDS > 1)) && of=" (round $r of $ROUNDS)"
    step "wrk against nginx: static file$of"
    warm_up "$url_nginx"
    run_wrk "nginx.$r" "$url_nginx" "${nginx_pids[@]}"

    step "wrk against hub: GET /healthz$of"
    warm_up "$url_health"
    run_wrk "health.$r" "$url_health" "$HUB_PID"
    kill -0 "$HUB_PID" 2>/dev/null || { hub_alive=0 && break; }

    step "wrk against hub: GET /api/v1/me with the bearer token, sampling RSS every second$of"
    export BENCH_BEARER="$TOKEN"
    warm_up "$url_me"
    start_sampler
    run_wrk "me.$r" "$url_me" "$HUB_PID"
    stop_sampler
    unset BENCH_BEARER
    kill -0 "$HUB_PID" 2>/dev/null || { hub_alive=0 && break; }
  done
  if ((hub_alive == 0)); then
    tail -n 50 "$T/hub.log" >&2
    echo "http_bench: FINDING: the hub died under load (its log is above)" >&2
    exit 3
  fi

  step "results"
  local name
  for name in nginx health me; do summarise "$name"; done
  local rss_start rss_max rss_end rss_samples
  rss_samples="$(grep -c . "$T/rss" || true)"
  rss_start="$(head -n 1 "$T/rss")"
  rss_end="$(tail -n 1 "$T/rss")"
  rss_max="$(sort -n "$T/rss" | tail -n 1)"
  local load_end stamp out log
  load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  mkdir -p "$kResults"
  out="$kResults/http-$stamp.json"
  log="$kResults/http-$stamp.log"
  local ra rb pa pb ca cb
  ra="$(ratio "${SUM[health.rps]}" "${SUM[nginx.rps]}")"
  rb="$(ratio "${SUM[me.rps]}" "${SUM[nginx.rps]}")"
  pa="$(ratio "${SUM[health.p99_us]}" "${SUM[nginx.p99_us]}")"
  pb="$(ratio "${SUM[me.p99_us]}" "${SUM[nginx.p99_us]}")"
  ca="$(ratio "${SUM[nginx.cpu_us_per_req]}" "${SUM[health.cpu_us_per_req]}")"
  cb="$(ratio "${SUM[nginx.cpu_us_per_req]}" "${SUM[me.cpu_us_per_req]}")"
  local hub_log_lines
  hub_log_lines="$(grep -cv 'no web root configured' "$T/hub.log" || true)"
  local fmt_row='%-34s %11s %9s %11s %7s\n' fmt_ratio='%-16s %11s %7s %14s %15s\n'

  {
    printf '\nwrk -t%s -c%s -d%ss --latency on loopback; hub threads = nginx workers = %s' \
      "$WRK_THREADS" "$CONNECTIONS" "$DURATION" "$THREADS"
    ((ROUNDS > 1)) && printf '; median of %s rounds' "$ROUNDS"
    printf '\nload average before: %s   after: %s   (%s cores)\n\n' "$load_start" "$load_end" \
      "$(nproc)"
    # shellcheck disable=SC2059
    {
      printf "$fmt_row" target "requests/s" "p99 (ms)" "CPU us/req" errors
      printf "$fmt_row" "nginx static file ($STATIC_BYTES B)" "${SUM[nginx.rps]}" \
        "$(ms "${SUM[nginx.p99_us]}")" "${SUM[nginx.cpu_us_per_req]}" "${SUM[nginx.errors]}"
      printf "$fmt_row" "(a) hub GET /healthz" "${SUM[health.rps]}" \
        "$(ms "${SUM[health.p99_us]}")" "${SUM[health.cpu_us_per_req]}" "${SUM[health.errors]}"
      printf "$fmt_row" "(b) hub GET /api/v1/me (bearer)" "${SUM[me.rps]}" \
        "$(ms "${SUM[me.p99_us]}")" "${SUM[me.cpu_us_per_req]}" "${SUM[me.errors]}"
      printf '\n'
      printf "$fmt_ratio" "hub/nginx" "requests/s" "aim" "p99 (x nginx)" "CPU efficiency"
      printf "$fmt_ratio" "(a) /healthz" "$(percent "$ra")" ">= 50%" "$pa" "$(percent "$ca")"
      printf "$fmt_ratio" "(b) /api/v1/me" "$(percent "$rb")" ">= 25%" "$pb" "$(percent "$cb")"
    }
    printf '\nhub RSS during (b): start %s MiB, max %s MiB, end %s MiB' "$(mib "$rss_start")" \
      "$(mib "$rss_max")" "$(mib "$rss_end")"
    printf ', end - start %+d KiB\n' $((${rss_end:-0} - ${rss_start:-0}))
    printf '  (%s samples; %s MiB before the first warm-up)\n' "$rss_samples" "$(mib "$rss_before")"
    printf 'hub log lines at warn level or above: %s\n' "$hub_log_lines"
  } | tee "$T/table.txt"

  {
    printf '{\n  "benchmark": "http",\n  "time_utc": "%s",\n' "$stamp"
    printf '  "machine": {"cores": %s, "loadavg_before": %s, "loadavg_after": %s,' "$(nproc)" \
      "$(json_str "$load_start")" "$(json_str "$load_end")"
    printf ' "kernel": %s},\n' "$(json_str "$(uname -r)")"
    printf '  "settings": {"duration_s": %s, "connections": %s, "wrk_threads": %s,' \
      "$DURATION" "$CONNECTIONS" "$WRK_THREADS"
    printf ' "server_threads": %s, "warmup_s": %s, "rounds": %s, "database": "sqlite",' \
      "$THREADS" "$WARMUP" "$ROUNDS"
    printf ' "static_file_bytes": %s},\n' "$STATIC_BYTES"
    printf '  "versions": {"hub": %s, "nginx": %s, "wrk": %s, "git": %s},\n' \
      "$(json_str "$("$HUB_BIN" --version 2>&1 | head -n 1)")" \
      "$(json_str "$("$NGINX" -v 2>&1 | head -n 1)")" \
      "$(json_str "$(wrk -v 2>&1 | head -n 1)")" \
      "$(json_str "$(git -C "$kRepo" rev-parse --short HEAD 2>/dev/null || echo none)")"
    printf '  "summary": {\n'
    json_summary nginx "nginx static file" "$url_nginx"
    printf ',\n'
    json_summary health "hub GET /healthz" "$url_health"
    printf ',\n'
    json_summary me "hub GET /api/v1/me (bearer, read scope)" "$url_me"
    printf '\n  },\n'
    printf '  "ratios_hub_over_nginx": {\n'
    printf '    "healthz": {"requests_per_s": %s, "aim_requests_per_s": 0.5, "p99": %s,' "$ra" "$pa"
    printf ' "cpu_efficiency": %s},\n' "$ca"
    printf '    "me": {"requests_per_s": %s, "aim_requests_per_s": 0.25, "p99": %s,' "$rb" "$pb"
    printf ' "cpu_efficiency": %s}\n  },\n' "$cb"
    printf '  "hub_rss_mib_during_me": {"before_first_warmup": %s, "start": %s, "max": %s,' \
      "$(mib "$rss_before")" "$(mib "$rss_start")" "$(mib "$rss_max")"
    printf ' "end": %s, "end_minus_start_kib": %s, "samples": %s},\n' "$(mib "$rss_end")" \
      $((${rss_end:-0} - ${rss_start:-0})) "$rss_samples"
    printf '  "hub_log_lines_warn_or_above": %s,\n  "runs": [\n' "$hub_log_lines"
    local sep=""
    for ((r = 1; r <= ROUNDS; r++)); do
      for name in nginx health me; do
        printf '%s' "$sep"
        json_run "$name.$r"
        sep=$',\n'
      done
    done
    printf '\n  ]\n}\n'
  } >"$out"

  {
    cat "$T/table.txt"
    local key
    for ((r = 1; r <= ROUNDS; r++)); do
      for name in nginx health me; do
        key="$name.$r"
        printf '\n----- raw wrk report: %s, round %s (%s CPU us/request) -----\n' "$name" "$r" \
          "${RES[$key.cpu_us_per_req]}"
        grep -v '^BENCH ' "$T/wrk-$key.txt"
      done
    done
    printf '\n----- hub RSS samples during (b), KiB -----\n'
    tr '\n' ' ' <"$T/rss"
    printf '\n\n----- hub log (warn and above, first 200 lines) -----\n'
    head -n 200 "$T/hub.log"
  } >"$log"
  echo
  echo "results: $out"
  echo "raw wrk reports, RSS samples and hub log: $log"

  if ((hub_log_lines > 0)); then
    echo "note: the hub logged at warn level or above:" >&2
    grep -v 'no web root configured' "$T/hub.log" | head -n 20 >&2
  fi
  if ((${SUM[nginx.errors]} + ${SUM[health.errors]} + ${SUM[me.errors]} > 0)); then
    echo "WARNING: errors under load (see the raw wrk reports in $log)" >&2
    exit 3
  fi
}

main "$@"
