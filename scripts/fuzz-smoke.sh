#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (the "fuzz" preset's settings) and runs each one for
# FUZZ_SECONDS seconds (default 20) on a scratch copy of its seed corpus in fuzz/corpus/<target>/.
# Exits non-zero when the build fails or any target crashes, leaks or hits undefined behaviour;
# crash inputs are kept in <build>/fuzz-artifacts/. FUZZ_BUILD_DIR overrides the build directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build/fuzz}"
seconds="${FUZZ_SECONDS:-20}"
targets=(fuzz_request_target fuzz_json_body fuzz_http_request)
targets+=(fuzz_stix_pattern)
targets+=(fuzz_csaf)
targets+=(fuzz_catalogue)
targets+=(fuzz_framework)
targets+=(fuzz_incident_report)
targets+=(fuzz_stix_bundle)
targets+=(fuzz_ransom_note fuzz_recovery_clues)
targets+=(fuzz_freetext fuzz_warninglist fuzz_misp_event fuzz_taxii_query)
targets+=(fuzz_version_range fuzz_cyclonedx fuzz_inventory_csv fuzz_cpe)
targets+=(fuzz_tokenizer fuzz_sweep_index fuzz_line_filter)
for f in squid proxifier combined bind dnsmasq unbound windows_dns zeek zeek_json json syslog syslog5424 cef leef csv auto; do targets+=("fuzz_log_$f"); done

cmake -S "$root" -B "$build" -G Ninja -DCADUCEUS_FUZZ=ON -DCADUCEUS_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14
# Build everything, not only the fuzzers: this is also where the whole tree is compiled by clang.
cmake --build "$build" --parallel 2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

failed=()
for target in "${targets[@]}"; do
  cp -r "$root/fuzz/corpus/$target" "$work/$target"
  extra=()
  # Long enough inputs to cross the server's 16 KiB header limit.
  if [[ "$target" == fuzz_http_request ]]; then extra+=(-max_len=20000); fi
  # Notes are normalised and compared whole: short inputs keep the run count meaningful.
  if [[ "$target" == fuzz_ransom_note ]]; then extra+=(-max_len=8000); fi
  echo "== $target: ${seconds}s"
  if ! "$build/bin/$target" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$artifacts/$target-" "${extra[@]}" "$work/$target"; then
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "fuzz-smoke: FAILED: ${failed[*]} (inputs in $artifacts)" >&2
  exit 1
fi
echo "fuzz-smoke: ${#targets[@]} targets ran ${seconds}s each without a crash"
