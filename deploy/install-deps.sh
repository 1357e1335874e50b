#!/usr/bin/env bash
# Installs the Debian 12 packages hedged needs to build, run and test. Idempotent: installs
# only what is missing, and does nothing (not even apt-get update) when all are present.
#   deploy/install-deps.sh          build + run + test dependencies
#   deploy/install-deps.sh --run    only what the daemon needs at run time
set -euo pipefail

build_packages=(
  g++ cmake ninja-build ccache pkg-config make git
  libboost-dev            # Asio/Beast (header-only)
  libquickfix-dev         # FIX engine
  libspdlog-dev libfmt-dev
  libyaml-cpp-dev
  prometheus-cpp-dev      # pulls civetweb, zlib and curl development files
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libquantlib0-dev        # reference pricer, tests and benchmarks only
  clang-format            # format check
  curl                    # README examples and smoke checks
  prometheus              # promtool (rules, exposition) and a real server for the deploy tests
  jq                      # the dashboard test reads the Grafana JSON
  python3 python3-yaml python3-jsonschema  # the schema test validates YAML against config/schema
  libquickfix-doc         # QuickFIX's example executor, a foreign FIX peer (tests/integration/executor_test.sh)
)
run_packages=(libquickfix17 libfmt9 libyaml-cpp0.7 libprometheus-cpp-pull1.0 libprometheus-cpp-core1.0)

packages=("${build_packages[@]}")
if [ "${1:-}" = "--run" ]; then packages=("${run_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
