#!/usr/bin/env bash
# The whole test suite: set-up, a warnings-as-errors build under
# AddressSanitizer and UndefinedBehaviorSanitizer, the layering check, unit
# tests, and the end-to-end tests against a real gantry.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/start_docker.sh  # the Docker driver's end-to-end tests use a real engine
tools/check_layering.sh

build=build/asan
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGANTRY_SANITIZE=ON \
  -DGANTRY_WERROR=ON -DGANTRY_BENCH=OFF >/dev/null
ninja -C "$build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" "$@"
