#!/usr/bin/env bash
# `make test`: everything, once, under ASan+UBSan: format check, C++ unit and integration tests on
# SQLite and a real PostgreSQL started here, the web UI in headless Chromium, and fuzz smoke runs.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

t0=$(date +%s)
stamp() { echo $(( $(date +%s) - t0 )); }
declare -A took
declare -A result
fail=0

step() {  # step NAME COMMAND...
  local name="$1"; shift
  local s; s=$(date +%s)
  echo
  echo "==> $name"
  if "$@"; then result[$name]=passed; else result[$name]=FAILED; fail=1; fi
  took[$name]=$(( $(date +%s) - s ))
}

scripts/install-deps.sh test || { echo "installing dependencies failed"; exit 1; }

export CCACHE_BASEDIR="$root"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

format_check() {
  git ls-files '*.cpp' '*.h' | xargs clang-format --dry-run -Werror
}
build() {
  cmake --preset asan >/dev/null && cmake --build --preset asan
}
web() {
  (cd web && npm run --silent build)
}

pgdir=""
cleanup() { [[ -n "$pgdir" ]] && scripts/pg-test-server.sh stop "$pgdir" >/dev/null 2>&1; }
trap cleanup EXIT

cxx_tests() {
  pgdir=$(mktemp -d /tmp/caduceus-pg.XXXXXX)
  local url
  url=$(scripts/pg-test-server.sh start "$pgdir") || return 1
  CADUCEUS_TEST_PG_URL="$url" CADUCEUS_REQUIRE_PG=1 \
    ctest --test-dir build/asan --output-on-failure -j2 --timeout 600
}
ui_tests() {
  tests/ui/run.sh "$root/build/asan/bin/caduceus-hub" "$root/web/dist"
}
fuzz_smoke() {
  FUZZ_SECONDS="${FUZZ_SECONDS:-10}" scripts/fuzz-smoke.sh
}

step format format_check
step build build
step web-build web
if [[ "${result[build]}" == passed ]]; then
  step cxx-tests cxx_tests
  [[ "${result[web-build]}" == passed ]] && step ui-tests ui_tests
fi
step fuzz-smoke fuzz_smoke

echo
echo "==> summary (total $(stamp)s)"
passed=0; failed=0
for name in format build web-build cxx-tests ui-tests fuzz-smoke; do
  [[ -n "${result[$name]:-}" ]] || continue
  printf '  %-12s %-7s %5ss\n' "$name" "${result[$name]}" "${took[$name]}"
  if [[ "${result[$name]}" == passed ]]; then passed=$((passed+1)); else failed=$((failed+1)); fi
done
echo "steps: $passed passed, $failed failed"
exit $fail
