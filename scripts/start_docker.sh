#!/usr/bin/env bash
# Starts a Docker engine when none answers at /var/run/docker.sock: CI
# machines and containers have no init system to start one. Fails when none
# can be started (the engine needs root).
set -euo pipefail

engine_answers() { docker version >/dev/null 2>&1; }

engine_answers && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "start_docker: no Docker engine answers and only root can start one" >&2
  exit 1
fi
log=/var/log/gantry-dockerd.log
echo "start_docker: starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 &
for _ in $(seq 1 150); do
  engine_answers && exit 0
  sleep 0.2
done
echo "start_docker: dockerd did not answer within 30 s; its log:" >&2
tail -20 "$log" >&2
exit 1
