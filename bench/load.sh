#!/usr/bin/env bash
# Load figures for the README: reads (DescribeTaskDefinition, ListClusters)
# over keep-alive connections, and durable RegisterTaskDefinition commits
# with many concurrent clients. Starts its own Release gantry on a fresh
# data dir; every run is bounded in time.
#   bench/load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}

scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/release gantry >/dev/null

data=$(mktemp -d /tmp/gantry-bench-XXXXXX)
port=$((20000 + RANDOM % 20000))
endpoint="http://127.0.0.1:$port"
build/release/gantry dev --listen "127.0.0.1:$port" --data-dir "$data" >"$data/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do grep -q endpoint: "$data/log" 2>/dev/null && break; sleep 0.1; done

task_definition='{"family":"bench","containerDefinitions":[{"name":"app","image":"public.ecr.aws/docker/library/nginx:1.27","memory":256,"cpu":128,"portMappings":[{"containerPort":80,"hostPort":0}],"environment":[{"name":"MODE","value":"bench"}],"healthCheck":{"command":["CMD-SHELL","curl -f http://localhost/ || exit 1"],"interval":10,"timeout":5,"retries":3,"startPeriod":30},"logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/bench","awslogs-region":"us-east-1","awslogs-stream-prefix":"app"}}},{"name":"sidecar","image":"busybox","memory":64,"essential":false,"command":["sleep","infinity"]}]}'

script() {  # operation body -> lua file
  local file="$data/$1.lua"
  python3 bench/wrk_script.py "$endpoint" "$data/credentials" "$1" "$2" >"$file"
  echo "$file"
}

# Seed: one cluster and one registered task definition to read back.
for op in CreateCluster RegisterTaskDefinition; do
  body='{"clusterName":"bench"}'; [ $op = RegisterTaskDefinition ] && body=$task_definition
  wrk -t1 -c1 -d1s -s "$(script $op "$body")" "$endpoint" >/dev/null
done

run() {  # title connections operation body
  echo "== $1 ($2 connections, ${seconds}s)"
  wrk -t2 -c"$2" -d"${seconds}s" --latency -s "$(script "$3" "$4")" "$endpoint" |
    grep -E "Requests/sec|Latency|50%|99%|non-200"
}

run "DescribeTaskDefinition" 32 DescribeTaskDefinition '{"taskDefinition":"bench"}'
run "ListClusters" 32 ListClusters '{}'
before=$(python3 - "$data/gantry.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from kv where key like 'taskdefs/%'").fetchone()[0])
PY
)
run "RegisterTaskDefinition (durable)" 128 RegisterTaskDefinition "$task_definition"
after=$(python3 - "$data/gantry.db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from kv where key like 'taskdefs/%'").fetchone()[0])
PY
)
echo "revisions committed to SQLite: $((after - before)) in ${seconds}s = $(((after - before) / seconds))/s"
echo "peak RSS of gantry: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
