#!/usr/bin/env bash
# Installs what building, running and testing Caduceus needs, by Debian and npm package name.
# Usage: scripts/install-deps.sh [run|test]   (run: build + run the hub; test: also the test tools)
# Idempotent: only missing packages are installed. Needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
build_pkgs=(
  g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libsodium-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libpsl-dev libidn2-dev libpcre2-dev libzstd-dev zlib1g-dev
  libgpgme-dev gnupg libyara-dev
)
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev clang-format
  postgresql chromium curl bind9-utils
  time bc
)
pkgs=("${build_pkgs[@]}")
[[ "$mode" == test ]] && pkgs+=("${test_pkgs[@]}")
# Node.js and npm for the web UI: keep an existing installation (it may bundle npm).
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

npm_ci() {
  local dir="$1"
  if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "==> installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_ci web
[[ "$mode" == test ]] && npm_ci tests/ui
exit 0
