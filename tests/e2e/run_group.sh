#!/usr/bin/env bash
# Runs one group of end-to-end tests (the command line given) and passes its exit status on, except
# that a run which succeeded with every test skipped (the backend is not available here) exits 77,
# which ctest reports as skipped. A failure is never turned into a skip.
set -uo pipefail
out="$("$@" 2>&1)"
rc=$?
printf '%s\n' "$out"
if [[ $rc -eq 0 ]] && grep -q '^\[  PASSED  \] 0 tests' <<<"$out" &&
  grep -q '^\[  SKIPPED \]' <<<"$out"; then
  exit 77
fi
exit "$rc"
