#!/usr/bin/env bash
# Set-up, an optimized build, then `gantry dev` with any extra arguments.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# With an engine, `gantry dev` runs containers in Docker; without, as processes.
if scripts/start_docker.sh; then
  scripts/busybox_image.sh  # gantry-test/busybox, the image the README's examples run
else
  echo "dev: no Docker engine; containers will run as plain processes"
fi
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DGANTRY_BENCH=OFF >/dev/null
ninja -C build/release gantry gantry_pause
exec build/release/gantry dev "$@"
