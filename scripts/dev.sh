#!/usr/bin/env bash
# Set-up, an optimized build, then `gantry dev` with any extra arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGANTRY_BENCH=OFF >/dev/null
ninja -C build/release gantry
exec build/release/gantry dev "$@"
