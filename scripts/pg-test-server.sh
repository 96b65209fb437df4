#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, reachable only through a Unix socket.
#
#   pg-test-server.sh start DIR   initialise (if needed) and start a cluster in DIR; prints its
#                                 libpq URL on stdout, e.g. postgresql:///postgres?host=DIR&user=postgres
#   pg-test-server.sh stop DIR    stop the cluster (fast shutdown) and remove DIR
#
# Both commands are idempotent: starting a running cluster prints its URL again, stopping a
# removed one succeeds. The cluster listens on no TCP port (listen_addresses=''), trusts local
# connections, runs with fsync=off, and its superuser is "postgres". Run as root, the cluster is
# owned by the `postgres` system user (initdb refuses to run as root); otherwise by the caller.
# PG_BINDIR overrides the server binaries (default: the newest /usr/lib/postgresql/*/bin).
set -euo pipefail

readonly kMarker=".caduceus-pg-test"

die() {
  echo "pg-test-server: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then
    [[ -x "$PG_BINDIR/pg_ctl" ]] || die "PG_BINDIR=$PG_BINDIR has no pg_ctl"
    echo "$PG_BINDIR"
    return
  fi
  local newest
  newest=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
    sed 's|/bin/initdb$||' | sort -V | tail -n 1)
  [[ -n "$newest" ]] || die "no PostgreSQL server found in /usr/lib/postgresql/*/bin" \
    "(install postgresql, or set PG_BINDIR)"
  echo "$newest/bin"
}

# Runs a command as the cluster owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Resolves DIR to an absolute path that is safe to embed in postgresql.conf and in a URL.
resolve_dir() {
  local dir
  dir=$(realpath -m -- "$1")
  [[ "$dir" =~ ^/[A-Za-z0-9/._-]+$ ]] ||
    die "DIR must contain only letters, digits, '/', '.', '_' and '-': $dir"
  [[ "$dir" != "/" ]] || die "refusing to use / as DIR"
  # The socket path DIR/.s.PGSQL.5432 must fit in sockaddr_un.sun_path (108 bytes with NUL).
  ((${#dir} + 15 <= 107)) || die "DIR is too long for a Unix socket path: $dir"
  echo "$dir"
}

url_for() {
  echo "postgresql:///postgres?host=$1&user=postgres"
}

is_running() {
  local bindir=$1 data=$2
  [[ -f "$data/postmaster.pid" ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

fail_with_log() {
  local log=$1
  shift
  if [[ -f "$log" ]]; then
    echo "pg-test-server: last lines of $log:" >&2
    tail -n 20 "$log" >&2
  fi
  die "$@"
}

start() {
  local dir data log bindir
  dir=$(resolve_dir "$1")
  data="$dir/data"
  log="$dir/postgres.log"
  bindir=$(find_bindir)

  mkdir -p -- "$dir"
  if [[ ! -e "$dir/$kMarker" ]]; then
    [[ -z "$(ls -A -- "$dir")" ]] || die "$dir is not empty and was not created by this script"
    touch -- "$dir/$kMarker"
  fi
  if [[ $(id -u) -eq 0 ]]; then
    id -u postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' system user"
    command -v runuser >/dev/null || die "running as root needs runuser (util-linux)"
    chown -R postgres: -- "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "user postgres cannot write to $dir (is a parent directory private?)"
  fi

  if is_running "$bindir" "$data"; then
    url_for "$dir"
    return
  fi

  if [[ ! -f "$data/PG_VERSION" ]]; then
    as_owner "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=reject \
      -E UTF8 --no-locale --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
      fail_with_log "$dir/initdb.log" "initdb failed"
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
# pg-test-server.sh: a throwaway cluster for tests
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
EOF
  fi

  as_owner "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 60 -s start ||
    fail_with_log "$log" "the server did not start"
  as_owner "$bindir/pg_isready" -q -h "$dir" -U postgres -d postgres ||
    fail_with_log "$log" "the server started but does not accept connections"
  url_for "$dir"
}

stop() {
  local dir bindir
  dir=$(resolve_dir "$1")
  [[ -e "$dir" ]] || return 0
  [[ -e "$dir/$kMarker" ]] || die "$dir was not created by this script; not removing it"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    bindir=$(find_bindir)
    if is_running "$bindir" "$dir/data"; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop ||
        die "pg_ctl stop failed for $dir"
    fi
  fi
  rm -rf -- "$dir"
}

[[ $# -eq 2 && -n "$2" ]] || usage
case "$1" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  *) usage ;;
esac
