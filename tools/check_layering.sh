#!/usr/bin/env bash
# Enforces the direction of dependencies between modules (docs/architecture.md):
#   cli -> {api, controllers, agent} -> ecs -> {state, scheduler} -> {store, model} -> core
# logs/ (CloudWatch Logs: its own store beside the control plane's) sits
# beside ecs/: the API serves it, and it builds on store/'s SQLite
# statement and core/ only.
# auth and net sit beside them (the API and the agent both sign and speak
# HTTP); the agent shares only model/, net/, auth/ and core/ with the
# control plane. Controllers reach the state through ecs/'s commands and
# never include api/.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]="core"
  [model]="model core"
  [store]="store core"
  [net]="net core"
  [scheduler]="scheduler model core"
  [state]="state store model core"
  [auth]="auth core"
  [ecs]="ecs state scheduler store model core"
  [logs]="logs store core"
  [api]="api ecs logs auth state scheduler net store model core"
  [controllers]="controllers ecs state scheduler net store model core"
  [agent]="agent auth net model core"
  [cli]="cli auth api controllers agent ecs logs state scheduler net store model core"
)

status=0
for module in "${!allowed[@]}"; do
  [ -d "src/$module" ] || continue
  while IFS=: read -r file _ include; do
    target=$(sed -E 's/.*#include +"([a-z_]+)\/.*/\1/' <<<"$include")
    if [[ " ${allowed[$module]} " != *" $target "* ]]; then
      echo "layering: $file includes $target/, which $module/ may not depend on"
      status=1
    fi
  done < <(grep -rnE '#include +"[a-z_]+/' "src/$module" || true)
done
# A module not in the table would go unchecked.
for dir in src/*/; do
  module=$(basename "$dir")
  if [ -z "${allowed[$module]+x}" ]; then
    echo "layering: src/$module/ has no entry in tools/check_layering.sh"
    status=1
  fi
done
exit $status
